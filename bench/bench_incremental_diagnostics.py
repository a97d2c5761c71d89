"""Edit-to-diagnostics time in the server's own code path, in process.

    python bench/bench_incremental_diagnostics.py [PATH] [--edits 20]

PATH defaults to ``/tmp/doc.wat`` (make it with ``python bench/genwat.py --functions 10000 -o
/tmp/doc.wat``, 13 MB). The document is opened as the server opens it and its diagnostics are
computed once; then ``--edits`` one-character edits (a digit of an ``i32.const`` operand
replaced, in functions from the middle on) are applied one after the other with
``server.documents.apply_change`` (splice, tree edit, incremental re-parse, line index) and the
new snapshot's diagnostics computed (``Snapshot.diagnostics``, i.e.
``analysis.incremental.DocumentAnalysis``). Prints the median, and compares the last result
with `--check`'s ``analyse`` of the same text (a fresh parse).

With ``--syntax-error`` each function visited instead gets a syntax error and loses it: a ``(``
typed before an ``i32.const`` (the edit that breaks the text), then ``nop`` typed after it
one character at a time (edits while the text is broken), then the four characters deleted
(the edit that repairs it); the last function is left broken, so the final comparison is
made on text with a syntax error. Prints median and p95 of each kind.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types
from wat_lsp.analysis.diagnostics import Diagnostic
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.positions import Encoding
from wat_lsp.server.documents import Snapshot, apply_change, open_snapshot


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("path", nargs="?", default="/tmp/doc.wat")
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--syntax-error", action="store_true", help="break and repair functions instead")
    args = ap.parse_args(argv)
    data = Path(args.path).read_bytes()
    snap = open_snapshot("file:///doc.wat", 1, data.decode())
    t0 = time.perf_counter()
    first = snap.diagnostics()
    print(
        f"{len(data):,} bytes; first diagnostics ({len(first)}) in {time.perf_counter() - t0:.2f} s "
        f"({snap.incremental.last_mode})"
    )
    sites = [m.end(1) - 1 for m in re.finditer(rb"i32\.const (\d{1,8})\b", data)]
    sites = sites[len(sites) // 2 :: max(1, len(sites) // (2 * args.edits))][: args.edits]
    if args.syntax_error:
        snap, diags = _break_and_repair(snap, sites)
    else:
        snap, diags = _digit_edits(snap, sites)
    t0 = time.perf_counter()
    full = analyse(snap.data)
    same = [(d.code, d.span, d.message) for d in full.diagnostics] == [
        (d.code, d.span, d.message) for d in diags
    ]
    print(
        f"`--check`'s analyse (fresh parse) of the last version: {time.perf_counter() - t0:.2f} s; "
        f"same diagnostics: {same}"
    )
    return 0 if same else 1


def _change(snap: Snapshot, start: int, end: int, text: str) -> types.TextDocumentContentChangePartial:
    """Bytes [start, end) of ASCII text replaced by `text`, in LSP terms (UTF-16 = bytes)."""
    line = snap.index.line_of(start)
    r = types.Range(
        start=types.Position(line=line, character=start - snap.index.line_start(line)),
        end=types.Position(line=line, character=end - snap.index.line_start(line)),
    )
    return types.TextDocumentContentChangePartial(range=r, text=text)


Timing = tuple[float, float]  # wall, CPU (the CPU time stays meaningful on a busy machine)


def _edit(snap: Snapshot, start: int, end: int, text: str) -> tuple[Snapshot, list[Diagnostic], Timing]:
    """Apply one change and compute the new version's diagnostics, timed as the server does."""
    change = _change(snap, start, end, text)
    encoding: Encoding = "utf-16"
    t0, c0 = time.perf_counter(), time.process_time()
    snap = apply_change(snap, change, encoding, snap.version + 1)
    diags = snap.diagnostics()
    return snap, diags, (time.perf_counter() - t0, time.process_time() - c0)


def _report(label: str, timings: list[Timing]) -> None:
    def ms(xs: list[float]) -> str:
        p95 = statistics.quantiles(xs, n=20)[-1] if len(xs) > 1 else xs[0]
        return f"median {statistics.median(xs) * 1000:.1f} ms, p95 {p95 * 1000:.1f}, max {max(xs) * 1000:.1f}"

    print(
        f"{len(timings)} {label}: edit to diagnostics {ms([w for w, _ in timings])}; "
        f"CPU {ms([c for _, c in timings])}"
    )


def _digit_edits(snap: Snapshot, sites: list[int]) -> tuple[Snapshot, list[Diagnostic]]:
    times: list[Timing] = []
    modes: set[str] = set()
    diags: list[Diagnostic] = []
    for pos in sites:
        snap, diags, took = _edit(snap, pos, pos + 1, str((snap.data[pos] - 48 + 1) % 10))
        times.append(took)
        modes.add(snap.incremental.last_mode)
    _report(f"one-character edits ({', '.join(sorted(modes))})", times)
    return snap, diags


def _break_and_repair(snap: Snapshot, sites: list[int]) -> tuple[Snapshot, list[Diagnostic]]:
    breaking: list[Timing] = []
    broken: list[Timing] = []
    repairing: list[Timing] = []
    diags: list[Diagnostic] = []
    for k, digit in enumerate(sites):
        at = snap.data.rindex(b"i32.const", 0, digit)  # edits so far added nothing: offsets hold
        snap, diags, took = _edit(snap, at, at, "(")
        breaking.append(took)
        assert any(d.code == "syntax" for d in diags), "the `(` made no syntax error"
        for i, ch in enumerate("nop"):
            snap, diags, took = _edit(snap, at + 1 + i, at + 1 + i, ch)
            broken.append(took)
        if k + 1 < len(sites):
            snap, diags, took = _edit(snap, at, at + 4, "")
            repairing.append(took)
    _report("`(` typed in a function (text breaks)", breaking)
    _report("characters typed after it (text still broken)", broken)
    if repairing:
        _report("`(nop` deleted (text repaired)", repairing)
    return snap, diags


if __name__ == "__main__":
    sys.exit(main())
