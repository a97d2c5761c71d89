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

import functools

from tree_sitter import Query, QueryCursor
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.model import StructType
from wat_lsp.analysis.positions import Encoding, LineIndex
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
    data = doc.data
    end = len(data) if end is None else end
    ranged = start > 0 or end < len(data)
    if ranged:  # from the start of the line: an instruction's name comes with its immediates
        start = index.line_start(index.line_of(start))
    occs = references.in_range(doc, start, end) if ranged else references.index(doc).occurrences
    cursor = QueryCursor(_query())
    if ranged:
        cursor.set_byte_range(start, end)
    # (start, end, type, modifiers); names first so that they win over the lexical class
    items: dict[int, tuple[int, int, int]] = {}
    cache: dict[object, tuple[int, int]] = {}
    for o in occs:
        if start <= o.start < end:
            kind, mods = _classify(doc, o, cache)
            items[o.start] = (o.end, kind, mods)
    for name, nodes in cursor.captures(doc.tree.root_node).items():
        kind, mods = _LEXICAL[name]
        for n in nodes:
            s = n.start_byte
            if start <= s < end and s not in items:
                items[s] = (n.end_byte, kind, mods)
    return _encode(sorted(items.items()), data, index, encoding)


def _encode(items: list[tuple[int, tuple[int, int, int]]], data: bytes, index: LineIndex, encoding: Encoding
            ) -> list[int]:  # fmt: skip
    out: list[int] = []
    prev_line = prev_col = 0
    line_of, line_start, line_end = index.line_of, index.line_start, index.line_end
    for s, (e, kind, mods) in items:
        line = line_of(s)
        while True:  # a token spanning lines (a block comment) becomes one token per line
            ls = line_start(line)
            le = min(e, line_end(line))
            if le > s:
                col = _units(data, ls, s, encoding)
                length = _units(data, s, le, encoding)
                out += (line - prev_line, col - prev_col if line == prev_line else col, length, kind, mods)
                prev_line, prev_col = line, col
            if e <= le or line + 1 >= index.line_count:
                break
            line += 1
            s = line_start(line)
    return out


def _units(data: bytes, start: int, end: int, encoding: Encoding) -> int:
    chunk = data[start:end]
    if encoding == "utf-8" or chunk.isascii():
        return end - start
    text = chunk.decode("utf-8", "replace")
    return len(text) if encoding == "utf-32" else len(text.encode("utf-16-le", "surrogatepass")) // 2
