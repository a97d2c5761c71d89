"""Labels of a flat body: the depths an instruction's label immediates name, and which blocks
they reach (`label_depths`, `block_labels`). One loop over the body with a stack of open
blocks: no recursion over nesting depth."""

from __future__ import annotations

from dataclasses import dataclass

from wat_lsp.analysis.model import Catch, Instr
from wat_lsp.analysis.opcodes import OPCODES, Flag, Imm

_LABEL_KINDS = (Imm.LABEL, Imm.LABELS_DEFAULT, Imm.CATCHES, Imm.ON_CLAUSES)


def label_depths(ins: Instr) -> list[int]:
    """The relative depths of an instruction's label immediates, in text order."""
    out: list[int] = []
    kinds = [k for k in ins.op.imms if k not in (Imm.LABEL_DEF, Imm.LABEL_ID)]  # not kept in `imms`
    for kind, value in zip(kinds, ins.imms, strict=False):
        if kind is Imm.LABEL and isinstance(value, int):
            out.append(value)
        elif kind is Imm.LABELS_DEFAULT and isinstance(value, tuple):
            out.extend(v for v in value if isinstance(v, int))
        elif kind is Imm.CATCHES and isinstance(value, tuple):
            out.extend(c.label for c in value if isinstance(c, Catch))
        elif kind is Imm.ON_CLAUSES and isinstance(value, tuple):
            out.extend(pair[1] for pair in value if isinstance(pair, tuple) and isinstance(pair[1], int))
    return out


@dataclass(slots=True)
class BlockLabels:
    """Per function body: the blocks some label immediate targets, the blocks some label
    immediate inside them crosses (it targets a block around them), and each block start's
    enclosing block start (-1: the function)."""

    targeted: set[int]
    crossed: set[int]
    parent: dict[int, int]


_START = Flag.BLOCK_START.value
_END = Flag.BLOCK_END.value


# Instructions with label immediates, by name (a set test per instruction, not a call).
_LABELLED = frozenset(name for name, op in OPCODES.items() if any(k in _LABEL_KINDS for k in op.imms))


def block_labels(body: list[Instr]) -> BlockLabels:
    """`BlockLabels` of `body`. `delegate` (a block end with a label) resolves outside its
    own `try`, and `try_table`'s catches outside the `try_table`, as the binary does."""
    targeted: set[int] = set()
    crossed: set[int] = set()
    parent: dict[int, int] = {}
    open_: list[int] = []  # block start indices
    lowest: list[int] = []  # per open block: the lowest stack position targeted from inside it
    for i, ins in enumerate(body):
        op = ins.op
        bits = op.bits
        if bits & _END and open_:
            b, low = open_.pop(), lowest.pop()
            if low < len(open_):
                crossed.add(b)
            if lowest and low < lowest[-1]:
                lowest[-1] = low
        if op.name in _LABELLED:
            height = len(open_)
            for d in label_depths(ins):
                p = height - 1 - d
                if p >= 0:
                    targeted.add(open_[p])
                if lowest:
                    lowest[-1] = min(lowest[-1], p)
        if bits & _START:
            parent[i] = open_[-1] if open_ else -1
            open_.append(i)
            lowest.append(len(open_))
    return BlockLabels(targeted, crossed, parent)
