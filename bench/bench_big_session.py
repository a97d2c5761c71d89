"""A day's abuse of the real server over stdio: a big module of many small functions, broken
parentheses, documents opened and closed again and again, parentheses typed anywhere.

    python bench/bench_big_session.py [--size 60MB] [--edits 30] [--cycles 20] [--cycle-size 5MB]
                                      [--typing-size 10MB] [--only big|cycles|typing] [--no-whole]
                                      [--no-tokens]

Three servers, one after the other (the 60 MB one needs a few GB; nothing else runs beside it):

- ``big``: ``genwat.py --size SIZE --small`` (many small GC functions). ``didOpen`` to the
  first diagnostics and the RSS after it; ``--edits`` one-character edits (a digit of an
  ``i32.const``, 0.2 s apart), each to its version's diagnostics: median and p95; deleting the
  ``(`` of a function field near the top, the middle and the end, then restoring it: time to
  the diagnostics of each version, their number, and the server's peak RSS during each (VmHWM,
  reset through ``/proc/PID/clear_refs``); ``documentSymbol`` and full semantic tokens. After
  the server stops, the last diagnostics (of the restored text) are compared with
  ``wat-lsp --check --format json`` on the same text, capped as the server caps them.
- ``cycles``: a ``--cycle-size`` module opened and closed ``--cycles`` times with the same URI:
  the server's RSS before the first open and after each close.
- ``typing``: on a ``--typing-size`` module, ``(`` and then ``()`` typed at 20 random places
  inside functions (each undone before the next): time from each keystroke to its diagnostics,
  the maximum.

Deterministic inputs (cached in ``bench/.cache``); one run, figures printed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
for p in (str(HERE), str(HERE.parent)):
    if p not in sys.path:
        sys.path.insert(0, p)

import genwat  # noqa: E402
from bench_parse import CACHE, generator_digest  # noqa: E402

from tests.lsp_session import Session, settled_rss  # noqa: E402

MB = 1 << 20
URI = "file:///bench/big.wat"
LIMIT = 1000  # the server's default `maxDiagnostics`


def ensure(size: str, small: bool) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"gen-{size}{'-small' if small else ''}-s0-{generator_digest()}.wat"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="ascii", newline="\n") as f:
            genwat.generate(f, size=genwat.parse_size(size), small=small)
        tmp.replace(path)
    return path


def _ms(s: float) -> str:
    return f"{s * 1000:.0f} ms"


def _peak(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def _cpu(pid: int) -> float:
    """Seconds of CPU the process's threads have run (schedstat: the machine is shared, so
    wall-clock times carry other sessions' load; this does not)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError, ValueError, IndexError):  # a thread that just ended
            total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9


def _reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset)
    return line, offset - (text.rfind("\n", 0, offset) + 1)


def _capped(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the server shows of `--check`'s diagnostics (server/diagnostics.capped)."""
    if len(items) <= LIMIT:
        return items
    keep = sorted(range(len(items)), key=lambda i: (items[i]["severity"], i))[:LIMIT]
    return [items[i] for i in sorted(keep)]


def big(size: str, edits: int, whole: bool = True, tokens_too: bool = True) -> None:
    path = ensure(size, small=True)
    text = path.read_text()
    print(f"{path.name}: {len(text) / MB:.1f} MB, {text.count('(func ')} functions")
    s = Session()
    try:
        before = s.rss()
        t0 = s.open(URI, text)
        at, items = s.diagnostics(URI)
        opened = s.rss()
        print(
            f"open -> diagnostics: {at - t0:.1f} s, {len(items)} shown; RSS {before / MB:.0f} -> {opened / MB:.0f} MB"
        )

        lines = text.split("\n")
        digits = [
            (n, line.index("i32.const ") + 10)
            for n, line in enumerate(lines)
            if "i32.const " in line and line[line.index("i32.const ") + 10 :][:1].isdigit()
        ]
        rng = random.Random(0)
        times, cpus = [], []
        for k in range(edits):
            n, c = rng.choice(digits)
            time.sleep(0.2)
            cpu = _cpu(s.proc.pid)
            sent = s.change(URI, (n, c), (n, c + 1), str(k % 10))
            lines[n] = lines[n][:c] + str(k % 10) + lines[n][c + 1 :]
            at, _ = s.diagnostics(URI)
            times.append(at - sent)
            cpus.append(_cpu(s.proc.pid) - cpu)
        times.sort()
        cpus.sort()
        print(
            f"one-character edit -> diagnostics: median {_ms(statistics.median(times))}, "
            f"p95 {_ms(times[int(len(times) * 0.95) - 1 if len(times) >= 20 else -1])} ({edits} edits); "
            f"server CPU median {_ms(statistics.median(cpus))}, p95 {_ms(cpus[int(len(cpus) * 0.95) - 1])}"
        )
        text = "\n".join(lines)

        for where in (0.02, 0.5, 0.98):
            offset = text.index("\n  (func ", int(len(text) * where)) + 3
            pos = _position(text, offset)
            _reset_peak(s.proc.pid)
            cpu = _cpu(s.proc.pid)
            sent = s.change(URI, pos, (pos[0], pos[1] + 1), "")
            at, broken = s.diagnostics(URI)
            cpu_broken = _cpu(s.proc.pid) - cpu
            peak_broken = _peak(s.proc.pid)
            _reset_peak(s.proc.pid)
            cpu = _cpu(s.proc.pid)
            sent2 = s.change(URI, pos, pos, "(")
            at2, restored = s.diagnostics(URI)
            cpu_restored = _cpu(s.proc.pid) - cpu
            peak_restored = _peak(s.proc.pid)
            print(
                f"`(` of the function at {where:.0%} (line {pos[0] + 1}): deleted {at - sent:.2f} s "
                f"(CPU {cpu_broken:.2f} s), {len(broken)} diagnostics, peak RSS {peak_broken / MB:.0f} MB; "
                f"restored {at2 - sent2:.2f} s (CPU {cpu_restored:.2f} s), "
                f"{len(restored)} diagnostics, peak RSS {peak_restored / MB:.0f} MB "
                f"({max(peak_broken, peak_restored) / opened:.2f}x RSS after open)"
            )
        last = restored
        if not whole:
            return
        cpu = _cpu(s.proc.pid)
        took, symbols = s.request("textDocument/documentSymbol", {"textDocument": {"uri": URI}})
        print(
            f"documentSymbol: {took:.2f} s, server CPU {_cpu(s.proc.pid) - cpu:.2f} s ({len(symbols)} symbols)"
        )
        cpu = _cpu(s.proc.pid)
        took, _ = s.request("textDocument/documentSymbol", {"textDocument": {"uri": URI}})
        print(f"documentSymbol again: {took:.2f} s, server CPU {_cpu(s.proc.pid) - cpu:.2f} s")
        n, c = rng.choice(digits)
        s.change(URI, (n, c), (n, c + 1), "7")
        lines[n] = lines[n][:c] + "7" + lines[n][c + 1 :]
        text = "\n".join(lines)
        last = s.diagnostics(URI)[1]
        took, _ = s.request("textDocument/documentSymbol", {"textDocument": {"uri": URI}})
        print(f"documentSymbol after an edit: {took:.2f} s")
        if tokens_too:
            took, tokens = s.request("textDocument/semanticTokens/full", {"textDocument": {"uri": URI}})
            print(f"semanticTokens/full: {took:.2f} s ({len(tokens['data']) // 5} tokens)")
    finally:
        s.stop()
    if not whole:
        return
    with tempfile.NamedTemporaryFile("w", suffix=".wat", delete=False) as f:
        f.write(text)
    try:
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "wat_lsp", "--check", "--format", "json", f.name],
            capture_output=True,
            text=True,
            check=False,
        )
        check = json.loads(out.stdout.replace(json.dumps(Path(f.name).as_uri())[1:-1], URI))
        expected = _capped(check[0]["diagnostics"] if check else [])
        shown = [d for d in last if d.get("code") != "more-diagnostics"]
        print(
            f"last diagnostics against --check ({time.perf_counter() - t0:.0f} s): "
            f"same: {shown == expected} ({len(shown)} shown)"
        )
        if shown != expected:
            diff = [(a, b) for a, b in zip(shown, expected, strict=False) if a != b][:2]
            print(f"  first differences (server, --check): {diff}; counts {len(shown)} {len(expected)}")
    finally:
        Path(f.name).unlink()


def cycles(size: str, count: int) -> None:
    text = ensure(size, small=False).read_text()
    s = Session()
    try:
        before = s.rss()
        series = []
        t0 = time.perf_counter()
        for _ in range(count):
            s.open(URI, text)
            s.diagnostics(URI)
            s.request("textDocument/documentSymbol", {"textDocument": {"uri": URI}})
            s.close(URI)
            series.append(settled_rss(s.proc.pid, before, 50 * MB, timeout=5))
        after = settled_rss(s.proc.pid, before, 50 * MB)
        print(
            f"open/close {len(text) / MB:.1f} MB x {count} ({time.perf_counter() - t0:.0f} s): RSS before "
            f"{before / MB:.0f} MB, after each close {[round(x / MB) for x in series]} MB, "
            f"after the last {after / MB:.0f} MB ({(after - before) / MB:+.0f} MB)"
        )
    finally:
        s.stop()


def typing(size: str) -> None:
    text = ensure(size, small=False).read_text()
    lines = text.split("\n")
    s = Session()
    try:
        s.open(URI, text)
        s.diagnostics(URI)
        rng = random.Random(1)
        inside = [n for n, line in enumerate(lines) if line.startswith("    ") and line.strip()]
        worst: list[tuple[float, str]] = []
        cpus: list[tuple[float, str]] = []
        for _ in range(20):
            n = rng.choice(inside)
            c = rng.randrange(4, len(lines[n]) + 1)
            for typed in ("(", "()"):
                for start, end, new, what in (
                    ((n, c), (n, c), typed, f"{typed!r} at {n + 1}:{c + 1}"),
                    ((n, c), (n, c + len(typed)), "", f"undo {typed!r} at {n + 1}:{c + 1}"),
                ):
                    time.sleep(0.2)
                    cpu = _cpu(s.proc.pid)
                    sent = s.change(URI, start, end, new)
                    at, _ = s.diagnostics(URI)
                    worst.append((at - sent, what))
                    cpus.append((_cpu(s.proc.pid) - cpu, what))
        worst.sort()
        cpus.sort()
        print(
            f"typing ( and () at 20 places of {len(text) / MB:.1f} MB: median {_ms(worst[len(worst) // 2][0])}, "
            f"max {_ms(worst[-1][0])} ({worst[-1][1]}); over 300 ms: {sum(t > 0.3 for t, _ in worst)} of {len(worst)}; "
            f"server CPU median {_ms(cpus[len(cpus) // 2][0])}, max {_ms(cpus[-1][0])} ({cpus[-1][1]}), "
            f"over 300 ms: {sum(t > 0.3 for t, _ in cpus)}"
        )
    finally:
        s.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--size", default="60MB")
    ap.add_argument("--edits", type=int, default=30)
    ap.add_argument("--cycles", type=int, default=20)
    ap.add_argument("--cycle-size", default="5MB")
    ap.add_argument("--typing-size", default="10MB")
    ap.add_argument("--only", choices=("big", "cycles", "typing"))
    ap.add_argument(
        "--no-whole", action="store_true", help="big: skip symbols, tokens and the --check comparison"
    )
    ap.add_argument("--no-tokens", action="store_true", help="big: skip full semantic tokens")
    args = ap.parse_args()
    if args.only in (None, "big"):
        big(args.size, args.edits, not args.no_whole, not args.no_tokens)
    if args.only in (None, "cycles"):
        cycles(args.cycle_size, args.cycles)
    if args.only in (None, "typing"):
        typing(args.typing_size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
