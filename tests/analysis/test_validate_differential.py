"""Validation against the oracle, `wasm-tools validate --features all`.

* every snippet of `test_validate` gets the oracle's verdict;
* random valid modules from `wasm-tools smith` (GC, exceptions, SIMD, memory64 ...) give no
  diagnostic;
* `wasm-tools mutate`'s binary mutants of smith modules, printed by `wasm-tools print`, and
  line mutants of those, get the oracle's verdict;
* mutants of those modules (lines deleted, duplicated, swapped, retyped, wrapped in blocks,
  indices shifted) get the oracle's verdict;
* random structured programs over non-defaultable locals (blocks, loops, ifs, try_table, legacy
  try, branches, unreachable code) get the oracle's verdict, and when the oracle reports an
  uninitialized local our first diagnostic is that local (the 1a rule, exactly);
* random recursion groups with `sub`/`final` declarations, duplicated groups (iso-recursive
  equivalence) and subtype queries between random pairs get the oracle's verdict.

We validate with every feature on, as the oracle does (stack switching's tags with results,
custom descriptors' `br_on_cast` within one hierarchy): no known difference.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

import pytest
from wat_lsp.analysis.diagnostics import Diagnostic
from wat_lsp.analysis.document import MALFORMED_CODES, analyse
from wat_lsp.analysis.validate import validate_module

from tests.analysis.test_validate import CASES, VALID, VALID_1A

wasmtools = pytest.importorskip("tests.oracles.wasmtools")
try:
    wasmtools.wasm_tools_exe()
except FileNotFoundError:  # pragma: no cover
    pytest.skip("wasm-tools is not installed", allow_module_level=True)


def ours(src: str | bytes) -> list[Diagnostic] | None:
    """Our validation diagnostics, or None when the text does not read cleanly."""
    data = src.encode() if isinstance(src, str) else src
    doc = analyse(data)
    if any(d.code in MALFORMED_CODES for d in doc.diagnostics):
        return None
    read = doc.modules[0].read
    assert read is not None
    return validate_module(read.module, read.broken)


def agree(src: str) -> tuple[bool, str]:
    """Whether we and the oracle agree on `src` (vacuously when either cannot read it)."""
    mine = ours(src)
    theirs = wasmtools.validate(src.encode())
    if mine is None or theirs.stage == "parse":
        return True, "unreadable"
    if bool(mine) != (not theirs.ok):
        return False, f"ours={[(d.code, d.message) for d in mine][:2]} oracle={theirs.reason!r}"
    if not theirs.ok and "uninitialized local" in theirs.reason:
        first = mine[0]
        if first.code != "uninitialized-local" or first.data.get("local") != theirs.local_index:
            return False, f"first error {first.code} {first.data}, oracle={theirs.reason!r}"
    return True, "invalid" if mine else "valid"


def run(sources: list[str]) -> dict[str, int]:
    counts = {"valid": 0, "invalid": 0, "unreadable": 0}
    failures = []
    for src in sources:
        ok, what = agree(src)
        if ok:
            counts[what] += 1
        else:
            failures.append(f"{src}\n    {what}")
    assert not failures, f"{len(failures)} disagreements:\n" + "\n".join(failures[:5])
    return counts


# --- the unit-test snippets ---------------------------------------------------------------


def test_snippets_have_the_oracles_verdict() -> None:
    invalid = [src for src, expected in CASES if expected]
    for src in invalid:
        assert not wasmtools.validate(src.encode()).ok, src
    for src in VALID + VALID_1A:
        result = wasmtools.validate(src.encode())
        assert result.ok, (src, result.reason)


# --- smith modules and their mutants ------------------------------------------------------


def test_smith_modules_have_no_diagnostics() -> None:
    for seed, _wasm, wat in wasmtools.smith_corpus(60):
        diags = ours(wat)
        assert diags == [], (seed, [(d.code, d.message) for d in diags or []][:3])


_INSTR_LINE = re.compile(r"^\s+[a-z]")


def _shift(pattern: str, rng: random.Random) -> Callable[[str], str]:
    def apply(line: str) -> str:
        return re.sub(
            pattern,
            lambda m: f"{m.group(1)} {max(0, int(m.group(2)) + rng.choice((1, -1, 2)))}",
            line,
            count=1,
        )

    return apply


def mutate(rng: random.Random, text: str) -> str | None:
    lines = text.split("\n")
    idx = [i for i, ln in enumerate(lines) if _INSTR_LINE.match(ln) and not ln.strip().startswith(("(", ";"))]
    if not idx:
        return None
    i = rng.choice(idx)
    line = lines[i]
    kind = rng.randrange(12)
    if kind == 0:
        del lines[i]
    elif kind == 1:
        lines.insert(rng.choice(idx), line)
    elif kind == 2 and i + 1 < len(lines):
        lines[i], lines[i + 1] = lines[i + 1], lines[i]
    elif kind == 3:
        lines[i] = line.replace("i32.", "i64.", 1) if "i32." in line else line.replace("i64.", "i32.", 1)
    elif kind == 4:
        lines[i] = line.replace("f32", "f64", 1) if "f32" in line else line.replace("f64", "f32", 1)
    elif kind == 5:
        j = min(len(lines) - 1, i + rng.randrange(1, 4))
        if not all(x in idx for x in range(i, j)):
            return None
        lines.insert(j, "    end")
        lines.insert(i, "    block")
    elif kind == 6:
        lines.insert(i, "    unreachable")
    elif kind == 7:
        lines[i] = _shift(
            r"\b(br|br_if|br_table|br_on_null|br_on_non_null|br_on_cast|br_on_cast_fail) (\d+)", rng
        )(line)
    elif kind == 8:
        lines[i] = _shift(r"(local\.(?:get|set|tee)) (\d+)", rng)(line)
    elif kind == 9:
        lines[i] = _shift(
            r"\b(struct\.\w+|array\.\w+|call_ref|ref\.cast|ref\.test|call|global\.\w+) (\d+)", rng
        )(line)
    elif kind == 10:
        lines[i] = (
            line.replace("(ref null ", "(ref ", 1)
            if "(ref null" in line
            else line.replace("(ref ", "(ref null ", 1)
        )
    else:
        lines[i] = re.sub(
            r"\b(\d+)\b", lambda m: str(int(m.group(1)) + rng.choice((1, -1, 2))), line, count=1
        )
    out = "\n".join(lines)
    return out if out != text else None


def test_mutants_have_the_oracles_verdict() -> None:
    rng = random.Random(1)
    sources = []
    for _seed, _wasm, wat in wasmtools.smith_corpus(100):
        for _ in range(12):
            m = mutate(rng, wat)
            if m is not None:
                sources.append(m)
    counts = run(sources)
    assert counts["invalid"] > 60 and counts["valid"] > 20, counts


# --- wasm-tools mutate's mutants of smith modules ------------------------------------------

# Features `wasm-tools mutate` reads (it rejects GC, exceptions, tail calls and memory64 input).
MUTATE_SMITH = {
    **wasmtools.DEFAULT_SMITH_CONFIG,
    "gc_enabled": False,
    "exceptions_enabled": False,
    "tail_call_enabled": False,
    "memory64_enabled": False,
    "relaxed_simd_enabled": False,
    "max_memories": 1,
    "max_tables": 1,
}


def binary_mutants(modules: int, seeds: tuple[int, ...], start: int = 5000) -> list[str]:
    """Binary mutations of smith modules by `wasm-tools mutate`, printed by `wasm-tools print`."""
    out = []
    for _seed, wasm, _wat in wasmtools.smith_corpus(modules, start, options=MUTATE_SMITH):
        for seed in seeds:
            mutant = wasmtools.mutate(wasm, seed)
            if mutant is not None and mutant != wasm:
                out.append(wasmtools.print_wasm(mutant))
    return out


def test_binary_mutants_have_the_oracles_verdict() -> None:
    """`wasm-tools mutate`'s mutants (valid by construction, with new shapes: reordered,
    peephole-rewritten, removed items), and line mutants of those, get the oracle's verdict."""
    texts = binary_mutants(24, (0, 1))
    rng = random.Random(3)
    sources = list(texts)
    for text in texts:
        for _ in range(8):
            m = mutate(rng, text)
            if m is not None:
                sources.append(m)
    counts = run(sources)
    assert len(texts) >= 20 and counts["valid"] >= 20 and counts["invalid"] >= 5, (len(texts), counts)
    print(f"wasm-tools mutate: {len(texts)} mutants, {len(sources)} modules with line mutants: {counts}")


# --- the 1a rule on random structured programs --------------------------------------------


def _stmt(rng: random.Random, depth: int, labels: int) -> str:
    v = rng.choice(("$x", "$y"))
    k = rng.randrange(20 if depth < 4 else 9)

    def body() -> str:
        return " ".join(_stmt(rng, depth + 1, labels + 1) for _ in range(rng.randrange(4)))

    if k in (0, 1):
        return f"(local.set {v} (local.get $p))"
    if k == 2:
        return f"(drop (local.tee {v} (local.get $p)))"
    if k in (3, 4, 5):
        return f"(drop (local.get {v}))"
    if k == 6:
        return f"(br_if {rng.randrange(labels)} (local.get $c))"
    if k == 7:
        return rng.choice(("(unreachable)", f"(br {rng.randrange(labels)})", "(return)", "(nop)"))
    if k == 8:
        return f"(local.set {v} (ref.as_non_null (local.get $q)))"
    if k in (9, 10):
        return f"(block {body()})"
    if k == 11:
        return f"(loop {body()})"
    if k in (12, 13):
        return f"(if (local.get $c) (then {body()}) (else {body()}))"
    if k == 14:
        return f"(if (local.get $c) (then {body()}))"
    if k == 15:
        return f"(try_table {body()})"
    if k == 16:
        return f"(try_table (catch_all {rng.randrange(labels)}) {body()})"
    if k == 17:  # the oracle reads legacy `try` in plain form only
        return f"try {body()} catch_all {body()} end"
    if k == 18:
        return f"try {body()} catch $e {body()} end"
    return f"(block (br_table 0 {rng.randrange(labels + 1)} (local.get $c)))"


def random_1a_program(rng: random.Random) -> str:
    stmts = " ".join(_stmt(rng, 0, 1) for _ in range(rng.randrange(1, 7)))
    return (
        "(module (type $t (struct)) (tag $e) (func (param $p (ref $t)) (param $q (ref null $t))"
        f" (param $c i32) (local $x (ref $t)) (local $y (ref $t)) {stmts}))"
    )


def test_1a_random_programs_match_the_oracle() -> None:
    rng = random.Random(0)
    counts = run([random_1a_program(rng) for _ in range(400)])
    assert counts["unreadable"] == 0
    assert counts["invalid"] > 100 and counts["valid"] > 50, counts


# --- GC types: recursion groups, sub/final, equivalence, subtyping -------------------------

_ABS = ("any", "eq", "i31", "struct", "array", "none", "func", "nofunc", "extern", "noextern")


class _TypeGen:
    """Random type sections. A type is (final, supertype, comp) with refs ('r', k) inside its
    group, ('a', i) to an earlier type or ('h', abstract)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.all: list[tuple[bool, object, int]] = []  # final, comp, group start

    def val(self, size: int, before: int) -> object:
        r = self.rng
        if r.random() < 0.25:
            return r.choice(("i32", "i64", "f32"))
        c = r.random()
        if c < 0.35:
            h: tuple[str, object] = ("r", r.randrange(size))
        elif c < 0.6 and before:
            h = ("a", r.randrange(before))
        else:
            h = ("h", r.choice(_ABS))
        return ("ref", r.random() < 0.5, h)

    def comp(self, size: int, before: int) -> object:
        r = self.rng
        k = r.randrange(3)
        if k == 0:
            return (
                "struct",
                [
                    (
                        r.random() < 0.4,
                        r.choice(("i8", "i16")) if r.random() < 0.15 else self.val(size, before),
                    )
                    for _ in range(r.randrange(4))
                ],
            )
        if k == 1:
            return ("array", (r.random() < 0.5, self.val(size, before)))
        return (
            "func",
            [self.val(size, before) for _ in range(r.randrange(3))],
            [self.val(size, before) for _ in range(r.randrange(3))],
        )

    @staticmethod
    def absolute(v: object, gstart: int, start: int) -> object:
        if isinstance(v, tuple) and v[0] == "ref" and v[2][0] == "r" and gstart != start:
            return ("ref", v[1], ("a", gstart + v[2][1]))
        return v

    def derive(self, sc: object, gstart: int, start: int, size: int) -> object:
        """A composite type likely to match `sc` as its supertype."""
        assert isinstance(sc, tuple)
        fix = lambda v: self.absolute(v, gstart, start)  # noqa: E731
        if sc[0] == "struct":
            fields = [(m, fix(v)) for m, v in sc[1]]
            fields += [(self.rng.random() < 0.4, self.val(size, start)) for _ in range(self.rng.randrange(3))]
            return ("struct", fields)
        if sc[0] == "array":
            return ("array", (sc[1][0], fix(sc[1][1])))
        return ("func", [fix(v) for v in sc[1]], [fix(v) for v in sc[2]])

    def group(self, before: int) -> list[tuple[bool, int | None, object]]:
        r = self.rng
        size = r.randrange(1, 4)
        types: list[tuple[bool, int | None, object]] = []
        for k in range(size):
            sup = None
            comp = None
            if r.random() < 0.6 and before + k:
                sup = r.randrange(before + k)
                if r.random() < 0.8:
                    _, sc, sg = self.all[sup] if sup < before else (None, types[sup - before][2], before)
                    comp = self.derive(sc, sg, before, size)
            types.append((r.random() < 0.25, sup, comp if comp is not None else self.comp(size, before)))
        return types

    @staticmethod
    def render_val(v: object, start: int) -> str:
        if isinstance(v, str):
            return v
        assert isinstance(v, tuple)
        _, null, (kind, x) = v
        n = "null " if null else ""
        return f"(ref {n}{start + x if kind == 'r' else x})"

    def render_comp(self, c: object, start: int) -> str:
        assert isinstance(c, tuple)

        def field(f: tuple[bool, object]) -> str:
            s = self.render_val(f[1], start)
            return f"(mut {s})" if f[0] else s

        if c[0] == "struct":
            return "(struct " + " ".join(f"(field {field(f)})" for f in c[1]) + ")"
        if c[0] == "array":
            return f"(array {field(c[1])})"
        return (
            "(func "
            + " ".join(f"(param {self.render_val(p, start)})" for p in c[1])
            + " "
            + " ".join(f"(result {self.render_val(x, start)})" for x in c[2])
            + ")"
        )

    def section(self) -> tuple[str, int]:
        self.all = []
        out = []
        before = 0
        made: list[tuple[list[tuple[bool, int | None, object]], int]] = []
        for _ in range(self.rng.randrange(1, 5)):
            if made and self.rng.random() < 0.4:
                g, _start = self.rng.choice(made)  # a copy: equivalent when its refs allow
            else:
                g = self.group(before)
            texts = []
            for fin, sup, c in g:
                body = self.render_comp(c, before)
                if sup is None and fin:
                    texts.append(f"(type {body})")
                else:
                    texts.append(f"(type (sub {'final ' if fin else ''}{'' if sup is None else sup} {body}))")
            out.append("(rec " + " ".join(texts) + ")")
            made.append((g, before))
            for fin, _sup, c in g:
                self.all.append((fin, c, before))
            before += len(g)
        return " ".join(out), before


def test_gc_types_match_the_oracle() -> None:
    rng = random.Random(3)
    gen = _TypeGen(rng)
    sources = []
    for _ in range(120):
        types, n = gen.section()
        sources.append(f"(module {types})")
        for _ in range(3):
            a, b = rng.randrange(n), rng.randrange(n)
            na, nb = rng.choice(("null ", "")), rng.choice(("null ", ""))
            hb = str(b) if rng.random() < 0.8 else rng.choice(_ABS)
            sources.append(
                f"(module {types} (func (param (ref {na}{a})) (result (ref {nb}{hb})) (local.get 0)))"
            )
    counts = run(sources)
    assert counts["valid"] > 40 and counts["invalid"] > 40, counts
