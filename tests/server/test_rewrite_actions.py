"""Rewrites through the real server over stdio (pytest-lsp): listed at the cursor as
`refactor.rewrite` actions, resolved lazily or given with their edit, and applied.
The rewrites themselves: `tests/ide/test_rewrites.py`."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.server.rewrite_session import edit_tuples, is_rewrite, open_session, rewrite_actions

CONFIG = ClientServerConfig(server_command=[sys.executable, "-m", "wat_lsp", "--stdio"])
URI = "untitled:rewrite.wat"
TEXT = "(module\n  (func (param i32 i64) (result i32)\n    (local f32) (local f32)\n    (local.get 0)))\n"


@pytest_lsp.fixture(config=CONFIG)
async def lazy(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    yield await open_session(lsp_client, URI, TEXT, lazy=True)
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG)
async def eager(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    yield await open_session(lsp_client, URI, TEXT, lazy=False)
    await lsp_client.shutdown_session()


async def _rewrites(client: LanguageClient, line: int, character: int) -> list[types.CodeAction]:
    return await rewrite_actions(client, URI, (line, character))


def _is_rewrite(a: object) -> bool:
    return isinstance(a, types.CodeAction) and is_rewrite(a)


def _edits(action: types.CodeAction) -> list[tuple[int, int, int, int, str]]:
    return edit_tuples(action, URI)


@pytest.mark.asyncio
async def test_rewrite_listed_and_resolved(lazy: LanguageClient) -> None:
    actions = [a for a in await _rewrites(lazy, 1, 10) if _is_rewrite(a)]
    assert [a.title for a in actions] == ["Split into one declaration per type"]
    assert actions[0].kind == types.CodeActionKind.RefactorRewrite and actions[0].edit is None
    resolved = await lazy.code_action_resolve_async(actions[0])
    assert resolved.disabled is None
    assert _edits(resolved) == [(1, 8, 1, 23, "(param i32) (param i64)")]


@pytest.mark.asyncio
async def test_rewrite_listed_with_its_edit(eager: LanguageClient) -> None:
    actions = await _rewrites(eager, 2, 6)
    joins = [a for a in actions if a.title == "Join adjacent declarations into one"]
    assert len(joins) == 1 and joins[0].data is None
    assert _edits(joins[0]) == [(2, 4, 2, 27, "(local f32 f32)")]
