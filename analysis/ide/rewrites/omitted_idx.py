"""Make an omitted table or memory index explicit (wasm-language-tools' `add_omitted_idx`):
`memory.size` → `memory.size $mem`, `i32.load offset=4` → `i32.load 0 offset=4`,
`call_indirect (type $t)` → `call_indirect $tab (type $t)`, `table.copy` → `table.copy 0 0`.
Every instruction whose first immediate is an optional table or memory index (the opcode
table's `TABLE_OPT`/`MEMORY_OPT`: plain, atomic and SIMD lane memory accesses, `memory.*`,
`table.*`, `call_indirect` and `return_call_indirect`), where `optional_index_present` says the
index is not written. The index is 0 either way, so the binary is the same; it is written as
the item's name when it has one."""

from __future__ import annotations

from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide.hover import instr_at
from wat_lsp.analysis.ide.rewrites.base import Rewrite, func_at
from wat_lsp.analysis.model import Instr, Module
from wat_lsp.analysis.opcodes import Imm, optional_index_present
from wat_lsp.analysis.tokens import IDBYTES, tokens
from wat_lsp.passes.edits import TextEdit

_SPACE = {Imm.TABLE_OPT: "table", Imm.MEMORY_OPT: "memory"}


def _numbers(data: bytes, ins: Instr) -> int | None:
    """The integer and `$id` tokens after the mnemonic, outside parentheses (a type use), not
    counting `offset=`/`align=`; None if the text is not plain words and forms."""
    count, depth, first = 0, 0, True
    for kind, start, end in tokens(data, ins.start, ins.end):
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "word" and depth == 0:
            word = data[start:end]
            if first:
                first = False
            elif not word.startswith((b"offset=", b"align=")):
                count += 1
        elif depth == 0:
            return None
    return count


def _name(m: Module, space: str) -> str:
    """Index 0 of `space` as written: its name when it has one that needs no quotes."""
    name = next((n for n, i in m.names.get(space, {}).items() if i == 0), None)
    if name and all(b in IDBYTES for b in name.encode()):
        return "$" + name
    return "0"


def _edits(doc: Document, offset: int) -> list[TextEdit]:
    found = func_at(doc, offset)
    if found is None:
        return []
    m, f = found
    i = instr_at(f, offset)
    if i is None:
        return []
    ins = f.body[i]
    kinds = ins.op.imms
    space = _SPACE.get(kinds[0]) if kinds else None
    if space is None:
        return []
    count = _numbers(doc.data, ins)
    if count is None or optional_index_present(kinds[1:], count):
        return []
    pair = kinds[1:2] == kinds[:1]  # `table.copy`, `memory.copy`: both or neither
    idx = _name(m, space)
    at = ins.start + len(ins.op.name)
    if doc.data[ins.start : at] != ins.op.name.encode():
        return []
    return [TextEdit(at, at, f" {idx} {idx}" if pair else f" {idx}")]


ADD_OMITTED_IDX = Rewrite.by_edits("add_omitted_idx", "Write the omitted index", _edits)
