"""What the lints cost: `analyse` of the generated 13 MB module, and one-character edits
inside a function on the incremental path (`DocumentAnalysis`, as the server runs it), with
the lints on and off in the same process, alternating (a loaded machine slows both alike).

    python bench/bench_lints.py [--size 13MB] [--edits 20] [--repeat 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_parse import ensure_input  # noqa: E402
from wat_lsp.analysis import document, incremental  # noqa: E402
from wat_lsp.analysis.lints import registry  # noqa: E402
from wat_lsp.analysis.lints.registry import CODES  # noqa: E402
from wat_lsp.analysis.syntax import parse  # noqa: E402


@contextmanager
def lints_off() -> Iterator[None]:
    """Every lint made a no-op where `document` and `incremental` call them."""
    saved = (document.func_lints, document.module_lints, incremental.module_candidates)
    document.func_lints = lambda f: []  # type: ignore[assignment]
    document.module_lints = lambda m, d: []  # type: ignore[assignment]
    incremental.module_candidates = lambda m, d: []  # type: ignore[assignment]
    try:
        yield
    finally:
        document.func_lints, document.module_lints, incremental.module_candidates = saved


def edits(data: bytes, n: int) -> list[bytes]:
    """`n` versions, each the last with one more `i32.const` digit changed inside a function body."""
    out: list[bytes] = []
    at = data.find(b"\n  (func ")  # the first function field (type definitions say `(func` too)
    step = max(1, len(data) // (n + 1))
    for k in range(n):
        pos = data.find(b"i32.const ", at + step * (k > 0))
        if pos < 0:
            break
        digit = pos + len(b"i32.const ")
        if not data[digit : digit + 1].isdigit():
            at = pos + 1
            continue
        new = b"7" if data[digit : digit + 1] != b"7" else b"3"
        data = data[:digit] + new + data[digit + 1 :]  # each edit on top of the last
        out.append(data)
        at = pos
    return out


def run(data: bytes, versions: list[bytes]) -> tuple[float, list[float], int]:
    c0 = time.process_time()
    doc = document.analyse(data)
    full = time.process_time() - c0
    da = incremental.DocumentAnalysis()
    tree = parse(data)
    da.update(data, tree)
    times: list[float] = []
    prev, prev_tree = data, tree
    for v in versions:
        # Parsing is the same with or without lints: only the analysis is timed.
        k = next(i for i in range(len(v)) if v[i] != prev[i])
        prev_tree.edit(k, k + 1, k + 1, (0, k), (0, k + 1), (0, k + 1))
        t = parse(v, prev_tree)
        c0 = time.process_time()
        da.update(v, t)
        times.append(time.process_time() - c0)
        if da.last_mode != "incremental":
            print(f"  (an edit at {k} took the {da.last_mode} path)")
        prev, prev_tree = v, t
    return full, times, sum(1 for d in doc.diagnostics if d.code in CODES)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="13MB")
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    data = ensure_input(args.size).read_bytes()
    versions = edits(data, args.edits)
    print(f"{args.size}: {len(data)} bytes, {len(versions)} one-character edits")
    results: dict[str, list[tuple[float, list[float], int]]] = {"on": [], "off": []}
    for _ in range(args.repeat):
        results["on"].append(run(data, versions))
        with lints_off():
            results["off"].append(run(data, versions))
    for mode, rs in results.items():
        full = min(r[0] for r in rs)
        per_edit = [t for r in rs for t in r[1]]
        print(
            f"lints {mode:3}: analyse {full:.2f} CPU s (best of {len(rs)}); edit median "
            f"{statistics.median(per_edit) * 1000:.1f} ms, max {max(per_edit) * 1000:.1f} ms; "
            f"{rs[0][2]} lint diagnostics"
        )
    print(
        "registry:",
        ", ".join(f.__module__.rsplit(".", 1)[-1] for f in registry.FUNC_LINTS + registry.MODULE_LINTS),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
