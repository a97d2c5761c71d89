"""Navigation requests together over stdio (pytest-lsp): the modules of a script as scopes
with UTF-16 columns, and every request at every position of broken text. Each request has
its own file (`test_definition.py`, `test_references.py`, `test_rename.py`, ...)."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.server.navigation_module import SERVER_CAPABILITIES, at, hover_text, module_client

client = module_client()


SCRIPT = """(module $a
  (func $f (result i32) (i32.const 1))
  (func (export "g") (result i32) (call $f)))
(; ünï 🙂
   a block comment ;) (module $b
  (func $f (result i32) (call $f)))
(assert_return (invoke "g") (i32.const 1))
"""


@pytest.mark.asyncio(loop_scope="module")
async def test_script_modules_and_utf16(client: LanguageClient) -> None:
    """Each module of a script is its own scope; columns count UTF-16 units after non-ASCII."""
    uri = "untitled:script.wast"
    doc = types.TextDocumentIdentifier(uri)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wast", 1, SCRIPT))
    )
    found = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=doc, position=at("(call $f)))", 7, SCRIPT), context=types.ReferenceContext(True)
        )
    )
    assert [(r.range.start.line, r.range.start.character) for r in found or []] == [(1, 8), (2, 40)]
    found = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=doc, position=types.Position(5, 30), context=types.ReferenceContext(True)
        )
    )
    assert [(r.range.start.line, r.range.start.character) for r in found or []] == [(5, 8), (5, 30)]
    legend = SERVER_CAPABILITIES[id(client)].semantic_tokens_provider
    assert isinstance(legend, types.SemanticTokensOptions)
    tokens = await client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(doc))
    assert tokens is not None
    out = []
    line = col = 0
    for i in range(0, len(tokens.data), 5):
        dl, dc, length, kind, _ = tokens.data[i : i + 5]
        line, col = (line + dl, dc) if dl else (line, col + dc)
        if line in (3, 4):
            out.append((line, col, length, legend.legend.token_types[kind]))
    # the comment is split per line; `🙂` is two UTF-16 units
    assert out == [(3, 0, 9, "comment"), (4, 0, 21, "comment"), (4, 23, 6, "keyword")]


BROKEN = """(module (func $f (param $p i32) (block $l (br $l
  (local.get $p) (call $f) end $l))) (br 99) (local.get $nope)
(; unterminated (module (func (struct.get $t $f
)))) (elem func $f $f) ;; ünï 🙂 "\\u{zz}
(module (type $t (struct (field $f i32))) (func (param (ref $t)) (struct.get $t $f (local.get 0))
"""


@pytest.mark.asyncio(loop_scope="module")
async def test_broken_text_never_fails_a_request(client: LanguageClient) -> None:
    uri = "untitled:broken.wast"
    doc = types.TextDocumentIdentifier(uri)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wast", 1, BROKEN))
    )
    lines = BROKEN.splitlines()
    for line, text in enumerate(lines):
        for col in range(0, len(text) + 1, 5):
            where = types.Position(line, col)
            await client.text_document_hover_async(types.HoverParams(doc, where))
            await client.text_document_definition_async(types.DefinitionParams(doc, where))
            await client.text_document_references_async(
                types.ReferenceParams(text_document=doc, position=where, context=types.ReferenceContext(True))
            )
            await client.text_document_document_highlight_async(types.DocumentHighlightParams(doc, where))
            try:
                await client.text_document_prepare_rename_async(types.PrepareRenameParams(doc, where))
            except JsonRpcException as e:  # a refusal with its reason, not a failure
                assert e.code == -32803, e
    everything = types.Range(types.Position(0, 0), types.Position(len(lines), 0))
    assert await client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(doc)) is not None
    await client.text_document_inlay_hint_async(types.InlayHintParams(doc, everything))
    await client.text_document_folding_range_async(types.FoldingRangeParams(doc))
    # liveness around an unresolved `local.get $nope`
    unresolved = "(module (func (local $a i32) (local.set $a (i32.const 1)) (local.get $nope) (drop) (drop (local.get $a))))"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem("untitled:unresolved.wat", "wat", 1, unresolved)
        )
    )
    assert (
        await hover_text(client, at("local.set $a", 11, unresolved), "untitled:unresolved.wat") or ""
    ).endswith("the value stored here is read later (live)")
    assert not [m.message for m in client.log_messages if "internal error" in m.message]
    # the named things that resolve still do
    where = at("(local.get $p)", 12, BROKEN)
    found = await client.text_document_definition_async(types.DefinitionParams(doc, where))
    assert isinstance(found, types.Location) and found.range.start == at("(param $p", 0, BROKEN)
