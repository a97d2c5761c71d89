"""Selection ranges (`analysis/ide/selection.py`, `server/selection.py`): the exact chain of
spans around the cursor, capped on deep nesting, as LSP values in the negotiated encoding."""

from __future__ import annotations

import itertools

from lsprotocol import types
from wat_lsp.analysis.ide.selection import MAX_LEVELS, selection_spans
from wat_lsp.analysis.syntax import parse
from wat_lsp.server.documents import open_snapshot
from wat_lsp.server.selection import selection_ranges

SELECT = "(module\n  (func $f (param i32) (result i32)\n    local.get 0\n    i32.const 1 i32.add\n    (i32.add (local.get 0) (i32.const 2))))"


def spans(needle: str, skip: int) -> list[str]:
    tree = parse(SELECT.encode())
    return [SELECT[s.start : s.end] for s in selection_spans(tree, SELECT.index(needle) + skip)]


def test_selection_ranges() -> None:
    func = SELECT[SELECT.index("(func") : -1]
    assert spans("get 0", 1) == ["local.get", "local.get 0", func, SELECT]
    assert spans("i32.const 1", 11) == ["1", "i32.const 1", func, SELECT]  # the token ending at the cursor
    assert spans("(local.get 0)", 5) == [
        "local.get",
        "(local.get 0)",
        "(i32.add (local.get 0) (i32.const 2))",
        func,
        SELECT,
    ]
    assert spans("(local.get 0)", 0) == [
        "(local.get 0)",
        "(i32.add (local.get 0) (i32.const 2))",
        func,
        SELECT,
    ]
    assert spans("(param", 3) == ["param", "(param i32)", func, SELECT]
    assert spans("$f", 2) == ["$f", func, SELECT]
    assert spans("\n    i32.const", 2) == [func, SELECT]  # white space: the form around it
    assert selection_spans(parse(b""), 0) == [(0, 0)]


def test_selection_ranges_deep_nesting_are_capped() -> None:
    depth = 5000
    text = "(module (func (result i32) " + "(i32.eqz " * depth + "(i32.const 1)" + ")" * depth + "))"
    tree = parse(text.encode())
    found = selection_spans(tree, text.index("i32.const") + 1)
    assert len(found) == MAX_LEVELS
    assert (found[0].end - found[0].start, found[-1]) == (len("i32.const"), (0, len(text)))
    assert all(a.start >= b.start and a.end <= b.end and a != b for a, b in itertools.pairwise(found))


def test_selection_ranges_as_lsp_values() -> None:
    text = "(module (func $é (i32.const 1)))"
    snap = open_snapshot("untitled:s.wat", 1, text)
    (chain,) = selection_ranges(snap, [types.Position(0, text.index("const"))], "utf-8")
    ranges = []
    node: types.SelectionRange | None = chain
    while node is not None:
        ranges.append((node.range.start.character, node.range.end.character))
        node = node.parent
    # UTF-8 columns: `é` is two bytes
    assert ranges == [(19, 28), (18, 31), (8, 32), (0, 33)]
