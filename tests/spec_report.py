"""Prints per-directory counts of the spec suite checks (for closing notes and reviews).

    python -m tests.spec_report [--files]

Columns: modules the suite expects to read (text and quote), those we read cleanly;
`assert_malformed` text/quote modules, those we reject.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

from wat_lsp.analysis.document import MALFORMED_CODES, analyse

from tests.corpus import ROOT, core_files, proposal_files


def counts(path: Path) -> tuple[int, int, int, int]:
    doc = analyse(path.read_bytes())
    ok = ok_clean = mal = mal_hit = 0
    for m in doc.modules:
        if m.kind not in ("text", "quote"):
            continue
        errors = [d for d in m.diagnostics if d.code in MALFORMED_CODES]
        if m.expect == "assert_malformed":
            mal += 1
            mal_hit += bool(errors)
        else:
            ok += 1
            ok_clean += not errors
    return ok, ok_clean, mal, mal_hit


def main() -> None:
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for path in core_files() + proposal_files():
        rel = path.relative_to(ROOT)
        group = str(rel.parent) if rel.parent != Path(".") else "(root)"
        c = counts(path)
        if "--files" in sys.argv:
            print(f"{rel}: read {c[1]}/{c[0]}, malformed rejected {c[3]}/{c[2]}")
        for i, v in enumerate(c):
            groups[group][i] += v
    for group, (ok, clean, mal, hit) in sorted(groups.items()):
        print(f"{group:40} read cleanly {clean:5}/{ok:<5} malformed rejected {hit:4}/{mal}")


if __name__ == "__main__":
    main()
