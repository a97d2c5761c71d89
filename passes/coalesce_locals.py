"""`coalesce-locals`: merge locals whose live ranges do not interfere, as wasm-opt does.

Binaryen's `CoalesceLocals` with sparse structures:

- Interference (`_interference`): walking each reachable block forwards with the live set,
  a store that some get can read interferes with every other live local of the same type
  holding a different value. Values are numbered inside the block, as Binaryen does: a copy
  (`local.set $x (local.get $y)`, or of a tee) gives $x the value of $y, equal constants are
  one value, the entry block starts from the parameters and the zero of each type, other
  blocks from unknown values. Locals live at the function entry (reading their zero)
  interfere with the params of their type. The graph is an adjacency set per stored local
  and copy counts keyed by pair (`liveness.Interference`): memory grows with the edges.
- Slots (`_pick`): greedy colouring in the order of most copies first, params fixed in their
  own slots (a local may join a param's slot); a local takes the slot of its type that
  saves the most copies, else the lowest free one. Like Binaryen it also tries the reverse
  order and keeps whichever removes more copies, then whichever needs fewer slots. The
  forbidden slots come from the local's neighbours, so a step costs its degree.
- Edits (`_edits`): every access of a merged local refers to the local kept for its slot
  (the lowest index in it; its name when it has one, else its new index); declarations of
  the other locals go, and so do locals left with no access; numeric indices are
  renumbered. Copies that became `local.set $x (local.get $x)` go (a tee of such a copy
  leaves the get), `local.set $x (local.tee $x ...)` loses the tee, and a store no get
  reads goes in reachable code: `local.set` of a get or constant with its operand,
  another `local.set` becomes `drop`, a `local.tee` leaves its operand (the edits of
  `remove-dead-stores`). The comments written inside what goes stay where it was
  (`removals.removal_keeping_comments`, shared with `remove-unused-locals`).

Only locals of the same declared type share a slot. Non-defaultable locals (`(ref $t)`)
are coalesced too: renaming keeps every get after a set of the same slot in the same block
scope, so the 1a rule still holds, and a removed copy `local.set $x (local.get $x)` was
itself after such a set. Their dead stores go only when every get of the local still
follows one of its remaining sets in an enclosing block (`_initialized_without`); otherwise
they all stay (one may be the set the 1a rule needs), and since they stay they count as
interfering. So the output validates as it is (wasm-opt removes every dead store and
relies on its pass runner's non-nullable fixup). Functions whose control flow is not
modelled exactly (legacy `try`, stack switching) and modules with errors are left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import count

from wat_lsp.analysis.cfg import build_cfg
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.literals import parse_uint
from wat_lsp.analysis.liveness import THROWS, Interference, Liveness, _bits, compute_liveness
from wat_lsp.analysis.model import Func, Instr, RefType, ValType
from wat_lsp.analysis.opcodes import Flag
from wat_lsp.passes.edits import OverlappingEdits, TextEdit, sort_edits
from wat_lsp.passes.removals import (
    ID_PATTERN,
    decl_ranges,
    index_token,
    join_ranges,
    removal_keeping_comments,
    store_edits,
)
from wat_lsp.passes.targets import readable_funcs

NAME = "coalesce-locals"
DESCRIPTION = (
    "merge locals whose live ranges do not interfere, removing the copies, dead stores and locals left"
)

GET, SET, TEE = "local.get", "local.set", "local.tee"
_CONSTS = frozenset(
    {"i32.const", "i64.const", "f32.const", "f64.const", "v128.const", "ref.null", "ref.func"}
)
_DECL_ID = re.compile(rb"\((?:local|param)\s+(" + ID_PATTERN + rb")")


def _defaultable(t: ValType) -> bool:
    return not (isinstance(t, RefType) and not t.nullable)


def _zero_key(t: ValType) -> object:
    """The value-numbering key of a type's default value (what an unset local holds)."""
    if isinstance(t, RefType):
        return ("ref.null",)
    return (f"{t}.const", (bytes(16),) if t == "v128" else (0,))


def _const_key(ins: Instr) -> object:
    # Every null is the same value whatever its type annotation.
    return ("ref.null",) if ins.op.name == "ref.null" else (ins.op.name, ins.imms)


@dataclass(slots=True)
class Graph:
    """What the colouring needs: interference and copies, plus which stores are read."""

    interference: Interference
    effective: set[int]  # instruction indices of stores some get can read
    totals: dict[int, int]  # local -> weight of the copies it takes part in
    keep_dead: list[bool]  # per local: its dead stores stay (and so count as interfering)


def _reads(
    func: Func, lv: Liveness, loc: list[int]
) -> tuple[dict[int, list[tuple[int, bool, int]]], set[int], set[int], dict[int, set[int]]]:
    """Backwards over each reachable block: its events `(index, is_get, local)` (local
    `THROWS` for a call or throw inside a `try_table`), the stores some get can read, the
    gets after which their local is dead, and the locals live only until a call or throw
    (what a handler reads)."""
    cfg = lv.cfg
    blocks: dict[int, list[tuple[int, bool, int]]] = {}
    effective: set[int] = set()
    ends: set[int] = set()
    dying: dict[int, set[int]] = {}
    for b in cfg.blocks:
        if not cfg.reachable[b.index]:
            continue
        inside = b.index in lv.throw_targets
        acc = lv.block_events(b.index)
        if not acc:
            continue
        blocks[b.index] = acc
        live = set(_bits(lv.live_out[b.index]))
        throw = set(_bits(lv.throw_live(b.index))) if inside else set()
        for i, is_get, x in reversed(acc):
            if x == THROWS:
                if throw - live:
                    dying[i] = throw - live
                live |= throw
            elif is_get:
                if x not in live:
                    ends.add(i)
                    live.add(x)
            elif x in live:
                effective.add(i)
                live.discard(x)
    return blocks, effective, ends, dying


def _initialized_without(func: Func, loc: list[int], locals_: set[int], dead: set[int]) -> set[int]:
    """Those of `locals_` whose every get still follows a set in an enclosing block (the 1a
    rule) once the stores in `dead` are gone. One walk with an undo log per block."""
    bad: set[int] = set()
    init: set[int] = set()
    log: list[int] = []
    marks: list[int] = []

    def undo(mark: int) -> None:
        while len(log) > mark:
            init.discard(log.pop())

    kinds: dict[int, int] = {}  # id(op) -> 1 block start, 2 else/catch, 3 end, 0 other
    for i, ins in enumerate(func.body):
        kind = kinds.get(id(ins.op))
        if kind is None:
            flags = ins.op.flags
            kind = kinds[id(ins.op)] = (
                1
                if Flag.BLOCK_START in flags
                else 2
                if Flag.BLOCK_ELSE in flags
                else 3
                if Flag.BLOCK_END in flags
                else 0
            )
        if kind == 1:
            marks.append(len(log))
        elif kind == 2:
            undo(marks[-1] if marks else 0)
        elif kind == 3:
            undo(marks.pop() if marks else 0)
        x = loc[i]
        if x in locals_:
            if ins.op.name == GET:
                if x not in init:
                    bad.add(x)
            elif i not in dead and x not in init:
                init.add(x)
                log.append(x)
    return locals_ - bad


def _interference(
    func: Func, lv: Liveness, loc: list[int], types: list[int], nondefault: list[bool]
) -> Graph:
    """`loc[i]`: the local instruction i accesses, -1 for other instructions."""
    body = func.body
    cfg = lv.cfg
    nparams = len(func.params)
    decls = func.all_locals
    blocks, effective, ends, dying = _reads(func, lv, loc)
    # Dead stores to a non-defaultable local may go only when every get stays initialized.
    keep_dead = [x >= nparams and nd for x, nd in enumerate(nondefault)]  # params are always set
    if any(keep_dead):
        dead = {
            i
            for acc in blocks.values()
            for i, is_get, x in acc
            if x >= 0 and not is_get and keep_dead[x] and i not in effective
        }
        if dead:
            for x in _initialized_without(func, loc, {loc[i] for i in dead}, dead):
                keep_dead[x] = False
        else:
            keep_dead = [False] * len(nondefault)
    graph = Interference()
    totals: dict[int, int] = {}
    fresh = count()
    keys: dict[object, int] = {}

    def value_of(key: object) -> int:
        v = keys.get(key)
        if v is None:
            v = keys[key] = next(fresh)
        return v

    def copy(x: int, y: int, weight: int) -> None:
        graph.add_copy(x, y, weight)
        totals[x] = totals.get(x, 0) + weight
        totals[y] = totals.get(y, 0) + weight

    entry = cfg.blocks[0] if cfg.blocks else None
    for k, acc in blocks.items():
        b = cfg.blocks[k]
        live = set(_bits(lv.live_in[k]))
        values: dict[int, int] = {}
        if b is entry and not b.preds:
            for x in live:
                values[x] = (
                    next(fresh) if x < nparams or nondefault[x] else value_of(_zero_key(decls[x].type))
                )
        else:
            for x in live:
                values[x] = next(fresh)
        for i, is_get, x in acc:
            if x == THROWS:
                if i in dying:
                    live -= dying[i]
                continue
            if is_get:
                if i in ends:
                    live.discard(x)
                continue
            prev = body[i - 1] if i > b.start else None
            y = loc[i - 1] if prev is not None else -1
            if y >= 0 and prev is not None and prev.op.name in (GET, TEE):
                v = values.get(y)
                if v is None:
                    v = values[y] = next(fresh)
                if prev.op.name == GET:
                    copy(x, y, 2)
            elif prev is not None and prev.op.name in _CONSTS:
                v = value_of(_const_key(prev))
            else:
                v = next(fresh)
            values[x] = v
            eff = i in effective
            if eff or keep_dead[x]:  # a kept store writes its slot even when nobody reads it
                t = types[x]
                graph.add_all(x, {z for z in live if types[z] == t and values[z] != v})
            if eff:
                live.add(x)
    if entry is not None:
        # Locals read before any store hold their zero; a param's slot holds its argument.
        by_type: dict[int, list[int]] = {}
        for p in range(nparams):
            by_type.setdefault(types[p], []).append(p)
        for x in _bits(lv.live_in[0]):
            if x >= nparams:
                for p in by_type.get(types[x], ()):
                    graph.add(x, p)
    # A copy on a loop's back edge costs a branch: weigh it more (Binaryen's tie-breaker).
    for h in cfg.blocks:
        if not cfg.reachable[h.index] or not h.end > h.start or body[h.start].op.name != "loop":
            continue
        for p in h.preds:
            if p < h.index or len(cfg.blocks[p].succs) > 1:
                continue
            pb = cfg.blocks[p]
            for i in range(max(pb.start, 1), pb.end):
                x, y = loc[i], loc[i - 1]
                if x >= 0 and y >= 0 and body[i].op.name != GET and body[i - 1].op.name == GET:
                    copy(x, y, 1)
    return Graph(graph, effective, totals, keep_dead)


def _color(
    order: list[int],
    nparams: int,
    types: list[int],
    graph: Interference,
    partners: dict[int, list[tuple[int, int]]],
) -> tuple[list[int], int, int]:
    """Greedy colouring in `order`: (slot per local or -1, copies removed, slots used).

    A local may not take the slot of a local it interferes with: those stored while it is
    live (`adj[x]`, looked up when x is coloured) and those live when it is stored
    (`blocked[x]`, the slots filled in as each of them is coloured)."""
    color = [-1] * len(types)
    slot_type: list[int] = []
    by_type: dict[int, list[int]] = {}
    adj = graph.adj
    blocked: dict[int, set[int]] = {}

    def place(x: int, s: int) -> None:
        color[x] = s
        for y in adj.get(x, ()):
            if color[y] < 0:
                b = blocked.get(y)
                if b is None:
                    blocked[y] = {s}
                else:
                    b.add(s)

    for p in range(nparams):
        slot_type.append(types[p])
        by_type.setdefault(types[p], []).append(p)
        place(p, p)
    removed = 0
    for x in order:
        t = types[x]
        forbidden = blocked.pop(x, set())
        outs = adj.get(x)
        if outs:
            forbidden.update(color[y] for y in outs)
        best, best_c = -1, 0
        ps = partners.get(x)
        if ps:
            tally: dict[int, int] = {}
            for y, c in ps:
                s = color[y]
                if s >= 0 and slot_type[s] == t and s not in forbidden:
                    tally[s] = tally.get(s, 0) + c
            for s, c in tally.items():
                if c > best_c or (c == best_c and s < best):
                    best, best_c = s, c
        if best < 0:
            for s in by_type.get(t, ()):
                if s not in forbidden:
                    best = s
                    break
        if best < 0:
            best = len(slot_type)
            slot_type.append(t)
            by_type.setdefault(t, []).append(best)
        place(x, best)
        removed += best_c
    return color, removed, len(slot_type)


def _pick(func: Func, types: list[int], used: list[int], g: Graph) -> list[int]:
    """Slot of every local (-1: unused), as Binaryen's `pickIndices`."""
    nparams = len(func.params)
    partners: dict[int, list[tuple[int, int]]] = {}
    for (x, y), c in g.interference.copies.items():
        partners.setdefault(x, []).append((y, c))
        partners.setdefault(y, []).append((x, c))
    totals = g.totals

    def prio(x: int) -> int:
        return -totals.get(x, 0)

    forward = sorted(used, key=prio)  # stable: ties keep the natural order
    color, removed, slots = _color(forward, nparams, types, g.interference, partners)
    backward = sorted(reversed(used), key=prio)
    color2, removed2, slots2 = _color(backward, nparams, types, g.interference, partners)
    if removed2 > removed or (removed2 == removed and slots2 < slots):
        return color2
    return color


@dataclass(slots=True)
class FuncResult:
    """One function's edits and what they do."""

    edits: list[TextEdit]
    locals_before: int  # declared locals (params not counted)
    locals_after: int
    copies_removed: int = 0
    dead_stores_removed: int = 0
    merged: dict[int, int] = field(default_factory=dict)  # removed local -> local kept for it


def _type_ids(func: Func) -> list[int]:
    ids: dict[ValType, int] = {}
    return [ids.setdefault(d.type, len(ids)) for d in func.all_locals]


class _Skip(Exception):
    """The function cannot be edited safely (a form the edits do not expect): leave it."""


_KEEP, _DROP, _UNWRAP, _DELETE = 0, 1, 2, 3


def func_result(doc: Document, func: Func) -> FuncResult | None:
    """The pass over one function of a valid module; None when it is left alone."""
    if func.import_ is not None:
        return None
    body = func.body
    decls = func.all_locals
    nparams = len(func.params)
    nlocals = len(decls)
    loc = [-1] * len(body)
    for i, ins in enumerate(body):
        if ins.op.name in (GET, SET, TEE):
            x = ins.imms[0] if ins.imms else -1
            if not isinstance(x, int) or not 0 <= x < nlocals:
                return None  # unresolved: anything might be meant
            loc[i] = x
    cfg = build_cfg(func)
    if not cfg.precise:
        return None
    lv = compute_liveness(func, cfg)
    types = _type_ids(func)
    nondefault = [not _defaultable(d.type) for d in decls]
    g = _interference(func, lv, loc, types, nondefault)
    accessed = sorted(set(loc) - {-1})
    slot = _pick(func, types, [x for x in accessed if x >= nparams], g)
    try:
        return _edits(doc, func, loc, cfg.reachable, cfg.block_of, slot, g.effective, g.keep_dead)
    except (_Skip, OverlappingEdits):
        return None


def _edits(
    doc: Document,
    func: Func,
    loc: list[int],
    reachable: list[bool],
    block_of: list[int],
    slot: list[int],
    effective: set[int],
    keep_dead: list[bool],
) -> FuncResult:
    data = doc.data
    body = func.body
    decls = func.all_locals
    nparams = len(func.params)
    action: dict[int, int] = {}  # instruction index -> what happens to it (absent: kept)
    copies = dead = 0

    def source(i: int) -> int:
        """The instruction whose value store i writes, looking through tees that go."""
        j = i - 1
        while j >= 0 and action.get(j) == _UNWRAP and body[j].op.name == TEE:
            j -= 1
        return j

    def delete_chain(first: int, i: int) -> bool:
        """Delete instructions first..i (an operand, tees that go, store i) if their source
        forms hold nothing else."""
        lo = min(body[k].ostart for k in range(first, i + 1))
        if first > 0 and body[first - 1].ostart >= lo:
            return False
        for k in range(first, i + 1):
            action[k] = _DELETE
        return True

    for i, x in enumerate(loc):
        if x < 0:
            continue
        ins = body[i]
        name = ins.op.name
        if name == GET:
            continue
        s = slot[x]
        src = source(i)
        srcop = body[src].op.name if src >= 0 else ""
        if srcop == GET and slot[loc[src]] == s:  # a copy within one slot
            if name == TEE:
                action[i] = _UNWRAP
                copies += 1
            elif delete_chain(src, i):
                copies += 1
            continue
        if i > 0 and body[i - 1].op.name == TEE and action.get(i - 1) is None and slot[loc[i - 1]] == s:
            action[i - 1] = _UNWRAP  # `local.set $x (local.tee $x v)`: the tee is redundant
            continue
        if reachable[block_of[i]] and i not in effective and not keep_dead[x]:
            dead += 1
            if name == TEE:
                action[i] = _UNWRAP
            elif not ((srcop == GET or srcop in _CONSTS) and delete_chain(src, i)):
                action[i] = _DROP
    # Which slots still have an access, and the local each keeps.
    kept_of: dict[int, int] = {}
    for p in range(nparams):
        kept_of[p] = p
    for i, x in enumerate(loc):
        if x >= 0 and action.get(i) is None:
            s = slot[x]
            if s not in kept_of or x < kept_of[s]:
                kept_of[s] = x
    kept = sorted(k for k in kept_of.values() if k >= nparams)
    new_index = {k: nparams + r for r, k in enumerate(kept)}
    for p in range(nparams):
        new_index[p] = p
    keep = set(kept)
    removed = {d.index for d in func.locals if d.index not in keep}
    merged = {x: kept_of[slot[x]] for x in removed if slot[x] >= 0 and slot[x] in kept_of}

    spell: dict[int, str] = {}

    def spelling(k: int) -> str:
        if k not in spell:
            d = decls[k]
            m = _DECL_ID.match(data, d.span.start, d.span.end) if d.name is not None else None
            spell[k] = m.group(1).decode() if m else str(new_index[k])
        return spell[k]

    edits: list[TextEdit] = []
    spans: list[tuple[int, int]] = []
    for i, what in action.items():
        ins = body[i]
        if what == _DELETE:
            spans.append((ins.ostart, ins.oend))
        elif what == _UNWRAP and not ins.folded:
            spans.append((ins.start, ins.end))  # joined with the deletions around it
        else:  # a set becomes `drop`, a folded tee leaves its operand, as remove-dead-stores does
            store = store_edits(data, ins)
            if not store:
                raise _Skip
            edits.extend(store)
    for i, x in enumerate(loc):
        if x >= 0 and i not in action:
            ins = body[i]
            k = kept_of[slot[x]]
            found = index_token(data, ins.start, ins.end)
            if found is None:
                raise _Skip
            tok_start, tok = found
            if tok.startswith(b"$"):
                if x != k:
                    edits.append(TextEdit(tok_start, ins.end, spelling(k)))
            elif _number(tok) != new_index[k]:
                edits.append(TextEdit(tok_start, ins.end, str(new_index[k])))
    if removed:
        ranges = decl_ranges(doc, func, removed)
        if ranges is None:
            raise _Skip
        spans.extend(ranges)
    for s, e in join_ranges(data, spans):
        edit = removal_keeping_comments(doc, s, e)
        if edit is None:
            raise _Skip
        edits.append(edit)
    edits = sort_edits(edits)
    return FuncResult(edits, len(func.locals), len(kept), copies, dead, merged)


def _number(tok: bytes) -> int:
    value = parse_uint(tok.decode("utf-8", "replace"))  # any length: `int()` refuses 4,300+ digits
    if value is None:
        raise _Skip
    return value


def run(doc: Document) -> list[TextEdit]:
    """The pass over every function of every valid module (registry entry)."""
    edits: list[TextEdit] = []
    for f in readable_funcs(doc, valid_only=True):
        r = func_result(doc, f)
        if r is not None:
            edits.extend(r.edits)
    return edits
