"""Byte offsets <-> (line, column) in UTF-8, UTF-16 or UTF-32 code units.

The core works in byte offsets of the UTF-8 text; LSP positions and CLI columns are computed
only at the edge, in the encoding the client negotiated.
"""

from __future__ import annotations

import bisect
from array import array
from typing import Literal

Encoding = Literal["utf-8", "utf-16", "utf-32"]


class LineIndex:
    """Line starts of a byte string, for fast offset/position conversion."""

    __slots__ = ("_starts", "data")

    def __init__(self, data: bytes) -> None:
        self.data = data
        starts = array("q", [0])
        find = data.find
        pos = find(b"\n")
        while pos >= 0:
            starts.append(pos + 1)
            pos = find(b"\n", pos + 1)
        self._starts = starts

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def line_start(self, line: int) -> int:
        return self._starts[min(max(line, 0), len(self._starts) - 1)]

    def line_end(self, line: int) -> int:
        """Offset of the end of `line`, before its newline (and a preceding CR)."""
        end = self._starts[line + 1] - 1 if line + 1 < len(self._starts) else len(self.data)
        if end > self.line_start(line) and self.data[end - 1 : end] == b"\r":
            end -= 1
        return end

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset) - 1

    def position(self, offset: int, encoding: Encoding = "utf-16") -> tuple[int, int]:
        """(line, column) of a byte offset, both 0-based; column in `encoding` units."""
        offset = min(max(offset, 0), len(self.data))
        line = self.line_of(offset)
        start = self._starts[line]
        if encoding == "utf-8":
            return line, offset - start
        prefix = self.data[start:offset].decode("utf-8", "replace")
        return line, _units(prefix, encoding)

    def offset(self, line: int, column: int, encoding: Encoding = "utf-16") -> int:
        """Byte offset of a (line, column) position; clamped to the line as LSP requires."""
        if line >= len(self._starts):
            return len(self.data)
        if line < 0:
            return 0
        start = self._starts[line]
        end = self.line_end(line)
        if encoding == "utf-8":
            return min(start + max(column, 0), end)
        text = self.data[start:end].decode("utf-8", "replace")
        units = 0
        taken = 0
        for ch in text:
            if units >= column:
                break
            units += _units(ch, encoding)
            taken += len(ch.encode("utf-8", "replace"))
        return min(start + taken, end)


def _units(text: str, encoding: Encoding) -> int:
    if encoding == "utf-32":
        return len(text)
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2
