"""tree-sitter parsing and the `syntax` diagnostics made from ERROR and MISSING nodes."""

from __future__ import annotations

import functools
import re
import threading
import zlib

from tree_sitter import Language, Node, Parser, Point, Range, Tree
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


def parse_range(data: bytes, start: int, end: int, start_point: Point, end_point: Point) -> Tree:
    """`data[start:end]` parsed on its own, as if it were the whole text (a module field reads
    as a top-level item), in the offsets and points of `data`. Costs what the range holds: a
    re-parse of the whole text, even incremental, costs what the module holds (tree-sitter
    re-shifts every field of a long field list, see bench/README.md)."""
    parser = new_parser()
    parser.included_ranges = [Range(start_point, end_point, start, end)]
    return parser.parse(data)


_NO_POINT = Point(0, 0)


def parse_ranges(parser: Parser, data: bytes, spans: list[tuple[int, int]]) -> Tree:
    """The bytes of `spans` (sorted, disjoint) parsed as one text, in the offsets of `data`;
    the nodes' points are meaningless (for readers of byte offsets only). tree-sitter looks a
    token's range up from the first range (time: tokens times ranges), so keep `spans` short."""
    parser.included_ranges = [Range(_NO_POINT, _NO_POINT, s, e) for s, e in spans]
    return parser.parse(data)


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


# Where an ERROR sits directly in one of these, it lies between module fields (or top-level
# items); anywhere else it lies inside one item.
_CONTAINERS = frozenset({"module", "source_file"})
# The children of a `module` before its fields.
_MODULE_HEADER = frozenset({"(", "module", "definition", "identifier"})
# States that say nothing: tree-sitter's error state (every token of the grammar) and "none"
# (a node built during error recovery).
_NO_STATE = frozenset({0, 0xFFFF})


@functools.cache
def _item_states(container: str) -> tuple[int, int]:
    """The parse states before the first item of `container` and after any complete one."""
    text = b"(module (start 0))" if container == "module" else b"(start 0)"
    stack = [parse(text).root_node]
    while stack:  # the `start` field, wherever the grammar puts it
        node = stack.pop()
        if node.type == "start" and node.is_named:
            return node.parse_state, node.next_parse_state
        stack.extend(node.children)
    return 0, 0  # unreachable with this grammar; 0 means "say nothing"


def _same_node(root: Node, start: int, end: int, kind: str) -> Node | None:
    """The node of `root`'s tree spanning exactly [start, end) with type `kind`, if any."""
    node: Node | None = root.descendant_for_byte_range(start, end)
    while node is not None and node.start_byte == start and node.end_byte == end:
        if node.type == kind:
            return node
        node = node.parent
    return None


# A node's ancestors, innermost first, as a linked list (`Node.parent` and `prev_sibling` walk
# down from the root each time: climbing to the module field from an error 100,000 blocks
# deep cost the depth squared).
_Path = tuple[Node, "_Path | None"]


def _state_before(
    node: Node, prev: Node | None, path: _Path | None, data: bytes, pieces: dict[tuple[int, int], Node]
) -> int:
    """The parse state in which the grammar met `node`, as a fresh parse has it.

    Tree-sitter's incremental re-parse gives the nodes of a fresh parse but keeps, in each
    node it reuses from the old tree, the parse state the node was first parsed in; error
    recovery makes other nodes with state "none". So states are read only where they depend
    on the text alone: in a fresh parse of the module field (or top-level item) around the
    error, which is small, or of the module header; between items the state is fixed. The
    message is then the same however the tree was obtained (tests/analysis/test_syntax_incremental.py).
    """
    # `prev`: the sibling before `node` that is not a comment (one does not change what may
    # follow); `path`: its ancestors.
    parent = path[0] if path is not None else None
    if prev is None:  # first in the file (a module's first child is its `(`)
        return _item_states("source_file")[0] if parent is not None and parent.type == "source_file" else 0
    assert parent is not None  # it has a sibling
    if parent.type in _CONTAINERS:
        if parent.type != "module" or prev.type not in _MODULE_HEADER:
            return _item_states(parent.type)[1]
        start, end = parent.start_byte, prev.end_byte  # `(module $m`: parse the header
    else:
        item, up = parent, path[1] if path is not None else None
        while up is not None and up[0].type not in _CONTAINERS:
            item, up = up
        start, end = item.start_byte, item.end_byte
    piece = pieces.get((start, end))
    if piece is None:
        piece = pieces[(start, end)] = parse(data[start:end]).root_node
    same = _same_node(piece, prev.start_byte - start, prev.end_byte - start, prev.type)
    return same.next_parse_state if same is not None else 0


def _expected(
    node: Node, prev: Node | None, path: _Path | None, data: bytes, pieces: dict[tuple[int, int], Node]
) -> tuple[str, ...]:
    """What the grammar would accept where `node` starts, in words."""
    return _words(_state_before(node, prev, path, data, pieces))


@functools.cache
def _words(state: int) -> tuple[str, ...]:
    """The tokens valid in parse `state`, in words (none for states that say nothing)."""
    words: list[str] = []
    it = language().lookahead_iterator(state) if state not in _NO_STATE else None
    for name in it.names() if it is not None else []:
        word = _describe_token(name)
        if word is not None and word not in words:
            words.append(word)
    return tuple(words)


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


def _error_message(
    node: Node, prev: Node | None, path: _Path | None, data: bytes, pieces: dict[tuple[int, int], Node]
) -> tuple[str, Span]:
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
    expected = _expected(node, prev, path, data, pieces)
    if expected:
        shown = ", ".join(expected[:6]) + (", ..." if len(expected) > 6 else "")
        return f"unexpected `{found}`; expected {shown}", span
    return f"unexpected `{found}`", span


def _context(path: _Path | None) -> str:
    while path is not None and path[0].type.startswith("_"):
        path = path[1]
    parent = path[0] if path is not None else None
    if parent is None or parent.type == "source_file":
        return ""
    return f" in `{parent.type.replace('_', ' ')}`"


_UNTERMINATED = {
    "unterminated_string": 'unterminated string literal: a `"` is missing before the end of the line',
    "unterminated_block_comment": "unterminated block comment: `(;` has no matching `;)`",
    "unterminated_annotation": "unterminated annotation: `(@` has no matching `)`",
}
# A run of `)` is one match: 1,000,000 of them cost a Python step each (0.4 s).
_LEX = re.compile(rb'\(;|;\)|;;[^\n]*|"(?:[^"\\\n]|\\.)*"?|\)+|\(')


# A line that starts an item (a module field, a command) in the usual layouts. The text is
# cut at some of them into chunks scanned once each: tokens never span a line break, and
# only the block-comment depth carries over one (strings and `;;` comments end at it).
_ITEM_LINE = re.compile(rb"\n[ \t]{0,2}\(")
_CHUNK = 8192  # bytes aimed at per chunk
_SCANS_LIMIT = 1 << 26  # bytes of chunk text kept as keys of `_SCANS`, at most

# The paren effect of a chunk entered at a block-comment depth: offsets of its `)` that close
# a `(` before it (or none), of its `(` left open, and the depth at its end.
ChunkParens = tuple[tuple[int, ...], tuple[int, ...], int]
_SCANS: dict[tuple[bytes, int], ChunkParens] = {}
_scans_lock = threading.Lock()
_scanned_bytes = 0


def paren_balance(data: bytes) -> tuple[list[int], list[int]]:
    """Offsets of `(` never closed and of `)` never opened, outside strings and comments.

    Scanned chunk by chunk, each chunk's effect cached by its text: a keystroke in a 13 MB
    file rescans one chunk of a few KB (the whole scan costs ~0.4 s, every keystroke while
    the text has a syntax error)."""
    opened: list[int] = []
    stray: list[int] = []
    depth = start = 0
    for end in _chunk_ends(data):
        closes, opens, depth = _chunk_parens(data[start:end], depth)
        if closes:  # each closes the last `(` still open, while there is one
            closed = min(len(closes), len(opened))
            del opened[len(opened) - closed :]
            stray.extend(map(start.__add__, closes[closed:]))
        opened.extend(map(start.__add__, opens))
        start = end
    return opened, stray


def _chunk_ends(data: bytes) -> list[int]:
    """Where chunks end: at item lines picked by their text, so that an edit moves no other
    chunk's bounds within its text; ~`_CHUNK` bytes apart where the layout allows."""
    lines = [m.start() for m in _ITEM_LINE.finditer(data)]
    every = 1  # keep one item line in `every` (a power of two), by a hash of its text
    while lines and every * 2 * len(data) <= _CHUNK * (len(lines) + 1):
        every *= 2
    if every > 1:
        lines = [at for at in lines if zlib.crc32(data[at : at + 48]) & (every - 1) == 0]
    lines.append(len(data))
    return lines


def _chunk_parens(chunk: bytes, depth: int) -> ChunkParens:
    global _scanned_bytes
    key = (chunk, depth)
    done = _SCANS.get(key)
    if done is not None:
        return done
    closes: list[int] = []
    opens: list[int] = []
    for m in _LEX.finditer(chunk):
        tok = m.group()
        if tok == b"(;":
            depth += 1
        elif tok == b";)":
            depth = max(depth - 1, 0)
        elif depth:
            continue
        elif tok == b"(":
            opens.append(m.start())
        elif tok == b")":
            if opens:
                opens.pop()
            else:
                closes.append(m.start())
        elif tok[0] == 41:  # a run of `)`: each closes the last `(` open, while there is one
            a = m.start()
            closed = min(len(tok), len(opens))
            del opens[len(opens) - closed :]
            closes.extend(range(a + closed, a + len(tok)))
    done = (tuple(closes), tuple(opens), depth)
    with _scans_lock:
        if _scanned_bytes + len(chunk) > _SCANS_LIMIT:
            _SCANS.clear()
            _scanned_bytes = 0
        _SCANS[key] = done
        _scanned_bytes += len(chunk)
    return done


def _unterminated_tokens(node: Node, data: bytes) -> list[Node]:
    text = data[node.start_byte : node.end_byte]
    if b'"' not in text and b"(;" not in text and b"(@" not in text:
        return []  # what each starts with is not there (1,000,000 `)`: no walk over them)
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
        out.append(
            make(
                "syntax",
                f"`{word}` on line {line} is never closed: a `)` is missing",
                Span(base + at, base + at + len(word.encode())),
            )
        )
    pieces: dict[tuple[int, int], Node] = {}  # fresh parses of the items around errors
    # Each node with its previous sibling that is not a comment, and its ancestors.
    stack: list[tuple[Node, Node | None, _Path | None]] = [(tree.root_node, None, None)]
    while stack and len(out) < MAX_SYNTAX_DIAGNOSTICS:
        node, prev, path = stack.pop()
        if node.is_missing:
            what = node.type
            if what == ")" and opened:
                continue
            opener = path[0] if path is not None else None
            msg = f"missing `{what}`"
            if what == ")" and opener is not None:
                line = data.count(b"\n", 0, opener.start_byte) + 1
                head = _snippet(data, Span(opener.start_byte, opener.end_byte)).split()
                msg += f" to close `{head[0] if head else '('}` opened on line {line}"
            at = node.start_byte
            out.append(make("syntax", msg + _context(path), Span(base + at, base + at)))
            continue
        if node.is_error:
            bad = _unterminated_tokens(node, data)
            for tok in bad:
                out.append(
                    make(
                        "syntax",
                        _UNTERMINATED[tok.type],
                        Span(base + tok.start_byte, base + min(tok.end_byte, tok.start_byte + 2)),
                    )
                )
            if bad or (opened and node.end_byte >= len(data.rstrip())):
                continue
            msg, span = _error_message(node, prev, path, data, pieces)
            out.append(make("syntax", msg, Span(base + span.start, base + span.end)))
            continue
        if node.has_error:
            here: _Path = (node, path)
            kids: list[tuple[Node, Node | None, _Path | None]] = []
            before: Node | None = None
            for child in node.children:
                kids.append((child, before, here))
                if not child.is_extra:
                    before = child
            stack.extend(reversed(kids))
    out.sort(key=lambda d: d.span.start)
    return out
