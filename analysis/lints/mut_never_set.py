"""`mut-never-set`: a mutable global that is read but never written: it could be immutable
(and then usable in constant expressions). Imported and exported mutable globals are left
alone: another module may write them. An unused global is `unused-item`'s."""

from __future__ import annotations

import re

from wat_lsp.analysis.lints.common import Candidate, lint, shown_name
from wat_lsp.analysis.model import Module, Span

CODE = "mut-never-set"
_MUT = re.compile(rb"\(\s*mut\b")


def mut_span(data: bytes, span: Span) -> Span | None:
    """The `(mut t)` form inside a global's field: its parentheses found by depth."""
    m = _MUT.search(data, span.start, span.end)
    if m is None:
        return None
    depth = 0
    for k in range(m.start(), span.end):
        c = data[k]
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return Span(m.start(), k + 1)
        elif c in (0x3B, 0x22):  # a comment or a string inside: not located
            return None
    return None


def candidates(module: Module, data: bytes) -> list[Candidate]:
    out: list[Candidate] = []
    # Inline exports and `(export "x" (global $g))` fields alike are in `module.exports`.
    exported = {ex.index for ex in module.exports if ex.kind == "global"}
    for g in module.globals:
        if not g.mutable or g.import_ is not None or g.index in exported:
            continue
        at = mut_span(data, g.span)
        if at is None:
            continue
        out.append(
            Candidate(
                lint(
                    CODE,
                    f"global {shown_name(g.name, g.index)} is mutable but never set",
                    at,
                    unnecessary=True,
                    index=g.index,
                ),
                ("global-set", g.index),
                ("global", g.index),
            )
        )
    return out
