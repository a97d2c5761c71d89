"""Quick fixes for diagnostics: the passes' machinery applied to one local or one store.

`fixes_for(doc, diag)` lists what a face (the server's code actions, the CLI) can offer for
one diagnostic: a title, the edits, and whether it is the preferred fix.

Liveness fixes: `unused-local` removes the declaration; `dead-store` turns the `local.set`
into `drop` (its value's effects stay) or removes the `local.tee`; `never-read` does both at
once: the declaration goes and every store of the local with it. They apply where the
diagnostics are shown: in functions whose text holds no error (`document.liveness_report`).
The lints' fixes are `fix_lints.FIXERS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from wat_lsp.analysis.diagnostics import Diagnostic
from wat_lsp.analysis.document import Document, error_starts, has_error_in
from wat_lsp.analysis.model import Func
from wat_lsp.passes import fix_lints, fixup_non_nullable_locals, remove_dead_stores, remove_unused_locals
from wat_lsp.passes.edits import TextEdit
from wat_lsp.passes.targets import func_at


@dataclass(frozen=True, slots=True)
class Fix:
    title: str
    edits: tuple[TextEdit, ...]
    code: str  # the diagnostic code it fixes
    preferred: bool = False


NEVER_READ = "never-read"


def _clean_func(doc: Document, diag: Diagnostic) -> Func | None:
    """The function a liveness diagnostic is about, if its text holds no error."""
    fn = func_at(doc, diag.span, diag.data.get("func"))
    if fn is None or has_error_in(error_starts(doc.diagnostics), fn.span.start, fn.span.end):
        return None
    return fn


def dead_store_fix(doc: Document, diag: Diagnostic) -> list[TextEdit]:
    """Remove the one store a `dead-store` diagnostic is about (`local.set` -> `drop`)."""
    i = diag.data.get("instr")
    fn = _clean_func(doc, diag) if diag.code == remove_dead_stores.CODE and isinstance(i, int) else None
    return remove_dead_stores.func_edits(doc.data, fn, i) if fn is not None and isinstance(i, int) else []


def never_read_fix(doc: Document, diag: Diagnostic) -> list[TextEdit]:
    """Remove the local a `never-read` diagnostic is about and turn its stores into drops."""
    x = diag.data.get("local")
    fn = _clean_func(doc, diag) if diag.code == NEVER_READ and isinstance(x, int) else None
    return (
        remove_unused_locals.never_read_edits(doc, fn, {x}) if fn is not None and isinstance(x, int) else []
    )


def never_read_fix_all(doc: Document) -> list[TextEdit]:
    """Every `never-read` local the document reports, removed with its stores."""
    by_func: dict[int, tuple[Func, set[int]]] = {}
    for d in doc.diagnostics:
        x = d.data.get("local")
        fn = func_at(doc, d.span, d.data.get("func")) if d.code == NEVER_READ and isinstance(x, int) else None
        if fn is not None and isinstance(x, int):
            by_func.setdefault(id(fn), (fn, set()))[1].add(x)
    edits: list[TextEdit] = []
    for fn, xs in by_func.values():
        edits.extend(remove_unused_locals.never_read_edits(doc, fn, xs))
    return edits


# code -> (title, fix for one diagnostic). In titles `{local}` is `` `$x` `` or `local 3`, and
# `{name}` is `` `$x` `` or `3` (after the word "local").
_FIXERS: dict[str, tuple[str, Callable[[Document, Diagnostic], list[TextEdit]]]] = {
    fixup_non_nullable_locals.CODE: ("Make {local} nullable and assert non-null at its reads",
                                     fixup_non_nullable_locals.quick_fix),
    remove_unused_locals.CODE: ("Remove the unused local {name}", remove_unused_locals.quick_fix),
    remove_dead_stores.CODE: ("Remove the dead store to {local}", dead_store_fix),
    NEVER_READ: ("Remove {local} and its stores (their values are still computed)", never_read_fix),
    **fix_lints.FIXERS,
}  # fmt: skip

# code -> (title, whole-document pass): "fix all of this kind".
_FIX_ALL: dict[str, tuple[str, Callable[[Document], list[TextEdit]]]] = {
    fixup_non_nullable_locals.CODE: ("Fix every uninitialized non-nullable local (fixup-non-nullable-locals)",
                                     fixup_non_nullable_locals.run),
    remove_unused_locals.CODE: ("Remove every unused local", remove_unused_locals.run),
    remove_dead_stores.CODE: ("Remove every dead store", remove_dead_stores.run),
    NEVER_READ: ("Remove every local that is never read, and its stores", never_read_fix_all),
    **{code: (f"Fix every `{code}`", fix_lints.fix_all_of(code)) for code in fix_lints.FIXERS},
}  # fmt: skip


def _title(template: str, doc: Document, diag: Diagnostic) -> str:
    """`template` naming the local a diagnostic is about."""
    x = diag.data.get("local")
    fn = func_at(doc, diag.span, diag.data.get("func")) if isinstance(x, int) else None
    if fn is None or not isinstance(x, int) or not 0 <= x < len(fn.all_locals):
        return template.format(local="the local", name="").rstrip()
    name = fn.all_locals[x].name
    return template.format(local=f"`${name}`" if name else f"local {x}", name=f"`${name}`" if name else x)


def fixable_codes() -> frozenset[str]:
    return frozenset(_FIXERS)


def fixes_for(doc: Document, diag: Diagnostic, fix_all: bool = True) -> list[Fix]:
    """The fixes for one diagnostic: the fix for it, then (when asked) fix-all of its kind."""
    out: list[Fix] = []
    one = _FIXERS.get(diag.code)
    if one is not None:
        edits = one[1](doc, diag)
        if edits:
            out.append(Fix(_title(one[0], doc, diag), tuple(edits), diag.code, preferred=True))
    every = _FIX_ALL.get(diag.code)
    if fix_all and every is not None and out:
        edits = every[1](doc)
        if edits and tuple(edits) != out[0].edits:
            out.append(Fix(every[0], tuple(edits), diag.code))
    return out
