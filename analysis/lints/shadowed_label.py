"""`shadowed-label`: a block whose label has the name of an enclosing block's label; a
branch to that name inside it reaches the inner block, which is rarely what was meant."""

from __future__ import annotations

from wat_lsp.analysis.diagnostics import Diagnostic, Related
from wat_lsp.analysis.labels import BlockLabels
from wat_lsp.analysis.lints.common import lint
from wat_lsp.analysis.model import Func
from wat_lsp.analysis.opcodes import Flag

CODE = "shadowed-label"
_START = Flag.BLOCK_START.value
_END = Flag.BLOCK_END.value


def check(func: Func, labels: BlockLabels) -> list[Diagnostic]:
    body = func.body
    out: list[Diagnostic] = []
    open_: list[str | None] = []
    by_name: dict[str, list[int]] = {}  # label -> the open blocks so named, innermost last
    for i, ins in enumerate(body):
        bits = ins.op.bits
        if bits & _END and open_:
            gone = open_.pop()
            if gone is not None:
                by_name[gone].pop()
        if bits & _START:
            name = ins.label
            open_.append(name)
            if name is None:
                continue
            seen = by_name.setdefault(name, [])
            if seen:
                outer = body[seen[-1]]
                out.append(
                    lint(
                        CODE,
                        f"label `${name}` shadows the label of an enclosing `{outer.op.name}`",
                        ins.span,
                        func=func.index,
                        instr=i,
                    )
                )
                d = out[-1]
                out[-1] = Diagnostic(
                    d.code, d.message, d.span, d.severity, (Related(outer.span, "the enclosing label"),),
                    data=d.data,
                )  # fmt: skip
            seen.append(i)
    return out
