"""Validation: table-driven WAT snippets with their exact diagnostics (code, range, message).

A range is written as the source text it covers plus which occurrence of that text it is
(0-based), so the expectations stay readable and exact. When the covered text alone is
ambiguous (a closing parenthesis), it is written inside a longer context with `«` `»` around
the covered part: `"(i32.const 2)«)»"`.
"""

from __future__ import annotations

import pytest
from wat_lsp.analysis.diagnostics import CODES, Diagnostic
from wat_lsp.analysis.document import MALFORMED_CODES, analyse
from wat_lsp.analysis.model import (
    BlockType,
    Func,
    FuncType,
    Instr,
    LocalDecl,
    Module,
    RecGroup,
    RefType,
    Span,
    TypeDef,
)
from wat_lsp.analysis.opcodes import lookup
from wat_lsp.analysis.validate import validate_function, validate_module

Expected = tuple[str, str, int, str]  # code, covered text, occurrence, message


def read(src: str) -> tuple[bytes, Module]:
    data = src.encode()
    doc = analyse(data)
    problems = [d for d in doc.diagnostics if d.code in MALFORMED_CODES]
    assert not problems, problems
    mods = [m for m in doc.modules if m.read is not None]
    assert len(mods) == 1
    assert mods[0].read is not None
    return data, mods[0].read.module


def span_of(data: bytes, text: str, occurrence: int) -> tuple[int, int]:
    context = text.replace("«", "").replace("»", "")
    start = -1
    for _ in range(occurrence + 1):
        start = data.index(context.encode(), start + 1)
    if "«" in text:
        before, _, rest = text.partition("«")
        inner = rest.partition("»")[0]
        start += len(before.encode())
        return start, start + len(inner.encode())
    return start, start + len(context.encode())


def check(src: str, expected: list[Expected]) -> list[Diagnostic]:
    data, module = read(src)
    diags = validate_module(module)
    got = [(d.code, (d.span.start, d.span.end), d.message) for d in diags]
    want = [(code, span_of(data, text, n), msg) for code, text, n, msg in expected]
    assert got == want
    for d in diags:
        assert d.code in CODES
    return diags


# --- the 1a rule ---------------------------------------------------------------------------

T = "(type $t (struct))"
BOTH_ARMS = f"""(module {T}
  (func (param $p (ref $t)) (param $c i32)
    (local $x (ref $t))
    (if (local.get $c)
      (then (local.set $x (local.get $p)))
      (else (local.set $x (local.get $p))))
    (drop (local.get $x))))"""

UNNAMED_BLOCK = f"""(module {T}
  (func (param $p (ref $t))
    (local $x (ref $t))
    (block (local.set $x (local.get $p)))
    (drop (local.get $x))))"""

SET_THEN_BR = f"""(module {T}
  (func (param $p (ref $t))
    (local $x (ref $t))
    (block $out
      (local.set $x (local.get $p))
      (br $out))
    (drop (local.get $x))))"""

UNREACHABLE_READ = f"""(module {T}
  (func
    (local $x (ref $t))
    unreachable
    local.get $x
    drop))"""

LOOP = f"""(module {T}
  (func (param $p (ref $t))
    (local $x (ref $t))
    (loop $l (local.set $x (local.get $p)))
    (drop (local.get $x))
    (drop (local.get $x))))"""

TRY_TABLE = f"""(module {T}
  (func (param $p (ref $t))
    (local (ref $t))
    try_table
      local.get $p
      local.set 1
    end
    local.get 1
    drop))"""

LEGACY_TRY = f"""(module {T}
  (func (param $p (ref $t))
    (local $x (ref $t))
    (try
      (do (local.set $x (local.get $p)))
      (catch_all (drop (local.get $x))))))"""

DECL = "(local $x (ref $t))"
DECLARED = "local `$x` is declared here with the non-defaultable type `(ref $t)`"


def test_1a_set_in_both_arms_of_if() -> None:
    (d,) = check(
        BOTH_ARMS,
        [
            (
                "uninitialized-local",
                "local.get $x",
                0,
                "local `$x` of type `(ref $t)` is read before it is set: it is set in both arms of `if`, "
                "but a set counts only until the end of its arm, which comes before this read (the spec "
                "does not merge the arms of an `if`)",
            ),
        ],
    )
    data = BOTH_ARMS.encode()
    rel = [(data[r.span.start : r.span.end].decode(), r.message) for r in d.related]
    assert rel == [
        (DECL, DECLARED),
        ("local.set $x", "`local.set` of `$x` in the `then` arm"),
        ("local.set $x", "`local.set` of `$x` in the `else` arm"),
        (")", "`if` ends here"),
    ]
    assert d.related[1].span.start < d.related[2].span.start
    assert d.data == {"func": 0, "local": 2}


def test_1a_set_inside_unnamed_block() -> None:
    (d,) = check(
        UNNAMED_BLOCK,
        [
            (
                "uninitialized-local",
                "local.get $x",
                0,
                "local `$x` of type `(ref $t)` is read before it is set: the `local.set` of it inside "
                "`block` counts only until the end of that block, which comes before this read (unnamed "
                "blocks count too: Binaryen drops them and accepts this, the spec and engines do not)",
            ),
        ],
    )
    data = UNNAMED_BLOCK.encode()
    rel = [(data[r.span.start : r.span.end].decode(), r.message) for r in d.related]
    assert rel == [
        (DECL, DECLARED),
        ("local.set $x", "`local.set` of `$x`, inside `block`"),
        (")", "`block` ends here"),
    ]
    # the `end` is the block's closing parenthesis
    assert d.related[2].span.start == data.index(b"(local.get $p)))") + len("(local.get $p))")


def test_1a_set_then_branch_out() -> None:
    check(
        SET_THEN_BR,
        [
            (
                "uninitialized-local",
                "local.get $x",
                0,
                "local `$x` of type `(ref $t)` is read before it is set: the `local.set` of it inside "
                "`block $out` counts only until the end of that block, which comes before this read",
            ),
        ],
    )


def test_1a_read_in_unreachable_code() -> None:
    check(
        UNREACHABLE_READ,
        [
            (
                "uninitialized-local",
                "local.get $x",
                0,
                "local `$x` of type `(ref $t)` is read before it is set (unreachable code is validated too)",
            ),
        ],
    )


def test_1a_every_read_is_reported() -> None:
    msg = (
        "local `$x` of type `(ref $t)` is read before it is set: the `local.set` of it inside "
        "`loop $l` counts only until the end of that block, which comes before this read"
    )
    check(
        LOOP,
        [("uninitialized-local", "local.get $x", 0, msg), ("uninitialized-local", "local.get $x", 1, msg)],
    )


def test_1a_try_table_and_unnamed_local() -> None:
    (d,) = check(
        TRY_TABLE,
        [
            (
                "uninitialized-local",
                "local.get 1",
                0,
                "local 1 of type `(ref $t)` is read before it is set: the `local.set` of it inside "
                "`try_table` counts only until the end of that block, which comes before this read",
            ),
        ],
    )
    assert d.data == {"func": 0, "local": 1}


def test_1a_legacy_try_catch_resets() -> None:
    check(
        LEGACY_TRY,
        [
            (
                "uninitialized-local",
                "local.get $x",
                0,
                "local `$x` of type `(ref $t)` is read before it is set: the `local.set` of it inside the "
                "body of `try` counts only until the end of that block, which comes before this read",
            ),
        ],
    )


VALID_1A = [
    # set before the block: visible inside and after
    f"""(module {T} (func (param $p (ref $t)) (local $x (ref $t))
          (local.set $x (local.get $p))
          (block (drop (local.get $x)))
          (drop (local.get $x))))""",
    # tee initializes too
    f"""(module {T} (func (param $p (ref $t)) (result (ref $t)) (local $x (ref $t))
          (drop (local.tee $x (local.get $p)))
          (local.get $x)))""",
    # nested use inside the block that sets it
    f"""(module {T} (func (param $p (ref $t)) (local $x (ref $t))
          (block (local.set $x (local.get $p))
            (block (loop (drop (local.get $x))))
            (drop (local.get $x)))))""",
    # a set in unreachable code counts
    f"""(module {T} (func (param $p (ref $t)) (local $x (ref $t))
          unreachable
          local.get $p local.set $x
          local.get $x drop))""",
    # parameters and nullable locals need no set
    f"""(module {T} (func (param $p (ref $t)) (local $n (ref null $t)) (local $i i32)
          (drop (local.get $p)) (drop (local.get $n)) (drop (local.get $i))))""",
    # set in the `then` arm, read in the same arm
    f"""(module {T} (func (param $p (ref $t)) (param $c i32) (local $x (ref $t))
          (if (local.get $c) (then (local.set $x (local.get $p)) (drop (local.get $x))))))""",
]


@pytest.mark.parametrize("src", VALID_1A)
def test_1a_valid(src: str) -> None:
    check(src, [])


# --- typing errors and messages ---------------------------------------------------------------

TYPING = """(module
  (type $t (struct (field i32)))
  (global $g i32 (i32.const 0))
  (func $h (param (ref $t)))
  (func $f (param $p (ref null $t)) (result (ref $t))
    (drop (i32.add (i32.const 1) (i64.const 2)))
    (drop (i32.add (i32.const 1)))
    (call $h (local.get $p))
    (global.set $g (i32.const 1))
    (call 99)
    (local.get $p))
  (func (block (result i32) (i32.const 1) (i32.const 2)))
  (func (result i32 i32) (block (result i32)) (unreachable)))"""


def test_typing_errors_all_reported_without_cascades() -> None:
    check(
        TYPING,
        [
            ("type-mismatch", "i32.add", 0, "`i32.add` expects i32 (operand 2 of 2), found i64"),
            ("type-mismatch", "i32.add", 1, "`i32.add` expects 2 operands of type i32, found 1"),
            ("type-mismatch", "call $h", 0, "`call` expects (ref $t), found (ref null $t)"),
            (
                "immutable-global",
                "global.set $g",
                0,
                "global $g is immutable: declare it `(mut ...)` to use `global.set` on it",
            ),
            ("unknown-index", "call 99", 0, "unknown function 99: the module has 4 functions"),
            (
                "type-mismatch",
                "(local.get $p)«)»",
                1,
                "the function body must end with [(ref $t)] on the stack, found [(ref null $t)]",
            ),
            (
                "stack-height",
                "(i32.const 2)«)»",
                0,
                "`block` must end with [i32] on the stack, found [i32 i32]: 1 value too many",
            ),
            (
                "stack-height",
                "(i32.const 2))«)»",
                0,
                "the function body must end with [] on the stack, found [i32]: 1 value too many",
            ),
            (
                "stack-height",
                "(block (result i32)«)»",
                0,
                "`block` must end with [i32] on the stack, found []: 1 value missing",
            ),
        ],
    )


CASES: list[tuple[str, list[Expected]]] = [
    # branches
    (
        "(module (func (block $a (result i32) (block $b (br_table $a $b (i32.const 0) (i32.const 0)))"
        " (i32.const 1)) (drop)))",
        [
            (
                "type-mismatch",
                "br_table $a $b",
                0,
                "`br_table` targets must all take the same number of values: the default label "
                "(`block $b`) takes [], `block $a` takes [i32]",
            ),
        ],
    ),
    (
        "(module (func (br 2)))",
        [
            ("unknown-index", "br 2", 0, "unknown label 2: only 1 label is in scope here (0 to 0)"),
        ],
    ),
    (
        "(module (func (block (drop (br_on_null 0))) (block (drop (br_on_null 0 (i32.const 0))))))",
        [
            ("type-mismatch", "br_on_null 0", 0, "`br_on_null` expects 1 reference operand, found 0"),
            ("type-mismatch", "br_on_null 0", 1, "`br_on_null` expects a reference, found i32"),
        ],
    ),
    (
        "(module (type $s (sub (struct))) (type $u (sub $s (struct (field i32))))"
        " (func (param anyref) (result (ref $s))"
        " (block (result (ref $s)) (br_on_cast 0 anyref (ref null $u) (local.get 0)) (unreachable))))",
        [
            (
                "type-mismatch",
                "br_on_cast 0 anyref (ref null $u)",
                0,
                "`br_on_cast` branches with (ref null $u), but the label of `block` expects (ref $s)",
            ),
        ],
    ),
    (
        "(module (type $s (struct)) (func (param (ref $s)) (result anyref)"
        " (br_on_cast 0 eqref (ref $s) (local.get 0))))",
        [
            (
                "type-mismatch",
                "br_on_cast 0 eqref (ref $s)",
                0,
                "`br_on_cast` needs a label that takes a reference, but the function body takes []".replace(
                    "[]", "[anyref]"
                ),
            ),
        ][:0],
    ),
    # select
    (
        "(module (func (param funcref) (drop (select (local.get 0) (local.get 0) (i32.const 1)))))",
        [
            (
                "type-mismatch",
                "select",
                0,
                "`select` without a type works on numbers and vectors only, found funcref: write "
                "`select (result funcref)`",
            ),
        ],
    ),
    (
        "(module (func (drop (select (i32.const 0) (i64.const 0) (i32.const 1)))))",
        [
            ("type-mismatch", "select", 0, "`select` operands must have the same type, found i32 and i64"),
        ],
    ),
    # if without else
    (
        "(module (func (result i32) (if (result i32) (i32.const 1) (then (i32.const 1)))))",
        [
            (
                "type-mismatch",
                "if (result i32)",
                0,
                "`if` without `else` must produce its parameters unchanged ([] -> [i32]): add an `else` arm",
            ),
        ],
    ),
    # memory
    (
        "(module (memory 1) (func (drop (i32.load align=8 (i32.const 0)))))",
        [
            (
                "invalid-alignment",
                "i32.load align=8",
                0,
                "alignment must not be larger than natural: `i32.load` accesses 4 bytes, align=8",
            ),
        ],
    ),
    (
        "(module (func (drop (i32.load (i32.const 0)))))",
        [
            ("unknown-index", "i32.load", 0, "unknown memory 0: the module has 0 memories"),
        ],
    ),
    (
        "(module (func (param v128) (drop (i32x4.extract_lane 4 (local.get 0)))))",
        [
            (
                "invalid-lane",
                "i32x4.extract_lane 4",
                0,
                "invalid lane index 4 for `i32x4.extract_lane`: it has 4 lanes (0 to 3)",
            ),
        ],
    ),
    (
        "(module (memory 1) (func (data.drop 0)))",
        [
            ("unknown-index", "data.drop 0", 0, "unknown data segment 0: the module has 0 data segments"),
        ],
    ),
    # references
    (
        "(module (func $f (drop (ref.func $f))))",
        [
            (
                "undeclared-ref",
                "ref.func $f",
                0,
                "undeclared function reference: $f must appear in an element segment, export or global "
                "initializer to be used with `ref.func` in a function body; add `(elem declare func $f)`",
            ),
        ],
    ),
    (
        "(module (type $a (array i8)) (func (param (ref $a)) (drop (array.get $a (local.get 0) "
        "(i32.const 0)))))",
        [
            (
                "type-mismatch",
                "array.get $a",
                0,
                "array $a is packed (i8): read it with `array.get_s` or `array.get_u`",
            ),
        ],
    ),
    (
        "(module (type $s (struct (field i32))) (func (param (ref $s)) (struct.set $s 0 (local.get 0) "
        "(i32.const 1))))",
        [
            (
                "immutable-field",
                "struct.set $s 0",
                0,
                "field 0 of $s is immutable: declare it `(mut ...)` to use `struct.set`",
            ),
        ],
    ),
    # tail calls: the callee's results must fit the caller's
    (
        "(module (func $g (result i64) (i64.const 0)) (func (result i32) (return_call $g)))",
        [
            (
                "type-mismatch",
                "return_call $g",
                0,
                "`return_call` returns the callee's results [i64], which do not match the function's "
                "results [i32]",
            ),
        ],
    ),
    # exceptions
    (
        "(module (tag $e (param i32)) (func (block $l (try_table (catch $e $l)))))",
        [
            (
                "type-mismatch",
                "try_table (catch $e $l)",
                0,
                "`(catch $e 0)` passes [i32] to the label of `block $l`, which expects []",
            ),
        ],
    ),
    (
        "(module (func (block (rethrow 0))))",
        [
            (
                "invalid-label",
                "rethrow 0",
                0,
                "`rethrow` must target a `catch` or `catch_all` clause, but label 0 is `block`",
            ),
        ],
    ),
    # module-level rules
    (
        '(module (func (export "a")) (func (export "a")))',
        [
            ("duplicate-export", '(export "a")', 1, 'duplicate export name "a"'),
        ],
    ),
    (
        "(module (func $s (result i32) (i32.const 0)) (start $s))",
        [
            (
                "invalid-start",
                "(start $s)",
                0,
                "the start function $s must have type [] -> [], found [] -> [i32]",
            ),
        ],
    ),
    (
        "(module (memory 2 1))",
        [
            ("invalid-limits", "(memory 2 1)", 0, "memory minimum 2 is larger than its maximum 1"),
        ],
    ),
    (
        "(module (memory 65537))",
        [
            ("invalid-limits", "(memory 65537)", 0, "memory minimum 65537 exceeds 65536 pages"),
        ],
    ),
    (
        "(module (global $g (mut i32) (i32.const 0)) (global i32 (global.get $g)))",
        [
            (
                "invalid-constant",
                "global.get $g",
                0,
                "a constant expression cannot read the mutable global $g",
            ),
        ],
    ),
    (
        "(module (memory 1) (global i32 (i32.load (i32.const 0))))",
        [
            (
                "invalid-constant",
                "i32.load",
                0,
                "`i32.load` is not allowed in a constant expression (only `*.const`, `ref.null`, "
                "`ref.func`, `global.get`, `ref.i31`, `struct.new*`, `array.new`, `array.new_default`, "
                "`array.new_fixed`, the extern/any conversions and integer `add`/`sub`/`mul` are)",
            ),
        ],
    ),
    (
        "(module (table 1 (ref func)))",
        [
            (
                "type-mismatch",
                "(table 1 (ref func))",
                0,
                "a table of the non-nullable type (ref func) needs an initializer expression: "
                "`(table 1 (ref func) (ref.func ...))`",
            ),
        ],
    ),
    # types: subtyping declarations
    (
        "(module (type $a (struct)) (type $b (sub $a (struct))))",
        [
            (
                "invalid-type",
                "(type $b (sub $a (struct)))",
                0,
                "$b cannot be a subtype of $a: $a is final (declare it `(sub ...)` without `final` to "
                "allow subtypes)",
            ),
        ],
    ),
    (
        "(module (type $a (sub (struct (field (mut i32))))) (type $b (sub $a (struct (field i32)))))",
        [
            (
                "invalid-type",
                "(type $b (sub $a (struct (field i32))))",
                0,
                "$b does not match its supertype $a: field 0: mutability differs",
            ),
        ],
    ),
    (
        "(module (type $a (sub (struct (field (mut anyref))))) "
        "(type $b (sub $a (struct (field (mut eqref))))))",
        [
            (
                "invalid-type",
                "(type $b (sub $a (struct (field (mut eqref)))))",
                0,
                "$b does not match its supertype $a: field 0: a mutable field must keep its type exactly "
                "(eqref vs anyref)",
            ),
        ],
    ),
    (
        "(module (type $a (struct (field (ref $b)))) (type $b (struct)))",
        [
            (
                "invalid-type",
                "(type $a (struct (field (ref $b))))",
                0,
                "type $b is defined later, outside this recursion group: a type can refer forward only "
                "within its own `rec` group",
            ),
        ],
    ),
    (
        "(module (type $ft (func (param i32) (result i32))) (type $ct (cont $ft))"
        " (tag $y (param i32) (result i32)) (func (throw $y (i32.const 1))))",
        [
            (
                "type-mismatch",
                "throw $y",
                0,
                "tag $y has results [i32]: only a tag without results is an exception",
            ),
        ],
    ),
]


def test_constant_expression_range_covers_the_expression() -> None:
    check(
        "(module (global i32 (i32.add (i32.const 0) (i32.const 1)) (i32.const 1)))",
        [
            (
                "stack-height",
                "(i32.add (i32.const 0) (i32.const 1)) (i32.const 1)",
                0,
                "the initializer of global 0 must end with [i32] on the stack, found [i32 i32]: 1 value too "
                "many",
            ),
        ],
    )


@pytest.mark.parametrize(("src", "expected"), CASES, ids=[c[0][:60] for c in CASES])
def test_cases(src: str, expected: list[Expected]) -> None:
    check(src, expected)


VALID = [
    # immutable fields are covariant, the declared chain gives subtyping
    "(module (type $a (sub (struct (field anyref)))) (type $b (sub $a (struct (field eqref) (field i32))))"
    " (func (param (ref $b)) (result (ref $a)) (local.get 0)))",
    # iso-recursive equivalence: identical rec groups are the same types
    "(module (rec (type $a1 (struct (field (ref null $b1)))) (type $b1 (struct (field (ref null $a1)))))"
    " (rec (type $a2 (struct (field (ref null $b2)))) (type $b2 (struct (field (ref null $a2)))))"
    " (func (param (ref $a1)) (result (ref $a2)) (local.get 0)))",
    # br_table in unreachable code may meet labels of different types
    "(module (func (block (result f64) (block (result f32) (unreachable) (br_table 0 1 1 (i32.const 1))) "
    "(drop) (f64.const 0)) (drop)))",
    # br_on_cast_fail falls through with the target type
    "(module (type $s (sub (struct))) (func (param anyref) (result anyref)"
    " (block (result anyref) (br_on_cast_fail 0 anyref (ref $s) (local.get 0)) (drop) (ref.null any))))",
    # tail call with a subtype result
    "(module (type $s (struct)) (func $g (result (ref $s)) (struct.new $s))"
    " (func (result (ref null $s)) (return_call $g)))",
    # ref.func declared by an elem segment
    "(module (func $f) (elem declare func $f) (func (drop (ref.func $f))))",
    # try_table catch_ref and catch_all_ref deliver (ref exn)
    "(module (tag $e (param i32)) (func (result i32 exnref) (block $l (result i32 exnref)"
    " (try_table (catch_ref $e $l) (unreachable)) (unreachable))))",
    "(module (func (result (ref exn)) (block $l (result (ref exn))"
    " (try_table (catch_all_ref $l) (unreachable)) (unreachable))))",
    # legacy try with catch, rethrow and delegate
    "(module (tag $e (param i32)) (func (result i32) try (result i32) i32.const 1"
    " catch $e catch_all rethrow 0 end) (func try delegate 0))",
    # a global may read an earlier immutable global
    "(module (global $a i32 (i32.const 1)) (global i32 (i32.add (global.get $a) (i32.const 2))))",
    # stack switching: tags with results exist for `suspend`
    "(module (type $ft (func (param i32) (result i32))) (type $ct (cont $ft))"
    " (type $ft0 (func (result i32))) (type $ct0 (cont $ft0))"
    " (tag $yield (param i32) (result i32))"
    " (func $f (type $ft) (suspend $yield (local.get 0))) (elem declare func $f)"
    " (func (result i32) (block $h (result i32 (ref $ct))"
    "   (return (resume $ct (on $yield $h) (i32.const 1) (cont.new $ct (ref.func $f)))))"
    "   (drop) (drop) (i32.const 0))"
    " (func (result i32) (resume $ct0 (cont.bind $ct $ct0 (i32.const 5) (cont.new $ct (ref.func $f))))))",
    # stack switching: a tag may have results in any module (every feature on, issue 13 item 5)
    "(module (tag (result i32)))",
    # memory64 and table64 address types
    "(module (memory i64 1) (table i64 1 funcref) (func (drop (i32.load (i64.const 0)))"
    " (drop (table.get (i64.const 0))) (memory.copy (i64.const 0) (i64.const 0) (i64.const 0))))",
]


@pytest.mark.parametrize("src", VALID)
def test_valid(src: str) -> None:
    check(src, [])


def test_validate_function_alone() -> None:
    _, module = read(UNNAMED_BLOCK)
    (d,) = validate_function(module, module.funcs[0])
    assert d.code == "uninitialized-local"


def test_deep_nesting_is_not_recursive() -> None:
    """100,000 nested blocks, built directly as a model (the reader is tested elsewhere)."""
    depth = 100_000
    block, end, get, drop = (lookup(n) for n in ("block", "end", "local.get", "drop"))
    assert block and end and get and drop
    bt = BlockType(None, (), ())
    body: list[Instr] = []
    for k in range(depth):
        body.append(Instr(block, (bt,), k, k + 1, k, k + 1, match=2 * depth - 1 - k))
    for k in range(depth):
        body.append(Instr(end, (), depth + k, depth + k + 1, depth + k, depth + k + 1, match=depth - 1 - k))
    body.append(Instr(get, (0,), 3 * depth, 3 * depth + 1, 3 * depth, 3 * depth + 1))
    body.append(Instr(drop, (), 3 * depth + 2, 3 * depth + 3, 3 * depth + 2, 3 * depth + 3))
    local = LocalDecl(0, "x", RefType(False, "func"), Span(0, 0), False)
    func = Func(0, None, Span(0, 4 * depth), None, 0, [], (), [local], body)
    module = Module(
        Span(0, 4 * depth),
        types=[TypeDef(0, None, Span(0, 0), FuncType((), ()))],
        rec_groups=[RecGroup(0, 1, Span(0, 0))],
        funcs=[func],
    )
    diags = validate_module(module)
    assert [(d.code, d.span) for d in diags] == [("uninitialized-local", Span(3 * depth, 3 * depth + 1))]


def test_unreadable_instruction_causes_no_follow_on_typing_errors() -> None:
    """The reader drops `foo.bar` (and says so); the missing operand it leaves is not
    reported again, while independent errors in the same body still are."""
    src = (
        b"(module (type $t (struct)) (func (result i32) (local $x (ref $t))"
        b" (i32.add (foo.bar) (i32.const 1)) (drop (local.get $x)) (call 7)))"
    )
    doc = analyse(src)
    assert [d.code for d in doc.diagnostics] == [
        "unknown-instruction",
        "uninitialized-local",
        "unknown-index",
    ]
