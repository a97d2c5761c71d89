"""Scripts `wasm-tools wast` passes on which `wat-lsp --check` reports something, per directory.

    python bench/conformance_report.py [--all] [--files] [DIR ...]

By default the spec suite's `proposals/` directories (tests/testsuite, or WAT_LSP_TESTSUITE);
`--all` adds the core files; directories given on the command line replace both. A
disagreement is a script `wasm-tools wast --features all --ignore-error-messages` passes on which we report at
least one error (warnings and hints are counted apart). Scripts `wasm-tools wast` fails are
counted too, but they are not disagreements. `--files` lists the disagreeing scripts with
their first error.

The last columns are per command, from the script oracle (tests/oracles/script_oracle.py):
the `assert_malformed`/`assert_invalid`/`assert_unlinkable` commands, those where we report
something while wasm-tools sees what the script expects (`we report`), and the reverse
(`wt fails`), in every script wasm-tools can split.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parent.parent
if str(ROOT_DIR) not in sys.path:
    sys.path.insert(0, str(ROOT_DIR))

from wat_lsp.analysis.diagnostics import Severity  # noqa: E402
from wat_lsp.analysis.document import analyse  # noqa: E402

from tests.corpus import ROOT, core_files, proposal_files  # noqa: E402
from tests.oracles.script_oracle import compare, wast_verdict  # noqa: E402
from tests.oracles.wasmtools import wasm_tools_exe  # noqa: E402

# Every feature on (we validate everything as on), and a directive's verdict without its
# message (we do not match messages).
WAST_FLAGS = ("--features", "all", "--ignore-error-messages")


def wast_passes(path: Path) -> bool:
    proc = subprocess.run(
        [wasm_tools_exe(), "wast", *WAST_FLAGS, str(path)], capture_output=True, check=False, timeout=300
    )
    return proc.returncode == 0


def group_of(path: Path) -> str:
    try:
        rel = path.relative_to(ROOT)
    except ValueError:
        return str(path.parent)
    parts = rel.parts
    if parts[0] == "proposals" and len(parts) > 2:
        return f"proposals/{parts[1]}"
    return str(rel.parent) if rel.parent != Path(".") else "(root)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="*", type=Path)
    ap.add_argument("--all", action="store_true", help="the core files too")
    ap.add_argument("--files", action="store_true", help="list the disagreeing scripts")
    args = ap.parse_args()
    if args.dirs:
        paths = sorted(p for d in args.dirs for p in (d.rglob("*.wast") if d.is_dir() else [d]))
    else:
        paths = (core_files() if args.all else []) + proposal_files()
    # group -> [scripts, wasm-tools passes, disagreements, scripts with warnings only,
    #           judged commands, we report alone, wasm-tools fails alone]
    table: dict[str, list[int]] = defaultdict(lambda: [0] * 7)
    for path in paths:
        row = table[group_of(path)]
        row[0] += 1
        verdict = wast_verdict(path)
        if not verdict.error:
            for r in compare(path, verdict):
                row[4] += 1
                row[5] += r.theirs_as_expected and not r.ours_as_expected
                row[6] += r.ours_as_expected and not r.theirs_as_expected
        if not wast_passes(path):
            continue
        row[1] += 1
        diags = analyse(path.read_bytes()).diagnostics
        errors = [d for d in diags if d.severity == Severity.ERROR]
        if errors:
            row[2] += 1
            if args.files:
                d = errors[0]
                print(f"  {path}: {len(errors)} errors, first [{d.code}] at byte {d.span.start}: {d.message}")
        elif diags:
            row[3] += 1
    head = ("scripts", "wast ok", "disagree", "warn only", "commands", "we report", "wt fails")
    print(f"{'directory':36} " + " ".join(f"{h:>9}" for h in head))
    for group, row in [
        *sorted(table.items()),
        ("total", [sum(r[i] for r in table.values()) for i in range(7)]),
    ]:
        print(f"{group:36} " + " ".join(f"{v:9}" for v in row))


if __name__ == "__main__":
    main()
