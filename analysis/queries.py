"""Tree-sitter queries in time linear in the tree, whatever its depth.

A query cursor keeps a state for each match in progress, and every node it visits is offered
to every state. A pattern such as `(folded_block label: (identifier) @x)` stays in progress
from its node's start to its end, so on 100,000 nested blocks each node meets up to 100,000
states: `captures` over 20,000 nested folded instructions took 250 s.

`DeepQuery.captures` runs the query in slabs of `SLAB` levels: a cursor whose matches may
only start in the first `SLAB` levels below its node (`set_max_start_depth`, which also stops
the descent once no match needs deeper nodes), then the same from each node `SLAB` levels
down, found by a probe pattern of `SLAB` nested wildcards. For the whole tree the probe is
part of the query itself, anchored at the root's type, so a shallow tree is visited once. No
match is lost or found twice: each starts in exactly one slab, and its steps may go below
it. Captures come back by name as `QueryCursor.captures` gives them, in no particular order
across slabs (the callers sort them).
"""

from __future__ import annotations

import functools

from tree_sitter import Node, Query, QueryCursor
from wat_lsp.analysis.syntax import language

SLAB = 32  # levels per cursor: at most SLAB states in progress per pattern
_DEEP = "wat_lsp.deep"  # the probe's capture name
_ROOT = "source_file"


def _probe(depth: int) -> str:
    """A pattern capturing the named nodes `depth` levels below where it starts (a wildcard
    at each level)."""
    return "(_ " * depth + f"(_) @{_DEEP}" + ")" * depth


@functools.cache
def _probe_query() -> Query:
    return Query(language(), _probe(SLAB))


class DeepQuery:
    """A query compiled for `captures` (the probe added for the root's slab)."""

    def __init__(self, source: str) -> None:
        lang = language()
        self.query = Query(lang, source)
        # Anchored at the root's type, which no other node has: it starts only at the root.
        self._rooted = Query(lang, f"{source}\n({_ROOT} {_probe(SLAB - 1)})")

    def captures(self, node: Node, start: int = 0, end: int | None = None) -> dict[str, list[Node]]:
        """What `QueryCursor(query).captures(node)` gives (restricted to bytes [start, end)
        when given), found slab by slab."""
        out: dict[str, list[Node]] = {}
        deep: list[Node] = []
        if node.type == _ROOT and node.parent is None:
            self._run(self._rooted, node, start, end, out, deep)
        else:
            deep.append(node)
        while deep:  # a work list, not recursion: the depth is the text's
            top = deep.pop()
            self._run(self.query, top, start, end, out, None)
            self._run(_probe_query(), top, start, end, None, deep)
        return out

    @staticmethod
    def _run(query: Query, node: Node, start: int, end: int | None,
             out: dict[str, list[Node]] | None, deep: list[Node] | None) -> None:  # fmt: skip
        cursor = QueryCursor(query)
        cursor.set_max_start_depth(SLAB - 1 if out is not None else 0)
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
