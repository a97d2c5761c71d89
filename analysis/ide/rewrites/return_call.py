"""`call f` followed by `return` → `return_call f` (wasm-language-tools'
`merge_to_return_call`), and the same for `call_indirect` and `call_ref`, plain or folded
(`(return (call $f ...))`), where the callee returns exactly the caller's results. The meaning
is the same (the caller's frame goes first); the binary not."""

from __future__ import annotations

import re

from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide.hover import instr_at
from wat_lsp.analysis.ide.rewrites.base import Rewrite, func_at
from wat_lsp.analysis.model import BlockType, Func, FuncType, Instr, Module, ValType
from wat_lsp.passes.edits import TextEdit

_CALLS = frozenset({"call", "call_indirect", "call_ref"})
_BLANK = re.compile(rb"\s*")


def _callee_results(m: Module, ins: Instr) -> tuple[ValType, ...] | None:
    imm = ins.imms[-1] if ins.imms else None
    if ins.op.name == "call":
        return m.funcs[imm].results if isinstance(imm, int) and 0 <= imm < len(m.funcs) else None
    if ins.op.name == "call_indirect" and isinstance(imm, BlockType):
        if imm.type_idx is None:
            return tuple(imm.results)
        imm = imm.type_idx
    if isinstance(imm, int) and 0 <= imm < len(m.types):
        comp = m.types[imm].comp
        return comp.results if isinstance(comp, FuncType) else None
    return None


def _pair(m: Module, f: Func, offset: int) -> tuple[Instr, Instr] | None:
    """The call and the `return` right after it (in execution order) at `offset`."""
    i = instr_at(f, offset)
    if i is None:
        return None
    if f.body[i].op.name == "return":
        i -= 1
    if not 0 <= i < len(f.body) - 1:
        return None
    call, ret = f.body[i], f.body[i + 1]
    if call.op.name not in _CALLS or ret.op.name != "return":
        return None
    results = _callee_results(m, call)
    if results is None or repr(results) != repr(tuple(f.results)):
        return None
    return call, ret


def _edits(doc: Document, offset: int) -> list[TextEdit]:
    found = func_at(doc, offset)
    pair = _pair(*found, offset) if found is not None else None
    if pair is None:
        return []
    call, ret = pair
    data = doc.data
    name = call.op.name
    rename = TextEdit(call.start, call.start + len(name), f"return_{name}")
    if data[call.start : call.start + len(name)] != name.encode():
        return []
    if not ret.folded:
        if ret.start < call.oend or _BLANK.fullmatch(data, call.oend, ret.start) is None:
            return []  # something between them (a comment) would be lost
        return [rename, TextEdit(call.oend, ret.end, "")]
    if not (ret.ostart < call.ostart and call.oend < ret.oend and call.folded):
        return []
    if (
        _BLANK.fullmatch(data, ret.end, call.ostart) is None
        or _BLANK.fullmatch(data, call.oend, ret.oend - 1) is None
    ):
        return []  # `return` has other operands, or comments
    return [TextEdit(ret.ostart, call.ostart, ""), rename, TextEdit(call.oend, ret.oend, "")]


MERGE_TO_RETURN_CALL = Rewrite.by_edits(
    "merge_to_return_call", "Merge into a tail call (`return_call`)", _edits, same_binary=False
)
