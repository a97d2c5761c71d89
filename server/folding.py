"""Folding ranges from the syntax tree: module fields, functions, blocks, rec groups, folded
instructions, block comments and runs of line comments.

One tree-sitter query finds the nodes (the traversal is tree-sitter's, not recursive Python);
a range is kept when it spans more than one line.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from tree_sitter import Query, QueryCursor
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.positions import LineIndex
from wat_lsp.analysis.syntax import language

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
def _query() -> Query:
    regions = " ".join(f"({n})" for n in _REGIONS)
    return Query(language(), f"[{regions}] @region [(block_comment)] @block (comment) @line")


def folds(doc: Document, index: LineIndex) -> list[Fold]:
    out: list[Fold] = []
    captures = QueryCursor(_query()).captures(doc.tree.root_node)
    line_of = index.line_of
    for name in ("region", "block"):
        for node in captures.get(name, []):
            first, last = line_of(node.start_byte), line_of(max(node.end_byte - 1, node.start_byte))
            if last > first:
                out.append(Fold(first, last, "region" if name == "region" else "comment"))
    # consecutive `;;` lines, each alone on its line, fold together
    run: list[int] = []
    for node in sorted(captures.get("line", []), key=lambda n: n.start_byte):
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
    out.sort()
    return out
