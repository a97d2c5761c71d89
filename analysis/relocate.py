"""Model items moved in the text: the same items, every offset shifted by one amount.

When an edit inside one function changes its length, everything after it moves, and the
Module model's offsets are absolute (`Instr.start`, `Func.span`, ...). Copying a moved
function's instructions costs one Python object each (310,000 for half of a 13 MB module:
0.08 s, and the memory of a copy), so a moved function is a `MovedFunc`: its header fields
are shifted at once, its params, locals and body the first time someone reads them
(navigation reads a few functions).
Items that do not move are shared, never copied. Module-level items are few and small, and
are copied whole.

Nothing here mutates what it is given: earlier versions of a document may still be read by
another thread.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

from wat_lsp.analysis.model import Func, ImportName, Instr, LocalDecl, PartialExpr, Span


def span(s: Span, delta: int) -> Span:
    return Span(s.start + delta, s.end + delta)


def instrs(body: list[Instr], delta: int) -> list[Instr]:
    """Copies of `body`'s instructions, `delta` bytes later."""
    if not _INSTR_FAST:
        return [
            dataclasses.replace(
                i, start=i.start + delta, end=i.end + delta, ostart=i.ostart + delta, oend=i.oend + delta
            )
            for i in body
        ]
    return [
        Instr(
            i.op, i.imms, i.start + delta, i.end + delta, i.ostart + delta, i.oend + delta, i.match, i.label
        )
        for i in body
    ]


# The fields `instrs` spells out (four times faster than `replace`); when Instr has others,
# it copies by `replace` instead.
_INSTR_FAST = [f.name for f in dataclasses.fields(Instr)] == [
    "op",
    "imms",
    "start",
    "end",
    "ostart",
    "oend",
    "match",
    "label",
]


def decls(ds: list[LocalDecl], delta: int) -> list[LocalDecl]:
    return [dataclasses.replace(d, span=span(d.span, delta)) for d in ds]


def _value(v: object, delta: int) -> object:
    """A field's value moved: spans, import names, declarations and instruction lists are
    shifted; everything else (types, names, indices) holds no offset and is shared."""
    if isinstance(v, Span):
        return span(v, delta)
    if isinstance(v, ImportName):
        return dataclasses.replace(v, span=span(v.span, delta))
    if isinstance(v, list) and v:
        first = v[0]
        if isinstance(first, Instr):
            return _same_kind(v, instrs(v, delta))
        if isinstance(first, list):  # element segment items
            return [_same_kind(x, instrs(x, delta)) for x in v]
        if isinstance(first, Span):
            return [span(s, delta) for s in v]
        if isinstance(first, LocalDecl):
            return decls(v, delta)
    return v


def _same_kind(old: list[Instr], new: list[Instr]) -> list[Instr]:
    """`new` as a `PartialExpr` when `old` is one (validation tells them apart)."""
    return PartialExpr(new) if isinstance(old, PartialExpr) else new


def moved(item: Any, delta: int) -> Any:
    """A module-level item (type, table, global, export, ...) `delta` bytes later: itself when
    `delta` is 0, else a copy with every offset in its fields shifted (field by field, so a
    field added to the model later is moved too when it is a span or instruction list)."""
    if not delta:
        return item
    if isinstance(item, Func):
        return moved_func(item, delta)
    return dataclasses.replace(
        item, **{f.name: _value(getattr(item, f.name), delta) for f in dataclasses.fields(item) if f.init}
    )


_LAZY = frozenset({"params", "locals", "body"})
_FUNC_FIELDS = tuple(f.name for f in dataclasses.fields(Func))
_SLOT = {n: Func.__dict__[n] for n in _LAZY}  # Func's slot descriptors (set or unset)
_lock = threading.Lock()


class MovedFunc(Func):
    """`origin`, `delta` bytes later. Name, spans, signature and exports are set at once;
    `params`, `locals` and `body` are left unset (their slots empty) until first read, when
    `__getattr__` (which Python calls only for an unset slot) shifts all three. A `Func` in
    every other respect: equal to the `Func` read at its new offsets."""

    __slots__ = ("_delta", "_origin")
    _origin: Func | None
    _delta: int

    def __getattr__(self, name: str) -> Any:
        if name not in _LAZY:
            raise AttributeError(name)
        with _lock:  # two threads asking at once must get the same lists
            origin = self._origin
            if origin is not None:
                d = self._delta
                _SLOT["params"].__set__(self, decls(origin.params, d))
                _SLOT["locals"].__set__(self, decls(origin.locals, d))
                _SLOT["body"].__set__(self, instrs(origin.body, d))
                self._origin = None  # the copy is made: let the origin go
        return _SLOT[name].__get__(self, Func)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Func):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in _FUNC_FIELDS)

    __hash__ = None  # type: ignore[assignment]  # as Func's: mutable and compared by value


def moved_func(f: Func, delta: int) -> Func:
    """`f`, `delta` bytes later (`f` itself when `delta` is 0)."""
    if not delta:
        return f
    if isinstance(f, MovedFunc):
        origin = f._origin
        if origin is not None:  # not shifted yet: shift the origin once
            delta += f._delta
            f = origin
    # A document edited near its start moves thousands of functions per version: this is
    # most of what building its `Document` costs.
    m = MovedFunc.__new__(MovedFunc)
    if _FAST:
        m.index, m.name, m.type_idx, m.results, m.exports, m.exact_import = (
            f.index,
            f.name,
            f.type_idx,
            f.results,
            f.exports,
            f.exact_import,
        )
        m.span = Span(f.span.start + delta, f.span.end + delta)
        name, body = f.name_span, f.body_span
        m.name_span = None if name is None else Span(name.start + delta, name.end + delta)
        m.body_span = None if body is None else Span(body.start + delta, body.end + delta)
        i = f.import_
        m.import_ = None if i is None else dataclasses.replace(i, span=span(i.span, delta))
    else:
        for slot, kind in _PLAN:
            v = slot.__get__(f, Func)
            if v is not None and kind:
                v = Span(v.start + delta, v.end + delta) if kind == 1 else _value(v, delta)
            slot.__set__(m, v)
    m._origin, m._delta = f, delta
    return m


def _kind(annotation: object) -> int:
    """How `moved_func` moves a field declared with this type: 1 a span, 2 by `_value`
    (import names, anything holding spans or instructions), 0 shared (names, indices, types)."""
    text = str(annotation)
    if text in ("Span", "Span | None"):
        return 1
    return 2 if any(word in text for word in ("Span", "ImportName", "Instr", "LocalDecl")) else 0


_PLAN = tuple((Func.__dict__[f.name], _kind(f.type)) for f in dataclasses.fields(Func) if f.name not in _LAZY)
# The fields `moved_func` spells out; when Func has others, it goes field by field instead.
_FAST = tuple(slot.__name__ for slot, _ in _PLAN) == (
    "index",
    "name",
    "span",
    "name_span",
    "type_idx",
    "results",
    "import_",
    "exports",
    "body_span",
    "exact_import",
)
