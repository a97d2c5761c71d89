"""Where passes and fixes apply: the modules and functions of a document they may edit."""

from __future__ import annotations

from collections.abc import Iterator

from wat_lsp.analysis import cancel
from wat_lsp.analysis.diagnostics import Severity
from wat_lsp.analysis.document import Document, ScriptModule, analyse
from wat_lsp.analysis.model import Func, Module, Span


def as_document(data: bytes | Document) -> Document:
    return data if isinstance(data, Document) else analyse(data)


def editable_modules(doc: Document, valid_only: bool = False) -> list[ScriptModule]:
    """Text modules with a model, except those a script expects to fail (and, with
    `valid_only`, those with errors: liveness edits assume the code validates)."""
    return [
        m
        for m in doc.modules
        if m.kind == "text"
        and m.read is not None
        and not m.expects_failure
        and not (valid_only and _has_errors(m))
    ]


def _has_errors(m: ScriptModule) -> bool:
    return any(d.severity == Severity.ERROR for d in m.diagnostics)


def module_at(doc: Document, span: Span) -> ScriptModule | None:
    """The innermost text module (with its own model) whose range holds `span`."""
    best: ScriptModule | None = None
    for m in doc.modules:
        inside = m.span.start <= span.start and span.end <= m.span.end
        if (
            m.kind == "text"
            and m.read is not None
            and inside
            and (best is None or m.span.start >= best.span.start)
        ):
            best = m
    return best


def func_of(module: Module, index: object) -> Func | None:
    """Function `index` of `module`, if `index` (from a diagnostic's data) names one."""
    if not isinstance(index, int):
        return None
    if 0 <= index < len(module.funcs) and module.funcs[index].index == index:
        return module.funcs[index]
    return next((f for f in module.funcs if f.index == index), None)


def func_at(doc: Document, span: Span, index: object, valid_only: bool = False) -> Func | None:
    """The function a diagnostic at `span` with `data["func"] == index` is about."""
    m = module_at(doc, span)
    if m is None or m.read is None or m.expects_failure or (valid_only and _has_errors(m)):
        return None
    return func_of(m.read.module, index)


def readable_funcs(doc: Document, valid_only: bool = False) -> Iterator[Func]:
    """Every function a whole-document pass may rewrite: read completely, in an editable module."""
    for m in editable_modules(doc, valid_only):
        assert m.read is not None
        for f in m.read.module.funcs:
            if f.index not in m.read.broken:
                cancel.check()  # in the server, a module-wide pass can be cancelled between functions
                yield f
