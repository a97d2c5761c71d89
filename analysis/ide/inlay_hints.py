"""Inlay hints in a range: the declared type after each use of a local or parameter, and the
number the binary format has after each `$name` reference (an index; for a label, its relative
depth at that branch)."""

from __future__ import annotations

from typing import NamedTuple

from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide import navigation, references
from wat_lsp.analysis.subtyping import TypeTable


class Hint(NamedTuple):
    offset: int  # where the hint goes: the end of the reference
    label: str
    is_type: bool


def hints(doc: Document, start: int, end: int) -> list[Hint]:
    out: list[Hint] = []
    tables: dict[int, TypeTable] = {}
    for o in references.in_range(doc, start, end):
        if o.role == "decl" or not start <= o.start < end:
            continue
        label = f"#{o.number}" if o.named and o.number >= 0 else ""
        if o.key.space == "local":
            func = navigation.func_of(doc, o.key)
            m = navigation.module_of(doc, o.key)
            if func is not None and m is not None:
                types = tables.get(o.key.module) or tables.setdefault(o.key.module, TypeTable(m))
                out.append(Hint(o.end, f"{label}: {types.show(func.all_locals[o.key.item].type)}", True))
                continue
        if label:
            out.append(Hint(o.end, label, False))
    return out
