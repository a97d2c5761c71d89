"""`check` over many files: each file's report rendered where it was checked, files in parallel.

A file's whole report (its lines of text or its JSON/SARIF records, and its counts) is made
by `check_one` in the process that analysed it, so the parent only prints, in the order the
files were given: `-j N` prints exactly what `-j 1` prints. Nothing here holds a `Diagnostic`
across processes; reports are plain strings and dicts.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext
from typing import Any, TypeVar

from wat_lsp import sarif
from wat_lsp.analysis.diagnostics import CODES, Severity, with_severities
from wat_lsp.analysis.document import analyse, is_binary
from wat_lsp.analysis.positions import LineIndex
from wat_lsp.analysis.streaming import LATE_CODES, check_diagnostics
from wat_lsp.output import file_uri, github_annotation, lsp_diagnostic, text_diagnostic

STDIN = "-"  # as a PATH: standard input, shown as `<stdin>`
OUTPUT_FORMATS = ("text", "json", "sarif", "github")


class InputError(Exception):
    """A file that cannot be checked at all (unreadable, binary): exit status 2."""


EXTENSIONS = (".wat", ".wast")


def iter_paths(paths: Sequence[str]) -> Iterator[str]:
    """Files as given, and `.wat`/`.wast` files below directories, in a stable order."""
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    if name.endswith(EXTENSIONS):
                        yield os.path.join(root, name)
        else:
            yield path


def display_name(path: str) -> str:
    return "<stdin>" if path == STDIN else path


def uri_of(path: str) -> str:
    return "untitled:stdin" if path == STDIN else file_uri(path)


def read_input(path: str) -> bytes:
    try:
        if path == STDIN:
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as f:
                data = f.read()
    except OSError as e:
        raise InputError(f"{display_name(path)}: cannot read: {e.strerror or e}") from e
    return refuse_binary(path, data)


def refuse_binary(path: str, data: bytes) -> bytes:
    if is_binary(data):
        raise InputError(
            f"{display_name(path)}: binary module; expected text (use `wasm-tools print` to get WAT)"
        )
    return data


@dataclass(frozen=True, slots=True)
class CheckOptions:
    output_format: str = "text"
    min_severity: Severity = Severity.WARNING
    # code -> severity, None: off (`--severity`)
    overrides: Mapping[str, Severity | None] = field(default_factory=dict)


@dataclass(slots=True)
class FileReport:
    path: str
    error: str | None = None  # why the file could not be checked (exit status 2)
    has_errors: bool = False  # after --severity, shown or not
    counts: dict[Severity, int] = field(default_factory=dict)  # shown diagnostics by severity
    lines: list[str] = field(default_factory=list)  # text and github formats
    records: list[dict[str, Any]] = field(default_factory=list)  # json entry, or SARIF results


def late_shown(options: CheckOptions) -> bool:
    """Whether a diagnostic of `LATE_CODES` (liveness, lints: warnings and hints by default)
    can be shown or be an error under `options`: if not, `check` need not make them
    (`--min-severity error`, as CI runs it: a fifth of the time)."""
    for code in LATE_CODES:
        sev = options.overrides[code] if code in options.overrides else CODES[code][0]
        if sev is not None and (sev <= options.min_severity or sev == Severity.ERROR):
            return True
    return False


def check_one(task: tuple[str, bytes | None], options: CheckOptions) -> FileReport:
    """Check one file (`data` given for standard input) and render its report."""
    path, data = task
    report = FileReport(path)
    try:
        data = read_input(path) if data is None else refuse_binary(path, data)
    except InputError as e:
        report.error = str(e)
        return report
    # `analyse`'s diagnostics; a plain module is read a function at a time (decision 50)
    # unless WAT_LSP_CHECK=whole asks for the whole-document path (to compare them)
    if os.environ.get("WAT_LSP_CHECK") == "whole":
        diags = analyse(data).diagnostics
    else:
        diags = check_diagnostics(data, late=late_shown(options))
    if options.overrides:
        diags = with_severities(diags, options.overrides)
    report.has_errors = any(d.severity == Severity.ERROR for d in diags)
    shown = [d for d in diags if d.severity <= options.min_severity]
    for d in shown:
        report.counts[d.severity] = report.counts.get(d.severity, 0) + 1
    if not shown and options.output_format in ("text", "github"):
        return report  # (no position to compute: the line index of 65 MB costs a second)
    index = LineIndex(data)
    fmt, name = options.output_format, display_name(path)
    if fmt == "text":
        report.lines = [text_diagnostic(d, index, name) for d in shown]
    elif fmt == "github":
        report.lines = [github_annotation(d, index, name) for d in shown]
    elif fmt == "json":
        uri = uri_of(path)
        report.records = [{"uri": uri, "diagnostics": [lsp_diagnostic(d, index, uri) for d in shown]}]
    else:
        uri = uri_of(path)
        report.records = [sarif.result(d, index, uri) for d in shown]
    return report


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _context() -> BaseContext:
    """Forked workers start at once with everything imported; but forking a process that runs
    other threads (a test runner's, an embedding program's) can copy a lock some thread holds,
    so such a process spawns fresh interpreters instead."""
    fork = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    return multiprocessing.get_context("fork" if fork else "spawn")


T = TypeVar("T")
R = TypeVar("R")


class OrderedMap:
    """`fn` over `items` in `jobs` processes, results in the order of `items` as they come.

    A context manager: leaving it early (a closed pipe, Ctrl-C) cancels the files not yet
    started and waits only for those running, so no worker outlives the command.
    """

    def __init__(self, fn: Callable[[T], R], items: Sequence[T], jobs: int) -> None:
        self._fn: Callable[[Any], Any] = fn
        self._items = items
        n = min(jobs, len(items))
        self._pool = ProcessPoolExecutor(n, mp_context=_context()) if n > 1 else None

    def __enter__(self) -> Iterator[Any]:
        if self._pool is None:
            return map(self._fn, self._items)
        return self._ordered(self._pool)

    def _ordered(self, pool: ProcessPoolExecutor) -> Iterator[Any]:
        futures: list[Future[Any]] = [pool.submit(self._fn, item) for item in self._items]
        for f in futures:
            yield f.result()

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


_COUNTED = ((Severity.ERROR, "error"), (Severity.WARNING, "warning"),
            (Severity.INFORMATION, "info"), (Severity.HINT, "hint"))  # fmt: skip


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def summary(reports: Iterable[FileReport]) -> str:
    """The closing line of text output: what was shown, in how many of the files checked, and
    how many files could not be checked (their errors are on stderr)."""
    checked = with_diags = failed = 0
    totals: dict[Severity, int] = {}
    for r in reports:
        if r.error is not None:
            failed += 1
            continue
        checked += 1
        if r.counts:
            with_diags += 1
        for sev, n in r.counts.items():
            totals[sev] = totals.get(sev, 0) + n
    parts = []
    if totals:
        words = [_count(totals[sev], word) for sev, word in _COUNTED if sev in totals]
        listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
        where = (
            _count(checked, "file") if with_diags == checked else f"{with_diags} of {_count(checked, 'file')}"
        )
        parts.append(f"Found {listed} in {where}.")
    elif checked:
        parts.append(f"All checks passed ({_count(checked, 'file')}).")
    if failed:
        parts.append(f"{_count(failed, 'file')} could not be checked.")
    return " ".join(parts)
