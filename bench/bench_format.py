"""Formatter figures: `wat-lsp format` on the generated 1 MB, 13 MB and 65 MB modules (CPU,
wall and peak RSS of the command), the core's parts in process, and
`textDocument/formatting` on 13 MB over stdio. Where `wat_server` (wasm-language-tools) is
on PATH, its formatting of the same document is timed in the same run; else it says so.

    python bench/bench_format.py [--sizes 1MB,13MB,65MB] [--lsp 13MB] [--no-lsp] [--repeat N]

Each measurement is made `--repeat` times (3 by default): the command in as many processes,
the request as many times in one session; the figures are listed in the order taken.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
for p in (str(HERE), str(HERE.parent)):
    if p not in sys.path:
        sys.path.insert(0, p)

from bench_parse import ensure_input  # noqa: E402
from bench_server import Server  # noqa: E402
from wat_lsp.analysis.ide.format import format_text, minimal_edits  # noqa: E402
from wat_lsp.analysis.syntax import parse  # noqa: E402

MiB = 1 << 20


def run_cli(path: Path) -> tuple[float, float, int, int]:
    """`wat-lsp format -` on the file in a fresh process: wall s, CPU s, peak RSS, out bytes."""
    with open(path, "rb") as f:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "wat_lsp", "format", "-"], stdin=f, stdout=subprocess.PIPE
        )
        assert proc.stdout is not None
        size = len(proc.stdout.read())
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    assert status == 0, status
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, size


def in_process(path: Path) -> dict[str, float]:
    data = path.read_bytes()
    t0 = time.process_time()
    tree = parse(data)
    t1 = time.process_time()
    out = format_text(data, tree=tree)
    t2 = time.process_time()
    edits = minimal_edits(data, out)
    t3 = time.process_time()
    again = format_text(out)
    t4 = time.process_time()
    assert again == out
    return {"parse": t1 - t0, "format": t2 - t1, "edits": t3 - t2, "edits_n": len(edits), "again": t4 - t3}


def lsp_formatting(command: list[str] | None, path: Path, name: str, repeat: int = 1) -> str:
    """`textDocument/formatting` of the document `repeat` times, after its diagnostics."""
    text = path.read_text()
    server = Server() if command is None else _other_server(command)
    uri = path.resolve().as_uri()
    server.request(1, "initialize", {"processId": os.getpid(), "rootUri": None, "capabilities": {}})
    server.send("initialized", {})
    server.send(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "wat", "version": 1, "text": text}},
    )
    with contextlib.suppress(Exception):  # a server that publishes nothing: time the request anyway
        server.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics", timeout=600)
    walls: list[float] = []
    cpus: list[float] = []
    edits = 0
    for n in range(repeat):
        cpu0 = server.cpu_seconds()
        took, result = server.request(
            2 + n,
            "textDocument/formatting",
            {"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": True}},
        )
        cpus.append(server.cpu_seconds() - cpu0)
        walls.append(took)
        edits = len(result or [])
    rss = server.peak_rss()
    server.close()
    return (
        f"{name}: textDocument/formatting {_seconds(walls)} wall, {_seconds(cpus)} CPU, {edits} edits, "
        f"peak RSS {rss // MiB} MiB"
    )


def _seconds(values: list[float]) -> str:
    return " / ".join(f"{v:.2f}" for v in values) + " s"


def _other_server(command: list[str]) -> Any:
    server = Server.__new__(Server)
    server.proc = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    import queue

    server.inbox = queue.Queue()
    server._start_reader()
    return server


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1MB,13MB,65MB")
    ap.add_argument("--lsp", default="13MB", help="the size for textDocument/formatting")
    ap.add_argument("--no-lsp", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="how many times each figure is measured")
    args = ap.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.2f}; CPU seconds are the steadier figure")
    print("| input | bytes | CLI wall | CLI CPU | peak RSS | parse | format | edits (count) | again |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for size in [s for s in args.sizes.split(",") if s]:
        path = ensure_input(size)
        runs = [run_cli(path) for _ in range(args.repeat)]
        wall, cpu, rss = [r[0] for r in runs], [r[1] for r in runs], max(r[2] for r in runs)
        parts = in_process(path) if size != "65MB" else {}
        cells = (
            [f"{parts[k]:.2f} s" for k in ("parse", "format")]
            + [f"{parts['edits']:.2f} s ({int(parts['edits_n'])})", f"{parts['again']:.2f} s"]
            if parts
            else ["", "", "", ""]
        )
        print(
            f"| {size} | {path.stat().st_size:,} | {_seconds(wall)} | {_seconds(cpu)} | {rss // MiB} MiB | "
            + " | ".join(cells)
            + " |"
        )
        sys.stdout.flush()
    if args.no_lsp:
        return 0
    path = ensure_input(args.lsp)
    print(lsp_formatting(None, path, f"wat-lsp {args.lsp}", args.repeat))
    sys.stdout.flush()
    other = shutil.which("wat_server")
    if other is None:
        print(
            "wat_server (wasm-language-tools) is not on PATH: its formatting is not timed "
            "(cargo install wat_server --version '~0.11')"
        )
    else:
        print(lsp_formatting([other], path, f"wat_server {args.lsp}", args.repeat))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
