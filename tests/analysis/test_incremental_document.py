"""`DocumentAnalysis.document` (what `Snapshot.analysis()` returns) equals `analyse` on every
version of randomly edited modules: the same `Document` value (diagnostics in order, Module
model, spans, `ReadResult`), and the same answers from every navigation feature.

Modules: examples/, tests/gc_modules and text modules of the spec suite. Edits are mostly one
character inside function bodies (the incremental path), some longer snippets, and now and
then one elsewhere (a signature, a global: the fallbacks). Earlier versions' documents must
stay what they were while later versions are made from them.
"""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.protocol import default_converter
from wat_lsp.analysis import relocate
from wat_lsp.analysis.document import Document, analyse
from wat_lsp.analysis.ide import function_cache, semantic_tokens
from wat_lsp.analysis.ide.inlay_hints import Options
from wat_lsp.analysis.incremental import DocumentAnalysis
from wat_lsp.analysis.model import Func, Instr, LocalDecl, Span
from wat_lsp.analysis.opcodes import lookup
from wat_lsp.analysis.positions import Encoding
from wat_lsp.analysis.syntax import parse
from wat_lsp.server import ide_requests
from wat_lsp.server.documents import Snapshot, apply_change, open_snapshot

from tests.corpus import ROOT as SUITE
from tests.corpus import core_files

ROOT = Path(__file__).resolve().parents[2]
CHARS = '0123456789()$ abcdefilgnorstux.\n;"é'
SNIPPETS = [
    "(i32.const 1)",
    "(drop)",
    "nop",
    "\n    ",
    "local.get 0",
    "(block $b (br $b))",
    "i32.add",
    ")",
    "(",
]
ENC: Encoding = "utf-16"
CONVERTER = default_converter()


def _spec_modules(limit: int) -> list[tuple[str, str]]:
    """The first text module with a function body of some spec files (every fifth file)."""
    out: list[tuple[str, str]] = []
    for path in core_files()[::5]:
        data = path.read_bytes()
        for node in parse(data).root_node.named_children:
            text = data[node.start_byte : node.end_byte]
            if (
                node.type == "module"
                and b"(func" in text
                and b"quote" not in text[:20]
                and b"binary" not in text[:20]
            ):
                out.append((path.name, text.decode("utf-8", "replace")))
                break
        if len(out) >= limit:
            break
    return out


def _sources() -> list[tuple[str, str]]:
    local = sorted((ROOT / "examples").glob("*.wat")) + sorted((ROOT / "tests" / "gc_modules").glob("*.wat"))
    out = [(p.name, p.read_text(encoding="utf-8")) for p in local]
    return out + (_spec_modules(24) if SUITE.is_dir() else [])


def _body_offsets(text: str) -> list[int]:
    """Offsets inside function bodies (where edits stay incremental), by the model."""
    data = text.encode("utf-8")
    out: list[int] = []
    for m in analyse(data).modules:
        if m.read is not None:
            for f in m.read.module.funcs:
                if f.body_span is not None:
                    out.extend(range(f.body_span.start, f.body_span.end))
    return [len(data[:o].decode("utf-8", "replace")) for o in out[:: max(1, len(out) // 400)]]


def _position(text: str, offset: int) -> types.Position:
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return types.Position(line, len(text[start:offset].encode("utf-16-le")) // 2)


def _edit(rng: random.Random, text: str) -> tuple[types.TextDocumentContentChangePartial, str]:
    inside = _body_offsets(text)
    at = rng.choice(inside) if inside and rng.random() < 0.85 else rng.randrange(len(text) + 1)
    end = at
    kind = rng.random()
    blanks = [o for o in inside if text[o - 1 : o] in (" ", "\n")]
    if kind < 0.3 and blanks:  # white space or a comment between tokens: the text stays valid
        at = end = rng.choice(blanks)
        new = rng.choice([" ", "\n  ", ";; note\n", "(; c ;)"])
    elif kind < 0.5:
        new = rng.choice(CHARS)
    elif kind < 0.65:
        new, end = "", min(len(text), at + 1)
    elif kind < 0.8:
        new, end = rng.choice(CHARS), min(len(text), at + 1)
    else:
        new = rng.choice(SNIPPETS)
    while 0 < end < len(text) and text[end - 1] == "\r" and text[end] == "\n":
        end += 1
    change = types.TextDocumentContentChangePartial(
        range=types.Range(_position(text, at), _position(text, end)), text=new
    )
    return change, text[:at] + new + text[end:]


def _fresh(snap: Snapshot) -> Snapshot:
    """The same text with `analyse`'s own `Document`, as the server had it before."""
    twin = Snapshot(snap.uri, snap.version, snap.data, snap.tree, snap.index)
    twin._analysis = analyse(snap.data, snap.tree)
    return twin


def _probes(rng: random.Random, snap: Snapshot, n: int) -> list[types.Position]:
    out = []
    for _ in range(n):
        offset = rng.randrange(len(snap.data) + 1)
        line = snap.index.line_of(offset)
        out.append(types.Position(line, rng.randrange(0, 40)))
    return out


EVERY_HINT = Options(types=True, indices=True, block_ends=True)


def _answers(snap: Snapshot, probes: list[types.Position]) -> list[object]:
    """What every navigation feature answers on `snap` (and at `probes`)."""
    whole = types.Range(types.Position(0, 0), types.Position(snap.index.line_count, 0))
    out: list[object] = [
        ide_requests.document_symbols(snap, ENC),
        ide_requests.folding_ranges(snap),
        ide_requests.semantic_tokens_full(snap, ENC).data,
        ide_requests.inlay_hints_(snap, whole, ENC, EVERY_HINT),
    ]
    for p in probes:
        near = types.Range(types.Position(max(0, p.line - 3), 0), types.Position(p.line + 3, 0))
        out += [
            ide_requests.hover(snap, p, ENC),
            ide_requests.definition(snap, p, ENC),
            ide_requests.references_(snap, p, True, ENC),
            ide_requests.document_highlight(snap, p, ENC),
            ide_requests.semantic_tokens_range(snap, near, ENC).data,
            ide_requests.inlay_hints_(snap, near, ENC, EVERY_HINT),
        ]
    return out


def _same(got: Document, want: Document) -> None:
    assert got.data == want.data
    assert got.diagnostics == want.diagnostics  # in the same order, ties included
    assert len(got.modules) == len(want.modules)
    for a, b in zip(got.modules, want.modules, strict=True):
        assert a.read is not None and b.read is not None
        for f in dataclasses.fields(a.read.module):  # field by field: a failure names the field
            assert getattr(a.read.module, f.name) == getattr(b.read.module, f.name), f.name
        assert a.read.diagnostics == b.read.diagnostics
        assert a.read.broken == b.read.broken
        assert a == b


def _whole_answers(
    monkeypatch: pytest.MonkeyPatch, snap: Snapshot, probes: list[types.Position]
) -> list[object]:
    """`_answers` computed over the whole document at once, as before `pieces`: no layout,
    so nothing is kept per function (the oracle for what is assembled function by function)."""
    with monkeypatch.context() as m:
        m.setattr(function_cache, "_layout", lambda doc: None)
        return _answers(snap, probes)


@pytest.mark.parametrize("name,text", _sources(), ids=lambda x: x if len(x) < 40 else None)
def test_incremental_documents_equal_analyse(name: str, text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(f"{name}:2026-12-02")
    function_cache.clear()
    if rng.random() < 0.5:  # functions recomputed with one query over the whole text, not one each
        monkeypatch.setattr(function_cache, "WHOLE_QUERY", 0)  # references, semantic tokens, folding
    snap = open_snapshot(f"untitled:{name}", 1, text)
    snap.diagnostics()  # as the server does on didOpen: the incremental state starts here
    _same(snap.analysis(), analyse(snap.data, snap.tree))
    kept: list[tuple[Document, bytes]] = []
    modes: set[str] = set()
    sent = json.loads(ide_requests.semantic_tokens_full_json(snap, ENC).text)
    deltas = 0
    for version in range(2, 14):
        change, text = _edit(rng, text)
        snap = apply_change(snap, change, ENC, version)
        assert snap.data == text.encode("utf-8")
        if rng.random() < 0.5:
            snap.diagnostics()  # sometimes the diagnostics come first, sometimes the request
        doc = snap.analysis()
        modes.add(snap.incremental.last_mode)
        twin = _fresh(snap)
        _same(doc, twin.analysis())
        probes = _probes(rng, snap, 6)
        want = _whole_answers(monkeypatch, twin, probes)
        # what the server sends: a delta from the last result, applied as a client does
        got = json.loads(ide_requests.semantic_tokens_delta_json(snap, sent["resultId"], ENC).text)
        if "edits" in got:
            deltas += 1
            for e in got["edits"]:
                sent["data"][e["start"] : e["start"] + e["deleteCount"]] = e["data"]
            sent["resultId"] = got["resultId"]
        else:
            sent = got
        assert sent["data"] == want[2]
        assert json.loads(ide_requests.semantic_tokens_full_json(twin, ENC).text)["data"] == want[2]
        sent = json.loads(
            ide_requests.semantic_tokens_full_json(snap, ENC).text
        )  # the twin's was the last sent
        assert _answers(snap, probes) == want
        # symbols and folding ranges as the server sends them (JSON text made function by function)
        assert json.loads(ide_requests.document_symbols_json(snap, ENC).text) == CONVERTER.unstructure(
            want[0]
        )
        assert json.loads(ide_requests.folding_ranges_json(snap).text) == CONVERTER.unstructure(want[1])
        kept.append((doc, snap.data))
    for doc, data in kept:  # later versions did not change earlier ones
        _same(doc, analyse(data, parse(data)))
    assert modes & {"incremental", "full", "analyse"}
    assert deltas == 12


def test_edit_far_from_functions_moves_them_lazily() -> None:
    """After an edit in the first function, the others are `MovedFunc`s until read, and then
    equal what `analyse` reads; functions before the edit are shared with the last version."""
    src = (
        b"(module\n"
        + b"".join(
            b"  (func $f%d (param i32) (local i64)\n    local.get 0\n    drop)\n" % i for i in range(5)
        )
        + b")\n"
    )
    da = DocumentAnalysis()
    da.update(src, parse(src))
    first = da.document(src, parse(src))
    data = src.replace(b"local.get 0", b"local.get  0", 2).replace(b"local.get  0", b"local.get 0", 1)
    doc = da.document(data, parse(data))
    assert da.last_mode == "incremental"
    old, new = first.modules[0].read.module.funcs, doc.modules[0].read.module.funcs  # type: ignore[union-attr]
    assert new[0] is old[0]  # before the edit: the same object
    assert type(new[1]) is Func and new[1] is not old[1]  # the edited function, read again
    moved = [f for f in new[2:] if isinstance(f, relocate.MovedFunc)]
    assert len(moved) == 3 and all(f._origin is not None for f in moved)  # nothing shifted yet
    want = analyse(data).modules[0].read.module.funcs  # type: ignore[union-attr]
    assert moved[0].body == want[2].body  # reading one function shifts that one
    assert moved[0]._origin is None and moved[1]._origin is not None
    assert new == want and want == new  # equality either way round
    _same(doc, analyse(data))


def test_moved_func_behaves_as_a_func() -> None:
    op = lookup("nop")
    assert op is not None
    f = Func(
        3,
        "f",
        Span(10, 40),
        Span(16, 18),
        0,
        [LocalDecl(0, "p", "i32", Span(19, 32), True)],
        (),
        [LocalDecl(1, None, "i64", Span(33, 36), False)],
        [Instr(op, (), 37, 40, 37, 40)],
        exports=["e"],
        body_span=Span(37, 40),
    )
    m = relocate.moved_func(f, 5)
    assert relocate.moved_func(f, 0) is f
    assert (m.span, m.name_span, m.body_span, m.exports) == (Span(15, 45), Span(21, 23), Span(42, 45), ["e"])
    assert [d.span for d in m.all_locals] == [Span(24, 37), Span(38, 41)]
    assert m.body[0].span == Span(42, 45) and f.body[0].span == Span(37, 40)  # the origin is untouched
    twice = relocate.moved_func(relocate.moved_func(f, 5), -5)
    assert twice == f and f == twice
    changed = dataclasses.replace(relocate.moved_func(f, 1), name="g")  # hover does this
    assert changed.name == "g" and changed.body[0].start == 38
    assert not hasattr(m, "no_such_field")


def test_moved_func_without_the_fast_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """The field-by-field paths, taken when the model gains fields, move the same way."""
    src = b'(module (func $f (export "f") (param $p i32) (local i64) (block $b (br $b)) nop))'
    f = analyse(src).modules[0].read.module.funcs[0]  # type: ignore[union-attr]
    fast = relocate.moved_func(f, 7)
    assert fast.body  # shifted now, by the fast path
    monkeypatch.setattr(relocate, "_FAST", False)
    monkeypatch.setattr(relocate, "_INSTR_FAST", False)
    slow = relocate.moved_func(f, 7)
    assert slow == fast and slow.body == fast.body and slow.body[0].start == f.body[0].start + 7


def test_reader_diagnostics_keep_the_readers_order() -> None:
    """A function's token-separation diagnostics sit among the module's reader diagnostics
    where the reader declared it; an edit elsewhere keeps them there."""
    src = b"""(module
  (global $g i32 (i32.const 0))
  (global $g i32 (i32.const 1))
  (func $a (export"a") (param i32) nop)
  (func $b (local $x i32) (local.set $x (i32.const 2)))
  (global $h i32 (i32.const 0))
  (global $h i32 (i32.const 1))
  (func $c (export"c") unreachable)
)
"""
    da = DocumentAnalysis()
    da.update(src, parse(src))
    data = src.replace(b"(i32.const 2)", b"(i32.const 22)")
    doc = da.document(data, parse(data))
    assert da.last_mode == "incremental"
    want = analyse(data)
    read = want.modules[0].read
    assert read is not None
    assert [d.code for d in read.diagnostics] == ["duplicate-name", "syntax", "duplicate-name", "syntax"]
    _same(doc, want)


def test_whole_document_answers_when_functions_share_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """Functions on one line (an edit in one moves the next along its line, not down) and
    names with `%` (the symbols' JSON is a %-template): every version's answers are the
    whole-document computation's."""
    function_cache.clear()
    text = (
        "(module (func $a%1 (param $p%q i32) nop) (func $b (local $x i64)\n    nop\n    ;; one\n    ;; two\n"
        "    (block $l (br $l))) (func $c (result i32) (i32.const 1)))\n"
    )
    snap = open_snapshot("untitled:lines.wat", 1, text)
    edits = [
        ("nop)", "nop nop)"),
        ("(br $l)", "(br $l)\n"),
        ("$a%1", "$a%12"),
        ("(i32.const 1)", "(i32.const 10)"),
    ]
    for version, (old, new) in enumerate(edits, 2):
        at = _position(text, text.index(old))
        end = _position(text, text.index(old) + len(old))
        snap = apply_change(
            snap, types.TextDocumentContentChangePartial(range=types.Range(at, end), text=new), ENC, version
        )
        text = text.replace(old, new, 1)
        twin = _fresh(snap)
        want = _whole_answers(monkeypatch, twin, [])
        assert _answers(snap, []) == want
        assert json.loads(ide_requests.document_symbols_json(snap, ENC).text) == CONVERTER.unstructure(
            want[0]
        )
        assert json.loads(ide_requests.folding_ranges_json(snap).text) == CONVERTER.unstructure(want[1])
    assert "$a%12" in json.dumps(CONVERTER.unstructure(ide_requests.document_symbols(snap, ENC)))


@pytest.mark.parametrize(
    "old,new",
    [
        ([], []),
        ([1, 2, 3], [1, 2, 3]),
        ([1, 2, 3], []),
        ([], [4, 5]),
        ([1, 2, 3], [1, 9, 3]),
        ([1, 2, 3], [1, 2, 3, 4]),
        ([0, 1, 2, 3], [1, 2, 3]),
        (list(range(9000)), [*range(4100), 7, *range(4100, 9000)]),
    ],
)
def test_semantic_tokens_delta_is_one_minimal_edit(old: list[int], new: list[int]) -> None:
    start, deleted, data = semantic_tokens.delta(old, new)
    assert old[:start] + data + old[start + deleted :] == new
    assert deleted >= 0 and len(data) + deleted <= max(2, abs(len(new) - len(old)) + 2)
