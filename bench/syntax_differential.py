"""The syntax differential against `wasm-tools parse`, for as long as you like.

    python bench/syntax_differential.py [--count 20000] [--seed 1] [--smith 0] [--jobs 2]

Mutants of the spec suite's text modules (and, with `--smith N`, of the `wasm-tools smith`
modules of seeds 0..N-1 printed plain and folded) are read by us and by wasm-tools
(tests/conformance/syntax_differential.py). Prints the count, the agreement rate, the known
differences met, CPU and wall time, and every undecided disagreement (the exit status is 1
when there is one): add each to tests/conformance/syntax_known_differences.toml with the spec
text that decides it, or fix it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from tests.conformance import syntax_differential as sd  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=20000, help="mutants (default 20000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--smith", type=int, default=0, help="also mutate smith modules of this many seeds")
    ap.add_argument("--jobs", type=int, default=2, help="wasm-tools processes at a time")
    args = ap.parse_args()
    cpu, wall = time.process_time(), time.perf_counter()
    sources = sd.spec_sources()
    if args.smith:
        sources += sd.smith_sources(range(args.smith))
    outcome = sd.run(sources, args.count, args.seed, jobs=args.jobs)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    known = Counter(d.known for d in outcome.disagreements if d.known is not None)
    rate = 100 * outcome.agree / outcome.total
    print(
        f"sources {len(sources)}, cases {outcome.total} (the sources and {args.count} mutants, seed {args.seed})"
    )
    print(f"agree {outcome.agree} ({rate:.2f} %), known differences {dict(known)}")
    print(
        f"our CPU {cpu:.1f} s (wasm-tools runs beside it), wall {wall:.1f} s, load {os.getloadavg()[0]:.1f}"
    )
    for d in outcome.undecided:
        print("UNDECIDED", d.describe())
    return 1 if outcome.undecided else 0


if __name__ == "__main__":
    sys.exit(main())
