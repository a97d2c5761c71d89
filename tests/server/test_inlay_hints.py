"""Inlay hints over stdio (pytest-lsp), on the module of
`navigation_module.py` that uses every index space."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.navigation_module import DOC, at, module_client

client = module_client()


@pytest.mark.asyncio(loop_scope="module")
async def test_inlay_hints(client: LanguageClient) -> None:
    rng = types.Range(at("    (local.set $p"), at("    (block $out"))
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(DOC, rng))
    typ = types.InlayHintKind.Type
    assert [(h.position.line, h.position.character, h.label, h.kind) for h in hints or []] == [
        (16, 17, "#1: (ref null $pt)", typ),
        (16, 33, "#0", None),
        (16, 47, "#0: i32", typ),
        (17, 17, "#2: (ref $pt)", typ),
        (17, 48, "#1: (ref null $pt)", typ),
        (18, 18, "#0", None),
        (18, 34, "#0", None),
        (18, 37, "#0", None),
        (18, 51, "#2: (ref $pt)", typ),
    ]
    rng = types.Range(at("(br_if"), at("(call $log"))
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(DOC, rng))
    # labels: the relative depth; a numeric local: its type only
    assert [(h.position.line, h.label) for h in hints or []] == [(21, "#1"), (21, ": i32"), (23, "#0")]
