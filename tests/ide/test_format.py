"""The formatter's exact output: every option, comments, blocks, errors, ignore
directives, line ends, deep nesting, minimal edits, ranges, on-type indentation, project
settings. (Meaning kept over the corpora: `test_format_oracles.py`.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from wat_lsp.analysis.ide.format import (
    FormatOptions,
    format_edits,
    format_text,
    line_indent_edit,
    options_from,
    range_edits,
)
from wat_lsp.passes.edits import TextEdit, apply_edits

from wat_lsp.project_config import format_options


def fmt(text: str, **options: Any) -> str:
    opts, errors = options_from(options)
    assert not errors
    return format_text(text.encode(), opts).decode()


# The messy hand-written GC module of docs/formatting.md, before and after.
GC_BEFORE = '(module\n(type $point (struct (field $x (mut f64)) (field $y (mut f64))))\n  (type $pts   (array (mut (ref null $point))))\n      (rec (type $node (sub (struct (field $val i32) (field $next (ref null $node))))) (type $leaf (sub final $node (struct (field $val i32) (field $next (ref null $node)) (field $extra i64)))))\n(global $origin (ref $point) (struct.new $point (f64.const 0) (f64.const 0)))\n  (func $len (export "len") (param $p (ref null $node)) (result i32) (local $n i32) (local $cur (ref null $node))\n      (local.set $cur (local.get $p))\n  block $done loop $next\n        local.get $cur   br_on_null $done   ;; stop at the end\n    struct.get $node $next local.set $cur\n    (local.set $n (i32.add (local.get $n) (i32.const 1)))\n     br $next end end\n   local.get $n)\n\n\n\n  (func $norm (param $p (ref $point)) (result f64)   (f64.sqrt (f64.add (f64.mul (struct.get $point $x (local.get $p)) (struct.get $point $x (local.get $p))) (f64.mul (struct.get $point $y (local.get $p)) (struct.get $point $y (local.get $p))))))\n  ;; fmt-ignore\n  (data $table "\\00\\01\\02\\03"    "\\04\\05\\06\\07")\n  (func $cast (param anyref) (result i32) (if (result i32) (ref.test (ref $point) (local.get 0)) (then (i32.const 1)) (else (i32.const 0))))\n)\n'
GC_AFTER = '(module\n  (type $point (struct (field $x (mut f64)) (field $y (mut f64))))\n  (type $pts (array (mut (ref null $point))))\n  (rec\n    (type $node (sub (struct (field $val i32) (field $next (ref null $node)))))\n    (type $leaf\n      (sub final $node\n        (struct\n          (field $val i32) (field $next (ref null $node)) (field $extra i64)))))\n  (global $origin (ref $point) (struct.new $point (f64.const 0) (f64.const 0)))\n  (func $len (export "len") (param $p (ref null $node)) (result i32)\n    (local $n i32) (local $cur (ref null $node))\n    (local.set $cur (local.get $p))\n    block $done\n      loop $next\n        local.get $cur\n        br_on_null $done ;; stop at the end\n        struct.get $node $next\n        local.set $cur\n        (local.set $n (i32.add (local.get $n) (i32.const 1)))\n        br $next\n      end\n    end\n    local.get $n)\n\n  (func $norm (param $p (ref $point)) (result f64)\n    (f64.sqrt\n      (f64.add\n        (f64.mul\n          (struct.get $point $x (local.get $p))\n          (struct.get $point $x (local.get $p)))\n        (f64.mul\n          (struct.get $point $y (local.get $p))\n          (struct.get $point $y (local.get $p))))))\n  ;; fmt-ignore\n  (data $table "\\00\\01\\02\\03"    "\\04\\05\\06\\07")\n  (func $cast (param anyref) (result i32)\n    (if (result i32)\n      (ref.test (ref $point) (local.get 0))\n      (then (i32.const 1))\n      (else (i32.const 0)))))\n'


def test_gc_module_before_after() -> None:
    assert fmt(GC_BEFORE) == GC_AFTER
    assert fmt(GC_AFTER) == GC_AFTER


def test_docs_show_the_gc_module_and_every_option() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "formatting.md").read_text()
    assert GC_BEFORE in doc and GC_AFTER in doc
    assert OPTIONS_SOURCE in doc
    for options, expected in OPTION_CASES:
        assert f"`{options}`:\n\n```wat\n{expected}```" in doc or not options, options


OPTIONS_SOURCE = """\
(module
  (type $s (struct (field $a i32) (field $b i64) (field $c f32)))
  (global $g i32 (i32.const 42))
  (func $f (param $x i32) (result i32) (local $a i32)
    (local $b i32) (local $c i32)
    (local.set $a (local.get $x)) (local.get $a)))
"""

# Each option with its exact output on OPTIONS_SOURCE (docs/formatting.md shows them).
OPTION_CASES: list[tuple[dict[str, Any], str]] = [
    (
        {},
        """\
(module
  (type $s (struct (field $a i32) (field $b i64) (field $c f32)))
  (global $g i32 (i32.const 42))
  (func $f (param $x i32) (result i32)
    (local $a i32)
    (local $b i32)
    (local $c i32)
    (local.set $a (local.get $x))
    (local.get $a)))
""",
    ),
    (
        {"printWidth": 40},
        """\
(module
  (type $s
    (struct
      (field $a i32)
      (field $b i64)
      (field $c f32)))
  (global $g i32 (i32.const 42))
  (func $f (param $x i32) (result i32)
    (local $a i32)
    (local $b i32)
    (local $c i32)
    (local.set $a (local.get $x))
    (local.get $a)))
""",
    ),
    (
        {"indentWidth": 4},
        """\
(module
    (type $s (struct (field $a i32) (field $b i64) (field $c f32)))
    (global $g i32 (i32.const 42))
    (func $f (param $x i32) (result i32)
        (local $a i32)
        (local $b i32)
        (local $c i32)
        (local.set $a (local.get $x))
        (local.get $a)))
""",
    ),
    (
        {"useTabs": True},
        "(module\n\t(type $s (struct (field $a i32) (field $b i64) (field $c f32)))\n\t(global $g i32 (i32.const 42))\n\t(func $f (param $x i32) (result i32)\n\t\t(local $a i32)\n\t\t(local $b i32)\n\t\t(local $c i32)\n\t\t(local.set $a (local.get $x))\n\t\t(local.get $a)))\n",
    ),
    (
        {"splitClosingParens": True},
        """\
(module
  (type $s (struct (field $a i32) (field $b i64) (field $c f32)))
  (global $g i32 (i32.const 42))
  (func $f (param $x i32) (result i32)
    (local $a i32)
    (local $b i32)
    (local $c i32)
    (local.set $a (local.get $x))
    (local.get $a)
  )
)
""",
    ),
    (
        {"wrapBeforeLocals": "never", "printWidth": 50},
        """\
(module
  (type $s
    (struct
      (field $a i32)
      (field $b i64)
      (field $c f32)))
  (global $g i32 (i32.const 42))
  (func $f (param $x i32) (result i32) (local $a i32)
    (local $b i32)
    (local $c i32)
    (local.set $a (local.get $x))
    (local.get $a)))
""",
    ),
    (
        {"wrapBeforeLocals": "always", "multiLineLocals": "never"},
        """\
(module
  (type $s (struct (field $a i32) (field $b i64) (field $c f32)))
  (global $g i32 (i32.const 42))
  (func $f (param $x i32) (result i32)
    (local $a i32) (local $b i32) (local $c i32)
    (local.set $a (local.get $x))
    (local.get $a)))
""",
    ),
    (
        {"wrapBeforeLocals": "multiOnly", "multiLineLocals": "overflow"},
        """\
(module
  (type $s (struct (field $a i32) (field $b i64) (field $c f32)))
  (global $g i32 (i32.const 42))
  (func $f (param $x i32) (result i32)
    (local $a i32) (local $b i32) (local $c i32)
    (local.set $a (local.get $x))
    (local.get $a)))
""",
    ),
    (
        {"wrapBeforeFields": "always"},
        """\
(module
  (type $s
    (struct
      (field $a i32) (field $b i64) (field $c f32)))
  (global $g i32 (i32.const 42))
  (func $f (param $x i32) (result i32)
    (local $a i32)
    (local $b i32)
    (local $c i32)
    (local.set $a (local.get $x))
    (local.get $a)))
""",
    ),
    (
        {"wrapBeforeFields": "never", "printWidth": 40},
        """\
(module
  (type $s
    (struct (field $a i32)
      (field $b i64)
      (field $c f32)))
  (global $g i32 (i32.const 42))
  (func $f (param $x i32) (result i32)
    (local $a i32)
    (local $b i32)
    (local $c i32)
    (local.set $a (local.get $x))
    (local.get $a)))
""",
    ),
    (
        {"wrapBeforeConstExpr": "always"},
        """\
(module
  (type $s (struct (field $a i32) (field $b i64) (field $c f32)))
  (global $g i32
    (i32.const 42))
  (func $f (param $x i32) (result i32)
    (local $a i32)
    (local $b i32)
    (local $c i32)
    (local.set $a (local.get $x))
    (local.get $a)))
""",
    ),
    (
        {"multiLineLocals": "never"},
        """\
(module
  (type $s (struct (field $a i32) (field $b i64) (field $c f32)))
  (global $g i32 (i32.const 42))
  (func $f (param $x i32) (result i32)
    (local $a i32) (local $b i32) (local $c i32)
    (local.set $a (local.get $x))
    (local.get $a)))
""",
    ),
    (
        {"multiLineLocals": "wrap", "printWidth": 40},
        """\
(module
  (type $s
    (struct
      (field $a i32)
      (field $b i64)
      (field $c f32)))
  (global $g i32 (i32.const 42))
  (func $f (param $x i32) (result i32)
    (local $a i32) (local $b i32)
    (local $c i32)
    (local.set $a (local.get $x))
    (local.get $a)))
""",
    ),
    (
        {"multiLineLocals": "always"},
        """\
(module
  (type $s (struct (field $a i32) (field $b i64) (field $c f32)))
  (global $g i32 (i32.const 42))
  (func $f (param $x i32) (result i32)
    (local $a i32)
    (local $b i32)
    (local $c i32)
    (local.set $a (local.get $x))
    (local.get $a)))
""",
    ),
    (
        {"multiLineFields": "always"},
        """\
(module
  (type $s
    (struct (field $a i32)
      (field $b i64)
      (field $c f32)))
  (global $g i32 (i32.const 42))
  (func $f (param $x i32) (result i32)
    (local $a i32)
    (local $b i32)
    (local $c i32)
    (local.set $a (local.get $x))
    (local.get $a)))
""",
    ),
    (
        {"multiLineFields": "wrap", "printWidth": 40},
        """\
(module
  (type $s
    (struct
      (field $a i32) (field $b i64)
      (field $c f32)))
  (global $g i32 (i32.const 42))
  (func $f (param $x i32) (result i32)
    (local $a i32)
    (local $b i32)
    (local $c i32)
    (local.set $a (local.get $x))
    (local.get $a)))
""",
    ),
    (
        {"multiLineFields": "never", "printWidth": 40},
        """\
(module
  (type $s
    (struct
      (field $a i32) (field $b i64) (field $c f32)))
  (global $g i32 (i32.const 42))
  (func $f (param $x i32) (result i32)
    (local $a i32)
    (local $b i32)
    (local $c i32)
    (local.set $a (local.get $x))
    (local.get $a)))
""",
    ),
]


@pytest.mark.parametrize(("options", "expected"), OPTION_CASES, ids=[str(o) for o, _ in OPTION_CASES])
def test_option(options: dict[str, Any], expected: str) -> None:
    assert fmt(OPTIONS_SOURCE, **options) == expected
    assert fmt(expected, **options) == expected


# A group of locals or fields that ends its form fits only with the closing parentheses
# after it (they once overflowed the width by them).
GROUP_TAILS: list[tuple[str, dict[str, Any], str]] = [
    (
        "(module (func $f (local $l0 i32) (local $l1 i32)))",
        {"wrapBeforeLocals": "never", "printWidth": 43},
        "(module\n  (func $f (local $l0 i32)\n    (local $l1 i32)))\n",
    ),
    (
        "(module (func $f (param $x i32) (local $l0 i32) (local $l1 i32)))",
        {"printWidth": 58},
        "(module\n  (func $f (param $x i32)\n    (local $l0 i32) (local $l1 i32)))\n",
    ),
    (
        "(module (type $s (struct (field $f0 i32) (field $f1 i32))))",
        {"wrapBeforeFields": "never", "printWidth": 45},
        "(module\n  (type $s\n    (struct (field $f0 i32)\n      (field $f1 i32))))\n",
    ),
    (
        "(module (func $f (local $l0 i32) (local $l1 i32) (local $l2 i32)))",
        {"wrapBeforeLocals": "always", "multiLineLocals": "wrap", "printWidth": 36},
        "(module\n  (func $f\n    (local $l0 i32) (local $l1 i32)\n    (local $l2 i32)))\n",
    ),
]


@pytest.mark.parametrize(("src", "options", "expected"), GROUP_TAILS)
def test_a_group_ending_its_form_counts_the_parentheses(
    src: str, options: dict[str, Any], expected: str
) -> None:
    out = fmt(src, **options)
    assert out == expected
    assert max(len(line) for line in out.splitlines()) <= options["printWidth"]
    assert fmt(out, **options) == out


def test_comments_stay_where_they_were() -> None:
    src = '(module (func $f ;; trailing\n (param i32) (; block ;) (result i32)\n local.get 0 (; here ;) ;; last\n ) (@custom "x" (after func)) )'
    assert fmt(src) == (
        "(module\n"
        "  (func $f ;; trailing\n"
        "    (param i32) (; block ;)\n"
        "    (result i32)\n"
        "    local.get 0 (; here ;) ;; last\n"
        '  ) (@custom "x" (after func)))\n'
    )


def test_plain_blocks_indent_their_instructions() -> None:
    src = (
        "(module (func try (result i32) i32.const 1 catch $e i32.const 2 catch_all i32.const 3 end drop "
        "try_table (catch $e 0) nop end if (result i32) i32.const 1 else i32.const 2 end))"
    )
    assert (
        fmt(src)
        == """\
(module
  (func
    try (result i32)
      i32.const 1
    catch $e
      i32.const 2
    catch_all
      i32.const 3
    end
    drop
    try_table (catch $e 0)
      nop
    end
    if (result i32)
      i32.const 1
    else
      i32.const 2
    end))
"""
    )


def test_a_field_with_an_error_is_copied() -> None:
    # A string among instructions is a syntax error (an unknown word would be read as a plain
    # instruction: folded operands may be any instruction sequence).
    src = '(module\n  (func $ok  (nop))\n  (func $bad (i32.add (i32.const 1)\n     (i32.const 2) "oops" ))\n  (func   $ok2)\n)'
    assert fmt(src) == (
        '(module\n  (func $ok (nop))\n  (func $bad (i32.add (i32.const 1)\n     (i32.const 2) "oops" ))\n  (func $ok2))\n'
    )


# Damaged text that formatted differently a second time (seeds 11 and 13 of
# `test_format_oracles.damage`, reduced): an error was the last field, and its module's `)`
# moved onto it, where tree-sitter's recovery then took it for the error's own. The white
# space after an error now stays as it was.
AFTER_ERRORS = [
    (
        '(module\n  (func (export "get-after-set") (param $p (ref extern)) (result (ref extern))\n    (block (result (re)f extern)) (local.get $x))\n  )\n)',
        '(module\n  (func (export "get-after-set") (param $p (ref extern)) (result (ref extern))\n    (block (result (re)f extern)) (local.get $x))\n  )\n)',
    ),
    (
        '(module\n  (func (export "array_call_nth") (param $n i32) (result i32)\n  )\n  (func (export "array_init_elem") (param $1 i32) (param $2 i32) (param $3 i32)\n   (@x (array.init_elem $arrref_mut $e1 (global.get $g_arrref_mut) (local.get $1) (local.get $2) (local.get $3))\n  )\n  (func (export "drop_segs")\n    (elem.drop $e1)\n  )\n)',
        '(module\n  (func (export "array_call_nth") (param $n i32) (result i32))\n  (func (export "array_init_elem") (param $1 i32) (param $2 i32) (param $3 i32)\n   (@x (array.init_elem $arrref_mut $e1 (global.get $g_arrref_mut) (local.get $1) (local.get $2) (local.get $3))\n  )\n  (func (export "drop_segs")\n    (elem.drop $e1)\n  )\n)',
    ),
    (
        '(module\n  (func (export "f32_align_switch") (param i32) (result f32)\n    (block $4\n      (block $2\n        ) ;; 1\n      ) ;; 2\n    ) ;; 4\n    (local.get 2)\n  )\n)',
        '(module\n  (func (export "f32_align_switch") (param i32) (result f32)\n    (block $4\n      (block $2) ;; 1\n    ) ;; 2\n  ) ;; 4\n    (local.get 2)\n  )\n)',
    ),
]


@pytest.mark.parametrize(("src", "expected"), AFTER_ERRORS)
def test_white_space_after_an_error_stays(src: str, expected: str) -> None:
    assert fmt(src) == expected
    assert fmt(expected) == expected


def test_fmt_ignore_keeps_the_next_form() -> None:
    src = "(module (func (param i32)\n    ;; fmt-ignore\n    (i32.add   (local.get 0)\n        (i32.const 1))\n    drop))"
    assert fmt(src) == (
        "(module\n  (func (param i32)\n    ;; fmt-ignore\n    (i32.add   (local.get 0)\n        (i32.const 1))\n    drop))\n"
    )
    top = ";; fmt-ignore\n(module   (func))\n(module   (func))\n"
    assert fmt(top) == ";; fmt-ignore\n(module   (func))\n(module (func))\n"
    assert fmt(top, ignoreCommentDirective="keep") == ";; fmt-ignore\n(module (func))\n(module (func))\n"


def test_scripts_and_quoted_modules() -> None:
    src = (
        '(module quote "(func  $f)"   "(export \\"f\\" (func $f))")\n(assert_invalid   (module (func (result i32)))\n'
        '   "type mismatch")\n(assert_return (invoke "f" (i32.const 1)) (i32.const 2))'
    )
    assert fmt(src) == (
        '(module quote "(func  $f)" "(export \\"f\\" (func $f))")\n'
        '(assert_invalid (module (func (result i32))) "type mismatch")\n'
        '(assert_return (invoke "f" (i32.const 1)) (i32.const 2))\n'
    )


def test_line_ends_are_kept() -> None:
    assert (
        format_text(b"(module\r\n(func  (nop)) ;; c\r\n)\r\n") == b"(module\r\n  (func (nop)) ;; c\r\n)\r\n"
    )


def test_blank_lines_between_fields_collapse_to_one() -> None:
    src = "(module\n\n\n  (func $a)\n\n\n\n  (func $b) ;; b\n  (func $c)\n\n)"
    assert fmt(src) == "(module\n  (func $a)\n\n  (func $b) ;; b\n  (func $c))\n"


def test_deep_nesting() -> None:
    """100,000 nested blocks, folded and plain: no recursion, indentation capped."""
    n = 100_000
    folded = b"(module (func " + b"(block " * n + b"nop" + b")" * n + b"))"
    out = format_text(folded)
    assert out.count(b"\n") == n + 2 and format_text(out) == out
    assert out.splitlines()[-1] == b" " * 200 + b"nop" + b")" * (n + 2)
    plain = b"(module (func " + b"block " * n + b"nop " + b"end " * n + b"))"
    assert format_text(plain).count(b"\n") == 2 * n + 2


def test_bad_bytes_never_raise() -> None:
    for data in (
        b"",
        b"\n\n",
        b"\xff\xfe(module",
        b'(module "\xff',
        b"(;",
        b"(@",
        b")))",
        b"(module (func (@a",
    ):
        out = format_text(data)
        assert out.replace(b"\n", b"").replace(b" ", b"") == data.replace(b"\n", b"").replace(b" ", b"")


def test_minimal_edits_touch_only_blanks() -> None:
    src = b"(module (func  $f\n(result i32)   i32.const 1))"
    edits = format_edits(src)
    assert edits == [
        TextEdit(14, 15, ""),
        TextEdit(17, 18, " "),
        TextEdit(31, 33, ""),
        TextEdit(46, 46, "\n"),
    ]
    assert apply_edits(src, edits) == format_text(src)
    assert format_edits(format_text(src)) == []


def test_range_formats_the_fields_it_touches() -> None:
    src = b"(module\n  (func  $a)\n  (func  $b)\n  (func  $c))\n"
    at = src.index(b"$b")
    assert range_edits(src, at, at) == [TextEdit(at - 1, at, "")]
    assert range_edits(src, 0, len(src)) == format_edits(src)


@pytest.mark.parametrize(
    ("text", "line", "indent"),
    [
        ("(module\n  (func\n    block\n  i32.const 1\n    end))", 3, "      "),
        ("(module\n  (func\n    block\n      nop\n      end))", 4, "    "),
        ("(module\n  (func\n(i32.add\n", 2, "    "),
        ("(module\n  (func\n    )", 2, "  "),
        ("(module\n(; a\n   b ;)\n)", 2, None),
    ],
)
def test_on_type_reindents_the_line(text: str, line: int, indent: str | None) -> None:
    data = text.encode()
    start = 0
    for _ in range(line):
        start = data.index(b"\n", start) + 1
    edits = line_indent_edit(data, start)
    if indent is None:
        assert edits == []
        return
    end = start + len(data[start:]) - len(data[start:].lstrip(b" "))
    assert edits == ([TextEdit(start, end, indent)] if data[start:end] != indent.encode() else [])


def test_option_values_are_checked() -> None:
    opts, errors = options_from(
        {"print-width": 100, "wrap_before_locals": "multi-only", "nope": 1, "useTabs": "yes"}
    )
    assert (opts.printWidth, opts.wrapBeforeLocals) == (100, "multiOnly")
    assert errors == ["unknown format option `nope`", "format option `useTabs`: bad value 'yes'"]
    _, errors = options_from({"multiLineLocals": "sometimes"})
    assert errors == [
        "format option `multiLineLocals`: bad value 'sometimes' (expected never or overflow or smart or wrap or always)"
    ]


def test_project_settings_are_found_upward(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text("[tool.wat-lsp.format]\nprintWidth = 100\nuse-tabs = true\n")
    opts, problems = format_options(deep / "x.wat")
    assert (opts.printWidth, opts.useTabs, problems) == (100, True, [])
    (tmp_path / "a" / "wat-lsp.toml").write_text('[format]\nindentWidth = 3\nsplitClosingParens = "yes"\n')
    opts, problems = format_options(deep / "x.wat", FormatOptions(printWidth=70))
    assert (opts.printWidth, opts.indentWidth, opts.splitClosingParens) == (70, 3, False)
    assert problems == [
        f"{tmp_path / 'a' / 'wat-lsp.toml'}: format option `splitClosingParens`: bad value 'yes'"
    ]
