"""Every registered pass against the oracles: the output validates and behaves the same.

For each module — 500 `wasm-tools smith` modules (fixed seeds, GC on, `--export-everything`,
`--ensure-termination`, no imports: `wasmtools.RUNNABLE_SMITH_CONFIG`, half of them with
`--disallow-traps`), the hand-written GC-heavy modules in `tests/gc_modules/` and a few
`bench/genwat.py` modules — the module is analysed once, and each pass of
`passes.registry.PASSES` runs on that same `Document`, one at a time on the original; then
the whole chain of passes runs once (each pass on the previous one's output). Every output
that differs from the input must

* be accepted by `wasm-tools validate`, and
* when instantiated in wasmtime, with every exported function called on the same
  arguments (derived from its signature), give the same results, traps, uncaught
  exceptions, and exported globals, memories and tables after each call as the original
  (`wasmtime_run.run_exports(isolate=True)`: each call in a fresh instance, so that
  smith's fuel global spent by one call does not make every later call trap; references
  compare by kind and nullness). A module that traps at instantiation must trap the same
  way. Each call has a wasmtime fuel budget; a call that runs out of it in either run is
  left out (a pass may change how much fuel the same work takes).

The registry is read when the tests are collected, so passes added later are covered
without changing this file. A failure names the pass and the module; known failures of a
pass would go in `KNOWN_FAILURES` (checked strictly: a known failure that no longer fails
is reported too).
"""

from __future__ import annotations

import io
import sys
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import wasmtime
from wat_lsp.analysis.diagnostics import Severity
from wat_lsp.analysis.document import Document, analyse
from wat_lsp.passes.edits import apply_edits
from wat_lsp.passes.registry import FIX_PASSES, PASSES

from tests.oracles import wasmtime_run, wasmtools

try:
    wasmtools.wasm_tools_exe()
except FileNotFoundError:  # pragma: no cover
    pytest.skip("wasm-tools is not installed", allow_module_level=True)

SMITH_MODULES = 500
CHUNK = 25  # divides SMITH_MODULES // 2: a chunk has one smith configuration
GC_DIR = Path(__file__).resolve().parents[1] / "gc_modules"
BENCH = Path(__file__).resolve().parents[2] / "bench"
GC_MODULES = sorted(GC_DIR.glob("*.wat"))
CHAIN = "<chain>"

# (pass name, module name) -> why it fails; e.g. ("coalesce-locals", "smith17"). Empty: all pass.
KNOWN_FAILURES: dict[tuple[str, str], str] = {}


@dataclass(slots=True)
class Report:
    """What one group of modules gave: failures keyed by (pass, module), and counts."""

    failures: dict[tuple[str, str], str] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    names: set[str] = field(default_factory=set)

    def fail(self, pass_name: str, module: str, message: str) -> None:
        self.failures.setdefault((pass_name, module), message)


def _outputs(doc: Document, name: str, report: Report) -> dict[str, bytes]:
    """Each pass's output on `doc` (only those that changed it), and the chain's."""
    out: dict[str, bytes] = {}
    for pass_name, info in PASSES.items():
        report.counts["pass runs"] += 1
        try:
            edits = info.run(doc)
            if edits:
                out[pass_name] = apply_edits(doc.data, edits)
        except Exception:  # a crash is a failure of this pass, not of the others
            report.fail(pass_name, name, "raised:\n" + traceback.format_exc(limit=-3))
    data, current = doc.data, doc
    try:
        for info in PASSES.values():
            edits = info.run(current)
            if edits:
                data = apply_edits(data, edits)
                current = analyse(data)
        if data != doc.data:
            out[CHAIN] = data
    except Exception:
        report.fail(CHAIN, name, "raised:\n" + traceback.format_exc(limit=-3))
    return out


def _run(data: bytes, arg_sets: int) -> dict[str, wasmtime_run.Outcome]:
    return wasmtime_run.run_exports(
        bytes(wasmtime.wat2wasm(data.decode("utf-8"))), arg_sets=arg_sets, isolate=True
    )


def check_modules(modules: list[tuple[str, bytes]], arg_sets: int) -> Report:
    """Runs every pass (and the chain) on every module and compares with the oracles."""
    report = Report()
    work: list[tuple[str, str, bytes, bytes]] = []  # (module, pass, original, output)
    for name, data in modules:
        doc = analyse(data)
        errors = [d for d in doc.diagnostics if d.severity == Severity.ERROR]
        assert not errors, (name, [(d.code, d.message) for d in errors[:3]])
        report.counts["modules"] += 1
        report.names.add(name)
        for pass_name, out in _outputs(doc, name, report).items():
            work.append((name, pass_name, data, out))
            report.counts[f"changed by {pass_name}"] += 1
    # One validation per distinct output, a few wasm-tools processes at a time.
    distinct = list(dict.fromkeys(out for _, _, _, out in work))
    verdicts = dict(zip(distinct, wasmtools.validate_many(distinct), strict=True))
    runs: dict[bytes, dict[str, wasmtime_run.Outcome] | str] = {}

    def run(data: bytes) -> dict[str, wasmtime_run.Outcome] | str:
        if data not in runs:
            try:
                runs[data] = _run(data, arg_sets)
            except (wasmtime_run.UnsupportedModule, wasmtime.WasmtimeError) as e:
                runs[data] = f"cannot run: {e}"
        return runs[data]

    for name, pass_name, original, out in work:
        report.counts["outputs"] += 1
        verdict = verdicts[out]
        if not verdict.ok:
            report.fail(pass_name, name, f"output does not validate: {verdict.reason or verdict.message}")
            continue
        before = run(original)
        if isinstance(before, str):
            report.counts["originals wasmtime cannot run"] += 1
            continue
        after = run(out)
        if isinstance(after, str):
            report.fail(pass_name, name, f"the original runs, the output {after}")
            continue
        diffs, partial = wasmtime_run.diff_until_out_of_fuel(before, after, isolated=True)
        report.counts["outputs compared"] += 1
        report.counts["calls compared"] += sum(len(o.calls) for o in before.values())
        report.counts["partial (out of fuel)"] += partial
        if diffs:
            report.fail(pass_name, name, "behaves differently:\n  " + "\n  ".join(diffs[:6]))
    return report


def assert_report(report: Report, label: str) -> None:
    print(f"\n{label}: " + ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items())))
    known = {k: v for k, v in KNOWN_FAILURES.items() if k[1] in report.names}
    unexpected = {k: v for k, v in report.failures.items() if k not in known}
    fixed = sorted(k for k in known if k not in report.failures)
    lines = [f"{p} on {m}: {msg}" for (p, m), msg in sorted(unexpected.items())]
    lines += [f"{p} on {m}: listed in KNOWN_FAILURES but passes now" for p, m in fixed]
    assert not lines, f"{len(lines)} failure(s):\n" + "\n".join(lines[:10])


def _checked(modules: list[tuple[str, bytes]], arg_sets: int, label: str) -> Report:
    report = check_modules(modules, arg_sets)
    assert_report(report, label)
    return report


# ------------------------------------------------------------------------------ tests


def smith_config(seed: int) -> dict[str, bool | int | str]:
    """Seeds below half the corpus may trap anywhere; the others are generated with
    `--disallow-traps` (guards kept in locals, and more calls that return)."""
    config = dict(wasmtools.RUNNABLE_SMITH_CONFIG)
    if seed >= SMITH_MODULES // 2:
        config["disallow_traps"] = True
    return config


@pytest.mark.parametrize("start", range(0, SMITH_MODULES, CHUNK), ids=lambda s: f"seeds{s}-{s + CHUNK - 1}")
def test_passes_on_smith_modules(start: int) -> None:
    corpus = wasmtools.smith_corpus(CHUNK, start, options=smith_config(start))
    modules = [(f"smith{seed}", wat.encode("utf-8")) for seed, _wasm, wat in corpus]
    report = _checked(modules, 2, f"smith seeds {start}..{start + CHUNK - 1}")
    assert report.counts["modules"] == CHUNK


@pytest.mark.parametrize("path", GC_MODULES, ids=lambda p: p.stem)
def test_passes_on_gc_modules(path: Path) -> None:
    report = _checked([(path.stem, path.read_bytes())], 4, path.name)
    assert report.counts["outputs compared"] >= 1  # some pass changed it, and it ran
    assert report.counts["calls compared"] >= 8


GENWAT = [("functions", 30, 1), ("functions", 30, 2), ("functions", 30, 3),
          ("locals", 300, 1), ("locals", 300, 2), ("locals", 300, 3)]  # fmt: skip


def genwat_module(kind: str, size: int, seed: int) -> bytes:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    import genwat

    out = io.StringIO()
    if kind == "functions":
        genwat.generate(out, functions=size, seed=seed)
    else:
        genwat.generate_single_function(out, locals_=size, seed=seed)
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize(("kind", "size", "seed"), GENWAT, ids=[f"{k}{n}-s{s}" for k, n, s in GENWAT])
def test_passes_on_genwat_modules(kind: str, size: int, seed: int) -> None:
    """`bench/genwat.py` code: GC types, loops and many locals, and every export runs to the
    end, so a changed value shows (a wrong `local.set` -> `drop` in one random place shows
    in about 2 modules of 5 here, in 1 of 20 smith modules)."""
    name = f"genwat-{kind}{size}-s{seed}"
    report = _checked([(name, genwat_module(kind, size, seed))], 4, name)
    assert report.counts["outputs compared"] >= 3


def test_every_pass_changes_some_gc_module() -> None:
    """The hand-written modules give every pass something to do (the error fixes aside:
    they only edit invalid modules)."""
    docs = [analyse(p.read_bytes()) for p in GC_MODULES]
    idle = [
        name for name, info in PASSES.items() if name not in FIX_PASSES and not any(info.run(d) for d in docs)
    ]
    assert not idle, f"passes with nothing to do on tests/gc_modules: {idle}"


def test_gc_modules_are_there() -> None:
    assert len(GC_MODULES) >= 5


# --------------------------------------------------------------- the oracle additions

_COUNTER = """(module
  (global $g (export "g") (mut i32) (i32.const 0))
  (func (export "bump") (param i32) (result i32)
    (global.set $g (i32.add (global.get $g) (i32.add (local.get 0) (i32.const 1))))
    (global.get $g))
  (func (export "spin") (param i32) (loop (br_if 0 (local.get 0)))))"""


def test_isolated_calls_start_fresh_and_record_state() -> None:
    shared = wasmtime_run.run_exports(_COUNTER, arg_sets=3)
    isolated = wasmtime_run.run_exports(_COUNTER, arg_sets=3, isolate=True)
    assert [c.values for c in shared["bump"].calls] == [("i32:1",), ("i32:3",), ("i32:3",)]
    assert [c.values for c in isolated["bump"].calls] == [("i32:1",), ("i32:2",), ("i32:0",)]
    assert [c.state for c in isolated["bump"].calls] == [("g=i32:1",), ("g=i32:2",), ("g=i32:0",)]
    assert isolated["g"].value == "i32:0"  # the state right after instantiation
    assert [c.trap for c in isolated["spin"].calls] == ["", "out_of_fuel", "out_of_fuel"]


def test_diff_until_out_of_fuel() -> None:
    a = wasmtime_run.run_exports(_COUNTER, arg_sets=3, isolate=True)
    b = wasmtime_run.run_exports(_COUNTER.replace("(i32.const 1)", "(i32.const 2)"), arg_sets=3, isolate=True)
    diffs, partial = wasmtime_run.diff_until_out_of_fuel(a, b, isolated=True)
    assert partial and len(diffs) == 3 and all(d.startswith("bump call") for d in diffs)
    assert wasmtime_run.diff_until_out_of_fuel(a, a, isolated=True) == ([], True)
    shared = wasmtime_run.run_exports(_COUNTER, arg_sets=3)
    assert wasmtime_run.diff_until_out_of_fuel(shared, shared) == ([], True)
