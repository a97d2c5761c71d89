"""Prepare rename and rename, and the renames refused over stdio (pytest-lsp), on the module of
`navigation_module.py` that uses every index space."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.server.navigation_module import DOC, URI, at, module_client, span

client = module_client()


async def rename(client: LanguageClient, where: types.Position, new: str) -> list[tuple[int, int, int, str]]:
    edit = await client.text_document_rename_async(types.RenameParams(DOC, where, new))
    assert edit is not None and edit.changes is not None
    edits = edit.changes[URI]
    assert all(e.new_text == (new if new.startswith("$") else "$" + new) for e in edits)
    return [span(e.range) for e in edits]


@pytest.mark.asyncio(loop_scope="module")
async def test_rename(client: LanguageClient) -> None:
    prepared = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(DOC, at("(local.get $n)", 12))
    )
    assert isinstance(prepared, types.PrepareRenamePlaceholder)
    assert span(prepared.range) == (16, 45, 47, "$n") and prepared.placeholder == "$n"
    # where rename is impossible, prepareRename fails with a message (no traceback logged)
    refusals = {
        ("(local.get 0)", 11): "`0` is a numeric index of a local: only a `$name` can be renamed",
        ('"inc"', 1): "a string (an export or import name) is not a reference: edit it as text",
        ("(module", 2): "nothing to rename here: put the cursor on a `$name`",
    }
    for (needle, skip), message in refusals.items():
        with pytest.raises(JsonRpcException) as info:
            await client.text_document_prepare_rename_async(types.PrepareRenameParams(DOC, at(needle, skip)))
        assert info.value.message == message, needle
    # named references only: `local.get 0` stays
    assert await rename(client, at("(local.get $n)", 12), "$count") == [
        (14, 32, 34, "$n"),
        (16, 45, 47, "$n"),
        (33, 15, 17, "$n"),
    ]
    assert await rename(client, at("func $inc)", 6), "step") == [
        (9, 17, 21, "$inc"),
        (11, 22, 26, "$inc"),
        (14, 8, 12, "$inc"),
    ]
    assert await rename(client, at("(br $l", 5), "$inner") == [(22, 15, 17, "$l"), (23, 14, 16, "$l")]
    assert await rename(client, at("$pt $x", 5), "$xx") == [(1, 27, 29, "$x"), (18, 35, 37, "$x")]
    assert await rename(client, at("(elem $es", 7), '$"my segment"') == [
        (9, 8, 11, "$es"),
        (30, 31, 34, "$es"),
    ]
    # sibling blocks may share a label name; enclosing ones may not
    assert await rename(client, at("(block $h", 8), "$out") == [(26, 11, 13, "$h"), (27, 29, 31, "$h")]

    async def rejected(where: types.Position, new: str) -> str:
        with pytest.raises(JsonRpcException) as info:
            await client.text_document_rename_async(types.RenameParams(DOC, where, new))
        return str(info.value)

    assert "`$p` is already a local of `$inc`" in await rejected(at("(local $q", 8), "p")
    assert "`$n` is already a parameter of `$inc`" in await rejected(at("(local $q", 8), "$n")
    assert "`$k` is already the name of global 1" in await rejected(at("global.set $g", 12), "$k")
    assert "`$y` is already field 1 of type `$pt`" in await rejected(at("$pt $x", 5), "$y")
    assert "`$out` is already the label of a block that encloses this one" in await rejected(
        at("(br $l", 5), "$out"
    )
    assert "`$l` is already the label of a block that is inside this one" in await rejected(
        at("(block $out", 8), "$l"
    )
    assert "is not a valid identifier" in await rejected(at("call $log", 6), "$has space")
    assert "only a `$name` can be renamed" in await rejected(at("(br 0", 4), "$x")
    assert not [m.message for m in client.log_messages if "internal error" in m.message]  # only an Info
