"""Go to type definition: from an item to the `(type ...)` its type refers to.

Items are the occurrence index's `Key`s (`navigation.occurrence_at`): a local or parameter
of type `(ref $t)` goes to `$t`, a global or table likewise, a struct field to the type of
its value, a function (at its name or any call of it) and a tag to the function type of
their signature, a block to its `(type ...)` use, an element segment to its element type, a
type to itself. Abstract types (`i32`, `funcref`) and implicit types (a signature written
inline with no matching type definition) have no definition: None.
"""

from __future__ import annotations

from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide.navigation import func_of, module_of
from wat_lsp.analysis.ide.references import Key
from wat_lsp.analysis.model import ArrayType, BlockType, Module, RefType, Span, StorageType, StructType


def type_index(doc: Document, key: Key) -> int | None:
    """The index of the type definition the item's type refers to."""
    m = module_of(doc, key)
    if m is None:
        return None
    space, item = key.space, key.item
    func = func_of(doc, key)
    if space == "local" and func is not None:
        decls = func.all_locals
        return _heap(decls[item].type) if 0 <= item < len(decls) else None
    if space == "label" and func is not None:
        bt = func.body[item].imms[0] if 0 <= item < len(func.body) and func.body[item].imms else None
        return bt.type_idx if isinstance(bt, BlockType) else None
    if space == "field":
        comp = m.types[key.owner].comp if 0 <= key.owner < len(m.types) else None
        if isinstance(comp, StructType) and 0 <= item < len(comp.fields):
            return _heap(comp.fields[item].storage)
        if isinstance(comp, ArrayType):
            return _heap(comp.elem.storage)
        return None
    seq: dict[str, list[object]] = {
        "func": list(m.funcs),
        "global": list(m.globals),
        "table": list(m.tables),
        "tag": list(m.tags),
        "elem": list(m.elems),
        "type": list(m.types),
    }
    items = seq.get(space, [])
    if not 0 <= item < len(items):
        return None
    if space == "type":
        return item
    found = items[item]
    for attr in ("type_idx", "type", "elem_type"):
        value = getattr(found, attr, None)
        if isinstance(value, int):
            return value
        if isinstance(value, RefType):
            return _heap(value)
    return None


def _heap(t: StorageType) -> int | None:
    return t.heap if isinstance(t, RefType) and isinstance(t.heap, int) and t.heap >= 0 else None


def type_definition(doc: Document, key: Key) -> Span | None:
    """The span of the `(type ...)` field the item's type refers to."""
    index = type_index(doc, key)
    m = module_of(doc, key)
    return _span(m, index) if m is not None and index is not None else None


def _span(m: Module, index: int) -> Span | None:
    if not 0 <= index < len(m.types) or m.types[index].implicit:
        return None
    return m.types[index].span
