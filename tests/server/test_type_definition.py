"""Go to type definition and go to declaration over stdio (pytest-lsp), on the module of
`navigation_module.py` that uses every index space."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.navigation_module import DOC, LINES, at, module_client, span

client = module_client()

PT = (1, 2, len(LINES[1]), LINES[1][2:])  # (type $pt (struct ...))
SIG = (2, 2, len(LINES[2]), LINES[2][2:])  # (type $sig (func ...))


@pytest.mark.asyncio(loop_scope="module")
async def test_type_definition(client: LanguageClient) -> None:
    cases = {
        ("(ref.as_non_null (local.get $p", 29): PT,  # a local of (ref null $pt)
        ("(local $q", 8): PT,  # its declaration: (ref $pt)
        ("struct.new $pt", 12): PT,  # a type: itself
        ("func $inc)", 6): SIG,  # an export of a function with a type use
        ("func $inc (type", 6): SIG,  # the function's own name
        ("(elem $es func $inc", 16): SIG,  # an element segment's function
        ("(local.get $n)", 12): None,  # i32
        ("global.set $g", 12): None,  # (mut i32)
        ("$pt $x", 5): None,  # a field of type i32
        ("call $log", 6): None,  # an import whose signature has no type definition
        ("call_indirect $tab", 15): None,  # funcref: abstract
        ("(module", 1): None,
    }
    for (needle, skip), expected in cases.items():
        found = await client.text_document_type_definition_async(
            types.TypeDefinitionParams(DOC, at(needle, skip))
        )
        if expected is None:
            assert found is None, needle
        else:
            assert isinstance(found, types.Location), needle
            assert span(found.range) == expected, needle


@pytest.mark.asyncio(loop_scope="module")
async def test_declaration_is_the_definition(client: LanguageClient) -> None:
    for needle, skip in [("call $log", 6), ("global.set $g", 12), ("(local.get $n)", 12), ("(br $l", 5)]:
        where = at(needle, skip)
        declared = await client.text_document_declaration_async(types.DeclarationParams(DOC, where))
        defined = await client.text_document_definition_async(types.DefinitionParams(DOC, where))
        assert isinstance(declared, types.Location) and declared == defined, needle
    found = await client.text_document_declaration_async(types.DeclarationParams(DOC, at("call $log", 6)))
    assert isinstance(found, types.Location) and span(found.range) == (3, 28, 32, "$log")  # the import


MORE = """(module
  (type $ft (func (param i32)))
  (type $box (struct (field $next (ref null $box)) (field $n i32)))
  (type $arr (array (mut (ref null $box))))
  (global $g (ref null $box) (ref.null $box))
  (table $t 1 (ref null $ft))
  (tag $e (type $ft))
  (func $f (type $ft)
    (block $b (type $ft) (throw $e))
    (drop (struct.get $box $next (ref.null $box)))
    (drop (array.new_default $arr (i32.const 1)))
    (drop (global.get $g)) (drop (table.get $t (i32.const 0)))))
"""


@pytest.mark.asyncio(loop_scope="module")
async def test_type_definition_of_every_kind(client: LanguageClient) -> None:
    uri = "untitled:typedef.wat"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wat", 1, MORE))
    )
    lines = MORE.splitlines()
    cases = {
        ("global.get $g", 12): 2,  # a global of (ref null $box)
        ("table.get $t", 11): 1,  # a table of (ref null $ft)
        ("(throw $e", 8): 1,  # a tag: its signature's type
        ("(block $b", 8): 1,  # a block with a type use
        ("$box $next", 6): 2,  # a field of (ref null $box)
        ("(drop (struct.get $box $next", 19): 2,  # the struct type itself
        ("(array.new_default $arr", 20): 3,  # an array type: itself
        ("(i32.const 1)", 2): None,  # not an item
    }
    for (needle, skip), line in cases.items():
        found = await client.text_document_type_definition_async(
            types.TypeDefinitionParams(types.TextDocumentIdentifier(uri), at(needle, skip, MORE))
        )
        if line is None:
            assert found is None, needle
        else:
            assert isinstance(found, types.Location), needle
            r = found.range
            assert (r.start.line, r.start.character, r.end.line, r.end.character) == (
                line,
                2,
                line,
                len(lines[line]),
            ), needle
