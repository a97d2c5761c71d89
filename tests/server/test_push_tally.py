"""The push reads a big document's diagnostics only up to the last one it shows: how many have
each code and severity (`DocumentAnalysis.tally`) is kept from version to version, and
`shown_diagnostics` picks the shown ones from it. Random edits (those of the server fuzz test)
of modules with many lint warnings: after each, the tally is a recount and the pick is
`capped(with_severities(...))`, under several limits and severity settings."""

from __future__ import annotations

import io
import random
import sys
from collections import Counter
from pathlib import Path

from lsprotocol import types
from wat_lsp.analysis.diagnostics import Severity, with_severities
from wat_lsp.analysis.incremental import tally
from wat_lsp.server.diagnostics import Overrides, capped, pushed_diagnostics, shown_diagnostics
from wat_lsp.server.documents import Snapshot, apply_change, open_snapshot

from tests.server.test_server_fuzz import Text

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))
import genwat  # noqa: E402

OVERRIDES: list[Overrides] = [
    {},
    {"unused-item": None},
    {"unused-item": Severity.ERROR, "never-read": Severity.HINT},
    {"never-read": Severity.WARNING, "type-mismatch": None},
]
LIMITS = [0, 1, 3, 40, 1000]


def _module(functions: int, seed: int) -> str:
    out = io.StringIO()
    genwat.generate(out, functions=functions, seed=seed, small=True)
    return out.getvalue()


def _check(snap: Snapshot) -> None:
    diags = snap.diagnostics()
    counted = snap.tally(diags)
    assert counted == Counter((d.code, d.severity) for d in diags)
    for overrides in OVERRIDES:
        everything = with_severities(diags, overrides)
        for limit in LIMITS:
            expected = capped(everything, limit) if 0 < limit < len(everything) else everything
            left_out = len(everything) - len(expected)
            assert shown_diagnostics(diags, overrides, limit, counted) == (expected, left_out)


def test_tally_and_pick_after_random_edits() -> None:
    rng = random.Random(20261207)
    kept = 0
    for seed in range(2):
        original = _module(60, seed)
        text = Text(rng, original)
        snap = open_snapshot(f"untitled:tally{seed}.wat", 1, original)
        _check(snap)
        for version in range(2, 90):
            mode = rng.choices(["snippet", "soup", "garbage", "delete", "reset"], [10, 3, 2, 4, 1])[0]
            snap = apply_change(snap, text.edit(mode), "utf-16", version)
            if rng.random() < 0.3:
                continue  # edits between analyses accumulate
            state = snap.incremental._state
            before = state.tally if state is not None else None
            _check(snap)
            state = snap.incremental._state
            kept += (
                before is not None
                and state is not None
                and state.tally is not None
                and (state.diagnostics is snap.diagnostics())
            )
    assert kept > 20  # the tally was carried from version to version, not recounted


def test_a_digit_edit_keeps_the_tally_and_the_push() -> None:
    """An edit inside one function of a module with more warnings than the cap: the tally is
    carried over (not recounted), and the push shows the first 40 with one more item saying
    how many were left out."""
    original = _module(200, 3)
    snap = open_snapshot("untitled:digits.wat", 1, original)
    diags = snap.diagnostics()
    first = snap.tally(diags)
    assert first == tally(diags) and sum(first.values()) > 100
    at = original.index("i32.const ", len(original) // 2) + len("i32.const ")
    digit = original[at]
    assert digit.isdigit()
    line = original.count("\n", 0, at)
    column = at - (original.rfind("\n", 0, at) + 1)
    change = types.TextDocumentContentChangePartial(
        range=types.Range(types.Position(line, column), types.Position(line, column + 1)),
        text=str((int(digit) + 1) % 10),
    )
    snap = apply_change(snap, change, "utf-16", 2)
    diags = snap.diagnostics()
    state = snap.incremental._state
    assert state is not None and state.tally is not None and state.diagnostics is diags
    assert snap.tally(diags) == tally(diags)
    items, _ = pushed_diagnostics(snap, "utf-16", {}, limit=40)
    assert len(items) == 41
    assert f"{len(diags) - 40} more diagnostics not shown" in items[-1]
