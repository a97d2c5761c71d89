"""reorder-locals: exact edits, validity by wasm-tools, equal wasmtime results, comments kept,
and the order wasm-opt's pass gives."""

from __future__ import annotations

import random
from pathlib import Path

from wat_lsp.analysis.document import analyse
from wat_lsp.passes import remove_unused_locals, reorder_locals
from wat_lsp.passes.edits import TextEdit, apply_edits

from tests.oracles import wasmtools
from tests.passes.local_pass_helpers import our_locals, run_pass, same_behaviour, wasm_opt_locals

R_SRC = b"""(module
  (func $f (export "f") (param i32) (result i32)
    (local $a i32) ;; a: used once
    ;; b is the hot one
    (local $b i64)
    (local i32 (; c ;) f32 ;; inner
      f64) (local $unused i32) ;; gone
    (local $c i32)
    local.get 0
    local.set $c
    (local.set 5 (f64.const 1))
    local.get $b
    local.get 1
    drop
    local.get 3
    i64.extend_i32_u
    local.set $b
    local.get $b
    drop drop
    local.get 4
    drop
    local.get 7   ;; $c
    )
  (func (export "g") (result i32) (local i32 i64 f32) (local.set 1 (i64.const 7)) (local.set 0 (i32.wrap_i64 (local.get 1))) (local.get 0))
  (func (export "h") (param $p i32) (result i32)
    (local $x i32) (local $y i32) ;; y
    (local.set $y (i32.add (local.get $p) (local.get 2)))
    (local.tee $x (local.get 2)))
)
"""

# $b (3 uses), $c (2), then one use each by first use: the f64, $a, the i32, the f32.
R_OUT = b"""(module
  (func $f (export "f") (param i32) (result i32)
    ;; b is the hot one
    (local $b i64)
    ;; gone
    (local $c i32)
    (local ;; inner
      f64)
    (local $a i32) ;; a: used once
    (local i32 (; c ;) f32)
    local.get 0
    local.set $c
    (local.set 3 (f64.const 1))
    local.get $b
    local.get 4
    drop
    local.get 5
    i64.extend_i32_u
    local.set $b
    local.get $b
    drop drop
    local.get 6
    drop
    local.get 2   ;; $c
    )
  (func (export "g") (result i32) (local i64 i32) (local.set 0 (i64.const 7)) (local.set 1 (i32.wrap_i64 (local.get 0))) (local.get 1))
  (func (export "h") (param $p i32) (result i32)
    (local $y i32) ;; y
    (local $x i32)
    (local.set $y (i32.add (local.get $p) (local.get 1)))
    (local.tee $x (local.get 1)))
)
"""


def test_reorder_exact_text_and_behaviour() -> None:
    out = run_pass(R_SRC, "reorder-locals")
    assert out == R_OUT
    same_behaviour(R_SRC, out)
    assert run_pass(out, "reorder-locals") == out  # already in order


def test_reorder_order_is_use_count_then_first_use() -> None:
    doc = analyse(R_SRC)
    read = doc.modules[0].read
    assert read is not None
    assert [reorder_locals.new_order(f) for f in read.module.funcs] == [[2, 7, 5, 1, 3, 4], [1, 0], [2, 1]]


def test_reorder_edits_touch_only_declarations_and_numeric_indices() -> None:
    edits = sorted(reorder_locals.run(analyse(R_SRC)))
    start = R_SRC.index(b"(local $a i32)")
    assert edits[0] == TextEdit(
        start,
        R_SRC.index(b"(local $c i32)") + len("(local $c i32)"),
        R_OUT[start : R_OUT.index(b"\n    local.get 0")].decode(),
    )
    g = R_SRC.index(b"(local i32 i64 f32)")
    assert edits[6] == TextEdit(g, g + len("(local i32 i64 f32)"), "(local i64 i32)")
    h = R_SRC.index(b"(local $x i32)")
    assert edits[11] == TextEdit(h, R_SRC.index(b";; y") + 4, "(local $y i32) ;; y\n    (local $x i32)")
    indices = [
        (R_SRC[e.start : e.end].decode(), e.new_text)
        for e in edits
        if e not in (edits[0], edits[6], edits[11])
    ]
    assert indices == [
        ("5", "3"),
        ("1", "4"),
        ("3", "5"),
        ("4", "6"),
        ("7", "2"),
        ("1", "0"),
        ("0", "1"),
        ("1", "0"),
        ("0", "1"),
        ("2", "1"),
        ("2", "1"),
    ]


def test_reorder_removals_only_are_remove_unused_locals() -> None:
    src = b"(module (func (local $a i32) (local $b i32) ;; b\n (local $c i32) (local.set $a (i32.const 1)) (drop (local.get 2))))"
    doc = analyse(src)
    read = doc.modules[0].read
    assert read is not None
    edits = reorder_locals.run(doc)
    assert edits == remove_unused_locals.func_edits(doc, read.module.funcs[0])
    assert (
        apply_edits(src, edits)
        == b"(module (func (local $a i32) ;; b\n (local $c i32) (local.set $a (i32.const 1)) (drop (local.get 1))))"
    )


def test_reorder_leaves_alone_what_it_cannot_renumber() -> None:
    sorted_ = (
        b"(module (func (param i32) (local i32 i64) (local.set 1 (local.get 0)) (local.set 2 (i64.const 0))))"
    )
    assert reorder_locals.run(analyse(sorted_)) == []
    unresolved = (
        b"(module (func (local $a i32) (local $b i32) (drop (local.get $b)) (drop (local.get $nope))))"
    )
    assert reorder_locals.run(analyse(unresolved)) == []
    no_locals = b"(module (func (param $p i32) (drop (local.get $p))))"
    assert reorder_locals.run(analyse(no_locals)) == []


def test_reorder_line_comment_never_swallows_code() -> None:
    # the declaration with a `;;` comment moves to the end of a one-line list
    src = b'(module (func (export "f") (result i32) (local $a i32) ;; a\n  (local $b i32) (local.set $b (i32.const 3)) (local.set $a (local.get $b)) (local.get $b)))'
    out = run_pass(src, "reorder-locals")
    assert out == (
        b'(module (func (export "f") (result i32) (local $b i32)\n  (local $a i32) ;; a\n'
        b"  (local.set $b (i32.const 3)) (local.set $a (local.get $b)) (local.get $b)))"
    )
    same_behaviour(src, out)
    # a removed declaration's comment goes with the next kept one, or after the last
    src = b"(module (func (local $u i32) ;; unused\n (local $x i32) (local $y i32)\n (local.set $y (local.get $y)) (local.set $y (local.get $x))))"
    assert run_pass(src, "reorder-locals") == (
        b"(module (func (local $y i32)\n  ;; unused\n  (local $x i32)\n"
        b" (local.set $y (local.get $y)) (local.set $y (local.get $x))))"
    )


def test_reorder_odd_declarations() -> None:
    # an empty `(local)` goes, its comment with the next declaration
    src = b"(module (func (local $a i32) (local) ;; empty\n (local $b i32) (drop (local.get $b)) (local.set $b (local.get $a))))"
    assert run_pass(src, "reorder-locals") == (
        b"(module (func ;; empty\n  (local $b i32)\n  (local $a i32)"
        b" (drop (local.get $b)) (local.set $b (local.get $a))))"
    )
    # text that is not UTF-8 inside the declarations: nothing is rewritten, nothing crashes
    bad = b"(module (func (local $a i32) ;; \xff\n (local $b i32) (drop (local.get $b)) (local.set $a (local.get $b))))"
    assert reorder_locals.run(analyse(bad)) == []


def test_reorder_keeps_every_comment_in_smith_declarations() -> None:
    """Comments put at random around and inside the declarations of smith modules all survive
    reorder-locals, and the output validates."""
    rng = random.Random(1)
    kinds = [";; c{}\n", "(; b{} ;)", "(; multi\nline {} ;)"]
    outs: list[bytes] = []
    for _seed, _wasm, wat in wasmtools.smith_corpus(150):
        data = wat.encode()
        read = analyse(data).modules[0].read
        assert read is not None
        spots = sorted({p for f in read.module.funcs for d in f.locals for p in (d.span.start, d.span.end)})
        if not spots:
            continue
        comments = [rng.choice(kinds).format(k) for k in range(6)]
        parts, last = [], 0
        for p, c in zip(sorted(rng.sample(spots, min(len(spots), 6))), comments, strict=False):
            parts += [data[last:p], f" {c} ".encode()]
            last = p
        src = b"".join(parts) + data[last:]
        out = run_pass(src, "reorder-locals")
        if out != src:
            assert all(out.count(c.strip().encode()) == src.count(c.strip().encode()) for c in comments)
            outs.append(out)
    assert len(outs) >= 15
    assert all(r.ok for r in wasmtools.validate_many(outs))


def test_reorder_matches_wasm_opt(tmp_path: Path) -> None:
    src = b"""(module
  (func $f (param $p i32) (result i32)
    (local $a i32) (local $b i64) (local $c f32) (local $d i32) (local $e f64) (local $unused i32)
    (local.set $d (local.get $p))
    (local.set $e (f64.const 1))
    (drop (local.get $e))
    (local.set $a (i32.add (local.get $d) (local.get $d)))
    (local.set $c (f32.const 2))
    (local.set $b (i64.extend_i32_u (local.get $a)))
    (i32.wrap_i64 (local.get $b))))"""
    assert our_locals(run_pass(src, "reorder-locals")) == wasm_opt_locals(src, "reorder-locals", tmp_path)
