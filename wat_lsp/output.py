"""How the CLI shows diagnostics: the text format for people, LSP-shaped JSON for machines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wat_lsp.analysis.diagnostics import Diagnostic, Severity
from wat_lsp.analysis.positions import Encoding, LineIndex, decode

SEVERITY_WORDS = {Severity.ERROR: "error", Severity.WARNING: "warning",
                  Severity.INFORMATION: "info", Severity.HINT: "hint"}  # fmt: skip


def lsp_range(index: LineIndex, start: int, end: int, encoding: Encoding = "utf-16") -> dict[str, Any]:
    sl, sc = index.position(start, encoding)
    el, ec = index.position(end, encoding)
    return {"start": {"line": sl, "character": sc}, "end": {"line": el, "character": ec}}


def lsp_diagnostic(
    d: Diagnostic, index: LineIndex, uri: str, encoding: Encoding = "utf-16"
) -> dict[str, Any]:
    """A Diagnostic as an LSP `Diagnostic` JSON object."""
    out: dict[str, Any] = {
        "range": lsp_range(index, d.span.start, d.span.end, encoding),
        "severity": int(d.severity),
        "code": d.code,
        "source": "wat-lsp",
        "message": d.message,
    }
    if d.related:
        out["relatedInformation"] = [
            {
                "location": {"uri": uri, "range": lsp_range(index, r.span.start, r.span.end, encoding)},
                "message": r.message,
            }
            for r in d.related
        ]
    if d.tags:
        out["tags"] = [int(t) for t in d.tags]
    if d.data:
        out["data"] = d.data
    return out


def text_diagnostic(d: Diagnostic, index: LineIndex, path: str) -> str:
    """`path:line:col: severity[code]: message`, then the source line and a caret."""
    line, col = index.position(d.span.start, "utf-32")
    head = f"{path}:{line + 1}:{col + 1}: {SEVERITY_WORDS[d.severity]}[{d.code}]: {d.message}"
    start, end = index.line_start(line), index.line_end(line)
    # decoded as columns count (one character per column), so the caret stands under them
    source = decode(index.data[start:end]).expandtabs(1)
    end_line, end_col = index.position(d.span.end, "utf-32")
    stop = end_col if end_line == line else len(source)
    if len(source) > 200:  # minified or generated text: show a window around the column
        lo = max(col - 80, 0)
        source, col, stop = source[lo : lo + 160], col - lo, stop - lo
    width = max(1, min(stop, len(source)) - col)
    lines = [head, f"  {source}", "  " + " " * col + "^" + "~" * (width - 1)]
    for r in d.related:
        rl, rc = index.position(r.span.start, "utf-32")
        lines.append(f"{path}:{rl + 1}:{rc + 1}: note: {r.message}")
    return "\n".join(lines)


def file_uri(path: str) -> str:
    return Path(path).resolve().as_uri()


# GitHub Actions workflow commands: `::error file=...,line=...::message`. Property values and
# the message are escaped as the runner unescapes them (a message may span lines as `%0A`).
GITHUB_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning",
                   Severity.INFORMATION: "notice", Severity.HINT: "notice"}  # fmt: skip


def _github_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(d: Diagnostic, index: LineIndex, path: str) -> str:
    """One workflow command: the annotation shows on the line in the pull request's diff; the
    message repeats `path:line:col: code` for the log, related locations follow as notes."""
    line, col = index.position(d.span.start, "utf-32")
    end_line, end_col = index.position(d.span.end, "utf-32")
    props = (
        f"title={_github_property(f'wat-lsp ({d.code})')},file={_github_property(path)},"
        f"line={line + 1},col={col + 1},endLine={end_line + 1},endColumn={end_col + 1}"
    )
    message = f"{path}:{line + 1}:{col + 1}: {d.code}: {d.message}"
    for r in d.related:
        rl, rc = index.position(r.span.start, "utf-32")
        message += f"\n  {path}:{rl + 1}:{rc + 1}: note: {r.message}"
    return f"::{GITHUB_COMMANDS[d.severity]} {props}::{_github_data(message)}"
