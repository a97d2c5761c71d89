"""tree-sitter parsing and the `syntax` diagnostics made from ERROR and MISSING nodes."""

from __future__ import annotations

import functools
import re

from tree_sitter import Language, Node, Parser, Tree
from wat_lsp.analysis.diagnostics import Diagnostic, make
from wat_lsp.analysis.model import Span

from wat_lsp import _grammar

# More than this many syntax errors in one file is noise: the rest are usually one mistake.
MAX_SYNTAX_DIAGNOSTICS = 100


@functools.cache
def language() -> Language:
    return Language(_grammar.language())


def new_parser() -> Parser:
    return Parser(language())


def parse(data: bytes, old_tree: Tree | None = None) -> Tree:
    parser = new_parser()
    return parser.parse(data, old_tree) if old_tree is not None else parser.parse(data)


# How tokens read in "expected ..." messages.
_TOKEN_WORDS = {
    "instr_name": "an instruction",
    "identifier": "a `$name`",
    "integer": "an integer",
    "float": "a number",
    "string": "a string",
    "num_type": "a value type",
    "ref_type": "a reference type",
    "abs_heap_type": "a heap type",
}


def _describe_token(name: str) -> str | None:
    if name in _TOKEN_WORDS:
        return _TOKEN_WORDS[name]
    if name.startswith("_") or name in ("ERROR", "end", "comment", "block_comment", "annotation"):
        return None if name != "end" else "`end`"
    if name.isidentifier() and not name[:1].isupper() and "_" in name:
        return None  # an internal node name, not a token the user types
    return f"`{name}`"


def _expected(node: Node) -> list[str]:
    """What the grammar would accept where `node` starts, in words."""
    prev = node.prev_sibling
    state = prev.next_parse_state if prev is not None else node.parse_state
    lang = language()
    words: list[str] = []
    it = lang.lookahead_iterator(state)
    if it is None:
        return words
    for name in it.names():
        word = _describe_token(name)
        if word is not None and word not in words:
            words.append(word)
    return words


def _first_leaf(node: Node) -> Node:
    while node.child_count:
        child = node.child(0)
        if child is None:
            break
        node = child
    return node


def _snippet(data: bytes, span: Span) -> str:
    text = data[span.start : span.end].decode("utf-8", "replace")
    text = text.split("\n", 1)[0]
    return text if len(text) <= 30 else text[:27] + "..."


def _error_message(node: Node, data: bytes) -> tuple[str, Span]:
    leaf = _first_leaf(node)
    span = Span(leaf.start_byte, max(leaf.end_byte, leaf.start_byte))
    text = data[span.start : span.end]
    if text.startswith(b'"') or data[node.start_byte : node.start_byte + 1] == b'"':
        line_end = data.find(b"\n", node.start_byte)
        end = line_end if line_end >= 0 else len(data)
        return "unterminated string literal", Span(node.start_byte, end)
    if data[node.start_byte : node.start_byte + 2] == b"(;":
        return "unterminated block comment `(;`", Span(node.start_byte, node.start_byte + 2)
    if span.start == span.end:
        span = Span(node.start_byte, min(node.end_byte, node.start_byte + 1))
    found = _snippet(data, span) if span.end > span.start else "end of file"
    if found == ")":
        return "unmatched `)`: no `(` opens it", span
    expected = _expected(node)
    if expected:
        shown = ", ".join(expected[:6]) + (", ..." if len(expected) > 6 else "")
        return f"unexpected `{found}`; expected {shown}", span
    return f"unexpected `{found}`", span


def _context(node: Node) -> str:
    parent = node.parent
    while parent is not None and parent.type.startswith("_"):
        parent = parent.parent
    if parent is None or parent.type == "source_file":
        return ""
    return f" in `{parent.type.replace('_', ' ')}`"


_UNTERMINATED = {
    "unterminated_string": "unterminated string literal: a `\"` is missing before the end of the line",
    "unterminated_block_comment": "unterminated block comment: `(;` has no matching `;)`",
    "unterminated_annotation": "unterminated annotation: `(@` has no matching `)`",
}
_LEX = re.compile(rb'\(;|;\)|;;[^\n]*|"(?:[^"\\\n]|\\.)*"?|[()]')


def paren_balance(data: bytes) -> tuple[list[int], list[int]]:
    """Offsets of `(` never closed and of `)` never opened, outside strings and comments."""
    opened: list[int] = []
    stray: list[int] = []
    depth = 0  # block comment nesting
    for m in _LEX.finditer(data):
        tok = m.group()
        if tok == b"(;":
            depth += 1
        elif tok == b";)":
            depth = max(depth - 1, 0)
        elif depth:
            continue
        elif tok == b"(":
            opened.append(m.start())
        elif tok == b")":
            if opened:
                opened.pop()
            else:
                stray.append(m.start())
    return opened, stray


def _unterminated_tokens(node: Node) -> list[Node]:
    out: list[Node] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type in _UNTERMINATED:
            out.append(n)
        elif n.child_count:
            stack.extend(n.children)
    return out


def syntax_diagnostics(tree: Tree, data: bytes, base: int = 0) -> list[Diagnostic]:
    """One diagnostic per ERROR or MISSING node, innermost first found; bounded in count.

    `base` shifts spans, for text parsed out of a larger document (`module quote`).
    """
    out: list[Diagnostic] = []
    if not tree.root_node.has_error:
        return out
    opened, _ = paren_balance(data)
    if opened:
        # An unclosed parenthesis makes tree-sitter wrap the rest of the file in one error;
        # the useful message is which `(` is never closed.
        at = opened[-1]
        head = _snippet(data, Span(at, min(at + 40, len(data)))).split()
        word = head[0] if head else "("
        line = data.count(b"\n", 0, at) + 1
        out.append(make("syntax", f"`{word}` on line {line} is never closed: a `)` is missing",
                        Span(base + at, base + at + len(word.encode()))))  # fmt: skip
    stack = [tree.root_node]
    while stack and len(out) < MAX_SYNTAX_DIAGNOSTICS:
        node = stack.pop()
        if node.is_missing:
            what = node.type
            if what == ")" and opened:
                continue
            opener = node.parent
            msg = f"missing `{what}`"
            if what == ")" and opener is not None:
                line = data.count(b"\n", 0, opener.start_byte) + 1
                head = _snippet(data, Span(opener.start_byte, opener.end_byte)).split()
                msg += f" to close `{head[0] if head else '('}` opened on line {line}"
            at = node.start_byte
            out.append(make("syntax", msg + _context(node), Span(base + at, base + at)))
            continue
        if node.is_error:
            bad = _unterminated_tokens(node)
            for tok in bad:
                out.append(make("syntax", _UNTERMINATED[tok.type],
                                Span(base + tok.start_byte, base + min(tok.end_byte, tok.start_byte + 2))))
            if bad or (opened and node.end_byte >= len(data.rstrip())):
                continue
            msg, span = _error_message(node, data)
            out.append(make("syntax", msg, Span(base + span.start, base + span.end)))
            continue
        if node.has_error:
            stack.extend(reversed(node.children))
    out.sort(key=lambda d: d.span.start)
    return out
