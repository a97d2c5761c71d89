"""Exact reference types (custom descriptors) against `wasm-tools validate --features all`.

With custom descriptors, wasmparser types what allocates or names one object exactly:
`struct.new`, `struct.new_default` and every `array.new*` produce `(ref (exact $t))`,
`ref.func` of a defined function or of an import declared `(exact (type $t))` produces
`(ref (exact $t))` (of any other import: `(ref $t)`), `ref.null (exact $t)` produces
`(ref null (exact $t))`; `ref.null $t` is inexact, `none`/`nofunc` are below every exact type.

Mutation-style: each producer is stored into a local whose declared type is varied (exact or
not, nullable or not, a subtype, an abstract supertype), and the same producers initialise
globals (constant expressions); our verdict (any error at all) must be wasm-tools' verdict
for every mutant. A few exact messages pin how exact types are spelled in diagnostics.
"""

from __future__ import annotations

import pytest
from wat_lsp.analysis.diagnostics import Severity
from wat_lsp.analysis.document import analyse

wasmtools = pytest.importorskip("tests.oracles.wasmtools")
try:
    wasmtools.wasm_tools_exe()
except FileNotFoundError:  # pragma: no cover
    pytest.skip("wasm-tools is not installed", allow_module_level=True)

HEADER = """
  (type $s (sub (struct (field i32))))
  (type $s2 (sub $s (struct (field i32))))
  (type $a (array (mut i32)))
  (type $fa (array funcref))
  (type $f (func))
  (import "m" "i" (func $imp (type $f)))
  (import "m" "x" (func $ximp (exact (type $f))))
  (func $ximp2 (import "m" "y") (exact (type $f)))
  (func $def (type $f))
  (data $d "abcd")
  (elem $e funcref)
  (elem declare func $def $imp $ximp $ximp2)
"""

# producer families: (producers, declared local types to store them into)
STRUCT = (
    [
        "(struct.new $s (i32.const 1))",
        "(struct.new_default $s)",
        "(struct.new $s2 (i32.const 1))",
        "(struct.new_default $s2)",
        "(ref.cast (ref (exact $s)) (local.get $any))",
        "(ref.cast (ref null (exact $s)) (local.get $any))",
        "(ref.cast (ref $s) (local.get $any))",
        "(ref.null (exact $s))",
        "(ref.null $s)",
        "(ref.null none)",
        "(ref.as_non_null (ref.null (exact $s)))",
        "(block (result (ref (exact $s))) (struct.new_default $s))",
    ],
    ["(ref $s)", "(ref (exact $s))", "(ref null (exact $s))", "(ref null $s)",
     "(ref (exact $s2))", "(ref $s2)", "structref", "(ref eq)"],
)  # fmt: skip
ARRAY = (
    [
        "(array.new $a (i32.const 0) (i32.const 1))",
        "(array.new_default $a (i32.const 1))",
        "(array.new_fixed $a 2 (i32.const 1) (i32.const 2))",
        "(array.new_data $a $d (i32.const 0) (i32.const 1))",
        "(array.new_elem $fa $e (i32.const 0) (i32.const 0))",
        "(ref.cast (ref (exact $a)) (local.get $any))",
        "(ref.null (exact $fa))",
    ],
    ["(ref $a)", "(ref (exact $a))", "(ref null (exact $a))", "arrayref", "(ref $fa)",
     "(ref (exact $fa))", "(ref null (exact $fa))"],
)  # fmt: skip
FUNC = (
    [
        "(ref.func $def)",
        "(ref.func $imp)",
        "(ref.func $ximp)",
        "(ref.func $ximp2)",
        "(ref.cast (ref (exact $f)) (local.get $fn))",
        "(ref.null (exact $f))",
        "(ref.null nofunc)",
    ],
    ["(ref $f)", "(ref (exact $f))", "(ref null (exact $f))", "funcref"],
)


def _mutants() -> list[tuple[str, str]]:
    out = []
    for producers, local_types in (STRUCT, ARRAY, FUNC):
        for p in producers:
            for t in local_types:
                body = f"(func (param $any anyref) (param $fn funcref) (local $x {t}) (local.set $x {p}))"
                out.append((f"local {t} <- {p}", f"(module {HEADER} {body})"))
                # const expressions: the same producers where a global's initializer allows them
                if "local.get" not in p and "block" not in p and "ref.as_non_null" not in p:
                    out.append((f"global {t} <- {p}", f"(module {HEADER} (global {t} {p}))"))
    return out


MUTANTS = _mutants()


def _ours(text: str) -> list[str]:
    doc = analyse(text.encode())
    return [f"{d.code}: {d.message}" for d in doc.diagnostics if d.severity == Severity.ERROR]


def test_exact_mutants_agree_with_wasm_tools() -> None:
    oracles = wasmtools.validate_many([text for _, text in MUTANTS])
    disagreements = []
    counts = {True: 0, False: 0}
    for (name, text), oracle in zip(MUTANTS, oracles, strict=True):
        assert oracle.stage != "parse", (name, oracle.message)
        ours = _ours(text)
        counts[oracle.ok] += 1
        if oracle.ok != (not ours):
            said = "accepts" if oracle.ok else oracle.reason
            disagreements.append(f"{name}: wasm-tools {said}, we {ours or 'accept'}")
    print(f"\nexact mutants: {len(MUTANTS)}, accepted by wasm-tools {counts[True]}, rejected {counts[False]}")
    assert not disagreements, "\n".join(disagreements)
    # both outcomes are exercised, in numbers that only change when the probes do
    assert (len(MUTANTS), counts[True]) == (295, 169)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "(local $x (ref (exact $s))) (local.set $x (ref.cast (ref $s) (local.get $any)))",
            "`local.set` expects (ref (exact $s)), found (ref $s)",
        ),
        (
            "(local $x (ref null (exact $s))) (local.set $x (ref.null $s))",
            "`local.set` expects (ref null (exact $s)), found (ref null $s)",
        ),
        (
            "(local $x (ref (exact $f))) (local.set $x (ref.func $imp))",
            "`local.set` expects (ref (exact $f)), found (ref $f)",
        ),
        (
            "(local $x (ref (exact $s2))) (local.set $x (struct.new_default $s))",
            "`local.set` expects (ref (exact $s2)), found (ref (exact $s))",
        ),
        (
            "(local $x (ref (exact $a))) (local.set $x (array.new_fixed $fa 0))",
            "`local.set` expects (ref (exact $a)), found (ref (exact $fa))",
        ),
    ],
)
def test_exact_messages(body: str, message: str) -> None:
    text = f"(module {HEADER} (func (param $any anyref) {body}))"
    assert _ours(text) == [f"type-mismatch: {message}"]
    assert not wasmtools.validate(text).ok


def test_exact_import_reads_its_signature() -> None:
    """`(exact (param ...) (result ...))` gives the import its signature (an implicit type)."""
    text = """(module
      (import "" "" (func $g (exact (param i32) (result i64))))
      (global (ref (exact 0)) (ref.func $g))
      (func (result i64) (call $g (i32.const 1))))"""
    assert wasmtools.validate(text).ok
    doc = analyse(text.encode())
    assert _ours(text) == []
    read = doc.modules[0].read
    assert read is not None
    g = read.module.funcs[0]
    assert (g.exact_import, [p.type for p in g.params], g.results) == (True, ["i32"], ("i64",))
