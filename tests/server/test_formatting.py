"""`textDocument/formatting`, `rangeFormatting` and `onTypeFormatting` over stdio: the edits
applied to the document give what `format_text` gives (or the one line re-indented), with
the request's indentation and the client's `format` settings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient
from wat_lsp.analysis.ide.format import FormatOptions, format_text
from wat_lsp.analysis.positions import LineIndex
from wat_lsp.passes.edits import TextEdit, apply_edits

from tests.lsp_wire import SERVER_COMMAND

TEXT = "(module\n(func $f (param i32)   (result i32)\n  local.get 0\n    (i32.add (i32.const 1)\n (i32.const 2))\n drop))\n"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND))
async def client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    options = {"format": {"printWidth": 40}}
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=types.ClientCapabilities(), initialization_options=options)
    )
    yield lsp_client
    await lsp_client.shutdown_session()


def applied(text: str, edits: Sequence[types.TextEdit] | None) -> str:
    data = text.encode()
    index = LineIndex(data)
    ours = [
        TextEdit(
            index.offset(e.range.start.line, e.range.start.character),
            index.offset(e.range.end.line, e.range.end.character),
            e.new_text,
        )
        for e in edits or []
    ]
    return apply_edits(data, ours).decode()


def open_doc(client: LanguageClient, uri: str, text: str) -> types.TextDocumentIdentifier:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wat", 1, text))
    )
    return types.TextDocumentIdentifier(uri)


@pytest.mark.asyncio
async def test_formatting(client: LanguageClient) -> None:
    doc = open_doc(client, "untitled:f.wat", TEXT)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(doc, types.FormattingOptions(tab_size=4, insert_spaces=True))
    )
    expected = format_text(TEXT.encode(), FormatOptions(indentWidth=4, printWidth=40)).decode()
    assert applied(TEXT, edits) == expected
    assert expected == (
        "(module\n    (func $f (param i32) (result i32)\n        local.get 0\n"
        "        (i32.add\n            (i32.const 1)\n            (i32.const 2))\n        drop))\n"
    )
    assert edits is not None and all(e.new_text.strip() == "" for e in edits)  # blanks only: minimal


@pytest.mark.asyncio
async def test_range_formatting(client: LanguageClient) -> None:
    text = "(module\n  (func  $a)\n  (func  $b)\n)\n"
    doc = open_doc(client, "untitled:r.wat", text)
    edits = await client.text_document_range_formatting_async(
        types.DocumentRangeFormattingParams(
            doc, types.Range(types.Position(2, 3), types.Position(2, 4)), types.FormattingOptions(2, True)
        )
    )
    assert applied(text, edits) == "(module\n  (func  $a)\n  (func $b)\n)\n"


@pytest.mark.asyncio
async def test_on_type_formatting(client: LanguageClient) -> None:
    text = "(module\n  (func\n    block\n  i32.const 1\n"
    doc = open_doc(client, "untitled:t.wat", text)
    edits = await client.text_document_on_type_formatting_async(
        types.DocumentOnTypeFormattingParams(
            doc, types.Position(3, 0), "\n", types.FormattingOptions(2, True)
        )
    )
    assert applied(text, edits) == "(module\n  (func\n    block\n      i32.const 1\n"
    edits = await client.text_document_on_type_formatting_async(
        types.DocumentOnTypeFormattingParams(
            doc, types.Position(3, 6), ")", types.FormattingOptions(2, False)
        )
    )
    assert applied(text, edits) == "(module\n  (func\n    block\n\t\t\ti32.const 1\n"
