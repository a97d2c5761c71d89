"""`(func (type $t))` → `(func (type $t) (param i32) (result i32))`: a type use gets its
function type's signature written out beside it (wasm-language-tools' `inline_func_type`),
for functions, imports, tags, blocks and `call_indirect`. The binary is the same: a type use
with an explicit index and a matching signature is that index (the spec's text format, 6.6.3);
the bare signature alone could name an earlier equal type or a new implicit one, so the type
use stays. Parameter names of the type definition are left out (they would become the
function's local names and could clash)."""

from __future__ import annotations

from tree_sitter import Node
from wat_lsp.analysis import cst
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide import navigation
from wat_lsp.analysis.ide.rewrites.base import COMMENTS, Rewrite, innermost, path_to, text
from wat_lsp.analysis.model import FuncType
from wat_lsp.passes.edits import TextEdit

_USE = frozenset({"type_use"})
_SIGNATURE = frozenset({"param", "result"})


def _func_type(doc: Document, start: int) -> Node | None:
    """The `(func ...)` of the type definition starting at `start`."""
    path = path_to(doc, start)
    field = next((n for n in path if n.type == "type_field" and n.start_byte == start), None)
    node = field
    for _ in range(2):  # (type (sub ... (func ...))) or (type (func ...))
        if node is None:
            return None
        kids = [c for c in cst.children(node) if c.type in ("func_type", "sub_type")]
        node = kids[0] if kids else None
        if node is not None and node.type == "func_type":
            return node
    return None


def _signature(doc: Document, func_type: Node) -> list[str]:
    out: list[str] = []
    for group in cst.children(func_type):
        if group.type not in _SIGNATURE:
            continue
        types = [
            text(doc, t)
            for t in cst.children(group)
            if t.is_named and t.type != "identifier" and t.type not in COMMENTS
        ]
        if types:
            out.append(f"({group.type} {' '.join(types)})")
    return out


def _edits(doc: Document, offset: int) -> list[TextEdit]:
    path = path_to(doc, offset)
    i = innermost(path, _USE)
    if i is None or i < 1 or path[i].has_error:
        return []
    use, parent = path[i], path[i - 1]
    siblings = cst.children(parent)
    k = next((j for j, c in enumerate(siblings) if c.id == use.id), None)
    if k is None or any(c.type in _SIGNATURE for c in siblings[k + 1 :]):
        return []  # a signature is written already
    index = next((c for c in cst.children(use) if c.type in ("identifier", "integer")), None)
    occ = navigation.occurrence_at(doc, index.start_byte) if index is not None else None
    if index is None or occ is None or occ.key.space != "type" or occ.start != index.start_byte:
        return []
    m = navigation.module_of(doc, occ.key)
    td = m.types[occ.key.item] if m is not None and 0 <= occ.key.item < len(m.types) else None
    if td is None or td.implicit or not isinstance(td.comp, FuncType):
        return []
    func_type = _func_type(doc, td.span.start)
    parts = _signature(doc, func_type) if func_type is not None else []
    return [TextEdit(use.end_byte, use.end_byte, " " + " ".join(parts))] if parts else []


INLINE_FUNC_TYPE = Rewrite.by_edits("inline_func_type", "Write out the type's signature", _edits)
