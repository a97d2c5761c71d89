;; Arrays: new/get/set/fill/copy/len, loops whose locals are copied around, locals that
;; rely on their zero initial value, tees, plain (unfolded) code.
(module
  (type $ints (array (mut i32)))
  (type $bytes (array (mut i8)))
  (type $refs (array (mut (ref null $ints))))
  (global $g (export "g") (mut i64) (i64.const 0))

  (func $fill (param $n i32) (result (ref $ints))
    (local $a (ref $ints)) (local $i i32) (local $j i32)
    local.get $n
    i32.const 63
    i32.and
    i32.const 1
    i32.add
    array.new_default $ints
    local.set $a
    loop $l
      local.get $a
      local.get $i
      local.get $i
      local.get $i
      i32.mul
      local.get $n
      i32.xor
      array.set $ints
      local.get $i
      i32.const 1
      i32.add
      local.tee $j
      local.set $i
      local.get $j
      local.get $a
      array.len
      i32.lt_u
      br_if $l
    end
    local.get $a)

  (func (export "sum") (param $n i32) (result i32)
    (local $a (ref $ints)) (local $i i32) (local $acc i32) (local $x i32) (local $y i32)
    (local.set $a (call $fill (local.get $n)))
    (block $b
      (loop $l
        (br_if $b (i32.ge_u (local.get $i) (array.len (local.get $a))))
        ;; x is read before it is written in each iteration: the previous value carries over
        (local.set $y (local.get $x))
        (local.set $x (array.get $ints (local.get $a) (local.get $i)))
        (local.set $acc (i32.add (local.get $acc) (i32.sub (local.get $x) (local.get $y))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $acc))

  (func (export "zero_init") (param $k i32) (result i32)
    (local $a i32) (local $b i32) (local $c i32)
    ;; $b is written and read first, $a only read later: it must still read 0
    (local.set $b (i32.add (local.get $k) (i32.const 5)))
    (local.set $c (i32.mul (local.get $b) (local.get $b)))
    (if (i32.gt_s (local.get $k) (i32.const 3))
      (then (local.set $a (i32.const 11))))
    (i32.add (local.get $c) (local.get $a)))

  (func (export "bytes") (param $k i32) (result i32)
    (local $s (ref $bytes)) (local $t (ref $bytes)) (local $u (ref null $bytes)) (local $n i32)
    (local.set $n (i32.add (i32.and (local.get $k) (i32.const 15)) (i32.const 4)))
    (local.set $s (array.new $bytes (local.get $k) (local.get $n)))
    (local.set $t (array.new_fixed $bytes 4 (i32.const 1) (i32.const 2) (i32.const 250) (i32.const 4)))
    (array.copy $bytes $bytes (local.get $s) (i32.const 1) (local.get $t) (i32.const 0) (i32.const 3))
    (array.fill $bytes (local.get $s) (i32.const 0) (i32.const 77) (i32.const 1))
    (local.set $u (local.get $s))
    (i32.add
      (i32.add (array.get_u $bytes (local.get $u) (i32.const 3)) (array.get_s $bytes (local.get $s) (i32.const 3)))
      (i32.mul (array.get_u $bytes (local.get $s) (i32.const 0)) (array.len (local.get $t)))))

  (func (export "nested") (param $k i32) (result i64)
    (local $outer (ref $refs)) (local $row (ref null $ints)) (local $i i32) (local $j i32)
    (local $sum i64) (local $old i64) (local $unused f32) (local $unused2 (ref null $refs))
    (local.set $outer (array.new_default $refs (i32.const 4)))
    (loop $rows
      (array.set $refs (local.get $outer) (local.get $i) (call $fill (i32.add (local.get $i) (local.get $k))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $i) (i32.const 4))))
    (local.set $i (i32.const 0))
    (loop $rows2
      (local.set $row (array.get $refs (local.get $outer) (local.get $i)))
      (local.set $j (i32.const 0))
      (loop $cols
        (local.set $old (local.get $sum))
        (local.set $sum (i64.add (local.get $old)
          (i64.extend_i32_u (array.get $ints (local.get $row) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $cols (i32.lt_u (local.get $j) (array.len (local.get $row)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $rows2 (i32.lt_u (local.get $i) (i32.const 4))))
    (global.set $g (local.get $sum))
    (local.get $sum))

  (func (export "oob") (param $k i32) (result i32)
    (local $a (ref $ints)) (local $dead i32)
    (local.set $a (array.new $ints (i32.const 9) (i32.const 3)))
    (local.set $dead (i32.const 1))
    (local.tee $dead (array.get $ints (local.get $a) (local.get $k))))
)
