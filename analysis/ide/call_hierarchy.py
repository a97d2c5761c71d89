"""Call hierarchy: who calls a function and what it calls, read off the model's flat bodies.

A call is a `call`, `return_call` or `ref.func` of a function (a `ref.func` is where a
function escapes to be called later: WLT and the issue count it), and a `call_indirect` or
`return_call_indirect` through a table whose contents are *known*. A table's contents are
known when nothing but its active element segments can have put functions in it:

- it is defined in the module (not imported) and not exported (the host could write it);
- its initial value, if any, is `ref.null`;
- no function body has a `table.set`, `table.fill`, `table.copy` into it, `table.init` into
  it or `table.grow` of it;
- every active element segment into it has a constant offset (`i32.const`/`i64.const`) and
  items that are `ref.func` or `ref.null`.

Then slot `n` holds what the last segment writing `n` put there, and an indirect call calls
each function of the table whose type is a subtype of the call's type (the others trap).

Outside function bodies, functions are referenced by element segments, global and table
initializers (`ref.func`), exports and `start`: those items are callers of their own kind
(`Site`), listed among a function's incoming calls (decision 45).

Each function's calls are summarised once per function text (`function_cache`), so after an
edit only the edited function is read again; incoming calls then scan the summaries.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from wat_lsp.analysis import cancel
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide import function_cache
from wat_lsp.analysis.model import BlockType, Func, Instr, Module, Span
from wat_lsp.analysis.subtyping import TypeTable

_DIRECT = frozenset({"call", "return_call", "ref.func"})
_INDIRECT = frozenset({"call_indirect", "return_call_indirect"})
_WRITES = frozenset({"table.set", "table.fill", "table.copy", "table.init", "table.grow"})
_CONSTS = frozenset({"i32.const", "i64.const"})


@dataclass(frozen=True, slots=True)
class Summary:
    """One function's calls, at the offsets its text had when it was read."""

    direct: tuple[tuple[int, int, int], ...]  # (callee, start, end) of each call / ref.func
    indirect: tuple[tuple[int, int, int, int], ...]  # (table, type or -1, start, end)
    writes: frozenset[int]  # tables whose contents the body may change


def summarise(func: Func) -> Summary:
    direct: list[tuple[int, int, int]] = []
    indirect: list[tuple[int, int, int, int]] = []
    writes: set[int] = set()
    for ins in func.body:
        name = ins.op.name
        if name in _DIRECT:
            callee = ins.imms[0] if ins.imms else -1
            if isinstance(callee, int) and callee >= 0:
                direct.append((callee, ins.start, ins.end))
        elif name in _INDIRECT:
            table = ins.imms[0] if ins.imms else -1
            bt = ins.imms[1] if len(ins.imms) > 1 else None
            type_idx = bt.type_idx if isinstance(bt, BlockType) and bt.type_idx is not None else -1
            if isinstance(table, int) and table >= 0:
                indirect.append((table, type_idx, ins.start, ins.end))
        elif name in _WRITES:
            table = ins.imms[0] if ins.imms else -1
            writes.add(table if isinstance(table, int) and table >= 0 else -1)
    return Summary(tuple(direct), tuple(indirect), frozenset(writes))


_SUMMARIES: function_cache.Cache[Summary] = function_cache.Cache()


@dataclass(slots=True)
class ModuleCalls:
    """A module's functions with bodies, each with its summary and how far its text moved
    since the summary was made; the tables with known contents (table -> slot -> function)."""

    module: Module
    funcs: list[tuple[Func, Summary, int]]
    known: dict[int, dict[int, int]]
    _targets: dict[tuple[int, int], tuple[int, ...]]
    _types: TypeTable | None = None  # made when an indirect call is first resolved

    @property
    def types(self) -> TypeTable:
        if self._types is None:
            self._types = TypeTable(self.module)
        return self._types

    def targets(self, table: int, type_idx: int) -> tuple[int, ...]:
        """The functions an indirect call through `table` at type `type_idx` may reach (none
        when the table's contents are not known)."""
        key = (table, type_idx)
        found = self._targets.get(key)
        if found is None:
            slots = self.known.get(table, {})
            funcs = self.module.funcs
            types = self.types if slots and type_idx >= 0 else None
            found = tuple(
                sorted(
                    {
                        f
                        for f in slots.values()
                        if 0 <= f < len(funcs)
                        and (
                            types is None
                            or not 0 <= type_idx < types.n
                            or not 0 <= funcs[f].type_idx < types.n
                            or types.concrete_sub(funcs[f].type_idx, type_idx)
                        )
                    }
                )
            )
            self._targets[key] = found
        return found


def _known_tables(m: Module, writes: set[int]) -> dict[int, dict[int, int]]:
    if -1 in writes:
        return {}  # a write to a table we could not resolve: any table may change
    exported = {e.index for e in m.exports if e.kind == "table"}
    known: dict[int, dict[int, int]] = {}
    for t in m.tables:
        if t.import_ is not None or t.index in exported or t.index in writes:
            continue
        if t.init and not (len(t.init) == 1 and t.init[0].op.name == "ref.null"):
            continue
        known[t.index] = {}
    for e in m.elems:
        if e.mode != "active" or e.table not in known:
            continue
        offset = _constant(e.offset)
        items = [_item(it) for it in e.items]
        if offset is None or any(f is None for f in items):
            del known[e.table]
            continue
        slots = known[e.table]
        for n, f in enumerate(items):
            if f is not None and f >= 0:
                slots[offset + n] = f
            else:
                slots.pop(offset + n, None)
    return known


def _constant(expr: list[Instr]) -> int | None:
    if len(expr) == 1 and expr[0].op.name in _CONSTS and expr[0].imms and isinstance(expr[0].imms[0], int):
        return expr[0].imms[0]
    return None


def _item(expr: list[Instr]) -> int | None:
    """The function an element item holds, -1 for a null, None when not known."""
    if len(expr) == 1 and expr[0].op.name == "ref.null":
        return -1
    if len(expr) == 1 and expr[0].op.name == "ref.func" and expr[0].imms:
        f = expr[0].imms[0]
        return f if isinstance(f, int) and f >= 0 else None
    return None


_lock = threading.Lock()
_cache: list[tuple[Document, int, ModuleCalls]] = []


def module_calls(doc: Document, number: int) -> ModuleCalls | None:
    """The calls of module `number` of the document (once per analysed version)."""
    sm = doc.modules[number] if 0 <= number < len(doc.modules) else None
    if sm is None or sm.read is None:
        return None
    with _lock:
        for d, n, found in _cache:
            if d is doc and n == number:
                return found
    m = sm.read.module
    lay = function_cache.layout(doc)
    funcs: list[tuple[Func, Summary, int]]
    if lay is not None and number == 0:

        def compute(missing: list[int]) -> list[Summary]:
            out = []
            for i in missing:
                cancel.check()
                out.append(summarise(lay.funcs[i]))
            return out

        results = _SUMMARIES.results(lay, None, compute)
        funcs = [
            (f, s, start - origin)
            for f, (s, origin), start in zip(lay.funcs, results, lay.starts, strict=True)
        ]
    else:
        funcs = [(f, summarise(f), 0) for f in m.funcs if f.import_ is None]
    writes: set[int] = set()
    for _, s, _ in funcs:
        writes |= s.writes
    found = ModuleCalls(m, funcs, _known_tables(m, writes), {})
    with _lock:
        _cache.insert(0, (doc, number, found))
        del _cache[4:]
    return found


def clear() -> None:
    with _lock:
        _cache.clear()


@dataclass(frozen=True, slots=True)
class Calls:
    """The calls between a caller and a callee: where they are (in the caller)."""

    func: int  # the other end: the callee (outgoing) or the caller (incoming)
    spans: tuple[Span, ...]


def _group(pairs: Iterable[tuple[int, Span]]) -> list[Calls]:
    by: dict[int, list[Span]] = {}
    for f, span in pairs:
        by.setdefault(f, []).append(span)
    return [Calls(f, tuple(sorted(set(spans)))) for f, spans in sorted(by.items())]


def outgoing(mc: ModuleCalls, func: int) -> list[Calls]:
    """What function `func` calls (directly, by `ref.func`, or through a known table)."""
    for f, s, delta in mc.funcs:
        if f.index != func:
            continue
        pairs = [(callee, Span(a + delta, b + delta)) for callee, a, b in s.direct]
        for table, type_idx, a, b in s.indirect:
            pairs += [(callee, Span(a + delta, b + delta)) for callee in mc.targets(table, type_idx)]
        return _group(pairs)
    return []


def incoming(mc: ModuleCalls, func: int) -> list[Calls]:
    """Which functions call `func`, and where."""
    pairs: list[tuple[int, Span]] = []
    indirect = {key for key in _indirect_keys(mc) if func in mc.targets(*key)}
    for f, s, delta in mc.funcs:
        for callee, a, b in s.direct:
            if callee == func:
                pairs.append((f.index, Span(a + delta, b + delta)))
        if indirect:
            for table, type_idx, a, b in s.indirect:
                if (table, type_idx) in indirect:
                    pairs.append((f.index, Span(a + delta, b + delta)))
    return _group(pairs)


def _indirect_keys(mc: ModuleCalls) -> set[tuple[int, int]]:
    if not mc.known:
        return set()
    keys: set[tuple[int, int]] = set()
    for _, s, _ in mc.funcs:
        for table, type_idx, _, _ in s.indirect:
            if table in mc.known:
                keys.add((table, type_idx))
    return keys


# --- references from outside function bodies -------------------------------------------

SITE_KINDS = ("elem", "global", "table", "export", "start")


@dataclass(frozen=True, slots=True)
class Site:
    """A module item that refers to functions outside every body: an element segment, a
    global's or a table's initializer (`ref.func`), a function export, the start function.
    The host calls through all of them (a table's slots, a global's reference, an export by
    name, `start` at instantiation), so they are a function's callers of a kind of their own."""

    kind: str  # one of SITE_KINDS
    index: int  # in the module's elems, globals, tables or exports (0 for start)
    span: Span  # the whole field


def _refs_in(instrs: Iterable[Instr]) -> Iterable[tuple[int, Span]]:
    for ins in instrs:
        if ins.op.name == "ref.func" and ins.imms:
            f = ins.imms[0]
            if isinstance(f, int) and f >= 0:
                yield f, Span(ins.start, ins.end)


def site_refs(m: Module) -> list[tuple[Site, int, Span]]:
    """Every reference to a function outside function bodies, in text order per kind of item:
    (the item, the function, where the reference is)."""
    out: list[tuple[Site, int, Span]] = []
    for e in m.elems:
        site = Site("elem", e.index, e.span)
        for item in e.items:
            out += [(site, f, span) for f, span in _refs_in(item)]
    for g in m.globals:
        site = Site("global", g.index, g.span)
        out += [(site, f, span) for f, span in _refs_in(g.init)]
    for t in m.tables:
        site = Site("table", t.index, t.span)
        out += [(site, f, span) for f, span in _refs_in(t.init or ())]
    for n, x in enumerate(m.exports):
        if x.kind == "func" and x.index >= 0:
            out.append((Site("export", n, x.span), x.index, x.span))
    if m.start is not None and m.start.func >= 0:
        out.append((Site("start", 0, m.start.span), m.start.func, m.start.span))
    return out


def site_of(m: Module, kind: str, index: int) -> Site | None:
    """The item of a call hierarchy item's data (None when the module has no such item now)."""
    if kind == "start":
        return Site("start", 0, m.start.span) if m.start is not None and index == 0 else None
    items: dict[str, list[Any]] = {
        "elem": m.elems,
        "global": m.globals,
        "table": m.tables,
        "export": m.exports,
    }
    found = items.get(kind, [])
    return Site(kind, index, found[index].span) if 0 <= index < len(found) else None


@dataclass(frozen=True, slots=True)
class SiteCalls:
    """The references of one item to a function: where they are (in the item)."""

    site: Site
    spans: tuple[Span, ...]


def site_callers(m: Module, func: int) -> list[SiteCalls]:
    """The items outside function bodies that refer to function `func`, in `SITE_KINDS` order."""
    by: dict[Site, list[Span]] = {}
    for site, f, span in site_refs(m):
        if f == func:
            by.setdefault(site, []).append(span)
    return [SiteCalls(site, tuple(sorted(set(spans)))) for site, spans in by.items()]


def site_callees(m: Module, site: Site) -> list[Calls]:
    """The functions an item outside function bodies refers to, and where."""
    return _group((f, span) for s, f, span in site_refs(m) if s == site)
