"""A long session over stdio gives its memory back: a document opened and closed again and
again, with whole-document requests in between, while another document is edited step after
step; after the last close the server's RSS is back near where it was before the first open.

Sizes are kept so the test runs in a minute or two on a loaded machine: 20 cycles of a
generated module of about 2 MB (each cycle used to keep ~60 MB), 1,000 edits. The full size
(5 MB x 20) is in `bench/bench_big_session.py`.
"""

from __future__ import annotations

import io
import random
import sys
from pathlib import Path

from tests.lsp_session import Session, settled_rss

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))
import genwat  # noqa: E402

MB = 1 << 20
MARGIN = 50 * MB
CYCLES = 20
EDITS = 1000


def _module(functions: int, seed: int) -> str:
    out = io.StringIO()
    genwat.generate(out, functions=functions, seed=seed)
    return out.getvalue()


def _digits(text: str) -> list[tuple[int, int]]:
    """(line, column) of every `i32.const N` operand's first digit: a one-character edit there
    keeps the module valid."""
    out = []
    for n, line in enumerate(text.split("\n")):
        at = line.find("i32.const ")
        if at >= 0 and line[at + 10 : at + 11].isdigit():
            out.append((n, at + 10))
    return out


def test_open_close_and_edit_give_memory_back() -> None:
    big = _module(1600, 1)
    small = _module(200, 2)
    places = _digits(small)
    rng = random.Random(0)
    s = Session()
    try:
        edited = "file:///soak/edited.wat"
        s.open(edited, small)
        s.diagnostics(edited)
        s.request("textDocument/documentSymbol", {"textDocument": {"uri": edited}})
        before = s.rss()
        uri = "file:///soak/opened.wat"
        for cycle in range(CYCLES):
            for step in range(EDITS // CYCLES):
                line, col = rng.choice(places)
                s.change(edited, (line, col), (line, col + 1), str((cycle + step) % 10))
            s.request("textDocument/documentSymbol", {"textDocument": {"uri": edited}})
            s.open(uri, big)
            _, items = s.diagnostics(uri)
            assert not [d for d in items if d["severity"] == 1], "the generated module is valid"
            s.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
            s.request("textDocument/semanticTokens/full", {"textDocument": {"uri": uri}})
            s.request("textDocument/foldingRange", {"textDocument": {"uri": uri}})
            # The last job of each worker is about the document closed next: nothing of it may stay.
            s.request(
                "textDocument/references",
                {
                    "textDocument": {"uri": uri},
                    "position": {"line": 3, "character": 12},
                    "context": {"includeDeclaration": True},
                },
            )
            s.close(uri)
        _, items = s.diagnostics(edited)
        assert not [d for d in items if d["severity"] == 1]
        after = settled_rss(s.proc.pid, before, MARGIN)
        assert after - before <= MARGIN, f"RSS {before / MB:.0f} MB before, {after / MB:.0f} MB after"
    finally:
        s.stop()
