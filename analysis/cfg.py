"""Basic blocks over a function's flat, structured body.

A block is a run of instruction indices [start, end) entered only at `start`. Leaders are
the first instruction, every `loop` (its header: branches to a loop go there), every `end`
(a join point), and the instruction after `if`, `else`, `try_table`, a branch or an
instruction that never falls through. Edges follow the structure: `if` goes to its `then`
arm and to its `else` arm (or its `end`), `else` ends the `then` arm by going to the `end`,
a branch goes to its target (a loop's header, any other block's `end`), and every block
inside a `try_table` may go to each of its catch targets (anything may throw).

Function exit is not a block: `return`, falling off the end and branches to the function
label have no successor, which is what backward liveness needs (nothing is live after the
function). Legacy `try`/`catch`/`delegate` and stack switching's `resume` handlers are not
modelled edge by edge; a CFG with them is marked imprecise, and checks that need exact
edges skip it. Everything is built with loops over the list: no recursion.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wat_lsp.analysis.model import Catch, Func, Instr
from wat_lsp.analysis.opcodes import Flag

_IMPRECISE_OPS = frozenset({"try", "catch", "catch_all", "delegate", "resume", "resume_throw",
                            "resume_throw_ref"})  # fmt: skip


@dataclass(slots=True)
class BasicBlock:
    index: int
    start: int  # first instruction index
    end: int  # one past the last
    succs: list[int] = field(default_factory=list)
    preds: list[int] = field(default_factory=list)


@dataclass(slots=True)
class CFG:
    blocks: list[BasicBlock]
    block_of: list[int]  # instruction index -> block index
    precise: bool = True
    reachable: list[bool] = field(default_factory=list)  # per block, from the entry
    # Per block, its successors without the catch edges of `try_table`s (what control
    # reaches without an exception); None when there are no such edges (then `succs`).
    normal_succs: list[list[int]] | None = None


def _labels(ins: Instr) -> list[int]:
    """Branch targets of `ins` as relative depths (without try_table's catches)."""
    name = ins.op.name
    if name == "br_table":
        imm = ins.imms[0] if ins.imms else ()
        return [d for d in imm if isinstance(d, int)] if isinstance(imm, tuple) else []
    if ins.imms and isinstance(ins.imms[0], int):
        return [ins.imms[0]]
    return []


# `OpInfo.bits` masks: testing an int is several times cheaper than `Flag.X in op.flags`,
# and `build_cfg` tests every instruction.
_START = Flag.BLOCK_START.value
_ELSE = Flag.BLOCK_ELSE.value
_END = Flag.BLOCK_END.value
_BRANCH = Flag.BRANCH.value
_UNCOND = Flag.UNCONDITIONAL.value
_SHAPES = _START | _ELSE | _END | _BRANCH | _UNCOND  # what can start or end a block


def build_cfg(func: Func) -> CFG:
    """Only the instructions with a structural flag shape the graph (every name in
    `_IMPRECISE_OPS` has one): they are picked out in one comprehension and both passes
    visit them alone, plus the last instruction of each block."""
    body = func.body
    n = len(body)
    if n == 0:
        return CFG([BasicBlock(0, 0, 0)], [], True, [True])
    ctrl = [i for i, ins in enumerate(body) if ins.op.bits & _SHAPES]
    precise = True
    starts = [0]  # leaders, in order (each appended at most once: see `lead`)
    else_of: dict[int, int] = {}
    stack: list[int] = []

    def lead(i: int) -> None:
        if starts[-1] < i < n:
            starts.append(i)

    for i in ctrl:
        op = body[i].op
        bits = op.bits
        name = op.name
        if name in _IMPRECISE_OPS:
            precise = False
        if bits & _START:
            if name == "loop":
                lead(i)
            elif name in ("if", "try_table", "try"):
                lead(i + 1)
            stack.append(i)
        elif bits & _ELSE:
            if name == "else" and stack:
                else_of[stack[-1]] = i
            lead(i + 1)
        elif bits & _END:
            lead(i)
            if name == "delegate":
                lead(i + 1)
            if stack:
                stack.pop()
        if bits & (_BRANCH | _UNCOND):
            lead(i + 1)
    ends = [*starts[1:], n]
    blocks = [BasicBlock(k, s, e) for k, (s, e) in enumerate(zip(starts, ends, strict=True))]
    block_of: list[int] = []
    for b in blocks:
        block_of.extend([b.index] * (b.end - b.start))

    def edge(a: int, b: int) -> None:
        if b not in blocks[a].succs:
            blocks[a].succs.append(b)
            blocks[b].preds.append(a)

    def target(depth: int) -> int | None:
        """The block a branch of `depth` goes to; None for the function label."""
        nonlocal precise
        if depth < 0:
            precise = False
            return None
        if depth >= len(stack):
            return None
        s = stack[-1 - depth]
        if body[s].op.name == "loop":
            return block_of[s]
        m = body[s].match
        if not 0 <= m < n:
            precise = False
            return None
        return block_of[m]

    tries: list[tuple[int, int, list[int]]] = []  # (try_table index, its end, catch blocks)
    stack = []
    nctrl = len(ctrl)
    c = 0  # next control instruction
    for b in blocks:
        # Control instructions inside the block: only its last one can branch (a branch
        # ends its block), the others open or close structure.
        while c < nctrl and ctrl[c] < b.end:
            i = ctrl[c]
            c += 1
            ins = body[i]
            bits = ins.op.bits
            name = ins.op.name
            if name == "try_table":
                targets: list[int] = []
                for imm in ins.imms:
                    if isinstance(imm, tuple):
                        for cc in imm:
                            if isinstance(cc, Catch):
                                t = target(cc.label)
                                if t is not None:
                                    targets.append(t)
                tries.append((i, ins.match, targets))
            if bits & _START:
                stack.append(i)
            if bits & _BRANCH and name != "try_table":
                for d in _labels(ins):
                    t = target(d)
                    if t is not None:
                        edge(b.index, t)
            if bits & _END and stack:
                stack.pop()
        # how control leaves the block
        i = b.end - 1
        ins = body[i]
        name = ins.op.name
        if name == "if":
            edge(b.index, block_of[i + 1] if i + 1 < n else b.index)
            els = else_of.get(i)
            if els is not None and els + 1 < n:
                edge(b.index, block_of[els + 1])
            elif 0 <= ins.match < n:
                edge(b.index, block_of[ins.match])
        elif name == "else":
            if 0 <= ins.match < n:
                edge(b.index, block_of[ins.match])
        elif ins.op.bits & _UNCOND:
            pass
        elif i + 1 < n:
            edge(b.index, block_of[i + 1])
    normal: list[list[int]] | None = None
    for t_start, t_end, targets in tries:
        if not targets:
            continue
        if normal is None:
            normal = [list(b.succs) for b in blocks]
        lo = block_of[t_start]
        hi = block_of[t_end] if 0 <= t_end < n else len(blocks)
        for k in range(lo, hi):
            for t in targets:
                edge(k, t)
    reachable = [False] * len(blocks)
    reachable[0] = True
    work = [0]
    while work:
        k = work.pop()
        for s in blocks[k].succs:
            if not reachable[s]:
                reachable[s] = True
                work.append(s)
    return CFG(blocks, block_of, precise, reachable, normal)
