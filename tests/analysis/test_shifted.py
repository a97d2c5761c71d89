"""`ShiftedList`: equal to the list made eagerly, under random slicing, moves and joins."""

from __future__ import annotations

import random
from collections.abc import Callable

from wat_lsp.analysis import shifted
from wat_lsp.analysis.shifted import ShiftedList


def _adder(n: int) -> Callable[[int], int]:
    return lambda x: x + n


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
            made = ShiftedList([*head, (mine, 0, len(mine), ()), *tail])
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
    lazy: list[int] | ShiftedList[int] = list(range(100))
    heavy = False
    for i in range(shifted.LIMIT):
        made = ShiftedList([*shifted.parts(lazy, 0, i), ([-1], 0, 1, ()), *shifted.parts(lazy, i + 1, 100)])
        heavy = heavy or made.heavy
        lazy = made
    assert heavy
    assert list(lazy) == [-1] * shifted.LIMIT + list(range(shifted.LIMIT, 100))


def test_index_errors_and_materialised() -> None:
    s = ShiftedList([([1, 2, 3], 1, 3, (_adder(10),))])
    assert list(s) == [12, 13] and s[-1] == 13 and s[0] == 12
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
