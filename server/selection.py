"""`textDocument/selectionRange`: `analysis.selection`'s levels, one chain per position, as
lsprotocol values (ranges in the negotiated encoding). The chain is built in a loop; the
serialiser recurses on `parent`, once per level, which `selection.MAX_LEVELS` bounds."""

from __future__ import annotations

from lsprotocol import types
from wat_lsp.analysis.ide.selection import selection_spans
from wat_lsp.analysis.positions import Encoding
from wat_lsp.server import convert
from wat_lsp.server.documents import Snapshot


def selection_ranges(
    snap: Snapshot,
    positions: list[types.Position],
    encoding: Encoding,
) -> list[types.SelectionRange]:
    out: list[types.SelectionRange] = []
    for p in positions:
        offset = snap.index.offset(p.line, p.character, encoding)
        chain: types.SelectionRange | None = None
        for s in reversed(selection_spans(snap.tree, offset)):
            chain = types.SelectionRange(
                range=convert.range_(snap.index, s.start, s.end, encoding), parent=chain
            )
        assert chain is not None
        out.append(chain)
    return out
