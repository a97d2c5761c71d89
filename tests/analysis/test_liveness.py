"""CFG, liveness, unused-local / dead-store diagnostics and the remove-unused-locals pass."""

from __future__ import annotations

from dataclasses import replace

import pytest
from wat_lsp.analysis.cfg import build_cfg
from wat_lsp.analysis.diagnostics import CODES, Severity, Tag
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.liveness import (
    THROWS,
    compute_liveness,
    dead_stores,
    events_backward,
    interference,
    liveness_diagnostics,
)
from wat_lsp.analysis.model import Catch, Func, Module
from wat_lsp.passes import remove_dead_stores, remove_unused_locals
from wat_lsp.passes.edits import TextEdit, apply_edits
from wat_lsp.passes.quickfix import fixes_for
from wat_lsp.passes.registry import run_passes

from tests.corpus import ROOT as SPEC_ROOT
from tests.oracles import wasmtime_run, wasmtools


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


TRIES = """(module (tag $e) (func $g)
  (func (param $p i32) (result i32) (local $a i32) (local $b i32)
    (call $g) (local.set $b (local.get $p))
    (block $h2 (block $h
      (try_table (catch_all $h)
        (local.set $a (i32.const 1))
        (try_table (catch $e $h2) (call $g) (local.set $b (local.get $a)) (br_if 0 (local.get $p)))
        (local.set $a (i32.const 2))
        (throw $e))
      (try_table (catch_all $h))
      (return (local.get $b)))
    (return (local.get $a)))
  (local.get $b)))"""


def _without_catches(f: Func) -> Func:
    """`f` with its `try_table`s' catch clauses dropped (what liveness once built a second
    CFG from)."""
    body = [
        replace(
            ins,
            imms=tuple(
                () if isinstance(imm, tuple) and any(isinstance(c, Catch) for c in imm) else imm
                for imm in ins.imms
            ),
        )
        if ins.op.name == "try_table"
        else ins
        for ins in f.body
    ]
    return replace(f, body=body)


@pytest.mark.parametrize(("src", "index"), [(TRIES, 1), (LOOP, 0)])
def test_normal_succs_and_block_events(src: str, index: int) -> None:
    """What liveness reads instead of a second CFG and per-block walks of the body:
    `CFG.normal_succs` are the edges of the body without its catch clauses (None when it
    has none), and `Liveness.block_events(k)` are `events_backward`'s events of block k in
    body order (calls and throws only inside a `try_table` with catches)."""
    f = func(src, index)
    cfg = build_cfg(f)
    normal = [b.succs for b in build_cfg(_without_catches(f)).blocks]
    lv = compute_liveness(f, cfg)
    if src is TRIES:
        assert cfg.normal_succs == normal != [b.succs for b in cfg.blocks]
        assert lv.events.throws and lv.throw_targets == {2: (6, 7), 3: (6,)}  # blocks with a call or throw
        outside = cfg.block_of[0]  # the first `call $g` is not inside a try_table
        assert [e for e in lv.block_events(outside) if e[2] == THROWS] == []
    else:
        assert cfg.normal_succs is None and [b.succs for b in cfg.blocks] == normal
        assert not lv.events.throws and lv.throw_targets == {}
    for b in cfg.blocks:
        want = list(events_backward(f.body, b.start, b.end, b.index in lv.throw_targets))[::-1]
        assert lv.block_events(b.index) == want
    assert [e for b in cfg.blocks for e in lv.block_events(b.index)] == [
        e for e in lv.events.items() if e[2] != THROWS or cfg.block_of[e[0]] in lv.throw_targets
    ]


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
    assert [CODES[c][0] for c in ("unused-local", "never-read", "dead-store")] == [
        Severity.WARNING,
        Severity.WARNING,
        Severity.HINT,
    ]
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
    assert not wasmtime_run.diff_outcomes(
        wasmtime_run.run_exports(SRC), wasmtime_run.run_exports(out.decode())
    )


def test_remove_one_unused_local_quick_fix() -> None:
    doc = analyse(SRC.encode())
    diags = liveness_diagnostics(module(SRC))
    d = next(d for d in diags if d.code == "unused-local" and d.data["local"] == 3)
    out = apply_edits(SRC.encode(), remove_unused_locals.quick_fix(doc, d)).decode()
    assert "(local i32 i64) (local $v f64)" in out
    assert "local.get 5" in out and "(local.get 4)" in out and "local.get 0x2 ;;" in out
    assert wasmtools.validate(out.encode()).ok


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("(local $a i32) (local $b i32)", ""),
        ("(local $a i32)\n    (local $b i32)", ""),
        ("(local i32 i32)", ""),
    ],
)
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
    for seed, _fold, text in wasmtools.smith_texts(range(40)):
        out = run_passes(text, ["remove-unused-locals"])
        if out == text:
            continue
        changed += 1
        assert wasmtools.validate(out).ok, seed
        diffs = wasmtime_run.runs_the_same(text, out)
        if diffs is None:
            continue
        compared += 1
        assert not diffs, seed
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
    assert [(d.code, d.data["local"]) for d in all_diags] == [
        ("never-read", 2),
        ("dead-store", 1),
        ("dead-store", 1),
    ]
    assert [STORES.encode()[r.span.start : r.span.end] for r in all_diags[0].related] == [b"local.tee $b"] * 3
    diags = [d for d in all_diags if d.code == "dead-store"]
    first = diags[0]  # the tee inside the set of $p
    out = apply_edits(STORES.encode(), remove_dead_stores.quick_fix(doc, first)).decode()
    assert (
        "(local.set $p (local.get $a))" in out and out.count("local.tee") == 3 and out.count("local.set") == 3
    )


def test_dead_stores_in_invalid_modules_are_left_alone() -> None:
    src = b"(module (func (local $a i32) (local.set $a (i32.const 1)) (i64.const 1)))"
    assert run_passes(src, ["remove-dead-stores"]) == src


def test_dead_store_passes_on_smith_modules() -> None:
    bad = []
    for seed, fold, text in wasmtools.smith_texts(range(60)):
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


# ------------------------------------------------------------------- never-read


def shown(src: bytes) -> list[tuple[str, str, str]]:
    """(code, text of the span, message) of every diagnostic `analyse` gives."""
    return [(d.code, src[d.span.start : d.span.end].decode(), d.message) for d in analyse(src).diagnostics]


def test_never_read_one_diagnostic_with_its_stores() -> None:
    src = b"""(module (type $t (struct)) (func (local $x (ref $t))
      (local.set $x (struct.new $t)) (unreachable) (local.set $x (struct.new $t))))"""
    [d] = [d for d in analyse(src).diagnostics if d.code != "unreachable-code"]
    assert (d.code, d.severity, d.tags, d.data) == (
        "never-read",
        Severity.WARNING,
        (Tag.UNNECESSARY,),
        {"func": 0, "local": 0},
    )
    assert (src[d.span.start : d.span.end], d.message) == (
        b"(local $x (ref $t))",
        "local `$x` is written but never read",
    )
    # every store, also unreachable ones and those of a non-nullable local (no get: no 1a issue)
    assert [(src[r.span.start : r.span.end], r.message) for r in d.related] == [
        (b"local.set $x", "written here")
    ] * 2


@pytest.mark.parametrize(
    ("src", "want"),
    [
        # a param written and never read: only the dead store (params are the signature)
        (
            b"(module (func (param $p i32) (local.set $p (i32.const 1))))",
            [
                (
                    "dead-store",
                    "local.set $p",
                    "the value stored to local `$p` is never read: the store can go",
                )
            ],
        ),
        # read, if only its default value: not never-read, the store is dead
        (
            b"(module (func (result i32) (local $x i32) (local.get $x) (local.set $x (i32.const 1))))",
            [
                (
                    "dead-store",
                    "local.set $x",
                    "the value stored to local `$x` is never read: the store can go",
                )
            ],
        ),
        (
            b"(module (func (local i32 i64) (local.set 1 (i64.const 1))))",
            [
                ("unused-local", "i32", "local 0 is never read or written"),
                ("never-read", "i64", "local 1 is written but never read"),
            ],
        ),
    ],
)
def test_liveness_codes_exact(src: bytes, want: list[tuple[str, str, str]]) -> None:
    assert shown(src) == want


def test_where_liveness_is_reported() -> None:
    src = b"""(assert_invalid (module (func (local $a i32) (i64.const 1))) "type mismatch")
(assert_trap (module (func $s (local $b i32) (unreachable)) (start $s)) "unreachable")
(module quote "(func (local $c i32))")
(module
  (func (local $d i32) (i64.const 1))
  (func (local $e i32) (local $f i32) (drop (local.get $f))))"""
    assert [(c, t) for c, t, _ in shown(src)] == [
        ("unused-local", "(local $b i32)"),  # a module the script runs
        ("stack-height", ")"),  # and no liveness in the function with the error
        ("unused-local", "(local $e i32)"),  # but in its error-free neighbour
    ]


NEVER_READ_SRC = b"""(module
  (global $n (export "n") (mut i32) (i32.const 0))
  (func $f (export "f") (param $p i32) (result i32) (local $a i32) (local $b i32) (local i64) (local $c i64)
    (local.set $b (call $g (i32.const 1)))  ;; effects stay
    (local.set 3 (i64.const 7))
    (drop (local.tee $b (local.get $p)))
    local.get $p
    local.tee 2
    (local.set $a)
    (local.set 4 (i64.const 2))
    (i32.add (local.get $a) (i32.wrap_i64 (local.get 4))))
  (func $g (param i32) (result i32) (global.set $n (i32.add (global.get $n) (i32.const 1))) (local.get 0)))
"""

NEVER_READ_B = b"""(module
  (global $n (export "n") (mut i32) (i32.const 0))
  (func $f (export "f") (param $p i32) (result i32) (local $a i32) (local i64) (local $c i64)
    (drop (call $g (i32.const 1)))  ;; effects stay
    (local.set 2 (i64.const 7))
    (drop (local.get $p))
    local.get $p
    (local.set $a)
    (local.set 3 (i64.const 2))
    (i32.add (local.get $a) (i32.wrap_i64 (local.get 3))))
  (func $g (param i32) (result i32) (global.set $n (i32.add (global.get $n) (i32.const 1))) (local.get 0)))
"""


def test_never_read_quick_fix_exact_and_same_behaviour() -> None:
    doc = analyse(NEVER_READ_SRC)
    diags = [d for d in doc.diagnostics if d.code == "never-read"]
    assert [d.data["local"] for d in diags] == [2, 3]
    fix, fix_all = fixes_for(doc, diags[0])
    assert (fix.title, fix.preferred, fix_all.preferred) == (
        "Remove `$b` and its stores (their values are still computed)",
        True,
        False,
    )
    at = NEVER_READ_SRC.index
    assert fix.edits == (
        TextEdit(at(b" (local $b i32)"), at(b" (local i64)"), ""),  # the declaration and a space
        TextEdit(at(b"3 (i64.const 7)"), at(b"3 (i64.const 7)") + 1, "2"),  # renumbered
        TextEdit(at(b"4 (i64.const 2)"), at(b"4 (i64.const 2)") + 1, "3"),
        TextEdit(at(b"4))))"), at(b"4))))") + 1, "3"),
        TextEdit(at(b"local.set $b"), at(b"local.set $b") + 12, "drop"),  # keeps the call
        TextEdit(at(b"(local.tee $b"), at(b"(local.get $p)))"), ""),  # `(local.tee $b ` ...
        TextEdit(at(b")\n    local.get $p") - 1, at(b")\n    local.get $p"), ""),  # ... and its `)`
        TextEdit(at(b"local.tee 2") - 4, at(b"(local.set $a)") - 4, ""),  # the whole line
    )
    out = apply_edits(NEVER_READ_SRC, fix.edits)
    assert out == NEVER_READ_B
    both = apply_edits(NEVER_READ_SRC, fix_all.edits)
    assert both == NEVER_READ_B.replace(b" (local i64)", b"").replace(
        b"(local.set 2 (i64.const 7))", b"(drop (i64.const 7))"
    ).replace(b"local.set 3 (", b"local.set 2 (").replace(b"(local.get 3)", b"(local.get 2)")
    assert fix_all.edits == fixes_for(doc, diags[1])[1].edits  # the same fix-all from either
    before = wasmtime_run.run_exports(NEVER_READ_SRC.decode())
    for text in (out, both):
        assert wasmtools.validate(text).ok
        assert [d.code for d in analyse(text).diagnostics if d.code == "never-read"] == (
            [] if text == both else ["never-read"]
        )
        assert not wasmtime_run.diff_outcomes(before, wasmtime_run.run_exports(text.decode()))


def test_dead_store_fix_keeps_side_effects() -> None:
    src = b"""(module (func $g (result i32) (i32.const 1))
  (func (result i32) (local $x i32)
    (local.set $x (call $g))
    (local.set $x (i32.const 2))
    (local.get $x))
  (func (i64.const 1)))"""  # an error in another function does not matter
    doc = analyse(src)
    [d] = [d for d in doc.diagnostics if d.code == "dead-store"]
    [fix] = fixes_for(doc, d, fix_all=False)
    assert fix.title == "Remove the dead store to `$x`"
    assert fix.edits == (TextEdit(86, 98, "drop"),)
    assert src[86:98] == b"local.set $x"
    assert b"(drop (call $g))\n    (local.set $x (i32.const 2))" in apply_edits(src, fix.edits)


def test_fix_titles_name_the_local() -> None:
    doc = analyse(b"(module (func (local $a i32) (local i64)))")
    assert [(d.code, fixes_for(doc, d, fix_all=False)[0].title) for d in doc.diagnostics] == [
        ("unused-local", "Remove the unused local `$a`"),
        ("unused-local", "Remove the unused local 1"),
    ]


def test_never_read_on_smith_modules() -> None:
    """The never-read fix-all on random valid modules: the output validates, runs the same
    and reports no never-read local."""
    changed = compared = 0
    for seed in range(40):
        wasm = wasmtools.smith(
            seed, seed_bytes=16384, gc_enabled=True, exceptions_enabled=True, ensure_termination=True
        )
        text = wasmtools.print_wasm(wasm, fold=seed % 2 == 1).encode()
        doc = analyse(text)
        diag = next((d for d in doc.diagnostics if d.code == "never-read"), None)
        if diag is None:
            continue
        fixes = fixes_for(doc, diag)
        out = apply_edits(text, fixes[-1].edits)
        changed += 1
        assert wasmtools.validate(out).ok, seed
        assert not any(d.code == "never-read" for d in analyse(out).diagnostics), seed
        diffs = wasmtime_run.runs_the_same(text, out)
        if diffs is None:
            continue
        compared += 1
        assert not diffs, seed
    assert changed >= 4 and compared >= 1


@pytest.mark.skipif(not SUITE.exists(), reason="spec test suite not available")
def test_never_read_fix_on_the_spec_suite() -> None:
    """Every module of the spec suite with a never-read local: the fix-all output validates
    and has no never-read local left (14 modules, 42 locals)."""
    fixed = 0
    bad: list[str] = []
    for path in sorted(SUITE.glob("*.wast")):
        data = path.read_bytes()
        whole = analyse(data)
        starts = [d.span.start for d in whole.diagnostics if d.code == "never-read"]
        for m in whole.modules:
            if m.kind != "text" or not any(m.span.start <= s < m.span.end for s in starts):
                continue
            text = data[m.span.start : m.span.end]
            doc = analyse(text)
            diag = next((d for d in doc.diagnostics if d.code == "never-read"), None)
            if diag is None:
                continue
            out = apply_edits(text, fixes_for(doc, diag)[-1].edits)
            fixed += 1
            if not wasmtools.validate(out).ok or any(
                d.code == "never-read" for d in analyse(out).diagnostics
            ):
                bad.append(f"{path.name}@{m.span.start}")
    assert bad == []
    assert fixed >= 10
