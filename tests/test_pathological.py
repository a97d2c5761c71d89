"""Every request over stdio on pathological documents: 20,000 levels of nesting (closed and
unclosed `(block`, plain `block ... end`, folded operands, block comments), 200 KB of `)` and a
200 KB module on one line. Each answer is well formed (a result, not an error, of the right
shape: folding ranges sorted and inside the document, one diagnostic for the garbage).

The same session at full size, timed, is `bench/bench_pathological.py`. The timeout here is a
hang guard only (each document takes a few seconds on a loaded machine)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
try:
    import pathological
finally:
    sys.path.remove(str(ROOT / "bench"))

LEVELS = 20_000
SHAPES: dict[str, Callable[[], pathological.Shape]] = {
    "closed": lambda: pathological.nested_closed(LEVELS),
    "unclosed": lambda: pathological.nested_unclosed(LEVELS),
    "plain": lambda: pathological.nested_plain(LEVELS),
    "parens": lambda: pathological.close_parens(200_000),
    "comments": lambda: pathological.nested_comments(LEVELS),
    "folded": lambda: pathological.folded_operands(LEVELS),
    "one-line": lambda: pathological.one_line("200KB"),
}
HANG = 120.0  # seconds for one request: only a hang (minutes of CPU before the fix) exceeds it


@pytest.fixture(scope="module")
def server() -> Iterator[pathological.Server]:
    s = pathological.Server()
    yield s
    s.close()


@pytest.mark.parametrize("name", list(SHAPES))
def test_every_request_well_formed(server: pathological.Server, name: str) -> None:
    shape = SHAPES[name]()
    answers = pathological.run(server, shape, f"file:///pathological/{name}.wat", timeout=HANG)
    methods = {a.method for a in answers}
    every = {"textDocument/diagnostic", "textDocument/semanticTokens/full", "textDocument/semanticTokens/range",
             "textDocument/semanticTokens/full/delta", "textDocument/foldingRange", "textDocument/documentSymbol",
             "textDocument/inlayHint", "textDocument/hover", "textDocument/documentHighlight",
             "textDocument/selectionRange", "textDocument/definition", "textDocument/references",
             "textDocument/completion", "textDocument/signatureHelp", "textDocument/codeAction",
             "textDocument/prepareRename"}  # fmt: skip
    assert every <= methods
    if name not in ("parens", "unclosed"):  # a function named `$f` that parses: renamed, actions resolved
        assert {"textDocument/rename", "codeAction/resolve"} <= methods
    problems = [(a.method, p) for a in answers if (p := pathological.check(shape, a)) is not None]
    assert problems == []


def test_garbage_gets_one_diagnostic(server: pathological.Server) -> None:
    """1,000,000 `)`: one syntax error, not one per parenthesis."""
    shape = pathological.close_parens(1_000_000)
    uri = "file:///pathological/million.wat"
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "wat", "version": 1,
                                                            "text": shape.text}})  # fmt: skip
    report = server.request("textDocument/diagnostic", {"textDocument": {"uri": uri}}, HANG)["result"]
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert [d["code"] for d in report["items"]] == ["syntax"]
