"""`reorder-locals`: sort declared locals by use count, drop the unused ones.

Binaryen's `ReorderLocals`: every `local.get`/`local.set`/`local.tee` counts as a use; the
declared locals (params never move) are ordered by use count, most used first, ties broken by
first use in execution order; locals with no use are removed. Numeric local indices are
renumbered; `$name` references stay as they are.

The edit rewrites the declarations, from the first `(local ...)` to the last (when only removals
are needed and no comment sits inside a declaration, the smaller edits of `remove-unused-locals`
are used instead). Each declaration's text
is kept verbatim: a named `(local $x t)` as written, an unnamed `(local a b c)` as written when
its types stay together and in order, else split into its types, each with the comments that
precede it inside the group. Consecutive unnamed locals that carry no comment are written as one
`(local ...)`. Comments between declarations move with a declaration: a comment on the same line
as the end of a declaration belongs to it (`(local $x i32) ;; the counter`), comments on lines
of their own belong to the declaration that follows them. The comments of a removed declaration
(around it or inside it) go before the next kept one, or after the last. Declarations are
separated as before: one per line (with the indentation of the first) when they were on several
lines, else by one space. No comment is ever dropped.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from tree_sitter import Node
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.model import Func
from wat_lsp.passes import remove_unused_locals
from wat_lsp.passes.edits import LineStarts, TextEdit, leading_blanks
from wat_lsp.passes.targets import readable_funcs

NAME = "reorder-locals"
DESCRIPTION = (
    "sort locals by use count (ties by first use) and remove unused ones, renumbering numeric local indices"
)
_LOCAL_OPS = ("local.get", "local.set", "local.tee")
_EXTRAS = ("comment", "block_comment", "annotation")
# The index at the end of `local.get 3` (not a `$name`).
_INDEX = re.compile(rb"(?<![\w$.])(0x[0-9a-fA-F](?:_?[0-9a-fA-F])*|[0-9](?:_?[0-9])*)\s*$")


def new_order(func: Func) -> list[int] | None:
    """The declared locals to keep, in their new order; None when a reference is unresolved
    or out of range (then nothing may be renumbered)."""
    n = len(func.params) + len(func.locals)
    counts: dict[int, int] = {}
    first: dict[int, int] = {}
    for ins in func.body:
        if ins.op.name in _LOCAL_OPS and ins.imms:
            x = ins.imms[0]
            if not isinstance(x, int) or not 0 <= x < n:
                return None
            counts[x] = counts.get(x, 0) + 1
            first.setdefault(x, len(first))
    keep = [d.index for d in func.locals if d.index in counts]
    keep.sort(key=lambda x: (-counts[x], first[x]))
    return keep


# --- the declarations, as units of text --------------------------------------------------


@dataclass(slots=True)
class _Unit:
    """One declaration to write: its locals, its text, the comments that go with it."""

    locals: list[int]
    text: str  # a whole declaration, or (`piece`) one type split from an unnamed group
    piece: bool = False
    piece_lc: bool = False  # the piece ends in a `;;` comment
    # comment runs before it, each with whether a line break follows it
    before: list[tuple[str, bool]] = field(default_factory=list)
    after: str = ""  # same-line text after it: blanks and comments
    after_lc: bool = False  # `after` ends in a `;;` comment

    @property
    def plain(self) -> bool:
        """A lone type with no comment: may join its neighbours in one `(local ...)`."""
        return self.piece and not (self.piece_lc or self.before or self.after)


def _text(data: bytes, a: int, b: int) -> str:
    return data[a:b].decode("utf-8")  # checked valid by `declarations_edit`


def _ends_in_line_comment(extras: list[Node], end: int) -> bool:
    return bool(extras) and extras[-1].type == "comment" and extras[-1].end_byte == end


def _extras(node: Node, a: int, b: int) -> list[Node]:
    """The comments and annotations inside `node` within bytes [a, b), at any depth."""
    found: list[Node] = []
    stack = [node]
    while stack:  # types nest only a few levels, but walk without recursion all the same
        n = stack.pop()
        for k in n.children:
            if k.end_byte <= a or k.start_byte >= b:
                continue
            if k.type in _EXTRAS:
                found.append(k)
            elif k.child_count:
                stack.append(k)
    return sorted(found, key=lambda k: k.start_byte)


def _comments(data: bytes, extras: list[Node]) -> list[tuple[str, bool]]:
    """Comments of a removed declaration, as runs written before the next kept one."""
    return [(_text(data, k.start_byte, k.end_byte), True) for k in extras]


def _split_group(
    data: bytes, node: Node, indices: list[int]
) -> list[tuple[_Unit, list[tuple[str, bool]]]] | None:
    """An unnamed `(local a b c)` as one unit per type, each with the comments before it
    inside the group (the last also with those after it), and those comments alone (for
    when the type is removed)."""
    kids = node.children
    types = [k for k in kids if k.is_named and k.type not in _EXTRAS]
    kw = next((k for k in kids if k.type == "local"), None)
    if kw is None or kids[-1].type != ")" or len(types) != len(indices):
        return None
    units: list[tuple[_Unit, list[tuple[str, bool]]]] = []
    start = kw.end_byte
    for j, t in enumerate(types):
        end = kids[-1].start_byte if j == len(types) - 1 else t.end_byte
        extras = [k for k in kids if k.type in _EXTRAS and start <= k.start_byte and k.end_byte <= end]
        a, b = start, end
        while a < b and data[a : a + 1].isspace():
            a += 1
        while b > a and data[b - 1 : b].isspace():
            b -= 1
        unit = _Unit([indices[j]], _text(data, a, b), piece=True, piece_lc=_ends_in_line_comment(extras, b))
        units.append((unit, _comments(data, _extras(node, start, end))))
        start = t.end_byte
    return units


def _indent(data: bytes, pos: int, lines: LineStarts | None = None) -> str:
    """The indentation for declarations on lines of their own, from the line at `pos`."""
    line = (lines or LineStarts(data))(pos)
    blanks = leading_blanks(data, line, pos)
    lead = data[line:blanks]
    if blanks < pos:  # the declaration follows the function's header on its line
        lead += b"  "
    return lead.decode("utf-8", "replace")


def declarations_edit(
    data: bytes, func_node: Node, func: Func, order: list[int], lines: LineStarts | None = None
) -> TextEdit | None:
    """One edit rewriting the declarations of `func` in `order` (None: not locatable)."""
    kids = func_node.children
    at = [i for i, k in enumerate(kids) if k.type == "local"]
    if not at or any(k.type not in (*_EXTRAS, "local") for k in kids[at[0] : at[-1]]):
        return None
    nodes = [kids[i] for i in at]
    holds: list[list[int]] = [[] for _ in nodes]  # the locals each declaration declares
    starts = [n.start_byte for n in nodes]
    for d in func.locals:
        k = bisect_right(starts, d.span.start) - 1
        if k < 0 or d.span.end > nodes[k].end_byte:
            return None
        holds[k].append(d.index)
    # Extras on the line of a declaration's end are its own; the rest belong to the next one.
    stop = at[-1] + 1
    while (
        stop < len(kids)
        and kids[stop].type in _EXTRAS
        and b"\n" not in data[kids[stop - 1].end_byte : kids[stop].start_byte]
    ):
        stop += 1
    region_end = kids[stop - 1].end_byte
    try:
        data[nodes[0].start_byte : region_end].decode("utf-8")
    except UnicodeDecodeError:
        return None  # text we could not write back unchanged
    bounds = [*at, stop]
    position = {x: k for k, x in enumerate(order)}
    named = {d.index: d.name is not None for d in func.locals}
    units: list[_Unit] = []
    pending: list[tuple[str, bool]] = []  # comments of removed declarations, for the next kept one
    leading: list[Node] = []
    for k, node in enumerate(nodes):
        gap = kids[bounds[k] + 1 : bounds[k + 1]]
        trailing = [c for c in gap if b"\n" not in data[node.end_byte : c.start_byte]]
        before = (
            [
                (
                    _text(data, leading[0].start_byte, leading[-1].end_byte),
                    b"\n" in data[leading[-1].end_byte : node.start_byte],
                )
            ]
            if leading
            else []
        )
        after = _text(data, node.end_byte, trailing[-1].end_byte) if trailing else ""
        after_lc = _ends_in_line_comment(trailing, trailing[-1].end_byte) if trailing else False
        leading = gap[len(trailing) :]
        idx = holds[k]
        live = [x for x in idx if x in position]
        if not live:
            pending += [(c, True) for c, _ in before] + _comments(
                data, _extras(node, node.start_byte, node.end_byte)
            )
            pending += [(after.strip(), True)] if after else []
            continue
        slots = [position.get(x, -1) for x in idx]
        intact = len(live) == len(idx) and slots == list(range(slots[0], slots[0] + len(idx)))
        carry: list[tuple[str, bool]] = []  # comments of removed types, for the next kept one
        if named[idx[0]] or intact:
            group: list[_Unit] = [_Unit(idx, _text(data, node.start_byte, node.end_byte))]
        else:
            pieces = _split_group(data, node, idx)
            if pieces is None:
                return None
            group = []
            for u, comments in pieces:
                if u.locals[0] in position:
                    u.before, carry = carry, []
                    group.append(u)
                else:
                    carry += comments
        group[0].before = pending + before + group[0].before
        pending = carry
        group[-1].after, group[-1].after_lc = after, after_lc
        units.extend(group)
    indent = _indent(data, nodes[0].start_byte, lines)
    nl = "\n" + indent
    sep = nl if b"\n" in data[nodes[0].start_byte : nodes[-1].start_byte] else " "
    units.sort(key=lambda u: position[u.locals[0]])
    merged: list[_Unit] = []
    for u in units:
        if merged and u.plain and merged[-1].plain:
            last = merged[-1]
            merged[-1] = _Unit(last.locals + u.locals, f"{last.text} {u.text}", piece=True)
        else:
            merged.append(u)
    out: list[str] = []
    line_open = False  # the text so far ends in a `;;` comment
    for u in merged:
        if out:
            out.append(nl if line_open else sep)
        for c, line_break in u.before:
            out += [c, nl if line_break else " "]
        out.append(f"(local {u.text}{nl if u.piece_lc else ''})" if u.piece else u.text)
        out.append(u.after)
        line_open = u.after_lc
    for c, _ in pending:  # comments of removed declarations after the last kept one
        out += [nl, c] if out else [c]
        line_open = True
    if line_open:  # the code after the declarations must not end up in a comment
        while data[region_end : region_end + 1] in (b" ", b"\t"):
            region_end += 1
        if data[region_end : region_end + 1] not in (b"\n", b"\r", b""):
            out.append(nl)
    return TextEdit(nodes[0].start_byte, region_end, "".join(out))


def _renumber(data: bytes, func: Func, order: list[int]) -> list[TextEdit]:
    nparams = len(func.params)
    new_index = {x: nparams + k for k, x in enumerate(order)}
    edits: list[TextEdit] = []
    for ins in func.body:
        if ins.op.name not in _LOCAL_OPS or not ins.imms or not isinstance(ins.imms[0], int):
            continue
        x = ins.imms[0]
        y = new_index.get(x, x)
        if y == x:
            continue
        m = _INDEX.search(data, ins.start, ins.end)
        if m is not None:  # else written as $name: nothing to renumber
            edits.append(TextEdit(m.start(1), m.end(1), str(y)))
    return edits


def _commented(func_node: Node) -> bool:
    """Whether a comment or annotation sits inside a local declaration (removing the
    declaration whole would lose it)."""
    return any(_extras(k, k.start_byte, k.end_byte) for k in func_node.children if k.type == "local")


def func_edits(doc: Document, func: Func, lines: LineStarts | None = None) -> list[TextEdit]:
    """The edits reordering the locals of one function (none when already in order)."""
    if func.import_ is not None or not func.locals:
        return []
    order = new_order(func)
    if order is None:
        return []
    node = doc.tree.root_node.descendant_for_byte_range(func.span.start, func.span.end)
    while node is not None and node.type != "func":
        node = node.parent
    if node is None:
        return []
    kept = set(order)
    if order == [d.index for d in func.locals if d.index in kept] and not _commented(node):
        return remove_unused_locals.func_edits(doc, func)  # removals only, or nothing
    decl = declarations_edit(doc.data, node, func, order, lines)
    if decl is None:
        return []
    return [decl, *_renumber(doc.data, func, order)]


def run(doc: Document) -> list[TextEdit]:
    """The pass over every function of every module (registry entry)."""
    edits: list[TextEdit] = []
    lines = LineStarts(doc.data)
    for f in readable_funcs(doc):
        edits.extend(func_edits(doc, f, lines))
    return edits
