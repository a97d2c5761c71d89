"""Code lenses over stdio (pytest-lsp): listed without counts, each resolved to its reference
count and the command showing the references, and the `coalesce-locals` lens of functions
with locals."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.navigation_module import SERVER_CAPABILITIES, at, module_client

client = module_client()


def _kind(lens: types.CodeLens) -> object:
    return lens.data.get("kind") if isinstance(lens.data, dict) else None


LENSES = """(module
  (type $v (func))
  (global $g (mut i32) (i32.const 0))
  (memory 1)
  (func $f (export "f") (result i32) (local $a i32) (local $b i32)
    (local.set $a (i32.const 1))
    (local.set $b (i32.add (local.get $a) (i32.const 1)))
    (global.set $g (local.get $b))
    (global.get 0))
  (func $g2 (type $v) (local $x i32) (local.set $x (call $f)) (drop (local.get $x)))
  (func (type $v) (call $f) (drop) (call $g2)))
"""
URI = "untitled:lenses.wat"
DOC = types.TextDocumentIdentifier(URI)


@pytest.mark.asyncio(loop_scope="module")
async def test_code_lens(client: LanguageClient) -> None:
    caps = SERVER_CAPABILITIES[id(client)]
    assert caps.code_lens_provider is not None and caps.code_lens_provider.resolve_provider
    for provider in ("type_definition", "declaration", "call_hierarchy", "type_hierarchy"):
        assert getattr(caps, f"{provider}_provider") not in (None, False), provider
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(URI, "wat", 1, LENSES))
    )
    listed = await client.text_document_code_lens_async(types.CodeLensParams(DOC))
    assert listed is not None
    # counted only when resolved; the control-flow lens is listed with its command
    assert [lens.command.title for lens in listed if lens.command is not None] == ["Show control flow"] * 3
    assert all(lens.command is None for lens in listed if _kind(lens) != "cfg")
    shown = []
    for lens in listed:
        done = await client.code_lens_resolve_async(lens)
        assert done.command is not None and done.range == lens.range
        shown.append(
            (done.range.start.line, done.range.start.character, done.command.title, done.command.command)
        )
    assert shown == [
        (1, 2, "2 references", "editor.action.showReferences"),
        (2, 2, "2 references", "editor.action.showReferences"),
        (3, 2, "0 references", ""),
        (4, 8, "2 references", "editor.action.showReferences"),
        (4, 8, "coalesce-locals: 2 locals → 1", ""),
        (4, 8, "Show control flow", "wat-lsp.showCfg"),
        (9, 8, "1 reference", "editor.action.showReferences"),
        (9, 8, "coalesce-locals: nothing to do (1 local)", ""),
        (9, 8, "Show control flow", "wat-lsp.showCfg"),
        (10, 2, "0 references", ""),
        (10, 2, "Show control flow", "wat-lsp.showCfg"),
    ]
    # the arguments of VS Code's `editor.action.showReferences`: uri, position, locations
    done = await client.code_lens_resolve_async(listed[6])
    assert done.command is not None and done.command.arguments is not None
    uri, position, locations = done.command.arguments
    start = at("$g2)", 0, LENSES)
    assert (uri, position) == (URI, {"line": 9, "character": 8})
    assert locations == [
        {"uri": URI, "range": {"start": {"line": start.line, "character": start.character},
                               "end": {"line": start.line, "character": start.character + 3}}}
    ]  # fmt: skip
    # after an edit the same lens counts in the new text
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=2, uri=URI),
            [types.TextDocumentContentChangePartial(range=types.Range(start, start), text="$g2) (call ")],
        )
    )
    done = await client.code_lens_resolve_async(listed[6])
    assert done.command is not None and done.command.title == "2 references"
    # a lens whose data is not ours, or of a closed document, does not fail
    for data, why in (
        ([1], "(not a wat-lsp lens)"),
        ({**(listed[0].data or {}), "uri": "untitled:x"}, "(the document is closed)"),
    ):
        done = await client.code_lens_resolve_async(types.CodeLens(range=listed[0].range, data=data))
        assert done.command is not None and done.command.title == why


@pytest.mark.asyncio(loop_scope="module")
async def test_columns_after_non_ascii(client: LanguageClient) -> None:
    """Columns in UTF-16 units where the line has non-ASCII text before the item."""
    uri = "untitled:lens-utf16.wat"
    text = "(module (; ünï 🙂 ;) (global $u i32 (i32.const 0)) (func $f (; é ;) (global.get $u) (drop)))"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wat", 1, text))
    )
    listed = await client.text_document_code_lens_async(
        types.CodeLensParams(types.TextDocumentIdentifier(uri))
    )
    assert listed is not None
    # `🙂` is two UTF-16 units: the global starts at character 21; `$f` at 57
    assert [(x.range.start.character, x.range.end.character) for x in listed] == [
        (21, 22),
        (57, 59),
        (57, 59),
    ]
    done = await client.code_lens_resolve_async(listed[0])
    assert done.command is not None and done.command.title == "1 reference"
