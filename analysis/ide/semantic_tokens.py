"""Semantic tokens: every index reference coloured by what it resolves to, plus the lexical
classes (keywords, instructions, types, numbers, strings, comments).

Names come from `references` (the model's resolution), so `$x` is a parameter or a local as
the function declares it, a global is `readonly` when immutable, and a label is a label.
The legend uses LSP's standard types and modifiers, except `label`, which LSP does not define
(VS Code does, as a standard type): clients that do not know it leave those tokens to their
syntax highlighting. Tables, memories and element/data segments are `namespace`, tags `event`,
instruction names `operator`, value types `type` with the `defaultLibrary` modifier.
"""

from __future__ import annotations

import bisect
import functools
import threading
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

from tree_sitter import Node
from wat_lsp.analysis import cancel, cst
from wat_lsp.analysis.document import Document, no_cyclic_gc
from wat_lsp.analysis.ide import function_cache, navigation, references
from wat_lsp.analysis.ide.references import Occurrence
from wat_lsp.analysis.model import StructType
from wat_lsp.analysis.positions import Encoding, LineIndex, units
from wat_lsp.analysis.queries import DeepQuery, captures_in

TOKEN_TYPES = ("keyword", "operator", "function", "type", "parameter", "variable", "property", "label",
               "event", "namespace", "number", "string", "comment")  # fmt: skip
TOKEN_MODIFIERS = ("declaration", "readonly", "static", "defaultLibrary")
_T = {name: i for i, name in enumerate(TOKEN_TYPES)}
_DECLARATION, _READONLY, _STATIC, _LIBRARY = 1, 2, 4, 8
_SPACE_TYPE = {"func": "function", "type": "type", "field": "property", "local": "variable", "label": "label",
               "global": "variable", "table": "namespace", "memory": "namespace", "tag": "event",
               "elem": "namespace", "data": "namespace"}  # fmt: skip

_KEYWORDS = (
    '"module" "definition" "instance" "binary" "quote" "type" "rec" "sub" "final" "func" "struct" '
    '"array" "cont" "field" "param" "result" "local" "import" "export" "table" "memory" "global" '
    '"tag" "elem" "data" "start" "offset" "item" "declare" "pagesize" "shared" "describes" '
    '"descriptor" "exact" "on" "mut" "ref" "null" "if" "then" "else" "loop" "block" "end" '
    '"try_table" "try" "do" "catch" "catch_ref" "catch_all" "catch_all_ref" "delegate" "register" '
    '"invoke" "get" "either" "thread" "wait"'
)
_REF_ABBREVS = (
    '"funcref" "externref" "anyref" "eqref" "i31ref" "structref" "arrayref" "nullref" '
    '"nullfuncref" "nullexternref" "exnref" "nullexnref" "contref" "nullcontref"'
)


@functools.cache
def _query() -> DeepQuery:
    return DeepQuery(f"""
        [(comment) (block_comment)] @comment
        (string) @string
        [(integer) (float) (mem_offset) (mem_align)] @number
        (instr_name) @operator
        [(num_type) (packed_type) (abs_heap_type) (simd_shape) {_REF_ABBREVS}] @builtin
        [{_KEYWORDS}] @keyword
        (assertion kind: _ @keyword)
    """)


_LEXICAL = {"comment": (_T["comment"], 0), "string": (_T["string"], 0), "number": (_T["number"], 0),
            "operator": (_T["operator"], 0), "builtin": (_T["type"], _LIBRARY), "keyword": (_T["keyword"], 0)}  # fmt: skip


def _classify(doc: Document, o: Occurrence, cache: dict[object, tuple[int, int]]) -> tuple[int, int]:
    key = o.key
    found = cache.get(key)
    if found is None:
        kind, mods = _T[_SPACE_TYPE[key.space]], 0
        m = navigation.module_of(doc, key)
        if key.space == "local":
            func = navigation.func_of(doc, key)
            if func is not None and func.all_locals[key.item].is_param:
                kind = _T["parameter"]
        elif key.space == "global" and m is not None:
            mods = _STATIC | (0 if m.globals[key.item].mutable else _READONLY)
        elif key.space == "field" and m is not None:
            comp = m.types[key.owner].comp
            if isinstance(comp, StructType) and not comp.fields[key.item].mutable:
                mods = _READONLY
        found = cache[key] = (kind, mods)
    kind, mods = found
    return kind, mods | (_DECLARATION if o.role == "decl" else 0)


def tokens(
    doc: Document, index: LineIndex, encoding: Encoding, start: int = 0, end: int | None = None
) -> list[int]:
    """The LSP-encoded data (5 integers per token, positions relative to the previous token)
    for the tokens in [start, end)."""
    if start == 0 and (end is None or end >= len(doc.data)):
        return _whole(doc, index, encoding)[0]
    with no_cyclic_gc():
        return _tokens(doc, index, encoding, start, end)


def tokens_json(doc: Document, index: LineIndex, encoding: Encoding) -> tuple[list[int], str]:
    """The whole document's data, and as JSON text (the elements, without brackets): made
    from each function's text, kept with its data, as the data is (`json.dumps` of 1.36 M
    tokens takes most of a second)."""
    data, segments = _whole(doc, index, encoding)
    if segments is None:
        return data, ints_json(data)
    parts: list[str] = []
    for seg in segments:
        if isinstance(seg, list):
            parts.append(ints_json(seg))
        else:
            chunk, first_line, first_col = seg
            parts.append(f"{first_line}, {first_col}{chunk.text()}")
    return data, ", ".join(parts)


def ints_json(values: Sequence[int]) -> str:
    """`json.dumps(values)` without its brackets, for integers (made plain ints by `array`:
    a bool would print as `True`): `str` of their list is the same text, and on the server's
    glibc allocator (decision 28) five times as fast (1.5 M tokens: 0.2 s against 1.1 s)."""
    plain = values if isinstance(values, array) else array("q", values)
    return str(plain.tolist())[1:-1]


def delta(old: list[int], new: list[int]) -> tuple[int, int, list[int]]:
    """One edit that turns `old` into `new`: (start, deleteCount, data), from their common
    prefix and suffix (an edit in one function changes the data in one place)."""
    n = min(len(old), len(new))
    start = 0
    step = 4096
    while start < n and old[start : start + step] == new[start : start + step]:
        start += step
    start = min(start, n)
    while start < n and old[start] == new[start]:
        start += 1
    end = 0  # common suffix, not overlapping the prefix
    room = n - start
    while (
        end + step <= room
        and old[len(old) - end - step : len(old) - end] == new[len(new) - end - step : len(new) - end]
    ):
        end += step
    while end < room and old[len(old) - end - 1] == new[len(new) - end - 1]:
        end += 1
    return start, len(old) - end - start, new[start : len(new) - end]


_lock = threading.Lock()
_last: tuple[Document, str, list[int], list[_Segment] | None] | None = None  # the last full result


def clear() -> None:
    """Forget the last full result (a document was closed: `release`)."""
    global _last
    with _lock:
        _last = None


def _whole(doc: Document, index: LineIndex, encoding: Encoding) -> tuple[list[int], list[_Segment] | None]:
    global _last
    with _lock:
        if _last is not None and _last[0] is doc and _last[1] == encoding:  # clients ask again
            return _last[2], _last[3]
    with no_cyclic_gc():  # millions of small tuples, none in a cycle
        lay = function_cache.layout(doc)
        if lay is None:
            result, segments = _tokens(doc, index, encoding, 0, None), None
        else:
            segments = _by_function(doc, lay, index, encoding)
            result = _flatten(segments)
    with _lock:
        _last = (doc, encoding, result, segments)
    return result, segments


def _tokens(doc: Document, index: LineIndex, encoding: Encoding, start: int, end: int | None) -> list[int]:
    data = doc.data
    end = len(data) if end is None else end
    ranged = start > 0 or end < len(data)
    if ranged:  # from the start of the line: an instruction's name comes with its immediates
        line_start = index.line_start(index.line_of(start))
        start = line_start if start - line_start <= _LINE_BACK else _instr_start(doc, start)
    occs = references.in_range(doc, start, end) if ranged else references.index(doc).outside
    return _encode(_items(doc, occs, start, end), data, index, encoding)[0]


_LINE_BACK = 4096  # bytes of a line before a range read again; beyond, from its instruction
_INSTRS = frozenset({"plain_instr", "folded_instr"})


def _instr_start(doc: Document, offset: int) -> int:
    """The start of the innermost instruction around `offset` (its name), else `offset`: on a
    long line (a 10 MB module printed on one) the line's start is the document's."""
    root = doc.tree.root_node
    node = root.descendant_for_byte_range(offset, offset)
    instr = cst.innermost(root, node, _INSTRS) if node is not None else None
    return min(offset, instr.start_byte) if instr is not None else offset


Item = tuple[int, int, int, int]  # start, end, type, modifiers


def _items(doc: Document, occs: Sequence[Occurrence], start: int, end: int) -> list[Item]:
    """The tokens starting in [start, end), in text order: the names among `occs` and the
    lexical classes found by the query in that range (a name wins over its lexical class)."""
    # The first token at each start, names first, in a dict; then the starts sorted (a plain
    # int sort is fast). Per token: one tuple, one dict operation (a million on 10 MB).
    first: dict[int, Item] = {}
    cache: dict[object, tuple[int, int]] = {}
    decl_cache: dict[object, tuple[int, int]] = {}
    for o in reversed(occs):  # (the last assignment wins: the first name at a start)
        s = o.start
        if start <= s < end:
            key = o.key
            if o.role == "decl":
                found = decl_cache.get(key)
                if found is None:
                    found = decl_cache[key] = _classify(doc, o, cache)
            else:
                found = cache.get(key)
                if found is None:
                    found = _classify(doc, o, cache)
            first[s] = (s, o.end, found[0], found[1])
    setdefault = first.setdefault
    for name, nodes in _lexical(doc, start, end).items():
        kind, mods = _LEXICAL[name]
        for n in nodes:
            s, e = n.byte_range
            if start <= s < end:
                setdefault(s, (s, e, kind, mods))
    return [first[s] for s in sorted(first)]


def _lexical(doc: Document, start: int, end: int) -> dict[str, list[Node]]:
    """The lexical query's captures reaching into [start, end); a range from the fields
    around it (`pieces`: from the root, the query walked the whole tree, 0.3 s on 10 MB for a
    function's tokens)."""
    return captures_in(_query(), doc.tree.root_node, len(doc.data), start, end)


# --- the whole document, function by function ---------------------------------------------
#
# A function's tokens are encoded as if the token before them sat where the function starts:
# then the data is the same wherever the function moves (the deltas inside it do not change),
# except its first token's, which is made relative to the previous piece's last token when
# the pieces are put together. `_Chunk.last` says where its last token is, relative to the
# function's start in the same way (a column on the function's first line counts from it).


@dataclass(slots=True)
class _Chunk:
    data: array[int]
    last: tuple[int, int]  # (line, column) of the last token, relative to the function's start
    _text: str | None = None

    def text(self) -> str:
        """`data` after its first token's line and column as JSON (with a leading comma)."""
        if self._text is None:
            self._text = ", " + ints_json(self.data[2:]) if len(self.data) > 2 else ""
        return self._text


# What the whole data is made of: a gap's data, or a function's chunk with its first token's
# line and column deltas as they are here.
_Segment = list[int] | tuple[_Chunk, int, int]


_PIECES: function_cache.Cache[_Chunk] = function_cache.Cache()


def _by_function(
    doc: Document, lay: function_cache.Layout, index: LineIndex, encoding: Encoding
) -> list[_Segment]:
    data = doc.data
    idx = references.index(doc)
    where = [index.position(s, encoding) for s in lay.starts]

    def compute(missing: list[int]) -> list[_Chunk]:
        if len(missing) > function_cache.WHOLE_QUERY:
            occs = idx.outside + [o for i in range(len(lay.funcs)) for o in idx.function_occurrences(i)]
            occs.sort(key=lambda o: o.start)
            cancel.check()
            every = _items(doc, occs, 0, len(data))
            cancel.check()
            starts = [t[0] for t in every]
            parts = [
                every[bisect.bisect_left(starts, lay.starts[i]) : bisect.bisect_left(starts, lay.ends[i])]
                for i in missing
            ]
        else:
            parts = [_items(doc, idx.function_occurrences(i), lay.starts[i], lay.ends[i]) for i in missing]
        out = []
        for i, items in zip(missing, parts, strict=True):
            cancel.check()
            line, col = where[i]
            encoded, (last_line, last_col) = _encode(items, data, index, encoding, line, col)
            last_line -= line
            out.append(
                _Chunk(array("i", encoded), (last_line, last_col - col if last_line == 0 else last_col))
            )
        return out

    chunks = _PIECES.results(lay, encoding, compute)
    out: list[_Segment] = []
    prev = (0, 0)
    outside = idx.outside
    outside_starts = [o.start for o in outside]
    for n, (a, b) in enumerate(lay.gaps(len(data))):
        if data[a:b].strip():  # the text between functions, computed again each time
            occs = outside[bisect.bisect_left(outside_starts, a) : bisect.bisect_left(outside_starts, b)]
            encoded, end = _encode(_items(doc, occs, a, b), data, index, encoding, *prev)
            if encoded:
                out.append(encoded)
                prev = end
        if n == len(lay.funcs):
            break
        chunk = chunks[n][0]
        if not chunk.data:
            continue
        line, col = where[n]
        first_line = line + chunk.data[0]
        first_col = col + chunk.data[1] if chunk.data[0] == 0 else chunk.data[1]
        out.append((chunk, first_line - prev[0], first_col - prev[1] if first_line == prev[0] else first_col))
        last_line, last_col = chunk.last
        prev = (line + last_line, col + last_col if last_line == 0 else last_col)
    return out


def _flatten(segments: list[_Segment]) -> list[int]:
    out: list[int] = []
    for seg in segments:
        if isinstance(seg, list):
            out += seg
        else:
            chunk, first_line, first_col = seg
            at = len(out)
            out += chunk.data
            out[at], out[at + 1] = first_line, first_col
    return out


def _line_starts(index: LineIndex) -> Sequence[int]:
    return index.starts()


def _encode(
    items: list[Item],
    data: bytes,
    index: LineIndex,
    encoding: Encoding,
    prev_line: int = 0,
    prev_col: int = 0,
) -> tuple[list[int], tuple[int, int]]:
    """The data of `items` encoded after a token at (`prev_line`, `prev_col`), and where its
    last token is."""
    out: list[int] = []
    append = out.extend
    starts = _line_starts(index)
    nlines = len(starts)
    line = -1
    line_start = 0
    next_start = 0  # start of the line after `line`
    ascii_line = True
    for s, e, kind, mods in items:
        if s >= next_start:
            line = bisect.bisect_right(starts, s, line + 1 if line >= 0 else 0) - 1
            line_start = starts[line]
            next_start = starts[line + 1] if line + 1 < nlines else len(data) + 1
            ascii_line = encoding == "utf-8" or index.line_ascii(line)
        if e < next_start and ascii_line:  # the common case: one ASCII line
            col = s - line_start
            append((line - prev_line, col - prev_col if line == prev_line else col, e - s, kind, mods))
            prev_line, prev_col = line, col
            continue
        at, cur = s, line
        while True:  # a token spanning lines (a block comment) becomes one token per line
            le = min(e, index.line_end(cur))
            if le > at:
                col = index.position(at, encoding)[1]  # counted on along a long line
                append(
                    (
                        cur - prev_line,
                        col - prev_col if cur == prev_line else col,
                        units(data, at, le, encoding),
                        kind,
                        mods,
                    )
                )
                prev_line, prev_col = cur, col
            if e <= le or cur + 1 >= nlines or starts[cur + 1] >= e:
                break
            cur += 1
            at = starts[cur]
    return out, (prev_line, prev_col)
