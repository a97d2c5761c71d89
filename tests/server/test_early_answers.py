"""Answers before the analysis (decision 48): a request about one function is answered from
the module context and that function's body (`analysis.early`), equal to the answer the whole
analysis gives, and the analysis thread answers it between two functions of an analysis under
way (`Worker`'s interludes), not after it."""

from __future__ import annotations

import io
import re
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from wat_lsp.analysis import early
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.ide import function_cache, references
from wat_lsp.server import completion, documents, ide_requests, navigation_requests, selection, signature_help
from wat_lsp.server.diagnostics import Lane, Worker
from wat_lsp.server.documents import Snapshot, open_snapshot

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))
import genwat  # noqa: E402

ENC = "utf-16"
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


def test_scripts_and_small_texts_wait_for_the_analysis() -> None:
    script = '(module (func)) (assert_invalid (module (func (drop))) "x")\n' * 5000
    snap = open_snapshot("untitled:s.wast", 1, script)
    assert early.early_document(snap.data, snap.tree) is None
    assert snap.early() is snap.analysis()
    small = open_snapshot("untitled:small.wat", 1, "(module (func $f))")
    assert small.early() is small.analysis()


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
