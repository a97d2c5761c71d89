"""Backward liveness of locals over the CFG, with Python ints as bitsets (bit x = local x).

`live_out[b]` holds the locals whose current value some later `local.get` may read after
block b. A `local.set`/`local.tee` whose local is not live right after it is a dead store.
Interference is recorded only where a store happens while other locals are live, as
adjacency sets and copy counts keyed by pair (never an N x N matrix). No recursion anywhere.

`liveness_diagnostics` reports `unused-local` (declared, never read or written),
`never-read` (declared, written, never read: one diagnostic instead of a dead store per
store) and `dead-store` (a store no read can see), the latter only in reachable code, only
for defaultable locals (removing a store to a non-nullable local can break the 1a rule) and
only when the CFG is exact. Params are never reported as unused or never read (they are the
function's signature), but a dead store to a param is.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field

from wat_lsp.analysis.cfg import CFG, build_cfg
from wat_lsp.analysis.diagnostics import CODES, Diagnostic, Related, Tag
from wat_lsp.analysis.model import Func, Instr, LocalDecl, Module, RefType, Span
from wat_lsp.analysis.opcodes import Flag

GET, SET, TEE = "local.get", "local.set", "local.tee"


def _hint(
    code: str, message: str, span: Span, data: dict[str, object], related: tuple[Related, ...] = ()
) -> Diagnostic:
    return Diagnostic(code, message, span, CODES[code][0], related, tags=(Tag.UNNECESSARY,), data=data)


@dataclass(slots=True)
class Events:
    """A function's local accesses in body order (`body_events`), as parallel arrays: a
    tuple per access with its own index int would cost about 100 bytes, these cost 17
    (the local ints are the instructions' own)."""

    at: array[int]  # instruction index
    local: list[int]  # the local accessed; THROWS for an instruction that may throw
    get: bytearray  # 1 for a `local.get`
    throws: bool = False  # whether the instructions that may throw are listed

    def items(self, lo: int = 0, hi: int | None = None) -> list[tuple[int, bool, int]]:
        """`(index, is_get, local)` of events lo..hi (default: all)."""
        hi = len(self.at) if hi is None else hi
        return list(zip(self.at[lo:hi], map(bool, self.get[lo:hi]), self.local[lo:hi], strict=True))


def _no_events() -> Events:
    return Events(array("q"), [], bytearray())


@dataclass(slots=True)
class Liveness:
    """`live_out[b]`: locals read after block b on its normal way out (branches and
    fall-through); `live_in[b]`: at its start, counting the catch handlers a call or throw
    inside it may reach."""

    cfg: CFG
    live_in: list[int]
    live_out: list[int]
    # Blocks inside a `try_table` with catches -> the blocks those catches (and enclosing
    # ones) go to. At each instruction that may throw (calls, throws) what the handlers
    # read is live (see `throw_live`); `build_cfg` links the whole block to them.
    throw_targets: dict[int, tuple[int, ...]] = field(default_factory=dict)
    # `body_events` of the function (with its THROWS events when it has handlers), and
    # where each block's run of them starts (`bounds[k]:bounds[k + 1]`): per-block walks
    # visit the accesses, not every instruction.
    events: Events = field(default_factory=_no_events)
    bounds: list[int] = field(default_factory=list)

    def block_events(self, block: int) -> list[tuple[int, bool, int]]:
        """`(index, is_get, local)` of the block's accesses in body order, with
        `(index, False, THROWS)` for its calls and throws when it is inside a `try_table`
        with catches (as `events_backward` gives them, reversed)."""
        out = self.events.items(self.bounds[block], self.bounds[block + 1])
        if self.events.throws and block not in self.throw_targets:
            out = [e for e in out if e[2] != THROWS]
        return out

    def throw_live(self, block: int) -> int:
        """Locals a catch handler reachable from inside `block` may read (0 outside try_table)."""
        out = 0
        for t in self.throw_targets.get(block, ()):
            out |= self.live_in[t]
        return out


def _local(imms: tuple[object, ...]) -> int:
    x = imms[0] if imms else -1
    return x if isinstance(x, int) else -1


THROWS = -2  # the "local" of an instruction that may throw, in `events_backward`
_MAY_THROW = Flag.CALL | Flag.THROW
# `OpInfo.bits` masks (an int test per instruction, not an `enum.Flag` operation)
_ACCESS_BITS = Flag.LOCAL_READ.value | Flag.LOCAL_WRITE.value
_THROW_BITS = _MAY_THROW.value


# Accesses of indices at or above the function's local count are errors (unknown-index) and
# are left out: a bitset bit for `local.get 4000000000` would be a 500 MB integer.
NO_LIMIT = 1 << 62


def body_events(body: list[Instr], throws: bool = False, count: int = NO_LIMIT) -> Events:
    """Every access of a resolved local below `count` in body order, plus (local THROWS)
    each instruction that may throw when `throws`. The instructions are picked out by their
    flag bits."""
    mask = _ACCESS_BITS | _THROW_BITS if throws else _ACCESS_BITS
    out = Events(array("q"), [], bytearray(), throws)
    add_at, add_local, add_get = out.at.append, out.local.append, out.get.append  # (hot loop)
    # A generator, not a list: a list would hold an int object per access at once, and the
    # memory of small objects freed together stays with the process.
    for i in (i for i, ins in enumerate(body) if ins.op.bits & mask):
        ins = body[i]
        op = ins.op
        if op.bits & _ACCESS_BITS:
            imms = ins.imms
            x = imms[0] if imms else -1
            if isinstance(x, int) and 0 <= x < count:
                add_at(i)
                add_local(x)
                add_get(op.name == GET)
        else:
            add_at(i)
            add_local(THROWS)
            add_get(0)
    return out


def _bounds(events: Events, cfg: CFG) -> list[int]:
    """For each block, the position in `events` of its first event; then their number."""
    at = events.at
    out: list[int] = []
    j = 0
    for b in cfg.blocks:
        j = bisect_left(at, b.start, j)
        out.append(j)
    out.append(len(at))
    return out


def events_backward(body: list[Instr], start: int, end: int, throws: bool) -> Iterator[tuple[int, bool, int]]:
    """`(index, is_get, local)` for the local accesses of body[start:end], last first; plus
    `(index, False, THROWS)` for each instruction that may throw when `throws` (a block inside
    a `try_table`)."""
    for i in range(end - 1, start - 1, -1):
        ins = body[i]
        name = ins.op.name
        if name in (GET, SET, TEE):
            x = _local(ins.imms)
            if x >= 0:
                yield i, name == GET, x
        elif throws and ins.op.flags & _MAY_THROW:
            yield i, False, THROWS


def _throw_targets(func: Func, cfg: CFG) -> dict[int, tuple[int, ...]]:
    """For each block inside a `try_table` with catches, the blocks a throw from it may go
    to: the successors of the block ending in the innermost such `try_table`, except its
    fall-through (`build_cfg` gives that block the catch edges of every enclosing
    `try_table`). One pass with a stack of open `try_table`s: no recursion."""
    body = func.body
    n = len(body)
    out: dict[int, tuple[int, ...]] = {}
    open_: list[tuple[int, tuple[int, ...]]] = []  # (index of its `end`, targets)
    for b in cfg.blocks:
        for i in range(b.start, b.end):
            while open_ and open_[-1][0] == i:
                open_.pop()
            if i == b.start and open_ and open_[-1][1]:
                out[b.index] = open_[-1][1]
            ins = body[i]
            if ins.op.name == "try_table" and i < ins.match < n:
                here = cfg.block_of[i]
                after = cfg.block_of[i + 1] if i + 1 < n else -1
                targets = tuple(s for s in cfg.blocks[here].succs if s != after)
                open_.append((ins.match, targets if targets else open_[-1][1] if open_ else ()))
    return out


def _mask(xs: set[int]) -> int:
    """The bitset of `xs`, built in one pass over its bytes (shifting wide ints per member
    would cost the width each time)."""
    if not xs:
        return 0
    buf = bytearray((max(xs) >> 3) + 1)
    for x in xs:
        buf[x >> 3] |= 1 << (x & 7)
    return int.from_bytes(buf, "little")


def compute_liveness(func: Func, cfg: CFG | None = None, accesses: Events | None = None) -> Liveness:
    """Live-in and live-out locals of every block, by a worklist over the CFG.

    Inside a `try_table` a call or throw may go to a handler, so what the handler reads is
    live just before it: a block's live-in gains what its handlers read minus what it
    stores before its first such instruction; its live-out follows its normal edges only
    (`CFG.normal_succs`). `accesses`: `body_events(func.body)` when the caller has it."""
    cfg = cfg if cfg is not None else build_cfg(func)
    body = func.body
    nb = len(cfg.blocks)
    # Without catch edges no block has handlers (see `_throw_targets`).
    throws = _throw_targets(func, cfg) if body and cfg.normal_succs is not None else {}
    succs = cfg.normal_succs if throws and cfg.normal_succs is not None else [b.succs for b in cfg.blocks]
    if accesses is not None and (accesses.throws or not throws):
        events = accesses
    else:
        events = body_events(body, bool(throws), len(func.params) + len(func.locals))
    bounds = _bounds(events, cfg)
    local, get = events.local, events.get
    gen = [0] * nb
    kill = [0] * nb
    before_throw: dict[int, int] = {}  # block -> what it stores before its first throw
    for k in range(nb):
        lo, hi = bounds[k], bounds[k + 1]
        if lo == hi:
            continue
        gs: set[int] = set()
        ks: set[int] = set()
        if k in throws:
            first = -1
            ks_at_first: set[int] = set()
            for j in range(hi - 1, lo - 1, -1):
                x = local[j]
                if x == THROWS:
                    first = len(ks)
                    ks_at_first = set(ks)
                elif get[j]:
                    gs.add(x)
                else:
                    gs.discard(x)
                    ks.add(x)
            if first >= 0:
                before_throw[k] = _mask(ks - ks_at_first)
        else:  # forwards: gen is what is read before any store of the block
            for is_get, x in zip(get[lo:hi], local[lo:hi], strict=True):
                if x == THROWS:
                    continue
                if is_get:
                    if x not in ks:
                        gs.add(x)
                else:
                    ks.add(x)
        gen[k], kill[k] = _mask(gs), _mask(ks)
    lv = Liveness(
        cfg, [0] * nb, [0] * nb, {k: t for k, t in throws.items() if k in before_throw}, events, bounds
    )
    live_in, live_out = lv.live_in, lv.live_out
    work = list(range(nb))  # popped from the end: last blocks first
    queued = [True] * nb
    while work:
        k = work.pop()
        queued[k] = False
        out = 0
        for s in succs[k]:
            out |= live_in[s]
        live_out[k] = out
        new_in = gen[k] | (out & ~kill[k])
        if k in before_throw:
            new_in |= lv.throw_live(k) & ~before_throw[k]
        if new_in != live_in[k]:
            live_in[k] = new_in
            for p in cfg.blocks[k].preds:
                if not queued[p]:
                    queued[p] = True
                    work.append(p)
    return lv


def _bits(v: int) -> list[int]:
    """The set bits of `v`, lowest first: one C-speed scan of its binary digits, so a wide
    set with few members costs its width once, not once per member."""
    if v & (v - 1) == 0:
        return [v.bit_length() - 1] if v else []
    digits = bin(v)[:1:-1]  # least significant first
    out = []
    i = digits.find("1")
    while i >= 0:
        out.append(i)
        i = digits.find("1", i + 1)
    return out


def _stores_backward(func: Func, lv: Liveness) -> Iterator[tuple[int, int, set[int]]]:
    """`(instruction index, local, locals live after it)` for every store, walking each block
    backwards from its live-out set (gets add to the live set, stores remove their local,
    calls and throws inside a `try_table` add what its handlers read). The live set is a set
    of the few live locals (a wide int would cost its width at each access) and is the
    walk's own: copy what you keep. Blocks without a store are skipped."""
    at, local, get = lv.events.at, lv.events.local, lv.events.get
    bounds = lv.bounds
    for b in lv.cfg.blocks:
        k = b.index
        lo, hi = bounds[k], bounds[k + 1]
        if get.find(0, lo, hi) < 0:
            continue  # only gets (or nothing)
        live = set(_bits(lv.live_out[k]))
        inside = k in lv.throw_targets
        throw = set(_bits(lv.throw_live(k))) if inside else set()
        for j in range(hi - 1, lo - 1, -1):
            x = local[j]
            if x == THROWS:
                if inside:
                    live |= throw
            elif get[j]:
                live.add(x)
            else:
                yield at[j], x, live
                live.discard(x)


def dead_stores(func: Func, lv: Liveness) -> list[int]:
    """Instruction indices of `local.set`/`local.tee` whose value no `local.get` can read
    (`_stores_backward`'s walk)."""
    return sorted(i for i, x, live in _stores_backward(func, lv) if x not in live)


@dataclass(slots=True)
class Interference:
    """Which locals interfere (may not share a slot), and how often they are copied into
    each other: sparse, so memory grows with the edges and copies there are, never with the
    number of locals squared.

    `adj[x]` holds the locals live (with another value) at a store of x: x interferes with
    each of them, and the relation is the symmetric closure. Keeping one direction makes a
    store one set union (what a dense function needs) and halves the entries; consumers that
    need both directions get them from `neighbors` or, in bulk, by walking `adj` once.
    `copies` is keyed by pair (low, high).
    """

    adj: dict[int, set[int]] = field(default_factory=dict)
    copies: dict[tuple[int, int], int] = field(default_factory=dict)

    def add(self, x: int, y: int) -> None:
        if x != y:
            self.adj.setdefault(x, set()).add(y)

    def add_all(self, x: int, ys: set[int]) -> None:
        """x interferes with each of `ys` (which this may change)."""
        ys.discard(x)
        if ys:
            mine = self.adj.get(x)
            if mine is None:
                self.adj[x] = ys
            else:
                mine |= ys

    def add_copy(self, x: int, y: int, weight: int = 1) -> None:
        if x != y:
            key = (x, y) if x < y else (y, x)
            self.copies[key] = self.copies.get(key, 0) + weight

    def interferes(self, x: int, y: int) -> bool:
        return y in self.adj.get(x, ()) or x in self.adj.get(y, ())

    def neighbors(self, x: int) -> set[int]:
        """Every local x interferes with (a scan over `adj`: for tests and small cases)."""
        out = set(self.adj.get(x, ()))
        out.update(y for y, ys in self.adj.items() if x in ys)
        out.discard(x)
        return out

    def edges(self) -> set[tuple[int, int]]:
        """Every interfering pair (x < y)."""
        return {(min(x, y), max(x, y)) for x, ys in self.adj.items() for y in ys if x != y}


def interference(func: Func, lv: Liveness) -> Interference:
    """x and y interfere when one is stored while the other is live (whatever the values;
    `passes/coalesce_locals.py` refines this with value numbering, as Binaryen does)."""
    graph = Interference()
    for _, x, live in _stores_backward(func, lv):
        graph.add_all(x, live - {x})
    return graph


def _defaultable(t: object) -> bool:
    return not (isinstance(t, RefType) and not t.nullable)


def _local_name(decls: list[LocalDecl], x: int) -> str:
    name = decls[x].name if 0 <= x < len(decls) else None
    return f"`${name}`" if name else str(x)


def func_diagnostics(func: Func, never_read: bool = True) -> list[Diagnostic]:
    """`unused-local` and `never-read` (in declaration order), then `dead-store` (in body
    order) for one function.

    With `never_read` (what users see) a local written but never read is one `never-read`
    on its declaration, not also a `dead-store` per store; without it (what the
    `remove-dead-stores` pass wants) its stores are ordinary dead stores.
    """
    if func.import_ is not None:
        return []
    diags: list[Diagnostic] = []
    # Byte flags per declared local, not int bitsets: setting bit x of an int copies all x
    # bits, which made a function with many locals quadratic. (A store to an undeclared
    # index gets no diagnostic, so it is not counted.)
    n = len(func.params) + len(func.locals)
    events = body_events(func.body, count=n)
    at, local, get = events.at, events.local, events.get
    read = bytearray(n)
    written = bytearray(n)
    for is_get, x in zip(get, local, strict=True):
        if 0 <= x < n:
            if is_get:
                read[x] = 1
            else:
                written[x] = 1
    unread: set[int] = set()  # declared locals written but never read (when reported as such)
    if never_read:
        unread = {d.index for d in func.locals if written[d.index] and not read[d.index]}
    stores: dict[int, list[Related]] = {}
    if unread:
        body = func.body
        for j, x in enumerate(local):
            if x in unread and not get[j]:
                stores.setdefault(x, []).append(Related(body[at[j]].span, "written here"))
    for decl in func.locals:
        x = decl.index
        name = f"`${decl.name}`" if decl.name else str(x)
        if not read[x] and not written[x]:
            diags.append(
                _hint(
                    "unused-local",
                    f"local {name} is never read or written",
                    decl.span,
                    {"func": func.index, "local": x},
                )
            )
        elif x in unread:
            diags.append(
                _hint(
                    "never-read",
                    f"local {name} is written but never read",
                    decl.span,
                    {"func": func.index, "local": x},
                    tuple(stores[x]),
                )
            )
    if written.count(1) == len(unread):  # unread ⊆ written
        return diags  # no store can be a dead-store: no need for the CFG
    del read, written
    lv = compute_liveness(func, accesses=events)
    if not lv.cfg.precise:
        return diags
    decls = func.all_locals
    for i in dead_stores(func, lv):
        ins = func.body[i]
        x = _local(ins.imms)
        if (
            x in unread
            or not lv.cfg.reachable[lv.cfg.block_of[i]]
            or not 0 <= x < len(decls)
            or not _defaultable(decls[x].type)
        ):
            continue
        what = "the value is used, but the store is not" if ins.op.name == TEE else "the store can go"
        diags.append(
            _hint(
                "dead-store",
                f"the value stored to local {_local_name(decls, x)} is never read: {what}",
                ins.span,
                {"func": func.index, "local": x, "instr": i},
            )
        )
    return diags


def liveness_diagnostics(module: Module) -> list[Diagnostic]:
    """`func_diagnostics` of every function of a module (whatever its errors: the document
    decides where they are shown, see `document.liveness_report`)."""
    diags: list[Diagnostic] = []
    for f in module.funcs:
        diags.extend(func_diagnostics(f))
    return diags
