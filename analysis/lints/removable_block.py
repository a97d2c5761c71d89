"""`removable-block`: a `block` or `loop` that no branch targets and whose removal keeps the
module valid and its meaning: no params, results only of number or vector types (a block
hides a more precise reference type from the code after it), and no branch inside it to a
label outside it (removing it would change that branch's depth). The contents stay."""

from __future__ import annotations

from wat_lsp.analysis.diagnostics import CODES, Diagnostic, quick
from wat_lsp.analysis.labels import BlockLabels
from wat_lsp.analysis.model import BlockType, Func, Span

CODE = "removable-block"
new_span = tuple.__new__  # `Span(a, b)` without its Python-level `__new__`
_SEVERITY = CODES[CODE][0]


def check(func: Func, labels: BlockLabels) -> list[Diagnostic]:
    body = func.body
    size = len(body)
    targeted, crossed = labels.targeted, labels.crossed
    out: list[Diagnostic] = []
    index = func.index
    messages: dict[tuple[str, str | None], str] = {}  # 100,000 nested blocks: one message
    last_bt: object = None  # block types are shared: the last one's verdict
    last_ok = False
    for i in labels.parent:
        ins = body[i]
        name = ins.op.name
        if (name != "block" and name != "loop") or i in targeted or i in crossed:
            continue
        bt = ins.imms[0] if ins.imms else None
        if bt is not last_bt:
            last_bt = bt
            last_ok = (
                isinstance(bt, BlockType)
                and bt.type_idx is None
                and not bt.params
                and all(isinstance(t, str) for t in bt.results)
            )
        if not last_ok:
            continue
        m = ins.match
        if not (i < m < size) or body[m].op.name != "end":
            continue
        key = (name, ins.label)
        message = messages.get(key)
        if message is None:
            label = f" `${ins.label}`" if ins.label else ""
            message = messages[key] = (
                f"no branch targets this `{name}`{label}: its contents can stand without it"
            )
        # `lint(...)` spelled out, and cheaper: one hint per block, 100,000 of them in a deep nest
        out.append(
            quick(CODE, message, new_span(Span, (ins.start, ins.end)), _SEVERITY, {"func": index, "instr": i})
        )
    return out
