"""`ShiftedList`: equal to the list made eagerly, under random slicing, moves and joins."""

from __future__ import annotations

import random

from wat_lsp.analysis import shifted
from wat_lsp.analysis.diagnostics import Diagnostic, Related, Severity
from wat_lsp.analysis.incremental import _Moves, _Shift
from wat_lsp.analysis.model import Span
from wat_lsp.analysis.shifted import ShiftedList


class _Add:
    def __init__(self, n: int) -> None:
        self.n = n

    def __call__(self, x: int) -> int:
        return x + self.n

    def then(self, later: shifted.Move[int]) -> _Add:
        assert isinstance(later, _Add)
        return _Add(self.n + later.n)


def _adder(n: int) -> _Add:
    return _Add(n)


def test_random_edits_equal_eager() -> None:
    rng = random.Random(15)
    for _ in range(40):
        eager = [rng.randrange(1000) for _ in range(rng.randrange(0, 60))]
        lazy: list[int] | ShiftedList[int] = list(eager)
        for step in range(rng.randrange(1, 120)):
            n = len(eager)
            a = rng.randint(0, n)
            b = rng.randint(a, n)
            mine = [rng.randrange(1000) for _ in range(rng.randrange(0, 4))]
            k = rng.randrange(-3, 4)
            move = _adder(k)
            head, tail = shifted.parts(lazy, 0, a), shifted.parts(lazy, b, n)
            if k:
                head, tail = shifted.moved(head, move), shifted.moved(tail, move)
                eager = [move(x) for x in eager[:a]] + mine + [move(x) for x in eager[b:]]
            else:
                eager = eager[:a] + mine + eager[b:]
            made = ShiftedList([*head, (mine, 0, len(mine), None), *tail])
            assert len(made) == len(eager)
            if step % 7 == 0:
                i = rng.randrange(-len(eager), len(eager)) if eager else 0
                if eager:
                    assert made[i] == eager[i]
                x, y = sorted((rng.randint(0, len(eager)), rng.randint(0, len(eager))))
                assert made[x:y] == eager[x:y]
            lazy = made.materialise() if made.heavy or step % 13 == 12 else made
        assert list(lazy) == eager
        assert lazy == eager and eager == lazy


def test_heavy_after_many_parts() -> None:
    n = 2 * shifted.LIMIT
    lazy: list[int] | ShiftedList[int] = list(range(n))
    heavy = False
    for i in range(shifted.LIMIT + 1):
        made = ShiftedList([*shifted.parts(lazy, 0, i), ([-1], 0, 1, None), *shifted.parts(lazy, i + 1, n)])
        heavy = heavy or made.heavy
        lazy = made
    assert heavy
    assert list(lazy) == [-1] * (shifted.LIMIT + 1) + list(range(shifted.LIMIT + 1, n))


def test_index_errors_and_materialised() -> None:
    s = ShiftedList([([1, 2, 3], 1, 3, _adder(10))])
    assert len(s) == 2 and s[-1] == 13 and s[0] == 12 and s[0:1] == [12]
    for bad in (2, -3):
        try:
            s[bad]
        except IndexError:
            pass
        else:
            raise AssertionError(bad)
    assert s.materialised is None
    whole = s.materialise()
    assert s.materialised is whole and whole == [12, 13] and s[::-1] == [13, 12]


def test_composed_moves_equal_shifts_one_after_another() -> None:
    """`_Moves` of several `_Shift`s (insertions, deletions, where offsets collapse) maps each
    offset and diagnostic as the shifts applied in turn."""
    rng = random.Random(52)
    for _ in range(300):
        shifts: list[_Shift] = []
        moves: _Moves | None = None
        for _ in range(rng.randrange(1, 12)):
            old_end = rng.randrange(1, 60)
            new_end = max(0, old_end + rng.choice([-5, -2, -1, 1, 1, 2, 7]))
            shifts.append(_Shift(old_end, new_end))
            step = _Moves.shift(old_end, new_end)
            moves = step if moves is None else moves.then(step)
        assert moves is not None
        for o in range(0, 80):
            want = o
            for sh in shifts:
                want = sh.offset(want)
            assert moves.offset(o) == want
        for _ in range(20):
            a = rng.randrange(0, 70)
            b = a + rng.randrange(0, 10)
            c = rng.randrange(0, 70)
            related = (Related(Span(c, c + 3), "there"),) if rng.random() < 0.3 else ()
            d = Diagnostic("code", "message", Span(a, b), Severity.ERROR, related)
            want_d = d
            for sh in shifts:
                want_d = sh.diagnostic(want_d)
            assert moves(d) == want_d


def test_read_to_the_end_is_kept() -> None:
    calls: list[int] = []

    class Count(_Add):
        def __call__(self, x: int) -> int:
            calls.append(x)
            return x + self.n

    s = ShiftedList([([1, 2, 3], 0, 3, Count(1))])
    assert next(iter(s)) == 2 and s.materialised is None  # read in part: nothing kept
    assert list(s) == [2, 3, 4] and s.materialised == [2, 3, 4]
    assert list(s) == [2, 3, 4] and len(calls) == 4  # the second time from the list
