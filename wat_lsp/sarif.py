"""SARIF 2.1.0 for `check --output-format sarif`: one run, every registered code as a rule.

Code-scanning services (GitHub's among them) read this format. Rules come from the registry
(`analysis/diagnostics.CODES`), so a new code is a new rule with no edit here; each rule's help
links to its section of `docs/diagnostics.md` (a file URI: decision 34). Columns count Unicode
code points, as the text output does (`columnKind`), 1-based; lines are 1-based.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wat_lsp.analysis.diagnostics import CODES, Diagnostic, Severity
from wat_lsp.analysis.positions import LineIndex

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning",
          Severity.INFORMATION: "note", Severity.HINT: "note"}  # fmt: skip
RULE_INDEX = {code: i for i, code in enumerate(CODES)}


def diagnostics_doc() -> Path | None:
    """The diagnostics reference: the copy installed in the package (setup.py puts it there),
    or the repository's `docs/diagnostics.md` in a checkout or an editable install."""
    here = Path(__file__).resolve().parent
    for found in (here / "diagnostics.md", here.parent / "docs" / "diagnostics.md"):
        if found.is_file():
            return found
    return None


def help_uri(code: str, doc: Path | None) -> str | None:
    # The docs' anchors are GitHub's heading slugs: "### `unknown-name`" -> #unknown-name.
    return f"{doc.as_uri()}#{code}" if doc is not None else None


def rules(doc: Path | None) -> list[dict[str, Any]]:
    out = []
    for code, (severity, summary) in CODES.items():
        rule: dict[str, Any] = {
            "id": code,
            "shortDescription": {"text": summary},
            "help": {"text": f"{summary}. Documented with examples in docs/diagnostics.md#{code}."},
            "defaultConfiguration": {"level": LEVELS[severity]},
        }
        uri = help_uri(code, doc)
        if uri is not None:
            rule["helpUri"] = uri
        out.append(rule)
    return out


def _region(index: LineIndex, start: int, end: int) -> dict[str, int]:
    sl, sc = index.position(start, "utf-32")
    el, ec = index.position(end, "utf-32")
    return {"startLine": sl + 1, "startColumn": sc + 1, "endLine": el + 1, "endColumn": ec + 1}


def _location(uri: str, region: dict[str, int]) -> dict[str, Any]:
    return {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": region}}


def result(d: Diagnostic, index: LineIndex, uri: str) -> dict[str, Any]:
    """One diagnostic as a SARIF `result`; `level` is its severity after `--severity`."""
    out: dict[str, Any] = {
        "ruleId": d.code,
        "level": LEVELS[d.severity],
        "message": {"text": d.message},
        "locations": [_location(uri, _region(index, d.span.start, d.span.end))],
    }
    if d.code in RULE_INDEX:
        out["ruleIndex"] = RULE_INDEX[d.code]
    if d.related:
        out["relatedLocations"] = [
            {
                "id": i,
                **_location(uri, _region(index, r.span.start, r.span.end)),
                "message": {"text": r.message},
            }
            for i, r in enumerate(d.related)
        ]
    return out


def log(results: list[dict[str, Any]], version: str, successful: bool) -> dict[str, Any]:
    """The whole log: `successful` is false when some input could not be checked (exit 2)."""
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {"name": "wat-lsp", "version": version, "rules": rules(diagnostics_doc())}
                },
                "columnKind": "unicodeCodePoints",
                "invocations": [{"executionSuccessful": successful}],
                "results": results,
            }
        ],
    }
