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
from collections.abc import Sequence

from tree_sitter import Query, QueryCursor
from wat_lsp.analysis.document import Document, no_cyclic_gc
from wat_lsp.analysis.model import StructType
from wat_lsp.analysis.positions import Encoding, LineIndex, units
from wat_lsp.analysis.syntax import language
from wat_lsp.server import navigation, references
from wat_lsp.server.references import Occurrence

TOKEN_TYPES = ("keyword", "operator", "function", "type", "parameter", "variable", "property", "label",
               "event", "namespace", "number", "string", "comment")  # fmt: skip
TOKEN_MODIFIERS = ("declaration", "readonly", "static", "defaultLibrary")
_T = {name: i for i, name in enumerate(TOKEN_TYPES)}
_DECLARATION, _READONLY, _STATIC, _LIBRARY = 1, 2, 4, 8
_SPACE_TYPE = {"func": "function", "type": "type", "field": "property", "local": "variable", "label": "label",
               "global": "variable", "table": "namespace", "memory": "namespace", "tag": "event",
               "elem": "namespace", "data": "namespace"}  # fmt: skip

_KEYWORDS = ('"module" "definition" "instance" "binary" "quote" "type" "rec" "sub" "final" "func" "struct" '
             '"array" "cont" "field" "param" "result" "local" "import" "export" "table" "memory" "global" '
             '"tag" "elem" "data" "start" "offset" "item" "declare" "pagesize" "shared" "describes" '
             '"descriptor" "exact" "on" "mut" "ref" "null" "if" "then" "else" "loop" "block" "end" '
             '"try_table" "try" "do" "catch" "catch_ref" "catch_all" "catch_all_ref" "delegate" "register" '
             '"invoke" "get" "either" "thread" "wait"')  # fmt: skip
_REF_ABBREVS = ('"funcref" "externref" "anyref" "eqref" "i31ref" "structref" "arrayref" "nullref" '
                '"nullfuncref" "nullexternref" "exnref" "nullexnref" "contref" "nullcontref"')  # fmt: skip


@functools.cache
def _query() -> Query:
    return Query(language(), f"""
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


def tokens(doc: Document, index: LineIndex, encoding: Encoding, start: int = 0, end: int | None = None
           ) -> list[int]:  # fmt: skip
    """The LSP-encoded data (5 integers per token, positions relative to the previous token)
    for the tokens in [start, end)."""
    whole = start == 0 and (end is None or end >= len(doc.data))
    with _lock:
        if whole and _last is not None and _last[0] is doc and _last[1] == encoding:
            return _last[2]
    with no_cyclic_gc():  # millions of small tuples, none in a cycle
        result = _tokens(doc, index, encoding, start, end)
    if whole:
        with _lock:
            _remember((doc, encoding, result))
    return result


_lock = threading.Lock()
_last: tuple[Document, str, list[int]] | None = None  # the last full result (clients ask again)


def _remember(entry: tuple[Document, str, list[int]]) -> None:
    global _last
    _last = entry


def _tokens(doc: Document, index: LineIndex, encoding: Encoding, start: int, end: int | None) -> list[int]:
    data = doc.data
    end = len(data) if end is None else end
    ranged = start > 0 or end < len(data)
    if ranged:  # from the start of the line: an instruction's name comes with its immediates
        start = index.line_start(index.line_of(start))
    occs = references.in_range(doc, start, end) if ranged else references.index(doc).occurrences
    cursor = QueryCursor(_query())
    if ranged:
        cursor.set_byte_range(start, end)
    # Tokens as (start, end, type, modifiers), names first; sorted by `start * 2 + lexical`
    # packed with the token's position in `items` into one int (a plain int sort is fast).
    items: list[tuple[int, int, int, int]] = []
    cache: dict[object, tuple[int, int]] = {}
    for o in occs:
        if start <= o.start < end:
            kind, mods = _classify(doc, o, cache)
            items.append((o.start, o.end, kind, mods))
    names = len(items)
    for name, nodes in cursor.captures(doc.tree.root_node).items():
        kind, mods = _LEXICAL[name]
        items.extend((n.start_byte, n.end_byte, kind, mods) for n in nodes)
    shift = max(len(items), 1).bit_length()
    mask = (1 << shift) - 1
    keys = [((t[0] * 2 + (i >= names)) << shift) | i for i, t in enumerate(items)]
    keys.sort()
    ordered: list[tuple[int, int, int, int]] = []
    prev = -1
    for k in keys:
        t = items[k & mask]
        if t[0] != prev and start <= t[0] < end:  # a name wins over the lexical class
            ordered.append(t)
            prev = t[0]
    return _encode(ordered, data, index, encoding)


def _line_starts(index: LineIndex) -> Sequence[int]:
    starts = getattr(index, "_starts", None)  # the index's own array, when it has one
    if starts is not None:
        return starts  # type: ignore[no-any-return]
    return [index.line_start(i) for i in range(index.line_count)]


def _encode(items: list[tuple[int, int, int, int]], data: bytes, index: LineIndex, encoding: Encoding
            ) -> list[int]:  # fmt: skip
    out: list[int] = []
    append = out.extend
    starts = _line_starts(index)
    nlines = len(starts)
    line = -1
    line_start = 0
    next_start = 0  # start of the line after `line`
    ascii_line = True
    prev_line = prev_col = 0
    for s, e, kind, mods in items:
        if s >= next_start:
            line = bisect.bisect_right(starts, s, line + 1 if line >= 0 else 0) - 1
            line_start = starts[line]
            next_start = starts[line + 1] if line + 1 < nlines else len(data) + 1
            ascii_line = encoding == "utf-8" or data[line_start:next_start].isascii()
        if e < next_start and ascii_line:  # the common case: one ASCII line
            col = s - line_start
            append((line - prev_line, col - prev_col if line == prev_line else col, e - s, kind, mods))
            prev_line, prev_col = line, col
            continue
        at, cur = s, line
        while True:  # a token spanning lines (a block comment) becomes one token per line
            ls = starts[cur]
            le = min(e, index.line_end(cur))
            if le > at:
                col = units(data, ls, at, encoding)
                append((cur - prev_line, col - prev_col if cur == prev_line else col, units(data, at, le, encoding),
                        kind, mods))  # fmt: skip
                prev_line, prev_col = cur, col
            if e <= le or cur + 1 >= nlines or starts[cur + 1] >= e:
                break
            cur += 1
            at = starts[cur]
    return out
