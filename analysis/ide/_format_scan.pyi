"""The formatter's scan of an item into units, in C (analysis/ide/format_scan.c)."""

from collections.abc import Sequence

def configure(
    immediate_words: Sequence[str],
    head_reserved: Sequence[str],
    block_words: Sequence[str],
    may_break: Sequence[str],
) -> None:
    """The word lists of format.py's patterns."""

def scan(
    text: str, crlf: bool
) -> (
    tuple[
        list[int],
        list[str],
        list[int],
        list[int],
        dict[int, int],
        dict[int, int],
        set[int],
        list[int],
        dict[int, str],
    ]
    | None
):
    """An ASCII item's units as `_Units` holds them, or None where the Python scan must run."""

def reindent(
    text: str, lines: list[str], blank_lines: list[str], base: int, depth: int, blank: bool
) -> tuple[str, int, int] | None:
    """`_Layout.lines_unit`'s text, the depth after it and its last line's level; None if not ASCII."""

def blank_edits(
    old: bytes, new: bytes
) -> tuple[list[tuple[int, int, str]], tuple[int, int, int, int] | None]:
    """`minimal_edits`' edits of blanks, and where the one edit for the rest is (or None)."""
