"""Fold and unfold figures (`analysis/ide/rewrites/fold.py`): CPU of the first fold at a
cursor in a long function (the validator's counts and the trees, then kept), of the next ones,
of folding and unfolding the whole function, and of 100,000 nested blocks.

    python bench/bench_fold.py [--statements 20000] [--depth 100000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
for p in (str(HERE), str(HERE.parent)):
    if p not in sys.path:
        sys.path.insert(0, p)

from wat_lsp.analysis.document import analyse  # noqa: E402
from wat_lsp.analysis.ide.rewrites import fold  # noqa: E402
from wat_lsp.passes.edits import apply_edits  # noqa: E402


def _cpu(label: str, start: float) -> float:
    now = time.process_time()
    print(f"  {label}: {1000 * (now - start):.0f} ms CPU")
    return now


def long_function(n: int) -> None:
    body = "".join(f"    local.get 0\n    i32.const {k}\n    i32.add\n    local.set 0\n" for k in range(n))
    text = f"(module\n  (func (param i32) (result i32)\n{body}    local.get 0))\n".encode()
    print(f"one function of {n} statements ({len(text) // 1024} KB):")
    t = time.process_time()
    doc = analyse(text)
    t = _cpu("analyse", t)
    mid = text.index(b"i32.add", len(text) // 2)
    assert fold.fold_range(doc, mid, mid)
    t = _cpu("fold at a cursor, first time (counts and trees)", t)
    for k in range(100):
        fold.fold_range(doc, mid + k * 40, mid + k * 40)
    t = _cpu("fold at 100 more cursors", t)
    edits = fold.fold_function(doc, mid)
    t = _cpu("fold the whole function", t)
    folded = apply_edits(text, edits)
    doc2 = analyse(folded)
    t = time.process_time()
    assert fold.unfold_function(doc2, folded.index(b"(local.set"))
    _cpu("unfold the whole function", t)


def nested(depth: int) -> None:
    text = ("(module (func\n" + "block\n" * depth + "nop\n" + "end\n" * depth + "))").encode()
    print(f"{depth} nested blocks:")
    doc = analyse(text)
    t = time.process_time()
    folded = apply_edits(text, fold.fold_function(doc, text.index(b"block")))
    t = _cpu("fold the function", t)
    doc2 = analyse(folded)
    t = time.process_time()
    fold.unfold_function(doc2, folded.index(b"(block"))
    _cpu("unfold the function", t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--statements", type=int, default=20000)
    ap.add_argument("--depth", type=int, default=100000)
    args = ap.parse_args()
    long_function(args.statements)
    nested(args.depth)


if __name__ == "__main__":
    main()
