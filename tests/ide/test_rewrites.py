"""The rewrites of `analysis/ide/rewrites`: exact edits on small modules, and every rewrite at
every place of a sample of the spec suite's valid modules and of smith modules, checked by
wasm-tools (`rewrite_corpus`). Through the server: `tests/server/test_rewrite_actions.py`."""

from __future__ import annotations

import os
from collections.abc import Collection

import pytest
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.ide.rewrites import registry as rewrites
from wat_lsp.passes.edits import apply_edits

from tests.corpus import ROOT as SPEC_ROOT
from tests.corpus import core_files
from tests.ide import rewrite_corpus
from tests.oracles import wasmtools
from tests.tools import missing_tool


def at(src: str, needle: str, skip: int = 1) -> int:
    return src.encode().index(needle.encode()) + skip


# Fold and unfold apply almost anywhere in code: `test_fold_rewrites.py` tests them (and runs them
# over its own corpus), so the lists and corpora here leave them out.
FOLDS = frozenset({"fold", "unfold", "fold_function", "unfold_function"})
OTHERS = [n for n in rewrites.REWRITES if n not in FOLDS]


def names(src: str, needle: str, skip: int = 1) -> list[str]:
    return [
        r.name
        for r in rewrites.available(analyse(src.encode()), at(src, needle, skip))
        if r.name not in FOLDS
    ]


def rewrite(src: str, name: str, needle: str, skip: int = 1) -> str:
    doc = analyse(src.encode())
    offset = at(src, needle, skip)
    r = rewrites.REWRITES[name]
    assert r.applies(doc, offset)
    return apply_edits(src.encode(), r.edits(doc, offset)).decode()


TYPES = """(module
  (type (func (param i32 i64) (param f32) (result i32)))
  (func (param $p i32) (param i32 i32) (result i32) (result)
    (local $x i32) (local i32 f32) (local i64)
    (local (; kept ;) i32 i32)
    (block (param i32) (param i32) (result i32) i32.add))
  (type (struct (field (mut i64)) (field i32 f32) (field $n i8))))
"""


def test_split_and_join_types() -> None:
    assert names(TYPES, "(param i32 i64") == ["split_types", "join_types"]
    assert rewrite(TYPES, "split_types", "(param i32 i64").startswith(
        "(module\n  (type (func (param i32) (param i64) (param f32) (result i32)))"
    )
    assert rewrite(TYPES, "join_types", "(param f32").startswith(
        "(module\n  (type (func (param i32 i64 f32) (result i32)))"
    )
    assert rewrite(TYPES, "join_types", "(result)", 3).count("(result i32)\n    (local") == 1
    # a named declaration neither splits nor joins; its neighbours join without it
    assert names(TYPES, "(param $p") == []
    assert names(TYPES, "(local $x") == []
    assert "(local $x i32) (local i32 f32 i64)\n" in rewrite(TYPES, "join_types", "(local i64")
    assert "(local $x i32) (local i32) (local f32) (local i64)\n" in rewrite(
        TYPES, "split_types", "(local i32 f32"
    )
    assert names(TYPES, "(; kept") == []  # a comment inside would be lost
    assert "(block (param i32 i32) (result i32)" in rewrite(TYPES, "join_types", "(block (param", 8)
    assert names(TYPES, "i32.add") == []
    assert "(struct (field (mut i64) i32 f32) (field $n i8))" in rewrite(TYPES, "join_types", "(field (mut")
    assert "(struct (field (mut i64)) (field i32) (field f32) (field $n i8))" in rewrite(
        TYPES, "split_types", "(field i32"
    )


# WAT_LSP_FULL_REWRITES=1: every core file of the suite and 200 smith modules (minutes)
FULL = bool(os.environ.get("WAT_LSP_FULL_REWRITES"))


def _need_wasm_tools() -> None:
    try:
        wasmtools.wasm_tools_exe()
    except FileNotFoundError:
        missing_tool("wasm-tools checks the rewrites' outputs")


def _check(
    modules: list[tuple[str, bytes]], least: dict[str, int], only: Collection[str] | None = None
) -> None:
    report = rewrite_corpus.check(modules, only=OTHERS if only is None else only)
    print(f"{len(modules)} modules, places: {dict(sorted(report.applied.items()))}")  # (seen with -s)
    assert not report.failures, "\n\n".join(report.failures[:5])
    for name, count in least.items():
        assert report.applied[name] >= count, (name, report.applied)


# Files where the rewrites have much to do, and a sample of the rest.
SPEC_SAMPLE = [
    "br_if.wast",
    "func.wast",
    "local_get.wast",
    "return_call.wast",
    "ref_func.wast",
    "exports.wast",
    "br_on_null.wast",
    "return.wast",
]


@pytest.mark.skipif(not SPEC_ROOT.exists(), reason="spec test suite not available")
def test_rewrites_on_spec_modules() -> None:
    _need_wasm_tools()
    paths = [SPEC_ROOT / n for n in SPEC_SAMPLE if (SPEC_ROOT / n).exists()] + core_files()[
        :: 1 if FULL else 10
    ]
    modules = rewrite_corpus.valid_modules((p.name, p.read_bytes()) for p in dict.fromkeys(paths))
    _check(
        modules,
        {
            "split_types": 50,
            "join_types": 10,
            "br_if_to_if_br": 50,
            "merge_to_return_call": 1,
            "expand_ref_type": 20,
            "simplify_ref_type": 5,
            "name_to_idx": 300,
            "inline_func_type": 20,
            "clean_no_types": 20,
            "export_as": 50,
            "remove_mut": 1,
        },
    )
    # the reverse rewrites where their forward ones made something to undo
    for forward, back, least in (
        ("br_if_to_if_br", "if_br_to_br_if", 50),
        ("expand_ref_type", "simplify_ref_type", 20),
        ("extract_export", "inline_export", 20),
    ):
        _check(rewrite_corpus.rewritten(modules, forward), {back: least}, frozenset({back}))
    _check(rewrite_corpus.rewritten(modules, "convert_idx"), {"name_to_idx": 300}, frozenset({"name_to_idx"}))


def test_rewrites_on_smith_modules() -> None:
    _need_wasm_tools()
    modules = [
        (f"smith {seed} {'folded' if fold else 'plain'}", wat)
        for seed, fold, wat in wasmtools.smith_texts(range(200 if FULL else 6))
    ]
    _check(
        modules,
        {
            "split_types": 100,
            "join_types": 100,
            "br_if_to_if_br": 5,
            "expand_ref_type": 20,
            "convert_idx": 100,
        },
    )
    _check(rewrite_corpus.rewritten(modules, "convert_idx"), {"name_to_idx": 30}, frozenset({"name_to_idx"}))


BRANCHES = """(module
  (func (param i32) (result i32)
    (block $b
      (if (local.get 0) (then (br 1)))
      local.get 0
      if
        br 1
      end
      (br_if $b (local.get 0))
      local.get 0
      br_if 0
      (block (result i32) (br_if 0 (i32.const 3) (local.get 0)) (br_if 1 (local.get 0)))
      drop
      (if (local.get 0) (then (br 0)))
      (if (local.get 0) (then (; why ;) (br 1)))
      (if (result i32) (local.get 0) (then (br 1)) (else (i32.const 1))) drop
      (if (local.get 0) (then) (else (br 1))))
    (i32.const 0)))
"""


def test_br_if_to_if_br() -> None:
    assert "      (if (local.get 0) (then (br $b)))\n" in rewrite(BRANCHES, "br_if_to_if_br", "(br_if $b")
    assert "      local.get 0\n      (if (then (br 1)))\n" in rewrite(BRANCHES, "br_if_to_if_br", "br_if 0\n")
    assert "(br_if 0 (i32.const 3) (local.get 0)) (if (local.get 0) (then (br 2))))" in rewrite(
        BRANCHES, "br_if_to_if_br", "(br_if 1"
    )
    assert names(BRANCHES, "(br_if 0 (i32.const 3)") == []  # it carries a value


def test_if_br_to_br_if() -> None:
    assert "(block $b\n      (br_if 0 (local.get 0))\n" in rewrite(
        BRANCHES, "if_br_to_br_if", "(if (local.get 0) (then (br 1)))"
    )
    assert "      local.get 0\n      br_if 0\n      (br_if $b" in rewrite(
        BRANCHES, "if_br_to_br_if", "if\n", 0
    )
    for refused in (
        "(if (local.get 0) (then (br 0)))",
        "(if (local.get 0) (then (; why",
        "(if (result",
        "(if (local.get 0) (then) (else",
    ):
        assert names(BRANCHES, refused) == [], refused
    # there and back
    there = rewrite(BRANCHES, "br_if_to_if_br", "br_if 0\n")
    back = BRANCHES.replace("local.get 0\n      br_if 0\n", "local.get 0\n      (br_if 0)\n")
    assert rewrite(there, "if_br_to_br_if", "(if (then (br 1)))") == back


CALLS = """(module
  (type $t (func (result i32)))
  (table 1 funcref)
  (elem declare func $f)
  (func $f (result i32)
    (return (call $f))
    i32.const 0
    call_indirect (type $t)
    return
    (call_ref $t (ref.func $f))
    return
    (return (call $g (i32.const 1)))
    (return (call $f) (; why ;))
    call $f
    ;; kept
    return)
  (func $g (param i32) (result i32 i32) (return (call $g (local.get 0)))))
"""


def test_merge_to_return_call() -> None:
    assert "    (return_call $f)\n" in rewrite(CALLS, "merge_to_return_call", "(return (call $f))")
    assert "    (return_call $f)\n" in rewrite(CALLS, "merge_to_return_call", "(call $f))")
    assert "    i32.const 0\n    return_call_indirect (type $t)\n    (call_ref" in rewrite(
        CALLS, "merge_to_return_call", "return\n    (call_ref"
    )
    assert "    (return_call_ref $t (ref.func $f))\n    (return (call $g" in rewrite(
        CALLS, "merge_to_return_call", "(call_ref"
    )
    assert "(return_call $g (local.get 0))" in rewrite(
        CALLS, "merge_to_return_call", "(return (call $g (local"
    )
    # $g returns two values, not $f's one; a comment would be lost
    for refused in ("(return (call $g (i32", "(return (call $f) (;", "call $f\n", "return)"):
        assert names(CALLS, refused) == [], refused


REFS = """(module
  (type $t (struct))
  (table 1 funcref)
  (func (param externref (ref null func) (ref null $t) (ref any) (ref null (; c ;) any)) (result nullexnref)
    (local nullref (ref null noextern))
    (drop (select (result anyref) (ref.null any) (ref.null any) (i32.const 0)))
    (ref.null noexn)))
"""


def test_expand_and_simplify_ref_types() -> None:
    assert "(table 1 (ref null func))" in rewrite(REFS, "expand_ref_type", "funcref")
    assert "(param (ref null extern) (ref null func)" in rewrite(REFS, "expand_ref_type", "externref", 3)
    assert "(result (ref null noexn))" in rewrite(REFS, "expand_ref_type", "nullexnref")
    assert "(local (ref null none) (ref null noextern))" in rewrite(REFS, "expand_ref_type", "nullref")
    assert "(select (result (ref null any))" in rewrite(REFS, "expand_ref_type", "anyref")
    assert "(param externref funcref (ref null $t)" in rewrite(
        REFS, "simplify_ref_type", "(ref null func)", 9
    )
    assert "(local nullref nullexternref)" in rewrite(REFS, "simplify_ref_type", "(ref null noextern)")
    # a concrete or non-null type has no abbreviation; a comment would be lost; not an instruction's heap type
    for refused in ("(ref null $t)", "(ref any)", "(ref null (; c", "(ref.null any)"):
        assert names(REFS, refused) == [], refused


EXPORTS = """(module
  (func $f (export "a") (export "b") (import "m" "n") (param i32))
  (export "c" (func $f))
  (global (export "g") i32 (i32.const 0))
  (memory 1)
  (export "m" (memory 0))
  (table $t (export "t") 1 funcref) (export "u" (table $t))
  (export "early" (tag 0))
  (func (export "x") (export (; c ;) "y"))
  (tag $e (export "e")))
"""


def test_extract_export() -> None:
    assert rewrite(EXPORTS, "extract_export", '(export "b"').startswith(
        '(module\n  (func $f (import "m" "n") (param i32))\n  (export "a" (func $f))\n  (export "b" (func $f))\n'
        '  (export "c" (func $f))\n'
    )
    assert '  (global i32 (i32.const 0))\n  (export "g" (global 0))\n  (memory 1)' in rewrite(
        EXPORTS, "extract_export", '(export "g"'
    )
    assert '(table $t 1 funcref) (export "u" (table $t))' not in rewrite(
        EXPORTS, "extract_export", '(export "t"'
    )
    assert names(EXPORTS, '(export "x"') == []  # a comment in one of them


def test_inline_export() -> None:
    assert rewrite(EXPORTS, "inline_export", '(export "c"').startswith(
        '(module\n  (func $f (export "a") (export "b") (export "c") (import "m" "n") (param i32))\n'
        '  (global (export "g")'
    )
    assert '  (memory (export "m") 1)\n  (table' in rewrite(EXPORTS, "inline_export", '(export "m"')
    assert '(table $t (export "t") (export "u") 1 funcref)\n' in rewrite(
        EXPORTS, "inline_export", '(export "u"'
    )
    # before its tag, which has an export of its own: the order would change
    assert names(EXPORTS, '(export "early"') == []


INDICES = """(module
  (type (func (param i32)))
  (global i32 (i32.const 0))
  (func (type 0) (param i32) (local i32 i64) (local $x i32)
    (block (br_if 0 (local.get 0)) (local.set 1 (global.get 0)) (local.set 3 (local.get 1)) (drop (local.get 2)))
    (call 0 (local.get $x)))
  (export "f" (func 0)))
"""


def test_convert_idx() -> None:
    def named(needle: str) -> str:
        return rewrite(INDICES, "convert_idx", needle, len(needle) - 1)

    assert named("(type 0").startswith(
        "(module\n  (type $t0 (func (param i32)))\n  (global i32 (i32.const 0))\n  (func (type $t0)"
    )
    assert "(block $label0 (br_if $label0 (local.get 0))" in named("(br_if 0")
    assert "(param $p0 i32) (local i32 i64) (local $x i32)\n    (block (br_if 0 (local.get $p0))" in named(
        "local.get 0"
    )
    assert (
        "(local $l1 i32) (local i64) (local $x i32)\n    (block (br_if 0 (local.get 0)) (local.set $l1 (global.get 0)) (local.set 3 (local.get $l1))"
        in named("local.set 1")
    )
    assert "(local i32) (local $l2 i64) (local $x i32)" in named("local.get 2")
    assert "(local.set $x (local.get 1))" in named("local.set 3")  # the name it has
    assert "(global $g0 i32 (i32.const 0))" in named("global.get 0")
    out = named("(func 0")
    assert "(func $f0 (type 0)" in out and '(call $f0 (local.get $x)))\n  (export "f" (func $f0)))' in out
    assert names(INDICES, "$x)))", 1) == ["name_to_idx"]  # already a name


def test_no_error_at_any_offset_of_damaged_text() -> None:
    """Half-typed and broken text: every rewrite at every offset answers without raising, and
    whatever it offers is an edit within the text."""
    for source in (TYPES, BRANCHES, CALLS, REFS, EXPORTS, INDICES):
        for cut in range(0, len(source), 7):
            damaged = (source[:cut] + source[cut + 3 :]).encode()
            doc = analyse(damaged)
            for offset in range(0, len(damaged) + 1, 3):
                for r in (rewrites.REWRITES[n] for n in OTHERS):
                    if r.applies(doc, offset):
                        assert all(0 <= e.start <= e.end <= len(damaged) for e in r.edits(doc, offset))


def test_rewrites_that_change_the_binary_run_the_same() -> None:
    """`br_if` ↔ `if` + `br` and tail calls change the binary, not the behaviour: wasmtime runs
    every export of runnable smith modules before and after (as the passes' oracle does)."""
    _need_wasm_tools()
    from tests.oracles import wasmtime_run

    corpus = wasmtools.smith_corpus(8, options=wasmtools.RUNNABLE_SMITH_CONFIG)
    modules = [(f"smith {seed}", wat.encode()) for seed, _wasm, wat in corpus]
    ran = 0
    for name in ("br_if_to_if_br", "merge_to_return_call"):
        for label, after in rewrite_corpus.rewritten(modules, name):
            before = dict(modules)[label.removesuffix(f" after {name}")]
            diff = wasmtime_run.runs_the_same(before, after)
            assert not diff, (label, diff)
            ran += diff is not None
    there = rewrite_corpus.rewritten(modules, "br_if_to_if_br")
    for label, after in rewrite_corpus.rewritten(there, "if_br_to_br_if"):
        diff = wasmtime_run.runs_the_same(dict(there)[label.removesuffix(" after if_br_to_br_if")], after)
        assert not diff, (label, diff)
    assert ran >= 4
    # smith seldom puts a `return` right after a call: a module that does
    src = FAC.encode()
    after = dict(rewrite_corpus.rewritten([("fac", src)], "merge_to_return_call"))[
        "fac after merge_to_return_call"
    ]
    assert after.count(b"return_call") == 2
    assert wasmtime_run.runs_the_same(src, after) == []


FAC = """(module
  (func $fac (export "fac") (param i64) (result i64) (call $acc (local.get 0) (i64.const 1)))
  (func $acc (param i64 i64) (result i64)
    (if (i64.eqz (local.get 0)) (then (return (local.get 1))))
    local.get 0
    i64.const 1
    i64.sub
    (i64.mul (local.get 0) (local.get 1))
    call $acc
    return)
  (func (export "run") (result i64) (return (call $fac (i64.const 20)))))
"""
