"""Folding ranges from the syntax tree: module fields, functions, blocks, rec groups, folded
instructions, block comments and runs of line comments.

One tree-sitter query finds the nodes (the traversal is tree-sitter's, not recursive Python);
a range is kept when it spans more than one line.
"""

from __future__ import annotations

import bisect
import functools
from typing import NamedTuple

from tree_sitter import Node
from wat_lsp.analysis import cancel
from wat_lsp.analysis.document import Document, no_cyclic_gc
from wat_lsp.analysis.ide import function_cache
from wat_lsp.analysis.positions import LineIndex
from wat_lsp.analysis.queries import DeepQuery, captures_in

_REGIONS = ("module", "module_binary", "module_quote", "type_field", "rec_type", "func", "global", "table",
            "memory", "tag", "elem", "data", "import", "export", "start", "block_instr", "if_instr",
            "try_table_instr", "try_instr", "folded_instr", "folded_block", "folded_if", "then_clause",
            "else_clause", "folded_try_table", "folded_try", "do_clause", "legacy_catch", "legacy_catch_all",
            "assertion", "annotation")  # fmt: skip


class Fold(NamedTuple):
    start_line: int
    end_line: int
    kind: str  # 'region' | 'comment'


@functools.cache
def _query() -> DeepQuery:
    regions = " ".join(f"({n})" for n in _REGIONS)
    return DeepQuery(f"[{regions}] @region [(block_comment)] @block (comment) @line")


def folds(doc: Document, index: LineIndex) -> list[Fold]:
    """Every fold of the document, sorted (computed whole: `function_folds` and
    `outside_folds` give the same function by function)."""
    with no_cyclic_gc():  # (see `folds_by_function`)
        return sorted(_folds(doc, index, _captures(doc, 0, len(doc.data)), 0, len(doc.data)))


def folds_by_function(doc: Document, index: LineIndex) -> list[Fold]:
    """What `folds` gives, made function by function: each function's folds are kept in lines
    relative to its first line (`function_cache`), the rest is computed again. Without the
    cyclic collector: hundreds of thousands of folds (100,000 nested blocks) made it rescan
    the analysis again and again (a second of 2 on 100,000 nested `block ... end`)."""
    with no_cyclic_gc():
        return _folds_by_function(doc, index)


def _folds_by_function(doc: Document, index: LineIndex) -> list[Fold]:
    lay = function_cache.layout(doc)
    if lay is None:
        return folds(doc, index)
    lines = [index.line_of(s) for s in lay.starts]

    def compute(missing: list[int]) -> list[list[Fold]]:
        found = function_folds(doc, index, lay, missing)
        return [
            [Fold(f.start_line - lines[i], f.end_line - lines[i], f.kind) for f in fs]
            for i, fs in zip(missing, found, strict=True)
        ]

    out = outside_folds(doc, index, lay)
    for (found, _), line in zip(_PIECES.results(lay, None, compute), lines, strict=True):
        out += [Fold(f.start_line + line, f.end_line + line, f.kind) for f in found]
    out.sort()
    return out


_PIECES: function_cache.Cache[list[Fold]] = function_cache.Cache()


def function_folds(
    doc: Document, index: LineIndex, lay: function_cache.Layout, which: list[int]
) -> list[list[Fold]]:
    """The folds of some function fields of `lay` (positions in `lay.funcs`). Runs of line
    comments never cross a function's first or last line (`(func` and its `)` are on them),
    so each function's runs are its own."""
    whole = _Sorted(_captures(doc, 0, len(doc.data))) if len(which) > function_cache.WHOLE_QUERY else None
    out = []
    for i in which:
        cancel.check()
        start, end = lay.starts[i], lay.ends[i]
        caps = whole.within(start, end) if whole is not None else _captures(doc, start, end)
        out.append(_folds(doc, index, caps, start, end))
    return out


def outside_folds(doc: Document, index: LineIndex, lay: function_cache.Layout) -> list[Fold]:
    """The folds of everything outside the function fields of `lay` (the module too)."""
    out: list[Fold] = []
    data = doc.data
    for a, b in lay.gaps(len(data)):
        if data[a:b].strip():
            out += _folds(doc, index, _captures(doc, a, b), a, b)
    return out


class _Sorted:
    """Captures by name, sorted by start, to be cut into functions."""

    def __init__(self, captures: dict[str, list[Node]]) -> None:
        self.nodes = {name: sorted(ns, key=lambda n: n.start_byte) for name, ns in captures.items()}
        self.starts = {name: [n.start_byte for n in ns] for name, ns in self.nodes.items()}

    def within(self, start: int, end: int) -> dict[str, list[Node]]:
        return {
            name: ns[
                bisect.bisect_left(self.starts[name], start) : bisect.bisect_left(self.starts[name], end)
            ]
            for name, ns in self.nodes.items()
        }


def _captures(doc: Document, start: int, end: int) -> dict[str, list[Node]]:
    root = doc.tree.root_node
    out = captures_in(_query(), root, len(doc.data), start, end)
    if (start <= 0 and end >= len(doc.data)) or root.has_error:
        return out
    cursor = root.walk()  # the modules themselves, which `pieces` replaces by their fields
    more = cursor.goto_first_child_for_byte(start) is not None if start > 0 else cursor.goto_first_child()
    while more and cursor.node is not None and cursor.node.start_byte < end:
        if cursor.node.type == "module" and cursor.node.start_byte >= start:
            out.setdefault("region", []).append(cursor.node)
        more = cursor.goto_next_sibling()
    return out


def _folds(
    doc: Document, index: LineIndex, captures: dict[str, list[Node]], start: int, end: int
) -> list[Fold]:
    """The folds of the nodes in `captures` that start in [start, end) (unsorted)."""
    out: list[Fold] = []
    line_of = index.line_of
    for name in ("region", "block"):
        for node in captures.get(name, []):
            if not start <= node.start_byte < end:
                continue
            first, last = line_of(node.start_byte), line_of(max(node.end_byte - 1, node.start_byte))
            if last > first:
                out.append(Fold(first, last, "region" if name == "region" else "comment"))
    # consecutive `;;` lines, each alone on its line, fold together
    run: list[int] = []
    comments = [n for n in captures.get("line", []) if start <= n.start_byte < end]
    for node in sorted(comments, key=lambda n: n.start_byte):
        line = line_of(node.start_byte)
        alone = not doc.data[index.line_start(line) : node.start_byte].strip()
        if run and alone and line == run[-1] + 1:
            run.append(line)
            continue
        if len(run) > 1:
            out.append(Fold(run[0], run[-1], "comment"))
        run = [line] if alone else []
    if len(run) > 1:
        out.append(Fold(run[0], run[-1], "comment"))
    return out


MAX_DEPTH = 256  # folds nested deeper are left out (100,000 nested blocks: 100,000 folds)


def within_depth(folds: list[Fold], limit: int = MAX_DEPTH) -> tuple[list[Fold], int]:
    """`folds` (sorted) without those inside `limit` others, and how many were left out. A
    fold is inside another that starts no later and ends no earlier (outer first when they
    start on the same line); folds that overlap without nesting do not count."""
    # (start line, -end line) as one int: tuples are tracked by the cyclic collector, which
    # rescanned the analysis while 100,000 of them were made (half a second)
    order = sorted(range(len(folds)), key=lambda i: (folds[i].start_line << 32) - folds[i].end_line)
    ends: list[int] = []  # end lines of the folds around the current one, innermost last
    dropped = set()
    for i in order:
        f = folds[i]
        while ends and ends[-1] < f.end_line:
            ends.pop()
        if len(ends) >= limit:
            dropped.add(i)
        ends.append(f.end_line)
    if not dropped:
        return folds, 0
    return [f for i, f in enumerate(folds) if i not in dropped], len(dropped)
