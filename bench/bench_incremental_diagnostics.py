"""Edit-to-diagnostics time in the server's own code path, in process.

    python bench/bench_incremental_diagnostics.py [PATH] [--edits 20]

PATH defaults to ``/tmp/doc.wat`` (make it with ``python bench/genwat.py --functions 10000 -o
/tmp/doc.wat``, 13 MB). The document is opened as the server opens it and its diagnostics are
computed once; then ``--edits`` one-character edits (a digit of an ``i32.const`` operand
replaced, in functions from the middle on) are applied one after the other with
``server.documents.apply_change`` (splice, tree edit, incremental re-parse, line index) and the
new snapshot's diagnostics computed (``Snapshot.diagnostics``, i.e.
``analysis.incremental.DocumentAnalysis``). Prints the median, and compares the last result
with a full ``analyse`` of the same text.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.positions import Encoding
from wat_lsp.server.documents import apply_change, open_snapshot


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("path", nargs="?", default="/tmp/doc.wat")
    ap.add_argument("--edits", type=int, default=20)
    args = ap.parse_args(argv)
    data = Path(args.path).read_bytes()
    snap = open_snapshot("file:///doc.wat", 1, data.decode())
    t0 = time.perf_counter()
    first = snap.diagnostics()
    print(f"{len(data):,} bytes; first diagnostics ({len(first)}) in {time.perf_counter() - t0:.2f} s "
          f"({snap.incremental.last_mode})")  # fmt: skip
    sites = [m.end(1) - 1 for m in re.finditer(rb"i32\.const (\d{1,8})\b", data)]
    sites = sites[len(sites) // 2 :: max(1, len(sites) // (2 * args.edits))][: args.edits]
    times: list[float] = []
    modes: set[str] = set()
    encoding: Encoding = "utf-16"
    for k, pos in enumerate(sites):
        line = data.count(b"\n", 0, pos)
        col = pos - (data.rfind(b"\n", 0, pos) + 1)  # ASCII text: bytes = UTF-16 units
        r = types.Range(start=types.Position(line=line, character=col),
                        end=types.Position(line=line, character=col + 1))  # fmt: skip
        change = types.TextDocumentContentChangePartial(range=r, text=str((snap.data[pos] - 48 + 1) % 10))
        t0 = time.perf_counter()
        snap = apply_change(snap, change, encoding, k + 2)
        diags = snap.diagnostics()
        times.append(time.perf_counter() - t0)
        modes.add(snap.incremental.last_mode)
    print(f"{len(times)} one-character edits ({', '.join(sorted(modes))}): edit to diagnostics "
          f"median {statistics.median(times) * 1000:.1f} ms, min {min(times) * 1000:.1f}, "
          f"max {max(times) * 1000:.1f}")  # fmt: skip
    t0 = time.perf_counter()
    full = analyse(snap.data, snap.tree)
    same = [(d.code, d.span, d.message) for d in full.diagnostics] == [(d.code, d.span, d.message) for d in diags]
    print(f"full analyse of the last version: {time.perf_counter() - t0:.2f} s; same diagnostics: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
