"""Lexical rules the grammar leaves to us: token separation, characters, annotation ids.

The text format needs white space (or a parenthesis, or a comment) between two tokens:
`0drop`, `$l"a"` and `"a""b"` are malformed even though a lexer can split them. Characters
outside strings and comments must be printable ASCII. Annotation ids must be non-empty; the
annotations `wasm-tools` reads inside a module are checked by `annotations.py`.
Each check here is linear and runs in C-speed scans first, touching the tree only at hits.
"""

from __future__ import annotations

import re

from tree_sitter import Node, Tree
from wat_lsp.analysis.annotations import annotation_diagnostics, find_annotations
from wat_lsp.analysis.diagnostics import Diagnostic, make
from wat_lsp.analysis.literals import parse_name, parse_string
from wat_lsp.analysis.model import Span

_ILLEGAL = re.compile(rb"[^\t\n\r\x20-\x7e]")
_LEGAL = bytes([0x09, 0x0A, 0x0D, *range(0x20, 0x7F)])  # every byte `_ILLEGAL` does not match
_ANNOTATION_ID = re.compile(rb'\(@(?:([!#$%&\'*+\-./0-9:<=>?@A-Z\\^_`a-z|~]+)|("(?:[^"\\\n]|\\.)*"))')
_STRING_OR_COMMENT = re.compile(rb'"(?:[^"\\\n]|\\.)*"|;;[^\n]*')
# strings (any character up to the closing quote, as the scanner takes them) and comments
_ANNOTATION_TOKEN = re.compile(rb'("(?:[^"\\]|\\.)*")|;;[^\n]*', re.S)


_PARENS = frozenset(b"()")


def glued(node: Node, data: bytes) -> Node | None:
    """The first child of `node` that touches the previous token with no separator."""
    prev: Node | None = None
    for c in node.children:
        if (
            prev is not None
            and prev.end_byte == c.start_byte
            and c.start_byte > 0
            and c.start_byte < len(data)
            and data[c.start_byte] not in _PARENS
            and data[c.start_byte - 1] not in _PARENS
            and not c.is_missing
            and not prev.is_missing
            and not c.is_extra
            and not prev.is_extra
        ):
            return c
        prev = c
    return None


def glue_diagnostic(node: Node, data: bytes) -> Diagnostic | None:
    c = glued(node, data)
    if c is None:
        return None
    return make("syntax", "missing white space between tokens", Span(c.start_byte, c.start_byte + 1))


def _leaf_at(tree: Tree, offset: int) -> Node | None:
    return tree.root_node.descendant_for_byte_range(offset, offset + 1)


def nothing_to_report(data: bytes) -> bool:
    """Whether `lexical_diagnostics` finds nothing in `data` whatever its tree: no illegal
    byte (so no UTF-8 to judge either) and no annotation."""
    return not data.translate(None, _LEGAL) and b"(@" not in data


def lexical_diagnostics(tree: Tree, data: bytes, base: int = 0) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    # Most texts hold no illegal byte, which deleting the legal ones says in one C pass (6 ms
    # on 13 MB, against 35 ms for the regex scan); likewise no `@` means no annotation (a
    # one-byte search is 20 times faster than one for `(@`). This runs on every version of
    # a text with a syntax error.
    illegal = _ILLEGAL.finditer(data) if data.translate(None, _LEGAL) else ()
    for m in illegal:
        at = m.start()
        if at > 0 and data[at] >= 0x80 and data[at - 1] >= 0x80:
            continue  # continuation of a multi-byte character already judged
        leaf = _leaf_at(tree, at)
        if leaf is None:
            continue
        if leaf.type in ("string", "comment", "block_comment"):
            continue
        if leaf.type == "identifier" and data[leaf.start_byte + 1 : leaf.start_byte + 2] == b'"':
            continue
        if leaf.type == "annotation" and _inside_string_or_comment(data, leaf, at):
            continue
        if leaf.type == "ERROR" or leaf.has_error:
            pass  # still worth saying what the character is
        ch = data[at : at + 4].decode("utf-8", "replace")[:1]
        if ch == "\ufffd":
            continue  # not UTF-8 at all: the `invalid-utf8` diagnostic says so
        shown = f"U+{ord(ch):04X}"
        out.append(
            make(
                "syntax",
                f"illegal character {shown} outside a string or comment",
                Span(base + at, base + at + max(1, len(ch.encode("utf-8", "replace")))),
            )
        )
        if len(out) >= 20:
            break
    starts: list[int] = []
    start = data.find(b"(@") if b"@" in data else -1
    while start >= 0:
        starts.append(start)
        start = data.find(b"(@", start + 2)
    sites = find_annotations(tree, starts)  # linear at any depth, unlike a lookup per start
    for site in sites:
        start = site.leaf.start_byte
        found = _ANNOTATION_ID.match(data, start)
        if found is None or (found.group(2) is not None and len(found.group(2)) == 2):
            out.append(make("syntax", "empty annotation id", Span(base + start, base + start + 2)))
        elif found.group(2) is not None:
            _, err = parse_name(found.group(2).decode("utf-8", "surrogateescape"))
            if err is not None:
                out.append(
                    make(
                        "syntax",
                        f"annotation id: {err}",
                        Span(base + found.start(2), base + found.end(2)),
                    )
                )
        out.extend(_annotation_strings(data, site.leaf, base))
    out.extend(annotation_diagnostics(tree, data, sites, base))
    return out


def _annotation_strings(data: bytes, leaf: Node, base: int) -> list[Diagnostic]:
    """The strings inside an annotation are tokens (annotations proposal: `annot ::= '(@'
    idchar+ (space | token)* ')'`): a control character or a bad escape in one is malformed,
    as it would be anywhere else (the scanner skips the annotation without lexing it)."""
    out: list[Diagnostic] = []
    for m in _ANNOTATION_TOKEN.finditer(data, leaf.start_byte + 2, leaf.end_byte):
        if m.group(1) is None:
            continue  # a comment
        _, err = parse_string(m.group(1).decode("utf-8", "surrogateescape"))
        if err is not None:
            out.append(make("malformed-literal", err, Span(base + m.start(1), base + m.end(1))))
    return out


def _inside_string_or_comment(data: bytes, leaf: Node, at: int) -> bool:
    for m in _STRING_OR_COMMENT.finditer(data, leaf.start_byte, leaf.end_byte):
        if m.start() <= at < m.end():
            return True
    return False
