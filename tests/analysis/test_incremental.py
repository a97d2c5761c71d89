"""`DocumentAnalysis` re-analyses by function and agrees with `analyse` on every version."""

from __future__ import annotations

import random
from collections.abc import Sequence

from wat_lsp.analysis.diagnostics import Diagnostic
from wat_lsp.analysis.document import Document, analyse
from wat_lsp.analysis.incremental import DocumentAnalysis
from wat_lsp.analysis.syntax import parse

SRC = b"""(module
  (type $t (func (param i32) (result i32)))
  (global $g (mut i32) (i32.const 0))
  (memory 1)
  (func $a (param $x i32) (result i32)
    (local $y i32) (local $r (ref $t))
    local.get $x
    i32.const 10
    i32.add
    local.set $y
    (call $b (local.get $y)))
  (func $b (type $t)
    (block $l (result i32)
      (br_if $l (local.get 0) (i32.eqz (local.get 0)))
      drop
      (i32.load (global.get $g))))
  (func $c (export "c") (local i64 f32)
    (global.set $g (i32.wrap_i64 (local.get 0)))
    (loop $k
      (br_if $k (i32.const 1))))
  (data (i32.const 8) "hi")
)
"""
ALPHABET = b'0123456789()$ abcilgtx.\n@;"\xc3\x80'


def _key(d: Diagnostic) -> tuple[object, ...]:
    return (d.code, d.message, d.span, d.severity, d.related)


def _diags(result: Sequence[Diagnostic] | Document) -> Sequence[Diagnostic]:
    return result.diagnostics if isinstance(result, Document) else result


def _bodies(data: bytes) -> list[tuple[int, int]]:
    """Ranges of function bodies (from the first instruction to the end of the field)."""
    out = []
    for f in analyse(data).modules[0].read.module.funcs:  # type: ignore[union-attr]
        if f.body_span is not None:
            out.append((f.body_span.start, f.body_span.end))
    return out


def test_random_edits_inside_bodies_agree_with_analyse() -> None:
    rng = random.Random(7)
    bodies = _bodies(SRC)
    modes: set[str] = set()
    for _ in range(300):
        da = DocumentAnalysis()
        da.update(SRC, parse(SRC))
        data = SRC
        for _step in range(3):
            start, end = rng.choice(bodies)
            pos = rng.randrange(start, end)
            op = rng.choice(("replace", "insert", "delete"))
            ch = bytes([rng.choice(ALPHABET)])
            if op == "replace":
                data = data[:pos] + ch + data[pos + 1 :]
            elif op == "insert":
                data = data[:pos] + ch + data[pos:]
            else:
                data = data[:pos] + data[pos + 1 :]
            tree = parse(data)
            got = _diags(da.update(data, tree))
            modes.add(da.last_mode)
            want = analyse(data, tree).diagnostics
            assert sorted(map(_key, got), key=repr) == sorted(map(_key, want), key=repr), data.decode()
            assert [d.span for d in got] == [d.span for d in want]
    assert "incremental" in modes


def test_edit_in_one_function_reanalyses_it_alone() -> None:
    da = DocumentAnalysis()
    da.update(SRC, parse(SRC))
    data = SRC.replace(b"i32.const 10", b"i64.const 10")
    got = _diags(da.update(data, parse(data)))
    assert da.last_mode == "incremental"
    assert [(d.code, d.span) for d in got] == [(d.code, d.span) for d in analyse(data).diagnostics]
    assert any(d.code == "type-mismatch" for d in got)
    again = SRC.replace(b"(global $g (mut i32)", b"(global $g (mut i64)")
    da.update(again, parse(again))
    assert da.last_mode == "full"


def test_scripts_fall_back_to_analyse() -> None:
    src = b'(module (func)) (assert_invalid (module (func (i32.const 0))) "type mismatch")'
    da = DocumentAnalysis()
    assert isinstance(da.update(src, parse(src)), Document)


LIVE_SRC = b"""(module
  (func $a (param $p i32) (result i32) (local $x i32) (local $y i32) (local $u i64)
    (local.set $x (i32.const 1))
    (local.set $x (local.get $p))
    (local.set $y (local.tee $p (i32.const 2)))
    (local.get $x))
  (func $b (local $z f32) (local $w i32)
    (local.set $z (f32.const 1))
    (block $l (br_if $l (local.get $w)) (local.set $w (i32.const 3))))
  (func $c (result i32) (local $k i32)
    (local.get $k))
)
"""


def test_liveness_agrees_with_analyse_under_random_edits() -> None:
    rng = random.Random(11)
    bodies = _bodies(LIVE_SRC)
    codes: set[str] = set()
    for _ in range(200):
        da = DocumentAnalysis()
        da.update(LIVE_SRC, parse(LIVE_SRC))
        data = LIVE_SRC
        for _step in range(3):
            start, end = rng.choice(bodies)
            pos = rng.randrange(start, min(end, len(data)))
            ch = bytes([rng.choice(b"0123456789$xyzkwp ()lgt.")])
            data = rng.choice(
                (
                    data[:pos] + ch + data[pos + 1 :],
                    data[:pos] + ch + data[pos:],
                    data[:pos] + data[pos + 1 :],
                )
            )
            tree = parse(data)
            got = _diags(da.update(data, tree))
            want = analyse(data, tree).diagnostics
            assert sorted(map(_key, got), key=repr) == sorted(map(_key, want), key=repr), data.decode()
            codes |= {d.code for d in got}
    assert {"unused-local", "never-read", "dead-store"} <= codes


def test_liveness_of_untouched_functions_is_kept() -> None:
    da = DocumentAnalysis()
    first = _diags(da.update(LIVE_SRC, parse(LIVE_SRC)))
    assert [(d.code, LIVE_SRC[d.span.start : d.span.end]) for d in first] == [
        ("never-read", b"(local $y i32)"),
        ("unused-local", b"(local $u i64)"),
        ("dead-store", b"local.set $x"),
        ("dead-store", b"local.tee $p"),
        ("never-read", b"(local $z f32)"),
        ("dead-store", b"local.set $w"),
    ]
    state = da._state
    assert state is not None
    kept = [e.live for e in state.entries]
    # the same length: nothing moves; only $b's liveness is computed again
    data = LIVE_SRC.replace(b"(f32.const 1)", b"(f32.const 2)")
    again = _diags(da.update(data, parse(data)))
    assert da.last_mode == "incremental"
    assert [e.live is k for e, k in zip(state.entries, kept, strict=True)] == [True, False, True]
    assert [(d.code, d.span) for d in again] == [(d.code, d.span) for d in first]
    # an error in $a hides its liveness diagnostics, and only its own
    data = LIVE_SRC.replace(
        b"(local.get $x))\n  (func $b", b"(local.get $x) (nop) (i64.const 0))\n  (func $b"
    )
    broken = _diags(da.update(data, parse(data)))
    assert da.last_mode == "incremental"
    assert [d.code for d in broken] == ["stack-height", "never-read", "dead-store"]
