"""The requests of the editor-features issue (type definition, declaration, call and type
hierarchy, prepare rename, code lenses) at every offset of damaged documents over stdio: an
answer or a refusal with its reason, never an internal error."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.server.navigation_module import module_client

client = module_client()

DAMAGED = [
    """(module (type $s (sub (struct (field $f (ref null $s))))) (type $t (sub $s (struct (field $f (ref null $s)) (field $g i33))))
  (func $a (param $p (ref $t)) (call $b (local.get $p)) (call_indirect (type 9) (i32.const 0)) (i32.add (; x ;)))
  (func $b (param (ref $s)) (return_call $a (ref.cast (ref $t) (local.get 0))) (br 7) "str" ünï)
  (table 1 funcref) (elem (i32.const 0) func $a $b $nope) (global $g (ref null $t) (ref.null $t)) (tag $e (type $b)))
""",
    """(module (rec (type $x (sub $y (func))) (type $y (sub $x (func)))) (func $f (type $x) (ref.func $f)
  (drop) (call 99) (call $f "str" (; unclosed ;) (local.get $q))) (memory $m 1) (export "f" (func $f) )
(assert_invalid (module (func $g (call $g) (br_if 0 ( "msg")
""",
]


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("text", DAMAGED)
async def test_every_offset(client: LanguageClient, text: str) -> None:
    uri = f"untitled:damaged{DAMAGED.index(text)}.wast"
    doc = types.TextDocumentIdentifier(uri)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wast", 1, text))
    )
    calls: list[types.CallHierarchyItem] = []
    kinds: list[types.TypeHierarchyItem] = []
    for line, row in enumerate(text.splitlines()):
        for col in range(len(row) + 1):
            where = types.Position(line, col)
            await client.text_document_type_definition_async(types.TypeDefinitionParams(doc, where))
            await client.text_document_declaration_async(types.DeclarationParams(doc, where))
            calls += (
                await client.text_document_prepare_call_hierarchy_async(
                    types.CallHierarchyPrepareParams(doc, where)
                )
                or []
            )
            kinds += (
                await client.text_document_prepare_type_hierarchy_async(
                    types.TypeHierarchyPrepareParams(doc, where)
                )
                or []
            )
            try:
                await client.text_document_prepare_rename_async(types.PrepareRenameParams(doc, where))
            except JsonRpcException as e:  # a refusal with its reason
                assert e.code == -32803 and e.message, e
    assert calls and kinds
    for item in calls:
        await client.call_hierarchy_incoming_calls_async(types.CallHierarchyIncomingCallsParams(item))
        await client.call_hierarchy_outgoing_calls_async(types.CallHierarchyOutgoingCallsParams(item))
    for kind in kinds:
        await client.type_hierarchy_supertypes_async(types.TypeHierarchySupertypesParams(kind))
        await client.type_hierarchy_subtypes_async(types.TypeHierarchySubtypesParams(kind))
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(doc))
    assert lenses
    for lens in lenses:
        done = await client.code_lens_resolve_async(lens)
        assert done.command is not None and done.command.title
    assert not [m.message for m in client.log_messages if "internal error" in m.message]
