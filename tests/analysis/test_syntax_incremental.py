"""Syntax diagnostics are a function of the text: after random edits applied incrementally
(`Tree.edit` + re-parse with the old tree, as the server does), the text diagnostics (encoding,
syntax, lexical) of the re-parsed tree equal those of a fresh parse of the same text, and
both trees have the same nodes (their S-expressions are equal).

Tree-sitter keeps stale parse states in the nodes an incremental re-parse reuses, and syntax
messages list what the grammar expects; `analysis.syntax` reads states only from fresh parses
of small pieces, so the server can analyse the incremental tree while the text has errors.
Seeded and bounded: about 4,000 edits over examples/ and a few spec-suite scripts, mostly
garbage and paren soup inside function bodies, now and then the text reset.

`syntax.paren_balance` (an unclosed `(` is reported from the text) scans by chunks cached by
their text; it must give what one scan of the whole text gives.
"""

from __future__ import annotations

import itertools
import random
import re
from pathlib import Path

import pytest
from tree_sitter import Point, Tree
from wat_lsp.analysis import syntax
from wat_lsp.analysis.document import text_diagnostics
from wat_lsp.analysis.syntax import parse

from tests.corpus import ROOT as SUITE

ROOT = Path(__file__).resolve().parents[2]
SEED = 20261202
STEPS = 4000
SUITE_FILES = ["local_init.wast", "call.wast", "br_if.wast", "loop.wast", "func.wast", "struct.wast", "array.wast",
               "br_on_cast.wast", "ref_cast.wast", "try_table.wast"]  # fmt: skip

SNIPPETS = ["(i32.const 1)", "(local.get 0)", "(drop)", "nop", " ", "\n", "(block (result i32) (i32.const 7))",
            "local.set $x", "(return)", "(br 0)", "i32.add", "(f64.const 0x1p-3)", "(ref.null func)",
            "(if (then))", "end", "(local $z i64)", "(param i32)", "(result i32)", "(type 0)", "$x", "0", "-", "."]  # fmt: skip
SOUP = [
    "(",
    ")",
    "((",
    "))",
    "(;",
    ";)",
    ";;",
    '"',
    "\\",
    "$",
    "@",
    "(@",
    "(module",
    "(func",
    "))))",
    "(type",
]
GARBAGE = ["\x00", "é", "🙂", "\u2028", "\r\n", "\t", "\x7f", "\ufeff", "中文", "`", "#", "\xff"]


def _sources() -> list[tuple[str, bytes]]:
    out = [(p.name, p.read_bytes()) for p in sorted((ROOT / "examples").glob("*.wat"))]
    out += [(name, (SUITE / name).read_bytes()) for name in SUITE_FILES if (SUITE / name).is_file()]
    if len(out) < 4:  # without the spec suite: the GC modules kept with the tests
        out += [(p.name, p.read_bytes()) for p in sorted((ROOT / "tests" / "gc_modules").glob("*.wat"))[:6]]
    return out


def _point(data: bytes, offset: int) -> Point:
    row = data.count(b"\n", 0, offset)
    return Point(row, offset - (data.rfind(b"\n", 0, offset) + 1))


def _boundary(data: bytes, at: int) -> int:
    """`at`, moved back to the start of its UTF-8 character (the server never splits one)."""
    while 0 < at < len(data) and 0x80 <= data[at] < 0xC0:
        at -= 1
    return at


def _edit(rng: random.Random, data: bytes) -> tuple[int, int, bytes]:
    """A random change: [start, end) becomes the returned bytes."""
    at = rng.randrange(len(data) + 1)
    if rng.random() < 0.7:  # mostly inside a function body
        funcs = [m.start() for m in itertools.islice(re.finditer(rb"\(func", data), 300)]
        if funcs:
            at = min(len(data), rng.choice(funcs) + rng.randrange(5, 200))
    start = _boundary(data, at)
    mode = rng.choices(["snippet", "soup", "garbage", "delete"], [4, 3, 2, 3])[0]
    if mode == "delete":
        return start, _boundary(data, min(len(data), start + rng.choice([1, 2, 10, 80]))), b""
    pool = {"snippet": SNIPPETS, "soup": SOUP, "garbage": GARBAGE + SOUP}[mode]
    new = "".join(rng.choice(pool) for _ in range(rng.choice([1, 1, 2, 4]))).encode("utf-8", "surrogatepass")
    end = _boundary(data, min(len(data), start + rng.randrange(1, 4))) if rng.random() < 0.3 else start
    return start, end, new


def _reparse(tree: Tree, data: bytes, start: int, end: int, new: bytes) -> tuple[Tree, bytes]:
    """What `server.documents.apply_change` does: splice, edit a copy of the tree, re-parse."""
    changed = data[:start] + new + data[end:]
    edited = tree.copy()
    edited.edit(
        start,
        end,
        start + len(new),
        _point(data, start),
        _point(data, end),
        _point(changed, start + len(new)),
    )
    return parse(changed, edited), changed


def _shown(data: bytes, tree: Tree) -> list[tuple[str, str, int, int]]:
    return [(d.code, d.message, d.span.start, d.span.end) for d in text_diagnostics(data, tree)]


def test_incremental_syntax_diagnostics_equal_fresh_ones() -> None:
    rng = random.Random(SEED)
    sources = _sources()
    steps = with_errors = expecting = 0
    for k, (name, original) in enumerate(sources):
        data, tree = original, parse(original)
        for _ in range(STEPS // len(sources) + (k < STEPS % len(sources))):
            if rng.random() < 0.02:
                start, end, new = 0, len(data), original
            else:
                start, end, new = _edit(rng, data)
            tree, data = _reparse(tree, data, start, end, new)
            fresh_tree = parse(data)
            incremental, fresh = _shown(data, tree), _shown(data, fresh_tree)
            assert incremental == fresh, (name, steps, data.decode("utf-8", "replace"))
            # What everything else rests on: the same nodes (the reader reads the incremental tree).
            assert str(tree.root_node) == str(fresh_tree.root_node), (name, steps)
            steps += 1
            with_errors += tree.root_node.has_error
            expecting += any("; expected" in d[1] for d in fresh)
    assert steps == STEPS
    assert with_errors > STEPS // 2 and expecting > STEPS // 4  # the edits did break the text


def _paren_balance_in_one_scan(data: bytes) -> tuple[list[int], list[int]]:
    """`syntax.paren_balance` with the whole text as one chunk: what the chunked scan must
    compose to."""
    closes, opens, _ = syntax._chunk_parens(data, 0)
    return list(opens), list(closes)


def test_paren_balance_by_chunks_equals_one_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks cut at item lines, with block comments, strings and `;;` comments across them,
    texts edited (cache hits and misses), and tiny chunks so that every cut is exercised."""
    rng = random.Random(SEED + 1)
    pieces = [
        b"(",
        b")",
        b"\n(",
        b"\n  (",
        b"\n\t(",
        b"\n   (",
        b"(;",
        b";)",
        b";;x",
        b'"a',
        b'"',
        b"\\",
        b"\n",
        b"x ",
        b"\r",
        b"\r\n(",
        b"(func",
    ]
    for chunk in (16, 64, syntax._CHUNK):
        monkeypatch.setattr(syntax, "_CHUNK", chunk)
        for _ in range(1500):
            data = b"".join(rng.choice(pieces) for _ in range(rng.randrange(0, 300)))
            for _ in range(3):
                assert syntax.paren_balance(data) == _paren_balance_in_one_scan(data), data
                at = rng.randrange(len(data) + 1)
                data = data[:at] + rng.choice(pieces) + data[at + rng.randrange(3) :]
    for _, original in _sources():
        assert syntax.paren_balance(original) == _paren_balance_in_one_scan(original)
