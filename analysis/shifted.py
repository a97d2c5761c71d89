"""A list made of slices of other lists, each item moved when it is read.

After a byte is typed in a big document every diagnostic after it has a new offset: made
eagerly, that is ~55,000 new objects per keystroke at 60 MB (half a second on the server's
allocator), while the push reads only the first ~1,000 of them. A `ShiftedList` keeps the
last version's lists as they are and the move still to apply (the `_Shift`s of the edits
since, composed into one), so an edit costs what its own function holds; items are moved when read, and the
whole list is made once when something needs all of it (`materialise`).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Protocol, TypeVar, overload

T = TypeVar("T")


class Move(Protocol[T]):
    """How items move; `then(later)` is one move doing this one, then `later`."""

    def __call__(self, x: T, /) -> T: ...
    def then(self, later: Move[T], /) -> Move[T]: ...


# (source list, start, end, the move applied to each of source[start:end]: None, none)
Part = tuple[list[T], int, int, "Move[T] | None"]

# Past this many parts the list is made whole (each edit adds two; moving them all on the
# next edit costs a composition each).
LIMIT = 128


class ShiftedList(Sequence[T]):
    """An immutable sequence: the concatenation of `parts`, each item of a part passed through
    its moves when read. Equal to a list with the same items."""

    __slots__ = ("_ends", "_list", "_parts")

    def __init__(self, parts: list[Part[T]]) -> None:
        self._parts = [p for p in parts if p[2] > p[1]]
        ends: list[int] = []
        n = 0
        for p in self._parts:
            n += p[2] - p[1]
            ends.append(n)
        self._ends = ends
        self._list: list[T] | None = None

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> list[T]: ...
    def __getitem__(self, i: int | slice) -> T | list[T]:
        if self._list is not None:
            return self._list[i]
        if isinstance(i, slice):
            a, b, step = i.indices(len(self))
            if step != 1:
                return self.materialise()[i]
            return list(_items(parts(self, a, b)))
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("ShiftedList index out of range")
        k = bisect.bisect_right(self._ends, i)
        src, lo, _hi, move = self._parts[k]
        x = src[lo + i - (self._ends[k - 1] if k else 0)]
        return x if move is None else move(x)

    def __iter__(self) -> Iterator[T]:
        if self._list is not None:
            return iter(self._list)
        return self._reading()

    def _reading(self) -> Iterator[T]:
        # Read to the end, it is kept as the list (code actions read it all, twice); read in
        # part (the push), it costs what was read.
        made: list[T] = []
        for x in _items(self._parts):
            made.append(x)
            yield x
        self._list = made

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ShiftedList | list):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ShiftedList({list(self)!r})"

    def materialise(self) -> list[T]:
        """The items as one list (made once)."""
        if self._list is None:
            self._list = list(_items(self._parts))
        return self._list

    @property
    def materialised(self) -> list[T] | None:
        """The list `materialise` made, if it was called."""
        return self._list

    @property
    def heavy(self) -> bool:
        """Whether reading it has become slow enough that it should be made whole."""
        return len(self._parts) > LIMIT


def parts(items: Sequence[T], a: int, b: int) -> list[Part[T]]:
    """The parts holding `items[a:b]` (a list or a `ShiftedList`), sharing their lists."""
    if isinstance(items, ShiftedList) and items._list is None:
        out: list[Part[T]] = []
        start = 0
        for (src, lo, _hi, move), end in zip(items._parts, items._ends, strict=True):
            if end > a and start < b:
                out.append((src, lo + max(a - start, 0), lo + min(b, end) - start, move))
            start = end
        return out
    whole = items._list if isinstance(items, ShiftedList) else items
    assert isinstance(whole, list)
    return [(whole, a, b, None)]


def moved(ps: list[Part[T]], move: Move[T]) -> list[Part[T]]:
    """`ps` with `move` applied after their moves."""
    return [(src, lo, hi, move if was is None else was.then(move)) for src, lo, hi, was in ps]


def _items(ps: list[Part[T]]) -> Iterator[T]:
    for src, lo, hi, move in ps:
        if move is None:
            yield from islice(src, lo, hi)
        else:
            yield from map(move, islice(src, lo, hi))
