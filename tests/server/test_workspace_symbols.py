"""Workspace symbols (`server/workspace_symbols.py`): every named item of every open document,
with its kind and container, filtered by a case-insensitive subsequence."""

from __future__ import annotations

from wat_lsp.analysis.document import analyse
from wat_lsp.server import workspace_symbols

SCRIPT = """(module $m1
  (type $point (struct (field $px i32) (field $py i32)))
  (func $main (param $p i32) (local $l i32))
  (func (export "anon"))
  (global $pi f64 (f64.const 3.14))
  (memory $heap 1))
(module $m2 (func $Print))
"""


def test_workspace_symbols() -> None:
    one = '(module (func $main) (table $tab 1 funcref) (tag $oops) (data $d "") (elem $e func))'

    def docs() -> list[tuple[object, object]]:
        return [("a", lambda: analyse(SCRIPT.encode())), ("b", lambda: analyse(one.encode()))]

    def find(query: str, limit: int = 1000) -> list[tuple[object, str, str, str | None]]:
        return [
            (f.key, f.symbol.name, f.symbol.kind, f.container)
            for f in workspace_symbols.workspace_symbols(docs(), query, limit)  # type: ignore[arg-type]
        ]

    assert find("") == [
        ("a", "$point", "type", "(module $m1)"),
        ("a", "$px", "field", "$point"),
        ("a", "$py", "field", "$point"),
        ("a", "$main", "func", "(module $m1)"),
        ("a", "$pi", "global", "(module $m1)"),
        ("a", "$heap", "memory", "(module $m1)"),
        ("a", "$Print", "func", "(module $m2)"),
        ("b", "$main", "func", None),
        ("b", "$tab", "table", None),
        ("b", "$oops", "tag", None),
        ("b", "$d", "data", None),
        ("b", "$e", "elem", None),
    ]
    assert [s[1] for s in find("PI")] == ["$point", "$pi", "$Print"]  # case-insensitive subsequence
    assert [s[1] for s in find("mn")] == ["$main", "$main"]
    assert [s[1] for s in find("$pr")] == ["$Print"]
    assert find("zz") == []
    assert len(find("", limit=3)) == 3
    assert workspace_symbols.matches("", "") and not workspace_symbols.matches("a", "")
