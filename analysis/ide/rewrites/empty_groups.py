"""Remove an empty `(param)`, `(result)`, `(local)` or struct `(field)` (wasm-language-tools'
`clean_no_types`). The binary is the same: a group declares its types, and an empty one none.
A group with a comment inside is left alone (the comment would go with it)."""

from __future__ import annotations

from wat_lsp.analysis import cst
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide.rewrites.base import Rewrite, clean, innermost, path_to
from wat_lsp.passes.edits import TextEdit, removal

_GROUPS = frozenset({"param", "result", "local", "field_decl"})


def _edits(doc: Document, offset: int) -> list[TextEdit]:
    path = path_to(doc, offset)
    i = innermost(path, _GROUPS)
    if i is None or not clean(path[i]):
        return []
    group = path[i]
    if any(c.is_named for c in cst.children(group)):
        return []
    return [removal(doc.data, group.start_byte, group.end_byte)]


CLEAN_NO_TYPES = Rewrite.by_edits("clean_no_types", "Remove the empty declaration", _edits)
