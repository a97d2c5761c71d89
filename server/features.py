"""Request handlers' work, run in the analysis worker: core results to LSP answers."""

from __future__ import annotations

from lsprotocol import types
from wat_lsp.analysis.positions import Encoding
from wat_lsp.server import convert, navigation
from wat_lsp.server.documents import Snapshot


def _offset(snap: Snapshot, position: types.Position, encoding: Encoding) -> int:
    return snap.index.offset(position.line, position.character, encoding)


def document_symbols(snap: Snapshot, encoding: Encoding) -> list[types.DocumentSymbol]:
    return [convert.document_symbol(s, snap.index, encoding) for s in navigation.symbols(snap.analysis())]


def hover(snap: Snapshot, position: types.Position, encoding: Encoding) -> types.Hover | None:
    target = navigation.target_at(snap.analysis(), _offset(snap, position, encoding))
    text = navigation.hover_text(target) if target is not None else None
    if target is None or text is None:
        return None
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
        range=convert.range_(snap.index, target.use.start, target.use.end, encoding),
    )


def definition(snap: Snapshot, position: types.Position, encoding: Encoding) -> types.Location | None:
    target = navigation.target_at(snap.analysis(), _offset(snap, position, encoding))
    span = navigation.definition(target) if target is not None else None
    if span is None:
        return None
    return types.Location(uri=snap.uri, range=convert.range_(snap.index, span.start, span.end, encoding))
