"""Diagnostics for open documents: pushed after a quiet moment, or pulled by the client.

A push after a lone edit starts at once (after `QUICK`); during a burst of edits it waits
for `DEBOUNCE` seconds without one; a newer edit supersedes a pending push. The analysis
runs in one worker thread so that edits keep arriving meanwhile, and the version is checked
again before publishing, so a stale result never reaches the client.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

from lsprotocol import types
from wat_lsp.analysis.diagnostics import Diagnostic, Severity, with_severities
from wat_lsp.analysis.positions import Encoding
from wat_lsp.server import convert
from wat_lsp.server.documents import Snapshot

from wat_lsp.output import lsp_diagnostic

DEBOUNCE = 0.1  # seconds
# Even a lone edit waits this long, so that edits already read in the same batch supersede it.
QUICK = 0.005
T = TypeVar("T")
Overrides = Mapping[str, Severity | None]


class Worker:
    """One daemon thread running jobs in order. (A ThreadPoolExecutor's threads are joined at
    exit, which would keep a server told to `exit` alive until a long analysis ends.)"""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]] = queue.SimpleQueue()
        threading.Thread(target=self._run, name="wat-lsp-analysis", daemon=True).start()

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        future: Future[T] = Future()
        self._jobs.put((future, fn, args))
        return future

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in the worker thread, awaited from the event loop."""
        return await asyncio.wrap_future(self.submit(fn, *args))

    def _run(self) -> None:
        while True:
            future, fn, args = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args))
            except BaseException as e:
                future.set_exception(e)


def document_diagnostics(snap: Snapshot, encoding: Encoding, overrides: Overrides) -> list[types.Diagnostic]:
    """What the client is shown: the analysis' diagnostics at the configured severities."""
    return convert.diagnostics(with_severities(snap.diagnostics(), overrides), snap.index, snap.uri, encoding)


_Key = tuple[str, str, object, int, tuple[object, ...], tuple[object, ...]]


@dataclass(slots=True)
class _Converted:
    """A document's last pushed diagnostics as JSON values, by what determines them."""

    serial: int
    encoding: Encoding
    overrides: dict[str, Severity | None]
    items: dict[_Key, dict[str, Any]]


def _key(d: Diagnostic) -> _Key:
    return d.code, d.message, d.span, d.severity, d.related, d.tags


def _last_offset(d: Diagnostic) -> int:
    return max(d.span.end, *(r.span.end for r in d.related)) if d.related else d.span.end


def pushed_diagnostics(snap: Snapshot, encoding: Encoding, overrides: Overrides,
                       last: _Converted | None = None) -> tuple[list[dict[str, Any]], _Converted]:  # fmt: skip
    """The same as JSON values, in `wat-lsp --check --format json`'s shape: a push sends them
    as they are, since a big document has thousands of diagnostics and building lsprotocol
    objects for them (and unstructuring those again) took longer than analysing an edit.

    A diagnostic of the `last` push that is still there, in text no edit since touched, is
    reused as it was: its line and column depend only on the text before it (its `data`, a
    function or local index, also only on earlier text)."""
    reuse: dict[_Key, dict[str, Any]] = {}
    prefix = -1
    if last is not None and last.encoding == encoding and last.overrides == overrides:
        prefix = snap.edits.unchanged_prefix(last.serial, snap.serial)
        reuse = last.items
    out: list[dict[str, Any]] = []
    items: dict[_Key, dict[str, Any]] = {}
    for d in with_severities(snap.diagnostics(), overrides):
        key = _key(d)
        item = reuse.get(key) if _last_offset(d) <= prefix else None
        if item is None:
            item = lsp_diagnostic(d, snap.index, snap.uri, encoding)
        items[key] = item
        out.append(item)
    return out, _Converted(snap.serial, encoding, dict(overrides), items)


class Publisher:
    """Debounced `textDocument/publishDiagnostics`, one pending task per document."""

    def __init__(
        self,
        lookup: Callable[[str], Snapshot | None],
        publish: Callable[[dict[str, Any]], None],  # sends publishDiagnostics with these params
        log: Callable[[str], None],
        encoding: Callable[[], Encoding],
        worker: Worker,
        overrides: Callable[[], Overrides] = dict,
    ) -> None:
        self._lookup = lookup
        self._publish = publish
        self._log = log
        self._encoding = encoding
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._edited: dict[str, float] = {}  # uri -> when its last edit arrived
        self._converted: dict[str, _Converted] = {}  # uri -> its last push (the worker's only)
        self._worker = worker
        self._overrides = overrides
        self.settings_serial = 0  # bumped when the severities change: part of a pull's result id

    def _current(self, snap: Snapshot) -> bool:
        """Whether `snap` is still the document's latest snapshot (by identity: a client may
        send a version twice)."""
        return self._lookup(snap.uri) is snap

    async def pull(self, snap: Snapshot, previous: str | None) -> types.DocumentDiagnosticReport:
        """A pull's report: of the document's newest snapshot when the worker gets to the job
        (the client's text is that new too), so queued pulls never analyse old versions;
        "unchanged" when the client already has that snapshot's result."""
        encoding, overrides, settings = self._encoding(), self._overrides(), self.settings_serial

        def report() -> types.DocumentDiagnosticReport:
            latest = self._lookup(snap.uri) or snap
            result_id = f"{latest.serial}.{settings}"
            if previous == result_id:
                return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
            items = document_diagnostics(latest, encoding, overrides)
            return types.RelatedFullDocumentDiagnosticReport(items=items, result_id=result_id)

        return await self._worker.run(report)

    def _if_current(self, snap: Snapshot, encoding: Encoding, overrides: Overrides) -> list[dict[str, Any]] | None:
        """In the worker: skip a snapshot that newer edits superseded while the job waited."""
        if not self._current(snap):
            return None
        items, self._converted[snap.uri] = pushed_diagnostics(snap, encoding, overrides, self._converted.get(snap.uri))
        return items

    def schedule(self, snap: Snapshot, delay: float | None = None) -> None:
        """Publish `snap`'s diagnostics after `delay`; by default after `QUICK` when the last
        edit was a while ago (one keystroke: answer at once), else after `DEBOUNCE` (typing:
        wait for a pause)."""
        now = time.monotonic()
        if delay is None:
            delay = DEBOUNCE if now - self._edited.get(snap.uri, -DEBOUNCE) < DEBOUNCE else QUICK
            self._edited[snap.uri] = now
        self.cancel(snap.uri)
        self._pending[snap.uri] = asyncio.get_running_loop().create_task(self._later(snap, delay))

    def cancel(self, uri: str) -> None:
        task = self._pending.pop(uri, None)
        if task is not None:
            task.cancel()

    def clear(self, uri: str) -> None:
        """The document was closed: forget pending work and clear what the client shows."""
        self.cancel(uri)
        self._edited.pop(uri, None)
        self._worker.submit(self._converted.pop, uri, None)  # in the thread that owns it
        self._publish({"uri": uri, "diagnostics": []})

    async def _later(self, snap: Snapshot, delay: float) -> None:
        try:
            await asyncio.sleep(delay)
            if not self._current(snap):
                return  # closed or superseded by a newer edit
            items = await self._worker.run(self._if_current, snap, self._encoding(), self._overrides())
            if items is None:
                return
        except asyncio.CancelledError:
            return
        except Exception:
            self._log(f"wat-lsp: analysing {snap.uri} failed:\n{traceback.format_exc()}")
            return
        finally:
            if self._pending.get(snap.uri) is asyncio.current_task():
                del self._pending[snap.uri]
        # No await since this check: the document cannot change before the publish.
        if self._current(snap):
            self._publish({"uri": snap.uri, "version": snap.version, "diagnostics": items})
