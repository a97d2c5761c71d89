"""Latency of the navigation requests on a large document, in the server's own code path.

    python bench/bench_navigation.py [PATH]

PATH defaults to ``/tmp/doc.wat`` (``python bench/genwat.py --size 13MB -o /tmp/doc.wat``).
The document is opened as the server opens it; then each request's work (`server.features`,
what the worker thread runs) is timed, in the order an editor sends them after opening a file:
the first request pays for the analysis (`Snapshot.analysis`), later ones reuse it; requests
about a module-level item pay once for the document's occurrence index. Prints wall and CPU
seconds per request (the machine may be shared: CPU time is the steadier figure).
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from wat_lsp.server import features
from wat_lsp.server.documents import open_snapshot


def _timed(label: str, fn: Callable[[], Any]) -> Any:
    w, c = time.perf_counter(), time.process_time()
    result = fn()
    print(f"{label:<44} {time.perf_counter() - w:7.3f} s wall {time.process_time() - c:7.3f} s cpu")
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("path", nargs="?", default="/tmp/doc.wat")
    args = ap.parse_args(argv)
    text = Path(args.path).read_text(encoding="utf-8")
    print(f"{len(text.encode()):,} bytes, {text.count(chr(10)):,} lines")
    snap = _timed("open (parse, line index)", lambda: open_snapshot("file:///doc.wat", 1, text))
    lines = text.splitlines()
    middle = len(lines) // 2
    # a `local.get $x` and a `call $f` near the middle of the document
    get = next(i for i in range(middle, len(lines)) if re.search(r"local\.get \$", lines[i]))
    call = next(i for i in range(middle, len(lines)) if re.search(r"\bcall \$", lines[i]))
    at_get = types.Position(get, lines[get].index("local.get $") + len("local.get $"))
    at_call = types.Position(call, re.search(r"\bcall \$", lines[call]).end())  # type: ignore[union-attr]
    at_op = types.Position(get, lines[get].index("local.get") + 1)
    screen = types.Range(types.Position(middle, 0), types.Position(middle + 60, 0))
    enc = "utf-16"
    _timed("hover on a local (first request: analysis)", lambda: features.hover(snap, at_get, enc))
    _timed("hover on a local (again)", lambda: features.hover(snap, at_get, enc))
    _timed("hover on an instruction", lambda: features.hover(snap, at_op, enc))
    _timed("definition of a local", lambda: features.definition(snap, at_get, enc))
    _timed("highlight of a local", lambda: features.document_highlight(snap, at_get, enc))
    _timed("semantic tokens, range (60 lines)", lambda: features.semantic_tokens_range(snap, screen, enc))
    _timed("inlay hints (60 lines)", lambda: features.inlay_hints_(snap, screen, enc))
    refs = _timed("references of a function (first: index)", lambda: features.references_(snap, at_call, True, enc))
    _timed("references of a function (again)", lambda: features.references_(snap, at_call, True, enc))
    full = _timed("semantic tokens, full", lambda: features.semantic_tokens_full(snap, enc))
    folds = _timed("folding ranges", lambda: features.folding_ranges(snap))
    _timed("document symbols", lambda: features.document_symbols(snap, enc))
    print(f"{len(refs)} references, {len(full.data) // 5:,} semantic tokens, {len(folds):,} folding ranges")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
