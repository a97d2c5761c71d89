"""Document highlight (read, write, text) over stdio (pytest-lsp), on the module of
`navigation_module.py` that uses every index space."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.navigation_module import DOC, at, module_client, span

client = module_client()


async def highlights(client: LanguageClient, where: types.Position) -> list[tuple[int, int, str, int | None]]:
    found = await client.text_document_document_highlight_async(types.DocumentHighlightParams(DOC, where))
    return [(h.range.start.line, h.range.start.character, span(h.range)[3], h.kind) for h in found or []]


@pytest.mark.asyncio(loop_scope="module")
async def test_document_highlight_kinds(client: LanguageClient) -> None:
    text, read, write = (
        types.DocumentHighlightKind.Text,
        types.DocumentHighlightKind.Read,
        types.DocumentHighlightKind.Write,
    )
    assert await highlights(client, at("(local $p", 8)) == [
        (15, 11, "$p", text),
        (16, 15, "$p", write),
        (17, 46, "$p", read),
    ]
    assert await highlights(client, at("global.set $g", 12)) == [(4, 10, "$g", text), (18, 16, "$g", write)]
    assert await highlights(client, at("global.get $k", 12)) == [(5, 10, "$k", text), (25, 27, "$k", read)]
    assert await highlights(client, at("(br $l", 5)) == [(22, 15, "$l", text), (23, 14, "$l", text)]
    assert await highlights(client, at("(i32.eqz", 2)) == []
