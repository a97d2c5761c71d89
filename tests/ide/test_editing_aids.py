"""Signature help, selection ranges and workspace symbols together: no exception at any offset
of damaged documents, and one round trip over stdio. Each feature has its own file
(`test_signature_help.py`, `test_selection.py`, `tests/server/test_workspace_symbols.py`)."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient
from wat_lsp.analysis.document import Document, analyse
from wat_lsp.analysis.ide.selection import selection_spans
from wat_lsp.analysis.ide.signature_help import signature_help
from wat_lsp.analysis.syntax import parse
from wat_lsp.server import workspace_symbols

from tests.ide.editing_module import MODULE

DAMAGED = [
    MODULE.replace("@@", "(call $f (i32.const 1) (struct.new $pt"),
    MODULE.replace("@@", '(call_indirect (type $sig) (; "unclosed') + "\n(func (br_if 0 (",
    MODULE.replace("@@", "(i32.add (local.get 0) )").replace(")", "", 5),
    MODULE.replace("@@", "(array.new_fixed $arr 99999999999999999999 (i32.const 1) (br $nope"),
    '(module (func ;; c\n (call 0 "str (i32.add (@ann (if (then (local.get $x (select',
    '(assert_invalid (module (func (call $x (i32.const 1) ) "msg")\n(module (func $y (i32.sub (',
]


@pytest.mark.parametrize("text", DAMAGED)
def test_no_exception_at_any_offset(text: str) -> None:
    data = text.encode()
    tree = parse(data)
    cached: list[Document] = []

    def analysis() -> Document:
        if not cached:
            cached.append(analyse(data, tree))
        return cached[0]

    for offset in range(len(data) + 1):
        signature_help(data, tree, offset, analysis)
        found = selection_spans(tree, offset)
        assert found and all(s.start <= offset <= s.end for s in found)
    assert workspace_symbols.workspace_symbols([("x", analysis)], "") is not None


@pytest.mark.asyncio
async def test_over_stdio(client: LanguageClient) -> None:
    uri = "untitled:aids.wat"
    text = MODULE.replace("@@", "(call $f (i32.const 1) )")
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wat", 1, text))
    )
    line = text.count("\n", 0, text.index("(call $f"))
    col = text.index("1) )") + 3 - (text.rfind("\n", 0, text.index("(call $f")) + 1)
    doc = types.TextDocumentIdentifier(uri)
    found = await client.text_document_signature_help_async(
        types.SignatureHelpParams(doc, types.Position(line, col))
    )
    assert found is not None
    assert [(s.label, [p.label for p in s.parameters or []]) for s in found.signatures] == [
        ("call $f (param $a i32) (param $b f64) (result i32)", [(8, 22), (23, 37)])
    ]
    assert found.active_parameter == 1
    ranges = await client.text_document_selection_range_async(
        types.SelectionRangeParams(doc, [types.Position(line, col - 3)])
    )
    assert ranges is not None and len(ranges) == 1
    first = ranges[0]
    assert (first.range.start.character, first.range.end.character) == (col - 3, col - 2)  # `1`
    assert first.parent is not None
    assert (first.parent.range.start.character, first.parent.range.end.character) == (col - 14, col - 1)
    symbols = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="PT"))
    assert symbols is not None
    assert [(s.name, s.kind, s.container_name) for s in symbols] == [("$pt", types.SymbolKind.Class, None)]
    sym = symbols[0]
    assert isinstance(sym.location, types.Location)  # the client reads it as SymbolInformation
    assert (sym.location.uri, sym.location.range) == (
        uri,
        types.Range(types.Position(1, 2), types.Position(1, 57)),
    )


def test_array_new_fixed_with_a_huge_count_is_validated_without_looping() -> None:
    """Found by the loop above: the validator popped a u32 count of operands one by one."""
    doc = analyse(
        b"(module (type $a (array i32)) (func (drop (array.new_fixed $a 4000000000 (i32.const 1))))"
        b" (func unreachable (array.new_fixed $a 4000000000 (i32.const 1)) drop))"
    )
    assert [(d.code, d.message) for d in doc.diagnostics] == [
        ("type-mismatch", "`array.new_fixed` expects 4000000000 operands of type i32, found 1"),
        ("unreachable-code", "unreachable code: `unreachable` before it never falls through"),
    ]
