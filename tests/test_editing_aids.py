"""Signature help, selection ranges and workspace symbols: exact answers in process (the core
functions and the LSP values in the negotiated encoding), no exception at any offset of whole
and damaged documents, and one round trip over stdio."""

from __future__ import annotations

import itertools

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient
from wat_lsp.analysis.document import Document, analyse
from wat_lsp.analysis.ide.selection import MAX_LEVELS, selection_spans
from wat_lsp.analysis.ide.signature_help import signature_help
from wat_lsp.analysis.syntax import parse
from wat_lsp.server import signature_help as server_signature_help
from wat_lsp.server import workspace_symbols
from wat_lsp.server.documents import open_snapshot
from wat_lsp.server.selection import selection_ranges

MODULE = """(module
  (type $pt (struct (field $x (mut i32)) (field $y i64)))
  (type $sig (func (param i32) (result i32)))
  (type $arr (array i32))
  (table $tab 1 funcref)
  (memory $mem 1)
  (global $g (mut i32) (i32.const 0))
  (func $f (param $a i32) (param $b f64) (result i32) (i32.const 0))
  (func $g (param i32) (result i32)
    (block $out (result i32)
      @@))
)"""

Sig = tuple[str, list[str], int] | None


def sig(snippet: str) -> Sig:
    """Signature help at the `|` in `snippet`, put in `$g`'s block: (label, parameter texts,
    active parameter)."""
    text = MODULE.replace("@@", snippet)
    at = text.index("|")
    data = (text[:at] + text[at + 1 :]).encode()
    tree = parse(data)
    found = signature_help(data, tree, at, lambda: analyse(data, tree))
    if found is None:
        return None
    return found.label, [found.label[a:b] for a, b in found.params], found.active


@pytest.mark.parametrize(("snippet", "expected"), [
    ("(i32.add (local.get 0) |)", ("i32.add [i32 i32] -> [i32]", ["i32", "i32"], 1)),
    ("(i32.add |", ("i32.add [i32 i32] -> [i32]", ["i32", "i32"], 0)),
    ("(i32.add (i32.const 1) (i32.const 2) (i32.const 3) |)", ("i32.add [i32 i32] -> [i32]", ["i32", "i32"], 3)),
    ("(i32.add (|)", ("i32.add [i32 i32] -> [i32]", ["i32", "i32"], 0)),
    ("(i32.add (i32.const 1) (i32.eqz|)", ("i32.eqz [i32] -> [i32]", ["i32"], 0)),
    ("(call $f (i32.const 1) |)", ("call $f (param $a i32) (param $b f64) (result i32)",
                                   ["(param $a i32)", "(param $b f64)"], 1)),
    ("(call $f (i32.const 1) |", ("call $f (param $a i32) (param $b f64) (result i32)",
                                  ["(param $a i32)", "(param $b f64)"], 1)),  # unclosed: the text repaired
    ("(call $f (call $f |", ("call $f (param $a i32) (param $b f64) (result i32)",
                             ["(param $a i32)", "(param $b f64)"], 0)),
    ("(call $g |)", ("call $g (param i32) (result i32)", ["(param i32)"], 0)),
    ("(return_call $f (i32.const 1) |)", ("return_call $f (param $a i32) (param $b f64)",
                                          ["(param $a i32)", "(param $b f64)"], 1)),
    ("(struct.new $pt (i32.const 1) |)", ("struct.new $pt (field $x i32) (field $y i64) (result (ref (exact $pt)))",
                                          ["(field $x i32)", "(field $y i64)"], 1)),
    ("(call_ref $sig |)", ("call_ref $sig (param i32) (ref null $sig) (result i32)", ["(param i32)", "(ref null $sig)"], 0)),
    ("(call_indirect (type $sig) (i32.const 0) |)", ("call_indirect (type $sig) (param i32) i32 (result i32)",
                                                     ["(param i32)", "i32"], 1)),
    ("(call_indirect $tab (param i32) (result i32) (|)", ("call_indirect $tab (param i32) i32 (result i32)",
                                                          ["(param i32)", "i32"], 0)),
    ("(call_indirect (type $sig|) (i32.const 0))", ("call_indirect (type $sig) (param i32) i32 (result i32)",
                                                    ["(param i32)", "i32"], 0)),
    ("(br $out |)", ("br $out [i32] -> []", ["i32"], 0)),
    ("(br_if 0 (i32.const 1) |", ("br_if 0 [i32 i32] -> [i32]", ["i32", "i32"], 1)),
    ("(br_table 0 1 |)", ("br_table 0 1 [i32 i32] -> []", ["i32", "i32"], 0)),  # labels checked one by one
    ("(array.new_fixed $arr 3 |)", ("array.new_fixed $arr 3 [i32 i32 i32] -> [(ref (exact $arr))]",
                                    ["i32", "i32", "i32"], 0)),
    ("(select (result i32) |)", ("select (result i32) [i32 i32 i32] -> [i32]", ["i32", "i32", "i32"], 0)),
    ("(i32.load offset=4 |)", ("i32.load offset=4 [i32] -> [i32]", ["i32"], 0)),
    ("(global.set $g |)", ("global.set $g [i32] -> []", ["i32"], 0)),
    ("(local.tee 0 |)", ("local.tee 0 [i32] -> [i32]", ["i32"], 0)),
    ("(if (result i32) | (then (i32.const 1)) (else (i32.const 2)))", ("if (result i32) [i32] -> [i32]", ["i32"], 0)),
    ("(struct.new_default $pt |)", ("struct.new_default $pt [] -> [(ref (exact $pt))]", [], 0)),
    # the stack decides, or nothing to show
    ("(drop |)", None),
    ("(select |)", None),
    ("(call $nope |)", None),
    ("(if (result i32) (i32.const 1) (then |))", None),
    ("(block (i32.const 1) |)", None),
    ("|(i32.add)", None),
    ("(i32.add ;; |\n)", None),
    ('(i32.add (; | ;))', None),
])  # fmt: skip
def test_signature_help(snippet: str, expected: Sig) -> None:
    assert sig(snippet) == expected


def test_signature_help_outside_functions() -> None:
    text = "(module (global i32 (i32.add (i32.const 1) )))"
    data = text.encode()
    tree = parse(data)
    found = signature_help(data, tree, text.index(") )") + 2, lambda: analyse(data, tree))
    assert found is not None and (found.label, found.active) == ("i32.add [i32 i32] -> [i32]", 1)


def test_signature_help_offsets_in_the_encoding() -> None:
    text = '(module (func $"é" (param $"ü" i32) (param $b i32)) (func (call $"é" (i32.const 1) )))'
    snap = open_snapshot("untitled:u.wat", 1, text)
    at = text.index("1) )") + 3
    cases = (("utf-16", at, (10, 24)), ("utf-8", len(text[:at].encode()), (11, 26)), ("utf-32", at, (10, 24)))
    for encoding, col, label in cases:
        found = server_signature_help.signature_help(snap, types.Position(0, col), encoding)  # type: ignore[arg-type]
        assert found is not None
        info = found.signatures[0]
        assert info.label == 'call $"é" (param $ü i32) (param $b i32)'
        assert (info.parameters or [])[0].label == label, encoding
        assert found.active_parameter == 1


SELECT = "(module\n  (func $f (param i32) (result i32)\n    local.get 0\n    i32.const 1 i32.add\n    (i32.add (local.get 0) (i32.const 2))))"


def spans(needle: str, skip: int) -> list[str]:
    tree = parse(SELECT.encode())
    return [SELECT[s.start : s.end] for s in selection_spans(tree, SELECT.index(needle) + skip)]


def test_selection_ranges() -> None:
    func = SELECT[SELECT.index("(func") : -1]
    assert spans("get 0", 1) == ["local.get", "local.get 0", func, SELECT]
    assert spans("i32.const 1", 11) == ["1", "i32.const 1", func, SELECT]  # the token ending at the cursor
    assert spans("(local.get 0)", 5) == ["local.get", "(local.get 0)", "(i32.add (local.get 0) (i32.const 2))", func,
                                         SELECT]  # fmt: skip
    assert spans("(local.get 0)", 0) == ["(local.get 0)", "(i32.add (local.get 0) (i32.const 2))", func, SELECT]
    assert spans("(param", 3) == ["param", "(param i32)", func, SELECT]
    assert spans("$f", 2) == ["$f", func, SELECT]
    assert spans("\n    i32.const", 2) == [func, SELECT]  # white space: the form around it
    assert selection_spans(parse(b""), 0) == [(0, 0)]


def test_selection_ranges_deep_nesting_are_capped() -> None:
    depth = 5000
    text = "(module (func (result i32) " + "(i32.eqz " * depth + "(i32.const 1)" + ")" * depth + "))"
    tree = parse(text.encode())
    found = selection_spans(tree, text.index("i32.const") + 1)
    assert len(found) == MAX_LEVELS
    assert (found[0].end - found[0].start, found[-1]) == (len("i32.const"), (0, len(text)))
    assert all(a.start >= b.start and a.end <= b.end and a != b for a, b in itertools.pairwise(found))


def test_selection_ranges_as_lsp_values() -> None:
    text = "(module (func $é (i32.const 1)))"
    snap = open_snapshot("untitled:s.wat", 1, text)
    (chain,) = selection_ranges(snap, [types.Position(0, text.index("const"))], "utf-8")
    ranges = []
    node: types.SelectionRange | None = chain
    while node is not None:
        ranges.append((node.range.start.character, node.range.end.character))
        node = node.parent
    # UTF-8 columns: `é` is two bytes
    assert ranges == [(19, 28), (18, 31), (8, 32), (0, 33)]


SCRIPT = """(module $m1
  (type $point (struct (field $px i32) (field $py i32)))
  (func $main (param $p i32) (local $l i32))
  (func (export "anon"))
  (global $pi f64 (f64.const 3.14))
  (memory $heap 1))
(module $m2 (func $Print))
"""


def test_workspace_symbols() -> None:
    one = "(module (func $main) (table $tab 1 funcref) (tag $oops) (data $d \"\") (elem $e func))"

    def docs() -> list[tuple[object, object]]:
        return [("a", lambda: analyse(SCRIPT.encode())), ("b", lambda: analyse(one.encode()))]

    def find(query: str, limit: int = 1000) -> list[tuple[object, str, str, str | None]]:
        return [(f.key, f.symbol.name, f.symbol.kind, f.container)
                for f in workspace_symbols.workspace_symbols(docs(), query, limit)]  # type: ignore[arg-type]  # fmt: skip

    assert find("") == [
        ("a", "$point", "type", "(module $m1)"), ("a", "$px", "field", "$point"), ("a", "$py", "field", "$point"),
        ("a", "$main", "func", "(module $m1)"), ("a", "$pi", "global", "(module $m1)"),
        ("a", "$heap", "memory", "(module $m1)"), ("a", "$Print", "func", "(module $m2)"),
        ("b", "$main", "func", None), ("b", "$tab", "table", None), ("b", "$oops", "tag", None),
        ("b", "$d", "data", None), ("b", "$e", "elem", None)]  # fmt: skip
    assert [s[1] for s in find("PI")] == ["$point", "$pi", "$Print"]  # case-insensitive subsequence
    assert [s[1] for s in find("mn")] == ["$main", "$main"]
    assert [s[1] for s in find("$pr")] == ["$Print"]
    assert find("zz") == []
    assert len(find("", limit=3)) == 3
    assert workspace_symbols.matches("", "") and not workspace_symbols.matches("a", "")


DAMAGED = [
    MODULE.replace("@@", "(call $f (i32.const 1) (struct.new $pt"),
    MODULE.replace("@@", '(call_indirect (type $sig) (; "unclosed') + "\n(func (br_if 0 (",
    MODULE.replace("@@", "(i32.add (local.get 0) )").replace(")", "", 5),
    MODULE.replace("@@", "(array.new_fixed $arr 99999999999999999999 (i32.const 1) (br $nope"),
    '(module (func ;; c\n (call 0 "str (i32.add (@ann (if (then (local.get $x (select',
    "(assert_invalid (module (func (call $x (i32.const 1) ) \"msg\")\n(module (func $y (i32.sub (",
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
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wat", 1, text)))
    line = text.count("\n", 0, text.index("(call $f"))
    col = text.index("1) )") + 3 - (text.rfind("\n", 0, text.index("(call $f")) + 1)
    doc = types.TextDocumentIdentifier(uri)
    found = await client.text_document_signature_help_async(types.SignatureHelpParams(doc, types.Position(line, col)))
    assert found is not None
    assert [(s.label, [p.label for p in s.parameters or []]) for s in found.signatures] == [
        ("call $f (param $a i32) (param $b f64) (result i32)", [(8, 22), (23, 37)])]
    assert found.active_parameter == 1
    ranges = await client.text_document_selection_range_async(types.SelectionRangeParams(
        doc, [types.Position(line, col - 3)]))  # fmt: skip
    assert ranges is not None and len(ranges) == 1
    first = ranges[0]
    assert (first.range.start.character, first.range.end.character) == (col - 3, col - 2)  # `1`
    assert first.parent is not None
    assert (first.parent.range.start.character, first.parent.range.end.character) == (col - 14, col - 1)
    symbols = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="PT"))
    assert symbols is not None
    assert [(s.name, s.kind, s.container_name) for s in symbols] == [
        ("$pt", types.SymbolKind.Class, None)]  # fmt: skip
    sym = symbols[0]
    assert isinstance(sym.location, types.Location)  # the client reads it as SymbolInformation
    assert (sym.location.uri, sym.location.range) == (uri, types.Range(types.Position(1, 2), types.Position(1, 57)))


def test_array_new_fixed_with_a_huge_count_is_validated_without_looping() -> None:
    """Found by the loop above: the validator popped a u32 count of operands one by one."""
    doc = analyse(b"(module (type $a (array i32)) (func (drop (array.new_fixed $a 4000000000 (i32.const 1))))"
                  b" (func unreachable (array.new_fixed $a 4000000000 (i32.const 1)) drop))")  # fmt: skip
    assert [(d.code, d.message) for d in doc.diagnostics] == [
        ("type-mismatch", "`array.new_fixed` expects 4000000000 operands of type i32, found 1")]


def test_signature_help_deep_in_a_long_function() -> None:
    """Lexing starts at the statement around the cursor, not 400 KB before it at `(func`."""
    body = "(nop)\n" * 70000
    text = f"(module (func $f (param i32) (result i32) {body}(i32.add (local.get 0) ) ))"
    data = text.encode()
    tree = parse(data)
    found = signature_help(data, tree, text.index("0) )") + 3, lambda: analyse(data, tree))
    assert found is not None and (found.label, found.active) == ("i32.add [i32 i32] -> [i32]", 1)
