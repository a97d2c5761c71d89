"""Hover's constant values (`const_lines`) and doc comments (`doc_comment`), in process.
Over stdio: `tests/server/test_hover.py`."""

from __future__ import annotations

import pytest
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.ide import hover, references
from wat_lsp.analysis.model import Func, Module, PartialExpr


def _module(text: str) -> Module:
    doc = analyse(text.encode())
    mi = references.resolver(doc).module_at(text.index("(module") + 1)
    assert mi is not None
    return mi.module


def _func(body: str) -> Func:
    return _module(f"(module (func {body}))").funcs[0]


@pytest.mark.parametrize(
    ("instr", "line"),
    [
        ("i32.const 0", "value: `0` = `0x00000000`"),
        ("i32.const 0x8000_0000", "value: `-2147483648` (unsigned 2147483648) = `0x80000000`"),
        ("i64.const -2", "value: `-2` (unsigned 18446744073709551614) = `0xfffffffffffffffe`"),
        ("f32.const 1", "value: `1.0` = `0x1p+0`, bits `0x3f800000`"),
        ("f32.const -0x1.8p-1", "value: `-0.75` = `-0x1.8p-1`, bits `0xbf400000`"),
        ("f32.const inf", "value: `inf` = `inf`, bits `0x7f800000`"),
        ("f32.const nan", "value: `nan:0x400000` = `nan:0x400000`, bits `0x7fc00000`"),
        ("f64.const 0.1", "value: `0.1` = `0x1.999999999999ap-4`, bits `0x3fb999999999999a`"),
        ("f64.const -nan:0x4", "value: `-nan:0x4` = `-nan:0x4`, bits `0xfff0000000000004`"),
        ("v128.const i64x2 1 -1", "bits as i32x4: `0x00000001 0x00000000 0xffffffff 0xffffffff`"),
    ],
)
def test_const_lines(instr: str, line: str) -> None:
    assert hover.const_lines(_func(f"({instr}) drop").body[0]) == [line]


def test_no_value_for_other_instructions() -> None:
    assert hover.const_lines(_func("(local i32) (local.get 0) drop").body[0]) == []


DOCS = """(module
  ;; one
  ;;two
  (func $a)
  (; block
     comment ;)
  (type $t (func))
  ;; not adjacent

  (global $g i32 (i32.const 0)) (func $b) ;; trailing
  (func $c)
  (; block ;) ;; line
  (func $d)
  (global $s i32 (i32.const 0)) (; ";; in a string" ;)
)
"""


def test_doc_comments() -> None:
    doc = analyse(DOCS.encode())
    m = _module(DOCS)
    got = [hover.doc_comment(doc, f.span) for f in m.funcs]
    assert got == ["one\ntwo", None, None, None]  # $d: the line comment follows a block comment
    assert hover.doc_comment(doc, m.types[0].span) == "block\ncomment"
    assert [hover.doc_comment(doc, g.span) for g in m.globals] == [None, None]


CONSTS = """(module
  (global $a i32 (i32.const 7))
  (global $b (mut i64) (i64.add (i64.const 1) (i64.const -1)))
  (table $t 2 funcref (ref.null func))
  (memory 1)
  (func $f)
  (elem (table $t) (i32.const 1) funcref (ref.func $f))
  (data (i32.const 4) "x"))
"""


@pytest.mark.parametrize(
    ("needle", "what", "instr", "stack"),
    [
        ("i32.const 7", "the initializer of global 0", "i32.const", "[]"),
        ("i64.const -1", "the initializer of global 1", "i64.const", "[i64]"),
        ("i64.add", "the initializer of global 1", "i64.add", "[i64 i64]"),
        ("ref.null", "the table's initializer", "ref.null", "[]"),
        ("i32.const 1", "the element segment's offset", "i32.const", "[]"),
        ("ref.func $f))", "an element segment item", "ref.func", "[]"),
        ("i32.const 4", "the data segment's offset", "i32.const", "[]"),
    ],
)
def test_constant_expressions(needle: str, what: str, instr: str, stack: str) -> None:
    m = _module(CONSTS)
    found = hover.const_at(m, CONSTS.index(needle) + 1)
    assert found is not None
    site, index = found
    assert (site.what, site.instrs[index].op.name) == (what, instr)
    state = hover.const_state_before(m, site, index)
    assert state is not None and f"operand stack before: `{stack}`" in hover.const_instr_text(m, site, index)


def test_not_in_a_constant_expression() -> None:
    m = _module(CONSTS)
    for needle in ("(memory", "$a i32", "(func $f)", '"x"'):
        assert hover.const_at(m, CONSTS.index(needle) + 1) is None, needle


def test_damaged_constant_expression() -> None:
    """A global initializer the reader could not read whole: the stack is not checked."""
    text = "(module (global $g i32 (i32.add (i32.const 1) (bogus.op 2) (f32.const 2))))"
    m = _module(text)
    found = hover.const_at(m, text.index("f32.const") + 1)
    assert found is not None
    site, index = found
    assert isinstance(site.instrs, PartialExpr)
    assert hover.const_instr_text(m, site, index) == (
        "```wat\nf32.const\n```\n\n`[] -> [f32]`\n\nvalue: `2.0` = `0x1p+1`, bits `0x40000000`\n\n"
        "operand stack before: `[i32]` (unreachable: polymorphic)"
    )
