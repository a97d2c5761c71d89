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
