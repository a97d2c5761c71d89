"""Tree-sitter queries in time linear in the tree, whatever its depth.

A query cursor keeps a state for each match in progress, and every node it visits is offered
to every state. A pattern such as `(folded_block label: (identifier) @x)` stays in progress
from its node's start to its end, so on 100,000 nested blocks each node meets up to 100,000
states: `captures` over 20,000 nested folded instructions took 250 s.

`DeepQuery.captures` runs the query in slabs of `SLAB` levels: a cursor whose matches may
only start in the first `SLAB` levels below its node (`set_max_start_depth`, which also stops
the descent once no match needs deeper nodes), then the same from each node `SLAB` levels
down. For the whole tree those are found by a probe pattern of `SLAB` nested wildcards made
part of the query itself, anchored at the root's type, so a shallow tree is visited once;
below, by stepping down level by level (`_below`; the probe run on its own cost 10 times as
much: a query cursor compares each node with each of its states in progress). No
match is lost or found twice: each starts in exactly one slab, and its steps may go below
it. Captures come back by name as `QueryCursor.captures` gives them, in no particular order
across slabs (the callers sort them).

Error recovery makes another shape: an ERROR node holds its children in a chain of hidden
nodes, and the query cursor walks that chain for every child it visits (1,000,000 `)`: 5 s;
the unclosed `(block` of 20,000 levels: 2.5 s for a query matching nothing). A `TreeCursor`
steps through the same children in constant time each, so nodes with an error inside are
walked here, one child at a time, down to the error-free children, whose slabs run as above;
at each walked node, only the matches that start there are asked for (none start at an ERROR
node: the callers' patterns all name the node type they start at), and an error-free leaf
(or SLAB levels down) gets the captures of the first leaf of its kind (2 query runs per `)`
cost 3 s), and the probe does not run on a node with fewer than SLAB descendants.
"""

from __future__ import annotations

from tree_sitter import Node, Query, QueryCursor
from wat_lsp.analysis import cancel
from wat_lsp.analysis.syntax import language

SLAB = 12  # levels per cursor: at most SLAB states in progress per pattern (8-16 fastest)
_DEEP = "wat_lsp.deep"  # the probe's capture name
_ROOT = "source_file"


def _probe(depth: int) -> str:
    """A pattern capturing the nodes (named or not) `depth` levels below where it starts (a wildcard
    at each level)."""
    return "(_ " * depth + f"_ @{_DEEP}" + ")" * depth


def _below(node: Node, start: int, end: int | None) -> list[Node]:
    """The nodes `SLAB` levels below `node` that reach into [start, end), level by level (the
    probe query does the same but costs 10 times as much: each node it visits is compared with
    each of its states in progress, one per level)."""
    level = [node]
    stop = end if end is not None else 1 << 62
    # Only the children of a node across a bound are sifted, as `captures` steps through
    # children (`goto_first_child_for_byte`).
    ranged = start > node.start_byte or stop < node.end_byte
    for left in range(SLAB, 0, -1):
        below: list[Node] = []
        for n in level:
            if n.descendant_count <= left:  # (itself included) nothing is `left` levels down
                continue
            if ranged and (start > n.start_byte or stop < n.end_byte):
                below += [
                    c
                    for c in n.children
                    if c.end_byte > start and not (c.start_byte > stop or c.start_byte == stop < c.end_byte)
                ]
            else:
                below += n.children
        if not below:
            return below
        level = below
    return level


class DeepQuery:
    """A query compiled for `captures` (the probe added for the root's slab)."""

    def __init__(self, source: str) -> None:
        lang = language()
        self.query = Query(lang, source)
        # Anchored at the root's type, which no other node has: it starts only at the root.
        self._rooted = Query(lang, f"{source}\n({_ROOT} {_probe(SLAB - 1)})")
        # What a leaf's own matches capture, by its kind: a leaf has no children or fields to
        # tell two of a kind apart (the callers' queries have no predicates on text).
        self._leaf_captures: dict[int, list[str]] = {}

    def captures(self, node: Node, start: int = 0, end: int | None = None) -> dict[str, list[Node]]:
        """What `QueryCursor(query).captures(node)` gives (restricted to bytes [start, end)
        when given), found slab by slab."""
        out: dict[str, list[Node]] = {}
        deep: list[Node] = []  # error-free nodes whose slabs are still to run
        broken: list[Node] = []  # nodes with errors inside
        stop = node.end_byte if end is None else end
        if node.has_error:
            broken.append(node)
        elif node.type == _ROOT and node.parent is None:
            self._run(self._rooted, node, start, end, out, deep, SLAB - 1)
        else:
            deep.append(node)
        steps = 0
        while broken or deep:  # work lists, not recursion: the depth is the text's
            steps += 1
            if not steps & 255:
                cancel.check()  # (nothing shared is half made here)
            if deep:
                slab = deep.pop()
                if not slab.child_count:
                    self._add_leaf(slab, out)
                    continue
                self._run(self.query, slab, start, end, out, None, SLAB - 1)
                deep += _below(slab, start, end)
                continue
            top = broken.pop()
            if not top.is_error:  # no pattern starts at an ERROR node (see the module docstring)
                self._run(self.query, top, start, end, out, None, 0)
            cursor = top.walk()
            more = (
                cursor.goto_first_child_for_byte(start) is not None
                if start > top.start_byte
                else cursor.goto_first_child()
            )
            known = self._leaf_captures
            ranged = end is not None
            while more:  # (a million `)` children: kept tight)
                child = cursor.node
                assert child is not None
                if ranged and (child.start_byte > stop or child.start_byte == stop < child.end_byte):
                    break
                if child.has_error:
                    broken.append(child)
                elif child.child_count:
                    deep.append(child)
                elif known.get(child.kind_id) != []:  # a leaf, unless its kind captures nothing
                    self._add_leaf(child, out)
                more = cursor.goto_next_sibling()
        return out

    def _add_leaf(self, leaf: Node, out: dict[str, list[Node]]) -> None:
        """The captures of an error-free leaf's own matches: those of the first leaf of its kind."""
        names = self._leaf_captures.get(leaf.kind_id)
        if names is None:
            found: dict[str, list[Node]] = {}
            self._run(self.query, leaf, 0, None, found, None, 0)
            names = self._leaf_captures[leaf.kind_id] = list(found)
        for name in names:
            have = out.get(name)
            if have is None:
                out[name] = [leaf]
            else:
                have.append(leaf)

    @staticmethod
    def _run(
        query: Query,
        node: Node,
        start: int,
        end: int | None,
        out: dict[str, list[Node]] | None,
        deep: list[Node] | None,
        depth: int,
    ) -> None:
        cursor = QueryCursor(query)
        cursor.set_max_start_depth(depth)
        if start > 0 or end is not None:
            cursor.set_byte_range(start, end if end is not None else max(start, node.end_byte))
        for name, found in cursor.captures(node).items():
            if name == _DEEP:
                if deep is not None:
                    deep.extend(found)
            elif out is not None:
                have = out.get(name)
                if have is None:
                    out[name] = found
                else:
                    have.extend(found)


def pieces(root: Node, start: int, end: int | None) -> list[Node]:
    """The nodes to query for the captures in [start, end): the top-level forms that reach
    into it, a module replaced by its fields that do (not the module itself: a caller whose
    patterns match it adds it); without an end, the root. The callers' patterns match within
    one field, and a query from the root over a range still walks the whole tree (0.4 s for
    one function of a 13 MB module, 0.3 s for 2 KB of module fields of 10 MB), one from a
    field the field only."""
    if end is None:
        return [root]
    out: list[Node] = []
    top = root.walk()
    more = top.goto_first_child_for_byte(start) is not None if start > 0 else top.goto_first_child()
    while more:
        node = top.node
        if node is None or node.start_byte >= max(end, start + 1):
            break
        if node.type != "module":
            out.append(node)
        else:
            inner = node.walk()
            more_inner = (
                inner.goto_first_child_for_byte(start) is not None
                if start > node.start_byte
                else inner.goto_first_child()
            )
            while more_inner:
                field = inner.node
                if field is None or field.start_byte >= max(end, start + 1):
                    break
                out.append(field)
                more_inner = inner.goto_next_sibling()
        more = top.goto_next_sibling()
    return out


def captures_in(query: DeepQuery, root: Node, size: int, start: int, end: int) -> dict[str, list[Node]]:
    """`query`'s captures reaching into [start, end) of a text of `size` bytes whose tree is
    `root`: a range from the fields around it (`pieces`; from the root the query walked the
    whole tree, 0.3 s on 10 MB for one function), the whole or a tree with errors (its leaves
    may hang from an ERROR root) from the root."""
    if (start <= 0 and end >= size) or root.has_error:
        return query.captures(root, start, end)
    out: dict[str, list[Node]] = {}
    for piece in pieces(root, start, end):
        for name, found in query.captures(piece, start, end).items():
            have = out.get(name)
            if have is None:
                out[name] = found
            else:
                have.extend(found)
    return out
