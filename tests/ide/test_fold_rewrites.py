"""Fold ↔ unfold, `add_omitted_idx` and `add_result_types` (`analysis/ide/rewrites/fold.py`,
`omitted_idx.py`, `result_types.py`): exact edits on small modules, 100,000 nested blocks,
and every place of a few spec and smith modules checked by wasm-tools (the output validates
and, names aside, is the same binary). `WAT_LSP_FULL_REWRITES=1` runs every core file of the
spec suite and 200 smith modules instead (as `test_rewrites.py` does)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from wat_lsp.analysis import cst
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.ide.rewrites import fold
from wat_lsp.analysis.ide.rewrites import registry as rewrites
from wat_lsp.analysis.opcodes import Flag
from wat_lsp.passes.edits import TextEdit, apply_edits

from tests.corpus import ROOT as SPEC_ROOT
from tests.corpus import core_files
from tests.ide import rewrite_corpus
from tests.oracles import wasmtools
from tests.tools import missing_tool

FULL = bool(os.environ.get("WAT_LSP_FULL_REWRITES"))
MINE = ("fold", "unfold", "fold_function", "unfold_function", "add_omitted_idx", "add_result_types")


def _apply(src: str, name: str, needle: str, skip: int = 0, until: str | None = None) -> str:
    data = src.encode()
    doc = analyse(data)
    start = data.index(needle.encode()) + skip
    end = data.index(until.encode(), start) + len(until) if until is not None else start
    r = rewrites.REWRITES[name]
    assert r.applies_in(doc, start, end), (name, needle)
    return apply_edits(data, r.edits_in(doc, start, end)).decode()


def _names(src: str, needle: str, skip: int = 0) -> list[str]:
    data = src.encode()
    return [r.name for r in rewrites.available(analyse(data), data.index(needle.encode()) + skip)]


PLAIN = """(module
  (func $f (param i32) (result i32)
    local.get 0
    i32.const 1 ;; one
    i32.add
    block $b (result i32)
      local.get 0
      local.get 0
      br_if $b
      drop
      (; keep ;) i32.const 2
    end
    i32.mul
    local.get 0
    if (result i32)
      i32.const 3
    else
      i32.const 4
    end
    drop))
"""

FOLDED = """(module
  (func $f (param i32) (result i32)
    (i32.mul
      (i32.add
        (local.get 0)
        (i32.const 1) ;; one
      )
      (block $b (result i32)
        (drop (br_if $b (local.get 0) (local.get 0)))
        (; keep ;) (i32.const 2)))
    (drop
      (if (result i32) (local.get 0)
        (then
          (i32.const 3))
        (else
          (i32.const 4))))))
"""


def test_fold_and_unfold_a_function_both_ways() -> None:
    assert _apply(PLAIN, "fold_function", "i32.add") == FOLDED
    assert _apply(FOLDED, "unfold_function", "(i32.mul", 1) == PLAIN
    assert "fold_function" not in _names(FOLDED, "(i32.mul", 1)
    assert "unfold_function" not in _names(PLAIN, "i32.add")
    # only where the cursor is in the body or on the function's keyword or name
    assert _names(PLAIN, "(param") == []


def test_fold_at_the_cursor() -> None:
    # the statement the instruction is part of: `i32.add` is an operand of `i32.mul`
    assert _apply(PLAIN, "fold", "i32.add") == _apply(PLAIN, "fold", "i32.mul")
    # inside a block: only what is around the cursor there
    assert (
        "    block $b (result i32)\n      (drop (br_if $b (local.get 0) (local.get 0)))\n      (; keep ;)"
        in (_apply(PLAIN, "fold", "br_if"))
    )
    out = _apply(PLAIN, "fold", "if (result")
    assert out.endswith(
        "    i32.mul\n    (drop\n      (if (result i32) (local.get 0)\n        (then\n          (i32.const 3))\n"
        "        (else\n          (i32.const 4))))))\n"
    )
    assert "fold" not in _names(FOLDED, "(i32.add", 1)


def test_unfold_at_the_cursor() -> None:
    # an operand unfolds with the instruction it is an operand of (operands must be folded)
    out = _apply(FOLDED, "unfold", "(local.get 0)", 1)
    head = PLAIN[: PLAIN.index("    local.get 0\n    if")]
    assert out == head + FOLDED[FOLDED.index("    (drop\n      (if") :]
    # in a block's body: that instruction alone
    assert "        (; keep ;) i32.const 2))\n" in _apply(FOLDED, "unfold", "(i32.const 2)", 1)


def test_selection() -> None:
    src = "(module\n  (func (result i32)\n    i32.const 1\n    i32.const 2\n    i32.add\n    i32.const 3\n    i32.mul))\n"
    assert _apply(src, "fold", "i32.const 1", 0, "i32.add") == (
        "(module\n  (func (result i32)\n    (i32.mul (i32.add (i32.const 1) (i32.const 2)) (i32.const 3))))\n"
    )
    folded = (
        "(module\n  (func (result i32)\n    (i32.const 1) (i32.const 2) (i32.add) (drop) (i32.const 3)))\n"
    )
    assert _apply(folded, "unfold", "(i32.const 2)", 0, "(drop)") == (
        "(module\n  (func (result i32)\n    (i32.const 1) i32.const 2 i32.add drop (i32.const 3)))\n"
    )


def test_blocks_keep_labels_types_and_catches() -> None:
    src = """(module
  (tag $e (param i32))
  (func (result i32)
    try_table $t (result i32) (catch $e 0)
      loop $l
        i32.const 0
        br_if $l
      end
      i32.const 1
    end $t))
"""
    out = _apply(src, "fold_function", "loop")
    assert out == (
        "(module\n  (tag $e (param i32))\n  (func (result i32)\n"
        "    (try_table $t (result i32) (catch $e 0)\n      (loop $l\n        (br_if $l (i32.const 0)))\n"
        "      (i32.const 1))))\n"
    )
    assert _apply(out, "unfold_function", "(try_table", 1) == src.replace("end $t", "end")


def test_operands_the_validator_cannot_split() -> None:
    """A multi-value result split between instructions, or an instruction pushing nothing in
    between: the instruction takes only whole trees after the last such break, here none."""
    src = """(module
  (func $three (result i32 i32 i32) i32.const 1 i32.const 2 i32.const 3)
  (func (result i32)
    call $three
    i32.add
    drop
    i32.const 4
    nop
    i32.add))
"""
    out = _apply(src, "fold_function", "call $three\n")
    assert out.endswith(
        "  (func (result i32)\n    (call $three)\n    (drop (i32.add))\n    (i32.const 4)\n    (nop)\n    (i32.add)))\n"
    )


def test_comments_are_kept() -> None:
    src = """(module
  (func (result i32)
    ;; first
    (i32.add ;; after add
      (i32.const 1) (; one ;)
      ;; before two
      (i32.const 2))))
"""
    out = _apply(src, "unfold", "(i32.add", 1)
    assert out == (
        "(module\n  (func (result i32)\n    ;; first\n    i32.const 1 (; one ;)\n    ;; before two\n"
        "    i32.const 2\n    i32.add ;; after add\n    ))\n"
    )
    back = _apply(out, "fold", "i32.add")
    for comment in (";; first", "(; one ;)", ";; before two", ";; after add"):
        assert comment in back
    assert wasmtools.validate(back.encode()).ok


def test_no_recursion_on_deep_nesting() -> None:
    n = 100_000
    plain = "(module (func (result i32)\n" + "block\n" * n + "nop\n" + "end\n" * n + "i32.const 7))"
    folded = _apply(plain, "fold_function", "block")
    assert folded.startswith("(module (func (result i32)\n(block\n  (block\n")
    assert folded.endswith("(nop)" + ")" * n + "\n(i32.const 7)))")
    back = _apply(folded, "unfold_function", "(block", 1)
    assert back.split() == plain.split()


OMITTED = """(module
  (memory $m 1)
  (table $t 1 funcref)
  (type $ft (func))
  (func
    (drop (i32.load offset=4 (i32.const 0)))
    (drop (memory.size))
    (drop (i32.load 0 (i32.const 0)))
    (call_indirect (type $ft) (i32.const 0))
    (table.copy (i32.const 0) (i32.const 0) (i32.const 0))
    (memory.copy 0 0 (i32.const 0) (i32.const 0) (i32.const 0))
    (v128.store8_lane 1 (i32.const 0) (v128.const i64x2 0 0))
    (table.init 0 (i32.const 0) (i32.const 0) (i32.const 0)))
  (elem func))
"""


def test_add_omitted_idx() -> None:
    assert "(i32.load $m offset=4 (i32.const 0))" in _apply(OMITTED, "add_omitted_idx", "i32.load offset")
    assert "(memory.size $m)" in _apply(OMITTED, "add_omitted_idx", "memory.size")
    assert "(call_indirect $t (type $ft)" in _apply(OMITTED, "add_omitted_idx", "call_indirect")
    assert "(table.copy $t $t (i32.const 0)" in _apply(OMITTED, "add_omitted_idx", "table.copy")
    assert "(v128.store8_lane $m 1 (i32.const 0)" in _apply(OMITTED, "add_omitted_idx", "v128.store8_lane")
    assert "(table.init $t 0 (i32.const 0)" in _apply(OMITTED, "add_omitted_idx", "table.init")
    for written in ("i32.load 0", "memory.copy 0 0"):
        assert "add_omitted_idx" not in _names(OMITTED, written), written
    unnamed = OMITTED.replace("$m ", "").replace("$t ", "").replace("$m", "0").replace("$t", "0")
    assert "(memory.size 0)" in _apply(unnamed, "add_omitted_idx", "memory.size")


RESULTS = """(module
  (type $s (struct))
  (func $f (export "f") (param i32)
    (block $b
      (i32.const 1))
    drop
    (if (local.get 0) (then (i32.const 2)) (else (i32.const 3)))
    drop
    (block $t (br_if $t (local.get 0)) (i32.const 1))
    drop
    loop
      i64.const 1
    end
    drop
    (struct.new $s))
  (func (param i32)
    (if (local.get 0) (then (i32.const 2))))
  (func (result i32) (return (i32.const 1)) (i64.const 2)))
"""


def test_add_result_types() -> None:
    assert "(block $b (result i32)\n" in _apply(RESULTS, "add_result_types", "(block $b", 1)
    assert "(block $b (result i32)\n" in _apply(RESULTS, "add_result_types", "(i32.const 1))", 1)
    assert "(if (result i32) (local.get 0)" in _apply(
        RESULTS, "add_result_types", "(if (local.get 0) (then (i32.const 2)) (else", 1
    )
    assert "    loop (result i64)\n" in _apply(RESULTS, "add_result_types", "loop")
    assert '(func $f (export "f") (param i32) (result (ref $s))\n' in _apply(
        RESULTS, "add_result_types", "(struct.new", 1
    )
    # offered where the validator reports, at the end of each construct (an `else` for an arm)
    doc = analyse(RESULTS.encode())
    add = rewrites.REWRITES["add_result_types"]
    offered = [len(add.edits(doc, d.span.start)) for d in doc.diagnostics if d.code == "stack-height"]
    assert offered == [1, 1, 1, 0, 1, 1, 0]
    # a branch to the block carries no value; an `if` without `else`; a function with `return`
    for refused in ("(block $t", "(if (local.get 0) (then (i32.const 2))))", "(i64.const 2)"):
        assert "add_result_types" not in _names(RESULTS, refused, 1), refused


def test_no_error_at_any_offset_of_damaged_text() -> None:
    for source in (PLAIN, FOLDED, OMITTED, RESULTS):
        for cut in range(0, len(source), 17):
            damaged = (source[:cut] + source[cut + 3 :]).encode()
            doc = analyse(damaged)
            for offset in range(0, len(damaged) + 1, 7):
                for name in MINE:
                    r = rewrites.REWRITES[name]
                    if r.applies_in(doc, offset, min(offset + 20, len(damaged))):
                        for e in r.edits_in(doc, offset, min(offset + 20, len(damaged))):
                            assert 0 <= e.start <= e.end <= len(damaged)


# --- the corpora ---------------------------------------------------------------------------


def _need_wasm_tools() -> None:
    try:
        wasmtools.wasm_tools_exe()
    except FileNotFoundError:
        missing_tool("wasm-tools checks the rewrites' outputs")


SPEC_SAMPLE = [
    "fac.wast",
    "block.wast",
    "if.wast",
    "memory_size.wast",
    "table_copy.wast",
    "call_indirect.wast",
]


def _spec_modules() -> list[tuple[str, bytes]]:
    paths = core_files() if FULL else [SPEC_ROOT / n for n in SPEC_SAMPLE if (SPEC_ROOT / n).exists()]
    return rewrite_corpus.valid_modules((p.name, p.read_bytes()) for p in paths)


def _check(modules: list[tuple[str, bytes]], least: dict[str, int]) -> None:
    report = rewrite_corpus.check(modules, only=MINE)
    assert not report.failures, "\n\n".join(report.failures[:3])
    for name, count in least.items():
        assert report.applied[name] >= count, (name, report.applied)


@pytest.mark.skipif(not SPEC_ROOT.exists(), reason="spec test suite not available")
def test_on_spec_modules() -> None:
    _need_wasm_tools()
    modules = _spec_modules()
    _check(
        modules, {"fold": 20, "unfold": 100, "fold_function": 5, "unfold_function": 50, "add_omitted_idx": 20}
    )
    _check(rewrite_corpus.rewritten(modules, "unfold_function"), {"fold_function": 20})


def test_on_smith_modules() -> None:
    _need_wasm_tools()
    modules = [
        (f"smith {seed} {'folded' if folded else 'plain'}", wat)
        for seed, folded, wat in wasmtools.smith_texts(range(200) if FULL else (3, 11))
    ]
    _check(modules, {"fold": 20, "unfold": 20, "fold_function": 1, "unfold_function": 1})


def _without_results(data: bytes) -> Iterator[tuple[bytes, int]]:
    """Each function and block of a module that declares results in its own text, with them
    taken out, and where to ask for them back."""
    doc = analyse(data)
    for sm in doc.modules:
        if sm.read is None:
            continue
        for f in sm.read.module.funcs:
            if f.import_ is not None:
                continue
            heads = [(f.span.start, f.span.start + 1)]
            heads += [(ins.start, ins.start) for ins in f.body if ins.op.flags & Flag.BLOCK_START]
            for head, at in heads:
                node = doc.tree.root_node.descendant_for_byte_range(head, head)
                while (
                    node is not None
                    and node.start_byte == head
                    and node.parent is not None
                    and (
                        node.type not in ("func", "block_instr", "folded_block", "if_instr", "folded_if")
                        or not node.is_named
                    )
                ):
                    node = node.parent
                if node is None:
                    continue
                kids = cst.children(node)
                if any(k.type == "type_use" for k in kids):
                    continue
                results = [k for k in kids if k.type == "result" and k.is_named]
                if results:
                    edits = [TextEdit(k.start_byte - 1, k.end_byte, "") for k in results]
                    yield apply_edits(data, edits), at


@pytest.mark.skipif(not SPEC_ROOT.exists(), reason="spec test suite not available")
def test_add_result_types_gives_back_what_was_taken() -> None:
    """Results taken out of a valid module's functions and blocks and added back by the rewrite:
    valid, and mostly the very binary (a value of a subtype of the declared result is typed
    more precisely)."""
    _need_wasm_tools()
    r = rewrites.REWRITES["add_result_types"]
    same = valid = 0
    for label, data in _spec_modules()[:: 1 if FULL else 2]:
        original = wasmtools.strip(data)
        for broken, at in _without_results(data):
            doc = analyse(broken)
            if not r.applies(doc, at):
                continue
            out = apply_edits(broken, r.edits(doc, at))
            assert wasmtools.validate(out).ok, (label, out.decode())
            valid += 1
            same += wasmtools.strip(out) == original
    assert valid >= 10 and same >= valid * 0.9, (same, valid)


def test_every_instruction_is_in_one_tree() -> None:
    """The trees of a body hold each instruction once (a block its `else` and `end`)."""
    src = PLAIN.encode()
    doc = analyse(src)
    m = doc.modules[0].read
    assert m is not None
    f = m.module.funcs[0]
    seen: list[int] = []
    stack = list(fold.forest(f, fold.arity(m.module, f)))
    while stack:
        t = stack.pop()
        seen += [t.root] + ([t.hi] if t.hi != t.root else []) + t.elses
        stack += t.kids + [x for arm in t.arms for x in arm]
    assert sorted(seen) == list(range(len(f.body)))


def test_listing_a_big_function_looks_at_the_instructions_only() -> None:
    """Above `EXACT_LISTING` instructions, fold and unfold are listed from the instructions
    alone: never missing a place where working the edits out finds some; unfold exactly, fold
    also on folded code with plain code somewhere inside its outermost expression."""
    statements = []
    for i in range(120):
        statements.append(f"(local.set $x (i32.add (local.get $x) (i32.const {i})))")
        statements.append(f"local.get $x i32.const {i} i32.mul local.set $x")
        statements.append("(if (local.get $x) (then local.get $x drop) (else (nop)))")
    text = '(module (func (export "f") (local $x i32)\n  ' + "\n  ".join(statements) + "))"
    data = text.encode()
    doc = analyse(data)
    read = doc.modules[0].read
    assert read is not None and len(read.module.funcs[0].body) > fold.EXACT_LISTING
    offsets = sorted({m.start() for m in re.finditer(rb"[a-z$(]", data)})[::5]
    for at in offsets:
        assert fold.FOLD.applies(doc, at) >= bool(fold.fold_range(doc, at, at)), at
        assert fold.UNFOLD.applies(doc, at) == bool(fold.unfold_range(doc, at, at)), at
