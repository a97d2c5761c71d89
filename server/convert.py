"""Core values to LSP types. The JSON shape is `wat_lsp.output`'s (shared with `--check --format
json`); here it becomes lsprotocol objects, with positions in the negotiated encoding."""

from __future__ import annotations

import functools

from cattrs import Converter
from lsprotocol import types
from pygls.protocol import default_converter
from wat_lsp.analysis.diagnostics import Diagnostic
from wat_lsp.analysis.ide.navigation import Symbol
from wat_lsp.analysis.positions import Encoding, LineIndex

from wat_lsp.output import lsp_diagnostic, lsp_range


@functools.cache
def _converter() -> Converter:
    converter: Converter = default_converter()  # type: ignore[no-untyped-call]
    return converter


def encoding_of(kind: types.PositionEncodingKind | str | None) -> Encoding:
    """Our name for a negotiated LSP position encoding (UTF-16 when none was negotiated)."""
    if kind in (types.PositionEncodingKind.Utf8, "utf-8"):
        return "utf-8"
    if kind in (types.PositionEncodingKind.Utf32, "utf-32"):
        return "utf-32"
    return "utf-16"


def diagnostic(d: Diagnostic, index: LineIndex, uri: str, encoding: Encoding) -> types.Diagnostic:
    result: types.Diagnostic = _converter().structure(
        lsp_diagnostic(d, index, uri, encoding), types.Diagnostic
    )
    return result


def diagnostics(
    ds: list[Diagnostic], index: LineIndex, uri: str, encoding: Encoding
) -> list[types.Diagnostic]:
    return [diagnostic(d, index, uri, encoding) for d in ds]


def range_(index: LineIndex, start: int, end: int, encoding: Encoding) -> types.Range:
    result: types.Range = _converter().structure(lsp_range(index, start, end, encoding), types.Range)
    return result


_SYMBOL_KINDS = {"func": types.SymbolKind.Function, "type": types.SymbolKind.Class,
                 "global": types.SymbolKind.Variable, "table": types.SymbolKind.Array,
                 "memory": types.SymbolKind.Array, "tag": types.SymbolKind.Event,
                 "local": types.SymbolKind.Variable, "param": types.SymbolKind.Variable,
                 "module": types.SymbolKind.Module, "field": types.SymbolKind.Field,
                 "elem": types.SymbolKind.Array, "data": types.SymbolKind.Array}  # fmt: skip


_OBJECT = types.SymbolKind.Object


def symbol_kind(kind: str) -> types.SymbolKind:
    """The LSP kind of a `navigation.Symbol` kind."""
    return _SYMBOL_KINDS.get(kind, _OBJECT)  # (an enum's member looked up by name costs a call)


def document_symbol(s: Symbol, index: LineIndex, encoding: Encoding) -> types.DocumentSymbol:
    return types.DocumentSymbol(
        name=s.name,
        kind=symbol_kind(s.kind),
        detail=s.detail,
        range=range_(index, s.span.start, s.span.end, encoding),
        selection_range=range_(index, s.selection.start, s.selection.end, encoding),
        children=[document_symbol(c, index, encoding) for c in s.children] or None,
    )
