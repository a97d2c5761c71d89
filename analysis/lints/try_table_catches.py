"""`try-table-no-catch`: a `try_table` without a catch clause (a `block` does the same);
`unreachable-catch`: a clause that can never match, because a `catch_all`/`catch_all_ref`
or a `catch`/`catch_ref` of the same tag comes before it (the first matching clause wins)."""

from __future__ import annotations

from wat_lsp.analysis.diagnostics import Diagnostic
from wat_lsp.analysis.labels import BlockLabels
from wat_lsp.analysis.lints.common import lint
from wat_lsp.analysis.model import Catch, Func

NO_CATCH = "try-table-no-catch"
UNREACHABLE = "unreachable-catch"


def catches(imms: tuple[object, ...]) -> tuple[Catch, ...] | None:
    for v in imms:
        if isinstance(v, tuple) and all(isinstance(c, Catch) for c in v):
            return v
    return None


def check(func: Func, labels: BlockLabels) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for i, ins in enumerate(func.body):
        if ins.op.name != "try_table":
            continue
        clauses = catches(ins.imms)
        if clauses is None:
            continue
        if not clauses:
            out.append(
                lint(
                    NO_CATCH,
                    "this `try_table` has no catch clause: it is a `block`",
                    ins.span,
                    func=func.index,
                    instr=i,
                )
            )
            continue
        seen: set[int] = set()
        all_at: str | None = None
        for k, c in enumerate(clauses):
            why = None
            if all_at is not None:
                why = f"the `{all_at}` before it catches everything"
            elif c.tag is not None and c.tag in seen:
                why = "an earlier clause catches the same tag"
            if why is not None:
                out.append(
                    lint(
                        UNREACHABLE,
                        f"`{c.kind}` clause {k + 1} can never match: {why}",
                        ins.span,
                        unnecessary=True,
                        func=func.index,
                        instr=i,
                        clause=k,
                    )
                )
            if c.kind.startswith("catch_all"):
                all_at = all_at or c.kind
            elif c.tag is not None:
                seen.add(c.tag)
    return out
