"""`removable-block`: a `block` or `loop` that no branch targets and whose removal keeps the
module valid and its meaning: no params, results only of number or vector types (a block
hides a more precise reference type from the code after it), and no branch inside it to a
label outside it (removing it would change that branch's depth). The contents stay."""

from __future__ import annotations

from wat_lsp.analysis.diagnostics import Diagnostic
from wat_lsp.analysis.labels import BlockLabels
from wat_lsp.analysis.lints.common import lint
from wat_lsp.analysis.model import BlockType, Func

CODE = "removable-block"


def check(func: Func, labels: BlockLabels) -> list[Diagnostic]:
    body = func.body
    out: list[Diagnostic] = []
    for i in labels.parent:
        ins = body[i]
        if ins.op.name not in ("block", "loop") or i in labels.targeted or i in labels.crossed:
            continue
        bt = ins.imms[0] if ins.imms else None
        if not isinstance(bt, BlockType) or bt.type_idx is not None or bt.params:
            continue
        if not all(isinstance(t, str) for t in bt.results):
            continue
        m = ins.match
        if not (i < m < len(body)) or body[m].op.name != "end":
            continue
        label = f" `${ins.label}`" if ins.label else ""
        out.append(
            lint(
                CODE,
                f"no branch targets this `{ins.op.name}`{label}: its contents can stand without it",
                ins.span,
                func=func.index,
                instr=i,
            )
        )
    return out
