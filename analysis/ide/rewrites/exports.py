"""`(func $f (export "f") ...)` ↔ `(func $f ...) (export "f" (func $f))` for functions,
globals, tables, memories and tags (wasm-language-tools' `extract_export` and
`inline_export`). The binary is the same: exports keep their order, so a rewrite that would
move one past another export does nothing."""

from __future__ import annotations

from tree_sitter import Node
from wat_lsp.analysis import cst
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide.rewrites.base import (
    Rewrite,
    clean,
    indent_of,
    innermost,
    path_to,
    text,
)
from wat_lsp.analysis.model import Module, Span
from wat_lsp.passes import targets
from wat_lsp.passes.edits import TextEdit, removal

_KINDS = frozenset({"func", "global", "table", "memory", "tag"})
_INLINE = frozenset({"inline_export"})
_EXPORT = frozenset({"export"})


def _model(doc: Document, offset: int) -> Module | None:
    sm = targets.module_at(doc, Span(offset, offset))
    ok = sm is not None and sm.read is not None and not sm.expects_failure
    return sm.read.module if ok and sm is not None and sm.read is not None else None


def items_of(m: Module, kind: str) -> list[object]:
    spaces: dict[str, list[object]] = {
        "func": list(m.funcs), "global": list(m.globals), "table": list(m.tables),
        "memory": list(m.memories), "tag": list(m.tags),
    }  # fmt: skip
    return spaces[kind]


def _exports(field: Node) -> list[Node]:
    return [c for c in cst.children(field) if c.type == "inline_export"]


def _has_export(node: Node) -> bool:
    return node.type == "export" or (node.type in _KINDS and bool(_exports(node)))


def _extract_edits(doc: Document, offset: int) -> list[TextEdit]:
    path = path_to(doc, offset)
    i = innermost(path, _INLINE)
    if i is None or i < 2 or path[i - 1].type not in _KINDS:
        return []
    field = path[i - 1]
    inline = _exports(field)
    m = _model(doc, offset)
    if m is None or not all(clean(e) for e in inline):
        return []
    name = field.child_by_field_name("name")
    if name is not None:
        ref = text(doc, name)
    else:
        index = next(
            (
                k
                for k, item in enumerate(items_of(m, field.type))
                if getattr(item, "span", None) == cst.span(field)
            ),
            None,
        )
        if index is None:
            return []
        ref = str(index)
    # every inline export of the field, in order: one alone would move past the others
    indent = indent_of(doc, field)
    sep = f"\n{indent}" if indent is not None else " "
    strings = [text(doc, c) for e in inline for c in cst.children(e) if c.type == "string"]
    if len(strings) != len(inline):
        return []
    added = "".join(f"{sep}(export {s} ({field.type} {ref}))" for s in strings)
    return [
        *(removal(doc.data, e.start_byte, e.end_byte) for e in inline),
        TextEdit(field.end_byte, field.end_byte, added),
    ]


def _inline_edits(doc: Document, offset: int) -> list[TextEdit]:
    path = path_to(doc, offset)
    i = innermost(path, _EXPORT)
    if i is None or i < 1 or not clean(path[i]):
        return []
    export, parent = path[i], path[i - 1]
    m = _model(doc, offset)
    found = next((e for e in m.exports if e.span == cst.span(export)), None) if m is not None else None
    if m is None or found is None or found.kind not in _KINDS:
        return []
    items = items_of(m, found.kind)
    item = items[found.index] if 0 <= found.index < len(items) else None
    span = getattr(item, "span", None)
    if not isinstance(span, Span):
        return []
    siblings = cst.children(parent)
    at = [k for k, c in enumerate(siblings) if c.start_byte == span.start and c.type == found.kind]
    me = next((k for k, c in enumerate(siblings) if c.id == export.id), None)
    if len(at) != 1 or me is None:
        return []
    field = siblings[at[0]]
    lo, hi = sorted((at[0], me))
    if any(_has_export(c) for c in siblings[lo + 1 : hi]):
        return []  # another export between: the order would change
    inline = _exports(field)
    if me < at[0] and inline:
        return []  # it would come after the field's own exports
    string = next((c for c in cst.children(export) if c.type == "string"), None)
    if string is None:
        return []
    anchor = inline[-1] if inline else field.child_by_field_name("name")
    if anchor is not None:
        where = anchor.end_byte
    else:
        keyword = next((c for c in cst.children(field) if c.type == field.type and not c.is_named), None)
        if keyword is None:
            return []
        where = keyword.end_byte
    return [
        TextEdit(where, where, f" (export {text(doc, string)})"),
        removal(doc.data, export.start_byte, export.end_byte),
    ]


EXTRACT_EXPORT = Rewrite.by_edits(
    "extract_export", "Extract the inline exports into export fields", _extract_edits
)
INLINE_EXPORT = Rewrite.by_edits("inline_export", "Inline the export into its item", _inline_edits)
