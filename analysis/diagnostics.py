"""Diagnostics as values: every check returns these; nothing in the core raises on bad input.

Codes are stable and documented in docs/diagnostics.md. Ranges are byte spans; the faces
convert them to line/column in the encoding they need (see `positions`).
"""

from __future__ import annotations

import dataclasses
import enum
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from wat_lsp.analysis.model import Span


class Severity(enum.IntEnum):
    # Values are LSP's DiagnosticSeverity.
    ERROR = 1
    WARNING = 2
    INFORMATION = 3
    HINT = 4


class Tag(enum.IntEnum):
    # Values are LSP's DiagnosticTag.
    UNNECESSARY = 1
    DEPRECATED = 2


@dataclass(frozen=True, slots=True)
class Related:
    span: Span
    message: str


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    span: Span
    severity: Severity = Severity.ERROR
    related: tuple[Related, ...] = ()
    tags: tuple[Tag, ...] = ()
    # Free-form data a fix needs (e.g. the function and local index); JSON-serialisable.
    data: dict[str, object] = field(default_factory=dict, compare=False, hash=False)


# code -> (default severity, one-line summary). docs/diagnostics.md documents each in full.
CODES: dict[str, tuple[Severity, str]] = {
    "syntax": (Severity.ERROR, "the text does not parse"),
    "invalid-utf8": (Severity.ERROR, "the file is not valid UTF-8"),
    "unknown-name": (Severity.ERROR, "a `$name` that is not defined in its index space"),
    "duplicate-name": (Severity.ERROR, "a `$name` defined twice in one index space"),
    "malformed-literal": (Severity.ERROR, "a number or string literal that is out of range or ill-formed"),
    "malformed": (Severity.ERROR, "text that parses but breaks a text-format rule"),
    "unknown-instruction": (Severity.ERROR, "a mnemonic that is not a WebAssembly instruction"),
    "expectation": (Severity.ERROR, "a .wast assertion that wat-lsp disagrees with"),
    "empty-module": (Severity.WARNING, "a file or `module quote` with no module field: valid, but wasm-tools rejects it"),
    "branch-hint-target": (Severity.WARNING, "a branch hint on an instruction other than `if` or `br_if`"),
    # validation (analysis/validate*.py)
    "type-mismatch": (Severity.ERROR, "an operand, result or immediate has the wrong type"),
    "stack-height": (Severity.ERROR, "values left over or missing on the stack at the end of a block or function"),
    "unknown-index": (Severity.ERROR, "a numeric index (function, type, local, label, table, memory, global, tag, elem, data, field) out of range"),
    "uninitialized-local": (Severity.ERROR, "a non-defaultable local read where the spec does not consider it set (the 1a rule)"),
    "immutable-global": (Severity.ERROR, "`global.set` of an immutable global"),
    "immutable-field": (Severity.ERROR, "`struct.set`/`array.set`/... on an immutable field or array"),
    "invalid-constant": (Severity.ERROR, "a constant expression uses a non-constant instruction or a mutable global"),
    "duplicate-export": (Severity.ERROR, "two exports with the same name"),
    "invalid-type": (Severity.ERROR, "a type definition breaks the rules (subtyping, final, forward reference, tag results)"),
    "invalid-limits": (Severity.ERROR, "table or memory limits out of range (min > max, too large, shared without max)"),
    "invalid-alignment": (Severity.ERROR, "a memory access aligned beyond its natural alignment (atomics: not exactly natural)"),
    "invalid-offset": (Severity.ERROR, "a memory offset too large for the memory's address type"),
    "invalid-lane": (Severity.ERROR, "a SIMD lane index out of range"),
    "invalid-label": (Severity.ERROR, "a label used where its kind is not allowed (`rethrow` outside a `catch`)"),
    "undeclared-ref": (Severity.ERROR, "`ref.func` of a function not declared in an element segment, export or global"),
    "invalid-start": (Severity.ERROR, "the start function does not have type [] -> []"),
    # liveness (analysis/liveness.py): reported with the unnecessary-code tag
    "unused-local": (Severity.WARNING, "a declared local that is never read or written"),
    "never-read": (Severity.WARNING, "a declared local that is written but never read"),
    "dead-store": (Severity.HINT, "a `local.set`/`local.tee` whose value no `local.get` can read"),
    # lints (analysis/lints/): valid code that is likely a mistake or can be simpler
    "unreachable-code": (Severity.HINT, "instructions after one that never falls through (`br`, `return`, `unreachable`, `throw`, ...)"),
    "shadowed-label": (Severity.WARNING, "a block label with the name of an enclosing block's label"),
    "unused-item": (Severity.WARNING, "a function, type, table, memory, global, tag or passive segment nothing uses or exports"),
    "mut-never-set": (Severity.WARNING, "a mutable global (not imported or exported) that is never set"),
    "try-table-no-catch": (Severity.WARNING, "a `try_table` without a catch clause"),
    "unreachable-catch": (Severity.WARNING, "a `try_table` catch clause that an earlier clause always wins over"),
    "tee-dropped": (Severity.HINT, "a `local.tee` whose value is dropped right away (`local.set` does that)"),
    "removable-block": (Severity.HINT, "a `block`/`loop` no branch targets, whose contents can stand without it"),
}  # fmt: skip


def make(code: str, message: str, span: Span, **kw: object) -> Diagnostic:
    """A diagnostic with the code's default severity."""
    severity = CODES[code][0] if code in CODES else Severity.ERROR
    return Diagnostic(code, message, span, severity, **kw)  # type: ignore[arg-type]


def quick(code: str, message: str, span: Span, severity: Severity, data: dict[str, object]) -> Diagnostic:
    """`Diagnostic(code, message, span, severity, (), (), data)`, built by setting its slots
    directly: the frozen dataclass's `__init__` calls `object.__setattr__` once per field, 40%
    of the cost of 100,000 `removable-block` hints in a deep nest."""
    d: Diagnostic = _new(Diagnostic)
    _set_code(d, code)
    _set_message(d, message)
    _set_span(d, span)
    _set_severity(d, severity)
    _set_related(d, ())
    _set_tags(d, ())
    _set_data(d, data)
    return d


_new = object.__new__
_set_code, _set_message, _set_span, _set_severity, _set_related, _set_tags, _set_data = (
    getattr(Diagnostic, f.name).__set__ for f in dataclasses.fields(Diagnostic)
)


# Names users write for severities (CLI `--severity CODE=LEVEL`, the server's settings); "off"
# drops the code's diagnostics.
SEVERITY_NAMES: dict[str, Severity | None] = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "information": Severity.INFORMATION,
    "info": Severity.INFORMATION,
    "hint": Severity.HINT,
    "off": None,
    "none": None,
}


def parse_severity(name: str) -> Severity | None:
    """A severity by name (see SEVERITY_NAMES); None means "off". ValueError if unknown."""
    try:
        return SEVERITY_NAMES[name.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown severity {name!r}; expected one of {', '.join(SEVERITY_NAMES)}") from None


# The sort key of diagnostics in text order: `Span` is a (start, end) tuple, and `attrgetter` runs
# in C (100,000 lint hints: a third of the time of a `(d.span.start, d.span.end)` lambda).
by_span = operator.attrgetter("span")


def with_severities(
    diags: Iterable[Diagnostic], overrides: Mapping[str, Severity | None]
) -> list[Diagnostic]:
    """`diags` with each overridden code at its configured severity; codes set to None dropped."""
    if not overrides:
        return list(diags)
    out: list[Diagnostic] = []
    for d in diags:
        if d.code not in overrides:
            out.append(d)
            continue
        sev = overrides[d.code]
        if sev is not None:
            out.append(d if sev == d.severity else dataclasses.replace(d, severity=sev))
    return out
