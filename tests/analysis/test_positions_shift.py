"""A line index spliced edit after edit with its shifts pending (`LineIndex._cuts`) answers
as a fresh index of the same text, in every method."""

from __future__ import annotations

import random

import pytest
from wat_lsp.analysis import positions
from wat_lsp.analysis.positions import LineIndex

ALPHABET = ["a", "b", "é", "\U0001f600", " ", "\n", "\r\n", "\r"]
PLAIN = ["a", "b", "é", "(", " "]


def _same(got: LineIndex, want: LineIndex, size: int) -> None:
    assert got.line_count == want.line_count
    lines = range(want.line_count)
    assert [got.line_start(n) for n in lines] == [want.line_start(n) for n in lines]
    assert [got.line_end(n) for n in lines] == [want.line_end(n) for n in lines]
    offsets = range(-1, size + 2)
    assert [got.line_of(o) for o in offsets] == [want.line_of(o) for o in offsets]
    for enc in ("utf-8", "utf-16"):
        assert [got.position(o, enc) for o in offsets] == [want.position(o, enc) for o in offsets]
        assert [got.offset(n, c, enc) for n in lines for c in range(4)] == [
            want.offset(n, c, enc) for n in lines for c in range(4)
        ]
    assert [got.ts_point(o) for o in range(size + 1)] == [want.ts_point(o) for o in range(size + 1)]
    assert got.positions(list(offsets)) == want.positions(list(offsets))
    assert list(got.starts()) == list(want.starts())


def test_chained_splices_equal_fresh_indexes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(positions, "_CUTS", 4)  # (so that they are applied now and then)
    rng = random.Random(52)
    pending = most = 0
    for _ in range(30):
        data = "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 300))).encode()
        index = LineIndex(data)
        for step in range(100):
            start = rng.randrange(len(data) + 1)
            end = min(len(data), start + rng.choice([0, 0, 0, 1, 2]))
            kind = ALPHABET if rng.random() < 0.1 else PLAIN
            new = "".join(rng.choice(kind) for _ in range(rng.randrange(3))).encode()
            data = data[:start] + new + data[end:]
            index = index.spliced(start, end, new, data)
            pending += bool(index._cuts)
            most = max(most, len(index._cuts))
            if step % 5 == 0:
                _same(index, LineIndex(data), len(data))
        _same(index, LineIndex(data), len(data))
    assert pending > 1000 and most == 4
