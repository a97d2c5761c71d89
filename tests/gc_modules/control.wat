;; Control flow the liveness analysis must follow: try_table with every catch kind, throw
;; and throw_ref, br_table, br_on_null / br_on_non_null, early return, multi-value blocks,
;; if/else without folding, locals live across a handler.
(module
  (type $box (struct (field $v (mut i32))))
  (tag $e (param i32))
  (tag $e2 (param i32 i64))
  (global $trace (export "trace") (mut i32) (i32.const 0))

  (func $note (param $x i32)
    (global.set $trace (i32.add (i32.mul (global.get $trace) (i32.const 31)) (local.get $x))))

  (func $thrower (param $k i32)
    (if (i32.eq (i32.rem_u (local.get $k) (i32.const 3)) (i32.const 1)) (then (throw $e (local.get $k))))
    (if (i32.eq (i32.rem_u (local.get $k) (i32.const 3)) (i32.const 2))
      (then (throw $e2 (local.get $k) (i64.extend_i32_s (local.get $k))))))

  (func (export "catches") (param $k i32) (result i32)
    (local $before i32) (local $after i32) (local $x i32) (local $exn exnref) (local $l i64)
    (local $y i32)
    (local.set $before (i32.add (local.get $k) (i32.const 100)))
    (block $h1 (result i32)
      (block $h2 (result i32 i64)
        (block $h3 (result exnref)
          (try_table (catch $e $h1) (catch $e2 $h2) (catch_all_ref $h3)
            (call $thrower (local.get $k))
            (local.set $after (i32.const 1)))
          (call $note (local.get $after))
          (return (local.get $before)))
        (local.set $exn)
        (return (i32.const -1)))
      ;; from $h2: an i32 under the i64
      (local.set $l)
      (local.set $y)
      (call $note (local.get $y))
      (return (i32.wrap_i64 (i64.add (local.get $l) (i64.const 1)))))
    (local.set $x)
    (call $note (local.get $x))
    (i32.add (local.get $x) (local.get $before)))

  (func (export "rethrow") (param $k i32) (result i32)
    (local $exn (ref null exn)) (local $v i32)
    (block $outer (result i32)
      (try_table (catch $e $outer)
        (block $h (result i32 (ref exn))
          (try_table (catch_ref $e $h)
            (call $thrower (local.get $k)))
          (call $thrower (i32.add (i32.mul (local.get $k) (i32.const 3)) (i32.const 1)))
          (return (i32.const 0)))
        (local.set $exn)
        (drop)
        (throw_ref (local.get $exn)))
      (return (i32.const -1)))
    (local.set $v)
    (i32.add (local.get $v) (i32.const 1000)))

  (func (export "table") (param $k i32) (result i32)
    (local $a i32) (local $b i32) (local $c i32) (local $tmp i32)
    (local.set $a (i32.const 1))
    (local.set $b (i32.const 2))
    block $three
      block $two
        block $one
          local.get $k
          i32.const 3
          i32.and
          br_table $one $two $three $one
        end
        local.get $a
        local.set $tmp
        local.get $b
        local.set $a
        local.get $tmp
        local.set $b
        br $three
      end
      i32.const 10
      local.set $c
    end
    local.get $a
    i32.const 100
    i32.mul
    local.get $b
    i32.const 10
    i32.mul
    i32.add
    local.get $c
    i32.add)

  (func (export "nulls") (param $k i32) (result i32)
    (local $b (ref null $box)) (local $nn (ref $box)) (local $r i32)
    local.get $k
    if
      local.get $k
      struct.new $box
      local.set $b
    else
      ref.null $box
      local.set $b
    end
    block $some (result (ref $box))
      local.get $b
      br_on_non_null $some
      i32.const -3
      return
    end
    local.set $nn
    block $none
      local.get $nn
      br_on_null $none
      struct.get $box $v
      local.set $r
    end
    local.get $r)

  (func (export "multi") (param $k i32) (result i32 i64)
    (local $x i32) (local $y i64) (local $z i32)
    (block (result i32 i64)
      (local.get $k)
      (i64.extend_i32_u (local.get $k)))
    (local.set $y)
    (local.set $x)
    (local.set $z (local.get $x))
    (if (result i32 i64) (local.get $z)
      (then (local.get $z) (local.get $y))
      (else (i32.const 4) (i64.const 5))))

  ;; A store that only the handler can read: on the normal path $x is overwritten, so a
  ;; liveness that missed the catch edge would call `(local.set $x (i32.const 1))` dead.
  (func (export "handler_sees_old") (param $k i32) (result i32)
    (local $x i32) (local $y i32) (local $seen i32)
    (local.set $x (i32.add (local.get $k) (i32.const 1)))
    (block $h (result i32)
      (try_table (catch $e $h)
        (local.set $y (i32.const 5))
        (call $thrower (local.get $k))
        (local.set $x (i32.const 2))
        (local.set $seen (local.get $y)))
      (i32.const 0))
    (local.set $y)
    (i32.add (i32.mul (local.get $x) (i32.const 100)) (i32.add (local.get $y) (local.get $seen))))

  ;; A local set only inside a loop that may run zero times, read after it.
  (func (export "maybe_never_set") (param $k i32) (result i32)
    (local $i i32) (local $r i32) (local $t i32)
    (local.set $t (i32.const 3))
    (block $out
      (loop $l
        (br_if $out (i32.ge_s (local.get $i) (local.get $k)))
        (local.set $r (i32.add (local.get $r) (local.get $t)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const 10)))))
    (local.get $r))
)
