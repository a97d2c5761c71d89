"""`DocumentAnalysis` re-analyses by function and agrees with `analyse` on every version."""

from __future__ import annotations

import random

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
ALPHABET = b"0123456789()$ abcilgtx.\n@;\"\xc3\x80"


def _key(d: Diagnostic) -> tuple[object, ...]:
    return (d.code, d.message, d.span, d.severity, d.related)


def _diags(result: list[Diagnostic] | Document) -> list[Diagnostic]:
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
    src = b"(module (func)) (assert_invalid (module (func (i32.const 0))) \"type mismatch\")"
    da = DocumentAnalysis()
    assert isinstance(da.update(src, parse(src)), Document)
