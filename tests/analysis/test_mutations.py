"""Mutation testing of the validator against `wasm-tools validate --features all`.

Valid modules with non-defaultable locals are mutated *on the text* so that the 1a rule
(local initialisation, the spec's structural tracking) is broken or deliberately kept:

* a `local.set`/`local.tee` of a non-nullable local wrapped in a new `block`/`loop`/
  `try_table` (plain: `block (param T) local.set $x end`, folded: `(block (local.set ...))`),
  moved into one arm of an `if` or into both arms (arms are not merged), put after an
  `unreachable` inside a new block, followed by `br 0` (inside a new block or in place),
  replaced by `drop`, preceded by a `local.get` of its local;
* `unreachable` inserted before a `local.get`, or before a `local.set`: still valid (sets
  in unreachable code count, gets after `unreachable` are checked all the same);
* `wasm-tools smith` bodies (smith never declares non-defaultable locals, so one is added:
  `(local (ref i31))` or `eq`/`any`/`extern`) get sets and gets of it at random instruction
  boundaries, so the 1a rule meets smith's nesting, branches, `try_table`, unreachable code.

When wasm-tools rejects with "uninitialized local", our `uninitialized-local` diagnostics must
name the same function and local (`data={"func", "local"}`), and our first erring function
must be its function; when it accepts, we must report no error at all.

Type mutants (a const's type changed, an operator's type changed, an operand dropped or added,
two instructions swapped) of smith, hand-written and `bench/genwat.py` modules: we must flag
every module wasm-tools rejects (in the function it names) and accept every one it accepts.
Texts that wasm-tools cannot parse are skipped (counted as unreadable).

Everything is deterministic (fixed seeds); the counts are printed (`pytest -s`).
"""

from __future__ import annotations

import bisect
import io
import random
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from wat_lsp.analysis.diagnostics import Diagnostic, Severity
from wat_lsp.analysis.document import MALFORMED_CODES, analyse
from wat_lsp.analysis.model import Func, Instr, Module, RefType
from wat_lsp.analysis.opcodes import OPCODES, Flag
from wat_lsp.analysis.validate import module_context

wasmtools = pytest.importorskip("tests.oracles.wasmtools")
try:
    wasmtools.wasm_tools_exe()
except FileNotFoundError:  # pragma: no cover
    pytest.skip("wasm-tools is not installed", allow_module_level=True)

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))
import genwat  # noqa: E402

# Plain, folded and mixed code: `br_on_null`, `local.tee`, loops, both arms of an `if`,
# `try_table`, subtypes (`(ref eq)` set from `(ref $t)`).
HAND_GC = """(module
  (type $t (struct (field $v (mut i32))))
  (type $arr (array (mut i32)))
  (type $f (func (param i32) (result i32)))
  (tag $e (param i32))
  (func $plain (param $p (ref $t)) (param $q (ref null $t)) (param $c i32) (result i32)
    (local $x (ref $t)) (local $y (ref $t)) (local $a (ref $arr)) (local $n i32)
    local.get $p
    local.set $x
    local.get $x
    struct.get $t $v
    local.set $n
    block $b
      local.get $q
      br_on_null $b
      local.set $y
      local.get $y
      local.get $n
      struct.set $t $v
      local.get $y
      struct.get $t $v
      drop
    end
    i32.const 4
    array.new_default $arr
    local.tee $a
    array.len
    local.get $x
    struct.get $t $v
    i32.add
    loop $l (result i32)
      local.get $a
      local.get $c
      local.get $n
      array.set $arr
      local.get $x
      local.set $y
      local.get $y
      struct.get $t $v
      local.get $c
      br_if $l
      drop
      local.get $a
      i32.const 0
      array.get $arr
    end
    i32.add
  )
  (func $folded (param $p (ref $t)) (param $c i32) (result i32)
    (local $x (ref $t)) (local $y (ref eq)) (local $z (ref any))
    (local.set $x (struct.new $t (i32.const 7)))
    (local.set $y (ref.i31 (i32.const 3)))
    (if (local.get $c)
      (then
        (local.set $z (local.get $x))
        (drop (local.get $z)))
      (else
        (local.set $z (local.get $y))
        (drop (ref.test (ref $t) (local.get $z)))))
    (struct.set $t $v (local.get $x) (i32.add (local.get $c) (struct.get $t $v (local.get $p))))
    (drop (ref.eq (local.get $y) (local.tee $y (local.get $x))))
    (drop (block $done (result i32)
      (try_table (catch $e $done)
        (local.set $z (local.get $p))
        (drop (local.get $z))
        (throw $e (i32.const 1)))
      (i32.const 0)))
    (struct.get $t $v (local.get $x)))
  (func $mixed (param $c i32) (result (ref $t))
    (local $x (ref $t)) (local $r (ref $t))
    i32.const 1
    struct.new $t
    local.set $x
    (if (result (ref $t)) (local.get $c)
      (then (local.get $x))
      (else
        (local.set $r (struct.new $t (i32.const 2)))
        (local.get $r)))
    local.set $r
    (block
      (local.set $x (local.get $r))
      (drop (struct.get $t $v (local.get $x))))
    local.get $x)
  (export "plain" (func $plain))
  (export "folded" (func $folded))
  (export "mixed" (func $mixed))
)
"""

# Numeric indices, nested blocks left by `br_if`/`br_table`, a set at function level read
# deep inside, `(ref func)` and `(ref extern)` locals, multi-value blocks.
HAND_NESTED = """
(module
  (type (;0;) (struct (field i64)))
  (type (;1;) (func (param i32) (result i64)))
  (func (;0;) (type 1) (param i32) (result i64)
    (local (ref 0) (ref func) (ref extern) i64)
    i64.const 5
    struct.new 0
    local.set 1
    ref.func 0
    local.set 2
    i32.const 9
    ref.i31
    extern.convert_any
    local.set 3
    block (result i64)
      block
        local.get 0
        br_if 0
        local.get 1
        struct.get 0 0
        local.set 4
        block
          local.get 0
          br_table 0 1 1
        end
      end
      local.get 2
      drop
      local.get 3
      drop
      local.get 1
      local.tee 1
      struct.get 0 0
    end
    local.get 4
    i64.add
    block (result (ref 0) i32)
      local.get 1
      i32.const 1
    end
    drop
    local.set 1
    local.get 1
    struct.get 0 0
    i64.add
  )
  (elem declare func 0)
)
"""

TYPES = ("i32", "i64", "f32", "f64")
_RECEIVES = ("local.set", "local.tee")


# --- reading and editing ------------------------------------------------------------------


@dataclass(slots=True)
class Base:
    """A valid module and what mutations need of it."""

    name: str
    text: str
    module: Module

    def show(self, func: Func, x: int) -> str:
        return module_context(self.module).types.show(func.all_locals[x].type)


def read_base(name: str, text: str) -> Base:
    doc = analyse(text.encode("utf-8"))
    errors = [d for d in doc.diagnostics if d.severity == Severity.ERROR]
    assert not errors, (name, [(d.code, d.message) for d in errors[:3]])
    assert wasmtools.validate(text).ok, name
    read = doc.modules[0].read
    assert read is not None
    return Base(name, text, read.module)


def smith_base(seed: int, wat: str) -> Base:
    """A smith module (valid: `test_smith_validation` checks that we find no error)."""
    read = analyse(wat.encode("utf-8")).modules[0].read
    assert read is not None
    return Base(f"smith{seed}", wat, read.module)


def edit(text: str, edits: list[tuple[int, int, str]]) -> str:
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        text = text[:start] + new + text[end:]
    return text


def non_defaultable(func: Func, x: int) -> bool:
    t = func.all_locals[x].type
    return isinstance(t, RefType) and not t.nullable and x >= len(func.params)


def defined(module: Module) -> list[Func]:
    return [f for f in module.funcs if f.import_ is None and f.body]


# --- 1a mutations -------------------------------------------------------------------------


@dataclass(slots=True)
class Site:
    func: Func
    x: int
    i: int  # index of the set/tee in func.body
    gets: list[int]  # later gets of x

    @property
    def ins(self) -> Instr:
        return self.func.body[self.i]


def sites(module: Module) -> list[Site]:
    out = []
    for f in defined(module):
        for i, ins in enumerate(f.body):
            if ins.op.name in _RECEIVES and type(ins.imms[0]) is int and non_defaultable(f, ins.imms[0]):
                x = ins.imms[0]
                gets = [
                    j
                    for j in range(i + 1, len(f.body))
                    if f.body[j].op.name == "local.get" and f.body[j].imms[0] == x
                ]
                out.append(Site(f, x, i, gets))
    return out


def mutate_1a(b: Base, s: Site, kind: str, rng: random.Random) -> str | None:
    """The text of `b` with the set/tee of `s` mutated as `kind` says."""
    ins, text = s.ins, b.text
    t = b.show(s.func, s.x)
    tee = ins.op.name == "local.tee"
    mn = text[ins.start : ins.end]  # e.g. `local.set $x`
    outer = text[ins.ostart : ins.oend]  # the whole folded form, or `mn`
    res = f" (result {t})" if tee else ""
    whole = (ins.ostart, ins.oend)

    def replace(new: str) -> str:
        return edit(text, [(*whole, new)])

    if kind in ("block", "loop", "try_table", "labelled-block"):
        op = "block $mut" if kind == "labelled-block" else kind
        if ins.folded:
            return replace(f"({op}{res} {outer})")
        return replace(f"{op} (param {t}){res} {mn} end")
    if kind in ("if-then", "if-both"):
        if ins.folded:
            other = f" (else {outer})" if kind == "if-both" or tee else ""
            return replace(f"(if{res} (i32.const 1) (then {outer}){other})")
        if tee:
            return replace(f"i32.const 1 if (param {t}){res} {mn} else {mn if kind == 'if-both' else ''} end")
        other = mn if kind == "if-both" else "drop"
        return replace(f"i32.const 1 if (param {t}) {mn} else {other} end")
    if kind == "unreachable-set-in-block":
        if ins.folded:
            return replace(f"(block{res} (unreachable) {outer})")
        return replace(f"block (param {t}){res} unreachable {mn} end")
    if kind == "unreachable-before-set":  # still valid
        return edit(text, [(ins.ostart, ins.ostart, "(unreachable) " if ins.folded else "unreachable ")])
    if kind == "unreachable-before-get":  # still valid
        if not s.gets:
            return None
        g = s.func.body[rng.choice(s.gets)]
        return edit(text, [(g.ostart, g.ostart, "(unreachable) " if g.folded else "unreachable ")])
    if kind == "br0-after-set":
        return edit(text, [(ins.oend, ins.oend, " (br 0)" if ins.folded else " br 0")])
    if kind == "block-br0":
        if ins.folded:
            return replace(f"(block{res} {outer} (br 0))")
        return replace(f"block (param {t}){res} {mn} br 0 end")
    if kind == "drop-set":
        if tee:
            return edit(text, [(ins.start, ins.end, f"block (result {t})" if ins.folded else "nop")])
        return edit(text, [(ins.start, ins.end, "drop")])
    if kind == "get-before-set":
        return edit(
            text,
            [
                (
                    ins.ostart,
                    ins.ostart,
                    f"(drop (local.get {s.x})) " if ins.folded else f"local.get {s.x} drop ",
                )
            ],
        )
    raise AssertionError(kind)


KINDS_1A = ("block", "loop", "try_table", "labelled-block", "if-then", "if-both",
            "unreachable-set-in-block", "unreachable-before-set", "unreachable-before-get",
            "br0-after-set", "block-br0", "drop-set", "get-before-set")  # fmt: skip

# Smith never declares a non-defaultable local: one is added, with sets of it.
_INJECT = (
    ("(ref i31)", "i32.const 7 ref.i31"),
    ("(ref eq)", "i32.const 7 ref.i31"),
    ("(ref any)", "i32.const 7 ref.i31"),
    ("(ref extern)", "i32.const 7 ref.i31 extern.convert_any"),
)


def inject(b: Base, rng: random.Random) -> str | None:
    """One smith function gets a new non-defaultable local, 1-2 sets and 1-3 gets of it at
    random instruction boundaries (self-contained, stack-neutral sequences, so only the 1a
    rule decides validity)."""
    funcs = [f for f in defined(b.module) if len(f.body) >= 4 and not any(i.folded for i in f.body)]
    if not funcs:
        return None
    f = rng.choice(funcs)
    x = len(f.params) + len(f.locals)
    decl, value = rng.choice(_INJECT)
    n = len(f.body)

    def at(k: int) -> int:
        return f.body[k].start if k < n else f.body[-1].end

    edits = [(f.body[0].start, f.body[0].start, f"(local {decl}) ")]
    first_set = rng.randrange(n)
    for k in [first_set] + [rng.randrange(n + 1) for _ in range(rng.randrange(2))]:
        op = rng.choice(("local.set", "local.set", "local.tee"))
        seq = f"{value} local.tee {x} drop " if op == "local.tee" else f"{value} local.set {x} "
        edits.append((at(k), at(k), seq))
    for _ in range(rng.randrange(1, 4)):
        k = rng.randrange(first_set, n + 1) if rng.random() < 0.8 else rng.randrange(n + 1)
        edits.append((at(k), at(k), f"local.get {x} drop "))
    # Equal positions keep the order of `edits` (the declaration, then sets, then gets).
    text = b.text
    end = f.body[-1].end
    order = sorted(range(len(edits)), key=lambda k: (edits[k][0], k), reverse=True)
    for pos, _, new in (edits[k] for k in order):
        text = text[:pos] + (" " + new if pos == end else new) + text[pos:]
    return text


# --- type mutations -----------------------------------------------------------------------

_STRUCTURE = Flag.BLOCK_START | Flag.BLOCK_ELSE | Flag.BLOCK_END


def mutate_types(b: Base, rng: random.Random) -> tuple[str, str] | None:
    funcs = defined(b.module)
    if not funcs:
        return None
    f = rng.choice(funcs)
    body, text = f.body, b.text
    kind = rng.choice(("const-type", "op-type", "drop-operand", "swap", "extra-operand"))
    if kind == "const-type":
        cands = [i for i in body if i.op.name in {f"{t}.const" for t in TYPES}]
        if not cands:
            return None
        ins = rng.choice(cands)
        ty = ins.op.name[:3]
        # A float literal in an integer const does not parse; an integer one reads as any type.
        new = rng.choice([t for t in TYPES if t != ty and (ty[0] == "i" or t[0] == "f")])
        return kind, edit(text, [(ins.start, ins.start + 3, new)])
    if kind == "op-type":
        cands = [
            i for i in body if i.op.name[:4] in {f"{t}." for t in TYPES} and not i.op.name.endswith(".const")
        ]
        if not cands:
            return None
        ins = rng.choice(cands)
        news = [t for t in TYPES if t != ins.op.name[:3] and t + ins.op.name[3:] in OPCODES]
        if not news:
            return None
        return kind, edit(text, [(ins.start, ins.start + 3, rng.choice(news))])
    if kind == "drop-operand":
        cands = [
            i
            for i in body
            if i.op.name in ("local.get", "global.get", "ref.null", "ref.func")
            or i.op.name.endswith(".const")
        ]
        if not cands:
            return None
        ins = rng.choice(cands)
        return kind, edit(text, [(ins.ostart, ins.oend, "")])
    if kind == "swap":
        spots = [
            k
            for k in range(len(body) - 1)
            if not body[k].folded
            and not body[k + 1].folded
            and not (body[k].op.flags | body[k + 1].op.flags) & _STRUCTURE
            and body[k].op.name != body[k + 1].op.name
        ]
        if not spots:
            return None
        k = rng.choice(spots)
        a, c = body[k], body[k + 1]
        return kind, edit(
            text, [(a.start, a.end, text[c.start : c.end]), (c.start, c.end, text[a.start : a.end])]
        )
    ins = rng.choice(body)
    operand = rng.choice(("i32.const 0", "i64.const 0", "f32.const 0", "f64.const 0", "ref.null any"))
    return kind, edit(text, [(ins.ostart, ins.ostart, f"({operand}) " if ins.folded else f"{operand} ")])


# --- the comparison -----------------------------------------------------------------------


def func_of(module: Module, d: Diagnostic) -> int | None:
    f = d.data.get("func")
    if isinstance(f, int) and f >= 0:
        return f
    funcs = sorted((fn for fn in module.funcs if fn.import_ is None), key=lambda fn: fn.span.start)
    k = bisect.bisect_right([fn.span.start for fn in funcs], d.span.start) - 1
    if k >= 0 and funcs[k].span.start <= d.span.start < funcs[k].span.end:
        return funcs[k].index
    return None


def verdict(name: str, text: str, oracle: object) -> tuple[str, str | None]:
    """(outcome, failure message or None). Outcomes: unreadable (both must find the text
    malformed), accepted, rejected-1a, rejected."""
    assert isinstance(oracle, wasmtools.ValidateResult)
    doc = analyse(text.encode("utf-8"))
    errors = [d for d in doc.diagnostics if d.severity == Severity.ERROR]
    malformed = [d for d in errors if d.code in MALFORMED_CODES]
    if oracle.stage == "parse" or malformed:
        if oracle.stage != "parse":
            return "unreadable", f"{name}: we cannot read what wasm-tools parses: {malformed[:2]}"
        if not malformed:
            return "unreadable", f"{name}: wasm-tools cannot parse it ({oracle.reason}), we read it"
        return "unreadable", None
    read = doc.modules[0].read
    assert read is not None
    shown = [(d.code, func_of(read.module, d), d.data, d.message) for d in errors[:4]]
    if oracle.ok:
        return "accepted", (f"{name}: wasm-tools accepts, we report {shown}" if errors else None)
    if not errors:
        return (
            "rejected",
            f"{name}: wasm-tools rejects ({oracle.reason}, func {oracle.func_index}), we accept",
        )
    first = min((f for d in errors if (f := func_of(read.module, d)) is not None), default=None)
    if oracle.func_index is not None and first != oracle.func_index:
        return "rejected", (
            f"{name}: wasm-tools rejects func {oracle.func_index} ({oracle.reason}), "
            f"our first erring function is {first}: {shown}"
        )
    if "uninitialized local" not in oracle.reason:
        return "rejected", None
    want = {"func": oracle.func_index, "local": oracle.local_index}
    if not any(d.code == "uninitialized-local" and d.data == want for d in errors):
        return (
            "rejected-1a",
            f"{name}: wasm-tools says {oracle.reason} in func {oracle.func_index}, we report {shown}",
        )
    # wasm-tools stops at the first error in execution order: ours must be that one too.
    func = read.module.funcs[oracle.func_index]
    order = {ins.start: k for k, ins in enumerate(func.body)}
    mine = [d for d in errors if func_of(read.module, d) == oracle.func_index]
    first_d = min(mine, key=lambda d: order.get(d.span.start, -1))
    if first_d.code != "uninitialized-local" or first_d.data != want:
        return "rejected-1a", (
            f"{name}: wasm-tools says {oracle.reason} in func {oracle.func_index}, "
            f"our first error there is {first_d.code} {first_d.data}: {first_d.message}"
        )
    return "rejected-1a", None


def check(label: str, mutants: list[tuple[str, str]]) -> Counter[str]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        oracles = list(pool.map(lambda m: wasmtools.validate(m[1]), mutants))
    counts: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    failures = []
    for (name, text), oracle in zip(mutants, oracles, strict=True):
        outcome, failure = verdict(name, text, oracle)
        counts[outcome] += 1
        by_kind[f"{name.split(':')[0]} {outcome}"] += 1
        if failure is not None:
            failures.append(failure)
        elif outcome != "unreadable":
            counts["agreed"] += 1
    readable = len(mutants) - counts["unreadable"]
    print(
        f"\n{label}: {len(mutants)} mutants, {counts['unreadable']} unreadable by wasm-tools, "
        f"{counts['rejected'] + counts['rejected-1a']} rejected by wasm-tools "
        f"({counts['rejected-1a']} as uninitialized local), {counts['accepted']} accepted; "
        f"agreed on {counts['agreed']} of {readable}"
    )
    for k in sorted(by_kind):
        print(f"    {k}: {by_kind[k]}")
    assert not failures, f"{len(failures)} disagreements:\n" + "\n".join(failures[:8])
    return counts


# --- sources ------------------------------------------------------------------------------


def genwat_locals(locals_: int, seed: int) -> str:
    out = io.StringIO()
    genwat.generate_single_function(out, locals_=locals_, seed=seed)
    return out.getvalue()


def genwat_functions(functions: int, seed: int) -> str:
    out = io.StringIO()
    genwat.generate(out, functions=functions, seed=seed)
    return out.getvalue()


def bases_1a() -> list[Base]:
    return [
        read_base("hand-gc", HAND_GC),
        read_base("hand-nested", HAND_NESTED),
        read_base("genwat-f30-s1", genwat_functions(30, 1)),
        read_base("genwat-l300-s1", genwat_locals(300, 1)),
        read_base("genwat-l200-s2", genwat_locals(200, 2)),
    ]


# --- tests --------------------------------------------------------------------------------


def test_1a_mutants_of_hand_written_and_generated_modules() -> None:
    rng = random.Random(1)
    mutants: list[tuple[str, str]] = []
    for b in bases_1a():
        ss = sites(b.module)
        assert ss, b.name
        # Every kind on every site of the small modules; a sample of the big ones.
        pairs = [(s, k) for s in ss for k in KINDS_1A]
        rng.shuffle(pairs)
        for s, kind in pairs[: 150 if b.name.startswith("hand") else 60]:
            m = mutate_1a(b, s, kind, rng)
            if m is not None:
                mutants.append((f"{kind}:{b.name}:func{s.func.index}:local{s.x}@{s.ins.start}", m))
    counts = check("1a mutants (hand-written GC modules, genwat)", mutants)
    assert counts["rejected-1a"] >= 100 and counts["accepted"] >= 50, counts


def test_1a_on_smith_bodies() -> None:
    rng = random.Random(2)
    mutants: list[tuple[str, str]] = []
    for seed, _wasm, wat in wasmtools.smith_corpus(400, 200):
        b = smith_base(seed, wat)
        for k in range(3):
            m = inject(b, rng)
            if m is not None:
                mutants.append((f"inject:smith{seed}/{k}", m))
    counts = check("1a on smith bodies (a non-nullable local injected)", mutants)
    assert counts["rejected-1a"] >= 100 and counts["accepted"] >= 80, counts


def test_type_mutants() -> None:
    rng = random.Random(3)
    bases = [
        read_base("hand-gc", HAND_GC),
        read_base("hand-nested", HAND_NESTED),
        read_base("genwat-f30", genwat_functions(30, 1)),
    ]
    bases += [smith_base(seed, wat) for seed, _wasm, wat in wasmtools.smith_corpus(900, 600)]
    mutants: list[tuple[str, str]] = []
    for b in bases:
        want = 12 if b.name.startswith(("hand", "genwat")) else 2
        made = [m for _ in range(3 * want) if (m := mutate_types(b, rng)) is not None][:want]
        mutants += [(f"{kind}:{b.name}/{k}", m) for k, (kind, m) in enumerate(made)]
    counts = check("type mutants (smith, hand-written, genwat)", mutants)
    assert counts["rejected"] >= 250 and counts["accepted"] >= 20, counts
