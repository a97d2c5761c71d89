"""Every request over stdio on pathological documents: 20,000 levels of nesting (closed and
unclosed `(block`, plain `block ... end`, folded operands, block comments), 200 KB of `)` and a
200 KB module on one line. Each answer is well formed (a result, not an error, of the right
shape: folding ranges sorted and inside the document, one diagnostic for the garbage).

The same session at full size, timed, is `bench/bench_pathological.py`. The timeout here is a
hang guard only (each document takes a few seconds on a loaded machine)."""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
try:
    import pathological
finally:
    sys.path.remove(str(ROOT / "bench"))

LEVELS = 20_000
SHAPES: dict[str, Callable[[], pathological.Shape]] = {
    "closed": lambda: pathological.nested_closed(LEVELS),
    "unclosed": lambda: pathological.nested_unclosed(LEVELS),
    "plain": lambda: pathological.nested_plain(LEVELS),
    "parens": lambda: pathological.close_parens(200_000),
    "comments": lambda: pathological.nested_comments(LEVELS),
    "folded": lambda: pathological.folded_operands(LEVELS),
    "one-line": lambda: pathological.one_line("200KB"),
}
EXAMPLE = "shapes.wat"  # a module with every kind of name
HANG = 120.0  # seconds for one request: only a hang (minutes of CPU before the fix) exceeds it


@pytest.fixture(scope="module")
def server() -> Iterator[pathological.Server]:
    s = pathological.Server()
    yield s
    s.close()


def _with_a_local(shape: pathological.Shape) -> pathological.Shape:
    """`shape` with an unused local in `$f`: the refactor menu then offers passes to resolve
    (it lists only those that may change something)."""
    found = re.search(r"\(func \$f(?=[\s)])", shape.text)
    if found is None:
        return shape
    at = found.end()
    local = " (local $unused i32)"
    text = shape.text[:at] + local + shape.text[at:]
    cursor = shape.cursor + len(local) if shape.cursor >= at else shape.cursor
    return dataclasses.replace(shape, text=text, cursor=cursor)


@pytest.mark.parametrize("name", list(SHAPES))
def test_every_request_well_formed(server: pathological.Server, name: str) -> None:
    shape = _with_a_local(SHAPES[name]())
    answers = pathological.run(server, shape, f"file:///pathological/{name}.wat", timeout=HANG)
    methods = {a.method for a in answers}
    every = {
        "textDocument/diagnostic",
        "textDocument/semanticTokens/full",
        "textDocument/semanticTokens/range",
        "textDocument/semanticTokens/full/delta",
        "textDocument/foldingRange",
        "textDocument/documentSymbol",
        "textDocument/inlayHint",
        "textDocument/hover",
        "textDocument/documentHighlight",
        "textDocument/selectionRange",
        "textDocument/definition",
        "textDocument/references",
        "textDocument/completion",
        "textDocument/signatureHelp",
        "textDocument/codeAction",
        "textDocument/prepareRename",
    }
    assert every <= methods
    if name not in ("parens", "unclosed"):  # a function named `$f` that parses: renamed, actions resolved
        assert {"textDocument/rename", "codeAction/resolve"} <= methods
    problems = [(a.method, p) for a in answers if (p := pathological.check(shape, a)) is not None]
    assert problems == []


def test_garbage_gets_one_diagnostic(server: pathological.Server) -> None:
    """1,000,000 `)`: one syntax error, not one per parenthesis."""
    shape = pathological.close_parens(1_000_000)
    uri = "file:///pathological/million.wat"
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "wat", "version": 1, "text": shape.text}},
    )
    report = server.request("textDocument/diagnostic", {"textDocument": {"uri": uri}}, HANG)["result"]
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert [d["code"] for d in report["items"]] == ["syntax"]


# --- the pieces, in process ----------------------------------------------------------------

DEEP_TEXTS = {
    "closed": "(module (func $f " + "(block $l " * 300 + "(br $l) (call $f)" + ")" * 300 + "))",
    "unclosed": "(module (func " + "(block " * 300,
    "folded": "(module (func (result i32)\n"
    + "(i32.add " * 300
    + "(local.get 0)"
    + " (i32.const 1))" * 300
    + "))\n",
    "plain": "(module (func\n" + "block $x\n" * 300 + "br 3 end $x\n" * 300 + "))\n",
    "parens": ")" * 5000 + "(module (func $g (local.get 0)))",
    "comments": "(module " + "(;" * 300 + ";)" * 300 + " (func $h (param $p i32) (local.get $p)) ;; x\n)",
    "garbage": "(module (func $f (param i32) (block $a (; c ;) (i32.add (local.get 0) ) (call 3 $f) junk ) ) ;; x\n"
    "(func $g i32.const 0 (block (loop)) (]) end))  (type (func)) (( " + "(block " * 40 + ")" * 20,
}


@pytest.mark.parametrize("name", list(DEEP_TEXTS))
def test_deep_query_finds_what_one_cursor_finds(name: str) -> None:
    """`DeepQuery.captures` (slabs, nodes with errors walked) gives exactly the captures of one
    query cursor, for every query the server runs, whole and in byte ranges."""
    import random

    from tree_sitter import Node, QueryCursor
    from wat_lsp.analysis.ide import folding, references, semantic_tokens
    from wat_lsp.analysis.syntax import parse

    def key(caps: dict[str, list[Node]]) -> list[tuple[str, int, int, str]]:
        return sorted((n, x.start_byte, x.end_byte, x.type) for n, xs in caps.items() for x in xs)

    data = DEEP_TEXTS[name].encode()
    tree = parse(data)
    rnd = random.Random(name)
    ranges = [(0, None)] + [
        tuple(sorted((rnd.randrange(len(data)), rnd.randrange(len(data))))) for _ in range(6)
    ]
    for query in (references._query(), semantic_tokens._query(), folding._query()):
        for start, end in ranges:
            cursor = QueryCursor(query.query)
            if end is not None:
                cursor.set_byte_range(start, end)
            expected = key(cursor.captures(tree.root_node))
            assert key(query.captures(tree.root_node, start, end)) == expected, (start, end)


def test_columns_counted_on_along_a_line() -> None:
    """`LineIndex.position` counts on from the last column asked on a line: the same columns
    as counted from the line's start, in any order, on ill-formed UTF-8 too."""
    import random

    from wat_lsp.analysis.positions import LineIndex

    rnd = random.Random(5)
    pieces = [
        b"a",
        b" ",
        b"\n",
        b"\r",
        b"\xc3\xa9",
        b"\xf0\x9f\x98\x80",
        b"\xed\xa0\x80",
        b"\xff",
        b"\xe2\x82",
        b"\x80",
        b"\r\n",
    ]
    for trial in range(300):
        data = b"".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 80)))
        index = LineIndex(data)
        offsets = [rnd.randint(0, len(data)) for _ in range(30)]
        if trial % 2:
            offsets.sort()
        for offset in offsets:
            for encoding in ("utf-16", "utf-32", "utf-8"):
                assert index.position(offset, encoding) == LineIndex(data).position(offset, encoding)


def test_inlay_hints_cut_to_a_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """A range longer than `INLAY_BYTES` gets the hints of its first `INLAY_BYTES` only."""
    from lsprotocol import types
    from wat_lsp.analysis.ide.inlay_hints import Options
    from wat_lsp.server import ide_requests
    from wat_lsp.server.documents import open_snapshot

    text = "(module (func $f (param $p i32) " + "(drop (local.get $p)) " * 200 + "))"
    snap = open_snapshot("file:///cut.wat", 1, text)
    whole = types.Range(types.Position(0, 0), types.Position(0, len(text)))
    types_only = Options(types=True, indices=False, block_ends=False)
    everything = ide_requests.inlay_hints_(snap, whole, "utf-16", types_only)
    assert len(everything) == 200
    monkeypatch.setattr(ide_requests, "INLAY_BYTES", 1000)
    cut = ide_requests.inlay_hints_(snap, whole, "utf-16", types_only)
    assert cut == [h for h in everything if h.position.character <= 1000] and 0 < len(cut) < 200


def test_folds_beyond_the_depth_limit_left_out() -> None:
    from wat_lsp.analysis.ide.folding import Fold, within_depth

    nested = [Fold(i, 2000 - i, "region") for i in range(1000)]  # each inside the one before
    kept, dropped = within_depth(sorted(nested), 256)
    assert kept == sorted(nested)[:256] and dropped == 744
    flat = sorted(Fold(2 * i, 2 * i + 1, "region") for i in range(1000))
    assert within_depth(flat, 256) == (flat, 0)
    overlapping = [Fold(0, 10, "region"), Fold(5, 15, "region"), Fold(6, 9, "comment")]
    assert within_depth(overlapping, 1) == (overlapping[:2], 1)


def test_catch_and_on_clauses_resolved_without_parents() -> None:
    """Tokens of catch and on clauses get their clause from the query, in text order (a
    `Node.parent` per token made nested `try_table`s depth squared): the same occurrences as
    the parent-based resolution, here and on the spec tests that have such clauses."""
    from tree_sitter import Node
    from wat_lsp.analysis.document import analyse
    from wat_lsp.analysis.ide.references import Occurrence, Resolver, _Clause

    from tests.corpus import core_files

    class ByParents(Resolver):
        def _token(self, cap: str, node: Node, place: tuple[_Clause, int] | None = None) -> Occurrence | None:
            return super()._token(cap, node, None)

    nested = "(module (tag $e) (func $f " + "(block $b (try_table (catch $e $b) (catch_all 0) " * 300 + "nop"
    texts = [(nested + "))" * 300 + "))").encode()]
    texts.append(
        b"(module (type $ft (func)) (type $ct (cont $ft)) (tag $e) (tag $t) (func $g (param $k (ref $ct))"
        b" (block $l (block $m (resume $ct (on $e $l) (on $t switch) (on $e $m) (local.get $k))))))"
    )
    texts += [p.read_bytes() for p in core_files() if p.name in ("try_table.wast", "instance.wast")]
    for data in texts:
        doc = analyse(data)
        found = Resolver(doc).occurrences()
        assert found == ByParents(doc).occurrences()
    assert (
        sum(o.key.space == "label" and o.role == "use" for o in Resolver(analyse(texts[0])).occurrences())
        == 600
    )


def test_syntax_errors_deep_inside_nesting() -> None:
    """50 stray tokens 20,000 blocks deep: each error's message needs its parent, previous
    sibling and module field, found on the way down (climbing with `Node.parent` from each
    cost the depth squared: 2,000 levels took 10 s, 20,000 hours)."""
    from wat_lsp.analysis.syntax import parse, syntax_diagnostics

    head = "(module (func $f " + "(block " * LEVELS + "nop"
    data = (head + " @@ (i32.const)" * 50 + ")" * LEVELS + "))\n").encode()
    found = syntax_diagnostics(parse(data), data)
    assert [(d.code, d.message) for d in found] == [("syntax", "unexpected `@@`")] * 50
    assert [d.span.start for d in found] == [len(head) + 1 + 15 * i for i in range(50)]


def test_comments_kept_by_removals_deep_inside_nesting() -> None:
    """`coalesce-locals` deletes 300 copies 20,000 blocks deep, each keeping its comment: the
    comments are found from the node around each removal down, not by climbing parents."""
    from wat_lsp.analysis.document import analyse
    from wat_lsp.passes.edits import apply_edits
    from wat_lsp.passes.registry import PASSES

    def body(copy: str) -> str:
        return " ".join(f"{copy % i}(drop (local.get $b))" for i in range(300))

    text = (
        "(module (func $f (param $a i32) (local $b i32) "
        + "(block " * LEVELS
        + body("(local.set $b (; c%d ;) (local.get $a)) ")
        + ")" * LEVELS
        + "))\n"
    )
    doc = analyse(text.encode())
    out = apply_edits(doc.data, PASSES["coalesce-locals"].run(doc)).decode()
    expected = (
        "(module (func $f (param $a i32) "
        + "(block " * LEVELS
        + body("(; c%d ;) ").replace("$b", "$a")
        + ")" * LEVELS
        + "))\n"
    )
    assert out == expected


def test_line_starts_as_rfind() -> None:
    """`LineStarts` answers what scanning back for `\\n` does, near a break and far from one."""
    from wat_lsp.passes.edits import LineStarts

    data = b"a\n" + b"x" * 5000 + b"\n\n  (y)\r\n" + b"z" * 300 + b"\n"
    lines = LineStarts(data)
    assert [lines(p) for p in range(len(data) + 1)] == [
        data.rfind(b"\n", 0, p) + 1 for p in range(len(data) + 1)
    ]


@pytest.mark.parametrize("name", [*DEEP_TEXTS, "example"])
def test_index_lookups_match_range_queries(name: str) -> None:
    """Once the document's index is built, occurrences in a range and under the cursor are
    looked up in it (a query walks down through every enclosing node): what the whole
    document's resolution has there, and under the cursor what the query of its field finds."""
    import random

    from wat_lsp.analysis.document import analyse
    from wat_lsp.analysis.ide import navigation, references

    text = DEEP_TEXTS[name] if name in DEEP_TEXTS else (ROOT / "examples" / EXAMPLE).read_text()
    doc = analyse(text.encode())
    size = len(doc.data)
    rnd = random.Random(name)
    ranges = [tuple(sorted((rnd.randrange(size), rnd.randrange(size)))) for _ in range(20)]
    offsets = range(size) if size < 20_000 else rnd.sample(range(size), 2000)
    under = [navigation.occurrence_at(doc, at) for at in offsets]  # no index yet: the queries
    whole = references.resolver(doc).occurrences()
    references.index(doc)
    assert references.cached_index(doc) is not None
    assert [[o for o in references.in_range(doc, s, e) if s <= o.start < e] for s, e in ranges] == [
        [o for o in whole if s <= o.start < e] for s, e in ranges
    ]
    assert [navigation.occurrence_at(doc, at) for at in offsets] == under
