"""Exact layouts of the two wide units of the scan (analysis/ide/format.py): lines of plain
instructions with block lines among them, and forms of a keyword and atoms only. The expected
texts are what the per-line scan made before the wide units existed."""

from __future__ import annotations

from typing import Any

import pytest
from wat_lsp.analysis.ide.format import format_text, options_from

CASES = [
    (
        "blocks among plain lines",
        "(module\n  (func $f (param $a i32) (result i32)\n    local.get $a\n    if\n      i32.const 1\n      drop\n    else\n    block $l\n  br 0\n    end\n    end\n    f64.const 0x1.8p+0 (;=1.5;)\n    drop\n    local.get $a\n  )\n)\n",
        {},
        "(module\n  (func $f (param $a i32) (result i32)\n    local.get $a\n    if\n      i32.const 1\n      drop\n    else\n      block $l\n        br 0\n      end\n    end\n    f64.const 0x1.8p+0 (;=1.5;)\n    drop\n    local.get $a))\n",
    ),
    (
        "a comment ends the line before a form",
        "(module\n  (type (func))\n  (table 1 funcref)\n  (func\n    i32.const 0 (;c;)\n    (i32.const 1)\n    call_indirect\n    (type 0)\n    drop\n    i32.const 1\n    call_indirect (type 0)))\n",
        {},
        "(module\n  (type (func))\n  (table 1 funcref)\n  (func\n    i32.const 0 (;c;)\n    (i32.const 1)\n    call_indirect (type 0)\n    drop\n    i32.const 1\n    call_indirect (type 0)))\n",
    ),
    (
        "plain lines in a global and a folded form",
        "(module\n  (global $g i32\n    i32.const 1\n    i32.const 2\n    i32.add)\n  (func (result i32)\n    (i32.add\n      local.get 0 (;x;)\n      local.get 1)))\n",
        {},
        "(module\n  (global $g i32\n    i32.const 1\n    i32.const 2\n    i32.add)\n  (func (result i32) (i32.add local.get 0 (;x;) local.get 1)))\n",
    ),
    (
        "keyword-and-atom forms that do not fit",
        "(module (func $a_long_function_name (param $first_parameter i32) (param $second_parameter i64) (result i32) (local $t i32) nop))\n",
        {"printWidth": 40},
        "(module\n  (func $a_long_function_name\n    (param $first_parameter i32)\n    (param $second_parameter i64)\n    (result i32)\n    (local $t i32)\n    nop))\n",
    ),
    (
        "tabs and a blank line",
        "(module\n(func\n\tloop $l\n\t\tnop\n\n\t\tbr $l\n\tend))\n",
        {"useTabs": True, "splitClosingParens": True},
        "(module\n\t(func\n\t\tloop $l\n\t\t\tnop\n\n\t\t\tbr $l\n\t\tend\n\t)\n)\n",
    ),
]


@pytest.mark.parametrize(("name", "src", "options", "expected"), CASES, ids=[c[0] for c in CASES])
def test_wide_units(name: str, src: str, options: dict[str, Any], expected: str) -> None:
    opts, errors = options_from(options)
    assert not errors
    out = format_text(src.encode(), opts).decode()
    assert out == expected, name
    assert format_text(out.encode(), opts).decode() == out
