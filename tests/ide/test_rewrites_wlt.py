"""The rewrites that complete wasm-language-tools' list (`name_to_idx`, `inline_func_type`,
`inline_extern_type`, `expand_compact_import`, `clean_no_types`, `export_as`, `remove_mut`,
`fix_invalid_mem_arg`, `fix_packing`): exact edits on small modules, each output checked by
wasm-tools, and no error on damaged text. Every rewrite at every place of the spec sample and
smith modules: `tests/ide/test_rewrites.py`; compact imports (which neither has) here."""

from __future__ import annotations

import pytest
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.ide.rewrites import registry as rewrites
from wat_lsp.passes.edits import apply_edits

from tests.ide import rewrite_corpus
from tests.oracles import wasmtools
from tests.tools import missing_tool


@pytest.fixture(scope="module", autouse=True)
def _wasm_tools() -> None:
    try:
        wasmtools.wasm_tools_exe()
    except FileNotFoundError:
        missing_tool("wasm-tools checks the rewrites' outputs")


def at(src: str, needle: str, skip: int = 1) -> int:
    return src.encode().index(needle.encode()) + skip


def names(src: str, needle: str, skip: int = 1) -> list[str]:
    return [r.name for r in rewrites.available(analyse(src.encode()), at(src, needle, skip))]


def rewrite(src: str, name: str, needle: str, skip: int = 1, valid: bool = True) -> str:
    doc = analyse(src.encode())
    offset = at(src, needle, skip)
    r = rewrites.REWRITES[name]
    assert r.applies(doc, offset)
    out = apply_edits(src.encode(), r.edits(doc, offset))
    if valid:
        result = wasmtools.validate(out)
        assert result.ok, (result.reason, out.decode())
    if valid and r.same_binary:
        assert wasmtools.strip(out) == wasmtools.strip(src.encode())
    return out.decode()


NAMED = """(module
  (type $t (func (param i32)))
  (type $s (struct (field $a i32) (field $b (mut i64))))
  (global $g (mut i32) (i32.const 0))
  (func $f (type $t) (param $p i32) (local $x i64) (local $r (ref null $s))
    (block $out
      (loop $l
        (br_if $out (local.get $p))
        (global.set $g (global.get $g))
        (br_table $l $out $out (local.get $p))))
    block $b
      br $b
    end $b
    (drop (struct.get $s $a (local.get $r)))
    (call $f (local.get $p)))
  (export "f" (func $f)))
"""


def test_name_to_idx() -> None:
    # at a reference and at the declaration alike; the name goes from the declaration
    for needle in ("$p)", "$p i32"):
        out = rewrite(NAMED, "name_to_idx", needle)
        assert "(param i32) (local $x i64)" in out
        assert "(br_if $out (local.get 0))" in out and "(call $f (local.get 0)))" in out
    # labels become depths, different at each branch; `end $b` loses its repetition
    out = rewrite(NAMED, "name_to_idx", "$out (")
    assert "    (block\n      (loop $l\n        (br_if 1 (local.get $p))" in out
    assert "(br_table $l 1 1 (local.get $p))" in out
    assert "    block\n      br 0\n    end\n" in rewrite(NAMED, "name_to_idx", "$b\n")
    # module spaces, exports by name included; struct fields
    out = rewrite(NAMED, "name_to_idx", "$f (t")
    assert (
        "  (func (type $t) (param $p" in out and '(call 0 (local.get $p)))\n  (export "f" (func 0)))' in out
    )
    assert "(global (mut i32)" in rewrite(NAMED, "name_to_idx", "$g (g")
    assert "(type (func (param i32)))" in rewrite(NAMED, "name_to_idx", "$t)")
    out = rewrite(NAMED, "name_to_idx", "$a (")
    assert "(struct (field i32) (field $b" in out and "(struct.get $s 0 (local.get $r))" in out
    assert names(NAMED, '"f"') == ["inline_export"]  # a string is no reference


def test_name_to_idx_refused() -> None:
    broken = NAMED.replace("(global.get $g)", "(global.get $nothing)")
    assert "name_to_idx" not in names(broken, "$p)")  # a module with an error


INLINE = """(module
  (type $t (func (param $a i32) (param f32 (ref null $t)) (result i32)))
  (type $e (func))
  (type $u (sub (func (result i64))))
  (table 1 funcref)
  (func (type $t) (i32.const 0))
  (func (type 0) (param i32 f32 (ref null $t)) (result i32) (i32.const 0))
  (func (type $e)
    (drop (call_indirect (type $t) (i32.const 0) (f32.const 0) (ref.null $t) (i32.const 0)))
    (block (type $e)))
  (func (type $u) (i64.const 0))
  (tag (type $e)))
"""


def test_inline_func_type() -> None:
    sig = "(param i32) (param f32 (ref null $t)) (result i32)"
    assert f"  (func (type $t) {sig} (i32.const 0))\n" in rewrite(
        INLINE, "inline_func_type", "(type $t) (i32"
    )
    assert f"(call_indirect (type $t) {sig} (i32.const 0)" in rewrite(
        INLINE, "inline_func_type", "(type $t) (i32.const 0) (f"
    )
    assert "(func (type $u) (result i64) (i64.const 0))" in rewrite(
        INLINE, "inline_func_type", "(type $u) (i64"
    )
    # written already; an empty signature has nothing to write
    for refused in ("(type 0)", "(type $e)\n", "(type $e)))\n  (func", "(tag (type $e"):
        assert "inline_func_type" not in names(INLINE, refused, 6), refused


EMPTY = """(module
  (type (struct (field) (field i32)))
  (func (param) (param i32) (result) (result i32)
    (local) (local (; why ;))
    (local.get 0)))
"""


def test_clean_no_types() -> None:
    out = rewrite(EMPTY, "clean_no_types", "(param)")
    assert "  (func (param i32) (result)" in out
    assert "(func (param) (param i32) (result i32)" in rewrite(EMPTY, "clean_no_types", "(result)")
    assert "(result i32)\n    (local (; why ;))\n" in rewrite(EMPTY, "clean_no_types", "(local)")
    assert "(type (struct (field i32)))" in rewrite(EMPTY, "clean_no_types", "(field)")
    assert "clean_no_types" not in names(EMPTY, "(local (;")  # the comment would go
    assert "clean_no_types" not in names(EMPTY, "(param i32)")


EXPORTS = """(module
  (func $f (param i32))
  (func $g (export "g"))
  (global $x\\y i32 (i32.const 0))
  (memory $m 1)
  (table $t 1 funcref)
  (tag $e)
  (func $h)
  (func $k (@name "kay"))
  (export "h" (func $g)))
"""


def test_export_as() -> None:
    assert '(func $f (export "f") (param i32))' in rewrite(EXPORTS, "export_as", "$f")
    assert '(global $x\\y (export "x\\\\y") i32' in rewrite(EXPORTS, "export_as", "$x")
    assert '(memory $m (export "m") 1)' in rewrite(EXPORTS, "export_as", "$m")
    assert '(tag $e (export "e"))' in rewrite(EXPORTS, "export_as", "$e")
    assert '(func $k (@name "kay") (export "k"))' in rewrite(
        EXPORTS, "export_as", "$k"
    )  # the name's annotation first
    # exported already; an export named "h" exists; not on the name
    for refused in ("$g", "$h", "(param"):
        assert "export_as" not in names(EXPORTS, refused), refused


MUT = """(module
  (global $g (mut i32) (i32.const 0))
  (global $h (mut i32) (i32.const 0))
  (global $x (export "x") (mut i32) (i32.const 0))
  (func (result i32) (global.set $h (i32.const 1)) (global.get $g)))
"""


def test_remove_mut() -> None:
    assert "(global $g i32 (i32.const 0))" in rewrite(MUT, "remove_mut", "(mut")
    # set; exported (the lint's own rules)
    for refused in ("mut i32) (i32.const 0))\n  (global $x", "(mut i32) (i32.const 0))\n  (func"):
        assert "remove_mut" not in names(MUT, refused), refused


BROKEN = """(module
  (memory 1)
  (type $s (struct (field i8) (field i32)))
  (type $a (array i16))
  (func (param (ref $s) (ref $a)) (result i32)
    (drop (i32.load offset = 4 (i32.const 0)))
    (drop (i32.load offset= 4 align =4 (i32.const 0)))
    (drop (struct.get $s 0 (local.get 0)))
    (drop (struct.get_u $s 1 (local.get 0)))
    (array.get $a (local.get 1) (i32.const 0))))
"""


def _fixed_all(src: str, fixes: list[tuple[str, str]]) -> str:
    for name, needle in fixes:
        src = rewrite(src, name, needle, valid=False)
    return src


def test_fix_invalid_mem_arg_and_fix_packing() -> None:
    assert "(i32.load offset=4 (i32.const 0))" in rewrite(
        BROKEN, "fix_invalid_mem_arg", "offset =", valid=False
    )
    assert "offset=4 align =4" in rewrite(BROKEN, "fix_invalid_mem_arg", "offset=", valid=False)
    assert "(struct.get_s $s 0 (local.get 0))" in rewrite(BROKEN, "fix_packing", "struct.get $s", valid=False)
    assert "(struct.get_u $s 0 (local.get 0))" in rewrite(
        BROKEN, "fix_packing_u", "struct.get $s", valid=False
    )
    assert "(struct.get $s 1 (local.get 0))" in rewrite(BROKEN, "fix_packing", "struct.get_u", valid=False)
    assert "fix_packing_u" not in names(BROKEN, "struct.get_u")
    fixed = _fixed_all(
        BROKEN,
        [
            ("fix_invalid_mem_arg", "offset ="),
            ("fix_invalid_mem_arg", "offset= "),
            ("fix_invalid_mem_arg", "align ="),
            ("fix_packing", "struct.get $s"),
            ("fix_packing", "struct.get_u"),
            ("fix_packing_u", "array.get"),
        ],
    )
    assert wasmtools.validate(fixed.encode()).ok, fixed
    assert "fix_invalid_mem_arg" not in names(fixed, "offset=4")
    assert "fix_packing" not in names(fixed, "struct.get_s")


COMPACT = """(module
  (import "m" (item "a" (func)) (item "b" (func $b (param i32))))
  (import "n" (item "x") (item "y") (global i32))
  (func (call $b (global.get 1))))
"""


def _same_imports(before: str, after: str) -> None:
    assert wasmtools.validate(after.encode()).ok, after
    assert rewrite_corpus.imports_apart(before.encode()) == rewrite_corpus.imports_apart(after.encode())


def test_compact_imports() -> None:
    out = rewrite(COMPACT, "expand_compact_import", '"m"')
    assert out.startswith(
        '(module\n  (import "m" "a" (func))\n  (import "m" "b" (func $b (param i32)))\n  (import "n" (item'
    )
    _same_imports(COMPACT, out)
    out = rewrite(COMPACT, "expand_compact_import", '"y"')
    assert '\n  (import "n" "x" (global i32))\n  (import "n" "y" (global i32))\n' in out
    _same_imports(COMPACT, out)
    out = rewrite(COMPACT, "inline_extern_type", '"n" (item "x"')
    assert '  (import "n" (item "x" (global i32)) (item "y" (global i32)))\n' in out
    _same_imports(COMPACT, out)
    assert "inline_extern_type" not in names(COMPACT, '"m"')  # each item has its own
    # a shared description with a name (wasm-tools refuses it: the name would be declared twice)
    named = COMPACT.replace("(global i32))", "(global $g i32))")
    assert [n for n in names(named, '"x"') if "import" in n or "extern" in n] == []


def test_compact_imports_on_smith_modules() -> None:
    """smith with the compact-import proposal on: both rewrites at every place, outputs valid
    and with the same imports (`rewrite_corpus.SAME_MEANING`)."""
    corpus = wasmtools.smith_corpus(3, options={"compact_imports_enabled": True, "min_imports": 4})
    report = rewrite_corpus.check([(f"smith {seed} compact", wat.encode()) for seed, _, wat in corpus])
    assert not report.failures, "\n\n".join(report.failures[:3])
    assert report.applied["expand_compact_import"] >= 3 and report.applied["inline_extern_type"] >= 1


def test_no_error_at_any_offset_of_damaged_text() -> None:
    new = [n for n in rewrites.REWRITES if n in NEW]
    for source in (NAMED, INLINE, EMPTY, EXPORTS, MUT, BROKEN, COMPACT):
        for cut in range(0, len(source), 11):
            damaged = (source[:cut] + source[cut + 3 :]).encode()
            doc = analyse(damaged)
            for offset in range(0, len(damaged) + 1, 3):
                for name in new:
                    r = rewrites.REWRITES[name]
                    if r.applies(doc, offset):
                        assert all(0 <= e.start <= e.end <= len(damaged) for e in r.edits(doc, offset))


NEW = frozenset({"name_to_idx", "inline_func_type", "inline_extern_type", "expand_compact_import",
                 "clean_no_types", "export_as", "remove_mut", "fix_invalid_mem_arg", "fix_packing",
                 "fix_packing_u"})  # fmt: skip
