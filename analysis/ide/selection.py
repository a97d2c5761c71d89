"""Selection ranges: the syntax around an offset, innermost first (token, instruction with its
immediates, folded instruction or block, field, module, file), from the tree-sitter tree.

The path is found walking down from the root with a tree cursor (`goto_first_child_for_byte`
at each level), never up with `Node.parent` (which tree-sitter answers by walking down from
the root each time: quadratic in the nesting depth) and never by recursion. Plain
instructions are `plain_instr` nodes (the mnemonic and its immediates), so flat code gets the
instruction as one level. Parentheses alone and empty (MISSING) nodes are not levels, nor is
a node with the same span as the one inside it. At most `MAX_LEVELS` levels are returned
(the chain is nested JSON, which clients and lsprotocol's serialiser read recursively).
"""

from __future__ import annotations

from tree_sitter import Tree
from wat_lsp.analysis.model import Span

_PUNCTUATION = frozenset({"(", ")"})
MAX_LEVELS = 256  # levels returned at most: the innermost and the outermost `_OUTER` are kept
_OUTER = 16


def _path(tree: Tree, offset: int) -> list[Span]:
    """Spans of the nodes from the root down to the token at `offset` (a token ending at
    `offset` when none starts or lies there)."""
    cursor = tree.walk()
    root = cursor.node
    assert root is not None
    out = [Span(root.start_byte, root.end_byte)]
    while True:
        found = None
        for at in (offset, offset - 1):  # the token at the cursor, else the one ending there
            if at < 0:
                continue
            if cursor.goto_first_child_for_byte(at) is not None:
                node = cursor.node
                if node is not None and node.start_byte <= at < node.end_byte:
                    found = node
                    break
                cursor.goto_parent()
        if found is None:
            return out
        if found.type not in _PUNCTUATION:
            out.append(Span(found.start_byte, found.end_byte))


def selection_spans(tree: Tree, offset: int) -> list[Span]:
    """The levels of selection at `offset`, innermost first, each strictly inside the next;
    at least one (an empty span at `offset` when no node holds it)."""
    spans: list[Span] = []
    for s in reversed(_path(tree, offset)):
        if s.end <= s.start or not s.start <= offset <= s.end:
            continue
        if not spans or (s.start <= spans[-1].start and spans[-1].end <= s.end and s != spans[-1]):
            spans.append(s)
    if len(spans) > MAX_LEVELS:  # thousands of nested forms: no one expands through them all,
        spans = spans[: MAX_LEVELS - _OUTER] + spans[-_OUTER:]  # and clients recurse on the chain
    return spans or [Span(offset, offset)]
