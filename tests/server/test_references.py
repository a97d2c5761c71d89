"""Find references over stdio (pytest-lsp), on the module of
`navigation_module.py` that uses every index space.
The exact spans in process: `tests/ide/test_references.py`."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.navigation_module import DOC, at, module_client, span

client = module_client()


async def references(
    client: LanguageClient, where: types.Position, decl: bool = True
) -> list[tuple[int, int, int, str]]:
    found = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=DOC, position=where, context=types.ReferenceContext(include_declaration=decl)
        )
    )
    return [span(loc.range) for loc in found or []]


@pytest.mark.asyncio(loop_scope="module")
async def test_references_named_and_numeric(client: LanguageClient) -> None:
    assert await references(client, at("(local.get $n)", 12)) == [
        (14, 32, 34, "$n"),
        (16, 45, 47, "$n"),
        (21, 40, 41, "0"),
        (33, 15, 17, "$n"),
    ]
    assert await references(client, at("(local.get $n)", 12), decl=False) == [
        (16, 45, 47, "$n"),
        (21, 40, 41, "0"),
        (33, 15, 17, "$n"),
    ]
    assert await references(client, at("func $inc)", 6)) == [
        (9, 17, 21, "$inc"),
        (11, 22, 26, "$inc"),
        (14, 8, 12, "$inc"),
    ]
    assert await references(client, at("(type $pt", 7)) == [
        (1, 8, 11, "$pt"),
        (15, 24, 27, "$pt"),
        (15, 45, 48, "$pt"),
        (16, 30, 33, "$pt"),
        (18, 31, 34, "$pt"),
    ]
    assert await references(client, at("(type $sig) (param", 7)) == [
        (2, 8, 12, "$sig"),
        (14, 19, 23, "$sig"),
        (32, 36, 40, "$sig"),
    ]
    assert await references(client, at("$pt $x", 5)) == [(1, 27, 29, "$x"), (18, 35, 37, "$x")]
    assert await references(client, at("(field $y", 8)) == [(1, 48, 50, "$y")]
    # labels: per function and scoped; `br 0` in the loop is the loop's
    assert await references(client, at("(loop $l", 7)) == [(20, 12, 14, "$l"), (24, 12, 13, "0")]
    assert await references(client, at("(block $l", 8)) == [(22, 15, 17, "$l"), (23, 14, 16, "$l")]
    assert await references(client, at("(block $out", 8)) == [(19, 11, 15, "$out"), (21, 15, 19, "$out")]
    assert await references(client, at("(block $h", 8)) == [(26, 11, 13, "$h"), (27, 29, 31, "$h")]
    for needle, expected in [
        ("(global $k", [(5, 10, 12, "$k"), (25, 27, 29, "$k")]),
        ("(table $tab", [(6, 9, 13, "$tab"), (32, 25, 29, "$tab")]),
        ("(memory $mem", [(7, 10, 14, "$mem"), (31, 20, 24, "$mem")]),
        ("(tag $err", [(8, 7, 11, "$err"), (27, 24, 28, "$err"), (27, 40, 44, "$err")]),
        ("(elem $es", [(9, 8, 11, "$es"), (30, 31, 34, "$es")]),
        ("(data $ds", [(10, 8, 11, "$ds"), (30, 15, 18, "$ds")]),
    ]:
        assert await references(client, at(needle, len(needle) - 1)) == expected, needle
