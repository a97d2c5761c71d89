"""`(local i32 i32)` ↔ `(local i32) (local i32)`, and the same for `param`, `result` and struct
`field` (wasm-language-tools' `split_types` and `join_types`). The binary is the same: locals
are encoded by runs of one type, and a signature or struct lists its types whatever the
grouping."""

from __future__ import annotations

from tree_sitter import Node
from wat_lsp.analysis import cst
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide.rewrites.base import Rewrite, clean, innermost, path_to, text
from wat_lsp.passes.edits import TextEdit

_DECLS = frozenset({"local", "param", "result", "field_decl"})


def _decl(doc: Document, offset: int) -> tuple[Node, Node] | None:
    """The declaration at `offset` and the form it is in."""
    path = path_to(doc, offset)
    i = innermost(path, _DECLS)
    return (path[i], path[i - 1]) if i is not None and i > 0 else None


def _types(node: Node) -> list[Node] | None:
    """The types of an unnamed declaration without comments or errors; None otherwise."""
    if node.child_by_field_name("name") is not None or not clean(node):
        return None
    return [c for c in cst.children(node) if c.is_named and c.type not in ("(", ")")]


def _split_applies(doc: Document, offset: int) -> bool:
    found = _decl(doc, offset)
    types = _types(found[0]) if found is not None else None
    return types is not None and len(types) >= 2


def _split_edits(doc: Document, offset: int) -> list[TextEdit]:
    if not _split_applies(doc, offset):
        return []
    found = _decl(doc, offset)
    assert found is not None
    node = found[0]
    types = _types(node) or []
    new = " ".join(f"({cst.keyword(node)} {text(doc, t)})" for t in types)
    return [TextEdit(node.start_byte, node.end_byte, new)]


def _run(doc: Document, offset: int) -> list[Node]:
    """The declarations of one kind next to each other (nothing between them but blanks)
    around the one at `offset`, all unnamed and clean."""
    found = _decl(doc, offset)
    if found is None or _types(found[0]) is None:
        return []
    node, parent = found
    siblings = cst.children(parent)
    k = next(i for i, c in enumerate(siblings) if c.id == node.id)
    lo = hi = k

    def joins(c: Node) -> bool:
        return c.type == node.type and _types(c) is not None

    while lo > 0 and joins(siblings[lo - 1]):
        lo -= 1
    while hi + 1 < len(siblings) and joins(siblings[hi + 1]):
        hi += 1
    return siblings[lo : hi + 1] if hi > lo else []


def _join_applies(doc: Document, offset: int) -> bool:
    return bool(_run(doc, offset))


def _join_edits(doc: Document, offset: int) -> list[TextEdit]:
    run = _run(doc, offset)
    if not run:
        return []
    types = [text(doc, t) for node in run for t in _types(node) or []]
    new = f"({' '.join([cst.keyword(run[0]) or run[0].type, *types])})"
    return [TextEdit(run[0].start_byte, run[-1].end_byte, new)]


SPLIT = Rewrite("split_types", "Split into one declaration per type", _split_applies, _split_edits)
JOIN = Rewrite("join_types", "Join adjacent declarations into one", _join_applies, _join_edits)
