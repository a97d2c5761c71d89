"""Quick fixes for diagnostics: the passes' machinery applied to one local or one store.

`fixes_for(doc, diag)` lists what a face (the server's code actions, the CLI) can offer for
one diagnostic: a title, the edits, and whether it is the preferred fix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from wat_lsp.analysis.diagnostics import Diagnostic
from wat_lsp.analysis.document import Document
from wat_lsp.passes import fixup_non_nullable_locals, remove_dead_stores, remove_unused_locals
from wat_lsp.passes.edits import TextEdit


@dataclass(frozen=True, slots=True)
class Fix:
    title: str
    edits: tuple[TextEdit, ...]
    code: str  # the diagnostic code it fixes
    preferred: bool = False


_FIXERS: dict[str, tuple[str, Callable[[Document, Diagnostic], list[TextEdit]]]] = {
    fixup_non_nullable_locals.CODE: ("Make the local nullable and wrap its reads in ref.as_non_null",
                                     fixup_non_nullable_locals.quick_fix),
    remove_unused_locals.CODE: ("Remove the unused local", remove_unused_locals.quick_fix),
    remove_dead_stores.CODE: ("Remove the dead store", remove_dead_stores.quick_fix),
}  # fmt: skip

# code -> (title, whole-document pass): "fix all of this kind".
_FIX_ALL: dict[str, tuple[str, Callable[[Document], list[TextEdit]]]] = {
    fixup_non_nullable_locals.CODE: ("Fix every uninitialized non-nullable local (fixup-non-nullable-locals)",
                                     fixup_non_nullable_locals.run),
    remove_unused_locals.CODE: ("Remove every unused local", remove_unused_locals.run),
    remove_dead_stores.CODE: ("Remove every dead store", remove_dead_stores.run),
}  # fmt: skip


def fixable_codes() -> frozenset[str]:
    return frozenset(_FIXERS)


def fixes_for(doc: Document, diag: Diagnostic, fix_all: bool = True) -> list[Fix]:
    """The fixes for one diagnostic: the fix for it, then (when asked) fix-all of its kind."""
    out: list[Fix] = []
    one = _FIXERS.get(diag.code)
    if one is not None:
        edits = one[1](doc, diag)
        if edits:
            out.append(Fix(one[0], tuple(edits), diag.code, preferred=True))
    every = _FIX_ALL.get(diag.code)
    if fix_all and every is not None and out:
        edits = every[1](doc)
        if edits and tuple(edits) != out[0].edits:
            out.append(Fix(every[0], tuple(edits), diag.code))
    return out
