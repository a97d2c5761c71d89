"""CFG, liveness, unused-local / dead-store diagnostics and the remove-unused-locals pass."""

from __future__ import annotations

import pytest
from wat_lsp.analysis.cfg import build_cfg
from wat_lsp.analysis.diagnostics import Severity, Tag
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.liveness import (
    LIVENESS_CODES,
    compute_liveness,
    dead_stores,
    interference,
    liveness_diagnostics,
)
from wat_lsp.analysis.model import Func, Module
from wat_lsp.passes import remove_dead_stores, remove_unused_locals
from wat_lsp.passes.edits import apply_edits
from wat_lsp.passes.registry import run_passes

from tests.corpus import ROOT as SPEC_ROOT

from .oracles import wasmtime_run, wasmtools


def module(src: str) -> Module:
    doc = analyse(src.encode())
    assert [d for d in doc.diagnostics if d.severity == Severity.ERROR] == []
    read = doc.modules[0].read
    assert read is not None
    return read.module


def func(src: str, i: int = 0) -> Func:
    return module(src).funcs[i]


def ops(f: Func, lo: int, hi: int) -> list[str]:
    return [f.body[i].op.name for i in range(lo, hi)]


# ----------------------------------------------------------------------------- CFG


def test_cfg_structure() -> None:
    f = func("""(module (func (param i32)
      (block $a (loop $l
        (br_table 0 1 $a (local.get 0))
        (br_if 1 (i32.const 0))
        (if (local.get 0) (then nop) (else nop))
        (try_table (catch_all 1) (br 0))))))""")
    cfg = build_cfg(f)
    assert cfg.precise
    got = [(ops(f, b.start, b.end), sorted(b.succs)) for b in cfg.blocks]
    assert got == [
        (["block"], [1]),
        (["loop", "local.get", "br_table"], [1, 10]),  # to the loop header and to $a's end
        (["i32.const", "br_if"], [3, 10]),
        (["local.get", "if"], [4, 5]),
        (["nop", "else"], [6]),
        (["nop"], [6]),
        (["end", "try_table"], [7, 10]),  # the catch goes to $a's end
        (["br"], [8, 10]),
        (["end"], [9]),
        (["end"], [10]),
        (["end"], []),
    ]
    assert cfg.reachable == [True, True] + [False] * 8 + [True]


def test_cfg_if_without_else_and_return() -> None:
    f = func("(module (func (param i32) (if (local.get 0) (then (return))) (nop)))")
    cfg = build_cfg(f)
    got = [(ops(f, b.start, b.end), sorted(b.succs)) for b in cfg.blocks]
    assert got == [(["local.get", "if"], [1, 2]), (["return"], []), (["end", "nop"], [])]


def test_cfg_legacy_try_is_imprecise() -> None:
    f = func("(module (tag $e) (func (try (do nop) (catch $e))))")
    assert not build_cfg(f).precise


def test_cfg_deep_nesting_without_recursion() -> None:
    depth = 5000
    f = func("(module (func " + "(block " * depth + ")" * depth + "))")
    cfg = build_cfg(f)
    assert len(cfg.blocks) == depth + 1
    compute_liveness(f, cfg)


# ------------------------------------------------------------------------ liveness

LOOP = """(module (func (param $n i32) (result i32) (local $i i32) (local $acc i32) (local $t i32)
  (local.set $t (i32.const 99))
  (local.set $acc (i32.const 0))
  (block $done (loop $next
    (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
    (local.set $acc (i32.add (local.get $acc) (local.get $i)))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br $next)))
  (local.get $acc)))"""


def test_liveness_loop() -> None:
    f = func(LOOP)
    lv = compute_liveness(f)
    loop_block = lv.cfg.block_of[next(i for i, ins in enumerate(f.body) if ins.op.name == "loop")]
    assert lv.live_in[loop_block] == 0b0111  # $n, $i, $acc live around the loop; $t is not
    assert lv.live_in[0] == 0b0011  # at entry: $n and $i (read before any set: its zero)
    assert [f.body[i].span for i in dead_stores(f, lv)] == [f.body[1].span]  # the set of $t


def test_interference_is_sparse() -> None:
    f = func(LOOP)
    graph = interference(f, compute_liveness(f))
    assert graph.edges() == {(0, 1), (0, 2), (1, 2), (0, 3), (1, 3)}
    assert graph.neighbors(2) == {0, 1}  # $acc is stored while $n and $i are live
    assert graph.neighbors(3) == {0, 1}  # $t is stored when only $n and $i are live
    assert graph.interferes(3, 0) and graph.interferes(0, 3)
    assert not graph.interferes(2, 3) and not graph.interferes(3, 3)


def test_tee_and_branch_liveness() -> None:
    f = func("""(module (func (param $p i32) (result i32) (local $a i32)
      (block $b (br_if $b (local.tee $a (local.get $p))) (local.set $a (i32.const 1)))
      (local.get $a)))""")
    assert dead_stores(f, compute_liveness(f)) == []


def test_try_table_catch_keeps_stores_live() -> None:
    f = func("""(module (tag $e) (func (result i32) (local $a i32)
      (block $h (try_table (catch_all $h) (local.set $a (i32.const 1)) (throw $e)) (return (i32.const 0)))
      (local.get $a)))""")
    assert dead_stores(f, compute_liveness(f)) == []


# --------------------------------------------------------------------- diagnostics


def test_unused_local_and_dead_store_diagnostics() -> None:
    src = """(module (func (param $p i32) (result i32) (local $u i64) (local $a i32) (local (ref null func))
      (local.set $a (i32.const 1))
      (local.set $a (i32.const 2))
      (local.set $p (local.tee $a (local.get $a)))
      (unreachable)
      (local.set $a (i32.const 3))))"""
    diags = liveness_diagnostics(module(src))
    got = [(d.code, src.encode()[d.span.start : d.span.end].decode()) for d in diags]
    assert got == [
        ("unused-local", "(local $u i64)"),
        ("unused-local", "(ref null func)"),
        ("dead-store", "local.set $a"),  # the first one
        ("dead-store", "local.tee $a"),  # execution order: the tee runs first
        ("dead-store", "local.set $p"),
    ]  # the store after `unreachable` is not reported
    assert [d.severity for d in diags] == [Severity.WARNING] * 2 + [Severity.HINT] * 3
    assert all(d.tags == (Tag.UNNECESSARY,) for d in diags)
    assert set(LIVENESS_CODES) == {"unused-local", "never-read", "dead-store"}
    assert diags[0].data == {"func": 0, "local": 1}


def test_no_dead_store_for_non_nullable_locals() -> None:
    src = """(module (type $t (struct)) (func (local $x (ref $t))
      (local.set $x (struct.new $t)) (unreachable) (drop (local.get $x))))"""
    assert liveness_diagnostics(module(src)) == []


# ----------------------------------------------------------- remove-unused-locals

SRC = """(module
  (func $f (export "f") (param $p i32) (result i32)
    (local $u i64)
    (local i32 f32 i64) (local $v f64) (local $w i32) ;; trailing
    (local f32)
    (local.set 2 (i32.const 3))
    (local.set $w (i32.add (local.get 2) (local.get 0)))
    (drop (local.get 5))
    local.get 6
    local.get 0x2 ;; numeric
    i32.add)
)
"""

FIXED = """(module
  (func $f (export "f") (param $p i32) (result i32)
    (local i32) (local $v f64) (local $w i32) ;; trailing
    (local.set 1 (i32.const 3))
    (local.set $w (i32.add (local.get 1) (local.get 0)))
    (drop (local.get 2))
    local.get 3
    local.get 1 ;; numeric
    i32.add)
)
"""


def test_remove_unused_locals_exact() -> None:
    out = run_passes(SRC.encode(), ["remove-unused-locals"])
    assert out.decode() == FIXED
    assert wasmtools.validate(out).ok
    assert not wasmtime_run.diff_outcomes(wasmtime_run.run_exports(SRC), wasmtime_run.run_exports(out.decode()))


def test_remove_one_unused_local_quick_fix() -> None:
    doc = analyse(SRC.encode())
    diags = liveness_diagnostics(module(SRC))
    d = next(d for d in diags if d.code == "unused-local" and d.data["local"] == 3)
    out = apply_edits(SRC.encode(), remove_unused_locals.quick_fix(doc, d)).decode()
    assert "(local i32 i64) (local $v f64)" in out
    assert "local.get 5" in out and "(local.get 4)" in out and "local.get 0x2 ;;" in out
    assert wasmtools.validate(out.encode()).ok


@pytest.mark.parametrize(("before", "after"), [
    ("(local $a i32) (local $b i32)", ""),
    ("(local $a i32)\n    (local $b i32)", ""),
    ("(local i32 i32)", ""),
])  # fmt: skip
def test_removed_declarations_leave_no_blank_line(before: str, after: str) -> None:
    src = f"(module\n  (func\n    {before}\n    nop))\n"
    out = run_passes(src.encode(), ["remove-unused-locals"]).decode()
    assert out == f"(module\n  (func\n    {after}nop))\n"


def test_remove_unused_locals_keeps_params_and_names() -> None:
    src = "(module (func (param $p i32) (local $x i32) (local.set $x (local.get $p))))"
    assert run_passes(src.encode(), ["remove-unused-locals"]).decode() == src


def test_remove_unused_locals_on_smith_modules() -> None:
    """Random valid modules (wasm-tools smith, printed): output validates and runs the same."""
    changed = compared = 0
    for seed in range(40):
        wasm = wasmtools.smith(seed, gc_enabled=True, exceptions_enabled=True, ensure_termination=True)
        for fold in (False, True):
            text = wasmtools.print_wasm(wasm, fold=fold).encode()
            out = run_passes(text, ["remove-unused-locals"])
            if out == text:
                continue
            changed += 1
            assert wasmtools.validate(out).ok, seed
            try:
                before = wasmtime_run.run_exports(wasmtools.parse(text))
            except wasmtime_run.UnsupportedModule:
                continue
            compared += 1
            assert not wasmtime_run.diff_outcomes(before, wasmtime_run.run_exports(wasmtools.parse(out))), seed
    assert changed >= 3 and compared >= 1


# ------------------------------------------------------------- remove-dead-stores

STORES = """(module
  (func $f (export "f") (param $p i32) (result i32) (local $a i32) (local $b i32)
    (local.set $a (i32.const 1))  ;; read below
    (local.set $p (local.tee $a (local.get $a)))
    local.get $p
    local.tee $b
    local.set $a
    i32.const 4
    local.tee $b ;; dead
    drop
    (i32.add (local.get $p) (local.tee $b (i32.const 5))))
)
"""

STORES_FIXED = """(module
  (func $f (export "f") (param $p i32) (result i32) (local $a i32) (local $b i32)
    (local.set $a (i32.const 1))  ;; read below
    (local.set $p (local.get $a))
    local.get $p
    drop
    i32.const 4
    ;; dead
    drop
    (i32.add (local.get $p) (i32.const 5)))
)
"""


def test_remove_dead_stores_exact_and_same_behaviour() -> None:
    out = run_passes(STORES.encode(), ["remove-dead-stores"]).decode()
    assert out == STORES_FIXED
    assert wasmtools.validate(out.encode()).ok
    assert not wasmtime_run.diff_outcomes(wasmtime_run.run_exports(STORES), wasmtime_run.run_exports(out))
    # then $b is unused
    out2 = run_passes(out.encode(), ["remove-unused-locals"]).decode()
    assert "(result i32) (local $a i32)\n" in out2 and "$b" not in out2
    assert wasmtools.validate(out2.encode()).ok


def test_remove_one_dead_store_quick_fix() -> None:
    doc = analyse(STORES.encode())
    read = doc.modules[0].read
    assert read is not None
    all_diags = liveness_diagnostics(read.module)
    # $b is never read: one never-read for its three tees, not three dead stores
    assert [(d.code, d.data["local"]) for d in all_diags] == [("never-read", 2), ("dead-store", 1), ("dead-store", 1)]
    assert [STORES.encode()[r.span.start : r.span.end] for r in all_diags[0].related] == [b"local.tee $b"] * 3
    diags = [d for d in all_diags if d.code == "dead-store"]
    first = diags[0]  # the tee inside the set of $p
    out = apply_edits(STORES.encode(), remove_dead_stores.quick_fix(doc, first)).decode()
    assert "(local.set $p (local.get $a))" in out and out.count("local.tee") == 3 and out.count("local.set") == 3


def test_dead_stores_in_invalid_modules_are_left_alone() -> None:
    src = b"(module (func (local $a i32) (local.set $a (i32.const 1)) (i64.const 1)))"
    assert run_passes(src, ["remove-dead-stores"]) == src


def test_dead_store_passes_on_smith_modules() -> None:
    bad = []
    for seed in range(60):
        wasm = wasmtools.smith(seed, gc_enabled=True, exceptions_enabled=True, ensure_termination=True)
        for fold in (False, True):
            text = wasmtools.print_wasm(wasm, fold=fold).encode()
            out = run_passes(text, ["remove-dead-stores", "remove-unused-locals"])
            if out != text and not wasmtools.validate(out).ok:
                bad.append((seed, fold))
    assert bad == []


SUITE = SPEC_ROOT


@pytest.mark.skipif(not SUITE.exists(), reason="spec test suite not available")
def test_local_passes_on_the_spec_suite() -> None:
    """Every valid module of the spec suite: the passes' output still validates."""
    changed = 0
    bad: list[str] = []
    for path in sorted(SUITE.rglob("*.wast")):
        data = path.read_bytes()
        for m in analyse(data).modules:
            if m.kind != "text" or m.expect is not None or m.read is None:
                continue
            if any(d.severity == Severity.ERROR for d in m.diagnostics):
                continue
            text = data[m.span.start : m.span.end]
            out = run_passes(text, ["remove-dead-stores", "remove-unused-locals"])
            if out == text:
                continue
            changed += 1
            if not wasmtools.validate(out).ok and wasmtools.validate(text).ok:
                bad.append(f"{path.name}@{m.span.start}")
    assert bad == []
    assert changed >= 10
