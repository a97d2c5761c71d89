"""Deleting local declarations and instructions while keeping the comments written inside them.

Shared by `remove-unused-locals`, `remove-dead-stores` and `coalesce-locals`: where a
function's declarations (or single types of an unnamed `(local i32 f64)`) lie
(`decl_ranges`), how ranges to delete are joined so that their removals never overlap
(`join_ranges`), the removal itself (`removal_keeping_comments`): the text goes, the
comments inside it stay where the text was, in their order and byte for byte; and the
removal of one store (`store_edits`: `local.set` to `drop`, `local.tee` unwrapped), which
keeps the comments between its mnemonic and its index (`index_token` finds the index).
"""

from __future__ import annotations

import re

from tree_sitter import Node
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.model import Func, Instr, LocalDecl, Span
from wat_lsp.passes.edits import TextEdit, leading_blanks, removal

_COMMENTS = ("comment", "block_comment")
# A `$name`, quoted or not (the spec's idchars).
_IDCHARS = rb"[0-9A-Za-z!#$%&'*+\-./:<=>?@\\^_`|~]"
ID_PATTERN = rb'\$"(?:[^"\\]|\\.)*"|\$' + _IDCHARS + rb"+"
_INDEX_AT_END = re.compile(rb"(" + ID_PATTERN + rb"|0x[0-9a-fA-F_]+|[0-9][0-9_]*)\Z")


def _node(doc: Document, span: Span) -> Node | None:
    """The outermost node spanning exactly `span` (`anyref` is a keyword inside a ref_type)."""
    node = doc.tree.root_node.descendant_for_byte_range(span.start, span.end)
    while (
        node is not None
        and (up := node.parent) is not None
        and (up.start_byte, up.end_byte) == (node.start_byte, node.end_byte)
    ):
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
    instructions) with only blanks between them, in document order. From the smallest node
    around the range down, not up from each token (`Node.parent` walks down from the root:
    each removal deep in nesting cost the depth again and again)."""
    top = doc.tree.root_node.descendant_for_byte_range(s, e)
    if top is None:
        return []
    found: list[Node] = []
    stack = [top]
    while stack:
        n = stack.pop()
        if n.type in _COMMENTS and s <= n.start_byte and n.end_byte <= e:
            found.append(n)
            continue
        if n.start_byte >= s and n.end_byte <= e:
            stack.extend(n.children)
            continue
        cursor = n.walk()  # a node around or across the range: only its children in it
        more = cursor.goto_first_child_for_byte(s) is not None
        while more:
            child = cursor.node
            assert child is not None
            if child.start_byte >= e:
                break
            if child.end_byte > s:
                stack.append(child)
            more = cursor.goto_next_sibling()
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
    # Only a `;;` comment needs the line's indentation, and it ends the line: each line is
    # looked back over once (a removal on a 10 MB line without one does not look back).
    indent = ""
    if any(n.type == "comment" for n in comments):
        line_start = data.rfind(b"\n", 0, s) + 1
        indent = data[line_start : leading_blanks(data, line_start, s)].decode()  # blanks only: ASCII
    kept = ""
    for n in comments:
        try:
            text = data[n.start_byte : n.end_byte].decode("utf-8")
        except UnicodeDecodeError:
            return None
        kept += (" " if kept and not kept.endswith("\n" + indent) else "") + text
        if n.type == "comment":  # a `;;` comment runs to the end of its line
            kept += "\n" + indent
    if comments[-1].type == "comment":
        return _after_line_comment(data, s, e, kept, "\n" + indent)
    return TextEdit(s, e, kept)


def _after_line_comment(data: bytes, s: int, e: int, kept: str, line_break: str) -> TextEdit:
    """Replace [s, e) with `kept`, which ends in a `;;` comment and `line_break`: the text
    after it starts the new line, so the blanks before that text go too (after the comment
    they would join it), and so does `line_break` when the line ends there anyway."""
    while e < len(data) and data[e : e + 1] in (b" ", b"\t"):
        e += 1
    if e == len(data) or data[e : e + 1] in (b"\n", b"\r"):
        kept = kept[: len(kept) - len(line_break)]
    return TextEdit(s, e, kept)


def index_token(data: bytes, start: int, end: int) -> tuple[int, bytes] | None:
    """The local index ending an access's text `data[start:end]` (`local.get $x`, also
    `local.get (; c ;)$x`): its start and bytes; None when there is none."""
    head = data[start:end]
    if not head.endswith(b'"') and b";" not in head:
        tok = head.rsplit(None, 1)[-1]
        return end - len(tok), tok
    m = _INDEX_AT_END.search(data, start, end)  # a quoted name may hold spaces
    return (m.start(1), m.group(1)) if m is not None and m.start(1) > start else None


def _kept_between(data: bytes, ins: Instr, lead: bool) -> tuple[str, str] | None:
    """What lies between the tokens of a local access that an edit deletes (its mnemonic and
    index; with `lead`, also its `(`): comments, kept in order without the blanks before
    them, and the line break (with the indentation after it) that follows the last one, if
    any: a `;;` comment always has one. None when they cannot be told apart or kept."""
    a = ins.ostart + 1 if lead else ins.start
    if b";" not in data[a : ins.end]:
        return "", ""
    found = index_token(data, ins.start, ins.end)
    mnemonic = ins.op.name.encode()
    if found is None or not data.startswith(mnemonic, ins.start) or b'"' in data[a : found[0]]:
        return None  # a quoted name inside a comment would confuse `index_token`
    gaps = [data[a : ins.start]] if lead else []
    gaps.append(data[ins.start + len(mnemonic) : found[0]])
    texts = [g.lstrip(b" \t") for g in gaps if g.strip()]
    if not texts:
        return "", ""
    joined = b""
    for t in texts[:-1]:
        t = t.rstrip(b" \t")
        joined += t if t.endswith(b"\n") else t + b" "
    body = texts[-1].rstrip()
    rest = texts[-1][len(body) :]
    try:
        return (joined + body).decode("utf-8"), rest.decode() if b"\n" in rest else ""
    except UnicodeDecodeError:
        return None


def _replace(data: bytes, s: int, e: int, text: str, line_break: str) -> TextEdit:
    if line_break:
        return _after_line_comment(data, s, e, text + line_break, line_break)
    return TextEdit(s, e, text)


def _space_before(data: bytes, pos: int) -> int:
    while pos > 0 and data[pos - 1 : pos] in (b" ", b"\t"):
        pos -= 1
    return pos


def _space_after(data: bytes, pos: int) -> int:
    while pos < len(data) and data[pos : pos + 1] in (b" ", b"\t"):
        pos += 1
    return pos


def store_edits(data: bytes, ins: Instr) -> list[TextEdit]:
    """The edits removing one store `ins`: a `local.set` becomes `drop` (its operand is still
    computed), a `local.tee` goes (its operand's value stays on the stack). Comments between
    the mnemonic and the index stay. No edits when `ins` is neither or cannot be edited."""
    found = _kept_between(data, ins, ins.folded and ins.op.name == "local.tee")
    if found is None:
        return []
    kept, line_break = found
    if ins.op.name == "local.set":
        return [_replace(data, ins.start, ins.end, f"drop {kept}" if kept else "drop", line_break)]
    if ins.op.name != "local.tee":
        return []
    if not ins.folded:
        return [
            _replace(data, ins.start, ins.end, kept, line_break)
            if kept
            else removal(data, ins.start, ins.end)
        ]
    if data[ins.oend - 1 : ins.oend] != b")" or data[ins.ostart : ins.ostart + 1] != b"(":
        return []
    close = TextEdit(_space_before(data, ins.oend - 1), ins.oend, "")
    if line_break:
        return [_replace(data, ins.ostart, ins.end, kept, line_break), close]
    return [TextEdit(ins.ostart, _space_after(data, ins.end), f"{kept} " if kept else ""), close]
