;; Structs, subtyping and casts: non-nullable locals set at function level, copies
;; between locals in loops, dead stores and unused locals, br_on_cast / br_on_cast_fail.
(module
  (rec
    (type $shape (sub (struct (field $id (mut i32)))))
    (type $circle (sub final $shape (struct (field $id (mut i32)) (field $r (mut f64)))))
    (type $rect (sub final $shape (struct (field $id (mut i32)) (field $w i32) (field $h i32)))))
  (type $pair (struct (field $a (mut (ref null $shape))) (field $b (mut (ref null $shape)))))
  (global $count (export "count") (mut i32) (i32.const 0))
  (global $last (export "last") (mut (ref null $shape)) (ref.null $shape))
  (memory (export "mem") 1)

  (func $make (param $k i32) (result (ref $shape))
    (local $c (ref $circle)) (local $r (ref $rect)) (local $unused i64)
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (if (result (ref $shape)) (i32.and (local.get $k) (i32.const 1))
      (then
        (local.set $c (struct.new $circle (local.get $k) (f64.convert_i32_s (local.get $k))))
        (local.get $c))
      (else
        (local.set $r (struct.new $rect (local.get $k) (local.get $k) (i32.const 3)))
        (local.get $r))))

  (func $area (param $s (ref $shape)) (result i32)
    (local $c (ref null $circle)) (local $t (ref $shape)) (local $dead i32)
    (local.set $dead (i32.const 99))
    (local.set $t (local.get $s))
    (block $not_circle (result (ref $shape))
      (local.set $c (br_on_cast_fail $not_circle (ref $shape) (ref $circle) (local.get $t)))
      (return (i32.trunc_sat_f64_s
        (f64.mul (struct.get $circle $r (local.get $c)) (struct.get $circle $r (local.get $c))))))
    (block $is_rect (param (ref $shape)) (result (ref $rect))
      (br_on_cast $is_rect (ref $shape) (ref $rect))
      (drop)
      (return (i32.const -1)))
    (local.set $t)
    (i32.mul
      (struct.get $rect $w (ref.cast (ref $rect) (local.get $t)))
      (struct.get $rect $h (ref.cast (ref $rect) (local.get $t)))))

  (func (export "sum_areas") (param $n i32) (result i32)
    (local $i i32) (local $acc i32) (local $s (ref $shape)) (local $prev (ref null $shape))
    (local $tmp (ref null $shape)) (local $copy i32)
    (local.set $n (i32.and (local.get $n) (i32.const 31)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $s (call $make (local.get $i)))
        ;; a copy chain: tmp <- s, prev <- tmp
        (local.set $tmp (local.get $s))
        (local.set $prev (local.get $tmp))
        (local.set $copy (call $area (local.get $s)))
        (local.set $acc (i32.add (local.get $acc) (local.get $copy)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (global.set $last (local.get $prev))
    (i32.store (i32.const 16) (local.get $acc))
    (local.get $acc))

  (func (export "tests") (param $k i32) (result i32)
    (local $s (ref $shape)) (local $any anyref) (local $eq eqref) (local $r i32)
    (local.set $s (call $make (local.get $k)))
    (local.set $any (local.get $s))
    (local.set $eq (ref.cast eqref (local.get $any)))
    (local.set $r (ref.test (ref $circle) (local.get $any)))
    (local.set $r (i32.or (i32.shl (local.get $r) (i32.const 1))
                          (ref.test (ref $rect) (local.get $eq))))
    (local.set $r (i32.or (i32.shl (local.get $r) (i32.const 1))
                          (ref.eq (local.get $eq) (local.get $s))))
    (local.get $r))

  (func (export "swap_pairs") (param $k i32) (result i32)
    (local $p (ref $pair)) (local $x (ref null $shape)) (local $y (ref null $shape)) (local $t (ref null $shape))
    (local $i i32)
    (local.set $p (struct.new $pair (call $make (local.get $k)) (call $make (i32.add (local.get $k) (i32.const 1)))))
    (local.set $x (struct.get $pair $a (local.get $p)))
    (local.set $y (struct.get $pair $b (local.get $p)))
    (loop $l
      ;; swap x and y through t: three copies in a loop
      (local.set $t (local.get $x))
      (local.set $x (local.get $y))
      (local.set $y (local.get $t))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.and (local.get $k) (i32.const 7)))))
    (struct.set $pair $a (local.get $p) (local.get $x))
    (struct.set $pair $b (local.get $p) (local.get $y))
    (i32.add
      (i32.mul (struct.get $shape $id (ref.as_non_null (struct.get $pair $a (local.get $p)))) (i32.const 100))
      (struct.get $shape $id (ref.as_non_null (struct.get $pair $b (local.get $p))))))

  (func (export "null_paths") (param $k i32) (result i32)
    (local $s (ref null $shape)) (local $t (ref $shape)) (local $n i32)
    (if (local.get $k) (then (local.set $s (call $make (local.get $k)))))
    (block $is_null
      (local.set $t (br_on_null $is_null (local.get $s)))
      (local.set $n (struct.get $shape $id (local.get $t)))
      (struct.set $shape $id (local.get $t) (i32.add (local.get $n) (i32.const 1)))
      (return (struct.get $shape $id (local.get $t))))
    (i32.const -7))
)
