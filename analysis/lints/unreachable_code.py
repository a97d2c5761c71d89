"""`unreachable-code`: instructions after one that never falls through (`br`, `br_table`,
`return`, `return_call*`, `unreachable`, `throw`, `throw_ref`, `rethrow`, ...: the opcode
table's `UNCONDITIONAL` flag), up to the end of the enclosing block or arm. One diagnostic
spans the dead run; in folded code only the part written after the instruction (an
enclosing folded instruction that is dead too lies before it and is not marked)."""

from __future__ import annotations

from wat_lsp.analysis.diagnostics import Diagnostic
from wat_lsp.analysis.labels import BlockLabels
from wat_lsp.analysis.lints.common import lint
from wat_lsp.analysis.model import Func, Span
from wat_lsp.analysis.opcodes import Flag

CODE = "unreachable-code"
_UNCOND = Flag.UNCONDITIONAL.value
_START = Flag.BLOCK_START.value
_STOP = Flag.BLOCK_ELSE.value | Flag.BLOCK_END.value


def check(func: Func, labels: BlockLabels) -> list[Diagnostic]:
    body = func.body
    n = len(body)
    out: list[Diagnostic] = []
    i = 0
    while i < n:
        ins = body[i]
        if not ins.op.bits & _UNCOND:
            i += 1
            continue
        # The dead run: to the next else/catch/end of this block, nested blocks skipped whole.
        j = i + 1
        while j < n and not body[j].op.bits & _STOP:
            m = body[j].match
            j = m + 1 if body[j].op.bits & _START and m > j else j + 1
        j = min(j, n)
        dead = [body[k] for k in range(i + 1, j) if body[k].ostart >= ins.oend]
        if dead:
            start = min(d.ostart for d in dead)
            end = max(d.oend for d in dead)
            whole = len(dead) == j - i - 1  # nothing dead lies before `ins` in the text
            out.append(
                lint(
                    CODE,
                    f"unreachable code: `{ins.op.name}` before it never falls through",
                    Span(start, end),
                    unnecessary=True,
                    func=func.index,
                    instr=i,
                    removable=whole,
                )
            )
        i = max(j, i + 1)
    return out
