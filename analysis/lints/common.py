"""What the lints share: the candidate a module lint reports when a use count says so, and
spans of a field's head read from the text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from wat_lsp.analysis.diagnostics import CODES, Diagnostic, Tag
from wat_lsp.analysis.lints.uses import UseKey
from wat_lsp.analysis.model import Span

_HEAD = re.compile(rb"\(\s*[a-z_]+(?:\s+\$(?:\"(?:[^\"\\]|\\.)*\"|[0-9A-Za-z!#$%&'*+\-./:<=>?@\\^_`|~]+))?")


def lint(code: str, message: str, span: Span, unnecessary: bool = False, **data: object) -> Diagnostic:
    """A lint diagnostic at the code's default severity."""
    tags = (Tag.UNNECESSARY,) if unnecessary else ()
    return Diagnostic(code, message, span, CODES[code][0], tags=tags, data=data)


def head_span(data: bytes, span: Span) -> Span:
    """`(keyword $name` at the start of a field (or `(keyword`); the field's span if neither."""
    m = _HEAD.match(data, span.start, span.end)
    return Span(span.start, m.end()) if m is not None else span


def shown_name(name: str | None, index: int) -> str:
    return f"`${name}`" if name is not None else str(index)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A module lint's diagnostic, shown when nothing uses `unused` (nor any of `also_unused`)
    and, if set, something uses `used` (counts from `uses`, kept per function by the
    incremental path)."""

    diagnostic: Diagnostic
    unused: UseKey
    used: UseKey | None = None
    also_unused: tuple[UseKey, ...] = ()
