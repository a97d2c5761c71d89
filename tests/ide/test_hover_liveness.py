"""Hover's "live/dead here" agrees with `analysis.liveness` inside `try_table`.

A call (or throw) inside a `try_table` may go to a catch handler, so a local the handler
reads is live across the call: a store before the call is not dead. Hover used to walk its
block without those catch edges and called such a store dead; it now walks as `liveness`
does (`Liveness.block_events`, `throw_live`).
"""

from __future__ import annotations

import random
import shutil

import pytest
from lsprotocol import types
from wat_lsp.analysis.diagnostics import Severity
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.ide.hover import live_around
from wat_lsp.analysis.liveness import Liveness, compute_liveness, dead_stores, events_backward
from wat_lsp.analysis.model import Func
from wat_lsp.server.documents import open_snapshot
from wat_lsp.server.ide_requests import hover

TEXT = """(module
  (func $g)
  (tag $e (param i32))
  (func $f (result i32) (local $x i32) (local $y i32) (local $z i32)
    (block $h
      (block $t (result i32)
        (try_table (result i32) (catch $e $t) (catch_all $h)
          (local.set $x (i32.const 1))
          (local.set $y (i32.const 5))
          (local.set $y (i32.const 6))
          (call $g)
          (local.set $z (i32.const 3))
          (throw $e (local.get $y))))
      (drop)
      (return (local.get $z)))
    (local.get $x)))
"""

STORE = "the value stored here is read later (live)"
DEAD = "the value stored here is never read (dead store)"


def _hover_at(needle: str, occurrence: int = 0, column: int = 11) -> str:
    snap = open_snapshot("untitled:h.wat", 1, TEXT)
    lines = TEXT.split("\n")
    found = [(n, line.index(needle)) for n, line in enumerate(lines) if needle in line]
    line, col = found[occurrence]
    result = hover(snap, types.Position(line, col + column), "utf-16")
    assert result is not None and isinstance(result.contents, types.MarkupContent)
    return result.contents.value


@pytest.mark.parametrize(
    ("needle", "occurrence", "last_line"),
    [
        ("(local.set $x", 0, STORE),  # the catch_all handler reads $x if `call $g` throws
        ("(local.set $y", 0, DEAD),  # overwritten before anything may throw
        ("(local.set $y", 1, STORE),  # `throw $e (local.get $y)` reads it
        ("(local.set $z", 0, STORE),  # the `catch $e` handler's block returns $z
    ],
)
def test_hover_sees_catch_handlers(needle: str, occurrence: int, last_line: str) -> None:
    text = _hover_at(needle, occurrence)
    assert text.split("\n\n")[-1] == last_line


def _stores(func: Func) -> list[int]:
    return [i for i, ins in enumerate(func.body) if ins.op.name in ("local.set", "local.tee")]


def test_hover_liveness_equals_dead_stores_here() -> None:
    doc = analyse(TEXT.encode())
    read = doc.modules[0].read
    assert read is not None
    func = read.module.funcs[1]
    lv = compute_liveness(func)
    dead = dead_stores(func, lv)
    locals_ = [ins.imms[0] if ins.imms else None for ins in func.body]
    verdicts = [
        (i, bool(live_around(func, lv, i)[1] >> x & 1))
        for i in _stores(func)
        if isinstance(x := locals_[i], int)
    ]
    assert [i for i, live in verdicts if not live] == dead
    assert len(verdicts) == 4 and len(dead) == 1
    # `dead-store` diagnostics say the same: only the first store to $y
    codes = [(d.code, TEXT.encode()[d.span.start : d.span.end].decode()) for d in doc.diagnostics]
    assert codes == [("dead-store", "local.set $y")]


N = 5  # locals per generated function


def _statements(rng: random.Random, labels: list[str], depth: int) -> list[str]:
    """Stack-neutral statements over i32 locals $l0..: stores, reads, calls, throws,
    conditional branches out, and nested blocks holding a `try_table` whose `catch_all`
    goes to an enclosing block (so what follows that block is the handler)."""
    out = []
    for _ in range(rng.randrange(1, 7)):
        r, k, j = rng.random(), rng.randrange(N), rng.randrange(N)
        if r < 0.3:
            out.append(f"(local.set $l{k} (i32.const {rng.randrange(9)}))")
        elif r < 0.4:
            out.append(f"(local.set $l{k} (local.get $l{j}))")
        elif r < 0.45:
            out.append(f"(drop (local.tee $l{k} (local.get $l{j})))")
        elif r < 0.6:
            out.append(f"(drop (local.get $l{k}))")
        elif r < 0.72:
            out.append("(call $g)")
        elif r < 0.78:
            out.append(f"(br_if {rng.choice(labels)} (local.get $l{k}))")
        elif r < 0.8:
            out.append(f"(throw $e (local.get $l{k}))")
        elif depth > 0:
            name = f"$b{rng.randrange(10**6)}"
            inner = " ".join(_statements(rng, [*labels, name], depth - 1))
            if rng.random() < 0.7:
                out.append(f"(block {name} (try_table (catch_all {rng.choice(labels)}) {inner}))")
            else:
                out.append(f"(block {name} {inner})")
    return out


def _module(seed: int) -> str:
    rng = random.Random(seed)
    funcs = []
    for f in range(6):
        locals_ = " ".join(f"(local $l{k} i32)" for k in range(N))
        body = " ".join(_statements(rng, ["$top"], 3))
        reads = " ".join(f"(drop (local.get $l{k}))" for k in range(N) if rng.random() < 0.5)
        funcs.append(f"(func $f{f} {locals_} (block $top {body}) {reads})")
    return "(module (func $g) (tag $e (param i32)) " + " ".join(funcs) + ")"


def _old_after(func: Func, lv: Liveness, index: int) -> int:
    """What hover computed before: the block walked back without catch handlers."""
    b = lv.cfg.blocks[lv.cfg.block_of[index]]
    live = lv.live_out[b.index]
    for _, is_get, x in events_backward(func.body, index + 1, b.end, False):
        live = live | 1 << x if is_get else live & ~(1 << x)
    return live


def test_hover_liveness_equals_dead_stores_on_generated_modules() -> None:
    """Every store of generated functions full of `try_table`s, calls and throws: hover's
    "read later" is the complement of `dead_stores`. The modules are valid
    (wasm-tools agrees when it is installed)."""
    stores = in_try = fixed = 0
    texts = [_module(seed) for seed in range(40)]
    for text in texts:
        doc = analyse(text.encode())
        assert not [d for d in doc.diagnostics if d.severity == Severity.ERROR], text
        read = doc.modules[0].read
        assert read is not None
        for func in read.module.funcs[1:]:
            lv = compute_liveness(func)
            assert lv.cfg.precise
            dead = set(dead_stores(func, lv))
            for i in _stores(func):
                x = func.body[i].imms[0]
                assert isinstance(x, int)
                live = bool(live_around(func, lv, i)[1] >> x & 1)
                assert live == (i not in dead), (text, func.index, i)
                stores += 1
                in_try += lv.cfg.block_of[i] in lv.throw_targets
                fixed += live and not _old_after(func, lv, i) >> x & 1
    assert (stores, in_try, fixed) == (981, 155, 14)
    if shutil.which("wasm-tools") is not None:
        wasmtools = pytest.importorskip("tests.oracles.wasmtools")
        assert all(r.ok for r in wasmtools.validate_many(texts))


def test_unknown_huge_local_index_is_left_out() -> None:
    """`local.get 4000000000` is an unknown-index error; liveness must not make a bitset
    with that bit (a 500 MB integer, seconds per hover), and hover still answers."""
    text = """(module
  (func (param i32) (result i32) (local $x i32)
    (local.set $x (i32.const 1))
    (drop (local.get 4000000000))
    (local.get $x)))
"""
    doc = analyse(text.encode())
    assert [d.code for d in doc.diagnostics if d.severity == Severity.ERROR] == ["unknown-index"]
    func = doc.modules[0].read.module.funcs[0]  # type: ignore[union-attr]
    lv = compute_liveness(func)
    assert max(lv.live_in + lv.live_out).bit_length() <= 2
    snap = open_snapshot("untitled:big.wat", 1, text)
    result = hover(snap, types.Position(2, 16), "utf-16")
    assert result is not None and isinstance(result.contents, types.MarkupContent)
    assert result.contents.value.endswith(STORE)
