"""Inlay hints in a range, each kind a setting (`Options`): the declared type after each use of
a local or parameter, the number the binary format has after each `$name` reference (an index;
for a label, its relative depth at that branch), and after a block's or function's closing
`end`/`)` the label or kind it closes."""

from __future__ import annotations

from typing import NamedTuple

from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide import navigation, references
from wat_lsp.analysis.model import Func
from wat_lsp.analysis.subtyping import TypeTable


class Hint(NamedTuple):
    offset: int  # where the hint goes: the end of the reference, or of the closing token
    label: str
    is_type: bool


class Options(NamedTuple):
    """Which kinds of hint to give. Indices are off by default: after every name they bury
    the code, and they matter only when reading a binary or a disassembly."""

    types: bool = True
    indices: bool = False
    block_ends: bool = True


# A block closes with a hint only when it spans lines; looking further back than this for a
# line break would make nested blocks on one long line quadratic, and a block longer than this
# is worth its hint anyway.
_LINE_LOOKBACK = 4096

DEFAULT = Options()


def hints(doc: Document, start: int, end: int, options: Options = DEFAULT) -> list[Hint]:
    out: list[Hint] = []
    if options.types or options.indices:
        out = _reference_hints(doc, start, end, options)
    if options.block_ends:
        out += _end_hints(doc, start, end)
        out.sort(key=lambda h: h.offset)  # (stable: at one offset, a reference's hint first)
    return out


def _reference_hints(doc: Document, start: int, end: int, options: Options) -> list[Hint]:
    out: list[Hint] = []
    tables: dict[int, TypeTable] = {}
    for o in references.in_range(doc, start, end):
        if o.role == "decl" or not start <= o.start < end:
            continue
        label = f"#{o.number}" if options.indices and o.named and o.number >= 0 else ""
        if options.types and o.key.space == "local":
            func = navigation.func_of(doc, o.key)
            m = navigation.module_of(doc, o.key)
            if func is not None and m is not None:
                types = tables.get(o.key.module) or tables.setdefault(o.key.module, TypeTable(m))
                out.append(Hint(o.end, f"{label}: {types.show(func.all_locals[o.key.item].type)}", True))
                continue
        if label:
            out.append(Hint(o.end, label, False))
    return out


def _end_hints(doc: Document, start: int, end: int) -> list[Hint]:
    """After a plain `end` or a folded block's `)` (an `end $l` names its block already), and
    after a named function's `)`: what it closes, for blocks that span lines."""
    data = doc.data
    out: list[Hint] = []
    for sm in doc.modules:
        if sm.read is None or sm.span.end <= start or sm.span.start >= end:
            continue
        for f in sm.read.module.funcs:
            if f.import_ is not None or f.span.end <= start or f.span.start >= end:
                continue
            out += _block_ends(data, f, start, end)
            if (
                f.name is not None
                and start < f.span.end <= end
                and _spans_lines(data, f.span.start, f.span.end)
            ):
                out.append(Hint(f.span.end, f"func ${f.name}", False))
    return out


def _block_ends(data: bytes, f: Func, start: int, end: int) -> list[Hint]:
    out: list[Hint] = []
    body = f.body
    for x in body:
        if x.op.name != "end" or not start < x.end <= end or not 0 <= x.match < len(body):
            continue
        if data[x.start : x.end] not in (b"end", b")"):
            continue
        opener = body[x.match]
        if not _spans_lines(data, opener.ostart, x.start):
            continue
        name = opener.op.name
        out.append(Hint(x.end, f"{name} ${opener.label}" if opener.label else name, False))
    return out


def _spans_lines(data: bytes, start: int, end: int) -> bool:
    if end - start > _LINE_LOOKBACK:
        return True
    return data.find(b"\n", start, end) != -1
