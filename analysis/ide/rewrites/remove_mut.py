"""`(global $g (mut i32) ...)` → `(global $g i32 ...)`, and a struct field's or array type's
`(mut t)` → `t` in every declaration of its family, where the `mut-never-set` lint shows
(wasm-language-tools' `remove_mut`, its quick fix of `needless-mut`): offered as a rewrite too,
on the `(mut ...)`, from the lint's own diagnostic and quick fix (`passes/fix_lints.mut_fix`),
so the rule is written once. The binary changes (the global's or types' types); the module validates."""

from __future__ import annotations

from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide.rewrites.base import Rewrite
from wat_lsp.analysis.lints import mut_never_set
from wat_lsp.passes.edits import TextEdit
from wat_lsp.passes.fix_lints import mut_fix


def _edits(doc: Document, offset: int) -> list[TextEdit]:
    for d in doc.diagnostics:
        if d.span.start > offset:
            break  # (sorted)
        if d.code == mut_never_set.CODE and offset <= d.span.end:
            return mut_fix(doc, d)
    return []


REMOVE_MUT = Rewrite.by_edits("remove_mut", "Make it immutable", _edits, same_binary=False)
