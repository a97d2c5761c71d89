"""Hover over stdio (pytest-lsp), on the module of
`navigation_module.py` that uses every index space.
Initialization and liveness in hover, in process: `tests/ide/test_hover_liveness.py`."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient
from wat_lsp.analysis.ide.hover import plain_text

from tests.server.navigation_module import URI, at, hover_text, module_client

client = module_client()


@pytest.mark.asyncio(loop_scope="module")
async def test_hover(client: LanguageClient) -> None:
    assert await hover_text(client, at("(local.get $n)", 12)) == (
        "```wat\n(param $n i32)\n```\n\nparam index 0\n\nlive here (read by this `local.get`)"
    )
    assert (
        await hover_text(client, at("global.set $g", 12))
        == "```wat\n(global $g (mut i32))\n```\nglobal index 0"
    )
    assert await hover_text(client, at("call $log", 6)) == (
        "```wat\n(func $log (param i32))\n```\nimported function index 0"
    )
    assert (
        await hover_text(client, at("$pt $x", 5))
        == "```wat\n(field $x (mut i32))\n```\nfield index 0 of type `$pt`"
    )
    assert (
        await hover_text(client, at("(br 0", 4))
        == "```wat\nloop $l\n```\nlabel of a `loop`; relative depth 0 here"
    )
    assert (
        await hover_text(client, at("(elem.drop", 1))
        == "```wat\nelem.drop\n```\n\n`[] -> []`\n\noperand stack before: `[]`"
    )
    assert (
        await hover_text(client, at("data.drop $ds", 11))
        == '```wat\n(data $ds "hi")\n```\ndata segment index 0'
    )
    assert (
        await hover_text(client, at("(i32.eqz", 1))
        == "```wat\ni32.eqz\n```\n\n`[i32] -> [i32]`\n\noperand stack before: `[i32]`"
    )
    assert await hover_text(client, at("(struct.get", 1)) == (
        "```wat\nstruct.get\n```\n\ntyped by the `struct.get` rule\n\noperand stack before: `[(ref $pt)]`"
    )
    assert (
        await hover_text(client, at("(call $log", 1))
        == "```wat\ncall\n```\n\n`[i32] -> []`\n\noperand stack before: `[i32]`"
    )
    assert await hover_text(client, at("(block $h", 2)) is None  # a keyword, not an instruction name


UNINIT = """(module
  (type $t (struct))
  (func (param $c i32)
    (local $r (ref $t)) (local $dead i32)
    (local.set $dead (i32.const 1))
    (if (local.get $c) (then (local.set $r (struct.new $t))))
    (drop (local.get $r))
    (local.set $r (struct.new $t))
    (drop (local.get $r))))
"""


@pytest.mark.asyncio(loop_scope="module")
async def test_hover_initialization_and_liveness(client: LanguageClient) -> None:
    uri = "untitled:uninit.wat"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wat", 1, UNINIT))
    )
    first = UNINIT.index("(drop (local.get $r))") + len("(drop (local.get $")
    second = UNINIT.rindex("(drop (local.get $r))") + len("(drop (local.get $")
    # the set inside `then` is undone at the `if`'s end (rule 1a)
    assert await hover_text(client, at("", first, UNINIT), uri) == (
        "```wat\n(local $r (ref $t))\n```\n\nlocal index 1\n\nbefore this `local.get`: **not initialized** "
        "(non-defaultable: a `local.set` must dominate reads)\n\nlive here (read by this `local.get`)"
    )
    assert "before this `local.get`: initialized" in (
        await hover_text(client, at("", second, UNINIT), uri) or ""
    )
    assert (await hover_text(client, at("(local.set $dead", 12, UNINIT), uri) or "").endswith(
        "the value stored here is never read (dead store)"
    )
    assert (await hover_text(client, at("(local.set $r (struct.new $t))\n", 12, UNINIT), uri) or "").endswith(
        "the value stored here is read later (live)"
    )
    # the operand stack before an instruction, in a block
    assert (await hover_text(client, at("(struct.new $t))))", 1, UNINIT), uri) or "").endswith(
        "operand stack before: `[]`"
    )


def _hover_formats(*kinds: types.MarkupKind) -> types.ClientCapabilities:
    return types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(
            hover=types.HoverClientCapabilities(content_format=list(kinds))
        )
    )


# Emacs eglot without markdown-mode offers plaintext first.
plain_client = module_client(
    _hover_formats(types.MarkupKind.PlainText, types.MarkupKind.Markdown), name="plain_client"
)
markdown_client = module_client(
    _hover_formats(types.MarkupKind.Markdown, types.MarkupKind.PlainText), name="markdown_client"
)


async def _hover(client: LanguageClient, where: types.Position, uri: str = URI) -> types.MarkupContent:
    found = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), where)
    )
    assert found is not None and isinstance(found.contents, types.MarkupContent)
    return found.contents


@pytest.mark.asyncio(loop_scope="module")
async def test_hover_plain_text(plain_client: LanguageClient) -> None:
    """`hover.contentFormat` with plaintext first: the same text without fences, code spans
    or emphasis."""
    got = await _hover(plain_client, at("(local.get $n)", 12))
    assert (got.kind, got.value) == (
        types.MarkupKind.PlainText,
        "(param $n i32)\n\nparam index 0\n\nlive here (read by this local.get)",
    )
    got = await _hover(plain_client, at("(struct.get", 1))
    assert got.value == "struct.get\n\ntyped by the struct.get rule\n\noperand stack before: [(ref $pt)]"
    got = await _hover(plain_client, at("$pt $x", 5))
    assert got.value == "(field $x (mut i32))\nfield index 0 of type $pt"
    plain_client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem("untitled:plain.wat", "wat", 1, UNINIT))
    )
    first = UNINIT.index("(drop (local.get $r))") + len("(drop (local.get $")
    got = await _hover(plain_client, at("", first, UNINIT), "untitled:plain.wat")
    assert got.value == (
        "(local $r (ref $t))\n\nlocal index 1\n\nbefore this local.get: not initialized "
        "(non-defaultable: a local.set must dominate reads)\n\nlive here (read by this local.get)"
    )


@pytest.mark.asyncio(loop_scope="module")
async def test_hover_markdown_first(markdown_client: LanguageClient) -> None:
    got = await _hover(markdown_client, at("global.set $g", 12))
    assert (got.kind, got.value) == (
        types.MarkupKind.Markdown,
        "```wat\n(global $g (mut i32))\n```\nglobal index 0",
    )


@pytest.mark.parametrize(
    ("markdown", "plain"),
    [
        ("```wat\n(func $f)\n```\nfunction index 0", "(func $f)\nfunction index 0"),
        ("a `b` **c** ``d`e`` `unclosed", "a b c d`e `unclosed"),
        ("``` not a fence``` x", " not a fence x"),
        ("`` ` `` and `` `x` ``", "` and `x`"),
    ],
)
def test_plain_text_of_markdown(markdown: str, plain: str) -> None:
    assert plain_text(markdown) == plain


DOCUMENTED = """(module
  ;; Adds one.
  ;; Returns the sum.
  (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const -1)))
  (; a pair ;)
  (type $pair (struct (field i32) (field i32)))
  (global $g i32 (i32.const 0)) ;; trailing: the global's, not the next item's
  (global $h f32 (f32.const 0.1))

  ;; after a blank line
  (func $caller (call $inc (global.get $g)) drop (global.get $h) drop (ref.null $pair) drop (f32.const 0.1) drop))
"""


@pytest.mark.asyncio(loop_scope="module")
async def test_hover_constants_and_doc_comments(client: LanguageClient) -> None:
    uri = "untitled:documented.wat"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wat", 1, DOCUMENTED))
    )
    assert await hover_text(client, at("(call $inc", 7, DOCUMENTED), uri) == (
        "```wat\n(func $inc (param i32) (result i32))\n```\nfunction index 0"
        "\n\n---\n\nAdds one.\nReturns the sum."
    )
    assert await hover_text(client, at("(ref.null $pair", 11, DOCUMENTED), uri) == (
        "```wat\n(type $pair (struct (field i32) (field i32)))\n```\ntype index 0\n\n---\n\na pair"
    )
    assert await hover_text(client, at("(global.get $g", 13, DOCUMENTED), uri) == (
        "```wat\n(global $g i32)\n```\nglobal index 0"
    )
    assert await hover_text(client, at("(global.get $h", 13, DOCUMENTED), uri) == (
        "```wat\n(global $h f32)\n```\nglobal index 1"
    )
    assert await hover_text(client, at("(func $caller", 7, DOCUMENTED), uri) == (
        "```wat\n(func $caller)\n```\nfunction index 1\n\n---\n\nafter a blank line"
    )
    # on the mnemonic or on the literal
    const = "```wat\ni32.const\n```\n\n`[] -> [i32]`\n\nvalue: `-1` (unsigned 4294967295) = `0xffffffff`"
    assert (await hover_text(client, at("(i32.const -1", 1, DOCUMENTED), uri) or "").startswith(const)
    assert (await hover_text(client, at("(i32.const -1", 12, DOCUMENTED), uri) or "").startswith(const)
    assert (await hover_text(client, at("(f32.const 0.1) drop", 12, DOCUMENTED), uri) or "").startswith(
        "```wat\nf32.const\n```\n\n`[] -> [f32]`\n\nvalue: `0.1` = `0x1.99999ap-4`, bits `0x3dcccccd`"
    )
