"""The proposals real files use, against the oracle `wasm-tools validate --features all`.

For each proposal (stack switching, memory control, numeric values in data segments, branch
hints, the `@name`/`@custom`/`@producers` annotations) the hand-written modules of
`proposal_cases.py` get the oracle's verdict: an error or none, and of the same class (a
text-format error where the oracle fails to parse, a validation error where it fails to
validate). A few exact diagnostics follow, and the bytes numeric data values stand for.
"""

from __future__ import annotations

import pytest
from wat_lsp.analysis.diagnostics import Diagnostic, Severity
from wat_lsp.analysis.document import MALFORMED_CODES, analyse

from tests.analysis import proposal_cases as pc

wasmtools = pytest.importorskip("tests.oracles.wasmtools")
try:
    wasmtools.wasm_tools_exe()
except FileNotFoundError:  # pragma: no cover
    pytest.skip("wasm-tools is not installed", allow_module_level=True)

PROPOSALS = {
    "stack-switching": pc.STACK_SWITCHING,
    "memory-control": pc.MEMORY_CONTROL,
    "numeric-data": pc.NUMERIC_DATA,
    "branch-hints": pc.BRANCH_HINTS,
    "annotations": pc.ANNOTATIONS,
}


def errors(src: str) -> list[Diagnostic]:
    return [d for d in analyse(src.encode()).diagnostics if d.severity == Severity.ERROR]


@pytest.mark.parametrize("name", PROPOSALS)
def test_hand_written_modules_have_the_oracles_verdict(name: str) -> None:
    cases = PROPOSALS[name]
    verdicts = wasmtools.validate_many([c.encode() for c in cases])
    valid = sum(1 for v in verdicts if v.ok)
    assert len(cases) >= 30 and 10 <= valid <= len(cases) - 10, (len(cases), valid)
    failures = []
    for src, oracle in zip(cases, verdicts, strict=True):
        mine = errors(src)
        shown = [(d.code, d.message) for d in mine[:2]]
        if bool(mine) == oracle.ok:
            failures.append(f"{src}\n    ours={shown} oracle={oracle.stage}: {oracle.reason!r}")
        elif mine and any(d.code in MALFORMED_CODES for d in mine) != (oracle.stage == "parse"):
            failures.append(f"{src}\n    class: ours={shown} oracle={oracle.stage}: {oracle.reason!r}")
    assert not failures, f"{len(failures)} disagreements:\n" + "\n".join(failures)


def one(src: str) -> tuple[str, str, str]:
    """The only error of `src`: code, the text it covers, message."""
    found = errors(src)
    assert len(found) == 1, [(d.code, d.message) for d in found]
    d = found[0]
    return d.code, src.encode()[d.span.start : d.span.end].decode(), d.message


_SS = "(type $ft (func (param i32) (result i32))) (type $ct (cont $ft)) (tag $t0)"


def test_stack_switching_exact() -> None:
    assert one(
        f"(module {_SS} (func (param (ref $ct)) (result i32) "
        "(resume $ct (on $t0 switch) (i32.const 1) (local.get 0))))"
    ) == (
        "type-mismatch",
        "resume $ct (on $t0 switch)",
        "switch tag does not match continuation: `(on ... switch)` needs a tag whose results [] "
        "are the continuation's results [i32]",
    )
    assert one(f"(module {_SS} (func (param contref) (result i32) (ref.test (ref cont) (local.get 0))))") == (
        "type-mismatch",
        "ref.test (ref cont)",
        "invalid cast: `ref.test` casts to (ref cont), but a continuation type cannot be cast to",
    )


def test_memory_discard_exact() -> None:
    assert one("(module (memory i64 1) (func (memory.discard (i64.const 0) (i32.const 0))))") == (
        "type-mismatch",
        "memory.discard",
        "`memory.discard` expects i64 (operand 2 of 2), found i32",
    )
    code, text, _ = one("(module (func (memory.discard (i32.const 0) (i32.const 0))))")
    assert (code, text) == ("unknown-index", "memory.discard")


def test_numeric_data_exact() -> None:
    assert one("(module (memory 1) (data (i32.const 0) (i8 256)))") == (
        "malformed-literal",
        "256",
        "integer constant out of range for i8: `256`",
    )
    assert one("(module (memory 1) (data (i32.const 0) (v128 i8x16 1)))") == (
        "malformed",
        "i8x16",
        "`i8x16` needs 16 lanes",
    )
    assert one("(module (data (i8 1)))") == (
        "malformed",
        "(i8 1)",
        "a passive data segment cannot start with a numeric value (it reads as an offset "
        'expression): put a string first, e.g. `""`',
    )


@pytest.mark.parametrize(
    "values",
    [
        "(i8 1 2 -1) (i16 3 -4)",
        '"ab" (i32 0x01020304) "c" (i64 -2)',
        "(f32 1.5 -0.0 nan:0x1 inf) (f64 0.1 -0x1p-1074)",
        "(v128 i32x4 1 2 3 4 f64x2 1.5 -2) (v128 i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 -16)",
    ],
)
def test_numeric_data_bytes_are_the_oracles(values: str) -> None:
    """Our segment's bytes are those `wasm-tools parse` writes (little-endian), at the end of
    its binary, where the data section's only segment ends."""
    src = f"(module (memory 1) (data (i32.const 0) {values}))"
    doc = analyse(src.encode())
    assert doc.diagnostics == []
    read = doc.modules[0].read
    assert read is not None
    blob = read.module.datas[0].data
    binary = wasmtools.parse(src)
    assert binary.endswith(blob) and binary[-len(blob) - 1] == len(blob), (blob, binary)


def test_inline_numeric_data_sizes_the_memory() -> None:
    """`(memory (data ...))` has as many pages as its bytes need: 65,537 bytes, two pages."""
    src = "(module (memory (data (i64 {}) (i8 1))))".format(" ".join(["0"] * 8192))
    read = analyse(src.encode()).modules[0].read
    assert read is not None
    limits = read.module.memories[0].limits
    assert (limits.min, limits.max) == (2, 2)
    assert len(read.module.datas[0].data) == 65537


def test_branch_hint_exact() -> None:
    src = '(module (func (param i32) (@metadata.code.branch_hint "\\02") (if (local.get 0) (then))))'
    assert one(src) == (
        "malformed",
        '"\\02"',
        '`@metadata.code.branch_hint` annotation: invalid value for branch hint: expected "\\00" '
        '(unlikely) or "\\01" (likely)',
    )
    assert one('(module (func (@metadata.code.branch_hint "\\01")))') == (
        "malformed",
        '(@metadata.code.branch_hint "\\01")',
        "`@metadata.code.branch_hint` must precede an instruction",
    )
    hint = '(@metadata.code.branch_hint "\\01")'
    src = f"(module (func (param i32) {hint} {hint} (if (local.get 0) (then))))"
    code, text, message = one(src)
    assert (code, text, message) == (
        "malformed",
        hint,
        "duplicate `@metadata.code.branch_hint`: one hint per instruction",
    )
    assert errors(src)[0].span.start == src.rindex(hint)  # the second one


def test_annotations_exact() -> None:
    assert one('(module (func (@name "f") $f))') == (
        "malformed",
        '(@name "f")',
        "`@name` stands before the `$id`: the `$id` comes first",
    )
    assert one('(module (func (param (@name "p") i32 i64)))') == (
        "malformed",
        '(@name "p")',
        "`@name` names one parameter, local or field: declare one type after it",
    )
    assert one('(module (@name "\\ff"))') == (
        "malformed",
        '"\\ff"',
        "`@name` annotation: malformed UTF-8 encoding",
    )
    assert one('(module (@custom "x" (after foo)))') == (
        "malformed",
        "(",
        "`@custom` annotation: expected a placement: `(before first)`, `(after last)`, or "
        "`before`/`after` and a section (type, import, func, table, memory, global, export, "
        "start, elem, code, data, tag)",
    )
    assert one('(module (func (@custom "x")))') == (
        "malformed",
        '(@custom "x")',
        "`@custom` is a module field: it may stand only among the module's fields",
    )
    assert one('(module (@producers (language "wat")))') == (
        "malformed",
        ")",
        "`@producers` annotation: expected a string",
    )


def test_annotations_outside_modules_are_skipped() -> None:
    """In a script, outside any module, `wasm-tools` reads no annotation."""
    src = '(module (func (export "f")))\n(assert_return (invoke "f") (@name 1))\n'
    assert [d for d in analyse(src.encode()).diagnostics if d.code == "malformed"] == []


def test_quoted_module_annotations() -> None:
    src = '(module quote "(@producers (sdk \\"a\\"))")'
    assert [d.code for d in errors(src)] == ["malformed"]


def test_annotation_diagnostics_follow_edits_incrementally() -> None:
    """Editing a function body re-judges its annotations, as `analyse` would (invariant 8)."""
    from wat_lsp.analysis.incremental import DocumentAnalysis
    from wat_lsp.analysis.syntax import parse

    from tests.analysis.test_incremental_document import _same

    hint = b'(@metadata.code.branch_hint "\\01")'
    src = (
        b"(module\n"
        + b"".join(
            b"  (func $f%d (param i32)\n    %s (if (local.get 0) (then)))\n" % (i, hint) for i in range(4)
        )
        + b")\n"
    )
    da = DocumentAnalysis()
    da.update(src, parse(src))
    assert da.document(src, parse(src)).diagnostics == []
    for old, new in [
        (b'"\\01") (if', b'"\\07") (if'),  # a bad value
        (b"(if (local.get 0) (then))", b"(drop (local.get 0))"),  # a hint on `drop`
        (b'"\\07") (drop', b'"\\00") (drop'),
    ]:
        data = src.replace(old, new, 1)
        doc = da.document(data, parse(data))
        _same(doc, analyse(data))
        src = data
    assert [d.code for d in doc.diagnostics] == ["branch-hint-target"]
