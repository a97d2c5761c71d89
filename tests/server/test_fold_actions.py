"""Fold, unfold and the other rewrites of `tests/ide/test_fold_rewrites.py` through the real
server over stdio (pytest-lsp): listed at a cursor and for a selection, resolved lazily."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.server.rewrite_session import by_title, edit_tuples, open_session, rewrite_actions

CONFIG = ClientServerConfig(server_command=[sys.executable, "-m", "wat_lsp", "--stdio"])
URI = "untitled:fold.wat"
TEXT = (
    "(module\n"
    "  (memory 1)\n"
    "  (func (result i32)\n"
    "    i32.const 1\n"
    "    i32.const 2\n"
    "    i32.add\n"
    "    (drop (memory.size))))\n"
)


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    yield await open_session(lsp_client, URI, TEXT)
    await lsp_client.shutdown_session()


async def _actions(
    client: LanguageClient, start: tuple[int, int], end: tuple[int, int]
) -> dict[str, types.CodeAction]:
    return by_title(await rewrite_actions(client, URI, start, end))


async def _resolved(client: LanguageClient, action: types.CodeAction) -> list[tuple[int, int, int, int, str]]:
    resolved = await client.code_action_resolve_async(action)
    assert resolved.disabled is None
    return edit_tuples(resolved, URI)


@pytest.mark.asyncio
async def test_fold_and_unfold_listed_and_resolved(client: LanguageClient) -> None:
    at_add = await _actions(client, (5, 6), (5, 6))
    assert list(at_add) == [
        "Fold into nested instructions",
        "Fold every instruction of the function",
        "Unfold every instruction of the function",
    ]
    assert await _resolved(client, at_add["Fold into nested instructions"]) == [
        (3, 4, 5, 11, "(i32.add (i32.const 1) (i32.const 2))")
    ]
    at_size = await _actions(client, (6, 13), (6, 13))
    assert "Write the omitted index" in at_size
    assert await _resolved(client, at_size["Write the omitted index"]) == [(6, 22, 6, 22, " 0")]
    assert await _resolved(client, at_size["Unfold into a plain instruction sequence"]) == [
        (6, 4, 6, 24, "memory.size drop")
    ]


@pytest.mark.asyncio
async def test_a_selection(client: LanguageClient) -> None:
    # the second constant alone: the statement it is part of folds
    selected = await _actions(client, (4, 4), (4, 15))
    fold = selected["Fold into nested instructions"]
    assert isinstance(fold.data, dict) and fold.data["end"] > fold.data["at"]
    assert await _resolved(client, fold) == [(3, 4, 5, 11, "(i32.add (i32.const 1) (i32.const 2))")]
