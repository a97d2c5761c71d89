"""Passes and fixes: the edit model, fixup-non-nullable-locals, and the --fix/--pass CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from wat_lsp.analysis.diagnostics import Severity
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.model import RefType
from wat_lsp.passes import fixup_non_nullable_locals as fixup
from wat_lsp.passes.edits import OverlappingEdits, TextEdit, apply_edits
from wat_lsp.passes.registry import PASSES, run_passes

from tests.corpus import ROOT as SPEC_ROOT
from tests.oracles import wasmtime_run, wasmtools
from wat_lsp.cli import main

ROOT = Path(__file__).resolve().parents[2]
CORPUS = SPEC_ROOT
SHAPES = ROOT / "examples" / "shapes.wat"

# ------------------------------------------------------------------------ edit model


def test_apply_edits_in_order_and_insertions_keep_their_order() -> None:
    data = b"abcdef"
    edits = [TextEdit(3, 3, "X"), TextEdit(1, 3, "YY"), TextEdit(3, 3, "Z"), TextEdit(6, 6, "!")]
    assert apply_edits(data, edits) == b"aYYXZdef!"
    assert apply_edits(data, []) == data
    assert apply_edits("é".encode(), [TextEdit(0, 2, "ü")]) == "ü".encode()


def test_apply_edits_rejects_overlap_and_out_of_range() -> None:
    with pytest.raises(OverlappingEdits):
        apply_edits(b"abcdef", [TextEdit(1, 4, "x"), TextEdit(3, 5, "y")])
    with pytest.raises(OverlappingEdits):
        apply_edits(b"abcdef", [TextEdit(1, 4, "x"), TextEdit(2, 2, "y")])
    with pytest.raises(ValueError):
        apply_edits(b"abc", [TextEdit(2, 9, "x")])


# ------------------------------------------------------------ fixup-non-nullable-locals

SRC = b"""(module
  (type $t (struct (field i32)))
  ;; a comment (local $x (ref $t)) that must stay
  (func $f (export "f") (param $p (ref $t)) (result i32)
    (local $a i32) (local $x (ref $t))  ;; x
    (local i64 (ref func) (ref null $t) (ref $t))
    (block
      (local.set $x (struct.new $t (i32.const 7))))
    (drop (local.get $x))    (; block comment ;)
    (block (local.set 6 (local.get $p)))
    (drop (local.tee 6 (local.get 6)))
    local.get $x   ;; plain
    local.tee $x
    struct.get $t 0)
)
"""

FIXED = b"""(module
  (type $t (struct (field i32)))
  ;; a comment (local $x (ref $t)) that must stay
  (func $f (export "f") (param $p (ref $t)) (result i32)
    (local $a i32) (local $x (ref null $t))  ;; x
    (local i64 (ref func) (ref null $t) (ref null $t))
    (block
      (local.set $x (struct.new $t (i32.const 7))))
    (drop (ref.as_non_null (local.get $x)))    (; block comment ;)
    (block (local.set 6 (local.get $p)))
    (drop (ref.as_non_null (local.tee 6 (ref.as_non_null (local.get 6)))))
    local.get $x ref.as_non_null   ;; plain
    local.tee $x ref.as_non_null
    struct.get $t 0)
)
"""


def test_fix_all_exact_text() -> None:
    doc = analyse(SRC)
    assert {d.code for d in doc.diagnostics} == {"uninitialized-local"}
    out = apply_edits(SRC, fixup.fix_all(doc))
    assert out == FIXED
    assert [d for d in analyse(out).diagnostics if d.severity == Severity.ERROR] == []  # warnings: liveness
    assert wasmtools.validate(out).ok


def test_fix_all_only_inserts() -> None:
    edits = fixup.fix_all(SRC)
    assert edits and all(e.start == e.end for e in edits)


def test_quick_fix_one_local() -> None:
    doc = analyse(SRC)
    diag = next(d for d in doc.diagnostics if d.data.get("local") == 6)
    edits = fixup.quick_fix(doc, diag)
    out = apply_edits(SRC, edits)
    assert b"(local i64 (ref func) (ref null $t) (ref null $t))" in out
    assert b"(local $x (ref $t))  ;; x" in out  # the other local is untouched
    assert [d.data["local"] for d in analyse(out).diagnostics] == [2, 2]


def test_fixes_in_range() -> None:
    doc = analyse(SRC)
    start = SRC.index(b"local.get $x   ;; plain")
    edits = fixup.fixes_in_range(doc, start, start + 3)
    assert TextEdit(SRC.index(b"(ref $t))  ;; x") + 4, SRC.index(b"(ref $t))  ;; x") + 4, " null") in edits
    assert all(e.start != SRC.index(b"(ref $t))\n    (block") + 4 for e in edits)


def test_comments_inside_declarations_and_exact_types() -> None:
    src = b"""(module
  (type $t (sub (struct)))
  (func (result (ref $t))
    (local $x (; c ;) (ref (exact $t))) (local $y (ref (; in ;) $t))
    (block (local.set $x (struct.new $t)) (local.set $y (struct.new $t)))
    (drop (local.get $x))
    (local.get $y)))"""
    out = apply_edits(src, fixup.fix_all(src))
    assert b"(local $x (; c ;) (ref null (exact $t))) (local $y (ref null (; in ;) $t))" in out
    assert b"(drop (ref.as_non_null (local.get $x)))\n    (ref.as_non_null (local.get $y))))" in out
    assert wasmtools.validate(out).ok


def test_params_and_valid_locals_never_change() -> None:
    src = b"(module (func (param $p (ref func)) (local $l (ref func)) (local.set $l (local.get $p)) (drop (local.get $l))))"
    assert fixup.fix_all(src) == []
    # a forged diagnostic about the param changes nothing either
    doc = analyse(src)
    read = doc.modules[0].read
    assert read is not None
    assert fixup.local_edits(doc, read.module, 0, 0) == []


def test_assert_invalid_modules_in_scripts_are_left_alone() -> None:
    src = (
        b'(assert_invalid (module (func (local $x (ref func)) (drop (local.get $x)))) "uninitialized local")'
    )
    assert analyse(src).diagnostics == []
    assert fixup.fix_all(src) == []


def _local_init_cases() -> list[bytes]:
    path = CORPUS / "local_init.wast"
    if not path.exists():
        return []
    data = path.read_bytes()
    out = []
    for m in analyse(data).modules:
        if (
            m.expect == "assert_invalid"
            and m.kind == "text"
            and any(d.code == "uninitialized-local" for d in m.diagnostics)
        ):
            out.append(data[m.span.start : m.span.end])
    return out


LOCAL_INIT = _local_init_cases()


@pytest.mark.skipif(not LOCAL_INIT, reason="spec test suite not available")
@pytest.mark.parametrize("index", range(len(LOCAL_INIT)))
def test_fix_spec_local_init_invalid_cases(index: int) -> None:
    src = LOCAL_INIT[index]
    before = analyse(src).diagnostics
    out = run_passes(src, ["fixup-non-nullable-locals"])
    after = [d for d in analyse(out).diagnostics if d.severity == Severity.ERROR]  # warnings: liveness
    assert not any(d.code == "uninitialized-local" for d in after)
    others = [d for d in before if d.code != "uninitialized-local"]
    assert [d.code for d in after] == [d.code for d in others]
    if not others:
        result = wasmtools.validate(out)
        assert result.ok, (out.decode(), result)
    else:  # still invalid, for the other reason only
        assert "uninitialized" not in wasmtools.validate(out).reason


def test_local_init_cases_found() -> None:
    if CORPUS.exists():
        assert len(LOCAL_INIT) >= 3


def test_fix_shapes_validates_and_behaves_like_the_hand_fixed_version() -> None:
    src = SHAPES.read_bytes()
    out = run_passes(src, ["fixup-non-nullable-locals"])
    assert wasmtools.validate(out).ok
    # What a person would write: the set outside its block (valid as it stands).
    marker = b"(block\n          ;; the set's block ends before the read below: invalid under the 1a rule\n          "
    assert marker in src
    hand = src.replace(marker, b"(block)\n          ").replace(b"$i)))))\n", b"$i))))\n")
    assert wasmtools.validate(hand).ok
    assert not wasmtime_run.diff_outcomes(
        wasmtime_run.run_exports(hand.decode()), wasmtime_run.run_exports(out.decode())
    )


VALID = """(module
  (type $t (struct (field (mut i32))))
  (func $mk (param i32) (result (ref $t)) (struct.new $t (local.get 0)))
  (func (export "sum") (param $n i32) (result i32)
    (local $acc (ref $t)) (local $i i32) (local $tmp (ref $t))
    (local.set $acc (call $mk (i32.const 0)))
    (block $out
      (loop $l
        (br_if $out (i32.ge_s (local.get $i) (i32.and (local.get $n) (i32.const 15))))
        (struct.set $t 0 (local.get $acc)
          (i32.add (struct.get $t 0 (local.tee $tmp (local.get $acc))) (local.get $i)))
        local.get $tmp
        local.set $acc
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    local.get $acc
    struct.get $t 0)
)
"""


def test_wrapping_every_get_keeps_behaviour() -> None:
    """Forcing the fix on every non-nullable local of a valid module: same results."""
    doc = analyse(VALID.encode())
    assert doc.diagnostics == []
    m = doc.modules[0].read
    assert m is not None
    edits: list[TextEdit] = []
    for f in m.module.funcs:
        for decl in f.locals:
            if isinstance(decl.type, RefType) and not decl.type.nullable:
                edits += fixup.local_edits(doc, m.module, f.index, decl.index)
    out = apply_edits(VALID.encode(), edits)
    assert out.count(b"ref.as_non_null") == 5
    assert wasmtools.validate(out).ok
    before = wasmtime_run.run_exports(VALID)
    assert before["sum"].calls and all(c.status == "ok" for c in before["sum"].calls)
    assert not wasmtime_run.diff_outcomes(before, wasmtime_run.run_exports(out.decode()))


# ------------------------------------------------------------------------------- CLI


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "wat_lsp", *args], capture_output=True, cwd=cwd)


def test_list_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list-passes"]) == 0
    out = capsys.readouterr().out
    for name in PASSES:
        assert name in out
    assert "fixup-non-nullable-locals  " in out


def test_cli_fix_prints_fixed_text(tmp_path: Path) -> None:
    (tmp_path / "a.wat").write_bytes(SRC)
    proc = _cli("--fix", "a.wat", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, FIXED, b"")
    assert (tmp_path / "a.wat").read_bytes() == SRC


def test_cli_fix_output_and_in_place(tmp_path: Path) -> None:
    (tmp_path / "a.wat").write_bytes(SRC)
    assert main(["--fix", str(tmp_path / "a.wat"), "-o", str(tmp_path / "b.wat")]) == 0
    assert (tmp_path / "b.wat").read_bytes() == FIXED
    assert main(["--fix", "--in-place", str(tmp_path / "a.wat")]) == 0
    assert (tmp_path / "a.wat").read_bytes() == FIXED


def test_cli_fix_shapes_validates(tmp_path: Path) -> None:
    proc = _cli("--fix", str(SHAPES), "-o", "out.wat", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert wasmtools.validate((tmp_path / "out.wat").read_bytes()).ok


def test_cli_fix_exit_codes(tmp_path: Path) -> None:
    # an error no pass fixes: printed unchanged, errors on stderr, status 1
    bad = b"(module (func (result i32) i64.const 1))\n"
    (tmp_path / "bad.wat").write_bytes(bad)
    proc = _cli("--fix", "bad.wat", cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout == bad
    assert b"error[type-mismatch]" in proc.stderr
    assert _cli("--fix", cwd=tmp_path).returncode == 2
    assert _cli("--fix", "missing.wat", cwd=tmp_path).returncode == 2
    assert _cli("--fix", "bad.wat", "bad.wat", "-o", "x.wat", cwd=tmp_path).returncode == 2
    assert _cli("--pass", "no-such-pass", "bad.wat", cwd=tmp_path).returncode == 2
    assert _cli("-o", "x.wat", "bad.wat", cwd=tmp_path).returncode == 2


def test_cli_pass(tmp_path: Path) -> None:
    (tmp_path / "a.wat").write_bytes(SRC)
    proc = _cli("--pass", "fixup-non-nullable-locals", "a.wat", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, FIXED)
    proc = _cli("--pass", "fixup-non-nullable-locals,fixup-non-nullable-locals", "a.wat", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, FIXED)


def test_quick_fix_dispatch() -> None:
    from wat_lsp.passes.quickfix import fixable_codes, fixes_for

    doc = analyse(SRC)
    diag = doc.diagnostics[0]
    fixes = fixes_for(doc, diag)
    assert [f.preferred for f in fixes] == [True, False]
    assert apply_edits(SRC, fixes[1].edits) == FIXED
    assert apply_edits(SRC, fixes[0].edits) != FIXED
    assert {"uninitialized-local", "unused-local", "dead-store"} <= fixable_codes()
    syntax = analyse(b"(module (func (i32.add))").diagnostics[0]
    assert fixes_for(analyse(b"(module (func (i32.add))"), syntax) == []
