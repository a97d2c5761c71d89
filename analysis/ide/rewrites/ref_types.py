"""`funcref` ↔ `(ref null func)`, and every other reference type abbreviation
(wasm-language-tools' `expand_ref_type` and `simplify_ref_type`). The binary is the same:
the abbreviation is the text of the nullable abstract heap type."""

from __future__ import annotations

from tree_sitter import Node
from wat_lsp.analysis import cst
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide.rewrites.base import Rewrite, clean, innermost, path_to, text
from wat_lsp.passes.edits import TextEdit

# abbreviation -> abstract heap type (the spec's text format, section 6.4.x)
ABBREVIATIONS = {
    "funcref": "func", "externref": "extern", "anyref": "any", "eqref": "eq", "i31ref": "i31",
    "structref": "struct", "arrayref": "array", "exnref": "exn", "contref": "cont",
    "nullref": "none", "nullfuncref": "nofunc", "nullexternref": "noextern",
    "nullexnref": "noexn", "nullcontref": "nocont",
}  # fmt: skip
_SHORT = {heap: short for short, heap in ABBREVIATIONS.items()}
_REF = frozenset({"ref_type"})


def _ref_type(doc: Document, offset: int) -> Node | None:
    path = path_to(doc, offset)
    i = innermost(path, _REF)
    return path[i] if i is not None and clean(path[i]) else None


def _expand_edits(doc: Document, offset: int) -> list[TextEdit]:
    node = _ref_type(doc, offset)
    heap = ABBREVIATIONS.get(text(doc, node)) if node is not None else None
    if node is None or heap is None:
        return []
    return [TextEdit(node.start_byte, node.end_byte, f"(ref null {heap})")]


def _simplify_edits(doc: Document, offset: int) -> list[TextEdit]:
    node = _ref_type(doc, offset)
    heap = node.child_by_field_name("heap") if node is not None else None
    if node is None or heap is None or heap.type != "abs_heap_type" or not cst.has_token(node, "null"):
        return []
    short = _SHORT.get(text(doc, heap))
    return [] if short is None else [TextEdit(node.start_byte, node.end_byte, short)]


EXPAND_REF_TYPE = Rewrite.by_edits("expand_ref_type", "Expand the reference type abbreviation", _expand_edits)
SIMPLIFY_REF_TYPE = Rewrite.by_edits("simplify_ref_type", "Abbreviate the reference type", _simplify_edits)
