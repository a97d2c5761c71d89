"""The refactor menu's listing cost, with and without choosing the passes that may change
something (decision 39), in process, in the server's code path.

    python bench/bench_pass_listing.py [PATH] [--cursors 20]

PATH defaults to ``/tmp/doc.wat`` (``python bench/genwat.py --functions 10000 -o /tmp/doc.wat``,
13 MB). The document is opened and its diagnostics computed, then one character is edited (the
new version is not analysed: a listing must not analyse it), and code actions for `refactor`
are listed lazily at cursors in functions spread over the text: on that version, then once
`Snapshot.analysis()` is made. "All" lists every pass as before (the choice switched off).
Prints the median and max milliseconds and the entries listed per cursor.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from lsprotocol import types
from wat_lsp.server import code_actions
from wat_lsp.server.documents import Snapshot, apply_change, open_snapshot


def _listing(snap: Snapshot, cursors: list[int]) -> tuple[list[float], list[int]]:
    times, counts = [], []
    for at in cursors:
        req = code_actions.Request(snap, at, at, ["refactor"], "utf-16", True, {})
        t = time.process_time()
        actions = code_actions.list_actions(req)
        times.append((time.process_time() - t) * 1000)
        counts.append(len(actions))
    return times, counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("path", nargs="?", default="/tmp/doc.wat")
    ap.add_argument("--cursors", type=int, default=20)
    args = ap.parse_args(argv)
    text = Path(args.path).read_text(encoding="utf-8")
    snap = open_snapshot("untitled:doc.wat", 1, text)
    snap.diagnostics()
    digit = text.index("(i32.const ", len(text) // 2) + len("(i32.const ")
    line = text.count("\n", 0, digit)
    column = digit - (text.rfind("\n", 0, digit) + 1)
    change = types.TextDocumentContentChangePartial(
        range=types.Range(types.Position(line, column), types.Position(line, column + 1)), text="7"
    )
    snap = apply_change(snap, change, "utf-16", 2)
    snap.diagnostics()
    step = len(text) // (args.cursors + 1)
    cursors = [text.index("(local.", text.index("(func ", step * (k + 1))) for k in range(args.cursors)]
    every = code_actions._Applicable
    for state in ("not analysed", "analysed"):
        if state == "analysed":
            snap.analysis()
        for choice in ("chosen", "all"):

            class _All(every):  # type: ignore[misc,valid-type]
                def in_function(self, name: str) -> bool:
                    return True

                def in_module(self, name: str) -> bool:
                    return True

            code_actions._Applicable = every if choice == "chosen" else _All  # type: ignore[misc]
            times, counts = _listing(snap, cursors)
            print(
                f"{state:13} {choice:7} median {statistics.median(times):6.2f} ms  max {max(times):6.2f} ms"
                f"  entries median {statistics.median(counts)} (min {min(counts)}, max {max(counts)})"
            )
    code_actions._Applicable = every  # type: ignore[misc]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
