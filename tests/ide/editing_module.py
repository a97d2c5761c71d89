"""The module the editing-aid tests share: one of each index space, and `@@` inside `$g`'s block for
the snippet under test."""

MODULE = """(module
  (type $pt (struct (field $x (mut i32)) (field $y i64)))
  (type $sig (func (param i32) (result i32)))
  (type $arr (array i32))
  (table $tab 1 funcref)
  (memory $mem 1)
  (global $g (mut i32) (i32.const 0))
  (func $f (param $a i32) (param $b f64) (result i32) (i32.const 0))
  (func $g (param i32) (result i32)
    (block $out (result i32)
      @@))
)"""
