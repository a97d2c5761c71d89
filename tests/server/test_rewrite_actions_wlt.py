"""The rewrites completing wasm-language-tools' list through the real server over stdio
(pytest-lsp): listed at the cursor as `refactor.rewrite` actions and resolved to their edits.
The rewrites themselves: `tests/ide/test_rewrites_wlt.py`."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient
from wat_lsp.analysis.ide.rewrites import fold

from tests.server.rewrite_session import by_title, edit_tuples, open_session, rewrite_actions

CONFIG = ClientServerConfig(server_command=[sys.executable, "-m", "wat_lsp", "--stdio"])
URI = "untitled:rewrite-wlt.wat"
TEXT = """(module
  (type $t (func (param i32) (result i32)))
  (func $f (type $t) (param $p i32) (result i32)
    (local.get $p))
  (func (type $t) (local.get 0)))
"""


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    yield await open_session(lsp_client, URI, TEXT)
    await lsp_client.shutdown_session()


async def _rewrites(client: LanguageClient, line: int, character: int) -> dict[str, types.CodeAction]:
    return by_title(await rewrite_actions(client, URI, (line, character)))


def _edits(action: types.CodeAction) -> list[tuple[int, int, int, int, str]]:
    return edit_tuples(action, URI)


@pytest.mark.asyncio
async def test_name_to_idx_listed_and_resolved(client: LanguageClient) -> None:
    actions = await _rewrites(client, 3, 16)  # on `$p` in `(local.get $p)`
    # fold/unfold are offered on almost any instruction; their listing is tested with them
    assert [t for t in actions if t not in fold.TITLES] == ["Refer to the item by index (dropping its name)"]
    resolved = await client.code_action_resolve_async(
        actions["Refer to the item by index (dropping its name)"]
    )
    assert _edits(resolved) == [(3, 15, 3, 17, "0"), (2, 27, 2, 30, "")]


@pytest.mark.asyncio
async def test_inline_func_type_and_export_as(client: LanguageClient) -> None:
    actions = await _rewrites(client, 4, 12)  # in `(type $t)` of the second function
    resolved = await client.code_action_resolve_async(actions["Write out the type's signature"])
    assert _edits(resolved) == [(4, 17, 4, 17, " (param i32) (result i32)")]
    actions = await _rewrites(client, 2, 9)  # on `$f`
    resolved = await client.code_action_resolve_async(actions["Export the item under its name"])
    assert _edits(resolved) == [(2, 10, 2, 10, ' (export "f")')]
