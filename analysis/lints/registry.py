"""The lints, in the order their diagnostics are made: function lints (run per function, with
the liveness checks, so an edit re-runs the edited function's only) and module lints (whose
candidates are made once per read of the module and shown by use counts; see `common`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from wat_lsp.analysis.diagnostics import Diagnostic
from wat_lsp.analysis.labels import BlockLabels, block_labels
from wat_lsp.analysis.lints import (
    mut_never_set,
    removable_block,
    shadowed_label,
    tee_dropped,
    try_table_catches,
    unreachable_code,
    unused_item,
)
from wat_lsp.analysis.lints.common import Candidate
from wat_lsp.analysis.lints.uses import UseKey, all_uses
from wat_lsp.analysis.model import Func, Module
from wat_lsp.analysis.opcodes import OPCODES, Flag

FuncLint = Callable[[Func, BlockLabels], list[Diagnostic]]
ModuleLint = Callable[[Module, bytes], list[Candidate]]

FUNC_LINTS: tuple[FuncLint, ...] = (
    unreachable_code.check,
    shadowed_label.check,
    tee_dropped.check,
    try_table_catches.check,
    removable_block.check,
)
MODULE_LINTS: tuple[ModuleLint, ...] = (unused_item.candidates, mut_never_set.candidates)

FUNC_CODES = frozenset({unreachable_code.CODE, shadowed_label.CODE, tee_dropped.CODE,
                        try_table_catches.NO_CATCH, try_table_catches.UNREACHABLE, removable_block.CODE})  # fmt: skip
MODULE_CODES = frozenset({unused_item.CODE, mut_never_set.CODE})
CODES = FUNC_CODES | MODULE_CODES


def func_lints(func: Func) -> list[Diagnostic]:
    """Every function lint's diagnostics of a defined function, each sorted by span."""
    if func.import_ is not None or not func.body:
        return []
    labels = block_labels(func.body)
    present = {ins.op.name for ins in func.body}
    body = func.body
    # `shadowed-label` needs two labelled blocks: 100,000 unlabelled nested blocks are not
    # walked again for it (the block starts are the keys of `labels.parent`)
    named = sum(1 for i in labels.parent if body[i].label is not None)
    out: list[Diagnostic] = []
    for check in FUNC_LINTS:
        if check is shadowed_label.check and named < 2:
            continue
        needs = _NEEDS.get(check)
        if needs is None or not needs.isdisjoint(present):
            out.extend(check(func, labels))
    return out


# The instructions without which a function lint reports nothing: it is not run on a body
# with none of them (one walk to list the body's instructions instead of one per lint).
_NEEDS: dict[FuncLint, frozenset[str]] = {
    try_table_catches.check: frozenset({"try_table"}),
    tee_dropped.check: frozenset({"local.tee"}),
    unreachable_code.check: frozenset(n for n, op in OPCODES.items() if op.bits & Flag.UNCONDITIONAL.value),
}


def module_candidates(module: Module, data: bytes) -> list[Candidate]:
    out: list[Candidate] = []
    for make in MODULE_LINTS:
        out.extend(make(module, data))
    return out


def shown(cands: list[Candidate], counts: Counter[UseKey]) -> list[int]:
    """Which candidates the use counts call for (their positions in `cands`)."""
    get = counts.get
    written: dict[int, bool] = {}  # by `also_unused` tuple, shared by a family's candidates
    out: list[int] = []
    for k, c in enumerate(cands):
        if get(c.unused) or (c.used is not None and not get(c.used)):
            continue
        if c.also_unused:
            w = written.get(id(c.also_unused))
            if w is None:
                w = written[id(c.also_unused)] = any(get(u) for u in c.also_unused)
            if w:
                continue
        out.append(k)
    return out


def module_lints(module: Module, data: bytes, uses: Counter[UseKey] | None = None) -> list[Diagnostic]:
    """The module lints of a module whose text holds no error; `uses`: its `all_uses`, when
    counted already (`analysis.streaming` counts each body before dropping it)."""
    cands = module_candidates(module, data)
    return [cands[k].diagnostic for k in shown(cands, all_uses(module) if uses is None else uses)]
