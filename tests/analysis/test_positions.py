import random

from wat_lsp.analysis.positions import LineIndex


def test_utf16_columns() -> None:
    data = "a\n\U0001f600x\r\nz".encode()
    index = LineIndex(data)
    x = data.index(b"x")
    assert index.position(x, "utf-16") == (1, 2)
    assert index.position(x, "utf-8") == (1, 4)
    assert index.position(x, "utf-32") == (1, 1)
    assert index.offset(1, 2, "utf-16") == x
    assert index.offset(1, 99, "utf-16") == data.index(b"\r")  # clamped to the line
    assert index.offset(9, 0) == len(data)


def test_positions_of_many_offsets_are_each_position() -> None:
    """`positions` (ASCII text, offsets clamped once for the list) gives what `position` gives
    for each, offsets out of the text included."""
    rng = random.Random(5)
    data = b"".join(b"x" * rng.randrange(0, 30) + rng.choice([b"\n", b"\r\n"]) for _ in range(300))
    index = LineIndex(data)
    inside = [rng.randrange(0, len(data) + 1) for _ in range(500)]
    assert index.positions(inside) == [index.position(o) for o in inside]
    outside = [*inside, -7, len(data) + 3, 0, len(data)]
    assert index.positions(outside) == [index.position(o) for o in outside]
    assert index.positions([]) == []
