"""The control-flow picture (`analysis/ide/cfg_picture.py`): exact DOT for a function with
`br_table`, `try_table` and a 1a error; edge kinds; errors; the SVG's shape."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.ide.cfg_picture import MAX_BLOCKS, PictureError, picture_of, to_dot, to_svg

DOCS = Path(__file__).resolve().parents[2] / "docs"

EXAMPLE = b"""(module
  (tag $oops)
  (elem declare func $dispatch)
  (func $dispatch (param $k i32) (result i32)
    (local $acc i32)
    (local $r (ref func))
    block $done
      block $two
        block $one
          local.get $k
          br_table $one $two $done
        end
        i32.const 1
        local.set $acc
        br $done
      end
      block $b
        ref.func $dispatch
        local.set $r
      end
      try_table (catch $oops $done)
        local.get $acc
        throw $oops
      end
    end
    local.get $r
    drop
    local.get $acc))
"""

EXAMPLE_DOT = r"""digraph "$dispatch" {
  label="$dispatch\n1 read rejected by the 1a rule";
  labelloc="t";
  node [shape=box, fontname="monospace"];
  edge [fontname="monospace", fontsize=10];
  b0 [label="B0\llive in: $k $acc $r\l  block $done\l  block $two\l  block $one\l  local.get $k\l  br_table $one $two $done\llive out: $acc $r\l"];
  b1 [label="B1\llive in: $r\l  end\l  i32.const 1\l  local.set $acc\l  br $done\llive out: $acc $r\l"];
  b2 [label="B2\llive in: $acc\l  end\l  block $b\l  ref.func $dispatch\l  local.set $r  [1a: $r set]\llive out: $acc $r\l"];
  b3 [label="B3\llive in: $acc $r\l  end  [1a: $r set ends]\l  try_table (catch $oops $done)\llive out: $acc $r\l"];
  b4 [label="B4\llive in: $acc $r\l  local.get $acc\l  throw $oops\llive out: -\l"];
  b5 [label="B5 (unreachable)\llive in: $acc $r\l  end\llive out: $acc $r\l", style=dashed];
  b6 [label="B6\llive in: $acc $r\l  end\l  local.get $r  [1a error: $r read before set]\l  drop\l  local.get $acc\llive out: -\l"];
  exit [label="exit", shape=oval];
  b0 -> b1 [label="br_table 0"];
  b0 -> b2 [label="br_table 1"];
  b0 -> b6 [label="br_table default"];
  b1 -> b6 [label="br"];
  b2 -> b3 [label="fallthrough"];
  b3 -> b4 [label="fallthrough"];
  b3 -> b6 [label="catch $oops", style=dashed];
  b4 -> b6 [label="catch $oops", style=dashed];
  b5 -> b6 [label="fallthrough"];
  b6 -> exit [label="fallthrough"];
}
"""


def dot_of(text: bytes, name: str) -> str:
    return to_dot(picture_of(analyse(text), name=name))


def edges(dot: str) -> list[str]:
    return [line.strip() for line in dot.splitlines() if " -> " in line]


def test_example_dot_exactly() -> None:
    assert [d.code for d in analyse(EXAMPLE).diagnostics] == ["uninitialized-local"]
    assert dot_of(EXAMPLE, "$dispatch") == EXAMPLE_DOT
    # by bare name, by index and by a position inside the function: the same picture
    assert dot_of(EXAMPLE, "dispatch") == dot_of(EXAMPLE, "0") == EXAMPLE_DOT
    doc = analyse(EXAMPLE)
    assert to_dot(picture_of(doc, offset=EXAMPLE.index(b"br_table"))) == EXAMPLE_DOT


def test_edge_kinds() -> None:
    text = b"""(module
  (func $k (param $p i32) (param $x anyref) (result i32)
    loop $top
      local.get $p
      br_if $top
    end
    local.get $p
    if
      nop
    else
      local.get $x
      br_on_null 0
      drop
    end
    local.get $p
    if
      i32.const 7
      return
    end
    i32.const 0))
"""
    assert [d.code for d in analyse(text).diagnostics] == []
    assert edges(dot_of(text, "$k")) == [
        'b0 -> b0 [label="br_if taken"];',  # a loop's header starts its block
        'b0 -> b1 [label="br_if not taken"];',
        'b1 -> b2 [label="if true"];',
        'b1 -> b3 [label="if false"];',
        'b2 -> b5 [label="then done"];',
        'b3 -> b5 [label="br_on_null taken"];',
        'b3 -> b4 [label="br_on_null not taken"];',
        'b4 -> b5 [label="fallthrough"];',
        'b5 -> b6 [label="if true"];',
        'b5 -> b7 [label="if false"];',  # no `else`: to the `end`
        'b6 -> exit [label="return"];',
        'b7 -> exit [label="fallthrough"];',
    ]


def test_long_block_is_shortened_and_keeps_1a_notes() -> None:
    body = b"i32.const 1\ndrop\n" * 10 + b"ref.func $f\nlocal.set $s\n" + b"i32.const 1\ndrop\n" * 10
    text = b"(module (elem declare func $f) (func $f (local $s (ref func))\n" + body + b"))"
    assert dot_of(text, "$f").splitlines()[5] == (
        r'  b0 [label="B0\llive in: -\l  i32.const 1\l  drop\l  i32.const 1\l  drop\l  i32.const 1\l  drop\l'
        r"  … 15 instructions\l  local.set $s  [1a: $s set]\l  … 14 instructions\l"
        r"  i32.const 1\l  drop\l  i32.const 1\l  drop\l  i32.const 1\l  drop\llive out: -\l"
        '"];'
    )


@pytest.mark.parametrize(
    ("text", "name", "message"),
    [
        (EXAMPLE, "$nope", "no function $nope; functions: $dispatch"),
        (b'(module (import "m" "f" (func $f)))', "$f", "function $f is imported: it has no body"),
        (
            b"(module (func $f (local i32) block $a local.get 0 (i32.add 1 ))",
            "$f",
            "the body of function $f could not be read completely (syntax errors): fix them first",
        ),
        (b"(module (func $f (i32.add 1", "$f", "the document has no module that could be read"),
        (b"", "$f", "the document has no module that could be read"),
        (b"(module)", "", "no function given"),
    ],
)
def test_errors(text: bytes, name: str, message: str) -> None:
    with pytest.raises(PictureError) as info:
        picture_of(analyse(text), name=name)
    assert str(info.value) == message


def test_position_outside_a_function() -> None:
    with pytest.raises(PictureError) as info:
        picture_of(analyse(EXAMPLE), offset=EXAMPLE.index(b"(tag"))
    assert str(info.value) == "no function body at this position"


def test_deep_nesting_without_recursion() -> None:
    deep = 900  # 2 * 900 + 1 blocks: drawn, with no recursion anywhere
    text = b"(module (func $d " + b"block " * deep + b"nop " + b"end " * deep + b"))"
    pic = picture_of(analyse(text), name="$d")
    assert len(pic.blocks) == deep + 1 and to_svg(pic).count("<rect") == deep + 2
    too_deep = MAX_BLOCKS + 10  # its blocks are refused clearly
    text = b"(module (func $d " + b"loop " * too_deep + b"end " * too_deep + b"))"
    with pytest.raises(PictureError) as info:
        picture_of(analyse(text), name="$d")
    assert (
        str(info.value)
        == f"function $d has {2 * too_deep} basic blocks; pictures are limited to {MAX_BLOCKS}"
    )


def test_svg_is_well_formed_with_a_box_per_block() -> None:
    svg = to_svg(picture_of(analyse(EXAMPLE), name="$dispatch"))
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    assert len(root.findall(f"{ns}rect")) == 1 + 7  # the background and a box per block
    texts = [t.text for t in root.findall(f"{ns}text")]
    assert "  local.get $r  [1a error: $r read before set]" in texts
    assert texts.count("catch $oops") == 2 and len(root.findall(f"{ns}path")) == 10


def test_the_docs_example_is_current() -> None:
    """docs/cfg.md shows EXAMPLE and docs/images/cfg-example.svg is its picture, as drawn now."""
    page = (DOCS / "cfg.md").read_text(encoding="utf-8")
    assert "```wat\n" + EXAMPLE.decode() + "```" in page
    svg = to_svg(picture_of(analyse(EXAMPLE), name="$dispatch"))
    assert (DOCS / "images" / "cfg-example.svg").read_text(encoding="utf-8") == svg


def test_damaged_documents_give_a_picture_or_a_clear_error() -> None:
    """Every prefix of the example cut at a 29-byte step, and the example with a stray `(` or
    `)` inserted, asked by name and at every 7th offset: a picture or a `PictureError`."""
    texts = [EXAMPLE[:cut] for cut in range(0, len(EXAMPLE), 29)]
    texts += [
        EXAMPLE[:at] + junk + EXAMPLE[at:] for at in range(40, len(EXAMPLE), 97) for junk in (b"(", b")")
    ]
    pictures = refusals = 0
    for text in texts:
        doc = analyse(text)
        asks: list[tuple[str | None, int | None]] = [("$dispatch", None)]
        asks += [(None, offset) for offset in range(0, len(text) + 1, 7)]
        for name, offset in asks:
            try:
                pic = picture_of(doc, name, offset)
            except PictureError as e:
                assert str(e)
                refusals += 1
                continue
            assert to_dot(pic).endswith("}\n") and to_svg(pic).endswith("</svg>\n")
            pictures += 1
    # (a stray `)` that closes the module early leaves the functions after it unread: decision 49)
    assert pictures > 50 and refusals > 100


def test_a_set_in_both_arms_ends_at_else_and_at_end() -> None:
    text = b"""(module (elem declare func $f) (func $f (param $c i32) (local $r (ref func))
  local.get $c
  if
    ref.func $f
    local.set $r
  else
    ref.func $f
    local.set $r
  end
  local.get $r
  drop))"""
    lines = dot_of(text, "$f").splitlines()
    assert lines[1] == r'  label="$f\n1 read rejected by the 1a rule";'
    assert lines[6:10] == [
        r'  b1 [label="B1\llive in: -\l  ref.func $f\l  local.set $r  [1a: $r set]\l  else  [1a: $r set ends]\l'
        r'live out: $r\l"];',
        r'  b2 [label="B2\llive in: -\l  ref.func $f\l  local.set $r  [1a: $r set]\llive out: $r\l"];',
        r'  b3 [label="B3\llive in: $r\l  end  [1a: $r set ends]\l  local.get $r  [1a error: $r read before set]\l'
        r'  drop\llive out: -\l"];',
        '  exit [label="exit", shape=oval];',
    ]


def test_legacy_try_is_drawn_with_a_note() -> None:
    text = b"""(module (tag $e) (func $f (local i32)
  try
    call $f
  catch $e
    i32.const 1
    local.set 0
  end
  local.get 0
  drop))"""
    lines = dot_of(text, "$f").splitlines()
    assert lines[1] == r'  label="$f\nlegacy try/delegate or resume handlers: edges approximate";'
    assert r"  local.set 0\llive out: 0\l" in lines[7]  # unnamed locals by index
