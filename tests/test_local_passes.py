"""reorder-locals, local-subtyping and the "Make `$x` non-nullable" refactoring: exact edits,
validity by wasm-tools, equal wasmtime results, local-subtyping as the inverse of the fixup,
and both passes over samples of the spec suite and of smith modules."""

from __future__ import annotations

import random
import re
import subprocess
from pathlib import Path

import pytest
from wat_lsp.analysis.diagnostics import Severity
from wat_lsp.analysis.document import Document, analyse
from wat_lsp.analysis.model import RefType
from wat_lsp.analysis.validate import module_context
from wat_lsp.passes import fixup_non_nullable_locals as fixup
from wat_lsp.passes import local_subtyping, remove_unused_locals, reorder_locals
from wat_lsp.passes.edits import TextEdit, apply_edits
from wat_lsp.passes.registry import PASSES, run_passes

from tests.corpus import ROOT as SPEC_ROOT
from tests.corpus import core_files
from tests.tools import need_wasm_opt

from .oracles import wasmtime_run, wasmtools

ROOT = Path(__file__).resolve().parents[1]


def _same_behaviour(before: bytes, after: bytes) -> None:
    assert wasmtools.validate(after).ok, after.decode()
    a = wasmtime_run.run_exports(before.decode())
    assert a and all(c.status == "ok" for o in a.values() for c in o.calls)
    assert not wasmtime_run.diff_outcomes(a, wasmtime_run.run_exports(after.decode()))


def _pass(src: bytes, name: str) -> bytes:
    return apply_edits(src, PASSES[name].run(analyse(src)))


# ------------------------------------------------------------------------ reorder-locals

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
    out = _pass(R_SRC, "reorder-locals")
    assert out == R_OUT
    _same_behaviour(R_SRC, out)
    assert _pass(out, "reorder-locals") == out  # already in order


def test_reorder_order_is_use_count_then_first_use() -> None:
    doc = analyse(R_SRC)
    read = doc.modules[0].read
    assert read is not None
    assert [reorder_locals.new_order(f) for f in read.module.funcs] == [[2, 7, 5, 1, 3, 4], [1, 0], [2, 1]]


def test_reorder_edits_touch_only_declarations_and_numeric_indices() -> None:
    edits = sorted(reorder_locals.run(analyse(R_SRC)))
    start = R_SRC.index(b"(local $a i32)")
    assert edits[0] == TextEdit(start, R_SRC.index(b"(local $c i32)") + len("(local $c i32)"),
                                R_OUT[start : R_OUT.index(b"\n    local.get 0")].decode())  # fmt: skip
    g = R_SRC.index(b"(local i32 i64 f32)")
    assert edits[6] == TextEdit(g, g + len("(local i32 i64 f32)"), "(local i64 i32)")
    h = R_SRC.index(b"(local $x i32)")
    assert edits[11] == TextEdit(h, R_SRC.index(b";; y") + 4, "(local $y i32) ;; y\n    (local $x i32)")
    indices = [(R_SRC[e.start : e.end].decode(), e.new_text) for e in edits if e not in (edits[0], edits[6], edits[11])]
    assert indices == [("5", "3"), ("1", "4"), ("3", "5"), ("4", "6"), ("7", "2"), ("1", "0"), ("0", "1"), ("1", "0"),
                       ("0", "1"), ("2", "1"), ("2", "1")]  # fmt: skip


def test_reorder_removals_only_are_remove_unused_locals() -> None:
    src = b"(module (func (local $a i32) (local $b i32) ;; b\n (local $c i32) (local.set $a (i32.const 1)) (drop (local.get 2))))"
    doc = analyse(src)
    read = doc.modules[0].read
    assert read is not None
    edits = reorder_locals.run(doc)
    assert edits == remove_unused_locals.func_edits(doc, read.module.funcs[0])
    assert apply_edits(src, edits) == b"(module (func (local $a i32) ;; b\n (local $c i32) (local.set $a (i32.const 1)) (drop (local.get 1))))"


def test_reorder_leaves_alone_what_it_cannot_renumber() -> None:
    sorted_ = b"(module (func (param i32) (local i32 i64) (local.set 1 (local.get 0)) (local.set 2 (i64.const 0))))"
    assert reorder_locals.run(analyse(sorted_)) == []
    unresolved = b"(module (func (local $a i32) (local $b i32) (drop (local.get $b)) (drop (local.get $nope))))"
    assert reorder_locals.run(analyse(unresolved)) == []
    no_locals = b"(module (func (param $p i32) (drop (local.get $p))))"
    assert reorder_locals.run(analyse(no_locals)) == []


def test_reorder_line_comment_never_swallows_code() -> None:
    # the declaration with a `;;` comment moves to the end of a one-line list
    src = b"(module (func (export \"f\") (result i32) (local $a i32) ;; a\n  (local $b i32) (local.set $b (i32.const 3)) (local.set $a (local.get $b)) (local.get $b)))"
    out = _pass(src, "reorder-locals")
    assert out == (b"(module (func (export \"f\") (result i32) (local $b i32)\n  (local $a i32) ;; a\n"
                   b"  (local.set $b (i32.const 3)) (local.set $a (local.get $b)) (local.get $b)))")  # fmt: skip
    _same_behaviour(src, out)
    # a removed declaration's comment goes with the next kept one, or after the last
    src = b"(module (func (local $u i32) ;; unused\n (local $x i32) (local $y i32)\n (local.set $y (local.get $y)) (local.set $y (local.get $x))))"
    assert _pass(src, "reorder-locals") == (b"(module (func (local $y i32)\n  ;; unused\n  (local $x i32)\n"
                                            b" (local.set $y (local.get $y)) (local.set $y (local.get $x))))")  # fmt: skip


def test_reorder_odd_declarations() -> None:
    # an empty `(local)` goes, its comment with the next declaration
    src = b"(module (func (local $a i32) (local) ;; empty\n (local $b i32) (drop (local.get $b)) (local.set $b (local.get $a))))"
    assert _pass(src, "reorder-locals") == (b"(module (func ;; empty\n  (local $b i32)\n  (local $a i32)"
                                            b" (drop (local.get $b)) (local.set $b (local.get $a))))")  # fmt: skip
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
        out = _pass(src, "reorder-locals")
        if out != src:
            assert all(out.count(c.strip().encode()) == src.count(c.strip().encode()) for c in comments)
            outs.append(out)
    assert len(outs) >= 15
    assert all(r.ok for r in wasmtools.validate_many(outs))


def _wasm_opt_locals(src: bytes, pass_name: str, tmp_path: Path) -> list[tuple[str, str]]:
    exe = need_wasm_opt()
    wasm = tmp_path / "in.wasm"
    wasm.write_bytes(wasmtools.parse(src))
    out = subprocess.run([exe, str(wasm), f"--{pass_name}", "-all", "-S", "-o", "-"], capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    # Binaryen types struct.new and casts to final types as exact; we never introduce exactness.
    return [(m.group(1), re.sub(r"\(exact (\$\S+)\)", r"\1", m.group(2)))
            for m in re.finditer(r"^\s*\(local \$(\S+) (.*)\)$", out, re.M)]  # fmt: skip


def _our_locals(src: bytes) -> list[tuple[str, str]]:
    read = analyse(src).modules[0].read
    assert read is not None
    tt = module_context(read.module).types
    return [(d.name or str(d.index), tt.show(d.type)) for f in read.module.funcs for d in f.locals]


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
    assert _our_locals(_pass(src, "reorder-locals")) == _wasm_opt_locals(src, "reorder-locals", tmp_path)


# ----------------------------------------------------------------------- local-subtyping

GC_SRC = b"""(module
  (type $shape (sub (struct (field $area (mut i32)))))
  (type $sq (sub $shape (struct (field $area (mut i32)) (field $side i32))))
  (type $circ (sub $shape (struct (field $area (mut i32)) (field $r f32))))
  ;; comments around and inside the function survive
  (func $pick (export "pick") (param $n i32) (result i32)
    (local $s (ref null $shape))  ;; becomes (ref $shape)
    (local $any anyref) (; set in an arm only: stays nullable ;)
    (local i32 (ref null struct))
    (local $b anyref) (local $a anyref)
    (local.set $s (struct.new $sq (i32.const 4) (i32.const 2)))
    (if (local.get $n)
      (then (local.set $s (struct.new $circ (i32.const 3) (f32.const 1)))
            (local.set $any (local.get $s))))
    (drop (local.tee 4 (struct.new $sq (i32.const 9) (i32.const 3))))
    (local.set $b (struct.new $sq (i32.const 1) (i32.const 1)))
    (local.set $a (local.get $b))
    local.get 4
    ref.as_non_null   ;; redundant once local 4 is non-nullable
    ref.cast (ref $sq)
    struct.get $sq $side
    (struct.get $shape $area (ref.as_non_null (local.get $s)))
    i32.add
    (if (result i32) (ref.is_null (local.get $any))
      (then (i32.const 100))
      (else (struct.get $shape $area (ref.cast (ref $shape) (local.get $any)))))
    i32.add
    (ref.test (ref $sq) (local.get $a))
    i32.add)
)
"""

# $s: lub($sq, $circ) = $shape, every get covered; $any: set inside an arm only, so nullable;
# local 4 via a tee; $a only after $b is refined (a second round).
GC_OUT = b"""(module
  (type $shape (sub (struct (field $area (mut i32)))))
  (type $sq (sub $shape (struct (field $area (mut i32)) (field $side i32))))
  (type $circ (sub $shape (struct (field $area (mut i32)) (field $r f32))))
  ;; comments around and inside the function survive
  (func $pick (export "pick") (param $n i32) (result i32)
    (local $s (ref $shape))  ;; becomes (ref $shape)
    (local $any (ref null $shape)) (; set in an arm only: stays nullable ;)
    (local i32 (ref $sq))
    (local $b (ref $sq)) (local $a (ref $sq))
    (local.set $s (struct.new $sq (i32.const 4) (i32.const 2)))
    (if (local.get $n)
      (then (local.set $s (struct.new $circ (i32.const 3) (f32.const 1)))
            (local.set $any (local.get $s))))
    (drop (local.tee 4 (struct.new $sq (i32.const 9) (i32.const 3))))
    (local.set $b (struct.new $sq (i32.const 1) (i32.const 1)))
    (local.set $a (local.get $b))
    local.get 4
    ;; redundant once local 4 is non-nullable
    ref.cast (ref $sq)
    struct.get $sq $side
    (struct.get $shape $area (local.get $s))
    i32.add
    (if (result i32) (ref.is_null (local.get $any))
      (then (i32.const 100))
      (else (struct.get $shape $area (ref.cast (ref $shape) (local.get $any)))))
    i32.add
    (ref.test (ref $sq) (local.get $a))
    i32.add)
)
"""


def test_local_subtyping_exact_text_and_behaviour() -> None:
    out = _pass(GC_SRC, "local-subtyping")
    assert out == GC_OUT
    _same_behaviour(GC_SRC, out)
    assert _pass(out, "local-subtyping") == out


RAS = GC_SRC.index(b"(ref.as_non_null (local.get $s))")
GET_S = RAS + len("(ref.as_non_null ")
S_EDITS = [TextEdit(GC_SRC.index(b"$s (ref null") + 7, GC_SRC.index(b"$s (ref null") + 12, ""),
           TextEdit(RAS, GET_S, ""), TextEdit(GET_S + len("(local.get $s)"), GET_S + len("(local.get $s)") + 1, "")]  # fmt: skip


def test_local_subtyping_exact_edits() -> None:
    edits = local_subtyping.run(analyse(GC_SRC))
    at = GC_SRC.index
    assert sorted(edits) == sorted([
        *S_EDITS,  # ` null` of $s, and the folded ref.as_non_null around a get of it
        TextEdit(at(b"anyref) (;"), at(b"anyref) (;") + 6, "(ref null $shape)"),
        TextEdit(at(b"(ref null struct)") + 4, at(b"(ref null struct)") + 9, ""),
        TextEdit(at(b"(ref null struct)") + 10, at(b"(ref null struct)") + 16, "$sq"),
        TextEdit(at(b"ref.as_non_null   ;;"), at(b"ref.as_non_null   ;;") + 18, ""),
        TextEdit(at(b"anyref) (local $a"), at(b"anyref) (local $a") + 6, "(ref $sq)"),
        TextEdit(at(b"anyref)\n    (local.set $s"), at(b"anyref)\n    (local.set $s") + 6, "(ref $sq)"),
    ])  # fmt: skip


def test_local_subtyping_matches_wasm_opt(tmp_path: Path) -> None:
    assert _our_locals(_pass(GC_SRC, "local-subtyping")) == [
        (n, t) for n, t in _wasm_opt_locals(GC_SRC, "local-subtyping", tmp_path)]  # fmt: skip


def test_least_upper_bounds() -> None:
    src = b"""(module
  (type $a (sub (struct)))
  (type $b (sub $a (struct (field i32))))
  (type $c (sub $a (struct (field i64))))
  (type $d (sub $b (struct (field i32) (field f32))))
  (type $arr (array i8))
  (type $f1 (func))
  (type $f2 (func (param i32))))"""
    read = analyse(src).modules[0].read
    assert read is not None
    tt = module_context(read.module).types
    lub = local_subtyping.heap_lub
    assert [lub(tt, 3, 2), lub(tt, 3, 1), lub(tt, 1, 1), lub(tt, 3, "none"), lub(tt, "none", 2)] == [0, 1, 1, 3, 2]
    assert [lub(tt, 1, 4), lub(tt, 1, "i31"), lub(tt, "i31", "array"), lub(tt, 4, "array")] == ["eq", "eq", "eq", "array"]
    assert [lub(tt, 5, 6), lub(tt, 5, "nofunc"), lub(tt, 5, "any"), lub(tt, "extern", "any")] == ["func", 5, None, None]
    assert local_subtyping.lub_of(tt, [RefType(False, 3), None, RefType(True, "none"), RefType(False, "bot")]) == RefType(True, 3)
    assert local_subtyping.lub_of(tt, ["i32"]) is None
    assert local_subtyping.lub_of(tt, [None]) is None


def test_local_subtyping_keeps_null_stores_and_default_reads_nullable() -> None:
    src = b"""(module
  (type $t (struct (field i32)))
  (func (export "f") (param $p i32) (result i32)
    (local $n (ref null $t)) (local $d anyref) (local $u anyref)
    (local.set $n (struct.new $t (i32.const 1)))
    (if (local.get $p) (then (local.set $n (ref.null $t))))
    (drop (ref.is_null (local.get $d)))
    (local.set $d (struct.new $t (i32.const 2)))
    (if (i32.eqz (i32.const 1)) (then (unreachable) (local.set $u)))
    (i32.add (ref.is_null (local.get $n)) (ref.is_null (local.get $d)))))"""
    out = _pass(src, "local-subtyping")
    assert out == src.replace(b"(local $d anyref)", b"(local $d (ref null $t))")
    _same_behaviour(src, out)


def test_local_subtyping_never_names_an_implicit_type() -> None:
    src = b"""(module
  (func $g (param i32))
  (elem declare func $g)
  (func (export "f") (result i32)
    (local $f funcref)
    (local.set $f (ref.func $g))
    (ref.is_null (local.get $f))))"""
    out = _pass(src, "local-subtyping")
    assert out == src.replace(b"(local $f funcref)", b"(local $f (ref func))")
    _same_behaviour(src, out)


def test_local_subtyping_spells_quoted_type_names() -> None:
    src = b'(module (type $"a b" (sub (struct))) (type $"c\\"d" (sub $"a b" (struct))) (func (export "f") (result i32) (local $x anyref) (local.set $x (struct.new $"c\\"d")) (ref.is_null (local.get $x))))'
    out = _pass(src, "local-subtyping")
    assert out == src.replace(b"(local $x anyref)", b'(local $x (ref $"c\\22d"))')
    _same_behaviour(src, out)


def test_local_subtyping_leaves_invalid_modules_and_params_alone() -> None:
    invalid = b"(module (func (param $p (ref null func)) (local $x funcref) (local.set $x (ref.func 0)) (i32.const 1)))"
    assert local_subtyping.run(analyse(invalid)) == []
    params = b"(module (func (param $p anyref) (local.set $p (ref.i31 (i32.const 0)))))"
    assert local_subtyping.run(analyse(params)) == []


# -------------------------------------------------- the inverse of the fixup (1a rule)

PLAIN_INIT = b"""(module
  (type $t (struct (field i32)))
  (func (export "f") (param $n i32) (result i32)
    (local $x (ref $t)) (local (ref $t))
    i32.const 5
    struct.new $t
    local.set $x
    local.get $x
    local.tee 2   ;; a tee
    drop
    (block $b
      local.get 2
      struct.get $t 0
      br_if $b)
    local.get 2
    struct.get $t 0
    (struct.get $t 0 (local.get $x))
    i32.add))
"""


def _non_nullable_locals_made_nullable(src: bytes) -> bytes:
    doc = analyse(src)
    edits: list[TextEdit] = []
    for m in doc.modules:
        if m.read is None or m.expects_failure:
            continue
        for f in m.read.module.funcs:
            for d in f.locals:
                if isinstance(d.type, RefType) and not d.type.nullable:
                    edits += fixup.local_edits(doc, m.read.module, f.index, d.index)
    assert edits
    return apply_edits(src, edits)


def _valid_spec_modules(name: str) -> list[bytes]:
    path = SPEC_ROOT / name
    if not path.exists():
        return []
    data = path.read_bytes()
    return [data[m.span.start : m.span.end] for m in analyse(data).modules
            if m.kind == "text" and m.read is not None and not m.expects_failure
            and any(isinstance(d.type, RefType) and not d.type.nullable for f in m.read.module.funcs for d in f.locals)]  # fmt: skip


INVERSE_CASES = [PLAIN_INIT] + [m for n in ("local_init.wast", "array_copy.wast", "array_new_data.wast",
                                             "array_new_elem.wast") for m in _valid_spec_modules(n)]  # fmt: skip


@pytest.mark.parametrize("index", range(len(INVERSE_CASES)))
def test_local_subtyping_inverts_the_fixup(index: int) -> None:
    src = INVERSE_CASES[index]
    fixed = _non_nullable_locals_made_nullable(src)
    assert b"ref.as_non_null" in fixed and wasmtools.validate(fixed).ok
    assert _pass(fixed, "local-subtyping") == src


def test_inverse_cases_found() -> None:
    if SPEC_ROOT.exists():
        assert len(INVERSE_CASES) >= 5


def test_plain_inverse_keeps_behaviour() -> None:
    fixed = _non_nullable_locals_made_nullable(PLAIN_INIT)
    assert fixed.count(b"ref.as_non_null") == 5
    assert b"local.tee 2 ref.as_non_null   ;; a tee" in fixed
    _same_behaviour(fixed, _pass(fixed, "local-subtyping"))


def _local_init_invalid() -> list[bytes]:
    path = SPEC_ROOT / "local_init.wast"
    if not path.exists():
        return []
    data = path.read_bytes()
    return [data[m.span.start : m.span.end] for m in analyse(data).modules
            if m.expect == "assert_invalid" and m.kind == "text"
            and {d.code for d in m.diagnostics} == {"uninitialized-local"}]  # fmt: skip


LOCAL_INIT_INVALID = _local_init_invalid()


@pytest.mark.parametrize("index", range(len(LOCAL_INIT_INVALID)))
def test_fixed_locals_read_before_set_stay_nullable(index: int) -> None:
    src = LOCAL_INIT_INVALID[index]
    fixed = run_passes(src, ["fixup-non-nullable-locals"])
    out = run_passes(fixed, ["local-subtyping"])
    assert out == fixed
    assert wasmtools.validate(out).ok


def test_shapes_fixed_local_stays_nullable() -> None:
    fixed = run_passes((ROOT / "examples" / "shapes.wat").read_bytes(), ["fixup-non-nullable-locals"])
    assert b"(local $s (ref null $shape))" in fixed
    assert run_passes(fixed, ["local-subtyping"]) == fixed


# ------------------------------------------------- the refactoring: Make `$x` non-nullable


def test_make_non_nullable() -> None:
    doc = analyse(GC_SRC)
    at = GC_SRC.index
    s_edits = S_EDITS
    for offset in (at(b"(local $s"), at(b"$s (ref null") + 2, at(b"local.get $s))))") + 11, at(b"(local.set $s (struct") + 1):
        assert local_subtyping.make_non_nullable(doc, offset) == ("Make `$s` non-nullable", s_edits)
    n4 = at(b"(ref null struct)")
    four = local_subtyping.make_non_nullable(GC_SRC, at(b"local.get 4\n"))
    assert four == ("Make local 4 non-nullable", [TextEdit(n4 + 4, n4 + 9, ""),
                                                   TextEdit(at(b"ref.as_non_null   ;;"), at(b"ref.as_non_null   ;;") + 18, "")])  # fmt: skip
    assert local_subtyping.make_non_nullable(doc, n4) == four
    out = apply_edits(GC_SRC, s_edits)
    _same_behaviour(GC_SRC, out)


def test_make_non_nullable_refused() -> None:
    doc = analyse(GC_SRC)
    at = GC_SRC.index
    refused = [
        at(b"$any anyref"),  # a get reads the default
        at(b"$a anyref"),  # what is stored ($b) is nullable as long as $b is
        at(b"$n i32"),  # a param
        at(b"(local i32") + 7,  # not a reference
        at(b"(type $sq"),  # not a local
        at(b"(local i32") + 2,  # the keyword of a declaration with several locals
    ]
    assert [local_subtyping.make_non_nullable(doc, o) for o in refused] == [None] * len(refused)
    src = b"(module (type $t (struct)) (func (local $x (ref null $t)) (local $y (ref $t)) (local.set $x (ref.null $t)) (local.set $y (struct.new $t))))"
    assert local_subtyping.make_non_nullable(src, src.index(b"$x (ref")) is None  # a null is stored
    assert local_subtyping.make_non_nullable(src, src.index(b"$y (ref")) is None  # already non-nullable
    unset = b"(module (func (local $x anyref) (drop (local.get $x))))"
    assert local_subtyping.make_non_nullable(unset, unset.index(b"$x")) is None  # never stored
    invalid = b"(module (func (local $x anyref) (local.set $x (ref.i31 (i32.const 0))) (i32.const 0)))"
    assert local_subtyping.make_non_nullable(invalid, invalid.index(b"$x")) is None


# ------------------------------------------------------------------ spec and smith samples

# Files where the passes change something (every one of those in the suite), and others.
SPEC_SAMPLE = ["array_init_elem.wast", "array_new_elem.wast", "call_ref.wast", "br_if.wast", "func.wast", "if.wast",
               "local_get.wast", "local_set.wast", "local_tee.wast", "loop.wast", "select.wast", "stack.wast",
               "load.wast", "float_exprs1.wast", "local_init.wast", "br_on_null.wast", "br_on_non_null.wast",
               "ref_as_non_null.wast", "struct.wast", "array.wast", "type-subtyping.wast", "br_on_cast.wast"]  # fmt: skip


def _changed_modules(before: Document, after: Document) -> list[bytes]:
    """The text modules of `after` that differ from `before`'s (in scripts: those that must
    validate)."""
    a = [m for m in before.modules if m.kind == "text" and not m.expects_failure]
    b = [m for m in after.modules if m.kind == "text" and not m.expects_failure]
    assert len(a) == len(b)
    old, new = before.data, after.data
    return [new[y.span.start : y.span.end] for x, y in zip(a, b, strict=True)
            if old[x.span.start : x.span.end] != new[y.span.start : y.span.end]]  # fmt: skip


def _errors(doc: Document) -> list[str]:
    return sorted(d.code for d in doc.diagnostics if d.severity == Severity.ERROR)


@pytest.mark.skipif(not SPEC_ROOT.exists(), reason="spec test suite not available")
def test_spec_sample_outputs_validate() -> None:
    paths = [SPEC_ROOT / n for n in SPEC_SAMPLE if (SPEC_ROOT / n).exists()]
    paths += core_files()[::20]
    changed: list[bytes] = []
    for path in paths:
        data = path.read_bytes()
        doc = analyse(data)
        for name in ("reorder-locals", "local-subtyping"):
            after = analyse(apply_edits(data, PASSES[name].run(doc)))
            assert _errors(after) == _errors(doc), (path.name, name)
            changed += _changed_modules(doc, after)
    assert len(changed) >= 15
    bad = [(r.reason, m) for m, r in zip(changed, wasmtools.validate_many(changed), strict=True) if not r.ok]
    assert not bad


def test_smith_sample_outputs_validate() -> None:
    outs: list[bytes] = []
    for _seed, _wasm, wat in wasmtools.smith_corpus(150):
        data = wat.encode()
        doc = analyse(data)
        for name in ("reorder-locals", "local-subtyping"):
            edits = PASSES[name].run(doc)
            if edits:
                outs.append(apply_edits(data, edits))
    assert len(outs) >= 20
    bad = [r.reason for r in wasmtools.validate_many(outs) if not r.ok]
    assert not bad


def test_runnable_smith_sample_behaves_the_same() -> None:
    pairs: list[tuple[bytes, bytes]] = []
    for _seed, _wasm, wat in wasmtools.smith_corpus(50, options=wasmtools.RUNNABLE_SMITH_CONFIG):
        data = wat.encode()
        out = run_passes(data, ["reorder-locals", "local-subtyping"])
        if out != data:
            pairs.append((data, out))
    assert len(pairs) >= 15
    for r in wasmtools.validate_many([o for _, o in pairs]):
        assert r.ok, r.reason
    for data, out in pairs:
        assert not wasmtime_run.diff_outcomes(wasmtime_run.run_exports(data.decode()),
                                              wasmtime_run.run_exports(out.decode()))  # fmt: skip


# Smith rarely stores into reference locals. Widening every reference local to the top of its
# hierarchy (`anyref`, `funcref`, `externref`) and casting each get and tee back gives
# local-subtyping real work on smith's GC code: it must find the types again (or better ones).
_TOPS = {"any": "anyref", "func": "funcref", "extern": "externref"}
WIDENED_SEEDS = [3, 10, 47, 56, 71, 82, 94, 104]  # seeds where it refines


def _widened(data: bytes) -> bytes:
    doc = analyse(data)
    read = doc.modules[0].read
    assert read is not None
    tt = module_context(read.module).types
    edits: list[TextEdit] = []
    for f in read.module.funcs:
        for d in f.locals:
            node = local_subtyping._type_node(doc, d)
            if not isinstance(d.type, RefType) or d.type.exact or tt.top(d.type.heap) not in _TOPS or node is None:
                continue
            edits.append(TextEdit(node.start_byte, node.end_byte, _TOPS[tt.top(d.type.heap) or ""]))
            cast = f"ref.cast {local_subtyping.spell(tt, d.type)}"
            for ins in f.body:
                if ins.op.name in ("local.get", "local.tee") and ins.imms[0] == d.index:
                    if ins.folded:
                        edits += [TextEdit(ins.ostart, ins.ostart, f"({cast} "), TextEdit(ins.oend, ins.oend, ")")]
                    else:
                        edits.append(TextEdit(ins.end, ins.end, " " + cast))
    return apply_edits(data, edits)


def test_widened_smith_locals_are_refined_again() -> None:
    corpus = dict((seed, wat) for seed, _wasm, wat in wasmtools.smith_corpus(WIDENED_SEEDS[-1] + 1,
                                                                              options=wasmtools.RUNNABLE_SMITH_CONFIG))  # fmt: skip
    for seed in WIDENED_SEEDS:
        widened = _widened(corpus[seed].encode())
        doc = analyse(widened)
        assert _errors(doc) == [], seed
        edits = local_subtyping.run(doc)
        assert edits, seed
        out = apply_edits(widened, edits)
        assert wasmtools.validate(widened).ok and wasmtools.validate(out).ok, seed
        # what is stored has the original types, so every refined local is back at its
        # original type or below it
        reads = [d.modules[0].read for d in (analyse(corpus[seed].encode()), doc, analyse(out))]
        orig, wide, refined = [r.module.funcs for r in reads if r is not None]
        assert reads[1] is not None
        tt = module_context(reads[1].module).types
        changed = [(a.type, c.type) for f, g, h in zip(orig, wide, refined, strict=True)
                   for a, b, c in zip(f.locals, g.locals, h.locals, strict=True) if b.type != c.type]  # fmt: skip
        assert changed and all(tt.is_sub(c, a) for a, c in changed), seed
        assert not wasmtime_run.diff_outcomes(wasmtime_run.run_exports(widened.decode()),
                                              wasmtime_run.run_exports(out.decode())), seed  # fmt: skip
