"""The reader's paths for deep nesting (issue 17, issue 18 item 3) give what the general path
gives: `block`/`loop` without errors read in one cursor pass (`BodyReader._block_fast`) and
folded instructions without operands read from their words (`_folded_words`), on the
pathological shapes scaled down and on small modules with every part a block can have
(labels, `end $l` that matches or not, block types, comments, glued tokens). Same model,
same diagnostics, and the diagnostics themselves checked exactly where they are few.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from wat_lsp.analysis import body
from wat_lsp.analysis.document import Document, analyse
from wat_lsp.analysis.model import Instr

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
try:
    import pathological
finally:
    sys.path.remove(str(ROOT / "bench"))

LEVELS = 2_000

SMALL = {
    "labels": "(module (func (block $a (loop $b (block $a br $a) br_if $b (i32.const 0)) nop)))",
    "plain labels": "(module (func block $a loop $b block br 1 end end $b end $a))",
    "end label mismatch": "(module (func block $a nop end $b block nop end $c (block $x)))",
    "block types": """(module (type $t (func (result i32)))
      (func (result i32) (block (result i32) (i32.const 1)) drop
        block (type $t) i32.const 2 end drop
        (loop (param) (result i32) i32.const 3)
        block (param i32) (result i32) end))""",
    "comments": """(module (func (block (; c ;) $a ;; line
        (; c ;) (result i32) ;; line
        (i32.const (; c ;) 1) (i32.const 2 ;; c
        )) drop block ;; c
        (; c ;) nop end (; c ;)))""",
    "glued": "(module (func (block$a nop) block$b nop end$b (i32.const 1)(drop) (loop(result i32)i32.const 1) drop))",
    "folded leaves": """(module (memory 1) (func (result i32)
        (i32.add (i32.const 0x10) (i32.load offset=4 align=4 (i32.const 8)))
        (drop (f64.const -0x1p-3)) (drop (i64.const 1_000)) (i32.const 1)
        (drop (i32.const "x")) (drop (i32.const)) (i32.const 1 2) drop drop))""",
    "errors inside": "(module (func (block $a (i32.const 1) ( ) end) (loop nop (i32.add))))",
}

DEEP = {
    "closed": lambda: pathological.nested_closed(LEVELS),
    "unclosed": lambda: pathological.nested_unclosed(LEVELS),
    "plain": lambda: pathological.nested_plain(LEVELS),
    "folded": lambda: pathological.folded_operands(LEVELS),
    "labelled": lambda: pathological.Shape(
        "labelled",
        "(module (func " + "(block $l (result i32) " * LEVELS + "i32.const 1" + ")" * LEVELS + " drop))",
        0,
    ),
    "plain labelled loops": lambda: pathological.Shape(
        "loops", "(module (func\n" + "loop $l\n" * LEVELS + "br $l\n" + "end $l\n" * LEVELS + "))", 0
    ),
}


def _general(data: bytes) -> Document:
    body.FAST_PATHS = False
    try:
        return analyse(data)
    finally:
        body.FAST_PATHS = True


def _shown(ins: Instr) -> tuple[object, ...]:
    return (ins.op.name, ins.imms, ins.start, ins.end, ins.ostart, ins.oend, ins.match, ins.label)


def _same(data: bytes) -> Document:
    fast = analyse(data)
    general = _general(data)
    for a, b in zip(fast.modules, general.modules, strict=True):
        assert (a.read is None) == (b.read is None)
        if a.read is None or b.read is None:
            continue
        for fa, fb in zip(a.read.module.funcs, b.read.module.funcs, strict=True):
            assert [_shown(i) for i in fa.body] == [_shown(i) for i in fb.body]
        assert a.read.module == b.read.module
    assert fast.diagnostics == general.diagnostics
    return fast


@pytest.mark.parametrize("name", list(SMALL))
def test_small_modules_read_the_same(name: str) -> None:
    _same(SMALL[name].encode())


def test_end_label_mismatch_and_glue_exactly() -> None:
    text = SMALL["end label mismatch"]
    doc = _same(text.encode())
    malformed = [
        (d.message, text[d.span.start : d.span.end]) for d in doc.diagnostics if d.code == "malformed"
    ]
    assert malformed == [("mismatching label `$b`", "$b"), ("mismatching label `$c`", "$c")]
    glued = SMALL["glued"]  # a keyword glued to a label lexes as one (unknown) mnemonic
    doc = _same(glued.encode())
    assert [(d.code, glued[d.span.start : d.span.end]) for d in doc.diagnostics] == [
        ("unknown-instruction", "block$a"),
        ("unknown-instruction", "block$b"),
        ("unknown-instruction", "end$b"),
    ]


@pytest.mark.parametrize("name", list(DEEP))
def test_deep_shapes_read_the_same(name: str) -> None:
    shape = DEEP[name]()
    doc = _same(shape.text.encode())
    codes = {d.code for d in doc.diagnostics}
    if name in ("closed", "plain"):
        hints = [d for d in doc.diagnostics if d.code == "removable-block"]
        assert codes == {"removable-block"} and len(hints) == LEVELS
        assert [shape.text[d.span.start : d.span.end] for d in hints[:2]] == ["block", "block"]
        assert [d.data["instr"] for d in hints] == list(range(LEVELS))
        assert hints[0].message == "no branch targets this `block`: its contents can stand without it"
    elif name == "folded":
        assert doc.diagnostics == []
        func = doc.modules[0].read.module.funcs[0]  # type: ignore[union-attr]
        assert [i.op.name for i in func.body[:3]] == ["i32.const", "i32.const", "i32.add"]
        assert len(func.body) == 2 * LEVELS + 1
    elif name == "labelled":
        shadowed = [d for d in doc.diagnostics if d.code == "shadowed-label"]
        assert len(shadowed) == LEVELS - 1
    elif name == "plain labelled loops":
        assert "removable-block" in codes and "malformed" not in codes


def test_the_paths_are_taken() -> None:
    """The comparisons above prove something: the normal read takes both paths, the general
    read neither."""
    taken: list[str] = []
    block_fast, folded_words = body.BodyReader._block_fast, body.BodyReader._folded_words

    def spy_block(self: body.BodyReader, *args: object) -> None:
        taken.append("block")
        block_fast(self, *args)  # type: ignore[arg-type]

    def spy_words(self: body.BodyReader, node: object) -> object:
        taken.append("words")
        return folded_words(self, node)  # type: ignore[arg-type]

    data = SMALL["labels"].encode() + SMALL["folded leaves"].encode()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(body.BodyReader, "_block_fast", spy_block)
        mp.setattr(body.BodyReader, "_folded_words", spy_words)
        analyse(data)
        assert {"block", "words"} <= set(taken)
        taken.clear()
        _general(data)
        assert not taken
