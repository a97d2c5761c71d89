"""What a rewrite is, and the syntax-tree helpers the rewrites share (decision 41).

A rewrite is a refactoring at the cursor that needs no dialogue: `applies(doc, offset)`
answers cheaply, from the syntax tree and the model, whether it would do anything there;
`edits(doc, offset)` gives the text edits (empty where it does not apply). Both take the
analysed `Document`, so a rewrite can check names and types with the model, and the editor
lists and applies it like the passes' actions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tree_sitter import Node
from wat_lsp.analysis import cst
from wat_lsp.analysis.document import Document
from wat_lsp.passes.edits import TextEdit

COMMENTS = frozenset({"comment", "block_comment", "annotation"})


@dataclass(frozen=True, slots=True)
class Rewrite:
    name: str  # as wasm-language-tools names it, where it has one
    title: str  # the editor's menu entry
    applies: Callable[[Document, int], bool]
    edits: Callable[[Document, int], list[TextEdit]]


def path_to(doc: Document, offset: int) -> list[Node]:
    """The nodes from the root down to the smallest one holding `offset` (going down from the
    root: `Node.parent` costs the depth each time)."""
    root = doc.tree.root_node
    target = root.descendant_for_byte_range(offset, offset)
    out = [root]
    cur: Node | None = root
    while target is not None and cur is not None and cur.id != target.id:
        cur = cur.child_with_descendant(target)
        if cur is not None:
            out.append(cur)
    return out


def innermost(path: list[Node], kinds: frozenset[str]) -> int | None:
    """The position in `path` of its innermost named node of a type in `kinds` (a form, not
    its keyword token, which has the same type)."""
    return next((i for i in range(len(path) - 1, -1, -1) if path[i].is_named and path[i].type in kinds), None)


def clean(node: Node) -> bool:
    """Whether `node` has no syntax error and no comment inside, so rewriting its text loses
    nothing."""
    if node.has_error:
        return False
    stack = [node]
    while stack:  # (bounded by the node's size, not recursive)
        n = stack.pop()
        if n.type in COMMENTS:
            return False
        stack.extend(cst.children(n))
    return True


def text(doc: Document, node: Node) -> str:
    return cst.text(doc.data, node)
