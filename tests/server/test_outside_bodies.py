"""Outside function bodies over stdio (pytest-lsp): hover on the instructions of constant
expressions (global and table initializers, segment offsets and items), the items that refer to
a function there as its callers in the call hierarchy (decision 45), and the "Show control
flow" code lens running `wat-lsp.showCfg`; and, on damaged documents, these requests at every
offset answer or refuse, never fail."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.navigation_module import at, hover_text, module_client

client = module_client()


def _kind(lens: types.CodeLens) -> object:
    return lens.data.get("kind") if isinstance(lens.data, dict) else None


TEXT = """(module
  (type $v (func))
  (global $g i32 (i32.const -1))
  (global $h f64 (f64.const 0.1))
  (global $k (mut i32) (global.get $g))
  (global $r funcref (ref.func $f))
  (global $s v128 (v128.const i32x4 1 2 3 0xffffffff))
  (table $t 4 funcref)
  (table $u 1 funcref (ref.func $f))
  (memory 1)
  (func $f (export "f") (type $v))
  (func $main (call $f))
  (elem (table $t) (offset (i32.add (i32.const 1) (i32.const 0x10))) func $f $main)
  (elem declare func $f)
  (export "also" (func $f))
  (start $f)
  (data (i32.const 8) "hi"))
"""
URI = "untitled:outside.wat"
DOC = types.TextDocumentIdentifier(URI)
LINES = TEXT.splitlines()


def _hover(value: str, sig: str, stack: str = "[]") -> str:
    lines = [f"```wat\n{value.split()[0]}\n```", f"`{sig}`"]
    if len(value.split(" ", 1)) > 1:
        lines.append(value.split(" ", 1)[1])
    return "\n\n".join([*lines, f"operand stack before: `{stack}`"])


@pytest.mark.asyncio(loop_scope="module")
async def test_hover_in_constant_expressions(client: LanguageClient) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(URI, "wat", 1, TEXT))
    )
    i32 = "[] -> [i32]"
    cases = [
        (
            at("i32.const -1", 0, TEXT),
            "i32.const value: `-1` (unsigned 4294967295) = `0xffffffff`",
            i32,
            "[]",
        ),
        (at("-1)", 1, TEXT), "i32.const value: `-1` (unsigned 4294967295) = `0xffffffff`", i32, "[]"),
        (
            at("0.1", 0, TEXT),
            "f64.const value: `0.1` = `0x1.999999999999ap-4`, bits `0x3fb999999999999a`",
            "[] -> [f64]",
            "[]",
        ),
        (
            at("v128.const", 3, TEXT),
            "v128.const bits as i32x4: `0x00000001 0x00000002 0x00000003 0xffffffff`",
            "[] -> [v128]",
            "[]",
        ),
        (at("i32.const 0x10", 2, TEXT), "i32.const value: `16` = `0x00000010`", i32, "[i32]"),
        (at("i32.add", 0, TEXT), "i32.add", "[i32 i32] -> [i32]", "[i32 i32]"),
        (at("global.get $g", 0, TEXT), "global.get", i32, "[]"),
        (at("i32.const 8", 10, TEXT), "i32.const value: `8` = `0x00000008`", i32, "[]"),
    ]
    for where, value, sig, stack in cases:
        assert await hover_text(client, where, URI) == _hover(value, sig, stack), where
    assert await hover_text(client, at("ref.func $f))\n  (global $s", 0, TEXT), URI) == (
        "```wat\nref.func\n```\n\ntyped by the `ref.func` rule\n\noperand stack before: `[]`"
    )
    # names in constant expressions are names as anywhere
    assert (
        await hover_text(client, at("$g))", 0, TEXT), URI) == "```wat\n(global $g i32)\n```\nglobal index 0"
    )
    # not an instruction: nothing
    assert await hover_text(client, at("(memory 1)", 2, TEXT), URI) is None


def where(r: types.Range) -> tuple[int, str]:
    """A range as its first line and the text it covers there."""
    line = LINES[r.start.line]
    return r.start.line, line[r.start.character : r.end.character if r.end.line == r.start.line else None]


@pytest.mark.asyncio(loop_scope="module")
async def test_callers_outside_bodies(client: LanguageClient) -> None:
    found = await client.text_document_prepare_call_hierarchy_async(
        types.CallHierarchyPrepareParams(DOC, at("$f (export", 1, TEXT))
    )
    assert found is not None and [x.name for x in found] == ["$f"]
    incoming = await client.call_hierarchy_incoming_calls_async(
        types.CallHierarchyIncomingCallsParams(found[0])
    )
    assert incoming is not None
    shown = [
        (c.from_.name, c.from_.kind, c.from_.detail, where(c.from_.range), [where(r) for r in c.from_ranges])
        for c in incoming
    ]
    sk = types.SymbolKind
    assert shown == [
        ("$main", sk.Function, "func 1", (11, "(func $main (call $f))"), [(11, "call $f")]),
        ("elem 0", sk.Array, "active element segment", (12, LINES[12][2:]), [(12, "$f")]),
        ("elem 1", sk.Array, "declarative element segment", (13, "(elem declare func $f)"), [(13, "$f")]),
        ("$r", sk.Variable, "global initializer", (5, "(global $r funcref (ref.func $f))"), [(5, "ref.func $f")]),
        ("$u", sk.Array, "table initializer", (8, "(table $u 1 funcref (ref.func $f))"), [(8, "ref.func $f")]),
        ('export "f"', sk.Interface, "export", (10, '(export "f")'), [(10, '(export "f")')]),
        ('export "also"', sk.Interface, "export", (14, '(export "also" (func $f))'), [(14, '(export "also" (func $f))')]),
        ("start", sk.Constructor, "start function", (15, "(start $f)"), [(15, "(start $f)")]),
    ]  # fmt: skip
    assert incoming[1].from_.data == {"module": 0, "site": "elem", "index": 0}
    # an item outside bodies: nothing calls it; it calls what it refers to
    segment = incoming[1].from_
    nothing = await client.call_hierarchy_incoming_calls_async(
        types.CallHierarchyIncomingCallsParams(segment)
    )
    assert nothing is not None and not nothing
    outgoing = await client.call_hierarchy_outgoing_calls_async(
        types.CallHierarchyOutgoingCallsParams(segment)
    )
    assert outgoing is not None
    assert [(c.to.name, [where(r) for r in c.from_ranges]) for c in outgoing] == [
        ("$f", [(12, "$f")]),
        ("$main", [(12, "$main")]),
    ]
    # a function's outgoing calls are its body's only
    main = incoming[0].from_
    out = await client.call_hierarchy_outgoing_calls_async(types.CallHierarchyOutgoingCallsParams(main))
    assert out is not None and [c.to.name for c in out] == ["$f"]
    # an item that is not there any more gives nothing
    gone = types.CallHierarchyItem(
        name="elem 9",
        kind=sk.Array,
        uri=URI,
        range=segment.range,
        selection_range=segment.range,
        data={"module": 0, "site": "elem", "index": 9},
    )
    assert (
        await client.call_hierarchy_outgoing_calls_async(types.CallHierarchyOutgoingCallsParams(gone)) is None
    )


@pytest.mark.asyncio(loop_scope="module")
async def test_control_flow_lens(client: LanguageClient) -> None:
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(DOC))
    assert lenses is not None
    cfg = [lens for lens in lenses if _kind(lens) == "cfg"]
    assert [(x.range.start.line, x.range.start.character) for x in cfg] == [(10, 8), (11, 8)]
    command = cfg[1].command
    assert command is not None and (command.title, command.command) == (
        "Show control flow",
        "wat-lsp.showCfg",
    )
    assert list(command.arguments or []) == [URI, {"line": 11, "character": 8}]
    answer = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command.command, arguments=command.arguments)
    )
    assert (
        answer is not None and answer["function"] == "$main" and answer["dot"].startswith('digraph "$main"')
    )
    assert answer["svg"].startswith("<svg ")
    resolved = await client.code_lens_resolve_async(cfg[1])  # resolving changes nothing
    assert resolved.command == command


DAMAGED = [
    """(module (global $g i32 (i32.add (i32.const 1) (f32.const nan:0x1 (global.get $nope)))
  (table 2 funcref (ref.func $f)) (elem (table 0) (offset (i32.const "x")) func $f 7 $nope)
  (func $f (export "f") (call $f) (i32.const 0xfffffffffff)) (start $f) (export "g" (func 42))
  (data (i64.const -1) "é") (elem declare func) (global funcref (ref.func))
""",
    """(module (func $a) (elem (i32.const 0) func $a 3 $nope) (global $x (mut
  i32) (global.get 0)) (start 9) (export "a" (func $a)) (table 1 (ref func) (ref.func 0 1))
  (elem (table 0) (offset (v128.const i32x4 1 2 3 4)) funcref (item (ref.func $a) (nop))))
(assert_invalid (module (global i32 (i32.const 0) (nop)) (func $b) (elem func $b)) "msg")
""",
]


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("text", DAMAGED)
async def test_every_offset(client: LanguageClient, text: str) -> None:
    uri = f"untitled:outside-damaged{DAMAGED.index(text)}.wast"
    doc = types.TextDocumentIdentifier(uri)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wast", 1, text))
    )
    items: list[types.CallHierarchyItem] = []
    hovers = 0
    for line, row in enumerate(text.splitlines()):
        for col in range(len(row) + 1):
            spot = types.Position(line, col)
            hovers += await client.text_document_hover_async(types.HoverParams(doc, spot)) is not None
            items += (
                await client.text_document_prepare_call_hierarchy_async(
                    types.CallHierarchyPrepareParams(doc, spot)
                )
                or []
            )
    assert hovers and items
    seen: set[str] = set()
    while items:  # every item reached, callers outside bodies included
        item = items.pop()
        if repr(item.data) in seen:
            continue
        seen.add(repr(item.data))
        incoming = await client.call_hierarchy_incoming_calls_async(
            types.CallHierarchyIncomingCallsParams(item)
        )
        outgoing = await client.call_hierarchy_outgoing_calls_async(
            types.CallHierarchyOutgoingCallsParams(item)
        )
        items += [c.from_ for c in incoming or []] + [c.to for c in outgoing or []]
    assert any("'site'" in key for key in seen)
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(doc))
    for lens in lenses or []:
        if lens.command is not None:
            try:
                await client.workspace_execute_command_async(
                    types.ExecuteCommandParams(command=lens.command.command, arguments=lens.command.arguments)
                )
            except Exception as e:  # a refusal with its reason
                assert getattr(e, "code", None) == -32803, e
    assert not [m.message for m in client.log_messages if "internal error" in m.message]
