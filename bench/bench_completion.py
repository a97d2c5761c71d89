"""Latency of `textDocument/completion` on a large document, in the server's own code path.

    python bench/bench_completion.py [PATH] [--edits N]

PATH defaults to ``/tmp/doc.wat`` (``python bench/genwat.py --functions 10000 -o /tmp/doc.wat``).
The document is opened as the server opens it; completion (`server.completion.completion`,
what the worker thread runs) is timed in a function near the middle for: an instruction
prefix (`i32.`), `local.get $` (locals from the text), `call $` (functions: the first such
request pays for `Snapshot.analysis`, later ones reuse it), `(` in a body. Then N times: a
`local.get $` typed into that function (a `didChange` splice and re-parse, as the server does)
and completion right after it, for `$` (locals: text only) and for `call $` (module names:
the new snapshot's analysis, made function by function). Prints the median and p95 in CPU
and wall seconds (the machine may be shared: CPU time is the steadier figure).
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from wat_lsp.server.completion import completion
from wat_lsp.server.documents import Snapshot, apply_change, open_snapshot


def _timed(label: str, fn: Callable[[], Any]) -> Any:
    w, c = time.perf_counter(), time.process_time()
    result = fn()
    count = len(result.items) if hasattr(result, "items") else ""
    print(f"{label:<52} {time.perf_counter() - w:8.4f} s wall {time.process_time() - c:8.4f} s cpu  {count}")
    return result


def _percentile(xs: list[float], q: float) -> float:
    ordered = sorted(xs)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("path", nargs="?", default="/tmp/doc.wat")
    ap.add_argument("--edits", type=int, default=20)
    args = ap.parse_args(argv)
    text = Path(args.path).read_text(encoding="utf-8")
    print(f"{len(text.encode()):,} bytes, {text.count(chr(10)):,} lines")
    snap = _timed("open (parse, line index)", lambda: open_snapshot("file:///doc.wat", 1, text))
    lines = text.splitlines()
    middle = len(lines) // 2
    get = next(i for i in range(middle, len(lines)) if re.search(r"local\.get \$", lines[i]))
    col = lines[get].index("local.get $")
    enc = "utf-16"

    def ask(s: Snapshot, column: int) -> Callable[[], Any]:
        return lambda: completion(s, types.Position(get, column), enc, True)

    _timed("`local.get $` (first request: converter set-up)", ask(snap, col + len("local.get $")))
    _timed("`local.get $` (locals from the text)", ask(snap, col + len("local.get $")))
    typed = _insert(snap, get, col, "i32.")
    _timed("`i32.` at an instruction", ask(typed, col + 4))
    typed = _insert(snap, get, col, "(")
    _timed("`(` in a body", ask(typed, col + 1))
    typed = _insert(snap, get, col, "call $")
    first = _timed("`call $` (first: the snapshot's analysis)", ask(typed, col + 6))
    _timed("`call $` (again)", ask(typed, col + 6))
    print(f"  ({len(first.items)} functions listed, incomplete={first.is_incomplete})")
    # typing: the word without its `$` (untimed), then the `$` keystroke (a new snapshot:
    # splice, re-parse) and the completion it triggers (timed), then the word removed again
    s = typed
    for word in ("local.get $", "call $"):
        cpu: list[float] = []
        wall: list[float] = []
        for _ in range(args.edits):
            s = _insert(s, get, col, word[:-1])
            w, c = time.perf_counter(), time.process_time()
            s = _insert(s, get, col + len(word) - 1, "$")
            completion(s, types.Position(get, col + len(word)), enc, True)
            cpu.append(time.process_time() - c)
            wall.append(time.perf_counter() - w)
            s = _delete(s, get, col, len(word))
        print(
            f"keystroke `$` + completion after `{word[:-1]}` (x{args.edits}): median {_percentile(cpu, 0.5):.4f} s "
            f"cpu (p95 {_percentile(cpu, 0.95):.4f}), median {_percentile(wall, 0.5):.4f} s wall"
        )
    return 0


def _insert(snap: Snapshot, line: int, col: int, text: str) -> Snapshot:
    rng = types.Range(types.Position(line, col), types.Position(line, col))
    return apply_change(
        snap, types.TextDocumentContentChangePartial(range=rng, text=text), "utf-16", snap.version + 1
    )


def _delete(snap: Snapshot, line: int, col: int, n: int) -> Snapshot:
    rng = types.Range(types.Position(line, col), types.Position(line, col + n))
    return apply_change(
        snap, types.TextDocumentContentChangePartial(range=rng, text=""), "utf-16", snap.version + 1
    )


if __name__ == "__main__":
    raise SystemExit(main())
