"""`wat-lsp --check` against `wasm-tools wast`, per proposal: where does a script that
wasm-tools passes get an error from us?

    python bench/proposal_scripts.py [--python PY] [DIR ...]

Scripts come from two places: the `.wast` files under each DIR (default: every
`tests/testsuite/proposals/*` directory and `tests/testsuite/custom`), and one script per
proposal written from the hand-written modules of `tests/analysis/proposal_cases.py` (each
module as `module`, or in `assert_invalid` / `assert_malformed` by what
`wasm-tools validate --features all` says of it; a module validate accepts and the `wast`
runner rejects goes in `assert_invalid`). A script counts only if
`wasm-tools wast --features all --ignore-error-messages` passes it; a disagreement is an error diagnostic
that `wat-lsp --check` (run by `--python`, default this interpreter: point it at another
checkout's venv for a before/after) prints for it. Prints, per proposal, the scripts, those
wasm-tools passes, those we disagree with, and the error count.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.analysis import proposal_cases as pc  # noqa: E402
from tests.oracles import wasmtools  # noqa: E402

CASES = {
    "stack-switching": pc.STACK_SWITCHING,
    "memory-control": pc.MEMORY_CONTROL,
    "numeric-data": pc.NUMERIC_DATA,
    "branch-hints": pc.BRANCH_HINTS,
    "annotations": pc.ANNOTATIONS,
}


def _quote(src: str) -> str:
    return '"' + src.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def script(cases: list[str]) -> str:
    """A script holding every case with the oracle's verdict as its expectation."""
    out = []
    for src, verdict in zip(cases, wasmtools.validate_many([c.encode() for c in cases]), strict=True):
        if verdict.ok and not _wast_ok(src):
            out.append(
                f'(assert_invalid_custom {src} "")'
            )  # e.g. a branch hint on `nop`: see branch-hint-target
        elif verdict.ok:
            out.append(src)
        elif verdict.stage == "parse":
            out.append(f'(assert_malformed (module quote {_quote(src)}) "")')
        else:
            out.append(f'(assert_invalid {src} "")')
    return "\n".join(out) + "\n"


def _wast_ok(src: str) -> bool:
    """What the `wast` runner says of one module (it checks more than `validate`: hints)."""
    with tempfile.NamedTemporaryFile("w", suffix=".wast") as f:
        f.write(src)
        f.flush()
        return wast_passes(Path(f.name))


def wast_passes(path: Path) -> bool:
    proc = subprocess.run(
        [wasmtools.wasm_tools_exe(), "wast", "--features", "all", "--ignore-error-messages", str(path)],
        capture_output=True,
    )
    return proc.returncode == 0


def our_errors(python: str, path: Path) -> int:
    proc = subprocess.run(
        [python, "-m", "wat_lsp", "--check", "--format", "json", "--min-severity", "error", str(path)],
        capture_output=True,
        text=True,
    )
    if not proc.stdout.strip():
        return 0
    return sum(len(entry["diagnostics"]) for entry in json.loads(proc.stdout))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("dirs", nargs="*", type=Path)
    args = ap.parse_args()
    dirs = args.dirs or [
        *sorted((ROOT / "tests/testsuite/proposals").iterdir()),
        ROOT / "tests/testsuite/custom",
    ]
    groups: dict[str, list[Path]] = {d.name: sorted(d.glob("*.wast")) for d in dirs}
    with tempfile.TemporaryDirectory() as tmp:
        for name, cases in CASES.items():
            p = Path(tmp) / f"{name}.wast"
            p.write_text(script(cases))
            groups[f"cases/{name}"] = [p]
        print(f"{'proposal':28} {'scripts':>7} {'wast ok':>7} {'ours err':>8} {'errors':>6}")
        for name, files in groups.items():
            passed = [f for f in files if wast_passes(f)]
            errs = [our_errors(args.python, f) for f in passed]
            print(f"{name:28} {len(files):7} {len(passed):7} {sum(1 for e in errs if e):8} {sum(errs):6}")


if __name__ == "__main__":
    main()
