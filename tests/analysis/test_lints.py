"""The lints (`analysis/lints/`): exact diagnostics on small modules, none in the negative
cases, their quick fixes exact and validating, and the incremental path equal to `analyse`."""

from __future__ import annotations

import subprocess

import pytest
from wat_lsp.analysis.diagnostics import Diagnostic, Severity, Tag
from wat_lsp.analysis.document import Document, analyse
from wat_lsp.analysis.incremental import DocumentAnalysis
from wat_lsp.analysis.lints.registry import CODES as LINT_CODES
from wat_lsp.analysis.syntax import parse
from wat_lsp.passes.edits import apply_edits
from wat_lsp.passes.fix_lints import FIXERS, fix_all
from wat_lsp.passes.quickfix import fixes_for

from tests.tools import missing_tool


def lints(src: str, code: str | None = None) -> list[tuple[str, str, str]]:
    """(code, the text under the span, message) of every lint diagnostic (of `code`)."""
    data = src.encode()
    return [
        (d.code, data[d.span.start : d.span.end].decode(), d.message)
        for d in analyse(data).diagnostics
        if d.code in LINT_CODES and (code is None or d.code == code)
    ]


def only(src: str, code: str) -> list[Diagnostic]:
    return [d for d in analyse(src.encode()).diagnostics if d.code == code]


def validates(text: bytes) -> None:
    try:
        r = subprocess.run(
            ["wasm-tools", "validate", "--features", "all", "-"], input=text, capture_output=True, timeout=60
        )
    except FileNotFoundError:
        missing_tool("wasm-tools is not installed")
        return
    assert r.returncode == 0, r.stderr.decode() + text.decode()


def fixed(src: str, code: str) -> str:
    """The text after the quick fix of the one `code` diagnostic (checked to validate)."""
    data = src.encode()
    doc = analyse(data)
    [diag] = [d for d in doc.diagnostics if d.code == code]
    edits = FIXERS[code][1](doc, diag)
    assert edits
    out = apply_edits(data, edits)
    validates(out)
    assert code not in {d.code for d in analyse(out).diagnostics if d.span.start == diag.span.start}
    return out.decode()


EXPORTED = '(func (export "f")'

# --- unreachable-code --------------------------------------------------------------------


def test_unreachable_plain() -> None:
    src = (
        '(module (func (export "f") (result i32)\n  block\n    br 0\n    nop\n    nop\n  end\n  i32.const 1))'
    )
    assert lints(src) == [
        ("unreachable-code", "nop\n    nop", "unreachable code: `br` before it never falls through")
    ]
    [d] = only(src, "unreachable-code")
    assert d.severity == Severity.HINT and d.tags == (Tag.UNNECESSARY,)
    assert (
        fixed(src, "unreachable-code")
        == '(module (func (export "f") (result i32)\n  block\n    br 0\n  end\n  i32.const 1))'
    )


def test_unreachable_folded_and_nested_blocks() -> None:
    src = '(module (func (export "f") (result i32) (return (i32.const 1)) (block (nop)) (i32.const 2)))'
    assert lints(src, "unreachable-code") == [
        (
            "unreachable-code",
            "(block (nop)) (i32.const 2)",
            "unreachable code: `return` before it never falls through",
        )
    ]
    assert (
        fixed(src, "unreachable-code") == '(module (func (export "f") (result i32) (return (i32.const 1))))'
    )


def test_unreachable_stops_at_else_and_is_partial_inside_a_folded_parent() -> None:
    src = '(module (func (export "f") (param i32) (result i32) (if (result i32) (local.get 0) (then (unreachable) (i32.const 1)) (else (i32.const 2)))))'
    assert lints(src) == [
        ("unreachable-code", "(i32.const 1)", "unreachable code: `unreachable` before it never falls through")
    ]
    src = '(module (func (export "f") (result i32) (i32.add (unreachable) (i32.const 1))))'
    [d] = only(src, "unreachable-code")
    assert d.data["removable"] is False  # `i32.add` is dead too but written before: no fix
    assert fixes_for(analyse(src.encode()), d) == []


@pytest.mark.parametrize(
    "body",
    [
        "(br_if 0 (i32.const 1)) (nop)",
        "(block (br 0)) (nop)",
        "(if (i32.const 1) (then (return))) (nop)",
        "(return)",
    ],
)
def test_reachable_code_is_not_reported(body: str) -> None:
    assert lints(f'(module (func (export "f") {body}))') == []


# --- shadowed-label ----------------------------------------------------------------------


def test_shadowed_label() -> None:
    src = '(module (func (export "f") (block $l (loop $m (block $l (br $l) (br $m))))))'
    [d] = only(src, "shadowed-label")
    assert (d.message, src[d.span.start : d.span.end]) == (
        "label `$l` shadows the label of an enclosing `block`",
        "block $l",
    )
    assert (
        src[d.related[0].span.start : d.related[0].span.end] == "block $l"
        and d.related[0].span.start < d.span.start
    )
    assert d.severity == Severity.WARNING


def test_same_label_in_sibling_blocks_is_not_shadowing() -> None:
    src = '(module (func (export "f") (block $l (br $l)) (block $l (br $l)) (block $a (block $b (br $a)))))'
    assert only(src, "shadowed-label") == []


def test_deeply_nested_labels() -> None:
    n = 100_000
    src = '(module (func (export "f")' + " block $l" * n + " br 0" + " end" * n + "))"
    ds = only(src, "shadowed-label")
    assert len(ds) == n - 1


# --- unused-item -------------------------------------------------------------------------

UNUSED = """(module
  (type $t (func (param f32)))
  (type $u (func))
  (import "m" "g" (global $imp i32))
  (table $tab 1 funcref)
  (memory 1)
  (global $g i32 (i32.const 0))
  (tag $e)
  (elem $pe func)
  (data $pd "x")
  (data (i32.const 0) "y")
  (elem declare func $h)
  (func $h (type $u))
  (func $_skip)
  (func $dead)
  (func (export "main") (result funcref) (ref.func $h)))"""


def test_unused_items() -> None:
    assert [(c, t, m) for c, t, m in lints(UNUSED) if c == "unused-item"] == [
        ("unused-item", "(type $t", "type `$t` is never used"),
        ("unused-item", "(import", "global `$imp` is imported but never used"),
        ("unused-item", "(table $tab", "table `$tab` is never used"),
        ("unused-item", "(global $g", "global `$g` is never used"),
        ("unused-item", "(tag $e", "tag `$e` is never used"),
        ("unused-item", "(elem $pe", "element segment `$pe` is never used"),
        ("unused-item", "(data $pd", "data segment `$pd` is never used"),
        ("unused-item", "$dead", "function `$dead` is never used"),
    ]


def test_used_items_are_not_reported() -> None:
    src = """(module
  (type $s (struct (field (ref null $t))))
  (type $t (sub (struct)))
  (type $r (sub $t (struct)))
  (rec (type $a (struct)) (type $b (struct)))
  (memory $m (export "mem") 1)
  (table $tb 1 funcref)
  (global $g (mut i32) (i32.const 0))
  (global $k i32 (global.get $g2))
  (global $g2 i32 (i32.const 1))
  (elem (table $tb) (i32.const 0) func $start)
  (func $start (global.set $g (global.get $k)))
  (start $start)
  (func (export "f") (param (ref null $s)) (param (ref null $r)) (call_indirect (i32.const 0))))"""
    assert [x for x in lints(src) if x[0] == "unused-item"] == []


def test_unused_item_fix() -> None:
    src = '(module\n  (func $dead)\n  (func (export "main")))'
    assert fixed(src, "unused-item") == '(module\n  (func (export "main")))'
    # A numeric reference to a later function would shift: no fix.
    src = '(module (func $dead) (func (export "main") (call 2)) (func))'
    [d] = only(src, "unused-item")
    assert fixes_for(analyse(src.encode()), d) == []


# --- mut-never-set -----------------------------------------------------------------------


def test_mut_never_set_exported_by_an_export_field() -> None:
    src = '(module (global $g (mut i32) (i32.const 1)) (export "g" (global $g)) (func (export "f") (result i32) (global.get $g)))'
    assert lints(src) == []


def test_mut_never_set() -> None:
    src = '(module (import "m" "i" (global $i (mut i32)))\n (global $g (mut i32) (i32.const 1)) (global $x (export "x") (mut i32) (i32.const 1))\n (global $s (mut i32) (i32.const 1))\n (func (export "f") (result i32) (global.set $s (global.get $i)) (i32.add (global.get $g) (global.get $x))))'
    assert lints(src) == [("mut-never-set", "(mut i32)", "global `$g` is mutable but never set")]
    assert "\n (global $g i32 (i32.const 1))" in fixed(src, "mut-never-set")


# --- try_table catches --------------------------------------------------------------------


def test_try_table_catches() -> None:
    src = '(module (tag $e) (tag $f) (func (export "f") (block $h (try_table (catch $e $h) (catch $e $h) (catch_all $h) (catch $f $h))) (try_table)))'
    got = [(c, m) for c, _, m in lints(src)]
    assert got == [
        ("unreachable-catch", "`catch` clause 2 can never match: an earlier clause catches the same tag"),
        (
            "unreachable-catch",
            "`catch` clause 4 can never match: the `catch_all` before it catches everything",
        ),
        ("try-table-no-catch", "this `try_table` has no catch clause: it is a `block`"),
    ]
    one = src.replace("(catch $e $h) ", "", 1)
    assert fixed(one, "unreachable-catch") == one.replace(" (catch $f $h)", "")
    no_catch = '(module (func (export "f") (try_table (nop))))'
    assert fixed(no_catch, "try-table-no-catch") == '(module (func (export "f") (block (nop))))'


def test_useful_catches_are_not_reported() -> None:
    src = '(module (tag $e) (tag $f) (func (export "f") (block $h (try_table (catch $e $h) (catch $f $h) (catch_all $h)))))'
    assert lints(src) == []


# --- tee-dropped ------------------------------------------------------------------------


def test_tee_dropped_folded_and_plain() -> None:
    src = '(module (func (export "f") (param $x i32) (drop (local.tee $x (i32.const 1)))))'
    assert lints(src) == [
        ("tee-dropped", "local.tee $x", "the value of this `local.tee` is dropped: use `local.set`")
    ]
    assert (
        fixed(src, "tee-dropped")
        == '(module (func (export "f") (param $x i32) (local.set $x (i32.const 1))))'
    )
    src = '(module (func (export "f") (param $x i32)\n  i32.const 1\n  local.tee $x\n  drop))'
    assert (
        fixed(src, "tee-dropped")
        == '(module (func (export "f") (param $x i32)\n  i32.const 1\n  local.set $x\n  ))'
    )
    assert (
        lints('(module (func (export "f") (param $x i32) (result i32) (local.tee $x (i32.const 1))))') == []
    )


# --- removable-block --------------------------------------------------------------------


def test_removable_block() -> None:
    src = '(module (func (export "f") (result i32)\n  block $b (result i32)\n    i32.const 1\n  end $b))'
    assert lints(src) == [
        (
            "removable-block",
            "block $b (result i32)",
            "no branch targets this `block` `$b`: its contents can stand without it",
        )
    ]
    assert fixed(src, "removable-block") == '(module (func (export "f") (result i32)\n    i32.const 1\n  ))'
    src = '(module (func (export "f") (result i32) (loop (result i32) (i32.const 1))))'
    assert fixed(src, "removable-block") == '(module (func (export "f") (result i32) (i32.const 1)))'


@pytest.mark.parametrize(
    "body",
    [
        "(block $b (br $b))",  # targeted
        "(block (br_table 0 0 (i32.const 0)))",
        "(block $o (block (br $o)))",  # the outer is targeted; the inner is crossed
        "(block (param i32) (drop) (i32.const 1)) (drop)",  # params (with its operand before: invalid anyway)
        "(block (result funcref) (ref.null func)) (drop)",  # a reference result
        "(block $h (try_table (catch_all $h)))",  # targeted by a catch
    ],
)
def test_blocks_that_stay(body: str) -> None:
    assert [x for x in lints(f'(module (func (export "f") {body}))') if x[0] == "removable-block"] == []


# --- everything together ----------------------------------------------------------------


def test_lints_not_shown_where_there_are_errors() -> None:
    assert (
        lints('(module (func $dead) (func (export "f") (call $missing)) (global $g (mut i32) (i32.const 0)))')
        == []
    )


def test_fix_lints_pass_output_validates() -> None:
    doc = analyse(UNUSED.encode())
    out = apply_edits(doc.data, fix_all(doc))
    validates(out)
    assert "$dead" not in out.decode() and "$_skip" in out.decode()


def test_incremental_equals_analyse() -> None:
    """Module lints follow edits in other functions: made from kept counts, equal to `analyse`'s."""
    base = '(module\n  (global $g (mut i32) (i32.const 0))\n  (func $a (result i32) (global.get $g))\n  (func $b (export "b") (nop))\n  (func $c (export "c") (nop)))'
    versions = [
        base,
        base.replace('(func $b (export "b") (nop))', '(func $b (export "b") (drop (call $a)))'),
        base.replace(
            '(func $b (export "b") (nop))',
            '(func $b (export "b") (drop (call $a)) (global.set $g (i32.const 1)))',
        ),
        base.replace(
            '(func $b (export "b") (nop))',
            '(func $b (export "b") (drop (call $a)) (global.set $g (i32.const 1)) (nop))',
        ),
        base.replace('(func $c (export "c") (nop))', '(func $c (export "c") (block (nop)) (nop))'),
        base,
    ]
    da = DocumentAnalysis()
    for text in versions:
        data = text.encode()
        tree = parse(data)
        got = da.update(data, tree)
        diags = got.diagnostics if isinstance(got, Document) else got
        assert diags == analyse(data).diagnostics, text
    assert da.last_mode == "incremental"


def test_incremental_moves_kept_module_lints() -> None:
    """An edit that changes a function's length moves the unused items after it."""
    base = '(module\n  (func $b (export "b") (nop))\n  (func $z (nop))\n  (global $g (mut i32) (i32.const 0))\n  (func $r (export "r") (result i32) (global.get $g)))'
    versions = [
        base,
        base.replace('(func $b (export "b") (nop))', '(func $b (export "b") (nop) (nop) (nop))'),
        base.replace('(func $b (export "b") (nop))', '(func $b (export "b") (nop) (nop))'),
        base.replace('(func $b (export "b") (nop))', '(func $b (export "b") (call $z) (nop))'),
        base.replace('(func $b (export "b") (nop))', '(func $b (export "b") (call $z))'),
        base,
        base.replace("(func $z (nop))", "(func $z (nop) (nop))"),  # inside the unused function
        base.replace("(func $z (nop))", "(func $z)"),
    ]
    da = DocumentAnalysis()
    for text in versions:
        data = text.encode()
        got = da.update(data, parse(data))
        diags = got.diagnostics if isinstance(got, Document) else got
        assert diags == analyse(data).diagnostics, text
        assert da.document(data, parse(data)).diagnostics == diags
