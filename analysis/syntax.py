"""tree-sitter parsing and the `syntax` diagnostics made from ERROR and MISSING nodes."""

from __future__ import annotations

import bisect
import functools
import re
import threading
import zlib
from dataclasses import dataclass

from tree_sitter import Language, Node, Parser, Point, Range, Tree
from wat_lsp.analysis.diagnostics import Diagnostic, make
from wat_lsp.analysis.model import Span
from wat_lsp.analysis.tokens import tokens

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


def parse_prefix(data: bytes, end: int, old_tree: Tree | None = None, point: Point | None = None) -> Tree:
    """`data[:end]` parsed as if it were the whole text (tree-sitter's included range), reusing
    what `old_tree` (a tree of `data`, edited to it) has before `end`: the module of a text
    that closes it early (`closed_early`) costs what changed in it, not what follows. `point`
    is tree-sitter's point of `end`, when the caller knows it (counting lines: 40 ms at 60 MB)."""
    if point is None:
        point = Point(data.count(b"\n", 0, end), end - (data.rfind(b"\n", 0, end) + 1))
    parser = new_parser()
    parser.included_ranges = [Range(Point(0, 0), point, 0, end)]
    return parser.parse(data, old_tree) if old_tree is not None else parser.parse(data)


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
Chunk = tuple[int, int, int, ChunkParens]  # start, end, block-comment depth at the start, effect
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
    for start, _, _, (closes, opens, _) in _scan(data):
        if closes:  # each closes the last `(` still open, while there is one
            closed = min(len(closes), len(opened))
            del opened[len(opened) - closed :]
            stray.extend(map(start.__add__, closes[closed:]))
        opened.extend(map(start.__add__, opens))
    return opened, stray


def first_form(data: bytes) -> tuple[int, int | None] | None:
    """Where the text's first parenthesised form starts (its `(`, the first outside comments
    and strings) and ends (after the `)` that closes it; None: never closed), as
    `paren_balance` scans the parentheses. None when the text has no `(`."""
    first: int | None = None
    left = 0  # `(` still open after `first`'s chunk (it among them)
    for start, end, depth, (closes, opens, _) in _scan(data):
        if first is None:
            chunk = data[start:end]
            at = _first_open(chunk, depth)
            if at is not None:
                first = start + at
                if not opens or opens[0] != at:  # closed inside this chunk
                    return first, start + _close_of(chunk, at)
                left = len(opens)
        elif len(closes) >= left:
            return first, start + closes[left - 1] + 1
        else:
            left += len(opens) - len(closes)
    return None if first is None else (first, None)


# The last text scanned and its chunks: (start, end, block-comment depth at the start, effect).
# A version is scanned once, though its diagnostics ask more often (`closed_early`, `paren_balance`).
_last_scan: tuple[bytes, list[Chunk]] | None = None


_RESCAN_LIMIT = 1 << 16  # bytes of changed chunks scanned as one; more: chunked again


def _scan(data: bytes) -> list[Chunk]:
    global _last_scan
    last = _last_scan
    if last is not None and last[0] is data:
        return last[1]
    out = _rescan(last[0], last[1], data) if last is not None else None
    if out is None:
        out = []
        depth = start = 0
        for end in _chunk_ends(data):
            if end > start:
                effect = _chunk_parens(data[start:end], depth)
                out.append((start, end, depth, effect))
                depth, start = effect[2], end
    _last_scan = (data, out)
    return out


def _rescan(old: bytes, chunks: list[Chunk], data: bytes) -> list[Chunk] | None:
    """`data`'s chunks from `old`'s, when they differ in a few chunks: those before the change
    kept, those it touches scanned again as one, those after it moved (and scanned again while
    the change moved the block-comment depth at their start). Cutting the whole text into
    chunks again costs a regex over it (0.1 s at 60 MB) and a look-up per chunk."""
    p = common_prefix(old, data)
    if p == len(old) == len(data):
        return chunks
    q = common_suffix(old, data, min(len(old), len(data)) - p)
    starts = [c[0] for c in chunks]
    i = max(bisect.bisect_right(starts, p) - 1, 0)  # the chunk holding the first change
    j = bisect.bisect_left(starts, len(old) - q, i + 1)  # the first chunk after the change
    delta = len(data) - len(old)
    a = chunks[i][0] if chunks else 0
    b = (chunks[j][0] if j < len(chunks) else len(old)) + delta
    if b - a > _RESCAN_LIMIT or not 0 <= a <= b:
        return None
    out = chunks[:i]
    depth = chunks[i][2] if chunks else 0
    if b > a:
        effect = _chunk_parens(data[a:b], depth)
        out.append((a, b, depth, effect))
        depth = effect[2]
    for start, end, was, effect in chunks[j:]:
        if depth != was:
            effect = _chunk_parens(data[start + delta : end + delta], depth)
        out.append((start + delta, end + delta, depth, effect))
        depth = effect[2]
    return out


_COMPARE = 1 << 20  # bytes compared at a time


def common_prefix(a: bytes, b: bytes) -> int:
    """The length of the longest common prefix (memcmp by chunks, then halving)."""
    n = min(len(a), len(b))
    va = memoryview(a)
    lo = 0
    while lo + _COMPARE <= n and b.startswith(va[lo : lo + _COMPARE], lo):
        lo += _COMPARE
    hi = min(lo + _COMPARE, n)
    while lo < hi:  # a[:lo] == b[:lo]; is a[lo:mid] == b[lo:mid]?
        mid = (lo + hi + 1) // 2
        if b.startswith(va[lo:mid], lo):
            lo = mid
        else:
            hi = mid - 1
    return lo


def common_suffix(a: bytes, b: bytes, limit: int) -> int:
    """The length of the longest common suffix, at most `limit`."""
    va = memoryview(a)
    la, lb = len(a), len(b)
    lo = 0
    while lo + _COMPARE <= limit and b.endswith(va[la - lo - _COMPARE : la - lo], 0, lb - lo):
        lo += _COMPARE
    hi = min(lo + _COMPARE, limit)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if b.endswith(va[la - mid : la - lo], 0, lb - lo):
            lo = mid
        else:
            hi = mid - 1
    return lo


def forget() -> None:
    """Drop the scans kept (a closed document's text among them)."""
    global _last_scan, _scanned_bytes
    with _scans_lock:
        _last_scan = None
        _SCANS.clear()
        _scanned_bytes = 0


# The keywords of module fields: a form starting with one after the module is one of its fields.
FIELD_WORDS = frozenset(
    {"type", "rec", "import", "func", "table", "memory", "global", "export", "start", "elem", "data", "tag"}
)
_WORD_AFTER = re.compile(rb"[ \t\n\r]*([a-z_]+)")


@dataclass(frozen=True, slots=True)
class ClosedEarly:
    """A text whose first form is `(module` and whose parentheses close it before a module
    field ([decision 49](../docs/decisions/0049-a-module-closed-early.md))."""

    end: int  # after the `)` that closes the module
    field: int  # the `(` of the field after it
    word: str  # that field's keyword


def closed_early(data: bytes) -> ClosedEarly | None:
    """The module closed early, when the text's parentheses (`first_form`) say so: a `(` typed
    or deleted in a field makes the field's `)` close the module, and the fields after it
    follow at top level."""
    found = first_form(data)
    if found is None:
        return None
    start, end = found
    if end is None:
        return None
    m = _WORD_AFTER.match(data, start + 1)
    if m is None or m.group(1) != b"module":
        return None
    after = tokens(data, end, len(data))
    first = next(after, None)
    if first is None or first[0] != "open":
        return None
    word = next(after, None)
    if word is None or word[0] != "word":
        return None
    keyword = data[word[1] : word[2]].decode("ascii", "replace")
    if keyword not in FIELD_WORDS:
        return None
    return ClosedEarly(end, first[1], keyword)


def _first_open(chunk: bytes, depth: int) -> int | None:
    """The first `(` of a chunk entered at block-comment depth `depth`, outside comments."""
    for m in _LEX.finditer(chunk):
        tok = m.group()
        if tok == b"(;":
            depth += 1
        elif tok == b";)":
            depth = max(depth - 1, 0)
        elif not depth and tok == b"(":
            return m.start()
    return None


def _close_of(chunk: bytes, at: int) -> int:
    """After the `)` that closes the `(` at `at`, the chunk's first outside comments (so the
    scan from there is the chunk's), when `_chunk_parens` says it closes in the chunk."""
    level = depth = 0
    for m in _LEX.finditer(chunk, at):
        tok = m.group()
        if tok == b"(;":
            depth += 1
        elif tok == b";)":
            depth = max(depth - 1, 0)
        elif depth:
            continue
        elif tok == b"(":
            level += 1
        elif tok[0] == 41:  # `)`, or a run of them
            if len(tok) >= level:
                return m.start() + level
            level -= len(tok)
    return len(chunk)  # (not reached)


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


# A block comment with no `;`, `"` or `(;` inside (nor a `(` before its `;)`): what the
# scan passes over without a token.
_FLAT_COMMENT = re.compile(rb'\(;(?:[^;"(]|\((?!;))*;\)')
_NOT_PARENS = bytes(b for b in range(256) if b not in b"()")
_BALANCE_PASSES = 32  # innermost pairs removed at most this many times (the nesting depth)
_BALANCED: ChunkParens = ((), (), 0)


def _balanced(chunk: bytes) -> bool:
    """Whether the chunk, entered outside a comment, closes every `(` it opens and nothing
    before it, and ends outside a comment: its scan would find nothing. C-speed passes over
    its parentheses (a 60 MB module in 0.2 s; the scan token by token took 2.4 s), for
    chunks without a string, a `;;` comment or a block comment holding `;` or `"`."""
    if b'"' in chunk or b";;" in chunk:
        return False
    if b"(;" in chunk:
        chunk = _FLAT_COMMENT.sub(b"", chunk)
    if b";" in chunk:
        return False
    parens = chunk.translate(None, _NOT_PARENS)
    for _ in range(_BALANCE_PASSES):
        if not parens:
            return True
        inner = parens.replace(b"()", b"")
        if len(inner) == len(parens):
            return False
        parens = inner
    return not parens


def unpaired(text: bytes) -> tuple[int, int]:
    """How many `)` and `(` of `text` are left once its `()` pairs are taken out (strings and
    comments not told apart)."""
    parens = text.translate(None, _NOT_PARENS)
    while b"()" in parens:
        parens = parens.replace(b"()", b"")
    opens = parens.count(b"(")
    return len(parens) - opens, opens


def _chunk_parens(chunk: bytes, depth: int) -> ChunkParens:
    global _scanned_bytes
    key = (chunk, depth)
    done = _SCANS.get(key)
    if done is not None:
        return done
    # A balanced chunk is kept too: finding it again costs 5 times a look-up.
    done = _BALANCED if depth == 0 and _balanced(chunk) else _scan_chunk(chunk, depth)
    with _scans_lock:
        if _scanned_bytes + len(chunk) > _SCANS_LIMIT:
            _SCANS.clear()
            _scanned_bytes = 0
        _SCANS[key] = done
        _scanned_bytes += len(chunk)
    return done


def _scan_chunk(chunk: bytes, depth: int) -> ChunkParens:
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
    return tuple(closes), tuple(opens), depth


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


def syntax_diagnostics(
    tree: Tree, data: bytes, base: int = 0, opened: list[int] | None = None
) -> list[Diagnostic]:
    """One diagnostic per ERROR or MISSING node, innermost first found; bounded in count.

    `base` shifts spans, for text parsed out of a larger document (`module quote`); `opened`
    is `paren_balance(data)[0]` when the caller knows it.
    """
    out: list[Diagnostic] = []
    if not tree.root_node.has_error:
        return out
    if opened is None:
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
