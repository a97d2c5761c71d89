"""Where a one-character edit's time goes in the real server: CPU per thread and page faults.

    python bench/bench_edit_cpu.py [--size 60MB | --functions 10000] [--edits 30] [--insert] [--spy FILE]

Opens a generated module over stdio (``--size``: ``genwat.py --small``, many small GC
functions; ``--functions``: the 13 MB module of ``bench_server.py``), waits for its
diagnostics, then makes ``--edits`` one-character edits (a digit of an ``i32.const`` replaced
by another, or with ``--insert`` a ``1`` typed before it; 0.2 s apart), each awaited to its version's ``publishDiagnostics``. Prints, median
and p95: edit to diagnostics (wall), the server's CPU time (all threads, from
``/proc/PID/task/*/schedstat``: meaningful on a busy machine, where wall time is not), its
minor page faults; the median CPU of each thread (the event loop applies the edit, the
analysis thread computes and converts the diagnostics); and the load average. ``--spy FILE``
records the server with ``py-spy`` meanwhile (raw stacks; py-spy on PATH or in
``PY_SPY``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
for p in (str(HERE), str(HERE.parent)):
    if p not in sys.path:
        sys.path.insert(0, p)

import genwat  # noqa: E402
from bench_parse import CACHE, generator_digest  # noqa: E402

from tests.lsp_session import Session  # noqa: E402

URI = "file:///bench/edit.wat"


def module(size: str | None, functions: int | None) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    name = f"gen-{size}-small" if size else f"gen-f{functions}"
    path = CACHE / f"{name}-s0-{generator_digest()}.wat"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="ascii", newline="\n") as f:
            if size:
                genwat.generate(f, size=genwat.parse_size(size), small=True)
            else:
                genwat.generate(f, functions=functions)
        tmp.replace(path)
    return path


def thread_cpu(pid: int) -> dict[str, int]:
    """Nanoseconds of CPU per thread id."""
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError, ValueError, IndexError):  # a thread that just ended
            out[task.name] = int((task / "schedstat").read_text().split()[0])
    return out


def minor_faults(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[7])


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[max(0, int(len(xs) * 0.95) - 1)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--size", default=None, help="genwat --small module of this size (default 60MB)")
    ap.add_argument("--functions", type=int, default=None, help="genwat module of this many functions")
    ap.add_argument("--edits", type=int, default=30)
    ap.add_argument("--insert", action="store_true", help="insert a digit (the text grows) instead")
    ap.add_argument("--spy", default="", help="record the server with py-spy into this file")
    args = ap.parse_args()
    size = args.size or (None if args.functions else "60MB")
    path = module(size, args.functions)
    text = path.read_text()
    print(f"{path.name}: {len(text) / (1 << 20):.1f} MB, {text.count('(func ')} functions")
    s = Session()
    try:
        t0 = s.open(URI, text)
        at, items = s.diagnostics(URI)
        print(f"open -> diagnostics: {at - t0:.1f} s ({len(items)} shown); load {os.getloadavg()[0]:.1f}")
        lines = text.split("\n")
        digits = [
            (n, line.index("i32.const ") + 10)
            for n, line in enumerate(lines)
            if "i32.const " in line and line[line.index("i32.const ") + 10 :][:1].isdigit()
        ]
        spy = None
        if args.spy:
            command = [os.environ.get("PY_SPY", "py-spy"), "record", "-p", str(s.proc.pid), "-r", "500"]
            command += ["--threads", "--nonblocking", "-f", "raw", "-o", args.spy]
            spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(2)
        rng = random.Random(0)
        walls: list[float] = []
        cpus: list[float] = []
        faults: list[float] = []
        threads: dict[str, list[float]] = {}
        for _ in range(args.edits):
            n, c = rng.choice(digits)
            time.sleep(0.2)
            before, faulted = thread_cpu(s.proc.pid), minor_faults(s.proc.pid)
            if args.insert:  # `i32.const 5` -> `i32.const 15`: a byte more after it
                sent = s.change(URI, (n, c), (n, c), "1")
                lines[n] = lines[n][:c] + "1" + lines[n][c:]
            else:
                new = str((int(lines[n][c]) + 1) % 10)
                sent = s.change(URI, (n, c), (n, c + 1), new)
                lines[n] = lines[n][:c] + new + lines[n][c + 1 :]
            at, _ = s.diagnostics(URI)
            time.sleep(0.05)  # (what the push leaves to do: freeing the last version)
            after = thread_cpu(s.proc.pid)
            walls.append((at - sent) * 1000)
            cpus.append((sum(after.values()) - sum(before.values())) / 1e6)
            faults.append(minor_faults(s.proc.pid) - faulted)
            for t, ns in after.items():
                threads.setdefault(t, []).append((ns - before.get(t, 0)) / 1e6)
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait()
        print(
            f"one-character edit -> diagnostics ({args.edits}): wall median {statistics.median(walls):.1f} ms, "
            f"p95 {p95(walls):.1f}; server CPU median {statistics.median(cpus):.1f} ms, p95 {p95(cpus):.1f}; "
            f"minor page faults median {statistics.median(faults):.0f}; load {os.getloadavg()[0]:.1f}"
        )
        for t, ms in sorted(threads.items()):
            if statistics.median(ms) >= 0.5:
                print(f"  thread {t}: CPU median {statistics.median(ms):.1f} ms")
    finally:
        s.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
