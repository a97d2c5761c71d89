"""Whole-document answers made function by function, and kept from version to version.

After an edit inside one function, the answers that cover the whole document (full semantic
tokens, the occurrence index, folding ranges, symbols) differ from the last version's only
in that function, and by a shift of position after it. So a document holding one text module
is cut into pieces: its function fields, each kept with its results, and the text between
them (module-level fields, comments), which is small and computed again each time.

A function's results are a function of its own text and of what it can refer to outside
itself: the text of every piece outside function bodies (the gaps between function fields
and each function's header, where signatures, locals and names are declared). That text is
the cache's `context`; within it, a function's results are found by its index and its text,
so they are reused whatever edit (incremental or not) made the version. A result is kept
with where its function started when it was computed; the user shifts it to where it is.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from wat_lsp.analysis import cancel
from wat_lsp.analysis.document import Document, FuncTexts
from wat_lsp.analysis.early import body_start
from wat_lsp.analysis.model import Func

T = TypeVar("T")

# Above this many functions to (re)compute, one tree query over the whole text costs less
# than one per function.
WHOLE_QUERY = 64


@dataclass(slots=True, eq=False)
class Layout:
    """A document's function fields in text order and the text around them."""

    funcs: list[Func]
    starts: list[int]
    ends: list[int]
    keys: list[tuple[int, bytes]]  # (function index, its text): what a cached result is found by
    context: tuple[bytes, ...]  # the gaps and the headers, in text order

    def gaps(self, size: int) -> list[tuple[int, int]]:
        """The text between function fields: before the first, between, after the last."""
        bounds = [0, *(x for pair in zip(self.starts, self.ends, strict=True) for x in pair), size]
        return [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2)]


_lock = threading.Lock()
_layouts: list[tuple[Document, Layout | None]] = []


def layout(doc: Document) -> Layout | None:
    """The layout of a document holding one text module with function fields (None for
    scripts and the rest: whole-document answers are then computed whole), once per `doc`."""
    with _lock:
        for d, lay in _layouts:
            if d is doc:
                return lay
    lay = _layout(doc)
    with _lock:
        _layouts.insert(0, (doc, lay))
        del _layouts[4:]  # each holds its functions' text (13 MB for the 13 MB module)
    return lay


def _layout(doc: Document) -> Layout | None:
    if len(doc.modules) != 1 or doc.modules[0].read is None or doc.modules[0].kind != "text":
        return None
    if doc.texts is not None:
        lay = _shared_layout(doc.modules[0].read.module.funcs, doc.texts)
        if lay is not None:
            return lay
    data = doc.data
    funcs = sorted(
        (f for f in doc.modules[0].read.module.funcs if f.import_ is None), key=lambda f: f.span.start
    )
    if not funcs:
        return None
    starts = [f.span.start for f in funcs]
    ends = [f.span.end for f in funcs]
    context: list[bytes] = []
    prev = 0
    for f, s, e in zip(funcs, starts, ends, strict=True):
        if s < prev or e > len(data):
            return None  # overlapping fields: not a layout this module can rely on
        first = body_start(f)  # (an early document's bodies stay unread)
        body = first if first is not None and s <= first <= e else e
        context += (data[prev:s], data[s:body])
        prev = e
    context.append(data[prev:])
    keys = [(f.index, data[s:e]) for f, s, e in zip(funcs, starts, ends, strict=True)]
    return Layout(funcs, starts, ends, keys, tuple(context))


def _shared_layout(all_funcs: list[Func], texts: FuncTexts) -> Layout | None:
    """The layout from the texts `incremental` kept (`Document.texts`): no copy of the text,
    and keys that are the last version's objects where a function did not change, found in
    a cache by identity (slicing and hashing 13 MB took 40 ms a keystroke)."""
    funcs: list[Func] = []
    starts: list[int] = []
    ends: list[int] = []
    prev = 0
    for index, text in texts.funcs:
        f = all_funcs[index] if 0 <= index < len(all_funcs) else None
        if f is None or f.import_ is not None:
            return None
        s, e = f.span
        if s < prev or e - s != len(text):
            return None  # not the fields `incremental` read: slice the text instead
        funcs.append(f)
        starts.append(s)
        ends.append(e)
        prev = e
    if not funcs or len(funcs) != sum(1 for f in all_funcs if f.import_ is None):
        return None
    return Layout(funcs, starts, ends, texts.funcs, texts.context)


class Cache(Generic[T]):
    """Per-function results for the last few contexts (one per open document, about), each
    kept with the offset its function started at. Only the functions of the last version
    asked about are kept, so memory stays that of one version's results."""

    def __init__(self, limit: int = 4) -> None:
        _caches.append(self)
        self._lock = threading.Lock()
        self._limit = limit
        self._by_context: OrderedDict[Hashable, dict[tuple[int, bytes], tuple[T, int]]] = OrderedDict()

    def results(
        self,
        lay: Layout,
        extra: Hashable,
        compute: Callable[[list[int]], list[T]],
        valid: Callable[[int, T], bool] | None = None,
    ) -> list[tuple[T, int]]:
        """Each function's result and the offset it was computed at; `compute` gets the
        positions in `lay.funcs` of those missing (or not `valid` for the function at that
        position any more) and returns their results, in order."""
        key = (lay.context, extra)
        with self._lock:
            known = self._by_context.get(key, {})
        found = [known.get(k) for k in lay.keys]
        if valid is not None:
            found = [r if r is not None and valid(i, r[0]) else None for i, r in enumerate(found)]
        missing = [i for i, r in enumerate(found) if r is None]
        if missing:
            cancel.check()  # giving up here or in `compute` keeps nothing half made
            for i, r in zip(missing, compute(missing), strict=True):
                found[i] = (r, lay.starts[i])
        out = [r for r in found if r is not None]
        assert len(out) == len(found)
        with self._lock:
            self._by_context[key] = dict(zip(lay.keys, out, strict=True))
            self._by_context.move_to_end(key)
            while len(self._by_context) > self._limit:
                self._by_context.popitem(last=False)
        return out

    def clear(self) -> None:
        with self._lock:
            self._by_context.clear()


_caches: list[Cache[Any]] = []


def clear() -> None:
    """Forget every layout and cached result (tests compare with computations from scratch)."""
    with _lock:
        _layouts.clear()
    for cache in _caches:
        cache.clear()
