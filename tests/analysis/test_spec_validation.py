"""Validation acceptance on the spec test suite (root, legacy/, custom/): every module the
suite expects to be valid validates with no diagnostic, and every `assert_invalid` text module
gets at least one validation error, or a `CoreOnly` note: valid with every feature on, invalid
under WebAssembly 3.0, which the core scripts are written for (issue 13, item 5).

Modules the reader could not read cleanly (text-level errors) are the syntax stage's business
and are skipped for the "valid" count; `module quote` forms count through the document's
diagnostics, `module binary` forms are not decoded and not counted. Counts per file are written to `.pytest_cache/spec_validation.txt`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from wat_lsp.analysis.document import MALFORMED_CODES, analyse
from wat_lsp.analysis.validate import validation

from tests.corpus import case_id, core_files, proposal_files

# Files that fail because of another stage, with the reason; strict, so a fix is noticed.
KNOWN: dict[str, str] = {}

REPORT: dict[str, tuple[int, int, int, int]] = {}


def _check(path: Path) -> tuple[list[str], tuple[int, int, int, int]]:
    data = path.read_bytes()
    doc = analyse(data)
    problems: list[str] = []
    valid = valid_ok = invalid = invalid_hit = 0
    for m in doc.modules:
        if m.expect == "assert_malformed" or m.kind not in ("text", "quote"):
            continue
        if m.expect is not None and m.expect.endswith("_custom"):
            continue  # judged on a custom section only; need not be valid
        line = data[: m.span.start].count(b"\n") + 1
        if m.read is not None:
            checked = validation(m.read.module, m.read.broken)
            diags, core_only = checked.diagnostics, checked.core_only
        else:  # a quoted module: the document validated it (ranges map to its strings)
            diags = [d for d in m.diagnostics if d.code not in MALFORMED_CODES]
            core_only = m.core_only
        if m.expect == "assert_invalid":
            invalid += 1
            if diags or core_only:
                invalid_hit += 1
            else:
                problems.append(f"line {line}: invalid module validates without error")
            continue
        if any(d.code in MALFORMED_CODES for d in m.diagnostics):
            continue
        valid += 1
        if diags:
            d = diags[0]
            at = data[: d.span.start].count(b"\n") + 1
            problems.append(f"line {line}: valid module: {d.code} at line {at}: {d.message}")
        else:
            valid_ok += 1
    return problems, (valid, valid_ok, invalid, invalid_hit)


def _params() -> list[object]:
    out: list[object] = []
    for path in core_files():
        cid = case_id(path)
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN[cid])] if cid in KNOWN else []
        out.append(pytest.param(path, id=cid, marks=marks))
    return out


@pytest.mark.parametrize("path", _params())
def test_core_file(path: Path) -> None:
    problems, counts = _check(path)
    REPORT[case_id(path)] = counts
    _write_report()
    assert not problems, "\n".join(problems[:20])


def _write_report() -> None:
    lines = [f"{k}: valid {v[1]}/{v[0]} invalid {v[3]}/{v[2]}" for k, v in sorted(REPORT.items())]
    total = [sum(v[i] for v in REPORT.values()) for i in range(4)]
    lines.append(f"TOTAL: valid {total[1]}/{total[0]} invalid {total[3]}/{total[2]}")
    Path(".pytest_cache").mkdir(exist_ok=True)
    Path(".pytest_cache/spec_validation.txt").write_text("\n".join(lines) + "\n")


def test_proposals_do_not_crash() -> None:
    """Stretch: proposals/ (custom descriptors, custom page sizes, threads, wide arithmetic)
    are counted, not required; validation must not raise on any of them."""
    lines = []
    for path in proposal_files():
        _, counts = _check(path)
        lines.append(f"{case_id(path)}: valid {counts[1]}/{counts[0]} invalid {counts[3]}/{counts[2]}")
    Path(".pytest_cache").mkdir(exist_ok=True)
    Path(".pytest_cache/spec_validation_proposals.txt").write_text("\n".join(lines) + "\n")
