"""What the navigation tests over stdio share: the module that uses every index space (`TEXT`),
positions in it, and `module_client()`, the fixture that starts one server per test module
with `TEXT` open (each test opens its own further documents; none edits `TEXT`)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

CONFIG = ClientServerConfig(server_command=[sys.executable, "-m", "wat_lsp", "--stdio"])
URI = "untitled:navigation.wat"

TEXT = """(module
  (type $pt (struct (field $x (mut i32)) (field $y i32)))
  (type $sig (func (param i32) (result i32)))
  (import "env" "log" (func $log (param i32)))
  (global $g (mut i32) (i32.const 0))
  (global $k i32 (i32.const 7))
  (table $tab 1 funcref)
  (memory $mem 1)
  (tag $err (param i32))
  (elem $es func $inc)
  (data $ds "hi")
  (export "inc" (func $inc))
  ;; two line
  ;; comments
  (func $inc (type $sig) (param $n i32) (result i32)
    (local $p (ref null $pt)) (local $q (ref $pt))
    (local.set $p (struct.new $pt (local.get $n) (i32.const 2)))
    (local.set $q (ref.as_non_null (local.get $p)))
    (global.set $g (struct.get $pt $x (local.get $q)))
    (block $out
      (loop $l
        (br_if $out (i32.eqz (local.get 0)))
        (block $l
          (br $l))
        (br 0)))
    (call $log (global.get $k))
    (block $h (result i32)
      (try_table (catch $err $h) (throw $err (i32.const 1)))
      (i32.const 0))
    (drop)
    (data.drop $ds) (elem.drop $es)
    (drop (i32.load $mem (i32.const 0)))
    (drop (call_indirect $tab (type $sig) (i32.const 0) (i32.const 0)))
    (local.get $n)))
"""
LINES = TEXT.splitlines()


SERVER_CAPABILITIES: dict[int, types.ServerCapabilities] = {}


def module_client(capabilities: types.ClientCapabilities | None = None, name: str = "client") -> Any:
    """The `client` fixture of a test module (assign it to `name` there): one server for the
    module, initialised with `capabilities` (none by default), `TEXT` open at `URI`."""

    @pytest_lsp.fixture(config=CONFIG, scope="module", loop_scope="module", name=name)
    async def client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
        result = await lsp_client.initialize_session(
            types.InitializeParams(capabilities=capabilities or types.ClientCapabilities())
        )
        SERVER_CAPABILITIES[id(lsp_client)] = result.capabilities
        lsp_client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(URI, "wat", 1, TEXT))
        )
        yield lsp_client
        await lsp_client.shutdown_session()

    return client


def at(needle: str, skip: int = 0, text: str = TEXT) -> types.Position:
    """`skip` characters into the first occurrence of `needle` (the text is ASCII)."""
    offset = text.index(needle) + skip
    return types.Position(text.count("\n", 0, offset), offset - (text.rfind("\n", 0, offset) + 1))


def span(r: types.Range) -> tuple[int, int, int, str]:
    """A one-line range as (line, start, end, its text)."""
    assert r.start.line == r.end.line
    return (
        r.start.line,
        r.start.character,
        r.end.character,
        LINES[r.start.line][r.start.character : r.end.character],
    )


DOC = types.TextDocumentIdentifier(URI)


async def hover_text(client: LanguageClient, where: types.Position, uri: str = URI) -> str | None:
    found = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), where)
    )
    if found is None:
        return None
    assert isinstance(found.contents, types.MarkupContent)
    return found.contents.value
