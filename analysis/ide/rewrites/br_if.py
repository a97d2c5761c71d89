"""`br_if L` ↔ `(if (then (br L)))` (wasm-language-tools' `br_if_to_if_br` and
`if_br_to_br_if`), plain or folded, for branches that carry no values. Inside the `if` a
label written as a depth is one deeper; a name stays. The meaning is the same, the binary not
(an `if` block is added or removed)."""

from __future__ import annotations

import re

from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide.hover import instr_at
from wat_lsp.analysis.ide.rewrites.base import Rewrite, func_at, label_text, label_types, shifted
from wat_lsp.analysis.model import BlockType, Func, Module
from wat_lsp.passes.edits import TextEdit

_BLANK = re.compile(rb"\s*")
_THEN = re.compile(rb"\(then\s*")  # the then clause's opening, with nothing else in it
_CLOSE = re.compile(rb"\s*\)\s*\)")  # the then clause's and the if's closing


def _at(doc: Document, offset: int, name: str) -> tuple[Module, Func, int] | None:
    found = func_at(doc, offset)
    if found is None:
        return None
    m, f = found
    i = instr_at(f, offset)
    return (m, f, i) if i is not None and f.body[i].op.name == name else None


def _to_if_edits(doc: Document, offset: int) -> list[TextEdit]:
    found = _at(doc, offset, "br_if")
    if found is None:
        return []
    m, f, i = found
    ins = f.body[i]
    depth = ins.imms[0] if ins.imms else None
    if not isinstance(depth, int) or label_types(m, f, i, depth) != ():
        return []
    branch = f"(then (br {shifted(label_text(doc, ins), 1)}))"
    if not ins.folded:
        return [TextEdit(ins.start, ins.end, f"(if {branch})")]
    operands = doc.data[ins.end : ins.oend - 1].decode("utf-8", "replace").strip()
    return [TextEdit(ins.ostart, ins.oend, f"(if {operands} {branch})" if operands else f"(if {branch})")]


def _to_br_if_edits(doc: Document, offset: int) -> list[TextEdit]:
    found = _at(doc, offset, "if")
    if found is None:
        return []
    _m, f, i = found
    if i + 2 >= len(f.body):
        return []
    start, br, end = f.body[i : i + 3]
    bt = start.imms[0] if start.imms else None
    plain_bt = isinstance(bt, BlockType) and bt.type_idx is None and not bt.params and not bt.results
    if (
        not plain_bt
        or start.label is not None
        or br.op.name != "br"
        or end.op.name != "end"
        or end.match != i
        or doc.data[start.start : start.end].strip() != b"if"  # no label or block type written
    ):
        return []
    depth = br.imms[0] if br.imms else None
    label = label_text(doc, br)
    if not isinstance(depth, int) or depth == 0 or (label.startswith("$") is False and not label.isdigit()):
        return []
    new = f"br_if {shifted(label, -1)}"
    data = doc.data
    if not start.folded:
        if br.folded or not (_blank(data, start.end, br.start) and _blank(data, br.end, end.start)):
            return []  # a comment between would be lost
        return [TextEdit(start.start, end.end, new)]
    then = data.rfind(b"(then", start.end, br.ostart)
    if then < 0 or _THEN.fullmatch(data, then, br.ostart) is None:
        return []
    if br.folded and br.oend - br.ostart != len(data[br.ostart : br.oend]):
        return []
    if _CLOSE.fullmatch(data, br.oend, start.oend) is None:
        return []
    cond = data[start.end : then].decode("utf-8", "replace").strip()
    return [TextEdit(start.ostart, start.oend, f"({new} {cond})" if cond else f"({new})")]


def _blank(data: bytes, start: int, end: int) -> bool:
    return _BLANK.fullmatch(data, start, end) is not None


BR_IF_TO_IF_BR = Rewrite.by_edits(
    "br_if_to_if_br", "Turn `br_if` into `if` and `br`", _to_if_edits, same_binary=False
)
IF_BR_TO_BR_IF = Rewrite.by_edits(
    "if_br_to_br_if", "Turn `if` and `br` into `br_if`", _to_br_if_edits, same_binary=False
)
