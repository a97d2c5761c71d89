"""`mut-never-set` on WasmGC struct fields and array types: exact diagnostics, the family of
`sub`-connected and equivalent types as one unit, types reachable from imports and exports
and merges of distinct types left alone, the quick fix (every declaration of the family,
validating, running the same), the rewrite, and the incremental path equal to `analyse`."""

from __future__ import annotations

from wat_lsp.analysis.document import Document, analyse
from wat_lsp.analysis.incremental import DocumentAnalysis
from wat_lsp.analysis.syntax import parse
from wat_lsp.passes.edits import apply_edits
from wat_lsp.passes.fix_lints import fix_all

from tests.analysis.test_lints import fixed, lints, validates
from tests.oracles import wasmtime_run

CODE = "mut-never-set"
SET_B = "(struct.set $s $b (local.get 0) (i64.const 1))"
STRUCT = f"(module (type $s (struct (field $a (mut i32)) (field $b (mut i64))))\n (func (param (ref $s)) {SET_B} (drop (struct.get $s $a (local.get 0)))))"
FAMILY = "(module (type $p (sub (struct (field $x (mut i32)))))\n (type $c (sub $p (struct (field $x (mut i32)) (field $y (mut i32)))))\n (func (param (ref $c)) (drop (struct.get $c $y (local.get 0)))))"


def test_struct_field() -> None:
    assert lints(STRUCT) == [(CODE, "(mut i32)", "field `$a` of type `$s` is mutable but never set")]
    assert "(field $a i32) (field $b (mut i64))" in fixed(STRUCT, CODE)
    [d] = [d for d in analyse(STRUCT.encode()).diagnostics if d.code == CODE]
    assert [t.name for t in d.tags] == ["UNNECESSARY"]


def test_anonymous_fields_in_one_declaration() -> None:
    src = "(module (type $s (struct (field i32 (mut i64) (mut f32))))\n (func (param (ref $s)) (struct.set $s 2 (local.get 0) (f32.const 1))))"
    assert lints(src) == [(CODE, "(mut i64)", "field 1 of type `$s` is mutable but never set")]
    assert "(field i32 i64 (mut f32))" in fixed(src, CODE)


def test_array() -> None:
    src = "(module (type $a (array (mut i8)))\n (func (param (ref $a)) (result i32) (array.get_u $a (local.get 0) (i32.const 0))))"
    assert lints(src) == [(CODE, "(mut i8)", "array type `$a` is mutable but never set")]
    assert "(type $a (array i8))" in fixed(src, CODE)
    for write in ("(array.set $a (local.get 0) (i32.const 0) (i32.const 1))",
                  "(array.fill $a (local.get 0) (i32.const 0) (i32.const 1) (i32.const 0))",
                  "(array.init_data $a $d (local.get 0) (i32.const 0) (i32.const 0) (i32.const 0))",
                  "(array.copy $a $b (local.get 0) (i32.const 0) (local.get 1) (i32.const 0) (i32.const 0))"):  # fmt: skip
        written = f'(module (type $a (array (mut i8))) (type $b (array i8)) (data $d "")\n (func (param (ref $a) (ref $b)) {write}))'
        assert lints(written, CODE) == [], write
    # the source of `array.copy` is only read
    src = "(module (type $a (array (mut i8))) (type $b (array (mut i16)))\n (func (param (ref $a) (ref $b)) (array.copy $a $b (local.get 0) (i32.const 0) (local.get 1) (i32.const 0) (i32.const 0))))"
    src = (
        src.replace("(mut i16)", "(mut i8)")
        .replace("$b (array", "$b (sub (array")
        .replace("i8)))\n", "i8))))\n")
    )
    assert lints(src, CODE) == [(CODE, "(mut i8)", "array type `$b` is mutable but never set")]


def test_family_with_subtypes() -> None:
    assert lints(FAMILY) == [
        (CODE, "(mut i32)", "field `$x` of type `$p` is mutable but never set"),
        (CODE, "(mut i32)", "field `$x` of type `$c` is mutable but never set"),
        (CODE, "(mut i32)", "field `$y` of type `$c` is mutable but never set"),
    ]
    doc = analyse(FAMILY.encode())
    out = apply_edits(FAMILY.encode(), fix_all(doc))
    validates(out)
    assert b"(field $x i32)))) (type $c" not in out  # (spacing kept)
    assert out.decode() == FAMILY.replace("(mut i32)", "i32")


def test_field_set_through_a_subtype() -> None:
    src = FAMILY.replace(
        "(drop (struct.get $c $y (local.get 0)))", "(struct.set $c $x (local.get 0) (i32.const 1))"
    )
    assert lints(src) == [(CODE, "(mut i32)", "field `$y` of type `$c` is mutable but never set")]
    # through the supertype: the subtype's field is the same unit
    src = FAMILY.replace("(param (ref $c)) (drop (struct.get $c $y (local.get 0)))",
                         "(param (ref $p) (ref $c)) (struct.set $p $x (local.get 0) (i32.const 1))")  # fmt: skip
    assert lints(src) == [(CODE, "(mut i32)", "field `$y` of type `$c` is mutable but never set")]
    # an equivalent type is the same type
    src = "(module (type $a (array (mut i8))) (type $b (array (mut i8)))\n (func (param (ref $a)) (array.set $b (local.get 0) (i32.const 0) (i32.const 1))))"
    assert lints(src, CODE) == []


def test_exported_or_imported_types_are_left_alone() -> None:
    for field in ('(func (export "f") (param (ref $s)))', '(import "m" "f" (func (param (ref null $t))))',
                  '(global (export "g") (ref null $t) (ref.null none))', '(table (export "t") 1 (ref null $t))',
                  '(tag (import "m" "e") (param (ref null $t)))'):  # fmt: skip
        # $t refers to $s: $s is reachable too
        src = f"(module (type $s (struct (field (mut i32)))) (type $t (struct (field (ref null $s))))\n {field})"
        assert lints(src, CODE) == [], field


def test_rec_group_with_an_exported_type() -> None:
    src = '(module (rec (type $s (struct (field (mut i32)))) (type $e (func)))\n (func (export "f") (type $e)) (type $u (array (mut i32))) (func (param (ref $u) (ref $s))))'
    assert lints(src, CODE) == [(CODE, "(mut i32)", "array type `$u` is mutable but never set")]
    assert len(lints(src.replace('(export "f") ', ""), CODE)) == 2


def test_a_change_that_would_make_types_equivalent() -> None:
    # $s without `mut` would be $t: a cast to $s would then succeed on a $t
    src = "(module (type $s (struct (field (mut i32)))) (type $t (struct (field i32)))\n (func (param anyref) (result i32) (ref.test (ref $s) (local.get 0))))"
    assert lints(src, CODE) == []


def test_not_shown_with_an_error() -> None:
    assert lints(STRUCT.replace("(drop", "(drop (i32.add)", 1), CODE) == []


def test_fix_runs_the_same() -> None:
    src = """(module
  (type $s (struct (field $a (mut i32)) (field $b (mut i64))))
  (type $a (array (mut i32)))
  (func (export "f") (param i32) (result i64)
    (local $x (ref null $s))
    (local.set $x (struct.new $s (local.get 0) (i64.const 5)))
    (struct.set $s $b (local.get $x) (i64.extend_i32_s (struct.get $s $a (local.get $x))))
    (i64.add (struct.get $s $b (local.get $x))
      (i64.extend_i32_s (array.get $a (array.new $a (local.get 0) (i32.const 3)) (i32.const 2))))))"""
    assert [m for _, _, m in lints(src)] == [
        "field `$a` of type `$s` is mutable but never set",
        "array type `$a` is mutable but never set",
    ]
    out = apply_edits(src.encode(), fix_all(analyse(src.encode())))
    validates(out)
    assert b"(mut" in out and out.count(b"(mut") == 1
    assert not wasmtime_run.diff_outcomes(
        wasmtime_run.run_exports(src), wasmtime_run.run_exports(out.decode())
    )


def test_rewrite_offers_the_fix() -> None:
    from wat_lsp.analysis.ide.rewrites import registry as rewrites

    doc = analyse(FAMILY.encode())
    offset = FAMILY.index("(mut")
    r = rewrites.REWRITES["remove_mut"]
    assert r.applies(doc, offset)
    assert apply_edits(FAMILY.encode(), r.edits(doc, offset)).decode() == FAMILY.replace(
        "(mut i32)", "i32", 2
    )


def test_incremental_equals_analyse() -> None:
    versions = [STRUCT, STRUCT.replace(SET_B, "(struct.set $s $a (local.get 0) (i32.const 1))"), STRUCT]
    da = DocumentAnalysis()
    for text in versions:
        data = text.encode()
        got = da.update(data, parse(data))
        diags = got.diagnostics if isinstance(got, Document) else got
        assert diags == analyse(data).diagnostics, text
    assert da.last_mode == "incremental"


def test_smith_modules_fixed_validate_and_run_the_same() -> None:
    from tests.oracles import wasmtools

    fixed_fields = 0
    for start in (0, 5, 14):  # seeds whose modules have field diagnostics
        [(_seed, _wasm, wat)] = wasmtools.smith_corpus(1, start)
        data = wat.encode()
        doc = analyse(data)
        fields = [d for d in doc.diagnostics if d.code == CODE and "type" in d.data]
        assert fields, start
        out = apply_edits(data, fix_all(doc, frozenset({CODE})))
        validates(out)
        assert not [d for d in analyse(out).diagnostics if d.code == CODE and "type" in d.data]
        assert not wasmtime_run.runs_the_same(wat.encode(), out)
        fixed_fields += len(fields)
    assert fixed_fields > 10
