;; Locals declared wider than what is stored in them (what local-subtyping refines),
;; nullable locals always set before they are read, ref.as_non_null that refining makes
;; redundant, i31, extern conversions, function references, call_ref and return_call.
(module
  (type $base (sub (struct (field $n (mut i32)))))
  (type $derived (sub $base (struct (field $n (mut i32)) (field $m i64))))
  (type $fn (func (param i32) (result i32)))
  (global $seen (export "seen") (mut anyref) (ref.null any))
  (table $tab (export "tab") 4 funcref)
  (elem (table $tab) (i32.const 0) func $double $inc)

  (func $double (type $fn) (i32.mul (local.get 0) (i32.const 2)))
  (func $inc (type $fn) (i32.add (local.get 0) (i32.const 1)))

  (func (export "widen") (param $k i32) (result i32)
    (local $a anyref) (local $e eqref) (local $b (ref null $base)) (local $s structref)
    (local.set $a (struct.new $derived (local.get $k) (i64.const 9)))
    (local.set $e (ref.cast eqref (local.get $a)))
    (local.set $b (ref.cast (ref null $base) (local.get $e)))
    (local.set $s (local.get $b))
    (global.set $seen (local.get $s))
    (struct.set $base $n (ref.as_non_null (local.get $b))
      (i32.add (struct.get $base $n (ref.as_non_null (local.get $b))) (i32.const 1)))
    (i32.add
      (struct.get $base $n (ref.cast (ref $base) (local.get $s)))
      (i32.wrap_i64 (struct.get $derived $m (ref.cast (ref $derived) (local.get $a))))))

  (func (export "i31s") (param $k i32) (result i32)
    (local $i (ref null i31)) (local $any anyref) (local $x externref) (local $back anyref)
    (local.set $i (ref.i31 (local.get $k)))
    (local.set $any (local.get $i))
    (local.set $x (extern.convert_any (local.get $any)))
    (local.set $back (any.convert_extern (local.get $x)))
    (i32.add
      (i31.get_s (ref.cast (ref i31) (local.get $back)))
      (i31.get_u (ref.as_non_null (local.get $i)))))

  (func (export "funcs") (param $k i32) (result i32)
    (local $f funcref) (local $g (ref null $fn)) (local $h (ref null $fn)) (local $r i32)
    (local.set $f (table.get $tab (i32.and (local.get $k) (i32.const 1))))
    (local.set $g (ref.cast (ref null $fn) (local.get $f)))
    (local.set $h (ref.func $double))
    (local.set $r (call_ref $fn (local.get $k) (local.get $g)))
    (local.set $r (call_ref $fn (local.get $r) (local.get $h)))
    (local.get $r))

  (func $tail (param $k i32) (result i32)
    (local $g (ref null $fn))
    (local.set $g (ref.func $inc))
    (return_call_ref $fn (local.get $k) (local.get $g)))

  (func (export "tail") (param $k i32) (result i32)
    (local $t i32) (local $never f64)
    (local.set $t (i32.const 0))
    (local.set $t (i32.xor (local.get $k) (i32.const 5)))
    (return_call $tail (local.get $t)))

  (func (export "select") (param $k i32) (result i32)
    (local $p (ref null $base)) (local $q (ref null $base)) (local $r (ref null $base))
    (local.set $p (struct.new $base (i32.const 1)))
    (local.set $q (struct.new $derived (i32.const 2) (i64.const 3)))
    (local.set $r (select (result (ref null $base)) (local.get $p) (local.get $q) (local.get $k)))
    (struct.get $base $n (local.get $r)))

  (func (export "maybe_null") (param $k i32) (result i32)
    (local $b (ref null $base)) (local $c (ref null $base))
    (if (local.get $k) (then (local.set $b (struct.new $base (local.get $k)))))
    (local.set $c (local.get $b))
    (struct.get $base $n (local.get $c)))

  ;; The ref.as_non_null here is the only thing that traps on null: it must stay.
  (func (export "checked_null") (param $k i32) (result i32)
    (local $b (ref null $base)) (local $n i32)
    (if (local.get $k) (then (local.set $b (struct.new $base (local.get $k)))))
    (drop (ref.as_non_null (local.get $b)))
    (global.set $seen (local.get $b))
    (i32.const 1))
)
