"""Lexing half-typed text around a cursor, for completion and signature help.

While something is being typed the forms around the cursor are often unclosed, and
tree-sitter's recovery may attach the tokens before it to nodes that say little about what the
user meant. So both features read the text itself: the syntax tree only says where to start
(`scan_start`: the module field around the cursor, found walking down from the root through
`(module`, assertions and the like), and `tokens` reads from there to the cursor, comments and
strings skipped, saying when the cursor is inside one.

Bounds: a field that runs on for more than `WINDOW` bytes before the cursor (an unclosed form
swallowing the rest of a module) is restarted at the last line that opens a module field at
the field's own indentation (`restart`), and no more than `BUDGET` bytes before the cursor are
lexed. Inside the field, runs of complete error-free instructions may be jumped over
(`skips`), or the lexing may start at the outermost error-free instruction holding the cursor
(`statement_start`).
"""

from __future__ import annotations

import re

from tree_sitter import Node, Tree
from wat_lsp.analysis.body import INSTR_NODES

# The scanner lives in the core (the script reader uses it too); the features reach it from here.
from wat_lsp.analysis.tokens import IDBYTES as IDBYTES
from wat_lsp.analysis.tokens import tokens as tokens

WINDOW = 1 << 16  # bytes of field text before the cursor read without looking for a restart
# Bytes lexed before the cursor at most, from the line after that point when there is one (100,000
# nested blocks, or a million `)`, in one field took seconds per completion).
BUDGET = 1 << 18

MODULE_FIELDS = ("func", "type", "import", "export", "global", "memory", "table", "data", "elem", "tag",
                 "start", "rec")  # fmt: skip
# Nodes that hold module fields (or other top-level forms): the walk goes through them.
CONTAINERS = frozenset({"module", "assertion", "thread", "wast_assertion"})
FIELD_NODES = frozenset(MODULE_FIELDS)


def scan_start(
    data: bytes,
    tree: Tree,
    offset: int,
    statement: bool = False,
) -> tuple[int, list[tuple[str, int]], Node | None, bool]:
    """Where to lex from for a cursor at `offset`: the start of the module field (or top-level
    form) around it (with `statement`, of the statement around the cursor in it when there is
    one), restarted and bounded as the module doc says; the forms open there (`(module` and
    the like: keyword and start, outermost first); the field's node, None when the start is
    not the node's (then `skips` does not apply); and whether the budget cut the field (forms
    opened before the start are not seen)."""
    start, containers, node = _field_around(tree, offset)
    if node is None:
        return start, containers, None, False
    if statement and node.type in FIELD_NODES:
        start = statement_start(node, offset)
        if start != node.start_byte:
            return start, containers, None, False
    start = restart(data, node.start_byte, offset)
    if offset - start > BUDGET:
        start = max(data.find(b"\n", offset - BUDGET, offset) + 1, offset - BUDGET)
        return start, containers, None, True
    return start, containers, node if start == node.start_byte else None, False


def _field_around(tree: Tree, offset: int) -> tuple[int, list[tuple[str, int]], Node | None]:
    containers: list[tuple[str, int]] = []
    parent = tree.root_node
    before = max(offset - 1, 0)  # the byte before the word: a `(` there may end an ERROR node
    for _ in range(4):  # source_file > (module | assertion ...) > module > field: a few levels
        cursor = parent.walk()
        node = cursor.node if cursor.goto_first_child_for_byte(before) is not None else None
        if node is None or node.start_byte >= offset:
            # between children: the cursor may still be inside the one before, left open
            last = parent.child(parent.child_count - 1) if parent.child_count else None
            prev = node.prev_sibling if node is not None else last
            if prev is None or not (prev.has_error or prev.type == "ERROR") or prev.start_byte >= offset:
                return offset, containers, None
            node = prev
        if node.type in CONTAINERS:
            containers.append((node.type, node.start_byte))
            parent = node
            continue
        return node.start_byte, containers, node
    return offset, containers, None


def restart(data: bytes, start: int, offset: int) -> int:
    """`start`, or a later line start when the field runs on past `WINDOW` bytes: the last
    line before `offset` that opens a module field at the indentation of the field's start."""
    if offset - start <= WINDOW:
        return start
    line = data.rfind(b"\n", 0, start) + 1
    indent = data[line:start]
    if indent.strip():
        return start
    needle = b"\n" + indent + b"("
    pos = data.rfind(needle, start, offset)
    for _ in range(1000):
        if pos < 0:
            break
        at = pos + len(needle)
        word = re.match(rb"[a-z]+", data[at : at + 8])
        if word is not None and word.group().decode() in MODULE_FIELDS:
            return at - 1
        pos = data.rfind(needle, start, pos)
    return start


def skips(field: Node, offset: int) -> dict[int, int]:
    """Runs of instructions the lexer may jump over: in each node on the way from the field
    down to `offset`, consecutive error-free instruction children that end before it, but the
    last of each run (its immediates may be what the cursor completes). Such a run only adds
    instructions to the form that holds it. The children are visited (in C), not their
    tokens: a 1 MB function costs its top-level instructions."""
    out: dict[int, int] = {}
    node: Node | None = field
    before = max(offset - 1, 0)
    for _ in range(10_000):  # the depth of the path to the cursor (a loop, not recursion)
        if node is None or node.child_count == 0:
            break
        cursor = node.walk()
        more = cursor.goto_first_child()
        first = last = second_last = -1
        inside: Node | None = None
        while more:
            c = cursor.node
            assert c is not None
            if c.start_byte >= offset:
                break
            if c.end_byte <= offset and c.type in INSTR_NODES and not c.has_error:
                if first < 0:
                    first = c.start_byte
                second_last, last = last, c.end_byte
            else:
                if first >= 0 and second_last > first:
                    out[first] = second_last
                first = last = second_last = -1
                if c.start_byte <= before < c.end_byte:
                    inside = c
            more = cursor.goto_next_sibling()
        if first >= 0 and second_last > first:
            out[first] = second_last
        node = inside
    return out


def statement_start(field: Node, offset: int) -> int:
    """The start of the outermost error-free instruction holding `offset` inside `field`
    (every form open at the cursor is inside it, so a long function is not lexed from its
    start), else the field's start (the text around the cursor does not parse)."""
    cursor = field.walk()
    while cursor.goto_first_child_for_byte(offset) is not None:  # down the path: a loop
        node = cursor.node
        if node is None or not node.start_byte < offset < node.end_byte:
            break
        if node.type in INSTR_NODES and not node.has_error:
            return node.start_byte
    return field.start_byte
