"""Byte offsets <-> (line, column) in UTF-8, UTF-16 or UTF-32 code units.

The core works in byte offsets of the UTF-8 text; LSP positions and CLI columns are computed
only at the edge, in the encoding the client negotiated.

Lines end as LSP says: at `\\n`, `\\r\\n` or a lone `\\r` (tree-sitter's rows, which count
`\\n` only, are `ts_point`).

Columns are well defined on any bytes. Valid UTF-8 counts as its characters do. A surrogate
code point encoded as UTF-8 (`ED A0..BF 80..BF`: what the server stores for a lone
surrogate that arrived in a JSON string) counts as that surrogate: one UTF-16 unit, one
UTF-32 unit, as the client that sent it counts it. Any other ill-formed sequence counts as one
U+FFFD per maximal subpart (the Unicode "best practice" decoders follow, Python's and the
WHATWG `TextDecoder` that VS Code uses), so a column is where an editor that decoded the file
shows it. `decode` gives the text those columns count, for display.
"""

from __future__ import annotations

import bisect
import codecs
import itertools
import re
import sys
from array import array
from collections.abc import Iterator
from typing import Literal

Encoding = Literal["utf-8", "utf-16", "utf-32"]

_BREAK = re.compile(rb"\r\n?|\n")


def _after_newlines(data: bytes, out: array[int]) -> None:
    """Appends the offset after each `\n` to `out`, in C-speed steps: a megabyte split at its
    line breaks, the lengths summed by `accumulate` (a `find` a line: 0.26 s on 13 MB)."""
    step = 1 << 20
    for at in range(0, len(data), step):
        lines = data[at : at + step].split(b"\n")
        lines.pop()  # what follows the piece's last break (or the whole piece): no start in it
        out.extend(
            itertools.islice(itertools.accumulate(map(_PLUS_ONE, map(len, lines)), initial=at), 1, None)
        )


_PLUS_ONE = (1).__add__


class LineIndex:
    """Line starts of a byte string, for fast offset/position conversion."""

    __slots__ = (
        "_all_ascii",
        "_ascii",
        "_cuts",
        "_deltas",
        "_firsts",
        "_flat_starts",
        "_last",
        "_lone_cr",
        "_starts",
        "data",
    )

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._ascii: dict[int, bool] = {}
        self._all_ascii: bool | None = None  # the whole text (None: not known yet)
        self._last: tuple[str, int, int, int] = ("", -1, -1, 0)
        starts = array("q", [0])
        self._lone_cr = _lone_crs(data, 0, len(data))
        if self._lone_cr:
            starts.extend(m.end() for m in _BREAK.finditer(data))
        else:  # every line ends with `\n` (`\r\n` too): the fast scan
            _after_newlines(data, starts)
        self._starts = starts
        # A shift not yet applied (`spliced`): line `i` starts at `_starts[i] + _deltas[j]`
        # for the last cut `_cuts[j] <= i` (none: at `_starts[i]`); `_firsts[j]` is where line
        # `_cuts[j]` starts. `_starts` is shared between versions and never mutated.
        self._cuts: list[int] = []
        self._deltas: list[int] = []
        self._firsts: list[int] = []
        self._flat_starts: array[int] | None = None  # `_flat`'s (one assignment: threads read it)

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def line_start(self, line: int) -> int:
        return self._start(min(max(line, 0), len(self._starts) - 1))

    def starts(self) -> array[int]:
        """Where each line starts (not to be mutated)."""
        return self._flat()

    def _start(self, line: int) -> int:
        """Where `line` (0 <= line < line_count) starts."""
        at = self._starts[line]
        if self._cuts:
            j = bisect.bisect_right(self._cuts, line) - 1
            if j >= 0:
                at += self._deltas[j]
        return at

    def _flat(self) -> array[int]:
        """The line starts as one array, the pending shift applied (made once)."""
        cuts = self._cuts
        if not cuts:
            return self._starts
        if self._flat_starts is not None:
            return self._flat_starts
        starts = self._starts
        out = starts[: cuts[0]]
        for j, (cut, delta) in enumerate(zip(cuts, self._deltas, strict=True)):
            part = starts[cut : cuts[j + 1] if j + 1 < len(cuts) else len(starts)]
            out.extend(_shifted(part, delta) if delta else part)
        self._flat_starts = out
        return out

    def line_end(self, line: int) -> int:
        """Offset of the end of `line`, before its line break (`\\n`, `\\r\\n` or `\\r`)."""
        start = self.line_start(line)
        if line + 1 >= len(self._starts):
            return len(self.data)
        end = self._start(line + 1)
        data = self.data
        if data[end - 1] == 0x0A:  # \n
            end -= 1
        if end > start and data[end - 1] == 0x0D:  # \r of \r\n, or a lone \r
            end -= 1
        return end

    def line_of(self, offset: int) -> int:
        starts, cuts = self._starts, self._cuts
        if not cuts:
            return bisect.bisect_right(starts, offset) - 1
        j = bisect.bisect_right(self._firsts, offset) - 1
        if j < 0:
            return bisect.bisect_right(starts, offset, 0, cuts[0]) - 1
        hi = cuts[j + 1] if j + 1 < len(cuts) else len(starts)
        return bisect.bisect_right(starts, offset - self._deltas[j], cuts[j], hi) - 1

    def position(self, offset: int, encoding: Encoding = "utf-16") -> tuple[int, int]:
        """(line, column) of a byte offset, both 0-based; column in `encoding` units."""
        offset = min(max(offset, 0), len(self.data))
        line = self.line_of(offset)
        start = self._start(line)
        if encoding == "utf-8" or self.line_ascii(line):
            return line, offset - start
        # Counted on from the last column asked for on this line when the text between is
        # whole characters (asked in order, as tokens are, a long line is counted once).
        enc, last_line, last_offset, count = self._last
        data = self.data
        if (
            enc == encoding
            and last_line == line
            and start <= last_offset <= offset
            and (last_offset == len(data) or not 0x80 <= data[last_offset] <= 0xBF)
        ):
            count += units(data, last_offset, offset, encoding)
        else:
            count = units(data, start, offset, encoding)
        if offset == len(data) or not 0x80 <= data[offset] <= 0xBF:
            self._last = (encoding, line, offset, count)
        return line, count

    def positions(self, offsets: list[int], encoding: Encoding = "utf-16") -> list[tuple[int, int]]:
        """`position` of each offset; in an ASCII text a C bisect each (100,000 function starts
        of a 60 MB module: 0.03 s instead of 0.5)."""
        if self._all_ascii is None:
            self._all_ascii = self.data.isascii()
        if not self._all_ascii:
            return [self.position(o, encoding) for o in offsets]
        starts, size, find = self._flat(), len(self.data), bisect.bisect_right
        if offsets and (min(offsets) < 0 or max(offsets) > size):  # (clamped once, not each)
            offsets = [min(max(o, 0), size) for o in offsets]
        out: list[tuple[int, int]] = []
        append = out.append
        for o in offsets:
            line = find(starts, o) - 1
            append((line, o - starts[line]))
        return out

    def line_ascii(self, line: int) -> bool:
        """Whether `line` (with its break) is ASCII, so that its columns are byte counts in
        every encoding (known once per line: slicing a 10 MB line per token was quadratic;
        and at once for every line of an ASCII text: 100,000 lines' slices cost 0.2 s)."""
        if self._all_ascii is None:
            self._all_ascii = self.data.isascii()
        if self._all_ascii:
            return True
        known = self._ascii.get(line)
        if known is None:
            end = self._start(line + 1) if line + 1 < len(self._starts) else len(self.data)
            known = self.data[self._start(line) : end].isascii()
            self._ascii[line] = known
        return known

    def offset(self, line: int, column: int, encoding: Encoding = "utf-16") -> int:
        """Byte offset of a (line, column) position; clamped to the line as LSP requires."""
        if line >= len(self._starts):
            return len(self.data)
        if line < 0:
            return 0
        start = self._start(line)
        end = self.line_end(line)
        if encoding == "utf-8":
            return min(start + max(column, 0), end)
        chunk = self.data[start:end]
        if chunk.isascii():
            return start + min(max(column, 0), end - start)
        counted = taken = 0
        for size, u16 in _segments(chunk):
            if counted >= column:
                break
            counted += u16 if encoding == "utf-16" else 1
            taken += size
        return start + taken

    def ts_point(self, offset: int) -> tuple[int, int]:
        """(row, byte column) of `offset` as tree-sitter counts them: rows end at `\\n` only."""
        if not self._lone_cr:  # then lines and rows are the same (`\r\n` ends both)
            line = self.line_of(offset)
            return line, offset - self._start(line)
        data = self.data
        return data.count(b"\n", 0, offset), offset - (data.rfind(b"\n", 0, offset) + 1)

    def spliced(self, start: int, end: int, new: bytes, data: bytes) -> LineIndex:
        """`LineIndex(data)` for `data` = this text with `[start, end)` replaced by `new`:
        line starts before the edit kept, the edit's own found, the rest shifted (a 13 MB file
        has 640k lines; scanning them all again costs 150 ms). Only the bytes from `start - 1`
        to just after `new` can end lines differently (a `\\r` and a `\\n` may join or part)."""
        starts, cuts, deltas = self._starts, self._cuts, self._deltas
        delta = len(new) - (end - start)
        if (
            not _has_break(new)
            and not _has_break(self.data[start:end])
            and self.data[start - 1 : start] != b"\r"
        ):
            # The same lines, those after `start` moved by `delta` (a character typed, a
            # `\r\n` neither split nor joined): the array is shared, the shift kept pending
            # (adding it to 2 million line starts cost 50 ms a keystroke at 60 MB).
            spliced = starts
            if delta:
                cuts, deltas = _shift_from(cuts, deltas, self.line_of(start) + 1, len(starts), delta)
                if len(cuts) > _CUTS:
                    spliced, cuts, deltas = self._with(cuts, deltas)._flat(), [], []
        else:
            spliced = self._spliced_starts(start, end, new, data)
            cuts, deltas = [], []
        index = LineIndex.__new__(LineIndex)
        index.data = data
        index._ascii = {}
        index._all_ascii = True if self._all_ascii and new.isascii() else None
        index._last = ("", -1, -1, 0)
        index._starts = spliced
        index._cuts, index._deltas = cuts, deltas
        index._firsts = [spliced[c] + d for c, d in zip(cuts, deltas, strict=True)]
        index._flat_starts = None
        lo, hi = max(start - 1, 0), start + len(new)
        # lone `\r`s change only where line starts may: old [lo, end + 1], new [lo, hi + 1]
        index._lone_cr = self._lone_cr - _lone_crs(self.data, lo, end + 2) + _lone_crs(data, lo, hi + 2)
        return index

    def _with(self, cuts: list[int], deltas: list[int]) -> LineIndex:
        """This index's line starts with the pending shift `cuts`, `deltas` (for `_flat`)."""
        index = LineIndex.__new__(LineIndex)
        index._starts, index._cuts, index._deltas, index._firsts = self._starts, cuts, deltas, []
        index._flat_starts = None
        return index

    def _spliced_starts(self, start: int, end: int, new: bytes, data: bytes) -> array[int]:
        starts = self._flat()
        lo = max(start - 1, 0)  # line starts <= lo depend on bytes before `start` only
        hi = start + len(new)  # line starts > hi + 1 are those after `end + 1`, shifted
        spliced = starts[: bisect.bisect_right(starts, lo)]
        # a match ending past hi + 1 (a `\r` at hi + 1) belongs to the shifted tail
        spliced.extend(p for m in _BREAK.finditer(data, lo, hi + 2) if (p := m.end()) <= hi + 1)
        tail = starts[bisect.bisect_right(starts, end + 1) :]
        delta = len(new) - (end - start)
        spliced.extend(_shifted(tail, delta) if delta else tail)
        return spliced


# Past this many pending shifts (edits far apart), they are applied (`LineIndex._flat`).
_CUTS = 64


def _shift_from(
    cuts: list[int], deltas: list[int], line: int, count: int, delta: int
) -> tuple[list[int], list[int]]:
    """The pending shift (`LineIndex._cuts`, `_deltas`) with lines from `line` on (of `count`)
    moved by `delta` more."""
    if line >= count:
        return cuts, deltas
    cuts, deltas = list(cuts), list(deltas)
    j = bisect.bisect_left(cuts, line)
    if j == len(cuts) or cuts[j] != line:
        cuts.insert(j, line)
        deltas.insert(j, deltas[j - 1] if j else 0)
    for t in range(j, len(deltas)):
        deltas[t] += delta
    if deltas[j] == (deltas[j - 1] if j else 0):  # no cut where nothing changes
        del cuts[j], deltas[j]
    return cuts, deltas


def _has_break(text: bytes) -> bool:
    return b"\n" in text or b"\r" in text


def _lone_crs(data: bytes, a: int, b: int) -> int:
    """How many `\\r` in `data[a:b]` are not followed by `\\n` (while there are any,
    tree-sitter's rows differ from lines)."""
    return data.count(b"\r", a, b) - data.count(b"\r\n", a, b + 1)


def _shifted(starts: array[int], delta: int) -> array[int]:
    """`starts` with `delta` added to each, as one big-integer addition over the array's
    bytes (three times faster than a loop: 400k line starts after a keystroke in a 13 MB
    file). Lanes cannot carry or borrow into each other: every start stays in [0, 2**63),
    and a deletion's `-delta` is at most the deleted length, below every start after it."""
    raw = starts.tobytes()
    step = int.from_bytes(abs(delta).to_bytes(8, sys.byteorder) * len(starts), sys.byteorder)
    total = int.from_bytes(raw, sys.byteorder) + (step if delta > 0 else -step)
    out = array("q")
    out.frombytes(total.to_bytes(len(raw), sys.byteorder))
    return out


def units(data: bytes, start: int, end: int, encoding: Encoding) -> int:
    """How many `encoding` code units `data[start:end]` counts (see the module docstring)."""
    chunk = data[start:end]
    if encoding == "utf-8" or chunk.isascii():
        return len(chunk)
    text = decode(chunk)
    if encoding == "utf-32":
        return len(text)
    return len(text.encode("utf-16-le")) // 2  # no surrogates are left in `text`


def decode(chunk: bytes) -> str:
    """`chunk` as text, one U+FFFD for each unit of an ill-formed part: an encoded surrogate
    (3 bytes) or a maximal subpart of anything else (Python's decoder reports those)."""
    return chunk.decode("utf-8", "wat-lsp-units")


def _replace(err: UnicodeError) -> tuple[str, int]:
    if not isinstance(err, UnicodeDecodeError):
        raise err
    data, at = err.object, err.start
    if (
        data[at] == 0xED
        and at + 2 < len(data)
        and 0xA0 <= data[at + 1] <= 0xBF
        and 0x80 <= data[at + 2] <= 0xBF
    ):
        return "\ufffd", at + 3  # a surrogate: one unit
    return "\ufffd", err.end


codecs.register_error("wat-lsp-units", _replace)

# lead byte -> (continuation bytes, range of the first one); other leads are ill-formed alone
_LEADS: dict[int, tuple[int, int, int]] = {
    **{b: (1, 0x80, 0xBF) for b in range(0xC2, 0xE0)},
    0xE0: (2, 0xA0, 0xBF),
    **{b: (2, 0x80, 0xBF) for b in range(0xE1, 0xF0)},  # 0xED: 0xA0..0xBF is a surrogate, one unit
    0xF0: (3, 0x90, 0xBF),
    **{b: (3, 0x80, 0xBF) for b in range(0xF1, 0xF4)},
    0xF4: (3, 0x80, 0x8F),
}


def _segments(chunk: bytes) -> Iterator[tuple[int, int]]:
    """(bytes, UTF-16 units) of each character of `chunk`, as `decode` splits it (one
    UTF-32 unit each)."""
    i, n = 0, len(chunk)
    while i < n:
        lead = chunk[i]
        if lead < 0x80:
            yield 1, 1
            i += 1
            continue
        need, lo, hi = _LEADS.get(lead, (0, 0, 0))
        j = i + 1
        if need and j < n and lo <= chunk[j] <= hi:
            j += 1
            while j - i <= need and j < n and 0x80 <= chunk[j] <= 0xBF:
                j += 1
        complete = need and j - i == need + 1
        if lead == 0xED and not complete and j - i > 1 and chunk[i + 1] >= 0xA0:
            j = i + 1  # part of a surrogate is no character's part: `ED` alone is ill-formed
        yield j - i, 2 if complete and need == 3 else 1
        i = j
