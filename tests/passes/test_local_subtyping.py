"""local-subtyping and the "Make `$x` non-nullable" refactoring: exact edits, validity by
wasm-tools, equal wasmtime results, local-subtyping as the inverse of the fixup, and smith
locals widened to the top type refined again."""

from __future__ import annotations

from pathlib import Path

import pytest
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.model import RefType
from wat_lsp.analysis.validate import module_context
from wat_lsp.passes import fixup_non_nullable_locals as fixup
from wat_lsp.passes import local_subtyping
from wat_lsp.passes.edits import TextEdit, apply_edits
from wat_lsp.passes.registry import run_passes

from tests.corpus import ROOT as SPEC_ROOT
from tests.oracles import wasmtime_run, wasmtools
from tests.passes.local_pass_helpers import error_codes, our_locals, run_pass, same_behaviour, wasm_opt_locals

ROOT = Path(__file__).resolve().parents[2]

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
    out = run_pass(GC_SRC, "local-subtyping")
    assert out == GC_OUT
    same_behaviour(GC_SRC, out)
    assert run_pass(out, "local-subtyping") == out


RAS = GC_SRC.index(b"(ref.as_non_null (local.get $s))")
GET_S = RAS + len("(ref.as_non_null ")
S_EDITS = [TextEdit(GC_SRC.index(b"$s (ref null") + 7, GC_SRC.index(b"$s (ref null") + 12, ""),
           TextEdit(RAS, GET_S, ""), TextEdit(GET_S + len("(local.get $s)"), GET_S + len("(local.get $s)") + 1, "")]  # fmt: skip


def test_local_subtyping_exact_edits() -> None:
    edits = local_subtyping.run(analyse(GC_SRC))
    at = GC_SRC.index
    assert sorted(edits) == sorted(
        [
            *S_EDITS,  # ` null` of $s, and the folded ref.as_non_null around a get of it
            TextEdit(at(b"anyref) (;"), at(b"anyref) (;") + 6, "(ref null $shape)"),
            TextEdit(at(b"(ref null struct)") + 4, at(b"(ref null struct)") + 9, ""),
            TextEdit(at(b"(ref null struct)") + 10, at(b"(ref null struct)") + 16, "$sq"),
            TextEdit(at(b"ref.as_non_null   ;;"), at(b"ref.as_non_null   ;;") + 18, ""),
            TextEdit(at(b"anyref) (local $a"), at(b"anyref) (local $a") + 6, "(ref $sq)"),
            TextEdit(at(b"anyref)\n    (local.set $s"), at(b"anyref)\n    (local.set $s") + 6, "(ref $sq)"),
        ]
    )


def test_local_subtyping_matches_wasm_opt(tmp_path: Path) -> None:
    assert our_locals(run_pass(GC_SRC, "local-subtyping")) == [
        (n, t) for n, t in wasm_opt_locals(GC_SRC, "local-subtyping", tmp_path)
    ]


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
    assert [lub(tt, 3, 2), lub(tt, 3, 1), lub(tt, 1, 1), lub(tt, 3, "none"), lub(tt, "none", 2)] == [
        0,
        1,
        1,
        3,
        2,
    ]
    assert [lub(tt, 1, 4), lub(tt, 1, "i31"), lub(tt, "i31", "array"), lub(tt, 4, "array")] == [
        "eq",
        "eq",
        "eq",
        "array",
    ]
    assert [lub(tt, 5, 6), lub(tt, 5, "nofunc"), lub(tt, 5, "any"), lub(tt, "extern", "any")] == [
        "func",
        5,
        None,
        None,
    ]
    assert local_subtyping.lub_of(
        tt, [RefType(False, 3), None, RefType(True, "none"), RefType(False, "bot")]
    ) == RefType(True, 3)
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
    out = run_pass(src, "local-subtyping")
    assert out == src.replace(b"(local $d anyref)", b"(local $d (ref null $t))")
    same_behaviour(src, out)


def test_local_subtyping_never_names_an_implicit_type() -> None:
    src = b"""(module
  (func $g (param i32))
  (elem declare func $g)
  (func (export "f") (result i32)
    (local $f funcref)
    (local.set $f (ref.func $g))
    (ref.is_null (local.get $f))))"""
    out = run_pass(src, "local-subtyping")
    assert out == src.replace(b"(local $f funcref)", b"(local $f (ref func))")
    same_behaviour(src, out)


def test_local_subtyping_spells_quoted_type_names() -> None:
    src = b'(module (type $"a b" (sub (struct))) (type $"c\\"d" (sub $"a b" (struct))) (func (export "f") (result i32) (local $x anyref) (local.set $x (struct.new $"c\\"d")) (ref.is_null (local.get $x))))'
    out = run_pass(src, "local-subtyping")
    assert out == src.replace(b"(local $x anyref)", b'(local $x (ref $"c\\22d"))')
    same_behaviour(src, out)


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
    return [
        data[m.span.start : m.span.end]
        for m in analyse(data).modules
        if m.kind == "text"
        and m.read is not None
        and not m.expects_failure
        and any(
            isinstance(d.type, RefType) and not d.type.nullable for f in m.read.module.funcs for d in f.locals
        )
    ]


INVERSE_CASES = [PLAIN_INIT] + [
    m
    for n in ("local_init.wast", "array_copy.wast", "array_new_data.wast", "array_new_elem.wast")
    for m in _valid_spec_modules(n)
]


@pytest.mark.parametrize("index", range(len(INVERSE_CASES)))
def test_local_subtyping_inverts_the_fixup(index: int) -> None:
    src = INVERSE_CASES[index]
    fixed = _non_nullable_locals_made_nullable(src)
    assert b"ref.as_non_null" in fixed and wasmtools.validate(fixed).ok
    assert run_pass(fixed, "local-subtyping") == src


def test_inverse_cases_found() -> None:
    if SPEC_ROOT.exists():
        assert len(INVERSE_CASES) >= 5


def test_plain_inverse_keeps_behaviour() -> None:
    fixed = _non_nullable_locals_made_nullable(PLAIN_INIT)
    assert fixed.count(b"ref.as_non_null") == 5
    assert b"local.tee 2 ref.as_non_null   ;; a tee" in fixed
    same_behaviour(fixed, run_pass(fixed, "local-subtyping"))


def _local_init_invalid() -> list[bytes]:
    path = SPEC_ROOT / "local_init.wast"
    if not path.exists():
        return []
    data = path.read_bytes()
    return [
        data[m.span.start : m.span.end]
        for m in analyse(data).modules
        if m.expect == "assert_invalid"
        and m.kind == "text"
        and {d.code for d in m.diagnostics} == {"uninitialized-local"}
    ]


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
    for offset in (
        at(b"(local $s"),
        at(b"$s (ref null") + 2,
        at(b"local.get $s))))") + 11,
        at(b"(local.set $s (struct") + 1,
    ):
        assert local_subtyping.make_non_nullable(doc, offset) == ("Make `$s` non-nullable", s_edits)
    n4 = at(b"(ref null struct)")
    four = local_subtyping.make_non_nullable(GC_SRC, at(b"local.get 4\n"))
    assert four == (
        "Make local 4 non-nullable",
        [
            TextEdit(n4 + 4, n4 + 9, ""),
            TextEdit(at(b"ref.as_non_null   ;;"), at(b"ref.as_non_null   ;;") + 18, ""),
        ],
    )
    assert local_subtyping.make_non_nullable(doc, n4) == four
    out = apply_edits(GC_SRC, s_edits)
    same_behaviour(GC_SRC, out)


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
            if (
                not isinstance(d.type, RefType)
                or d.type.exact
                or tt.top(d.type.heap) not in _TOPS
                or node is None
            ):
                continue
            edits.append(TextEdit(node.start_byte, node.end_byte, _TOPS[tt.top(d.type.heap) or ""]))
            cast = f"ref.cast {local_subtyping.spell(tt, d.type)}"
            for ins in f.body:
                if ins.op.name in ("local.get", "local.tee") and ins.imms[0] == d.index:
                    if ins.folded:
                        edits += [
                            TextEdit(ins.ostart, ins.ostart, f"({cast} "),
                            TextEdit(ins.oend, ins.oend, ")"),
                        ]
                    else:
                        edits.append(TextEdit(ins.end, ins.end, " " + cast))
    return apply_edits(data, edits)


def test_widened_smith_locals_are_refined_again() -> None:
    corpus = dict(
        (seed, wat)
        for seed, _wasm, wat in wasmtools.smith_corpus(
            WIDENED_SEEDS[-1] + 1, options=wasmtools.RUNNABLE_SMITH_CONFIG
        )
    )
    for seed in WIDENED_SEEDS:
        widened = _widened(corpus[seed].encode())
        doc = analyse(widened)
        assert error_codes(doc) == [], seed
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
        changed = [
            (a.type, c.type)
            for f, g, h in zip(orig, wide, refined, strict=True)
            for a, b, c in zip(f.locals, g.locals, h.locals, strict=True)
            if b.type != c.type
        ]
        assert changed and all(tt.is_sub(c, a) for a, c in changed), seed
        assert not wasmtime_run.diff_outcomes(
            wasmtime_run.run_exports(widened.decode()), wasmtime_run.run_exports(out.decode())
        ), seed
