"""The raw token scanner: parentheses, words (keywords, ids, numbers), strings and other bytes,
with comments passed over, over any byte range. Used where the syntax tree says little (half-typed
text in the editor, script assertions whose tree is torn by an error); it never fails and never
recurses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sized

IDCHARS = b"0-9A-Za-z!#$%&'*+\\-./:<=>?@\\\\^_`|~"
IDBYTES = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&'*+-./:<=>?@\\^_`|~")
_TOKEN = re.compile(
    rb"[ \t\n\r]*(?:(?P<lc>;;[^\n]*)|(?P<bc>\(;)|(?P<open>\()|(?P<close>\))"
    rb'|(?P<str>"(?:[^"\\\n]|\\[^\n])*"?)'
    rb'|(?P<word>\$"(?:[^"\\\n]|\\[^\n])*"?|[' + IDCHARS + rb"]+)"
    rb"|(?P<other>[^ \t\n\r]))"
)
_BLOCK_COMMENT = re.compile(rb"\(;|;\)")


def tokens(
    data: bytes, start: int, end: int, skips: dict[int, int] | None = None, stack: Sized = ()
) -> Iterator[tuple[str, int, int]]:
    """The tokens in [start, end) as (kind, start, end): 'open', 'close', 'word', 'str',
    'other'; comments are passed over. The last one is ('inside', ...) when `end` (the cursor)
    is in a comment or a string. A token at a start in `skips` while `stack` (the caller's
    open forms) is not empty is ('skip', start, where the run ends), and reading goes on there."""
    pos = start
    match = _TOKEN.match
    while pos < end:
        m = match(data, pos, end)
        if m is None or m.end() == pos:
            return
        kind = m.lastgroup or "other"
        tok_start, pos = m.start(kind), m.end()
        jump = skips.get(tok_start) if skips else None
        if jump is not None and stack:
            yield "skip", tok_start, jump
            pos = jump
            continue
        if kind == "lc":
            if pos >= end:  # the comment runs on to the cursor (the match stops there)
                yield "inside", tok_start, pos
                return
            continue
        if kind == "bc":
            depth = 1
            for c in _BLOCK_COMMENT.finditer(data, pos, end):
                depth += 1 if c.group() == b"(;" else -1
                if depth == 0:
                    pos = c.end()
                    break
            else:
                yield "inside", tok_start, end
                return
            continue
        if kind == "str" and pos >= end and (pos - tok_start < 2 or data[pos - 1] != 0x22):  # an open `"`
            yield "inside", tok_start, pos
            return
        yield kind, tok_start, pos
