"""`wat-lsp --fix` on every module with `uninitialized-local` errors: valid, with the minimal edit.

The modules are the 1a mutants of `tests/analysis/test_mutations.py` (hand-written GC modules,
`genwat` modules and smith bodies with an injected non-nullable local, regenerated here
with the same seeds) and the invalid `local_init.wast` cases of the spec suite
(`tests.passes.test_passes.LOCAL_INIT`; `test_passes` checks that their fixed text validates and
keeps only their other errors). Each module is written to a file and fixed by the CLI
(`--fix --in-place` over a directory, in process). Then:

* when `uninitialized-local` was the module's only kind of error, `wasm-tools validate`
  accepts the result; otherwise the errors left are the others, none `uninitialized-local`;
* the result differs from the input by insertions only (a token diff of the two texts):
  exactly one `null` per fixed local declaration and one `ref.as_non_null` per
  `local.get`/`local.tee` of a fixed local, with one `(`...`)` pair per folded one, and
  nothing else; the fixed locals' declared types become nullable and no other local's type
  changes.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import pytest
from wat_lsp.analysis.diagnostics import Severity
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.model import Module, RefType

from tests.analysis import test_mutations as mut
from tests.oracles import wasmtools
from tests.passes.test_passes import LOCAL_INIT
from wat_lsp.cli import main

_TOKEN = re.compile(rb'\(;.*?;\)|;;[^\n]*|"(?:[^"\\]|\\.)*"|[()]|[^\s()"]+', re.S)
_WRAP_TOKENS = {b"null", b"ref.as_non_null", b"(", b")"}


@dataclass(frozen=True, slots=True)
class Expected:
    """What the minimal fix of one module inserts, read from the model of the input."""

    locals_: frozenset[tuple[int, int]]  # (func, local)
    gets: int  # local.get / local.tee of those locals
    folded: int  # of which folded
    only_1a: bool  # uninitialized-local is the only kind of error
    module: Module | None = field(default=None, compare=False)


def expected(data: bytes) -> Expected | None:
    doc = analyse(data)
    errors = [d for d in doc.diagnostics if d.severity == Severity.ERROR]
    targets = {
        (f, x)
        for d in errors
        if d.code == "uninitialized-local"
        for f, x in [(d.data["func"], d.data["local"])]
        if isinstance(f, int) and isinstance(x, int)
    }
    if not targets:
        return None
    read = doc.modules[0].read
    assert read is not None and len(doc.modules) == 1
    gets = folded = 0
    for f_index, x in targets:
        for ins in read.module.funcs[f_index].body:
            if ins.op.name in ("local.get", "local.tee") and ins.imms and ins.imms[0] == x:
                gets += 1
                folded += ins.folded
    only = all(d.code == "uninitialized-local" for d in errors)
    return Expected(frozenset(targets), gets, folded, only, read.module)


def local_types(module: Module) -> dict[tuple[int, int], object]:
    return {(f.index, d.index): d.type for f in module.funcs for d in f.all_locals}


def token_problems(before: bytes, after: bytes, want: Expected) -> list[str]:
    """Whether `after` is `before` with exactly the fix's tokens inserted."""
    a, b = _TOKEN.findall(before), _TOKEN.findall(after)
    i = 0
    for tok in b:  # greedy: `a` is a subsequence of `b` iff this matches all of it
        if i < len(a) and tok == a[i]:
            i += 1
    if i < len(a):
        return [
            f"not insertions only: token {i} of the input ({a[i]!r}, near {a[max(0, i - 4) : i + 2]}) is gone"
        ]
    inserted = Counter(b) - Counter(a)
    problems = []
    other = {t: n for t, n in inserted.items() if t not in _WRAP_TOKENS}
    if other:
        problems.append(f"inserted other tokens: {other}")
    got = (inserted[b"null"], inserted[b"ref.as_non_null"], inserted[b"("], inserted[b")"])
    if got != (len(want.locals_), want.gets, want.folded, want.folded):
        problems.append(
            f"inserted null/ref.as_non_null/(/) {got}, want "
            f"{(len(want.locals_), want.gets, want.folded, want.folded)}"
        )
    return problems


def type_problems(before: Module, after: Module, want: Expected) -> list[str]:
    """The fixed locals' declared types become nullable; no other local's type changes."""
    t_before, t_after = local_types(before), local_types(after)
    want_types = {
        k: replace(t, nullable=True) if k in want.locals_ and isinstance(t, RefType) else t
        for k, t in t_before.items()
    }
    if t_after == want_types:
        return []
    changed = [k for k in t_before if t_after.get(k) != want_types[k]]
    return [f"local types differ from the minimal fix at (func, local) {changed[:5]}"]


def minimality_problems(before: bytes, after: bytes, want: Expected) -> list[str]:
    m_before, m_after = analyse(before).modules[0].read, analyse(after).modules[0].read
    assert m_before is not None and m_after is not None
    return token_problems(before, after, want) + type_problems(m_before.module, m_after.module, want)


def fix_with_cli(
    tmp_path: Path, cases: list[tuple[str, bytes]], capsys: pytest.CaptureFixture[str]
) -> list[bytes]:
    d = tmp_path / "cases"
    d.mkdir()
    paths = []
    for k, (_, data) in enumerate(cases):
        p = d / f"{k:05}.wat"
        p.write_bytes(data)
        paths.append(p)
    status = main(["--fix", "--in-place", str(d)])
    capsys.readouterr()
    assert status in (0, 1)  # 1: some cases have errors no fix removes
    return [p.read_bytes() for p in paths]


def check_cases(
    tmp_path: Path, cases: list[tuple[str, bytes]], capsys: pytest.CaptureFixture[str], validate: bool = True
) -> Counter[str]:
    wants = [expected(data) for _, data in cases]
    chosen = [(c, w) for c, w in zip(cases, wants, strict=True) if w is not None]
    fixed = fix_with_cli(tmp_path, [c for c, _ in chosen], capsys)
    verdicts = wasmtools.validate_many(fixed) if validate else [None] * len(fixed)
    counts: Counter[str] = Counter()
    failures = []
    for ((name, before), want), after, verdict in zip(chosen, fixed, verdicts, strict=True):
        assert want is not None
        counts["modules"] += 1
        counts["locals fixed"] += len(want.locals_)
        counts["gets wrapped"] += want.gets
        doc = analyse(after)
        read = doc.modules[0].read
        assert want.module is not None and read is not None
        problems = token_problems(before, after, want) + type_problems(want.module, read.module, want)
        left = [d.code for d in doc.diagnostics if d.severity == Severity.ERROR]
        if "uninitialized-local" in left:
            problems.append(f"errors left: {Counter(left)}")
        if verdict is not None and want.only_1a and not verdict.ok:
            problems.append(f"wasm-tools rejects the fixed module: {verdict.reason}")
        if verdict is not None and not want.only_1a:
            counts["with other errors"] += 1
            if "uninitialized local" in verdict.reason:
                problems.append(f"wasm-tools still finds {verdict.reason}")
        if problems:
            failures.append(f"{name}: " + "; ".join(problems))
    print("\n" + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    assert not failures, f"{len(failures)} of {len(chosen)} not fixed minimally:\n" + "\n".join(failures[:8])
    return counts


# ------------------------------------------------------------------ the mutants


@cache
def hand_and_genwat_mutants() -> list[tuple[str, bytes]]:
    """The mutants of `test_mutations.test_1a_mutants_of_hand_written_and_generated_modules`."""
    rng = random.Random(1)
    out: list[tuple[str, bytes]] = []
    for b in mut.bases_1a():
        pairs = [(s, k) for s in mut.sites(b.module) for k in mut.KINDS_1A]
        rng.shuffle(pairs)
        for s, kind in pairs[: 150 if b.name.startswith("hand") else 60]:
            m = mut.mutate_1a(b, s, kind, rng)
            if m is not None:
                out.append((f"{kind}:{b.name}:func{s.func.index}:local{s.x}@{s.ins.start}", m.encode()))
    return out


@cache
def smith_mutants() -> list[tuple[str, bytes]]:
    """The mutants of `test_mutations.test_1a_on_smith_bodies`."""
    rng = random.Random(2)
    out: list[tuple[str, bytes]] = []
    for seed, _wasm, wat in wasmtools.smith_corpus(400, 200):
        b = mut.smith_base(seed, wat)
        for k in range(3):
            m = mut.inject(b, rng)
            if m is not None:
                out.append((f"inject:smith{seed}/{k}", m.encode()))
    return out


# ------------------------------------------------------------------------ tests


PARTS = 2  # each mutant set is checked in halves, so that `pytest -n 2` spreads them


@pytest.mark.parametrize("part", range(PARTS))
def test_fix_hand_and_genwat_mutants(part: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    counts = check_cases(tmp_path, hand_and_genwat_mutants()[part::PARTS], capsys)
    assert counts["modules"] >= 50 and counts["gets wrapped"] >= counts["modules"]


@pytest.mark.parametrize("part", range(PARTS))
def test_fix_smith_mutants(part: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    counts = check_cases(tmp_path, smith_mutants()[part::PARTS], capsys)
    assert counts["modules"] >= 50


@pytest.mark.skipif(not LOCAL_INIT, reason="spec test suite not available")
def test_fix_spec_local_init_minimal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Validity of the results: tests/passes/test_passes.py::test_fix_spec_local_init_invalid_cases.
    cases = [(f"local_init#{k}", src) for k, src in enumerate(LOCAL_INIT)]
    counts = check_cases(tmp_path, cases, capsys, validate=False)
    assert counts["modules"] == len(LOCAL_INIT)


def test_minimality_check_rejects_more_than_the_fix() -> None:
    src = b"(module (type $t (struct)) (func (local $x (ref $t)) (block (local.set $x (struct.new $t))) (drop (local.get $x))))"
    want = expected(src)
    assert want == Expected(frozenset({(0, 0)}), 1, 1, True)
    good = src.replace(b"(ref $t)", b"(ref null $t)").replace(
        b"(drop (local.get $x))", b"(drop (ref.as_non_null (local.get $x)))"
    )
    assert minimality_problems(src, good, want) == []
    # wrapping the set too, or also making the local nullable in a second way, is not minimal
    extra = good.replace(
        b"(local.set $x (struct.new $t))", b"(local.set $x (ref.as_non_null (struct.new $t)))"
    )
    assert minimality_problems(src, extra, want)
    dropped = good.replace(b"(drop (ref.as_non_null (local.get $x)))", b"(nop)")
    assert minimality_problems(src, dropped, want)
    typed = good.replace(b"(ref null $t)", b"(ref null struct)")
    assert minimality_problems(src, typed, want)
