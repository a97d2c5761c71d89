"""Deleting local declarations and instructions while keeping the comments written inside them.

Shared by `remove-unused-locals` and `coalesce-locals`: where a function's declarations (or
single types of an unnamed `(local i32 f64)`) lie (`decl_ranges`), how ranges to delete are
joined so that their removals never overlap (`join_ranges`), and the removal itself
(`removal_keeping_comments`): the text goes, the comments inside it stay where the text was,
in their order and byte for byte.
"""

from __future__ import annotations

from tree_sitter import Node
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.model import Func, LocalDecl, Span
from wat_lsp.passes.edits import TextEdit, removal

_COMMENTS = ("comment", "block_comment")


def _node(doc: Document, span: Span) -> Node | None:
    """The outermost node spanning exactly `span` (`anyref` is a keyword inside a ref_type)."""
    node = doc.tree.root_node.descendant_for_byte_range(span.start, span.end)
    while node is not None and (up := node.parent) is not None and (up.start_byte, up.end_byte) == (
            node.start_byte, node.end_byte):  # fmt: skip
        node = up
    return node


def decl_ranges(doc: Document, func: Func, removed: set[int]) -> list[tuple[int, int]] | None:
    """Byte ranges of the declarations (or single types) of the locals `removed`, sorted; a
    declaration all of whose types go is one range. None if one cannot be located."""
    ranges: list[tuple[int, int]] = []
    by_parent: dict[tuple[int, int], list[LocalDecl]] = {}
    for d in func.locals:
        if d.name is not None:
            if d.index in removed:
                ranges.append((d.span.start, d.span.end))
            continue
        node = _node(doc, d.span)
        parent = node.parent if node is not None else None
        if node is None or parent is None or parent.type != "local":
            return None
        by_parent.setdefault((parent.start_byte, parent.end_byte), []).append(d)
    for key, decls in by_parent.items():
        gone = [d for d in decls if d.index in removed]
        if not gone:
            continue
        if len(gone) == len(decls):
            ranges.append(key)
        else:
            ranges.extend((d.span.start, d.span.end) for d in gone)
    return sorted(ranges)


def join_ranges(data: bytes, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """`ranges` sorted, nested or overlapping ones folded together and neighbours separated
    by spaces or tabs only joined: `removal` widens a range over the blanks beside it, so
    the removals of the ranges returned never overlap."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(ranges):
        if out and (s <= out[-1][1] or not data[out[-1][1] : s].strip(b" \t")):
            out[-1] = (out[-1][0], max(e, out[-1][1]))
        else:
            out.append((s, e))
    return out


def comments_in(doc: Document, s: int, e: int) -> list[Node]:
    """The comments in bytes [s, e), a range of whole nodes (declarations, types,
    instructions) with only blanks between them, in document order."""
    found: list[Node] = []
    pos = s
    while pos < e:
        node = doc.tree.root_node.descendant_for_byte_range(pos, pos)
        while node is not None and node.parent is not None and node.parent.start_byte == pos:
            node = node.parent  # the whole node that starts here
        if node is None or node.end_byte <= pos:
            pos += 1
            continue
        stack = [node]
        while stack:
            n = stack.pop()
            if n.type in _COMMENTS and s <= n.start_byte and n.end_byte <= e:
                found.append(n)
            else:
                stack.extend(n.children)
        pos = node.end_byte
        while pos < e and doc.data[pos : pos + 1].isspace():
            pos += 1
    return sorted(found, key=lambda n: n.start_byte)


def removal_keeping_comments(doc: Document, s: int, e: int) -> TextEdit | None:
    """Delete the nodes in [s, e) (see `comments_in`) but leave the comments inside them, in
    their place: joined by a space, and a `;;` comment followed by a line break (the
    indentation of the line of `s` after it, unless the line ends there anyway). Without
    comments, `removal`. None when a comment is not UTF-8 (an edit's text could not hold it)."""
    data = doc.data
    comments = comments_in(doc, s, e) if b";" in data[s:e] else []
    if not comments:
        return removal(data, s, e)
    line_start = data.rfind(b"\n", 0, s) + 1
    head = data[line_start:s]
    indent = head[: len(head) - len(head.lstrip(b" \t"))].decode()  # blanks only: ASCII
    kept = ""
    for n in comments:
        try:
            text = data[n.start_byte : n.end_byte].decode("utf-8")
        except UnicodeDecodeError:
            return None
        kept += (" " if kept and not kept.endswith("\n" + indent) else "") + text
        if n.type == "comment":  # a `;;` comment runs to the end of its line
            kept += "\n" + indent
    if comments[-1].type == "comment":  # the next text starts the new line: no blanks before it
        while e < len(data) and data[e : e + 1] in (b" ", b"\t"):
            e += 1
        if e == len(data) or data[e : e + 1] in (b"\n", b"\r"):
            kept = kept[: -len("\n" + indent)]  # the line ends here already
    return TextEdit(s, e, kept)
