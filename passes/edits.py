"""Text edits over a document's bytes: what every pass and quick fix produces.

An edit replaces the byte range [start, end) with `new_text` (UTF-8 encoded when applied).
Passes emit only the edits that change something, so comments, names and formatting
elsewhere stay byte-for-byte.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterable
from itertools import pairwise
from typing import NamedTuple


class TextEdit(NamedTuple):
    """Replace document bytes [start, end) with `new_text`. An insertion has start == end."""

    start: int
    end: int
    new_text: str


class LineStarts:
    """`data.rfind(b"\\n", 0, pos) + 1` (where the line of `pos` starts, only `\\n` breaking
    lines) at a cost that does not grow with the line: a look a little way back, else a table
    of line starts made once (a pass asks once per function: on a 10 MB module printed on one
    line, scanning back to its start each time cost seconds)."""

    __slots__ = ("_starts", "data")
    _NEAR = 256

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._starts: array[int] | None = None

    def __call__(self, pos: int) -> int:
        near = self.data.rfind(b"\n", max(0, pos - self._NEAR), pos)
        if near >= 0 or pos <= self._NEAR:
            return near + 1
        if self._starts is None:
            starts = array("q", [0])
            find = self.data.find
            at = find(b"\n")
            while at >= 0:
                starts.append(at + 1)
                at = find(b"\n", at + 1)
            self._starts = starts
        return self._starts[bisect_right(self._starts, pos) - 1]


def leading_blanks(data: bytes, line_start: int, pos: int) -> int:
    """The end of the spaces and tabs from `line_start` on, at most `pos` (no slice of a long
    line)."""
    at = line_start
    while at < pos and data[at] in (32, 9):
        at += 1
    return at


class OverlappingEdits(ValueError):
    """Two edits touch the same bytes, so their combined result is not defined."""


def sort_edits(edits: Iterable[TextEdit]) -> list[TextEdit]:
    """Edits in document order; insertions at one offset keep their given order.

    Raises `OverlappingEdits` when two edits replace overlapping ranges (an insertion at the
    end of a replaced range, or at the start of one, is fine).
    """
    indexed = sorted(enumerate(edits), key=lambda ie: (ie[1].start, ie[1].end > ie[1].start, ie[0]))
    out = [e for _, e in indexed]
    for prev, cur in pairwise(out):
        if cur.start < prev.end:
            raise OverlappingEdits(f"edits overlap: [{prev.start}, {prev.end}) and [{cur.start}, {cur.end})")
    return out


def apply_edits(data: bytes, edits: Iterable[TextEdit]) -> bytes:
    """`data` with every edit applied; ranges refer to the original bytes."""
    parts: list[bytes] = []
    pos = 0
    for e in sort_edits(edits):
        if not 0 <= e.start <= e.end <= len(data):
            raise ValueError(f"edit [{e.start}, {e.end}) is outside the document (0..{len(data)})")
        parts.append(data[pos : e.start])
        parts.append(e.new_text.encode("utf-8"))
        pos = e.end
    parts.append(data[pos:])
    return b"".join(parts)


def removal(data: bytes, s: int, e: int) -> TextEdit:
    """An edit deleting [s, e) and the white space that would be left dangling: the whole
    line when nothing else is on it, else the spaces on one side."""
    a = s
    while a > 0 and data[a - 1 : a] in (b" ", b"\t"):
        a -= 1
    b = e
    while b < len(data) and data[b : b + 1] in (b" ", b"\t"):
        b += 1
    line_start = a == 0 or data[a - 1 : a] == b"\n"
    line_end = b == len(data) or data[b : b + 1] in (b"\n", b"\r")
    if line_start and line_end:
        if data[b : b + 2] == b"\r\n":
            return TextEdit(a, b + 2, "")
        return TextEdit(a, min(b + 1, len(data)), "")
    if line_start or data[a - 1 : a] == b"(":
        return TextEdit(s, b, "")
    return TextEdit(a, e, "")
