"""Inlay hints over stdio (pytest-lsp), on the module of `navigation_module.py` that uses every
index space: each kind of hint (types, indices, block ends) on and off through the settings."""

from __future__ import annotations

from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.navigation_module import DOC, LINES, at, module_client

client = module_client()

TYPE = types.InlayHintKind.Type


async def _hints(client: LanguageClient, rng: types.Range, **settings: Any) -> list[tuple[Any, ...]]:
    """The hints in `rng` once the `inlayHints` settings are `settings` (pushed: this client
    does not answer `workspace/configuration`)."""
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"wat-lsp": {"inlayHints": settings}})
    )
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(DOC, rng))
    return [(h.position.line, h.position.character, h.label, h.kind, h.padding_left) for h in hints or []]


LOCALS = types.Range(at("    (local.set $p"), at("    (block $out"))


@pytest.mark.asyncio(loop_scope="module")
async def test_types_only_by_default(client: LanguageClient) -> None:
    assert await _hints(client, LOCALS) == [
        (16, 17, ": (ref null $pt)", TYPE, None),
        (16, 47, ": i32", TYPE, None),
        (17, 17, ": (ref $pt)", TYPE, None),
        (17, 48, ": (ref null $pt)", TYPE, None),
        (18, 51, ": (ref $pt)", TYPE, None),
    ]


@pytest.mark.asyncio(loop_scope="module")
async def test_indices_with_types(client: LanguageClient) -> None:
    assert await _hints(client, LOCALS, indices=True) == [
        (16, 17, "#1: (ref null $pt)", TYPE, None),
        (16, 33, "#0", None, None),
        (16, 47, "#0: i32", TYPE, None),
        (17, 17, "#2: (ref $pt)", TYPE, None),
        (17, 48, "#1: (ref null $pt)", TYPE, None),
        (18, 18, "#0", None, None),
        (18, 34, "#0", None, None),
        (18, 37, "#0", None, None),
        (18, 51, "#2: (ref $pt)", TYPE, None),
    ]
    # labels: the relative depth; a numeric local: its type only
    rng = types.Range(at("(br_if"), at("(call $log"))
    assert [(h[0], h[2]) for h in await _hints(client, rng, indices=True, blockEnds=False)] == [
        (21, "#1"),
        (21, ": i32"),
        (23, "#0"),
    ]


@pytest.mark.asyncio(loop_scope="module")
async def test_indices_without_types(client: LanguageClient) -> None:
    assert await _hints(client, LOCALS, indices=True, types=False) == [
        (16, 17, "#1", None, None),
        (16, 33, "#0", None, None),
        (16, 47, "#0", None, None),
        (17, 17, "#2", None, None),
        (17, 48, "#1", None, None),
        (18, 18, "#0", None, None),
        (18, 34, "#0", None, None),
        (18, 37, "#0", None, None),
        (18, 51, "#2", None, None),
    ]


@pytest.mark.asyncio(loop_scope="module")
async def test_all_off(client: LanguageClient) -> None:
    everything = types.Range(types.Position(0, 0), types.Position(len(LINES), 0))
    assert await _hints(client, everything, types=False, indices=False, blockEnds=False) == []


@pytest.mark.asyncio(loop_scope="module")
async def test_block_ends(client: LanguageClient) -> None:
    """After the `)` of each block or function spanning lines, what it closes; a block on one
    line (`(try_table ...)`) gets none."""
    everything = types.Range(types.Position(0, 0), types.Position(len(LINES), 0))
    assert await _hints(client, everything, types=False) == [
        (23, 18, "block $l", None, True),
        (24, 15, "loop $l", None, True),
        (24, 16, "block $out", None, True),
        (28, 20, "block $h", None, True),
        (33, 19, "func $inc", None, True),
    ]
    assert await _hints(client, everything, types=False, blockEnds=False) == []


def test_settings_nested_or_dotted_and_bad_values() -> None:
    """In process: `inlayHints` nested (as editors send it) or under dotted keys; a value that is
    not a boolean is a problem and ignored; workspace settings over initialization options."""
    from wat_lsp.analysis.ide.inlay_hints import Options
    from wat_lsp.server.config import Configuration, parse_settings

    assert parse_settings({}, "x").settings.inlay_options == Options(
        types=True, indices=False, block_ends=True
    )
    nested = parse_settings({"inlayHints": {"indices": True, "blockEnds": False}}, "x")
    dotted = parse_settings({"inlayHints.indices": True, "inlayHints.blockEnds": False}, "x")
    assert nested.settings.inlay_options == dotted.settings.inlay_options == Options(True, True, False)
    bad = parse_settings({"inlayHints": {"types": "yes"}}, "x")
    assert bad.problems == ("x: `inlayHints.types` must be true or false, got 'yes' (ignored)",)
    assert bad.settings.inlay_options == Options()
    config = Configuration()
    config.set_initialization_options({"inlayHints": {"indices": True, "types": False}})
    assert config.inlay_changed and config.current.inlay_options == Options(False, True, True)
    config.set_workspace({"inlayHints": {"types": True}})
    assert config.current.inlay_options == Options(True, True, True)
    config.set_workspace({"inlayHints": {"types": True}})
    assert not config.inlay_changed
