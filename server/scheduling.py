"""How every request is run: the document's snapshot (or the request's default answer), then
the work in a worker lane, cancellable, and checked against newer versions of the text.

- `$/cancelRequest`: pygls cancels the handler's task, and answers RequestCancelled
  (-32800); a job that had not started never runs, one under way gives up at its next
  `analysis.cancel.check()` (the loops over a document's functions ask it).
- The document changed after the request (the client sent a newer version, or closed it):
  - a request about positions or a range (hover, completion, definition, code actions,
    inlay hints...) is answered ContentModified (-32801): its positions are in a text that
    no longer exists, and the client asks again if it still wants an answer;
  - a request about the whole document (symbols, folding, semantic tokens) is answered for
    the newest text, unless a newer request of the same kind for the same document is
    already queued: that one answers, this one gets ContentModified. Work under way on text
    that changed starts again on the newest, at most `RESTARTS` times; then it runs to the
    end unless a newer request of its kind comes.
- During a burst of edits (less than `DEBOUNCE` apart), whole-document work waits for a pause
  in the typing, as the diagnostics do; then for the document's pending push of diagnostics
  (at most `DIAGNOSTICS_FIRST` seconds): the newest version's diagnostics come first.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from pygls.exceptions import JsonRpcContentModified, JsonRpcException, JsonRpcRequestCancelled
from wat_lsp.analysis import cancel
from wat_lsp.server.diagnostics import DEBOUNCE, Lane, Worker
from wat_lsp.server.documents import Documents

T = TypeVar("T")
RESTARTS = 2
DIAGNOSTICS_FIRST = 5.0  # seconds


class Requests:
    """Runs the requests of one server (see the module's docstring)."""

    def __init__(self, documents: Documents, worker: Worker, pushing: Callable[[str], bool]) -> None:
        self._documents = documents
        self._worker = worker
        self._pushing = pushing  # whether diagnostics for a document are about to be published
        self._serials = itertools.count(1)
        self._latest: dict[tuple[Callable[..., Any], str], int] = {}  # (work, uri) -> its newest request
        self._edited: dict[str, float] = {}  # uri -> when its last edit arrived
        self._quiet: dict[str, float] = {}  # uri -> until when its whole-document work waits

    async def on_document(
        self,
        uri: str,
        default: T,
        fn: Callable[..., T],
        *args: Any,
        lane: Lane,
        whole: bool = False,
        early: bool = False,
    ) -> T:
        """`fn(snapshot, *args)` for the document's snapshot (`default` when it is not open):
        `whole` when the answer is about the whole text, so it may be made for a newer one;
        `early` when `fn` reads the snapshot's `early()` only (never `analysis()`), so it may
        run while the analysis thread computes an analysis (`Worker`)."""
        first = self._documents.get(uri)
        if first is None:
            return default
        key = (fn, uri)
        serial = self._latest[key] = next(self._serials)
        documents = self._documents
        snap = first

        def changed() -> bool:
            return documents.get(uri) is not snap

        def superseded() -> bool:
            return self._latest.get(key) != serial

        token = cancel.Token(changed, self._worker.pause if lane >= Lane.WHOLE else None)

        def job() -> T:
            nonlocal snap
            for attempt in itertools.count():
                if whole:
                    self._wait_for_pause(uri, token, superseded)
                latest = documents.get(uri)
                if latest is not snap:
                    if not whole or latest is None or superseded():
                        raise cancel.Cancelled(cancel.MODIFIED)
                    snap = latest
                if whole and attempt == RESTARTS:
                    token.stale = superseded  # the text keeps changing: finish, unless asked again
                try:
                    with cancel.active(token):
                        result = fn(snap, *args)
                    token.check()  # a result for text that changed meanwhile is not sent
                    return result
                except cancel.Cancelled as e:
                    if e.reason != cancel.MODIFIED or not whole or superseded():
                        raise
            raise AssertionError("unreachable")

        try:
            return await self._worker.run(
                job, lane=lane, token=token, early=(lambda: snap.early_ready()) if early else None
            )
        except cancel.Cancelled as e:
            raise _error(e) from None
        finally:
            if self._latest.get(key) == serial:
                del self._latest[key]

    def edited(self, uri: str) -> None:
        """The document was just edited: while edits come faster than `DEBOUNCE` apart, work
        on its whole text waits for a pause."""
        now = time.monotonic()
        previous = self._edited.get(uri)
        self._edited[uri] = now
        self._quiet[uri] = now + DEBOUNCE if previous is not None and now - previous < DEBOUNCE else 0.0

    def closed(self, uri: str) -> None:
        self._edited.pop(uri, None)
        self._quiet.pop(uri, None)

    def _wait_for_pause(self, uri: str, token: cancel.Token, superseded: Callable[[], bool]) -> None:
        """In the whole-document thread: during a burst of edits, wait until the typing pauses
        (the request is likely superseded by then, and computing it would only take the
        interpreter from the thread that reads the edits); then until the diagnostics are out."""
        deadline = time.monotonic() + DIAGNOSTICS_FIRST
        while (left := self._quiet.get(uri, 0.0) - time.monotonic()) > 0 or (
            self._pushing(uri) and time.monotonic() < deadline
        ):
            time.sleep(min(left, 0.02) if left > 0 else 0.005)
            if token.cancelled:
                raise cancel.Cancelled(cancel.CANCELLED)
            if superseded():
                raise cancel.Cancelled(cancel.MODIFIED)

    async def call(
        self, fn: Callable[..., T], *args: Any, lane: Lane, token: cancel.Token | None = None
    ) -> T:
        """`fn(*args)`, about no one document (workspace symbols, a code action to resolve):
        cancellable only (through `token` too, when given: a progress' cancel)."""
        pause = self._worker.pause if lane >= Lane.WHOLE else None
        if token is None:
            token = cancel.Token(None, pause)
        else:
            token.set_pause(pause)

        def job() -> T:
            with cancel.active(token):
                result = fn(*args)
            if token.cancelled:  # while it ran: the answer is RequestCancelled all the same
                raise cancel.Cancelled(cancel.CANCELLED)
            return result

        try:
            return await self._worker.run(job, lane=lane, token=token)
        except cancel.Cancelled as e:
            raise _error(e) from None


def _error(e: cancel.Cancelled) -> JsonRpcException:
    if e.reason == cancel.MODIFIED:
        return JsonRpcContentModified("the document changed; ask again")
    return JsonRpcRequestCancelled("cancelled")


class _Quiet(logging.Filter):
    """pygls logs every error a handler raises with its traceback; ContentModified and
    RequestCancelled are answers, not failures."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, JsonRpcContentModified | JsonRpcRequestCancelled)


logging.getLogger("pygls.protocol.json_rpc").addFilter(_Quiet())
