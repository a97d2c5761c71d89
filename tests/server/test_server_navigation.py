"""Navigation end to end over stdio (pytest-lsp): definition, references, rename, highlight,
folding, semantic tokens, inlay hints and hover, on one module that uses every index space."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Sequence

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

# One server for the whole module (each test opens its own documents; none is edited).
CONFIG = ClientServerConfig(server_command=[sys.executable, "-m", "wat_lsp", "--stdio"])
URI = "untitled:navigation.wat"

TEXT = """(module
  (type $pt (struct (field $x (mut i32)) (field $y i32)))
  (type $sig (func (param i32) (result i32)))
  (import "env" "log" (func $log (param i32)))
  (global $g (mut i32) (i32.const 0))
  (global $k i32 (i32.const 7))
  (table $tab 1 funcref)
  (memory $mem 1)
  (tag $err (param i32))
  (elem $es func $inc)
  (data $ds "hi")
  (export "inc" (func $inc))
  ;; two line
  ;; comments
  (func $inc (type $sig) (param $n i32) (result i32)
    (local $p (ref null $pt)) (local $q (ref $pt))
    (local.set $p (struct.new $pt (local.get $n) (i32.const 2)))
    (local.set $q (ref.as_non_null (local.get $p)))
    (global.set $g (struct.get $pt $x (local.get $q)))
    (block $out
      (loop $l
        (br_if $out (i32.eqz (local.get 0)))
        (block $l
          (br $l))
        (br 0)))
    (call $log (global.get $k))
    (block $h (result i32)
      (try_table (catch $err $h) (throw $err (i32.const 1)))
      (i32.const 0))
    (drop)
    (data.drop $ds) (elem.drop $es)
    (drop (i32.load $mem (i32.const 0)))
    (drop (call_indirect $tab (type $sig) (i32.const 0) (i32.const 0)))
    (local.get $n)))
"""
LINES = TEXT.splitlines()


SERVER_CAPABILITIES: dict[int, types.ServerCapabilities] = {}


@pytest_lsp.fixture(config=CONFIG, scope="module", loop_scope="module")
async def client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    result = await lsp_client.initialize_session(types.InitializeParams(capabilities=types.ClientCapabilities()))
    SERVER_CAPABILITIES[id(lsp_client)] = result.capabilities
    lsp_client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(URI, "wat", 1, TEXT)))
    yield lsp_client
    await lsp_client.shutdown_session()


def at(needle: str, skip: int = 0, text: str = TEXT) -> types.Position:
    """`skip` characters into the first occurrence of `needle` (the text is ASCII)."""
    offset = text.index(needle) + skip
    return types.Position(text.count("\n", 0, offset), offset - (text.rfind("\n", 0, offset) + 1))


def span(r: types.Range) -> tuple[int, int, int, str]:
    """A one-line range as (line, start, end, its text)."""
    assert r.start.line == r.end.line
    return r.start.line, r.start.character, r.end.character, LINES[r.start.line][r.start.character : r.end.character]


DOC = types.TextDocumentIdentifier(URI)


async def references(client: LanguageClient, where: types.Position, decl: bool = True) -> list[tuple[int, int, int, str]]:
    found = await client.text_document_references_async(
        types.ReferenceParams(text_document=DOC, position=where,
                              context=types.ReferenceContext(include_declaration=decl)))  # fmt: skip
    return [span(loc.range) for loc in found or []]


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


@pytest.mark.asyncio(loop_scope="module")
async def test_references_named_and_numeric(client: LanguageClient) -> None:
    assert await references(client, at("(local.get $n)", 12)) == [
        (14, 32, 34, "$n"), (16, 45, 47, "$n"), (21, 40, 41, "0"), (33, 15, 17, "$n")]  # fmt: skip
    assert await references(client, at("(local.get $n)", 12), decl=False) == [
        (16, 45, 47, "$n"), (21, 40, 41, "0"), (33, 15, 17, "$n")]  # fmt: skip
    assert await references(client, at("func $inc)", 6)) == [
        (9, 17, 21, "$inc"), (11, 22, 26, "$inc"), (14, 8, 12, "$inc")]  # fmt: skip
    assert await references(client, at("(type $pt", 7)) == [
        (1, 8, 11, "$pt"), (15, 24, 27, "$pt"), (15, 45, 48, "$pt"), (16, 30, 33, "$pt"), (18, 31, 34, "$pt")]  # fmt: skip
    assert await references(client, at("(type $sig) (param", 7)) == [
        (2, 8, 12, "$sig"), (14, 19, 23, "$sig"), (32, 36, 40, "$sig")]  # fmt: skip
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


async def highlights(client: LanguageClient, where: types.Position) -> list[tuple[int, int, str, int | None]]:
    found = await client.text_document_document_highlight_async(types.DocumentHighlightParams(DOC, where))
    return [(h.range.start.line, h.range.start.character, span(h.range)[3], h.kind) for h in found or []]


@pytest.mark.asyncio(loop_scope="module")
async def test_document_highlight_kinds(client: LanguageClient) -> None:
    text, read, write = types.DocumentHighlightKind.Text, types.DocumentHighlightKind.Read, types.DocumentHighlightKind.Write
    assert await highlights(client, at("(local $p", 8)) == [
        (15, 11, "$p", text), (16, 15, "$p", write), (17, 46, "$p", read)]  # fmt: skip
    assert await highlights(client, at("global.set $g", 12)) == [(4, 10, "$g", text), (18, 16, "$g", write)]
    assert await highlights(client, at("global.get $k", 12)) == [(5, 10, "$k", text), (25, 27, "$k", read)]
    assert await highlights(client, at("(br $l", 5)) == [(22, 15, "$l", text), (23, 14, "$l", text)]
    assert await highlights(client, at("(i32.eqz", 2)) == []


async def rename(client: LanguageClient, where: types.Position, new: str) -> list[tuple[int, int, int, str]]:
    edit = await client.text_document_rename_async(types.RenameParams(DOC, where, new))
    assert edit is not None and edit.changes is not None
    edits = edit.changes[URI]
    assert all(e.new_text == (new if new.startswith("$") else "$" + new) for e in edits)
    return [span(e.range) for e in edits]


@pytest.mark.asyncio(loop_scope="module")
async def test_rename(client: LanguageClient) -> None:
    prepared = await client.text_document_prepare_rename_async(types.PrepareRenameParams(DOC, at("(local.get $n)", 12)))
    assert isinstance(prepared, types.PrepareRenamePlaceholder)
    assert span(prepared.range) == (16, 45, 47, "$n") and prepared.placeholder == "$n"
    # a numeric reference cannot be renamed
    assert await client.text_document_prepare_rename_async(types.PrepareRenameParams(DOC, at("(local.get 0)", 11))) is None
    # named references only: `local.get 0` stays
    assert await rename(client, at("(local.get $n)", 12), "$count") == [(14, 32, 34, "$n"), (16, 45, 47, "$n"),
                                                                       (33, 15, 17, "$n")]  # fmt: skip
    assert await rename(client, at("func $inc)", 6), "step") == [(9, 17, 21, "$inc"), (11, 22, 26, "$inc"),
                                                                (14, 8, 12, "$inc")]  # fmt: skip
    assert await rename(client, at("(br $l", 5), "$inner") == [(22, 15, 17, "$l"), (23, 14, 16, "$l")]
    assert await rename(client, at("$pt $x", 5), "$xx") == [(1, 27, 29, "$x"), (18, 35, 37, "$x")]
    assert await rename(client, at("(elem $es", 7), '$"my segment"') == [(9, 8, 11, "$es"), (30, 31, 34, "$es")]
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
    assert "`$out` is already the label of a block that encloses this one" in await rejected(at("(br $l", 5), "$out")
    assert "`$l` is already the label of a block that is inside this one" in await rejected(at("(block $out", 8), "$l")
    assert "is not a valid identifier" in await rejected(at("call $log", 6), "$has space")
    assert "only a `$name` can be renamed" in await rejected(at("(br 0", 4), "$x")
    assert not [m.message for m in client.log_messages if "internal error" in m.message]  # only an Info


@pytest.mark.asyncio(loop_scope="module")
async def test_folding_ranges(client: LanguageClient) -> None:
    folds = await client.text_document_folding_range_async(types.FoldingRangeParams(DOC))
    region, comment = types.FoldingRangeKind.Region, types.FoldingRangeKind.Comment
    assert [(f.start_line, f.end_line, f.kind) for f in folds or []] == [
        (0, 33, region),  # the module
        (12, 13, comment),  # two `;;` lines
        (14, 33, region),  # the function
        (19, 24, region), (20, 24, region), (22, 23, region),  # block $out, loop $l, block $l
        (26, 28, region),  # block $h
    ]  # fmt: skip


def decode(data: Sequence[int], legend: types.SemanticTokensLegend) -> list[tuple[int, int, str, str, tuple[str, ...]]]:
    out: list[tuple[int, int, str, str, tuple[str, ...]]] = []
    line = col = 0
    for i in range(0, len(data), 5):
        dl, dc, length, kind, mods = data[i : i + 5]
        line, col = (line + dl, dc) if dl else (line, col + dc)
        names = tuple(m for k, m in enumerate(legend.token_modifiers) if mods >> k & 1)
        out.append((line, col, LINES[line][col : col + length], legend.token_types[kind], names))
    return out


@pytest.mark.asyncio(loop_scope="module")
async def test_semantic_tokens(client: LanguageClient) -> None:
    caps = SERVER_CAPABILITIES[id(client)]
    assert caps is not None and isinstance(caps.semantic_tokens_provider, types.SemanticTokensOptions)
    legend = caps.semantic_tokens_provider.legend
    full = await client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(DOC))
    assert full is not None
    tokens = decode(full.data, legend)
    by_line = {n: [t[1:] for t in tokens if t[0] == n] for n in (1, 5, 12, 15, 21, 23)}
    assert by_line[1] == [
        (3, "type", "keyword", ()), (8, "$pt", "type", ("declaration",)), (13, "struct", "keyword", ()),
        (21, "field", "keyword", ()), (27, "$x", "property", ("declaration",)), (31, "mut", "keyword", ()),
        (35, "i32", "type", ("defaultLibrary",)), (42, "field", "keyword", ()),
        (48, "$y", "property", ("declaration", "readonly")), (51, "i32", "type", ("defaultLibrary",))]  # fmt: skip
    assert by_line[5] == [
        (3, "global", "keyword", ()), (10, "$k", "variable", ("declaration", "readonly", "static")),
        (13, "i32", "type", ("defaultLibrary",)), (18, "i32.const", "operator", ()), (28, "7", "number", ())]  # fmt: skip
    assert by_line[12] == [(2, ";; two line", "comment", ())]
    assert by_line[15] == [
        (5, "local", "keyword", ()), (11, "$p", "variable", ("declaration",)), (15, "ref", "keyword", ()),
        (19, "null", "keyword", ()), (24, "$pt", "type", ()), (31, "local", "keyword", ()),
        (37, "$q", "variable", ("declaration",)), (41, "ref", "keyword", ()), (45, "$pt", "type", ())]  # fmt: skip
    assert by_line[21] == [(9, "br_if", "operator", ()), (15, "$out", "label", ()), (21, "i32.eqz", "operator", ()),
                           (30, "local.get", "operator", ()), (40, "0", "parameter", ())]  # fmt: skip
    assert by_line[23] == [(11, "br", "operator", ()), (14, "$l", "label", ())]
    # a range gives the same tokens as the full result for its lines
    ranged = await client.text_document_semantic_tokens_range_async(
        types.SemanticTokensRangeParams(DOC, types.Range(types.Position(21, 0), types.Position(24, 0))))  # fmt: skip
    assert ranged is not None
    assert decode(ranged.data, legend) == [t for t in tokens if 21 <= t[0] < 24]


@pytest.mark.asyncio(loop_scope="module")
async def test_inlay_hints(client: LanguageClient) -> None:
    rng = types.Range(at("    (local.set $p"), at("    (block $out"))
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(DOC, rng))
    typ = types.InlayHintKind.Type
    assert [(h.position.line, h.position.character, h.label, h.kind) for h in hints or []] == [
        (16, 17, "#1: (ref null $pt)", typ), (16, 33, "#0", None), (16, 47, "#0: i32", typ),
        (17, 17, "#2: (ref $pt)", typ), (17, 48, "#1: (ref null $pt)", typ),
        (18, 18, "#0", None), (18, 34, "#0", None), (18, 37, "#0", None), (18, 51, "#2: (ref $pt)", typ),
    ]  # fmt: skip
    rng = types.Range(at("(br_if"), at("(call $log"))
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(DOC, rng))
    # labels: the relative depth; a numeric local: its type only
    assert [(h.position.line, h.label) for h in hints or []] == [(21, "#1"), (21, ": i32"), (23, "#0")]


async def hover_text(client: LanguageClient, where: types.Position, uri: str = URI) -> str | None:
    found = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), where))
    if found is None:
        return None
    assert isinstance(found.contents, types.MarkupContent)
    return found.contents.value


@pytest.mark.asyncio(loop_scope="module")
async def test_hover(client: LanguageClient) -> None:
    assert await hover_text(client, at("(local.get $n)", 12)) == (
        "```wat\n(param $n i32)\n```\n\nparam index 0\n\nlive here (read by this `local.get`)")
    assert await hover_text(client, at("global.set $g", 12)) == "```wat\n(global $g (mut i32))\n```\nglobal index 0"
    assert await hover_text(client, at("call $log", 6)) == (
        "```wat\n(func $log (param i32))\n```\nimported function index 0")
    assert await hover_text(client, at("$pt $x", 5)) == "```wat\n(field $x (mut i32))\n```\nfield index 0 of type `$pt`"
    assert await hover_text(client, at("(br 0", 4)) == "```wat\nloop $l\n```\nlabel of a `loop`; relative depth 0 here"
    assert await hover_text(client, at("(elem.drop", 1)) == "```wat\nelem.drop\n```\n\n`[] -> []`\n\noperand stack before: `[]`"
    assert await hover_text(client, at("data.drop $ds", 11)) == "```wat\n(data $ds \"hi\")\n```\ndata segment index 0"
    assert await hover_text(client, at("(i32.eqz", 1)) == "```wat\ni32.eqz\n```\n\n`[i32] -> [i32]`\n\noperand stack before: `[i32]`"
    assert await hover_text(client, at("(struct.get", 1)) == (
        "```wat\nstruct.get\n```\n\ntyped by the `struct.get` rule\n\noperand stack before: `[(ref $pt)]`")
    assert await hover_text(client, at("(call $log", 1)) == "```wat\ncall\n```\n\n`[i32] -> []`\n\noperand stack before: `[i32]`"
    assert await hover_text(client, at("(block $h", 2)) is None  # a keyword, not an instruction name


UNINIT = """(module
  (type $t (struct))
  (func (param $c i32)
    (local $r (ref $t)) (local $dead i32)
    (local.set $dead (i32.const 1))
    (if (local.get $c) (then (local.set $r (struct.new $t))))
    (drop (local.get $r))
    (local.set $r (struct.new $t))
    (drop (local.get $r))))
"""


@pytest.mark.asyncio(loop_scope="module")
async def test_hover_initialization_and_liveness(client: LanguageClient) -> None:
    uri = "untitled:uninit.wat"
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wat", 1, UNINIT)))
    first = UNINIT.index("(drop (local.get $r))") + len("(drop (local.get $")
    second = UNINIT.rindex("(drop (local.get $r))") + len("(drop (local.get $")
    # the set inside `then` is undone at the `if`'s end (rule 1a)
    assert await hover_text(client, at("", first, UNINIT), uri) == (
        "```wat\n(local $r (ref $t))\n```\n\nlocal index 1\n\nbefore this `local.get`: **not initialized** "
        "(non-defaultable: a `local.set` must dominate reads)\n\nlive here (read by this `local.get`)")
    assert "before this `local.get`: initialized" in (await hover_text(client, at("", second, UNINIT), uri) or "")
    assert (await hover_text(client, at("(local.set $dead", 12, UNINIT), uri) or "").endswith(
        "the value stored here is never read (dead store)")
    assert (await hover_text(client, at("(local.set $r (struct.new $t))\n", 12, UNINIT), uri) or "").endswith(
        "the value stored here is read later (live)")
    # the operand stack before an instruction, in a block
    assert (await hover_text(client, at("(struct.new $t))))", 1, UNINIT), uri) or "").endswith(
        "operand stack before: `[]`")


@pytest.mark.asyncio(loop_scope="module")
async def test_document_symbols_every_space(client: LanguageClient) -> None:
    found = await client.text_document_document_symbol_async(types.DocumentSymbolParams(DOC))
    symbols = [s for s in found or [] if isinstance(s, types.DocumentSymbol)]
    assert [(s.name, s.kind.name, [c.name for c in s.children or []]) for s in symbols] == [
        ("$pt", "Class", ["$x", "$y"]), ("$sig", "Class", []), ("$log", "Function", ["0"]),
        ("$g", "Variable", []), ("$k", "Variable", []), ("$tab", "Array", []), ("$mem", "Array", []),
        ("$err", "Event", []), ("$es", "Array", []), ("$ds", "Array", []),
        ("$inc", "Function", ["$n", "$p", "$q"]),
    ]  # fmt: skip


SCRIPT = """(module $a
  (func $f (result i32) (i32.const 1))
  (func (export "g") (result i32) (call $f)))
(; ünï 🙂
   a block comment ;) (module $b
  (func $f (result i32) (call $f)))
(assert_return (invoke "g") (i32.const 1))
"""


@pytest.mark.asyncio(loop_scope="module")
async def test_script_modules_and_utf16(client: LanguageClient) -> None:
    """Each module of a script is its own scope; columns count UTF-16 units after non-ASCII."""
    uri = "untitled:script.wast"
    doc = types.TextDocumentIdentifier(uri)
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wast", 1, SCRIPT)))
    found = await client.text_document_references_async(types.ReferenceParams(
        text_document=doc, position=at("(call $f)))", 7, SCRIPT), context=types.ReferenceContext(True)))  # fmt: skip
    assert [(r.range.start.line, r.range.start.character) for r in found or []] == [(1, 8), (2, 40)]
    found = await client.text_document_references_async(types.ReferenceParams(
        text_document=doc, position=types.Position(5, 30), context=types.ReferenceContext(True)))  # fmt: skip
    assert [(r.range.start.line, r.range.start.character) for r in found or []] == [(5, 8), (5, 30)]
    legend = SERVER_CAPABILITIES[id(client)].semantic_tokens_provider
    assert isinstance(legend, types.SemanticTokensOptions)
    tokens = await client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(doc))
    assert tokens is not None
    out = []
    line = col = 0
    for i in range(0, len(tokens.data), 5):
        dl, dc, length, kind, _ = tokens.data[i : i + 5]
        line, col = (line + dl, dc) if dl else (line, col + dc)
        if line in (3, 4):
            out.append((line, col, length, legend.legend.token_types[kind]))
    # the comment is split per line; `🙂` is two UTF-16 units
    assert out == [(3, 0, 9, "comment"), (4, 0, 21, "comment"), (4, 23, 6, "keyword")]


BROKEN = """(module (func $f (param $p i32) (block $l (br $l
  (local.get $p) (call $f) end $l))) (br 99) (local.get $nope)
(; unterminated (module (func (struct.get $t $f
)))) (elem func $f $f) ;; ünï 🙂 "\\u{zz}
(module (type $t (struct (field $f i32))) (func (param (ref $t)) (struct.get $t $f (local.get 0))
"""


@pytest.mark.asyncio(loop_scope="module")
async def test_broken_text_never_fails_a_request(client: LanguageClient) -> None:
    uri = "untitled:broken.wast"
    doc = types.TextDocumentIdentifier(uri)
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wast", 1, BROKEN)))
    lines = BROKEN.splitlines()
    for line, text in enumerate(lines):
        for col in range(0, len(text) + 1, 5):
            where = types.Position(line, col)
            await client.text_document_hover_async(types.HoverParams(doc, where))
            await client.text_document_definition_async(types.DefinitionParams(doc, where))
            await client.text_document_references_async(types.ReferenceParams(
                text_document=doc, position=where, context=types.ReferenceContext(True)))  # fmt: skip
            await client.text_document_document_highlight_async(types.DocumentHighlightParams(doc, where))
            await client.text_document_prepare_rename_async(types.PrepareRenameParams(doc, where))
    everything = types.Range(types.Position(0, 0), types.Position(len(lines), 0))
    assert await client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(doc)) is not None
    await client.text_document_inlay_hint_async(types.InlayHintParams(doc, everything))
    await client.text_document_folding_range_async(types.FoldingRangeParams(doc))
    # liveness around an unresolved `local.get $nope`
    unresolved = "(module (func (local $a i32) (local.set $a (i32.const 1)) (local.get $nope) (drop) (drop (local.get $a))))"
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem("untitled:unresolved.wat", "wat", 1, unresolved)))  # fmt: skip
    assert (await hover_text(client, at("local.set $a", 11, unresolved), "untitled:unresolved.wat") or "").endswith(
        "the value stored here is read later (live)")
    assert not [m.message for m in client.log_messages if "internal error" in m.message]
    # the named things that resolve still do
    where = at("(local.get $p)", 12, BROKEN)
    found = await client.text_document_definition_async(types.DefinitionParams(doc, where))
    assert isinstance(found, types.Location) and found.range.start == at("(param $p", 0, BROKEN)


@pytest.mark.asyncio(loop_scope="module")
async def test_semantic_tokens_delta(client: LanguageClient) -> None:
    """Full results carry a result id; a delta from it, applied to the data, gives the new
    version's full data; a delta from an unknown id gives full data."""
    caps = SERVER_CAPABILITIES[id(client)]
    assert isinstance(caps.semantic_tokens_provider, types.SemanticTokensOptions)
    assert caps.semantic_tokens_provider.full == types.SemanticTokensFullDelta(delta=True)
    uri = "untitled:delta.wat"
    doc = types.TextDocumentIdentifier(uri)
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wat", 1, TEXT)))
    full = await client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(doc))
    assert full is not None and full.result_id
    data, result_id = list(full.data), full.result_id
    edits = [(at("(local.get $n) (i32.const 2)"), "  "), (at("(br 0)", 4), " $l"), (at("(drop)"), "(nop)\n    ")]
    for version, (where, text) in enumerate(edits, 2):
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version, uri),
            [types.TextDocumentContentChangePartial(range=types.Range(where, where), text=text)]))  # fmt: skip
        delta = await client.text_document_semantic_tokens_full_delta_async(
            types.SemanticTokensDeltaParams(doc, result_id))  # fmt: skip
        assert isinstance(delta, types.SemanticTokensDelta) and delta.result_id
        assert len(delta.edits) == 1
        e = delta.edits[0]
        assert e.delete_count <= 10 and len(e.data or []) <= 15  # around the edit, not the rest
        data[e.start : e.start + e.delete_count] = e.data or []
        again = await client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(doc))
        assert again is not None and list(again.data) == data
        assert again.result_id
        result_id = again.result_id
    unknown = await client.text_document_semantic_tokens_full_delta_async(types.SemanticTokensDeltaParams(doc, "0.x"))
    assert isinstance(unknown, types.SemanticTokens) and list(unknown.data) == data
    client.text_document_did_close(types.DidCloseTextDocumentParams(doc))
