"""Diagnostics for open documents: pushed after a quiet moment, or pulled by the client.

A push after a lone edit starts at once (after `QUICK`); during a burst of edits it waits
for `DEBOUNCE` seconds without one; a newer edit supersedes a pending push. The analysis
runs in the worker's first lane (`Worker`, `Lane`: before any request, so the newest
version's diagnostics come first) so that edits keep arriving meanwhile, and the version is
checked again before publishing, so a stale result never reaches the client.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import json
import os
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

from lsprotocol import types
from wat_lsp.analysis import cancel
from wat_lsp.analysis.cancel import Token
from wat_lsp.analysis.diagnostics import Diagnostic, Severity, with_severities
from wat_lsp.analysis.positions import Encoding
from wat_lsp.server.config import MAX_DIAGNOSTICS
from wat_lsp.server.documents import Snapshot

from wat_lsp.output import lsp_diagnostic

DEBOUNCE = 0.1  # seconds
# Even a lone edit waits this long, so that edits already read in the same batch supersede it.
QUICK = 0.005
T = TypeVar("T")
Overrides = Mapping[str, Severity | None]


class Lane(enum.IntEnum):
    """Where a job waits. Diagnostics come before everything else (and only the newest
    version's are computed, see `Publisher`); interactive requests (hover, completion, the
    ones about a position or a range) never wait behind whole-document work, which has its
    own thread and steps aside at each of its cancellation checks while the other lanes have
    work (the threads share one interpreter lock). Background work (a big document's whole
    semantic tokens after their start was answered) runs in the whole-document thread when
    its lane is empty, and gives way when a request comes (`Worker.whole_waiting`)."""

    DIAGNOSTICS = 0
    INTERACTIVE = 1
    WHOLE = 2
    BACKGROUND = 3


# The longest whole-document work waits at one check for the other lanes: a bound, in case
# it holds something an urgent job needs (checks are placed where it should hold nothing).
PAUSE = 0.5  # seconds
# How long a thread that holds the interpreter lock keeps it while another waits. Reading one
# message hands the lock between the event loop and pygls' reading thread a few times; behind
# a worker thread busy with whole-document work each handover waited Python's default 5 ms,
# so a hover read behind a few dozen messages waited seconds.
SWITCH_INTERVAL = 0.0005  # seconds


class Worker:
    """Jobs in lanes, run by two daemon threads: `wat-lsp-analysis` takes the diagnostics
    lane first, then the interactive one; `wat-lsp-whole` the whole-document lane. Each lane
    is first in, first out. (A ThreadPoolExecutor's threads are joined at exit, which would
    keep a server told to `exit` alive until a long analysis ends.) State that jobs of the
    first two lanes keep (the last push, completion's) has only the analysis thread.

    An interactive job that can be answered without the analysis under way (its `early`
    says so) does not wait for it: the analysis thread runs it at the analysis'
    `cancel.interlude()` points, between two functions ([decision 48](../../docs/decisions/0048-answer-before-the-analysis.md))."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._lanes: dict[Lane, deque[_Job]] = {lane: deque() for lane in Lane}
        self._urgent = 0  # jobs queued or running in the lanes before WHOLE
        self._early = 0  # interactive jobs queued with an `early` test
        self.early_runs = 0  # jobs run at interludes (tests)
        self._early_submitted = 0
        # Tests over stdio: the first interlude waits (10 s at most) until this many early
        # jobs were queued, so that they are answered during the analysis whatever the timing.
        self._hold = int(os.environ.get("WAT_LSP_TEST_EARLY_JOBS", "0") or 0)
        sys.setswitchinterval(SWITCH_INTERVAL)
        for name, lanes in (
            ("wat-lsp-analysis", (Lane.DIAGNOSTICS, Lane.INTERACTIVE)),
            ("wat-lsp-whole", (Lane.WHOLE, Lane.BACKGROUND)),
        ):
            threading.Thread(target=self._run, args=(lanes,), name=name, daemon=True).start()

    def submit(
        self,
        fn: Callable[..., T],
        *args: Any,
        lane: Lane = Lane.INTERACTIVE,
        early: Callable[[], bool] | None = None,
    ) -> Future[T]:
        """Queue `fn(*args)`; `early` (interactive jobs): whether it may run now, at an
        interlude of the analysis under way (it must then need none of it)."""
        future: Future[T] = Future()
        with self._cond:
            self._lanes[lane].append(_Job(future, fn, args, early if lane == Lane.INTERACTIVE else None))
            if lane < Lane.WHOLE:
                self._urgent += 1
            if early is not None and lane == Lane.INTERACTIVE:
                self._early += 1
                self._early_submitted += 1
            self._cond.notify_all()
        return future

    async def run(
        self,
        fn: Callable[..., T],
        *args: Any,
        lane: Lane = Lane.INTERACTIVE,
        token: Token | None = None,
        early: Callable[[], bool] | None = None,
    ) -> T:
        """`fn(*args)` in the worker, awaited from the event loop. When the awaiting task is
        cancelled (`$/cancelRequest`), a job not yet started never starts, and `token` is
        cancelled for one under way (it gives up at its next check)."""
        future = self.submit(fn, *args, lane=lane, early=early)
        try:
            return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            future.cancel()
            if token is not None:
                token.cancel()
            raise

    def whole_waiting(self) -> bool:
        """Whether whole-document requests are queued (background work gives way to them)."""
        return bool(self._lanes[Lane.WHOLE])

    def pause(self) -> None:
        """Whole-document work waits here, at its cancellation checks, while diagnostics or
        interactive jobs are queued or running (at most `PAUSE`)."""
        if self._urgent:
            with self._cond:
                self._cond.wait_for(lambda: not self._urgent, timeout=PAUSE)

    def _next(self, lanes: tuple[Lane, ...]) -> tuple[Lane, _Job]:
        with self._cond:
            while True:
                for lane in lanes:
                    if self._lanes[lane]:
                        job = self._lanes[lane].popleft()
                        if job.early is not None:
                            self._early -= 1
                        return lane, job
                self._cond.wait()

    def _run(self, lanes: tuple[Lane, ...]) -> None:
        interludes = Lane.INTERACTIVE in lanes
        while True:
            lane, job = self._next(lanes)
            if interludes:
                with cancel.interludes(self._interlude):
                    self._do(lane, job)
            else:
                self._do(lane, job)
            # Not kept while waiting for the next job: the last job's snapshot (and result)
            # would stay alive, a closed document's whole analysis with it.
            del job

    def _do(self, lane: Lane, job: _Job) -> None:
        try:
            if job.future.set_running_or_notify_cancel():
                try:
                    job.future.set_result(job.fn(*job.args))
                except BaseException as e:
                    job.future.set_exception(e)
        finally:
            if lane < Lane.WHOLE:
                with self._cond:
                    self._urgent -= 1
                    if not self._urgent:
                        self._cond.notify_all()

    def _interlude(self) -> None:
        """At an interlude of a job of the analysis thread: the interactive jobs queued that
        can run without what it is computing, in their order (the others keep theirs)."""
        if self._hold:
            with self._cond:
                self._cond.wait_for(lambda: self._early_submitted >= self._hold, timeout=10)
            self._hold = 0
        if not self._early:
            return
        with self._cond:
            queue = self._lanes[Lane.INTERACTIVE]
            jobs = [j for j in queue if j.early is not None]
            for j in jobs:
                queue.remove(j)
            self._early -= len(jobs)
        later: list[_Job] = []
        for j in jobs:
            assert j.early is not None
            if j.future.cancelled() or _may(j.early):
                self.early_runs += 1
                self._do(Lane.INTERACTIVE, j)
            else:
                later.append(j)
        if later:  # back where they were, before anything queued since
            with self._cond:
                queue.extendleft(reversed(later))
                self._early += len(later)


def _may(early: Callable[[], bool]) -> bool:
    try:
        return early()
    except Exception:  # (a bug in the test must not break the analysis it interrupts)
        return False


@dataclass(slots=True, eq=False)
class _Job:
    future: Future[Any]
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    early: Callable[[], bool] | None  # whether it may run at an interlude (see `Worker`)


@dataclass(slots=True)
class _Converted:
    """A document's last push: each diagnostic's JSON text, by the diagnostic (its `id`, kept
    alive here) and, made when first needed, by what determines the text."""

    serial: int
    encoding: Encoding
    overrides: dict[str, Severity | None]
    shown: dict[int, tuple[Diagnostic, str]]  # id -> (diagnostic, JSON text)
    _items: dict[tuple[int, tuple[object, ...]], str] | None = None

    @property
    def items(self) -> dict[tuple[int, tuple[object, ...]], str]:
        """(start, `_identity`) -> JSON text: for the diagnostics an edit made again, equal
        to one pushed (moved by an edit before it)."""
        if self._items is None:
            self._items = {(d.span.start, _identity(d)): text for d, text in self.shown.values()}
        return self._items


def _identity(d: Diagnostic) -> tuple[object, ...]:
    """What a diagnostic's JSON follows from, apart from where it starts: plain ints and
    strings only (hashing the enums and span dataclasses themselves runs Python code, and
    took longer than converting), spans relative to the start."""
    at = d.span.start
    related = tuple((r.span.start - at, r.span.end - at, r.message) for r in d.related) if d.related else ()
    tags = tuple(map(int, d.tags)) if d.tags else ()
    return d.span.end - at, int(d.severity), d.code, d.message, tags, related, repr(d.data) if d.data else ""


def _bounds(d: Diagnostic) -> tuple[int, int]:
    if not d.related:
        return d.span.start, d.span.end
    return min(d.span.start, *(r.span.start for r in d.related)), max(
        d.span.end, *(r.span.end for r in d.related)
    )


def pushed_diagnostics(
    snap: Snapshot,
    encoding: Encoding,
    overrides: Overrides,
    last: _Converted | None = None,
    limit: int = MAX_DIAGNOSTICS,
) -> tuple[list[str], _Converted]:
    """What the client is shown, the analysis' diagnostics at the configured severities, as
    JSON texts in `wat-lsp --check --format json`'s shape: a big document has
    thousands of diagnostics, and building lsprotocol objects for them and serialising those
    took longer than analysing an edit.

    What the `last` push sent for a diagnostic is sent again when nothing it depends on can
    have changed: it lies before every edit made since (its line and column depend only on
    the text before it), or, after a single edit that added or removed no line break, on a
    line that starts after the edit's end (same line, same column, offsets shifted). Strictly
    after: a deletion at a line's start ends where that line starts, and moves its columns.

    At most `limit` diagnostics are sent (0: all), errors before warnings before the rest
    (then in text order), and one more saying how many were left out (`capped`)."""
    before: _Converted | None = None
    prefix, after, shift = -1, -1, 0
    if last is not None and last.encoding == encoding and last.overrides == overrides:
        edits = snap.edits.between(last.serial, snap.serial)
        if edits is not None:
            before = last
            prefix = min((e.start for e in edits), default=1 << 62)
            if len(edits) == 1 and edits[0].lines == 0:
                after, shift = edits[0].new_end, edits[0].new_end - edits[0].old_end
    index = snap.index
    out: list[str] = []
    converted: dict[int, tuple[Diagnostic, str]] = {}
    diagnostics = snap.diagnostics()
    shown, left_out = shown_diagnostics(diagnostics, overrides, limit, snap.tally(diagnostics))
    for d in shown:
        text = None
        if before is not None:
            lo, hi = _bounds(d)
            moved: int | None = None  # how far its text moved (None: it may have changed)
            if hi <= prefix:
                moved = 0
            elif 0 <= after <= lo and index.line_start(index.line_of(lo)) > after:
                moved = shift
            if moved is not None:
                # The same diagnostic (an edit elsewhere leaves it as it was) is the same
                # text: no `_identity` for it (its `repr(data)` and hashing were most of a
                # push's time on 13 MB).
                pushed = before.shown.get(id(d)) if moved == 0 else None
                if pushed is not None and pushed[0] is d:
                    text = pushed[1]
                else:
                    text = before.items.get((d.span.start - moved, _identity(d)))
        if text is None:
            text = json.dumps(lsp_diagnostic(d, index, snap.uri, encoding))
        converted[id(d)] = (d, text)
        out.append(text)
    if left_out:
        out.append(_more(left_out, limit, snap, encoding))
    return out, _Converted(snap.serial, encoding, dict(overrides), converted)


def shown_diagnostics(
    diagnostics: Sequence[Diagnostic],
    overrides: Overrides,
    limit: int,
    tally: Mapping[tuple[str, Severity], int],
) -> tuple[list[Diagnostic], int]:
    """`capped(with_severities(diagnostics, overrides), limit)` and how many that left out,
    given how many diagnostics have each (code, severity) (`tally`): the list is read only up
    to the last one shown. (A big module's diagnostics lie all over the heap; reading each of
    110,000 cost 20 to 70 ms a pass on glibc's allocator.)"""
    counts: dict[Severity, int] = {}
    for (code, severity), n in tally.items():
        level = overrides.get(code, severity) if code in overrides else severity
        if level is not None and n > 0:
            counts[level] = counts.get(level, 0) + n
    total = sum(counts.values())
    if limit <= 0 or total <= limit:
        return with_severities(diagnostics, overrides), 0
    # Every diagnostic more severe than `last` is shown, and the first `room` at `last`.
    before = 0
    for last in sorted(counts):
        if before + counts[last] >= limit:
            break
        before += counts[last]
    room = limit - before
    out: list[Diagnostic] = []
    for d in diagnostics:
        level = d.severity
        if overrides and d.code in overrides:
            new = overrides[d.code]
            if new is None:
                continue
            if new != level:
                level, d = new, dataclasses.replace(d, severity=new)
        if level < last:
            before -= 1
        elif level == last and room:
            room -= 1
        else:
            continue
        out.append(d)
        if not before and not room:
            return out, total - limit
    everything = with_severities(diagnostics, overrides)  # (the tally was wrong: never so far)
    return capped(everything, limit), len(everything) - limit


def capped(diagnostics: Sequence[Diagnostic], limit: int) -> list[Diagnostic]:
    """The `limit` most severe diagnostics (the first in the text among equals), in their order."""
    by_severity: dict[
        int, list[int]
    ] = {}  # (a sort by severity with a key per diagnostic: 0.05 s per 100,000)
    for i, d in enumerate(diagnostics):
        at = by_severity.get(d.severity)
        if at is None:
            at = by_severity[d.severity] = []
        at.append(i)
    keep: list[int] = []
    for severity in sorted(by_severity):
        keep.extend(by_severity[severity][: limit - len(keep)])
    keep.sort()
    return [diagnostics[i] for i in keep]


def _more(count: int, limit: int, snap: Snapshot, encoding: Encoding) -> str:
    """The last diagnostic of a capped list: how many more there are, at the document's end
    (where it does not hide a real one)."""
    end = snap.index.position(len(snap.data), encoding)
    position = {"line": end[0], "character": end[1]}
    return json.dumps(
        {
            "range": {"start": position, "end": position},
            "severity": int(Severity.INFORMATION),
            "source": "wat-lsp",
            "code": "more-diagnostics",
            "message": f"{count} more diagnostics not shown (`maxDiagnostics`: {limit})",
        }
    )


def publish_params(uri: str, version: int | None, items: list[str]) -> str:
    """`PublishDiagnosticsParams` as JSON text, from the diagnostics' JSON texts."""
    head = json.dumps({"uri": uri, "version": version} if version is not None else {"uri": uri})
    return f'{head[:-1]}, "diagnostics": [{", ".join(items)}]}}'


@dataclass(frozen=True, slots=True)
class RawResult:
    """A request's result already serialised as JSON text (`protocol.WatProtocol` sends it as is)."""

    text: str


class Publisher:
    """Debounced `textDocument/publishDiagnostics`, one pending task per document."""

    def __init__(
        self,
        lookup: Callable[[str], Snapshot | None],
        publish: Callable[[str], None],  # sends publishDiagnostics with these params (JSON text)
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
        self.limit = MAX_DIAGNOSTICS  # diagnostics shown per document at most (0: all)

    def _current(self, snap: Snapshot) -> bool:
        """Whether `snap` is still the document's latest snapshot (by identity: a client may
        send a version twice)."""
        return self._lookup(snap.uri) is snap

    async def pull(self, snap: Snapshot, previous: str | None) -> types.DocumentDiagnosticReport | RawResult:
        """A pull's report: of the document's newest snapshot when the worker gets to the job
        (the client's text is that new too), so queued pulls never analyse old versions;
        "unchanged" when the client already has that snapshot's result. A full report is
        JSON text, made as a push's is (and sharing its reuse of the last result)."""
        encoding, overrides, settings, limit = (
            self._encoding(),
            self._overrides(),
            self.settings_serial,
            self.limit,
        )

        def report() -> types.DocumentDiagnosticReport | RawResult:
            latest = self._lookup(snap.uri) or snap
            result_id = f"{latest.serial}.{settings}"
            if previous == result_id:
                return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
            items, self._converted[latest.uri] = pushed_diagnostics(
                latest, encoding, overrides, self._converted.get(latest.uri), limit
            )
            return RawResult(
                f'{{"kind": "full", "resultId": {json.dumps(result_id)}, "items": [{", ".join(items)}]}}'
            )

        return await self._worker.run(report, lane=Lane.DIAGNOSTICS)

    def _if_current(self, snap: Snapshot, encoding: Encoding, overrides: Overrides) -> list[str] | None:
        """In the worker: skip a snapshot that newer edits superseded while the job waited."""
        if not self._current(snap):
            return None
        items, self._converted[snap.uri] = pushed_diagnostics(
            snap, encoding, overrides, self._converted.get(snap.uri), self.limit
        )
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

    def pending(self, uri: str) -> bool:
        """Whether a push for the document is scheduled or under way (read from any thread)."""
        return uri in self._pending

    def cancel(self, uri: str) -> None:
        task = self._pending.pop(uri, None)
        if task is not None:
            task.cancel()

    def clear(self, uri: str) -> None:
        """The document was closed: forget pending work and clear what the client shows."""
        self.cancel(uri)
        self._edited.pop(uri, None)
        self._worker.submit(
            self._converted.pop, uri, None, lane=Lane.DIAGNOSTICS
        )  # in the thread that owns it
        self._publish(publish_params(uri, None, []))

    async def _later(self, snap: Snapshot, delay: float) -> None:
        try:
            await asyncio.sleep(delay)
            if not self._current(snap):
                return  # closed or superseded by a newer edit
            items = await self._worker.run(
                self._if_current, snap, self._encoding(), self._overrides(), lane=Lane.DIAGNOSTICS
            )
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
            self._publish(publish_params(snap.uri, snap.version, items))
