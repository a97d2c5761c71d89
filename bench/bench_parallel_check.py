"""`wat-lsp check -j 2` against `-j 1`: wall and CPU time over many files.

Two corpora: the whole vendored spec suite (`tests/testsuite/`, every `.wast` below it) and 200
`wasm-tools smith` modules printed as text (GC and exceptions on; cached by the oracle helpers).
Each command runs as a child process (`peers.run_peer`: wall time, and user+system CPU of the
command and its worker processes), `--repeat` times; the median wall time is shown. Also
checks that both print the same bytes.

    python bench/bench_parallel_check.py [--repeat 3] [--jobs 1,2] [--smith 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
for p in (str(HERE), str(HERE.parent)):
    if p not in sys.path:
        sys.path.insert(0, p)

from peers import PeerResult, run_peer  # noqa: E402

from tests.corpus import ROOT as SUITE  # noqa: E402
from tests.oracles.wasmtools import print_wasm, smith  # noqa: E402


def smith_folder(n: int, into: Path) -> Path:
    """`n` terminating GC + exceptions smith modules as `.wat` files in `into`."""
    for seed in range(n):
        wasm = smith(seed, gc_enabled=True, exceptions_enabled=True, ensure_termination=True)
        (into / f"{seed:04}.wat").write_text(print_wasm(wasm), encoding="utf-8")
    return into


def measure(folder: Path, jobs: int, repeat: int) -> tuple[PeerResult, list[float]]:
    cmd = [
        sys.executable,
        "-m",
        "wat_lsp",
        "check",
        "-q",
        "--min-severity",
        "hint",
        "-j",
        str(jobs),
        str(folder),
    ]
    runs = [run_peer(cmd, capture_stdout=True) for _ in range(repeat)]
    for r in runs:
        if r.returncode not in (0, 1) or r.timed_out:
            raise SystemExit(f"{' '.join(cmd)} failed with status {r.returncode}")
    walls = sorted(r.seconds for r in runs)
    median = min(runs, key=lambda r: abs(r.seconds - statistics.median(walls)))
    return median, walls


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", default="1,2", help="comma-separated -j values (default 1,2)")
    ap.add_argument("--smith", type=int, default=200, help="number of smith modules (default 200)")
    args = ap.parse_args()
    jobs = [int(j) for j in args.jobs.split(",")]
    load = os.getloadavg()[0]
    print(f"cores: {len(os.sched_getaffinity(0))}, load average (1 min) at start: {load:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        corpora = {
            f"spec suite ({sum(1 for _ in SUITE.rglob('*.wast'))} files)": SUITE,
            f"smith ({args.smith} modules)": smith_folder(args.smith, Path(tmp)),
        }
        print("| corpus | -j | wall (median) | CPU user+sys | speed-up | same output |")
        print("|---|---:|---:|---:|---:|---|")
        for name, folder in corpora.items():
            base: PeerResult | None = None
            for j in jobs:
                r, _ = measure(folder, j, args.repeat)
                base = base or r
                cpu = r.user_seconds + r.system_seconds
                print(
                    f"| {name} | {j} | {r.seconds:.2f} s | {cpu:.2f} s | "
                    f"{base.seconds / r.seconds:.2f}x | {r.stdout == base.stdout} |"
                )
    print(f"load average (1 min) at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
