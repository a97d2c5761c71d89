;; A small GC module, the kind a person writes by hand while learning WasmGC.
;; `wat-lsp --check examples/shapes.wat` reports what is wrong with it, and
;; `wat-lsp --fix` repairs the non-nullable local read outside its set's block.
(module
  (rec
    (type $shape (sub (struct (field $area (mut f64)))))
    (type $circle (sub final $shape (struct (field $area (mut f64)) (field $r f64)))))
  (type $shapes (array (mut (ref null $shape))))

  (func $circle (export "circle") (param $r f64) (result (ref $circle))
    (struct.new $circle
      (f64.mul (f64.const 3.141592653589793) (f64.mul (local.get $r) (local.get $r)))
      (local.get $r)))

  (func $total (export "total") (param $all (ref $shapes)) (result f64)
    (local $i i32)
    (local $sum f64)
    (local $s (ref $shape))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (array.len (local.get $all))))
        (block
          ;; the set's block ends before the read below: invalid under the 1a rule
          (local.set $s (ref.as_non_null (array.get $shapes (local.get $all) (local.get $i)))))
        (local.set $sum (f64.add (local.get $sum) (struct.get $shape $area (local.get $s))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $sum))
)
