"""Small, allocation-conscious helpers over tree-sitter nodes used by the readers.

`Node.children` (and `named_children`, built from it) caches its list on the node object,
so every node reached that way lives as long as its parent's object: reading a module through
long-lived field nodes kept the whole CST in memory as Python objects (~140 bytes a node,
most of the peak on large files). The helpers here walk with a `TreeCursor`, whose nodes are
fresh objects that die with the lists holding them; the cost per child is the same.
"""

from __future__ import annotations

from tree_sitter import Node
from wat_lsp.analysis.lexical import glued
from wat_lsp.analysis.model import Span
from wat_lsp.analysis.syntax import language

# Nodes that are comments or annotations: never meaningful to the reader.
TRIVIA = frozenset({"comment", "block_comment", "annotation"})


def kind_ids(names: frozenset[str] | set[str] | tuple[str, ...]) -> frozenset[int]:
    """The `Node.kind_id`s of the named node types `names` (an int test is cheaper than
    building the `Node.type` string)."""
    lang = language()
    return frozenset(
        i
        for i in range(lang.node_kind_count)
        if lang.node_kind_is_named(i) and lang.node_kind_for_id(i) in names
    )


def _named_kinds() -> frozenset[int]:
    lang = language()
    return frozenset(
        i
        for i in range(lang.node_kind_count)
        if lang.node_kind_is_named(i) and lang.node_kind_for_id(i) not in TRIVIA
    )


# Named, not trivia (ERROR has its own kind id, outside this set).
_KEEP = _named_kinds()
_TRIVIA_KINDS = kind_ids(TRIVIA)
_NAMED = _KEEP | _TRIVIA_KINDS
_PARENS = frozenset(b"()")
# The message of `lexical.glue_diagnostic`, for the scans here that find the same places.
GLUE_MESSAGE = "missing white space between tokens"


def span(node: Node) -> Span:
    return Span(node.start_byte, node.end_byte)


def text(data: bytes, node: Node) -> str:
    return data[node.start_byte : node.end_byte].decode("utf-8", "replace")


def children(node: Node) -> list[Node]:
    """`node.children` without caching them on `node` (see the module docstring)."""
    out: list[Node] = []
    cur = node.walk()
    more = cur.goto_first_child()
    while more:
        c = cur.node
        assert c is not None
        out.append(c)
        more = cur.goto_next_sibling()
    return out


def named(node: Node) -> list[Node]:
    """Named children except trivia and errors (errors are reported by `syntax`)."""
    keep = _KEEP
    if not node.has_error:  # then no child is ERROR or MISSING
        return [c for c in children(node) if c.kind_id in keep]
    return [c for c in children(node) if c.kind_id in keep and not c.is_error and not c.is_missing]


def named_until(node: Node, stop: frozenset[int]) -> list[Node]:
    """`named(node)` up to the first child whose kind id is in `stop` (for a function:
    its header, without walking its instructions)."""
    keep = _KEEP
    err = node.has_error
    out: list[Node] = []
    cur = node.walk()
    more = cur.goto_first_child()
    while more:
        c = cur.node
        assert c is not None
        k = c.kind_id
        if k in stop:
            break
        if k in keep and not (err and (c.is_error or c.is_missing)):
            out.append(c)
        more = cur.goto_next_sibling()
    return out


def fresh(node: Node) -> Node:
    """Another object for the same node: what it caches dies with it."""
    c = node.walk().node
    assert c is not None
    return c


def keyword(node: Node) -> str | None:
    """The first anonymous token after `(`, e.g. `func` in `(func ...)`."""
    cur = node.walk()
    more = cur.goto_first_child()
    while more:
        c = cur.node
        assert c is not None
        if not c.is_named and c.type != "(":
            return c.type
        more = cur.goto_next_sibling()
    return None


def has_token(node: Node, token: str) -> bool:
    return token in tokens(node)


def tokens(node: Node) -> set[str]:
    """The anonymous tokens (keywords, parentheses) among the children of `node`."""
    return {c.type for c in children(node) if not c.is_named}


def glue_scan(
    node: Node, data: bytes, skip: frozenset[int], named_out: list[Node] | None = None
) -> tuple[int | None, list[Node]]:
    """Where `lexical.glued` finds a child of `node` touching the previous token (its start),
    and the named children with children of their own whose kind is not in `skip`: one
    cursor pass. Without errors in `node` no child is MISSING and the extras are the trivia,
    which is all `glued` asks of the nodes. `named_out` gets `named(node)` on the way."""
    if node.has_error:
        f = fresh(node)
        c = glued(f, data)
        if named_out is not None:
            named_out += named(node)
        return (None if c is None else c.start_byte), [
            k for k in f.named_children if k.kind_id not in skip and k.child_count
        ]
    at: int | None = None
    kids: list[Node] = []
    size = len(data)
    prev_end = -1  # -1: no previous token, or a comment
    cur = node.walk()
    more = cur.goto_first_child()
    while more:
        c = cur.node
        assert c is not None
        k = c.kind_id
        if k in _TRIVIA_KINDS:
            prev_end = -1
        else:
            start = c.start_byte
            if (
                at is None
                and start == prev_end
                and 0 < start < size
                and data[start] not in _PARENS
                and data[start - 1] not in _PARENS
            ):
                at = start
            prev_end = c.end_byte
        if k in _NAMED and k not in skip and c.child_count:
            kids.append(c)
        if named_out is not None and k in _KEEP:
            named_out.append(c)
        more = cur.goto_next_sibling()
    return at, kids


def path(root: Node, node: Node) -> list[Node]:
    """`root` and the nodes below it down to `node` (a descendant of it), found from the root
    down: tree-sitter answers `Node.parent` by walking down from the root, so a loop of them
    costs depth squared (6.8 s at 20,000 nested blocks)."""
    out = [root]
    cur: Node | None = root
    while cur is not None and cur.id != node.id:
        cur = cur.child_with_descendant(node)
        if cur is not None:
            out.append(cur)
    return out


def innermost(root: Node, node: Node, kinds: frozenset[str]) -> Node | None:
    """The innermost of `node` and its ancestors under `root` whose type is in `kinds`."""
    return next((n for n in reversed(path(root, node)) if n.type in kinds), None)
