"""Semantic tokens (full, range, delta) over stdio (pytest-lsp), on the module of
`navigation_module.py` that uses every index space."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.navigation_module import DOC, LINES, SERVER_CAPABILITIES, TEXT, at, module_client

client = module_client()


def decode(
    data: Sequence[int], legend: types.SemanticTokensLegend
) -> list[tuple[int, int, str, str, tuple[str, ...]]]:
    out: list[tuple[int, int, str, str, tuple[str, ...]]] = []
    line = col = 0
    for i in range(0, len(data), 5):
        dl, dc, length, kind, mods = data[i : i + 5]
        line, col = (line + dl, dc) if dl else (line, col + dc)
        names = tuple(m for k, m in enumerate(legend.token_modifiers) if mods >> k & 1)
        out.append((line, col, LINES[line][col : col + length], legend.token_types[kind], names))
    return out


@pytest.mark.asyncio(loop_scope="module")
async def test_semantic_tokens(client: LanguageClient) -> None:
    caps = SERVER_CAPABILITIES[id(client)]
    assert caps is not None and isinstance(caps.semantic_tokens_provider, types.SemanticTokensOptions)
    legend = caps.semantic_tokens_provider.legend
    full = await client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(DOC))
    assert full is not None
    tokens = decode(full.data, legend)
    by_line = {n: [t[1:] for t in tokens if t[0] == n] for n in (1, 5, 12, 15, 21, 23)}
    assert by_line[1] == [
        (3, "type", "keyword", ()),
        (8, "$pt", "type", ("declaration",)),
        (13, "struct", "keyword", ()),
        (21, "field", "keyword", ()),
        (27, "$x", "property", ("declaration",)),
        (31, "mut", "keyword", ()),
        (35, "i32", "type", ("defaultLibrary",)),
        (42, "field", "keyword", ()),
        (48, "$y", "property", ("declaration", "readonly")),
        (51, "i32", "type", ("defaultLibrary",)),
    ]
    assert by_line[5] == [
        (3, "global", "keyword", ()),
        (10, "$k", "variable", ("declaration", "readonly", "static")),
        (13, "i32", "type", ("defaultLibrary",)),
        (18, "i32.const", "operator", ()),
        (28, "7", "number", ()),
    ]
    assert by_line[12] == [(2, ";; two line", "comment", ())]
    assert by_line[15] == [
        (5, "local", "keyword", ()),
        (11, "$p", "variable", ("declaration",)),
        (15, "ref", "keyword", ()),
        (19, "null", "keyword", ()),
        (24, "$pt", "type", ()),
        (31, "local", "keyword", ()),
        (37, "$q", "variable", ("declaration",)),
        (41, "ref", "keyword", ()),
        (45, "$pt", "type", ()),
    ]
    assert by_line[21] == [
        (9, "br_if", "operator", ()),
        (15, "$out", "label", ()),
        (21, "i32.eqz", "operator", ()),
        (30, "local.get", "operator", ()),
        (40, "0", "parameter", ()),
    ]
    assert by_line[23] == [(11, "br", "operator", ()), (14, "$l", "label", ())]
    # a range gives the same tokens as the full result for its lines
    ranged = await client.text_document_semantic_tokens_range_async(
        types.SemanticTokensRangeParams(DOC, types.Range(types.Position(21, 0), types.Position(24, 0)))
    )
    assert ranged is not None
    assert decode(ranged.data, legend) == [t for t in tokens if 21 <= t[0] < 24]


@pytest.mark.asyncio(loop_scope="module")
async def test_semantic_tokens_delta(client: LanguageClient) -> None:
    """Full results carry a result id; a delta from it, applied to the data, gives the new
    version's full data; a delta from an unknown id gives full data."""
    caps = SERVER_CAPABILITIES[id(client)]
    assert isinstance(caps.semantic_tokens_provider, types.SemanticTokensOptions)
    assert caps.semantic_tokens_provider.full == types.SemanticTokensFullDelta(delta=True)
    uri = "untitled:delta.wat"
    doc = types.TextDocumentIdentifier(uri)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wat", 1, TEXT))
    )
    full = await client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(doc))
    assert full is not None and full.result_id
    data, result_id = list(full.data), full.result_id
    edits = [
        (at("(local.get $n) (i32.const 2)"), "  "),
        (at("(br 0)", 4), " $l"),
        (at("(drop)"), "(nop)\n    "),
    ]
    for version, (where, text) in enumerate(edits, 2):
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version, uri),
                [types.TextDocumentContentChangePartial(range=types.Range(where, where), text=text)],
            )
        )
        delta = await client.text_document_semantic_tokens_full_delta_async(
            types.SemanticTokensDeltaParams(doc, result_id)
        )
        assert isinstance(delta, types.SemanticTokensDelta) and delta.result_id
        assert len(delta.edits) == 1
        e = delta.edits[0]
        assert e.delete_count <= 10 and len(e.data or []) <= 15  # around the edit, not the rest
        data[e.start : e.start + e.delete_count] = e.data or []
        again = await client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(doc))
        assert again is not None and list(again.data) == data
        assert again.result_id
        result_id = again.result_id
    unknown = await client.text_document_semantic_tokens_full_delta_async(
        types.SemanticTokensDeltaParams(doc, "0.x")
    )
    assert isinstance(unknown, types.SemanticTokens) and list(unknown.data) == data
    client.text_document_did_close(types.DidCloseTextDocumentParams(doc))
