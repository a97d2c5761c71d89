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


def _labels(ins: Instr) -> list[int]:
    """Branch targets of `ins` as relative depths (without try_table's catches)."""
    name = ins.op.name
    if name == "br_table":
        imm = ins.imms[0] if ins.imms else ()
        return [d for d in imm if isinstance(d, int)] if isinstance(imm, tuple) else []
    if ins.imms and isinstance(ins.imms[0], int):
        return [ins.imms[0]]
    return []


def build_cfg(func: Func) -> CFG:
    body = func.body
    n = len(body)
    if n == 0:
        return CFG([BasicBlock(0, 0, 0)], [], True, [True])
    precise = True
    leader = [False] * (n + 1)
    leader[0] = True
    else_of: dict[int, int] = {}
    stack: list[int] = []
    for i, ins in enumerate(body):
        op = ins.op
        name = op.name
        if name in _IMPRECISE_OPS:
            precise = False
        if Flag.BLOCK_START in op.flags:
            if name == "loop":
                leader[i] = True
            elif name in ("if", "try_table", "try"):
                leader[i + 1] = True
            stack.append(i)
        elif Flag.BLOCK_ELSE in op.flags:
            if name == "else" and stack:
                else_of[stack[-1]] = i
            leader[i + 1] = True
        elif Flag.BLOCK_END in op.flags:
            leader[i] = True
            leader[i + 1] = True if name == "delegate" else leader[i + 1]
            if stack:
                stack.pop()
        if Flag.BRANCH in op.flags or Flag.UNCONDITIONAL in op.flags:
            leader[i + 1] = True
    starts = [i for i in range(n) if leader[i]]
    blocks = [BasicBlock(k, s, starts[k + 1] if k + 1 < len(starts) else n) for k, s in enumerate(starts)]
    block_of = [0] * n
    for b in blocks:
        for i in range(b.start, b.end):
            block_of[i] = b.index

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
    for b in blocks:
        for i in range(b.start, b.end):
            ins = body[i]
            flags = ins.op.flags
            name = ins.op.name
            last = i == b.end - 1
            if name == "try_table":
                targets: list[int] = []
                for imm in ins.imms:
                    if isinstance(imm, tuple):
                        for c in imm:
                            if isinstance(c, Catch):
                                t = target(c.label)
                                if t is not None:
                                    targets.append(t)
                tries.append((i, ins.match, targets))
            if Flag.BLOCK_START in flags:
                stack.append(i)
            if Flag.BRANCH in flags and name != "try_table":
                for d in _labels(ins):
                    t = target(d)
                    if t is not None:
                        edge(b.index, t)
            if Flag.BLOCK_END in flags and stack:
                stack.pop()
            if not last:
                continue
            # how control leaves the block
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
            elif Flag.UNCONDITIONAL in flags:
                pass
            elif i + 1 < n:
                edge(b.index, block_of[i + 1])
    for t_start, t_end, targets in tries:
        if not targets:
            continue
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
    return CFG(blocks, block_of, precise, reachable)
