"""Backward liveness of locals over the CFG, with Python ints as bitsets (bit x = local x).

`live_out[b]` holds the locals whose current value some later `local.get` may read after
block b. A `local.set`/`local.tee` whose local is not live right after it is a dead store.
Interference is recorded only where a store happens while other locals are live, as one
bitset per stored local (never an N x N matrix of counters). No recursion anywhere.

`liveness_diagnostics` reports `unused-local` (declared, never read or written) and
`dead-store` (a store no read can see), the latter only in reachable code, only for
defaultable locals (removing a store to a non-nullable local can break the 1a rule) and
only when the CFG is exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from wat_lsp.analysis.cfg import CFG, build_cfg
from wat_lsp.analysis.diagnostics import Diagnostic, Severity, Tag
from wat_lsp.analysis.model import Func, Instr, Module, RefType, Span

GET, SET, TEE = "local.get", "local.set", "local.tee"

# The codes these checks report, as `diagnostics.CODES` lists codes. They are not in CODES
# (nor run by `document.analyse`) yet: `--check` on the spec suite must print nothing, and
# hints would change that; the faces opt in by calling `liveness_diagnostics`.
LIVENESS_CODES: dict[str, tuple[Severity, str]] = {
    "unused-local": (Severity.HINT, "a declared local that is never read or written"),
    "dead-store": (Severity.HINT, "a `local.set`/`local.tee` whose value no `local.get` can read"),
}


def _hint(code: str, message: str, span: Span, data: dict[str, object]) -> Diagnostic:
    return Diagnostic(code, message, span, LIVENESS_CODES[code][0], tags=(Tag.UNNECESSARY,), data=data)


@dataclass(slots=True)
class Liveness:
    cfg: CFG
    live_in: list[int]
    live_out: list[int]


def _local(imms: tuple[object, ...]) -> int:
    x = imms[0] if imms else -1
    return x if isinstance(x, int) else -1


def _accesses_backward(body: list[Instr], start: int, end: int) -> Iterator[tuple[int, bool, int]]:
    """`(index, is_get, local)` for the local accesses of body[start:end], last first."""
    for i in range(end - 1, start - 1, -1):
        ins = body[i]
        name = ins.op.name
        if name in (GET, SET, TEE):
            x = _local(ins.imms)
            if x >= 0:
                yield i, name == GET, x


def compute_liveness(func: Func, cfg: CFG | None = None) -> Liveness:
    cfg = cfg if cfg is not None else build_cfg(func)
    body = func.body
    nb = len(cfg.blocks)
    gen = [0] * nb
    kill = [0] * nb
    for b in cfg.blocks:
        g = k = 0
        for _, is_get, x in _accesses_backward(body, b.start, b.end):
            bit = 1 << x
            if is_get:
                g |= bit
            else:
                g &= ~bit
                k |= bit
        gen[b.index], kill[b.index] = g, k
    live_in = [0] * nb
    live_out = [0] * nb
    work = list(range(nb))  # popped from the end: last blocks first
    queued = [True] * nb
    while work:
        k = work.pop()
        queued[k] = False
        out = 0
        for s in cfg.blocks[k].succs:
            out |= live_in[s]
        live_out[k] = out
        new_in = gen[k] | (out & ~kill[k])
        if new_in != live_in[k]:
            live_in[k] = new_in
            for p in cfg.blocks[k].preds:
                if not queued[p]:
                    queued[p] = True
                    work.append(p)
    return Liveness(cfg, live_in, live_out)


def _bits(v: int) -> list[int]:
    out = []
    while v:
        low = v & -v
        out.append(low.bit_length() - 1)
        v ^= low
    return out


def _stores_backward(func: Func, lv: Liveness) -> Iterator[tuple[int, int, int]]:
    """`(instruction index, local, locals live after it)` for every store, walking each block
    backwards from its live-out set (gets add to the live set, stores remove their local)."""
    for b in lv.cfg.blocks:
        live = lv.live_out[b.index]
        for i, is_get, x in _accesses_backward(func.body, b.start, b.end):
            if is_get:
                live |= 1 << x
            else:
                yield i, x, live
                live &= ~(1 << x)


def dead_stores(func: Func, lv: Liveness) -> list[int]:
    """Instruction indices of `local.set`/`local.tee` whose value no `local.get` can read."""
    return sorted(i for i, x, live in _stores_backward(func, lv) if not live >> x & 1)


@dataclass(slots=True)
class Interference:
    """Which locals interfere: x and y do when one is stored while the other is live.

    Kept per stored local as the bitset of locals live after its stores (`at_store`), built
    with one OR per store: a dict over the locals that are stored at all, each entry only as
    wide as the highest local live there, never an N x N matrix of counters. Queries:
    `interferes(x, y)` is two bit tests; `neighbors(x)` lists x's adjacency.
    """

    at_store: dict[int, int]

    def interferes(self, x: int, y: int) -> bool:
        return x != y and bool(self.at_store.get(x, 0) >> y & 1 or self.at_store.get(y, 0) >> x & 1)

    def neighbors(self, x: int) -> set[int]:
        out = set(_bits(self.at_store.get(x, 0)))
        for y, live in self.at_store.items():
            if live >> x & 1:
                out.add(y)
        out.discard(x)
        return out

    def edges(self) -> set[tuple[int, int]]:
        """Every interfering pair (x < y): as many as there are, so for tests and small cases."""
        return {(min(x, y), max(x, y)) for x, live in self.at_store.items() for y in _bits(live) if x != y}


def interference(func: Func, lv: Liveness) -> Interference:
    """Interference of the function's locals (see `Interference`)."""
    at_store: dict[int, int] = {}
    for _, x, live in _stores_backward(func, lv):
        others = live & ~(1 << x)
        if others:
            at_store[x] = at_store.get(x, 0) | others
    return Interference(at_store)


def _defaultable(t: object) -> bool:
    return not (isinstance(t, RefType) and not t.nullable)


def _local_name(func: Func, x: int) -> str:
    decls = func.all_locals
    name = decls[x].name if 0 <= x < len(decls) else None
    return f"`${name}`" if name else str(x)


def func_diagnostics(func: Func) -> list[Diagnostic]:
    if func.import_ is not None:
        return []
    diags: list[Diagnostic] = []
    used = 0
    for ins in func.body:
        if ins.op.name in (GET, SET, TEE):
            x = _local(ins.imms)
            if x >= 0:
                used |= 1 << x
    for decl in func.locals:
        if not used >> decl.index & 1:
            name = f"`${decl.name}`" if decl.name else str(decl.index)
            diags.append(_hint("unused-local", f"local {name} is never read or written", decl.span,
                               {"func": func.index, "local": decl.index}))
    if not used:
        return diags
    lv = compute_liveness(func)
    if not lv.cfg.precise:
        return diags
    decls = func.all_locals
    for i in dead_stores(func, lv):
        ins = func.body[i]
        x = _local(ins.imms)
        if not lv.cfg.reachable[lv.cfg.block_of[i]] or not 0 <= x < len(decls) or not _defaultable(decls[x].type):
            continue
        what = "the value is used, but the store is not" if ins.op.name == TEE else "the store can go"
        diags.append(_hint("dead-store", f"the value stored to local {_local_name(func, x)} is never read: "
                           f"{what}", ins.span, {"func": func.index, "local": x, "instr": i}))  # fmt: skip
    return diags


def liveness_diagnostics(module: Module) -> list[Diagnostic]:
    """`unused-local` and `dead-store` for every function of a module."""
    diags: list[Diagnostic] = []
    for f in module.funcs:
        diags.extend(func_diagnostics(f))
    return diags
