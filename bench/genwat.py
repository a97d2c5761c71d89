"""Generate large, realistic, *valid* WAT modules for benchmarks.

Style: what ``wasm-tools print`` writes for a module with a name section: one instruction
per line, two-space indentation, ``(;N;)`` index comments, hex float constants with a
``(;=x;)`` comment; a few folded instructions mixed in. Content: a rec group of GC
struct/array types with subtyping, function types, a table with an element segment, a
memory with a data segment, globals, and many functions built from templates (linked-list
builders and walkers with ``br_on_null``, casts with ``ref.test``/``ref.cast``/
``br_on_cast``/``br_on_cast_fail``, array fill/sum loops, ``br_table`` dispatchers using
``call``/``call_ref``/``call_indirect``, float math, memory scans, drivers). Functions only
call functions defined before them, so every export terminates.

    python bench/genwat.py --size 13MB -o big.wat [--seed N]
    python bench/genwat.py --functions 10000 -o doc.wat
    python bench/genwat.py --size 60MB --small -o many.wat   # many small functions
    python bench/genwat.py --single-function --locals 49999 -o locals.wat

Deterministic per seed and options. Check with ``wasm-tools validate --features all``.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable, Iterator
from typing import TextIO

__all__ = ["generate", "generate_single_function", "main", "parse_size"]


def parse_size(text: str) -> int:
    """``"65MB"`` -> 65 * 2**20; also KB, GB, B, or a plain number of bytes."""
    t = text.strip().upper().removesuffix("IB").removesuffix("B")
    mult = 1
    for suffix, m in (("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30)):
        if t.endswith(suffix):
            t, mult = t[:-1], m
            break
    return int(float(t) * mult)


def fconst(x: float) -> str:
    """A float literal as wasm-tools prints it: ``0x1.8p+0 (;=1.5;)``."""
    h = x.hex()  # e.g. '-0x1.8000000000000p+3'
    sign = "-" if h.startswith("-") else ""
    h = h.lstrip("-")[2:]
    mant, exp = h.split("p")
    if "." in mant:
        whole, frac = mant.split(".")
        frac = frac.rstrip("0")
        mant = whole + ("." + frac if frac else "")
    dec = repr(x)
    if dec.endswith(".0"):
        dec = dec[:-2]
    return f"{sign}0x{mant}p{exp} (;={dec};)"


# ------------------------------------------------------------------------ module head

_TYPES = """\
  (rec
    (type $base (;0;) (sub (struct (field $tag i32) (field $next (mut (ref null $node))))))
    (type $node (;1;) (sub $base (struct (field $tag i32) (field $next (mut (ref null $node))) (field $weight (mut i64)) (field $score f64))))
    (type $leaf (;2;) (sub final $node (struct (field $tag i32) (field $next (mut (ref null $node))) (field $weight (mut i64)) (field $score f64) (field $count (mut i32)))))
    (type $ivec (;3;) (array (mut i32)))
    (type $fvec (;4;) (array (mut f64)))
    (type $nodes (;5;) (array (mut (ref null $node))))
  )
  (type $binop (;6;) (func (param i32 i32) (result i32)))
  (type $visit (;7;) (func (param (ref null $node)) (result i64)))
  (type $mk (;8;) (func (param i32 (ref null $node)) (result (ref $node))))
  (type $classify (;9;) (func (param (ref null $base)) (result i32)))
  (type $arr (;10;) (func (param i32) (result i32)))
  (type $dispatch (;11;) (func (param i32 i32 i32) (result i32)))
  (type $fmath (;12;) (func (param f64 f64) (result f64)))
  (type $mem (;13;) (func (param i32) (result i64)))
  (type $build (;14;) (func (param i32) (result (ref null $node))))
  (type $main (;15;) (func (result i64)))
  (type $big (;16;) (func (param i32) (result i64)))
"""

_TABLE_SIZE = 16  # the first 16 functions are binops, all in the table

_GLOBALS = f"""\
  (table $fns (;0;) {_TABLE_SIZE} funcref)
  (memory $heap (;0;) 16)
  (global $counter (;0;) (mut i32) i32.const 0)
  (global $total (;1;) (mut i64) i64.const 0)
  (global $scale (;2;) f64 f64.const {fconst(1.5)})
  (global $root (;3;) (mut (ref null $node)) ref.null $node)
"""

_I32_OPS = ("i32.add", "i32.sub", "i32.mul", "i32.xor", "i32.or", "i32.and")
_I64_OPS = ("i64.add", "i64.sub", "i64.xor", "i64.or")
_F64_OPS = ("f64.add", "f64.sub", "f64.mul", "f64.min", "f64.max")
_I32_SHIFTS = ("i32.shl", "i32.shr_u", "i32.shr_s", "i32.rotl", "i32.rotr")


class _Gen:
    """Per-module state: the random source, and function names by kind."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.by_kind: dict[str, list[str]] = {}
        self.count = 0
        self.exports: list[tuple[str, str]] = []

    def r(self, n: int) -> int:
        return int(self.rng.random() * n)

    def pick(self, seq: tuple[str, ...] | list[str]) -> str:
        return seq[int(self.rng.random() * len(seq))]

    def callee(self, kind: str) -> str:
        names = self.by_kind[kind]
        # Prefer recent functions, like real code calling nearby helpers.
        if len(names) > 8 and self.rng.random() < 0.7:
            return names[len(names) - 1 - self.r(8)]
        return self.pick(names)

    def add(self, kind: str, name: str) -> None:
        self.by_kind.setdefault(kind, []).append(name)
        self.count += 1

    # ----------------------------------------------------------------- templates

    def prologue(self) -> str:
        """Stack-neutral statements of the kind compilers emit at function entry
        (counters, statistics in memory, guards)."""
        parts = []
        for _ in range(self.r(8)):
            which = self.r(4)
            if which == 0:
                parts.append(
                    f"    global.get $counter\n    i32.const {self.r(1 << 20)}\n    i32.ge_u\n"
                    f"    if\n      i32.const 0\n      global.set $counter\n    else\n"
                    f"      global.get $counter\n      i32.const 1\n      i32.add\n"
                    f"      global.set $counter\n    end\n"
                )
            elif which == 1:
                a, o = self.r(1 << 12) * 4, self.r(64) * 4
                parts.append(
                    f"    i32.const {a}\n    i32.const {a}\n    i32.load offset={o}\n"
                    f"    i32.const 1\n    i32.add\n    i32.store offset={o}\n"
                )
            elif which == 2:
                parts.append(
                    f"    global.get $total\n    i64.const {self.r(1 << 30)}\n"
                    f"    {self.pick(_I64_OPS)}\n    global.set $total\n"
                )
            else:
                parts.append(
                    f"    block $guard\n      global.get $counter\n      i32.eqz\n"
                    f"      br_if $guard\n      i32.const {self.r(1 << 12) * 2}\n"
                    f"      global.get $counter\n      i32.store16 offset={self.r(64) * 2}\n"
                    f"    end\n"
                )
        return "".join(parts)

    def binop(self, i: int) -> str:
        name = f"$binop_{i}"
        c1 = self.r(1000) - 500
        sh = 1 + self.r(30)
        op1, op2 = self.pick(_I32_OPS), self.pick(_I32_OPS)
        if self.r(3) == 0:  # folded form
            body = (
                f"    ({op2} ({op1} (local.get $a) (i32.const {c1})) (local.get $b))\n"
                f"    local.tee $t\n"
                f"    (i32.shr_u (local.get $t) (i32.const {sh}))\n"
                f"    i32.xor\n"
            )
        else:
            body = (
                f"    local.get $a\n    i32.const {c1}\n    {op1}\n    local.get $b\n"
                f"    {op2}\n    local.tee $t\n    local.get $t\n    i32.const {sh}\n"
                f"    {self.pick(_I32_SHIFTS)}\n    i32.xor\n"
            )
        extra = []
        for _ in range(self.r(7)):
            extra.append(
                f"    i32.const {self.r(1 << 16)}\n    {self.pick(_I32_OPS)}\n"
                f"    local.get $b\n    i32.const {1 + self.r(31)}\n"
                f"    {self.pick(_I32_SHIFTS)}\n    {self.pick(_I32_OPS)}\n"
            )
        self.add("binop", name)
        return (
            f"  (func {name} (;{i};) (type $binop) (param $a i32) (param $b i32) (result i32)\n"
            f"    (local $t i32)\n{body}{''.join(extra)}  )\n"
        )

    def mk_node(self, i: int) -> str:
        name = f"$mk_node_{i}"
        leaf = self.r(2) == 0
        c1, c2 = self.r(1 << 20) + 1, self.r(1 << 12)
        f1 = (self.r(64) + 1) / 8
        new = (
            "    local.get $v\n    local.get $next\n    local.get $w\n    local.get $v\n"
            f"    f64.convert_i32_s\n    f64.const {fconst(f1)}\n    f64.mul\n"
        )
        if leaf:
            new += f"    i32.const {self.r(100)}\n    struct.new $leaf\n"
        else:
            new += "    struct.new $node\n"
        self.add("mk", name)
        return (
            f"  (func {name} (;{i};) (type $mk) (param $v i32) (param $next (ref null $node))"
            f" (result (ref $node))\n"
            f"    (local $n (ref $node)) (local $w i64)\n"
            f"    local.get $v\n    i64.extend_i32_s\n    i64.const {c1}\n    i64.mul\n"
            f"    local.set $w\n{new}    local.set $n\n"
            f"    local.get $n\n    local.get $w\n    i64.const {c2}\n    {self.pick(_I64_OPS)}\n"
            f"    struct.set $node $weight\n"
            f"    global.get $counter\n    i32.const 1\n    i32.add\n    global.set $counter\n"
            f"    local.get $n\n  )\n"
        )

    def sum_list(self, i: int) -> str:
        name = f"$sum_list_{i}"
        c1 = self.r(1 << 16)
        self.add("visit", name)
        return (
            f"  (func {name} (;{i};) (type $visit) (param $head (ref null $node)) (result i64)\n"
            f"    (local $acc i64) (local $cur (ref null $node)) (local $n (ref $node))\n"
            f"    local.get $head\n    local.set $cur\n"
            f"    block $done\n      loop $next\n"
            f"        local.get $cur\n        br_on_null $done\n        local.set $n\n"
            f"        local.get $acc\n        local.get $n\n        struct.get $node $weight\n"
            f"        i64.const {c1}\n        {self.pick(_I64_OPS)}\n        i64.add\n"
            f"        local.set $acc\n"
            f"        local.get $n\n        ref.test (ref $leaf)\n        if\n"
            f"          local.get $acc\n          local.get $n\n          ref.cast (ref $leaf)\n"
            f"          struct.get $leaf $count\n          i64.extend_i32_u\n"
            f"          {self.pick(_I64_OPS)}\n          local.set $acc\n        end\n"
            f"        local.get $n\n        struct.get $node $next\n        local.set $cur\n"
            f"        br $next\n      end\n    end\n"
            f"    local.get $acc\n    global.get $total\n    i64.add\n    global.set $total\n"
            f"    local.get $acc\n  )\n"
        )

    def classify(self, i: int) -> str:
        name = f"$classify_{i}"
        self.add("classify", name)
        head = (
            f"  (func {name} (;{i};) (type $classify) (param $x (ref null $base)) (result i32)\n"
            f"    (local $k i32)\n"
        )
        if self.r(2) == 0:
            return head + (
                f"    block $is_leaf (result (ref $leaf))\n"
                f"      local.get $x\n"
                f"      br_on_cast $is_leaf (ref null $base) (ref $leaf)\n"
                f"      ref.test (ref $node)\n"
                f"      if (result i32)\n"
                f"        local.get $x\n        ref.cast (ref $node)\n"
                f"        struct.get $node $score\n"
                f"        f64.const {fconst((self.r(100) + 1) / 4)}\n        f64.mul\n"
                f"        i32.trunc_sat_f64_s\n"
                f"      else\n"
                f"        local.get $x\n        ref.is_null\n"
                f"        if (result i32)\n          i32.const {self.r(1000) - 500}\n"
                f"        else\n          local.get $x\n          ref.as_non_null\n"
                f"          struct.get $base $tag\n        end\n"
                f"      end\n      return\n    end\n"
                f"    struct.get $leaf $count\n    i32.const {1 + self.r(99)}\n    i32.mul\n"
                f"    local.set $k\n    local.get $k\n    local.get $k\n"
                f"    i32.const {1 + self.r(31)}\n    {self.pick(_I32_SHIFTS)}\n    i32.xor\n"
                f"  )\n"
            )
        return head + (
            f"    block $not_node (result (ref null $base))\n"
            f"      local.get $x\n"
            f"      br_on_cast_fail $not_node (ref null $base) (ref $node)\n"
            f"      struct.get $node $weight\n      i32.wrap_i64\n"
            f"      local.tee $k\n      i32.const {self.r(4096)}\n      {self.pick(_I32_OPS)}\n"
            f"      return\n    end\n"
            f"    ref.is_null\n"
            f"    if (result i32)\n      i32.const -1\n    else\n"
            f"      local.get $x\n      ref.as_non_null\n      struct.get $base $tag\n    end\n"
            f"  )\n"
        )

    def array_work(self, i: int) -> str:
        name = f"$arr_{i}"
        self.add("arr", name)
        mask = (1 << (3 + self.r(4))) - 1
        fpart = ""
        flocal = ""
        if self.r(2) == 0:
            flocal = " (local $fv (ref $fvec))"
            fpart = (
                f"    f64.const {fconst((self.r(40) + 1) / 8)}\n    local.get $len\n"
                f"    array.new $fvec\n    local.set $fv\n"
                f"    local.get $fv\n    i32.const 0\n    local.get $s\n    f64.convert_i32_s\n"
                f"    array.set $fvec\n"
                f"    (array.get $fvec (local.get $fv) (i32.const 0))\n"
                f"    global.get $scale\n    f64.mul\n    i32.trunc_sat_f64_s\n"
                f"    local.get $s\n    i32.add\n    local.set $s\n"
            )
        return (
            f"  (func {name} (;{i};) (type $arr) (param $n i32) (result i32)\n"
            f"    (local $v (ref $ivec)) (local $i i32) (local $s i32) (local $len i32){flocal}\n"
            f"    local.get $n\n    i32.const {mask}\n    i32.and\n    i32.const 1\n"
            f"    i32.add\n    local.tee $len\n    array.new_default $ivec\n    local.set $v\n"
            f"    block $exit\n      loop $fill\n"
            f"        local.get $i\n        local.get $v\n        array.len\n"
            f"        i32.ge_u\n        br_if $exit\n"
            f"        local.get $v\n        local.get $i\n        local.get $i\n"
            f"        i32.const {self.r(1 << 12) + 1}\n        i32.mul\n        local.get $n\n"
            f"        {self.pick(_I32_OPS)}\n        array.set $ivec\n"
            f"        local.get $i\n        i32.const 1\n        i32.add\n        local.set $i\n"
            f"        br $fill\n      end\n    end\n"
            f"    i32.const 0\n    local.set $i\n"
            f"    loop $sum\n"
            f"      local.get $s\n      local.get $v\n      local.get $i\n      array.get $ivec\n"
            f"      {self.pick(('i32.add', 'i32.xor', 'i32.sub'))}\n      local.set $s\n"
            f"      local.get $i\n      i32.const 1\n      i32.add\n      local.tee $i\n"
            f"      local.get $v\n      array.len\n      i32.lt_u\n      br_if $sum\n"
            f"    end\n{fpart}"
            f"    i32.const {self.r(1 << 14) * 4}\n    local.get $s\n"
            f"    i32.store offset={self.r(256) * 4}\n"
            f"    local.get $s\n  )\n"
        )

    def dispatch(self, i: int) -> str:
        name = f"$dispatch_{i}"
        self.add("dispatch", name)
        ncases = 2 + self.r(5)
        lines = [
            f"  (func {name} (;{i};) (type $dispatch) (param $k i32) (param $a i32)"
            f" (param $b i32) (result i32)",
            "    (local $r i32)",
            "    block $default",
        ]
        for d in range(ncases - 1, -1, -1):
            lines.append("  " * (ncases - d + 1) + f"block $c{d}")
        ind = "  " * (ncases + 2)
        lines.append(f"{ind}local.get $k")
        targets = " ".join(f"$c{d}" for d in range(ncases))
        lines.append(f"{ind}br_table {targets} $default")
        for d in range(ncases):
            ind = "  " * (ncases - d + 1)
            lines.append(f"{ind}end")
            lines.append(f"{ind}local.get $a")
            lines.append(f"{ind}local.get $b")
            how = self.r(4)
            if how == 0:
                lines.append(f"{ind}call {self.callee('binop')}")
            elif how == 1:
                # Only table members are declared for ref.func.
                lines.append(f"{ind}ref.func $binop_{self.r(_TABLE_SIZE)}")
                lines.append(f"{ind}call_ref $binop")
            elif how == 2:
                lines.append(f"{ind}i32.const {self.r(_TABLE_SIZE)}")
                lines.append(f"{ind}call_indirect $fns (type $binop)")
            else:
                lines.append(f"{ind}i32.const {self.r(_TABLE_SIZE)}")
                lines.append(f"{ind}table.get $fns")
                lines.append(f"{ind}ref.cast (ref $binop)")
                lines.append(f"{ind}call_ref $binop")
            lines.append(f"{ind}local.set $r")
            if d != ncases - 1:
                lines.append(f"{ind}br $default")
        lines.append("    end")
        lines.append(f"    (i32.add (local.get $r) (i32.const {self.r(1 << 10)}))")
        lines.append("  )\n")
        return "\n".join(lines)

    def fmath(self, i: int) -> str:
        name = f"$fmath_{i}"
        self.add("fmath", name)
        steps = []
        for _ in range(1 + self.r(4)):
            steps.append(
                f"    local.get $t\n    f64.const {fconst((self.r(200) + 1) / 16)}\n"
                f"    {self.pick(_F64_OPS)}\n    local.get $y\n    {self.pick(_F64_OPS)}\n"
                f"    local.set $t\n"
            )
        return (
            f"  (func {name} (;{i};) (type $fmath) (param $x f64) (param $y f64) (result f64)\n"
            f"    (local $t f64) (local $i i64)\n"
            f"    local.get $x\n    local.get $y\n    {self.pick(_F64_OPS)}\n"
            f"    f64.const {fconst((self.r(100) + 1) / 8)}\n    {self.pick(_F64_OPS)}\n"
            f"    local.tee $t\n    f64.abs\n    f64.sqrt\n"
            f"    local.get $t\n    global.get $scale\n    f64.mul\n    f64.add\n"
            f"    local.set $t\n{''.join(steps)}"
            f"    local.get $t\n    i64.trunc_sat_f64_s\n    local.tee $i\n"
            f"    i64.const {self.r(1 << 20) + 1}\n    i64.rem_u\n    f64.convert_i64_u\n"
            f"    local.get $t\n    local.get $x\n    local.get $y\n    f64.gt\n    select\n"
            f"    (f64.min (local.get $t) (f64.const {fconst(float(self.r(1 << 20) + 1))}))\n"
            f"    f64.add\n  )\n"
        )

    def mem(self, i: int) -> str:
        name = f"$mem_{i}"
        self.add("mem", name)
        return (
            f"  (func {name} (;{i};) (type $mem) (param $p i32) (result i64)\n"
            f"    (local $addr i32) (local $acc i64) (local $i i32)\n"
            f"    local.get $p\n    i32.const 4095\n    i32.and\n    i32.const 3\n"
            f"    i32.shl\n    local.set $addr\n"
            f"    loop $scan\n"
            f"      local.get $acc\n      local.get $addr\n"
            f"      i64.load offset={self.r(64) * 8}\n      {self.pick(_I64_OPS)}\n"
            f"      local.set $acc\n"
            f"      local.get $addr\n      local.get $i\n      i32.store8 offset={self.r(512)}\n"
            f"      local.get $addr\n      i32.const 8\n      i32.add\n      local.set $addr\n"
            f"      local.get $i\n      i32.const 1\n      i32.add\n      local.tee $i\n"
            f"      i32.const {2 + self.r(30)}\n      i32.lt_s\n      br_if $scan\n"
            f"    end\n"
            f"    local.get $acc\n    i64.eqz\n    if\n"
            f"      i32.const {self.r(1 << 14) * 2}\n      i64.load16_u\n      local.set $acc\n"
            f"    end\n"
            f"    (i64.store32 offset={self.r(128) * 4} (i32.const {self.r(1 << 12) * 4})"
            f" (local.get $acc))\n"
            f"    local.get $acc\n  )\n"
        )

    def build_list(self, i: int) -> str:
        name = f"$build_list_{i}"
        self.add("build", name)
        mask = (1 << (2 + self.r(3))) - 1
        return (
            f"  (func {name} (;{i};) (type $build) (param $n i32) (result (ref null $node))\n"
            f"    (local $head (ref null $node)) (local $i i32) (local $arr (ref $nodes))\n"
            f"    local.get $n\n    i32.const {mask}\n    i32.and\n    i32.const 1\n"
            f"    i32.add\n    array.new_default $nodes\n    local.set $arr\n"
            f"    block $done\n      loop $grow\n"
            f"        local.get $i\n        local.get $n\n        i32.const {mask}\n"
            f"        i32.and\n        i32.gt_s\n        br_if $done\n"
            f"        local.get $i\n        local.get $head\n"
            f"        call {self.callee('mk')}\n        local.set $head\n"
            f"        local.get $arr\n        local.get $i\n        local.get $head\n"
            f"        array.set $nodes\n"
            f"        local.get $i\n        i32.const 1\n        i32.add\n        local.set $i\n"
            f"        br $grow\n      end\n    end\n"
            f"    local.get $arr\n    i32.const 0\n    array.get $nodes\n    global.set $root\n"
            f"    local.get $head\n  )\n"
        )

    def driver(self, i: int) -> str:
        name = f"$driver_{i}"
        self.add("main", name)
        parts = [
            f"  (func {name} (;{i};) (type $main) (result i64)\n"
            f"    (local $list (ref null $node)) (local $r i64) (local $k i32)\n"
            f"    i32.const {self.r(32)}\n    call {self.callee('build')}\n"
            f"    local.tee $list\n    call {self.callee('visit')}\n    local.set $r\n"
            f"    local.get $list\n    call {self.callee('classify')}\n    local.set $k\n"
        ]
        for _ in range(1 + self.r(3)):
            which = self.r(4)
            if which == 0:
                parts.append(
                    f"    local.get $r\n    (call {self.callee('arr')} (local.get $k))\n"
                    f"    i64.extend_i32_u\n    i64.add\n    local.set $r\n"
                )
            elif which == 1:
                parts.append(
                    f"    local.get $r\n    f64.convert_i64_s\n"
                    f"    f64.const {fconst((self.r(64) + 1) / 4)}\n"
                    f"    call {self.callee('fmath')}\n    i64.trunc_sat_f64_s\n"
                    f"    local.get $r\n    i64.xor\n    local.set $r\n"
                )
            elif which == 2:
                parts.append(
                    f"    local.get $k\n    call {self.callee('mem')}\n    local.get $r\n"
                    f"    i64.add\n    local.set $r\n"
                )
            else:
                parts.append(
                    f"    local.get $k\n    i32.const {self.r(8)}\n    i32.rem_u\n"
                    f"    local.get $k\n    i32.const {self.r(1 << 10)}\n"
                    f"    call {self.callee('dispatch')}\n    i64.extend_i32_s\n"
                    f"    local.get $r\n    i64.add\n    local.set $r\n"
                )
        parts.append(
            "    global.get $root\n    ref.is_null\n    if (result i64)\n"
            "      local.get $r\n    else\n      global.get $root\n"
            f"      call {self.callee('visit')}\n      local.get $r\n      i64.add\n    end\n  )\n"
        )
        return "".join(parts)


_PRELUDE = ["binop"] * _TABLE_SIZE + [
    "mk",
    "mk",
    "visit",
    "classify",
    "arr",
    "fmath",
    "mem",
    "build",
    "dispatch",
    "main",
]
# Relative frequencies after the prelude.
_WEIGHTS = (
    ("binop", 3),
    ("mk", 2),
    ("visit", 2),
    ("classify", 2),
    ("arr", 2),
    ("dispatch", 2),
    ("fmath", 2),
    ("mem", 2),
    ("build", 1),
    ("main", 1),
)


# Small functions only (a few hundred bytes each): a big module of many small functions, as
# GC languages' compilers emit.
_SMALL_WEIGHTS = (("binop", 3), ("mk", 2), ("classify", 2), ("visit", 1))


def _functions(g: _Gen, small: bool = False) -> Iterator[str]:
    makers: dict[str, Callable[[int], str]] = {
        "binop": g.binop,
        "mk": g.mk_node,
        "visit": g.sum_list,
        "classify": g.classify,
        "arr": g.array_work,
        "dispatch": g.dispatch,
        "fmath": g.fmath,
        "mem": g.mem,
        "build": g.build_list,
        "main": g.driver,
    }
    table: list[str] = []
    for kind, w in _SMALL_WEIGHTS if small else _WEIGHTS:
        table += [kind] * w
    i = 0
    for kind in _PRELUDE:
        yield makers[kind](i)
        i += 1
    while True:
        text = makers[g.pick(table)](i)
        pro = "" if small else g.prologue()
        if pro:
            # After the header and the locals line (every template declares locals).
            head, local_line, rest = text.split("\n", 2)
            text = f"{head}\n{local_line}\n{pro}{rest}"
        yield text
        i += 1


def _tail(g: _Gen) -> str:
    data = "".join(f"\\{b:02x}" for b in random.Random(g.count).randbytes(48))
    return f'  (data $init (;0;) (i32.const 1024) "{data}")\n)\n'


def generate(
    out: TextIO, *, size: int | None = None, functions: int | None = None, seed: int = 0, small: bool = False
) -> int:
    """Writes a module of about ``size`` bytes, or with ``functions`` functions (at least
    the prelude of 26); with ``small``, of small functions only. Returns the number of
    functions."""
    if size is None and functions is None:
        raise ValueError("give size or functions")
    if functions is not None and functions < len(_PRELUDE):
        raise ValueError(f"functions must be at least {len(_PRELUDE)}")
    g = _Gen(seed)
    head = "(module\n" + _TYPES + _GLOBALS
    # Exports refer to functions by name; drivers are exported as they are generated, but
    # the text must list exports before functions (wasm-tools order), so funcs go to a
    # buffer of chunks first. Memory stays linear in the output size.
    chunks: list[str] = []
    written = len(head) + 200  # + tail, roughly
    n = 0
    limit_n = functions if functions is not None else sys.maxsize
    limit_size = size if size is not None and functions is None else sys.maxsize
    for text in _functions(g, small):
        chunks.append(text)
        written += len(text)
        n += 1
        if n >= limit_n or (n >= len(_PRELUDE) and written >= limit_size):
            break
    drivers = g.by_kind["main"]
    exports = ['  (export "main" (func ' + drivers[-1] + "))\n"]
    exports += [f'  (export "driver{k}" (func {d}))\n' for k, d in enumerate(drivers[-8:-1])]
    exports.append(f'  (export "dispatch" (func {g.by_kind["dispatch"][-1]}))\n')
    exports.append('  (export "heap" (memory $heap))\n  (export "total" (global $total))\n')
    binops = " ".join(g.by_kind["binop"][:_TABLE_SIZE])
    exports.append(f"  (elem (;0;) (i32.const 0) func {binops})\n")
    out.write(head)
    out.write("".join(exports))
    buf: list[str] = []
    buf_len = 0
    for c in chunks:
        buf.append(c)
        buf_len += len(c)
        if buf_len > 1 << 20:
            out.write("".join(buf))
            buf, buf_len = [], 0
    out.write("".join(buf))
    out.write(_tail(g))
    return n


# ------------------------------------------------------------ single big function


def generate_single_function(out: TextIO, *, locals_: int, seed: int = 0) -> None:
    """One function ``$big`` with exactly ``locals_`` declared locals (>= 4): three
    accumulators (i32, i64, f64) and groups of short-lived temporaries of one type each
    (i32/i64/f64, and nullable/non-nullable ``$node`` references) with copies, tees and
    non-overlapping live ranges; some groups sit in loops or blocks with ``br_if``."""
    if locals_ < 4:
        raise ValueError("--locals must be at least 4")
    rng = random.Random(seed)

    def r(n: int) -> int:
        return int(rng.random() * n)

    decls = ["(local $acc_i i32)", "(local $acc_l i64)", "(local $acc_f f64)"]
    body: list[str] = []
    remaining = locals_ - 3
    g = 0
    while remaining > 0:
        size = min(remaining, 2 + r(6))
        remaining -= size
        kind = ("i32", "i32", "i64", "i64", "f64", "ref", "nnref")[r(7)]
        names = [f"$t{g}_{k}" for k in range(size)]
        loop = size >= 3 and r(12) == 0
        block = not loop and r(10) == 0
        counter = None
        if loop:
            counter = names.pop()  # an i32 loop counter, whatever the group's kind
            decls.append(f"(local {counter} i32)")
        ty = {"i32": "i32", "i64": "i64", "f64": "f64", "ref": "(ref null $node)", "nnref": "(ref $node)"}[
            kind
        ]
        decls.extend(f"(local {n} {ty})" for n in names)
        ind = "    "
        lines: list[str] = []
        if loop:
            lines += [f"{ind}i32.const 0", f"{ind}local.set {counter}", f"{ind}loop $L{g}"]
            ind += "  "
        elif block:
            lines += [f"{ind}block $B{g}"]
            ind += "  "
            lines += [
                f"{ind}local.get $acc_i",
                f"{ind}i32.const {r(1 << 16)}",
                f"{ind}i32.gt_u",
                f"{ind}br_if $B{g}",
            ]
        _group(lines, ind, kind, names, r)
        if loop:
            lines += [
                f"{ind}local.get {counter}",
                f"{ind}i32.const 1",
                f"{ind}i32.add",
                f"{ind}local.tee {counter}",
                f"{ind}i32.const {2 + r(3)}",
                f"{ind}i32.lt_u",
                f"{ind}br_if $L{g}",
            ]
        if loop or block:
            lines.append("    end")
        body.extend(lines)
        g += 1
    head = (
        "(module\n" + _TYPES + _GLOBALS + '  (export "big" (func $big))\n'
        "  (func $big (;0;) (type $big) (param $seed i32) (result i64)\n    "
    )
    out.write(head)
    out.write(" ".join(decls))
    out.write("\n    local.get $seed\n    local.set $acc_i\n")
    for k in range(0, len(body), 4096):
        out.write("\n".join(body[k : k + 4096]))
        out.write("\n")
    out.write(
        "    local.get $acc_l\n    local.get $acc_i\n    i64.extend_i32_u\n    i64.add\n"
        "    local.get $acc_f\n    i64.trunc_sat_f64_s\n    i64.xor\n  )\n)\n"
    )


def _group(lines: list[str], ind: str, kind: str, names: list[str], r: Callable[[int], int]) -> None:
    """Straight-line code over one group of temporaries: the first is computed from an
    accumulator, each next one is a copy or an operation on the previous ones, and the
    last (and sometimes the first) flows back into an accumulator."""
    if not names:
        return
    if kind in ("ref", "nnref"):
        lines += [
            f"{ind}local.get $acc_i",
            f"{ind}ref.null $node",
            f"{ind}local.get $acc_l",
            f"{ind}f64.const {fconst((r(64) + 1) / 4)}",
            f"{ind}struct.new $node",
            f"{ind}local.set {names[0]}",
        ]
        for k in range(1, len(names)):
            lines += [f"{ind}local.get {names[r(k)]}", f"{ind}local.set {names[k]}"]
        last = names[-1]
        lines += [
            f"{ind}local.get {last}",
            f"{ind}struct.get $node $weight",
            f"{ind}local.get {names[0]}",
            f"{ind}struct.get $node $tag",
            f"{ind}i64.extend_i32_s",
            f"{ind}i64.add",
            f"{ind}local.get $acc_l",
            f"{ind}i64.add",
            f"{ind}local.set $acc_l",
        ]
        return
    acc = {"i32": "$acc_i", "i64": "$acc_l", "f64": "$acc_f"}[kind]
    ops = {"i32": _I32_OPS, "i64": _I64_OPS, "f64": _F64_OPS}[kind]

    def const() -> str:
        if kind == "f64":
            return f"{ind}f64.const {fconst((r(256) + 1) / 8)}"
        return f"{ind}{kind}.const {r(1 << 16) - (1 << 15)}"

    lines += [f"{ind}local.get {acc}", const(), f"{ind}{ops[r(len(ops))]}", f"{ind}local.set {names[0]}"]
    for k in range(1, len(names)):
        how = r(3)
        src = names[k - 1] if r(3) else names[r(k)]
        if how == 0:  # copy
            lines += [f"{ind}local.get {src}", f"{ind}local.set {names[k]}"]
        elif how == 1:  # operation
            lines += [
                f"{ind}local.get {src}",
                const(),
                f"{ind}{ops[r(len(ops))]}",
                f"{ind}local.set {names[k]}",
            ]
        else:  # tee then use
            lines += [
                f"{ind}local.get {src}",
                f"{ind}local.get {names[r(k)]}",
                f"{ind}{ops[r(len(ops))]}",
                f"{ind}local.tee {names[k]}",
                f"{ind}local.get {src}",
                f"{ind}{ops[r(len(ops))]}",
                f"{ind}local.set {names[k]}",
            ]
    lines += [
        f"{ind}local.get {acc}",
        f"{ind}local.get {names[-1]}",
        f"{ind}{ops[r(len(ops))]}",
        f"{ind}local.set {acc}",
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--size", help="about this many bytes: 1MB, 13MB, 65MB, 300KB ...")
    ap.add_argument("--functions", type=int, help="this many functions (at least 26)")
    ap.add_argument("--single-function", action="store_true", help="one function with --locals locals")
    ap.add_argument("--locals", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--small", action="store_true", help="many small functions (a few hundred bytes each)")
    ap.add_argument("-o", "--output", required=True, help="output file, - for stdout")
    args = ap.parse_args(argv)
    if args.single_function:
        if args.locals < 4:
            ap.error("--single-function needs --locals N (N >= 4)")
    elif args.size is None and args.functions is None:
        ap.error("give --size or --functions (or --single-function --locals N)")
    elif args.functions is not None and args.functions < len(_PRELUDE):
        ap.error(f"--functions must be at least {len(_PRELUDE)} (the prelude every module has)")

    def run(f: TextIO) -> None:
        if args.single_function:
            generate_single_function(f, locals_=args.locals, seed=args.seed)
        else:
            generate(
                f,
                size=parse_size(args.size) if args.size else None,
                functions=args.functions,
                seed=args.seed,
                small=args.small,
            )

    if args.output == "-":
        run(sys.stdout)
    else:
        with open(args.output, "w", encoding="ascii", newline="\n") as f:
            run(f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
