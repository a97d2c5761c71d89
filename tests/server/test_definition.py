"""Go to definition over stdio (pytest-lsp), on the module of
`navigation_module.py` that uses every index space."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.navigation_module import DOC, at, module_client, span

client = module_client()


@pytest.mark.asyncio(loop_scope="module")
async def test_definition_in_every_space(client: LanguageClient) -> None:
    cases = {
        ("(local.get $n)", 12): (14, 25, 39, "(param $n i32)"),
        ("(local.get 0)", 11): (14, 25, 39, "(param $n i32)"),
        ("global.set $g", 12): (4, 2, 37, "(global $g (mut i32) (i32.const 0))"),
        ("$pt $x", 5): (1, 20, 40, "(field $x (mut i32))"),
        ("(br $l", 5): (22, 9, 17, "block $l"),  # the inner `$l` shadows the loop's
        ("(br 0", 4): (20, 7, 14, "loop $l"),
        ("(catch $err $h", 13): (26, 5, 26, "block $h (result i32)"),
        ("(catch $err", 8): (8, 2, 24, "(tag $err (param i32))"),
        ("elem.drop $es", 11): (9, 2, 22, "(elem $es func $inc)"),
        ("data.drop $ds", 11): (10, 2, 17, '(data $ds "hi")'),
        ("i32.load $mem", 10): (7, 2, 17, "(memory $mem 1)"),
        ("call_indirect $tab", 15): (6, 2, 24, "(table $tab 1 funcref)"),
        ("call $log", 6): (3, 28, 32, "$log"),
        ("func $inc)", 6): (14, 8, 12, "$inc"),
        ("(type $sig) (param", 7): (2, 2, 45, "(type $sig (func (param i32) (result i32)))"),
    }
    for (needle, skip), expected in cases.items():
        found = await client.text_document_definition_async(types.DefinitionParams(DOC, at(needle, skip)))
        assert isinstance(found, types.Location), needle
        assert span(found.range) == expected, needle
    # An export name is a string, not a reference.
    assert await client.text_document_definition_async(types.DefinitionParams(DOC, at('"inc"', 1))) is None
