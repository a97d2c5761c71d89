"""Navigation on a per-test server over stdio (pytest-lsp): document symbols, hover, definition
(UTF-16 columns after non-ASCII text, shadowed labels, fields). The requests on one shared
module, one file each: `test_definition.py`, `test_hover.py`, `test_document_symbols.py`, ..."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.stdio_client import SHAPES, _at, _open, push_client
from wat_lsp.output import file_uri

client = push_client()


@pytest.mark.asyncio
async def test_document_symbols(client: LanguageClient) -> None:
    uri = file_uri(str(SHAPES))
    text = SHAPES.read_text(encoding="utf-8")
    _open(client, uri, text)
    result = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(types.TextDocumentIdentifier(uri))
    )
    assert result is not None
    symbols = [s for s in result if isinstance(s, types.DocumentSymbol)]
    assert [(s.name, s.kind) for s in symbols] == [
        ("$shape", types.SymbolKind.Class),
        ("$circle", types.SymbolKind.Class),
        ("$shapes", types.SymbolKind.Class),
        ("$circle", types.SymbolKind.Function),
        ("$total", types.SymbolKind.Function),
    ]
    total = symbols[-1]
    assert total.selection_range.start == _at(text, "$total")
    assert total.range.start == _at(text, "(func $total")
    assert [c.name for c in total.children or []] == ["$all", "$i", "$sum", "$s"]
    assert (total.children or [])[3].detail == "(ref $shape)"


@pytest.mark.asyncio
async def test_hover_on_local(client: LanguageClient) -> None:
    uri = file_uri(str(SHAPES))
    text = SHAPES.read_text(encoding="utf-8")
    _open(client, uri, text)
    where = _at(text, "(local.get $s)", len("(local.get $"))
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), where)
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "(local $s (ref $shape))" in hover.contents.value
    assert "local index 3" in hover.contents.value
    assert hover.range is not None and hover.range.start == _at(text, "(local.get $s)", len("(local.get "))
    # A parameter, and nothing on a keyword.
    where = _at(text, "(local.get $r)", len("(local.get $r"))  # right after the name
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), where)
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "(param $r f64)" in hover.contents.value and "param index 0" in hover.contents.value
    where = _at(text, "(loop $next", 2)
    assert (
        await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), where))
        is None
    )


@pytest.mark.asyncio
async def test_definition(client: LanguageClient) -> None:
    # Non-ASCII before the names, so that UTF-16 columns differ from bytes.
    text = """(module ;; ünï 🙂
  (type $t (func (param i32)))
  (global $g (mut i32) (i32.const 0))
  (func $f (type $t) (param $p i32) (local $x i32)
    (local.set $x (global.get $g)) ;; 🙂 (local.get $x)
    (call $f (local.get $x)) (global.set $g (local.get $p))))
"""
    uri = "untitled:definition.wat"
    _open(client, uri, text)

    async def definition_of(needle: str, skip: int) -> types.Range:
        params = types.DefinitionParams(types.TextDocumentIdentifier(uri), _at(text, needle, skip))
        result = await client.text_document_definition_async(params)
        assert isinstance(result, types.Location), (needle, result)
        assert result.uri == uri
        return result.range

    def span(needle: str, length: int | None = None) -> types.Range:
        start = _at(text, needle)
        end = _at(text, needle, len(needle) if length is None else length)
        return types.Range(start, end)

    assert await definition_of("(local.set $x", len("(local.set $")) == span("(local $x i32)")
    assert await definition_of("(global.get $g", len("(global.get $")) == span(
        "(global $g (mut i32) (i32.const 0))"
    )
    assert await definition_of("(call $f", len("(call $")) == span("$f (type", 2)
    assert await definition_of("(type $t) (param", len("(type $")) == span("(type $t (func (param i32)))")
    assert await definition_of("(local.get $p", len("(local.get $")) == span("(param $p i32)")
    params = types.DefinitionParams(types.TextDocumentIdentifier(uri), _at(text, "(module", 2))
    assert await client.text_document_definition_async(params) is None


@pytest.mark.asyncio
async def test_definition_of_labels_and_fields(client: LanguageClient) -> None:
    text = """(module
  (type $s (struct (field $a i32) (field $b i32)))
  (func (param (ref $s)) (result i32)
    (block $out (result i32)
      (block $out ;; the inner `$out` shadows the outer one
        (br_if $out (struct.get $s $b (local.get 0))))
      (br $out (i32.const 1)))))
"""
    uri = "untitled:labels.wat"
    _open(client, uri, text)

    async def definition_of(where: types.Position) -> types.Range | None:
        result = await client.text_document_definition_async(
            types.DefinitionParams(types.TextDocumentIdentifier(uri), where)
        )
        assert result is None or isinstance(result, types.Location)
        return result.range if result is not None else None

    inner = _at(text, "block $out ;;")
    outer = _at(text, "block $out (result")
    assert (await definition_of(_at(text, "(br_if $out", 9)) or types.Range(outer, outer)).start == inner
    assert (await definition_of(_at(text, "(br $out", 6)) or types.Range(inner, inner)).start == outer
    field_b = types.Range(_at(text, "(field $b"), _at(text, "(field $b i32)", len("(field $b i32)")))
    assert await definition_of(_at(text, "$s $b", 4)) == field_b
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), _at(text, "$s $b", 4))
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "field index 1" in hover.contents.value
