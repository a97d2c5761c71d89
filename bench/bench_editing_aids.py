"""Latency of signature help, selection ranges and workspace symbols on a large document, in
the server's own code path.

    python bench/bench_editing_aids.py [PATH] [--edits N]

PATH defaults to ``/tmp/doc.wat`` (``python bench/genwat.py --functions 10000 -o /tmp/doc.wat``).
Signature help is asked inside a `(call $f ...)` near the middle (the first request pays for
`Snapshot.analysis`), then N times after a space typed there (a `didChange` splice and re-parse,
as the server does: the new snapshot's analysis is made function by function); selection
ranges at the same place; workspace symbols for a query, over the one open document. Prints
medians in CPU and wall seconds (the machine may be shared: CPU time is the steadier figure).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from wat_lsp.server.documents import Snapshot, apply_change, open_snapshot
from wat_lsp.server.selection import selection_ranges
from wat_lsp.server.signature_help import signature_help
from wat_lsp.server.workspace_symbols import symbols


def _timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    w, c = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - w, time.process_time() - c


def _show(label: str, wall: float, cpu: float, note: object = "") -> None:
    print(f"{label:<58} {wall:8.4f} s wall {cpu:8.4f} s cpu  {note}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("path", nargs="?", default="/tmp/doc.wat")
    ap.add_argument("--edits", type=int, default=10)
    args = ap.parse_args(argv)
    text = Path(args.path).read_text(encoding="utf-8")
    print(f"{len(text.encode()):,} bytes, {text.count(chr(10)):,} lines")
    snap: Snapshot = open_snapshot("file:///doc.wat", 1, text)
    at = text.index("(call $", len(text) // 2)
    at = text.index(" ", at + len("(call $")) + 1  # after the callee's name
    line = text.count("\n", 0, at)
    pos = types.Position(line, at - (text.rfind("\n", 0, at) + 1))
    found, wall, cpu = _timed(lambda: signature_help(snap, pos, "utf-16"))
    _show(
        "signature help (first: the snapshot's analysis)",
        wall,
        cpu,
        found.signatures[0].label if found else None,
    )
    found, wall, cpu = _timed(lambda: signature_help(snap, pos, "utf-16"))
    _show("signature help (again)", wall, cpu)
    _, wall, cpu = _timed(lambda: selection_ranges(snap, [pos], "utf-16"))
    _show("selection ranges", wall, cpu)
    found, wall, cpu = _timed(lambda: symbols([snap], "dispatch_50", "utf-16"))
    _show("workspace symbols `dispatch_50`", wall, cpu, f"{len(found)} symbols")
    walls, cpus = [], []
    for _ in range(args.edits):
        rng = types.Range(pos, pos)
        snap = apply_change(
            snap, types.TextDocumentContentChangePartial(range=rng, text=" "), "utf-16", snap.version + 1
        )
        found, wall, cpu = _timed(lambda s=snap: signature_help(s, pos, "utf-16"))  # type: ignore[misc]
        assert found is not None
        walls.append(wall)
        cpus.append(cpu)
    _show(
        f"space typed, then signature help (median of {args.edits})",
        statistics.median(walls),
        statistics.median(cpus),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
