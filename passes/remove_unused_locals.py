"""`remove-unused-locals`: delete declared locals that are never read or written.

The removal half of Binaryen's `reorder-locals` (which also sorts locals by use; this pass
keeps the order). `never_read_edits` removes a local that is written but never read the
same way, its `local.set`s becoming `drop`s and its `local.tee`s going (the `never-read` fix). Params never change. Removing a local shifts the indices of the locals
after it, so every numeric `local.get`/`local.set`/`local.tee` index above a removed one is
rewritten; `$name` references stay as they are. A declaration listing several types
(`(local i32 i64 f32)`) loses only the unused types; a declaration left empty goes whole,
with its line when it stood alone on it.
"""

from __future__ import annotations

import re

from tree_sitter import Node
from wat_lsp.analysis.diagnostics import Diagnostic
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.model import Func, LocalDecl, Span
from wat_lsp.passes.edits import OverlappingEdits, TextEdit, removal, sort_edits
from wat_lsp.passes.remove_dead_stores import store_edits
from wat_lsp.passes.targets import as_document, func_at, readable_funcs

NAME = "remove-unused-locals"
DESCRIPTION = "remove locals that are never read or written, renumbering numeric local indices"
CODE = "unused-local"
_LOCAL_OPS = ("local.get", "local.set", "local.tee")
_INDEX = re.compile(rb"(?<![\w$.])(0x[0-9a-fA-F](?:_?[0-9a-fA-F])*|[0-9](?:_?[0-9])*)\s*$")


def unused_locals(func: Func) -> list[int]:
    """Indices of declared (non-param) locals no instruction reads or writes."""
    used: set[int] = set()
    for ins in func.body:
        if ins.op.name in _LOCAL_OPS and ins.imms and isinstance(ins.imms[0], int):
            if ins.imms[0] < 0:
                return []  # an unresolved reference might mean any local
            used.add(ins.imms[0])
    return [d.index for d in func.locals if d.index not in used]


def _node(doc: Document, span: Span) -> Node | None:
    """The outermost node spanning exactly `span` (`anyref` is a keyword inside a ref_type)."""
    node = doc.tree.root_node.descendant_for_byte_range(span.start, span.end)
    while node is not None and (up := node.parent) is not None and (up.start_byte, up.end_byte) == (
            node.start_byte, node.end_byte):  # fmt: skip
        node = up
    return node


def _decl_ranges(doc: Document, func: Func, removed: set[int]) -> list[tuple[int, int]] | None:
    """Byte ranges of the declarations (or single types) to delete; None if not locatable."""
    ranges: list[tuple[int, int]] = []
    by_parent: dict[tuple[int, int], list[LocalDecl]] = {}
    parents: dict[tuple[int, int], Node] = {}
    for d in func.locals:
        if d.name is not None:
            if d.index in removed:
                ranges.append((d.span.start, d.span.end))
            continue
        node = _node(doc, d.span)
        parent = node.parent if node is not None else None
        if node is None or parent is None or parent.type != "local":
            return None
        key = (parent.start_byte, parent.end_byte)
        by_parent.setdefault(key, []).append(d)
        parents[key] = parent
    for key, decls in by_parent.items():
        gone = [d for d in decls if d.index in removed]
        if not gone:
            continue
        if len(gone) == len(decls):
            ranges.append(key)
        else:
            ranges.extend((d.span.start, d.span.end) for d in gone)
    return sorted(ranges)


def _merge(data: bytes, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join ranges separated by spaces only, so that removals never overlap."""
    out: list[tuple[int, int]] = []
    for s, e in ranges:
        if out and not data[out[-1][1] : s].strip(b" \t"):
            out[-1] = (out[-1][0], max(e, out[-1][1]))
        else:
            out.append((s, e))
    return out


def func_edits(doc: Document, func: Func, only: set[int] | None = None) -> list[TextEdit]:
    """Edits removing the unused locals of `func` (those in `only`, when given)."""
    if func.import_ is not None:
        return []
    unused = set(unused_locals(func))
    return removal_edits(doc, func, unused if only is None else unused & only)


def _comments_in(doc: Document, s: int, e: int) -> list[Node]:
    """The comments inside the declarations in bytes [s, e) (only blanks lie between them)."""
    found: list[Node] = []
    pos = s
    while pos < e:
        node = doc.tree.root_node.descendant_for_byte_range(pos, pos)
        while node is not None and node.parent is not None and node.parent.start_byte == pos:
            node = node.parent  # the whole declaration that starts here
        if node is None or node.end_byte <= pos:
            pos += 1
            continue
        stack = [node]
        while stack:
            n = stack.pop()
            if n.type in ("comment", "block_comment") and s <= n.start_byte and n.end_byte <= e:
                found.append(n)
            stack.extend(n.children)
        pos = node.end_byte
        while pos < e and doc.data[pos : pos + 1].isspace():
            pos += 1
    return sorted(found, key=lambda n: n.start_byte)


def _removal_keeping_comments(doc: Document, s: int, e: int) -> TextEdit:
    """Delete the declarations in [s, e), but leave the comments written inside them."""
    comments = _comments_in(doc, s, e)
    if not comments:
        return removal(doc.data, s, e)
    line_start = doc.data.rfind(b"\n", 0, s) + 1
    indent = doc.data[line_start:s]
    indent = indent[: len(indent) - len(indent.lstrip(b" \t"))]
    kept = ""
    for n in comments:
        text = doc.data[n.start_byte : n.end_byte].decode("utf-8", "replace")
        kept += (" " if kept and not kept.endswith("\n" + indent.decode()) else "") + text
        if n.type == "comment":  # a `;;` comment runs to the end of its line
            kept += "\n" + indent.decode()
    if comments[-1].type == "comment":  # the next text starts the new line: no blanks before it
        while e < len(doc.data) and doc.data[e : e + 1] in (b" ", b"\t"):
            e += 1
    return TextEdit(s, e, kept)


def removal_edits(doc: Document, func: Func, removed: set[int]) -> list[TextEdit]:
    """Edits deleting the declarations of the locals `removed` and renumbering the numeric
    indices above them (the accesses of the removed locals themselves are the caller's)."""
    if not removed:
        return []
    ranges = _decl_ranges(doc, func, removed)
    if ranges is None:
        return []
    data = doc.data
    edits = [_removal_keeping_comments(doc, s, e) for s, e in _merge(data, ranges)]
    order = sorted(removed)
    for ins in func.body:
        if ins.op.name not in _LOCAL_OPS or not ins.imms or not isinstance(ins.imms[0], int):
            continue
        x = ins.imms[0]
        shift = sum(1 for r in order if r < x)
        if not shift or x in removed:
            continue
        m = _INDEX.search(data, ins.start, ins.end)
        if m is None:
            continue  # written as $name: nothing to renumber
        edits.append(TextEdit(m.start(1), m.end(1), str(x - shift)))
    return edits


def quick_fix(data: bytes | Document, diag: Diagnostic) -> list[TextEdit]:
    """Remove the one local an `unused-local` diagnostic is about."""
    doc = as_document(data)
    f, x = diag.data.get("func"), diag.data.get("local")
    if diag.code != CODE or not isinstance(f, int) or not isinstance(x, int):
        return []
    fn = func_at(doc, diag.span, f)
    return func_edits(doc, fn, {x}) if fn is not None else []


def run(doc: Document) -> list[TextEdit]:
    """The pass over every function of every module (registry entry)."""
    edits: list[TextEdit] = []
    for f in readable_funcs(doc):
        edits.extend(func_edits(doc, f))
    return edits


def never_read_locals(func: Func) -> list[int]:
    """Indices of declared (non-param) locals that are written but never read."""
    read: set[int] = set()
    written: set[int] = set()
    for ins in func.body:
        if ins.op.name in _LOCAL_OPS and ins.imms and isinstance(ins.imms[0], int):
            if ins.imms[0] < 0:
                return []  # an unresolved reference might mean any local
            (read if ins.op.name == "local.get" else written).add(ins.imms[0])
    return [d.index for d in func.locals if d.index in written and d.index not in read]


def never_read_edits(doc: Document, func: Func, only: set[int] | None = None) -> list[TextEdit]:
    """Edits removing the written-but-never-read locals of `func` (those in `only`, when
    given): the declarations go, each `local.set` of them becomes `drop` (its value is still
    computed), each `local.tee` goes (its value stays on the stack). All or nothing."""
    if func.import_ is not None:
        return []
    targets = set(never_read_locals(func))
    removed = targets if only is None else targets & only
    edits = removal_edits(doc, func, removed)
    if not edits:
        return []
    for ins in func.body:
        if ins.op.name in ("local.set", "local.tee") and ins.imms and ins.imms[0] in removed:
            store = store_edits(doc.data, ins)
            if not store:
                return []
            edits.extend(store)
    try:
        sort_edits(edits)
    except OverlappingEdits:  # e.g. two unfolded tees on one line: leave it to the user
        return []
    return edits


def never_read_quick_fix(data: bytes | Document, diag: Diagnostic) -> list[TextEdit]:
    """Remove the one local a `never-read` diagnostic is about, and its stores."""
    doc = as_document(data)
    f, x = diag.data.get("func"), diag.data.get("local")
    if diag.code != "never-read" or not isinstance(f, int) or not isinstance(x, int):
        return []
    fn = func_at(doc, diag.span, f)
    return never_read_edits(doc, fn, {x}) if fn is not None else []

