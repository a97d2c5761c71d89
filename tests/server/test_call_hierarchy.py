"""Call hierarchy and type hierarchy over stdio (pytest-lsp): exact items and call sites on a
small module, and the table rule (only tables whose contents are known give indirect calls)."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.navigation_module import at, module_client

client = module_client()

CALLS = """(module
  (type $v (func))
  (type $i (func (result i32)))
  (import "env" "ext" (func $ext))
  (table $known 4 funcref)
  (table $written 2 funcref)
  (elem (table $known) (i32.const 0) func $a $b)
  (elem (table $known) (i32.const 1) func $c) (elem (table $known) (i32.const 3) func $d)
  (elem (table $written) (i32.const 0) func $a)
  (func $a (type $v) (call $b) (return_call $ext))
  (func $b (type $v) (drop (ref.func $a)))
  (func $c (type $v) (call $b) (call $b))
  (func $d (type $i) (i32.const 0))
  (func $main
    (call_indirect $known (type $v) (i32.const 0))
    (call_indirect $written (type $v) (i32.const 0))
    (table.set $written (i32.const 1) (ref.func $d))))
"""
URI = "untitled:calls.wat"
DOC = types.TextDocumentIdentifier(URI)
LINES = CALLS.splitlines()


def where(r: types.Range) -> tuple[int, str]:
    assert r.start.line == r.end.line
    return r.start.line, LINES[r.start.line][r.start.character : r.end.character]


async def prepare(client: LanguageClient, needle: str, skip: int) -> types.CallHierarchyItem:
    found = await client.text_document_prepare_call_hierarchy_async(
        types.CallHierarchyPrepareParams(DOC, at(needle, skip, CALLS))
    )
    assert found is not None and len(found) == 1
    return found[0]


@pytest.mark.asyncio(loop_scope="module")
async def test_call_hierarchy(client: LanguageClient) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(URI, "wat", 1, CALLS))
    )
    b = await prepare(client, "(call $b) (return", 7)  # at a call: the callee
    assert (b.name, b.detail, where(b.selection_range), b.range.start.line, b.range.end.line) == (
        "$b",
        "func 2",
        (10, "$b"),
        10,
        10,
    )
    incoming = await client.call_hierarchy_incoming_calls_async(types.CallHierarchyIncomingCallsParams(b))
    assert incoming is not None
    assert [(c.from_.name, [where(r) for r in c.from_ranges]) for c in incoming] == [
        ("$a", [(9, "call $b")]),
        ("$c", [(11, "call $b"), (11, "call $b")]),
        ("elem 0", [(6, "$b")]),  # a segment is a caller outside bodies (decision 45)
    ]
    outgoing = await client.call_hierarchy_outgoing_calls_async(types.CallHierarchyOutgoingCallsParams(b))
    assert outgoing is not None
    assert [(c.to.name, [where(r) for r in c.from_ranges]) for c in outgoing] == [
        ("$a", [(10, "ref.func $a")])
    ]
    # `$known`: slot 0 `$a`, slot 1 `$c` (the later segment wins), `$b` overwritten, slot 3
    # `$d`, whose type is not `$v` (such a call traps); `$written` has a `table.set`, so its
    # calls lead nowhere we can know.
    main = await prepare(client, "(func $main", 6)
    outgoing = await client.call_hierarchy_outgoing_calls_async(types.CallHierarchyOutgoingCallsParams(main))
    assert outgoing is not None
    assert [(c.to.name, [where(r) for r in c.from_ranges]) for c in outgoing] == [
        ("$a", [(14, "call_indirect $known (type $v)")]),
        ("$c", [(14, "call_indirect $known (type $v)")]),
        ("$d", [(16, "ref.func $d")]),
    ]
    a = await prepare(client, "(func $a", 6)
    incoming = await client.call_hierarchy_incoming_calls_async(types.CallHierarchyIncomingCallsParams(a))
    assert incoming is not None
    assert [(c.from_.name, [where(r) for r in c.from_ranges]) for c in incoming] == [
        ("$b", [(10, "ref.func $a")]),
        ("$main", [(14, "call_indirect $known (type $v)")]),
        ("elem 0", [(6, "$a")]),
        ("elem 3", [(8, "$a")]),
    ]
    ext = await prepare(client, "return_call $ext", 13)
    assert ext.detail == "import env.ext"
    incoming = await client.call_hierarchy_incoming_calls_async(types.CallHierarchyIncomingCallsParams(ext))
    assert [(c.from_.name, [where(r) for r in c.from_ranges]) for c in incoming or []] == [
        ("$a", [(9, "return_call $ext")])
    ]
    # not a function: no item
    assert (
        await client.text_document_prepare_call_hierarchy_async(
            types.CallHierarchyPrepareParams(DOC, at("(type $v)", 7, CALLS))
        )
        is None
    )


TYPES = """(module
  (rec (type $base (sub (struct (field i32)))) (type $mid (sub $base (struct (field i32) (field i64)))))
  (rec (type $leaf (sub final $mid (struct (field i32) (field i64) (field f32)))))
  (type $other (sub $base (struct (field i32))))
  (func (param (ref $leaf))))
"""
TYPES_URI = "untitled:types.wat"


@pytest.mark.asyncio(loop_scope="module")
async def test_type_hierarchy(client: LanguageClient) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(TYPES_URI, "wat", 1, TYPES))
    )
    doc = types.TextDocumentIdentifier(TYPES_URI)

    async def prepare_type(needle: str, skip: int) -> types.TypeHierarchyItem:
        found = await client.text_document_prepare_type_hierarchy_async(
            types.TypeHierarchyPrepareParams(doc, at(needle, skip, TYPES))
        )
        assert found is not None and len(found) == 1
        return found[0]

    async def up(item: types.TypeHierarchyItem) -> list[str]:
        found = await client.type_hierarchy_supertypes_async(types.TypeHierarchySupertypesParams(item))
        return [t.name for t in found or []]

    async def down(item: types.TypeHierarchyItem) -> list[str]:
        found = await client.type_hierarchy_subtypes_async(types.TypeHierarchySubtypesParams(item))
        return [t.name for t in found or []]

    leaf = await prepare_type("(ref $leaf", 6)  # a use of the type
    assert (leaf.name, leaf.detail, leaf.kind) == ("$leaf", "struct", types.SymbolKind.Struct)
    assert await up(leaf) == ["$mid"]  # across rec groups
    mid = await prepare_type("(type $mid", 7)
    assert (mid.detail, await up(mid), await down(mid)) == ("sub struct", ["$base"], ["$leaf"])
    base = await prepare_type("(type $base", 7)
    assert (await up(base), await down(base)) == ([], ["$mid", "$other"])
    assert (
        await client.text_document_prepare_type_hierarchy_async(
            types.TypeHierarchyPrepareParams(doc, at("(func", 2, TYPES))
        )
        is None
    )
