"""`(func $f ...)` → `(func $f (export "f") ...)`: export an item that is not exported, under
its name (wasm-language-tools' `export_as`), for functions, globals, tables, memories and
tags. Offered on the item's `$name`, when no export has that name already. The binary gains
the export, so it changes; the module still validates."""

from __future__ import annotations

from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide.rewrites.base import Rewrite, innermost, path_to
from wat_lsp.analysis.ide.rewrites.exports import items_of
from wat_lsp.analysis.literals import parse_id
from wat_lsp.analysis.model import Span
from wat_lsp.passes import targets
from wat_lsp.passes.edits import TextEdit

_KINDS = frozenset({"func", "global", "table", "memory", "tag"})


def _string(name: str) -> str:
    """`name` as a WAT string literal (ids may hold `\\`; quoted ids anything)."""
    out = []
    for ch in name:
        if ch in '"\\':
            out.append("\\" + ch)
        elif " " <= ch <= "~" or ord(ch) > 0x7F:
            out.append(ch)
        else:
            out.append(f"\\u{{{ord(ch):x}}}")
    return '"' + "".join(out) + '"'


def _export_name(doc: Document, offset: int) -> tuple[int, str] | None:
    path = path_to(doc, offset)
    i = innermost(path, _KINDS)
    if i is None or i < 1 or path[i - 1].type != "module":
        return None
    field = path[i]
    name = field.child_by_field_name("name")
    if name is None or not name.start_byte <= offset <= name.end_byte or field.has_error:
        return None
    sm = targets.module_at(doc, Span(offset, offset))
    if sm is None or sm.read is None or sm.expects_failure:
        return None
    m = sm.read.module
    index = next(
        (
            k
            for k, item in enumerate(items_of(m, field.type))
            if getattr(item, "span", None) == Span(field.start_byte, field.end_byte)
        ),
        None,
    )
    ident, err = parse_id(doc.data[name.start_byte : name.end_byte].decode("utf-8", "replace"))
    if index is None or err is not None or not ident:
        return None
    if any(e.kind == field.type and e.index == index for e in m.exports) or any(
        e.name == ident for e in m.exports
    ):
        return None
    at = name.end_byte
    sibling = name.next_sibling
    while sibling is not None and sibling.type == "annotation":
        at = sibling.end_byte  # `(@name ...)` must follow the `$name` directly
        sibling = sibling.next_sibling
    return at, ident


def _edits(doc: Document, offset: int) -> list[TextEdit]:
    found = _export_name(doc, offset)
    if found is None:
        return []
    at, ident = found
    return [TextEdit(at, at, f" (export {_string(ident)})")]


EXPORT_AS = Rewrite.by_edits("export_as", "Export the item under its name", _edits, same_binary=False)
