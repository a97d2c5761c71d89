"""`tee-dropped`: a `local.tee` whose result is dropped right away: `local.set` says it."""

from __future__ import annotations

from wat_lsp.analysis.diagnostics import Diagnostic
from wat_lsp.analysis.labels import BlockLabels
from wat_lsp.analysis.lints.common import lint
from wat_lsp.analysis.model import Func, Span

CODE = "tee-dropped"


def check(func: Func, labels: BlockLabels) -> list[Diagnostic]:
    body = func.body
    out: list[Diagnostic] = []
    for i in range(len(body) - 1):
        ins = body[i]
        if ins.op.name == "local.tee" and body[i + 1].op.name == "drop":
            out.append(
                lint(
                    CODE,
                    "the value of this `local.tee` is dropped: use `local.set`",
                    Span(ins.start, ins.end),
                    func=func.index,
                    instr=i,
                )
            )
    return out
