"""The compact import forms (the compact-import-section proposal): `(import "m" (item "a"
desc) ...)` and `(import "m" (item "a") ... desc)`.

- `inline_extern_type`: `(import "m" (item "a") (item "b") (func))` → `(import "m" (item "a"
  (func)) (item "b" (func)))`, the shared description written into each item.
- `expand_compact_import`: either form → one `(import "m" "a" desc)` field per item.

Both as wasm-language-tools does them. They keep the imports, their order and so every index,
but not the encoding: the binary's import section is written in the compact form the text
uses, so `same_binary` is false; the tests compare the import lists `wasm-tools dump` shows.
A shared description with a `$name` is left alone: copied to each item, the name would be
declared twice."""

from __future__ import annotations

from tree_sitter import Node
from wat_lsp.analysis import cst
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide.rewrites.base import COMMENTS, Rewrite, indent_of, innermost, path_to, text
from wat_lsp.passes.edits import TextEdit

_IMPORT = frozenset({"import"})


def _compact(doc: Document, offset: int) -> tuple[Node, list[Node], Node | None] | None:
    """The compact import at `offset`, without errors and without comments between its items
    (those inside an item or a description move with it): its node, items and shared
    description."""
    path = path_to(doc, offset)
    i = innermost(path, _IMPORT)
    if i is None or path[i].has_error:
        return None
    node = path[i]
    kids = cst.children(node)
    if any(c.type in COMMENTS for c in kids):
        return None
    items = [c for c in kids if c.type == "import_item"]
    shared = next((c for c in kids if c.type == "import_desc"), None)
    if not items:
        return None
    return node, items, shared


def _desc(item: Node) -> Node | None:
    return next((c for c in cst.children(item) if c.type == "import_desc"), None)


def _shared_text(doc: Document, shared: Node | None) -> str | None:
    if shared is None or shared.child_by_field_name("name") is not None:
        return None
    return text(doc, shared)


def _inline_edits(doc: Document, offset: int) -> list[TextEdit]:
    found = _compact(doc, offset)
    if found is None:
        return []
    node, items, shared = found
    desc = _shared_text(doc, shared)
    if shared is None or desc is None or any(_desc(item) is not None for item in items):
        return []
    edits = [TextEdit(item.end_byte - 1, item.end_byte - 1, f" {desc}") for item in items]
    start = shared.start_byte
    while start > node.start_byte and doc.data[start - 1] in b" \t\r\n":
        start -= 1
    return [*edits, TextEdit(start, shared.end_byte, "")]


def _expand_edits(doc: Document, offset: int) -> list[TextEdit]:
    found = _compact(doc, offset)
    if found is None:
        return []
    node, items, shared = found
    module = next((c for c in cst.children(node) if c.type == "string"), None)
    if module is None:
        return []
    fields: list[str] = []
    for item in items:
        name = next((c for c in cst.children(item) if c.type == "string"), None)
        own = _desc(item)
        desc = text(doc, own) if own is not None else _shared_text(doc, shared)
        if name is None or desc is None:
            return []
        fields.append(f"(import {text(doc, module)} {text(doc, name)} {desc})")
    indent = indent_of(doc, node)
    sep = f"\n{indent}" if indent is not None else " "
    return [TextEdit(node.start_byte, node.end_byte, sep.join(fields))]


INLINE_EXTERN_TYPE = Rewrite.by_edits(
    "inline_extern_type", "Write the shared import type into each item", _inline_edits, same_binary=False
)
EXPAND_COMPACT_IMPORT = Rewrite.by_edits(
    "expand_compact_import", "Expand into one import per item", _expand_edits, same_binary=False
)
