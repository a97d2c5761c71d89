"""Small, allocation-conscious helpers over tree-sitter nodes used by the readers."""

from __future__ import annotations

from tree_sitter import Node
from wat_lsp.analysis.model import Span

# Nodes that are comments or annotations: never meaningful to the reader.
TRIVIA = frozenset({"comment", "block_comment", "annotation"})


def span(node: Node) -> Span:
    return Span(node.start_byte, node.end_byte)


def text(data: bytes, node: Node) -> str:
    return data[node.start_byte : node.end_byte].decode("utf-8", "replace")


def named(node: Node) -> list[Node]:
    """Named children except trivia and errors (errors are reported by `syntax`)."""
    return [
        c for c in node.named_children if c.type not in TRIVIA and not c.is_error and not c.is_missing
    ]


def keyword(node: Node) -> str | None:
    """The first anonymous token after `(`, e.g. `func` in `(func ...)`."""
    for c in node.children:
        if not c.is_named and c.type != "(":
            return c.type
    return None


def has_token(node: Node, token: str) -> bool:
    return any(not c.is_named and c.type == token for c in node.children)
