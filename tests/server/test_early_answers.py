"""Answers before the analysis (decision 48): a request about one function is answered from
the module context and that function's body (`analysis.early`), equal to the answer the whole
analysis gives, and the analysis thread answers it between two functions of an analysis under
way (`Worker`'s interludes), not after it."""

from __future__ import annotations

import io
import json
import re
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from wat_lsp.analysis import cancel, early
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.ide import function_cache, references, semantic_tokens
from wat_lsp.analysis.positions import Encoding, LineIndex
from wat_lsp.server import completion, documents, ide_requests, navigation_requests, selection, signature_help
from wat_lsp.server.diagnostics import Lane, Worker
from wat_lsp.server.documents import Snapshot, open_snapshot

from tests.server.stdio_client import CONVERTER
from tests.server.test_server_robustness import Raw

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))
import genwat  # noqa: E402

ENC: Encoding = "utf-16"
URI = "untitled:big.wat"


def _generated(size: int, seed: int = 3) -> str:
    out = io.StringIO()
    genwat.generate(out, size=size, seed=seed)
    return out.getvalue()


@pytest.fixture(scope="module")
def text() -> str:
    return _generated(400_000)


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    function_cache.clear()
    references.clear()
    yield
    function_cache.clear()
    references.clear()


def _position(text: str, offset: int) -> types.Position:
    return types.Position(text.count("\n", 0, offset), offset - (text.rfind("\n", 0, offset) + 1))


def _early_snapshot(text: str) -> Snapshot:
    snap = open_snapshot(URI, 1, text)
    assert len(snap.data) > documents.EARLY_BYTES
    return snap


def _analysed_snapshot(text: str) -> Snapshot:
    snap = open_snapshot(URI, 1, text)
    snap.analysis()
    return snap


def test_the_early_model_is_the_analysis_model(text: str) -> None:
    data = text.encode()
    snap = _early_snapshot(text)
    doc = early.early_document(data, snap.tree)
    assert doc is not None and doc.diagnostics == []
    full = analyse(data, snap.tree)
    assert early.bodies_read(doc) == 0
    mine, theirs = doc.modules[0].read, full.modules[0].read
    assert mine is not None and theirs is not None
    assert mine.module == theirs.module  # every body read on the way
    assert early.bodies_read(doc) == len([f for f in theirs.module.funcs if f.import_ is None])
    assert mine.broken == theirs.broken


def test_scripts_and_small_texts_wait_for_the_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    script = '(module (func)) (assert_invalid (module (func (drop))) "x")\n' * 50
    with monkeypatch.context() as m:
        m.setattr(documents, "EARLY_BYTES", 0)
        snap = open_snapshot("untitled:s.wast", 1, script)
        assert early.early_document(snap.data, snap.tree) is None
        assert snap.early() is snap.analysis()
    small = open_snapshot("untitled:small.wat", 1, "(module (func $f))")
    assert small.early() is small.analysis()


def test_an_edit_of_an_analysed_text_is_analysed_again(text: str) -> None:
    """After the first analysis, an edit costs the functions it touched: `early()` is then the
    analysis, not a second early document."""
    snap = _early_snapshot(text)
    snap.diagnostics()
    at = text.index("local.get $", len(text) // 2)
    change = types.TextDocumentContentChangePartial(
        range=types.Range(_position(text, at), _position(text, at)), text=" "
    )
    edited = documents.apply_change(snap, change, ENC, 2)
    assert not edited.analysed
    assert edited.early() is edited.analysis()
    assert snap.incremental.last_mode == "incremental"


def _sites(text: str, funcs: int = 3) -> list[list[int]]:
    """Token starts: in the module's first fields (types, imports, globals...) up to the
    first function, then in each of `funcs` functions spread over the text."""
    starts = [m.start() for m in re.finditer(r"\(func ", text)]
    out = [[m.start() for m in re.finditer(r"[^\s()]+", text[: starts[0]])]]
    for k in range(funcs):
        s = starts[(k * 7 + 1) * len(starts) // (7 * funcs + 1)]
        e = text.index("\n  (", s + 1)
        out.append([s + m.start() for m in re.finditer(r"[^\s()]+|\(", text[s:e])])
    return out


def _answers(snap: Snapshot, text: str, sites: list[list[int]]) -> list[Any]:
    out: list[Any] = []
    for offsets in sites:
        for o in offsets:
            at = _position(text, o)
            out.append(ide_requests.hover(snap, at, ENC))
            out.append(ide_requests.definition(snap, at, ENC))
            out.append(navigation_requests.type_definition(snap, at, ENC))
            out.append(navigation_requests.declaration(snap, at, ENC))
            out.append(signature_help.signature_help(snap, at, ENC))
            out.append(selection.selection_ranges(snap, [at], ENC))
        for o in offsets[::25]:
            out.append(completion.completion(snap, _position(text, o), ENC, True))
        rng = types.Range(_position(text, offsets[0]), _position(text, offsets[-1]))
        out.append(ide_requests.inlay_hints_(snap, rng, ENC))
        out.append(ide_requests.semantic_tokens_range(snap, rng, ENC))
    return out


def test_answers_about_one_function_need_only_its_body(text: str) -> None:
    sites = _sites(text)
    before = _early_snapshot(text)
    mine = _answers(before, text, sites)
    assert not before.analysed  # answered without the analysis
    doc = before.early()
    read = early.bodies_read(doc)
    assert 1 <= read <= 12, read  # the functions asked about (and those their calls name)
    function_cache.clear()
    references.clear()
    theirs = _answers(_analysed_snapshot(text), text, sites)
    assert len(mine) == len(theirs)
    assert sum(a not in (None, []) for a in mine) > len(mine) // 4  # (most are about something)
    for k, (a, b) in enumerate(zip(mine, theirs, strict=True)):
        assert a == b, (k, a, b)


def test_a_hover_is_answered_during_the_analysis(text: str) -> None:
    """The analysis thread runs an interactive job that can use the early document at the
    analysis' first interlude (its first function), so the hover is answered before the
    analysis ends; one that needs the analysis waits for it."""
    snap = _early_snapshot(text)
    at = _position(text, text.index("local.get $", len(text) // 2) + len("local.get $"))
    worker = Worker()
    order: list[str] = []
    go = threading.Event()

    def analysis() -> None:
        go.wait(10)
        snap.diagnostics()
        order.append("diagnostics")

    def hover() -> types.Hover | None:
        order.append("hover" if not snap.analysed else "hover after the analysis")
        return ide_requests.hover(snap, at, ENC)

    def late() -> None:
        order.append("late")

    analysed = worker.submit(analysis, lane=Lane.DIAGNOSTICS)
    answer = worker.submit(hover, lane=Lane.INTERACTIVE, early=snap.early_ready)
    needs = worker.submit(late, lane=Lane.INTERACTIVE, early=lambda: False)
    go.set()
    found = answer.result(60)
    analysed.result(60)
    needs.result(60)
    assert order == ["hover", "diagnostics", "late"]
    assert worker.early_runs == 1
    function_cache.clear()
    references.clear()
    assert found is not None and found == ide_requests.hover(_analysed_snapshot(text), at, ENC)


# --- over stdio ----------------------------------------------------------------------------

CAPABILITIES = {
    "workspace": {"semanticTokens": {"refreshSupport": True}},
    "textDocument": {
        "diagnostic": {},
        "hover": {"contentFormat": ["markdown"]},
        "semanticTokens": {
            "requests": {"full": {"delta": True}, "range": True},
            "tokenTypes": [],
            "tokenModifiers": [],
            "formats": ["relative"],
        },
    },
}


def _initialize(raw: Raw) -> None:
    raw.send("initialize", {"processId": None, "rootUri": None, "capabilities": CAPABILITIES}, id="init")
    assert "capabilities" in raw.answer("init")["result"]
    raw.send("initialized", {})


def _responses(raw: Raw, ids: set[Any], timeout: float = 120) -> list[dict[str, Any]]:
    """The responses to `ids` in the order they came; the server's requests are answered."""
    out: list[dict[str, Any]] = []
    while len(out) < len(ids):
        message = raw.next(timeout)
        if "method" in message and "id" in message:
            raw.seen.append(message)
            raw.send_bytes(json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": None}).encode())
        elif message.get("id") in ids:
            out.append(message)
        else:
            raw.seen.append(message)
    return out


def _lsp(value: Any) -> Any:
    return json.loads(json.dumps(CONVERTER.unstructure(value)))


def test_hover_and_definition_over_stdio_before_the_diagnostics(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sent with the diagnostic pull right after opening, they are answered first (at the
    analysis' first interlude: `WAT_LSP_TEST_EARLY_JOBS` makes it wait for both, so the
    order does not depend on timing), and as the analysed document answers them."""
    monkeypatch.setenv("WAT_LSP_TEST_EARLY_JOBS", "2")
    offset = text.index("call $", len(text) // 2) + len("call $")
    at = _position(text, offset)
    doc = {"uri": URI}
    with Raw() as raw:
        _initialize(raw)
        raw.send(
            "textDocument/didOpen", {"textDocument": {**doc, "languageId": "wat", "version": 1, "text": text}}
        )
        raw.send("textDocument/diagnostic", {"textDocument": doc}, id="pull")
        position = {"line": at.line, "character": at.character}
        raw.send("textDocument/hover", {"textDocument": doc, "position": position}, id="hover")
        raw.send("textDocument/definition", {"textDocument": doc, "position": position}, id="definition")
        answers = _responses(raw, {"pull", "hover", "definition"})
    assert [a["id"] for a in answers][-1] == "pull"
    by_id = {a["id"]: a["result"] for a in answers}
    full = _analysed_snapshot(text)
    assert by_id["hover"] == _lsp(ide_requests.hover(full, at, ENC))
    assert by_id["definition"] == _lsp(ide_requests.definition(full, at, ENC))
    assert by_id["hover"] is not None and by_id["definition"] is not None
    assert len(by_id["pull"]["items"]) == len(full.analysis().diagnostics)


def test_first_full_tokens_a_prefix_then_a_refresh_then_the_whole() -> None:
    """A big document's first full tokens: its start at once, `workspace/semanticTokens/refresh`
    once the whole is made, then the whole (equal to the tokens of the analysed text) and a
    delta from the start that makes it."""
    text = _generated(ide_requests.PARTIAL_TOKENS_BYTES + 100_000, seed=5)
    data = text.encode()
    expected = semantic_tokens.tokens(analyse(data), LineIndex(data), ENC)
    doc = {"textDocument": {"uri": URI}}
    with Raw() as raw:
        _initialize(raw)
        raw.send(
            "textDocument/didOpen",
            {"textDocument": {"uri": URI, "languageId": "wat", "version": 1, "text": text}},
        )
        raw.send("textDocument/semanticTokens/full", doc, id="start")
        (start,) = _responses(raw, {"start"})
        deadline = time.monotonic() + 120
        while not any(m.get("method") == "workspace/semanticTokens/refresh" for m in raw.seen):
            message = raw.next(max(0.1, deadline - time.monotonic()))
            raw.seen.append(message)
            if "method" in message and "id" in message:
                raw.send_bytes(json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": None}).encode())
        previous = start["result"]["resultId"]
        raw.send("textDocument/semanticTokens/full/delta", {**doc, "previousResultId": previous}, id="delta")
        raw.send("textDocument/semanticTokens/full", doc, id="whole")
        answers = {a["id"]: a["result"] for a in _responses(raw, {"delta", "whole"})}
    first = start["result"]["data"]
    assert 0 < len(first) < len(expected) and first == expected[: len(first)]
    assert answers["whole"]["data"] == expected
    (edit,) = answers["delta"]["edits"]
    assert (
        first[: edit["start"]] + edit.get("data", []) + first[edit["start"] + edit["deleteCount"] :]
        == expected
    )


def test_background_work_gives_way_to_whole_document_requests() -> None:
    """A background job (the whole tokens) stops at its next check when a whole-document
    request is queued; the request runs, then the job may be queued again."""
    worker = Worker()
    started, order = threading.Event(), []

    def background() -> None:
        with cancel.active(cancel.Token(worker.whole_waiting)):
            started.set()
            while True:
                cancel.check()
                time.sleep(0.001)

    def whole() -> str:
        order.append("whole")
        return "answered"

    gave_way = worker.submit(background, lane=Lane.BACKGROUND)
    assert started.wait(10)
    asked = worker.submit(whole, lane=Lane.WHOLE)
    with pytest.raises(cancel.Cancelled):
        gave_way.result(10)
    assert asked.result(10) == "answered" and order == ["whole"]


def test_folding_and_symbols_over_stdio_before_the_diagnostics(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Folding reads the tree and where functions start, symbols the module context and
    locals: before the first analysis they are answered from the early document at the
    analysis' first interlude (not after the analysis, as whole-document requests are),
    reading no body, as the analysed document answers them; after the analysis, as
    whole-document requests."""
    monkeypatch.setenv("WAT_LSP_TEST_EARLY_JOBS", "2")
    doc = {"uri": URI}
    with Raw() as raw:
        _initialize(raw)
        raw.send(
            "textDocument/didOpen", {"textDocument": {**doc, "languageId": "wat", "version": 1, "text": text}}
        )
        raw.send("textDocument/diagnostic", {"textDocument": doc}, id="pull")
        raw.send("textDocument/foldingRange", {"textDocument": doc}, id="folds")
        raw.send("textDocument/documentSymbol", {"textDocument": doc}, id="symbols")
        answers = _responses(raw, {"pull", "folds", "symbols"})
        raw.send("textDocument/foldingRange", {"textDocument": doc}, id="folds again")
        raw.send("textDocument/documentSymbol", {"textDocument": doc}, id="symbols again")
        again = _responses(raw, {"folds again", "symbols again"})
    assert [a["id"] for a in answers][-1] == "pull"
    by_id = {a["id"]: a["result"] for a in answers + again}
    function_cache.clear()
    full = _analysed_snapshot(text)
    folds = json.loads(ide_requests.folding_ranges_json(full).text)
    symbols = json.loads(ide_requests.document_symbols_json(full, ENC).text)
    assert by_id["folds"] == by_id["folds again"] == folds
    assert by_id["symbols"] == by_id["symbols again"] == symbols
    assert len(folds) > 100 and len(symbols) > 100
    assert sum(len(s.get("children", [])) for s in symbols) > 100  # (with their locals)


def test_folding_and_symbols_read_the_early_document_only(text: str) -> None:
    snap = _early_snapshot(text)
    folds = ide_requests.folding_ranges_json(snap)
    symbols = ide_requests.document_symbols_json(snap, ENC)
    objects = ide_requests.document_symbols(snap, ENC)
    assert not snap.analysed
    assert early.bodies_read(snap.early()) == 0
    function_cache.clear()
    full = _analysed_snapshot(text)
    assert folds == ide_requests.folding_ranges_json(full)
    assert symbols == ide_requests.document_symbols_json(full, ENC)
    assert objects == ide_requests.document_symbols(full, ENC)


def test_locals_read_without_the_body() -> None:
    """An early function's locals alone, as the whole read makes them (a `local` after an
    instruction, which the grammar does not take as one, included)."""
    text = (
        b"(module (func $f (param $p i32) (local $a i32) (local i64 f32) (local $b (ref null func))"
        b" (local.set $a (i32.const 1)) (local $late f64)) (func $g nop))"
    )
    snap_tree = documents.open_snapshot(URI, 1, text.decode()).tree
    doc = early.early_document(text, snap_tree)
    full = analyse(text)
    assert doc is not None and doc.modules[0].read is not None and full.modules[0].read is not None
    mine = [f.locals for f in doc.modules[0].read.module.funcs]
    assert early.bodies_read(doc) == 0
    theirs = [f.locals for f in full.modules[0].read.module.funcs]
    assert mine == theirs
    assert [d.name for d in mine[0]] == ["a", None, None, "b"]
    assert [f.body for f in doc.modules[0].read.module.funcs] == [
        f.body for f in full.modules[0].read.module.funcs
    ]
    assert early.bodies_read(doc) == 2
