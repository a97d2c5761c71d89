"""Cooperative cancellation of long work: a token that loops over a document's pieces ask,
cheaply, whether to go on.

Work that covers a whole document (every function's tokens, symbols, folds, occurrences)
takes seconds on a big module; the server runs it in a worker thread, and meanwhile the client
may cancel the request or edit the text it was for. Threads cannot be interrupted, so such
loops call `check()` between their units of work (a function, a chunk), which raises
`Cancelled` when the token of the work running in this thread says to stop. Without a token
(the CLI, tests, passes) `check()` does nothing.

Only call `check()` where giving up leaves no shared state half made: between units whose
results are kept whole or not at all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

CANCELLED = "cancelled"  # the requester no longer wants the answer
MODIFIED = "modified"  # the text the work was for is no longer the newest


class Cancelled(Exception):
    """The work was given up; `reason` is `CANCELLED` or `MODIFIED`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Token:
    """Whether one piece of work should stop: cancelled by its requester (from any thread), or
    stale, as `stale()` says (asked at each check, so it must be cheap). `pause`, when given,
    is called at each check that goes on: a place where lower-priority work waits for more
    urgent work (it must not raise)."""

    __slots__ = ("_cancelled", "_pause", "stale")

    def __init__(
        self, stale: Callable[[], bool] | None = None, pause: Callable[[], None] | None = None
    ) -> None:
        self._cancelled = False
        self.stale = stale  # the owner may change what counts as stale (it restarted on newer text)
        self._pause = pause

    def cancel(self) -> None:
        self._cancelled = True

    def set_pause(self, pause: Callable[[], None] | None) -> None:
        """Where to wait at each check, for a token made before its work was scheduled."""
        self._pause = pause

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def check(self) -> None:
        """Raise `Cancelled` when the work should stop."""
        if self._cancelled:
            raise Cancelled(CANCELLED)
        if self.stale is not None and self.stale():
            raise Cancelled(MODIFIED)
        if self._pause is not None:
            self._pause()
            if self._cancelled:
                raise Cancelled(CANCELLED)


class _Current(threading.local):
    token: Token | None = None


_current = _Current()


def check() -> None:
    """Raise `Cancelled` when the work running in this thread should stop (see `active`)."""
    token = _current.token
    if token is not None:
        token.check()


@contextmanager
def active(token: Token) -> Iterator[None]:
    """Make `token` the one `check()` asks in this thread, for the duration."""
    previous = _current.token
    _current.token = token
    try:
        yield
    finally:
        _current.token = previous


class _Interlude(threading.local):
    hook: Callable[[], None] | None = None
    inside = False


_interlude = _Interlude()


def interlude() -> None:
    """A place in long work that is never given up (a document's first analysis: its bodies
    read, its functions validated) where this thread may answer more urgent requests first
    (the server's, those that need none of the work: [decision 48](../docs/decisions/0048-answer-before-the-analysis.md)).
    Whatever runs here must not need what the work holds (its document's analysis)."""
    hook = _interlude.hook
    if hook is not None and not _interlude.inside:
        _interlude.inside = True
        try:
            hook()
        finally:
            _interlude.inside = False


def in_interlude() -> bool:
    """Whether this thread is running work at an interlude: it must not wait for what the
    interrupted work holds."""
    return _interlude.inside


@contextmanager
def interludes(hook: Callable[[], None]) -> Iterator[None]:
    """Make `hook` what `interlude()` calls in this thread, for the duration."""
    previous = _interlude.hook
    _interlude.hook = hook
    try:
        yield
    finally:
        _interlude.hook = previous
