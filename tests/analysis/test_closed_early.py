"""A module closed early by the text's parentheses (decision 49): the scan that finds it, and
the diagnostics, which come from the text before the module's end only, the same through
`analyse` (what `check` prints) and through the server's snapshots, which parse that text
alone with the last tree instead of the whole text."""

from __future__ import annotations

import random

import pytest
from lsprotocol import types
from wat_lsp.analysis import syntax
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.syntax import ClosedEarly, closed_early, first_form
from wat_lsp.server.documents import Snapshot, apply_change, open_snapshot

from tests.server.test_big_edits import module

PIECES = [b"(", b")", b"\n(", b"\n  (", b"(;", b";)", b";;x", b'"a', b'"', b"\\", b"\n", b"x ", b"(func", b"))",
          b"(;0;)", b"(; ( ;)", b"(;)"]  # fmt: skip


def _first_form_in_one_scan(data: bytes) -> tuple[int, int | None] | None:
    """`first_form` token by token over the whole text, as `paren_balance`'s scan reads it."""
    depth = level = 0
    first = None
    for m in syntax._LEX.finditer(data):
        tok = m.group()
        if tok == b"(;":
            depth += 1
        elif tok == b";)":
            depth = max(depth - 1, 0)
        elif depth:
            continue
        elif tok == b"(":
            first = m.start() if first is None else first
            level += 1
        elif tok[0] == 0x29 and first is not None:
            if len(tok) >= level:
                return first, m.start() + level
            level -= len(tok)
    return None if first is None else (first, None)


def test_first_form_by_chunks_equals_one_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(49)
    for size in (16, 64, syntax._CHUNK):
        monkeypatch.setattr(syntax, "_CHUNK", size)
        for _ in range(1500):
            data = b"".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 200)))
            assert first_form(data) == _first_form_in_one_scan(data), data


def test_balanced_chunks_are_those_the_scan_finds_nothing_in() -> None:
    """The C-speed answer for a chunk (`_balanced`) never differs from the scan's."""
    rng = random.Random(50)
    found = 0
    for _ in range(40000):
        chunk = b"".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 12)))
        nothing = syntax._scan_chunk(chunk, 0) == ((), (), 0)
        if syntax._balanced(chunk):
            found += 1
            assert nothing, chunk
        elif nothing and b'"' not in chunk and b";" not in chunk:
            raise AssertionError(chunk)  # plain parentheses: the fast answer must know them
    assert found > 1000


def test_closed_early() -> None:
    assert closed_early(b"(module (func)) (func)") == ClosedEarly(15, 16, "func")
    assert closed_early(b";; c\n(module (func) func) ( global))") == ClosedEarly(25, 26, "global")
    assert closed_early(b"(module (func (i32.const 0) drop)") is None  # never closed
    assert closed_early(b"(module) (module)") is None  # a script
    assert closed_early(b'(module) (assert_invalid (module) "x")') is None
    assert closed_early(b"(module (func))") is None
    assert closed_early(b"(func) (func)") is None  # bare fields


def test_the_diagnostics_are_those_of_the_module_as_its_parentheses_close_it() -> None:
    text = module(40).encode()
    at = text.index(b"(func $f10 ")
    broken = text[:at] + text[at + 1 :]
    early = closed_early(broken)
    assert early is not None and broken[early.field : early.field + 6] == b"(func "
    doc = analyse(broken)
    assert doc.modules == []
    # A syntax error after the module's end is not reported: the rest is not parsed.
    worse = broken[: len(broken) - 200] + b" ) ) garbage (" + broken[len(broken) - 200 :]
    assert [d.message for d in analyse(worse).diagnostics] == [d.message for d in doc.diagnostics]
    assert [(d.code, d.message) for d in doc.diagnostics][-1] == (
        "syntax",
        "`(func ...)` is outside the module (a `(` missing or a `)` too many before it?): "
        "it and what follows are not analysed",
    )


def _change(snap: Snapshot, start: int, end: int, new: str) -> Snapshot:
    def pos(offset: int) -> types.Position:
        line = snap.index.line_of(offset)
        return types.Position(line, offset - snap.index.line_start(line))

    change = types.TextDocumentContentChangePartial(range=types.Range(pos(start), pos(end)), text=new)
    return apply_change(snap, change, "utf-16", snap.version + 1)


def test_the_server_parses_the_text_before_the_module_end_only() -> None:
    """A `(` deleted, a `)` typed, near the top, the middle and the end: the snapshot's whole
    tree is not parsed for its diagnostics, which equal `analyse`'s; restored, the last clean
    state's diagnostics come back."""
    snap = open_snapshot("untitled:m.wat", 1, module(60))
    clean = snap.diagnostics()
    for name in (b"(func $f2 ", b"(func $f30 ", b"(func $f58 "):
        for start, end, new in ((0, 1, ""), (20, 20, ")")):
            at = snap.data.index(name) + start
            broken = _change(snap, at, at + end - start, new)
            assert closed_early(broken.data) is not None
            got = broken.diagnostics()
            assert broken.parsed is None
            assert got == analyse(broken.data).diagnostics
            assert broken.analysis().diagnostics == got  # the whole tree, once asked for
            restored = _change(broken, at, at + len(new), snap.data[at : at + end - start].decode())
            assert restored.data == snap.data
            assert restored.diagnostics() == clean
            snap = restored


def test_the_scan_is_skipped_when_the_change_cannot_close_the_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """`(` and `()` typed in a body only add openings: the snapshot does not scan the text
    for a module closed early (the whole tree's analysis still would, had it an error there);
    a `(` deleted, a `)` typed, or a `;` next to the change, are scanned for."""
    from wat_lsp.server import documents

    scanned: list[bytes] = []

    def spy(data: bytes) -> ClosedEarly | None:
        scanned.append(data)
        return closed_early(data)

    monkeypatch.setattr(documents, "closed_early", spy)
    snap = open_snapshot("untitled:m.wat", 1, module(20))
    clean = snap.diagnostics()
    at = snap.data.index(b"(local.get $x)", snap.data.index(b"(func $f7 "))
    for start, end, new, scans in (
        (at, at, "(", False),
        (at, at, "()", False),
        (at + 1, at + 1, "(", False),
        (at, at + 1, "", True),  # a `(` deleted
        (at, at, ")", True),
        (at, at, "(;", True),
        (at, at, '"', True),
    ):
        scanned.clear()
        broken = _change(snap, start, end, new)
        assert broken.diagnostics() == analyse(broken.data).diagnostics
        assert bool(scanned) == scans, new
        restored = _change(broken, start, start + len(new), snap.data[start:end].decode())
        assert restored.diagnostics() == clean
        snap = restored


STRINGS_AND_COMMENTS = (
    "(module\n  (func $a (param i32) ;; c ( )\n    (drop (i32.const 1)) (; x ( ;) nop\n  )\n"
    '  (data "a(b)\\"(" "x")\n  (func $b (drop (i32.const 2)))\n  (global $g i32 (i32.const 0))\n)\n'
)


@pytest.mark.parametrize("text", [module(6), STRINGS_AND_COMMENTS], ids=["module", "strings-and-comments"])
def test_a_change_said_not_to_close_the_module_does_not(text: str) -> None:
    """`Snapshot._may_close_early` is only a saving, but when it says no the text must not be
    one its parentheses close early: random changes of parentheses, words, quotes, `;` and
    line breaks, in a module with strings and comments too."""
    snap = open_snapshot("untitled:m.wat", 1, text)
    snap.diagnostics()
    assert snap.incremental.clean(snap.data)
    rng = random.Random(51)
    said_no = closed = 0
    pieces = ["(", ")", "()", ")(", " x", "$y", '"', ";", "\n", "\\"]
    for _ in range(3000):
        at = rng.randrange(len(text))
        end = min(len(text), at + rng.choice([0, 0, 1, 2, 5]))
        new = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 3)))
        changed = _change(snap, at, end, new)
        early = closed_early(changed.data)
        closed += early is not None
        if not changed._may_close_early():
            said_no += 1
            assert early is None, (at, end, new)
    assert said_no > 500 and closed > 100


def test_a_version_rescanned_from_the_last_equals_one_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    """`syntax._scan` keeps the last version's chunks and scans again only those an edit
    touches (moved, and scanned again while the block-comment depth at their start changed):
    edits of parentheses, comments and strings, one after the other."""
    monkeypatch.setattr(syntax, "_CHUNK", 64)
    rescan = syntax._rescan
    kept = [0]

    def counted(old: bytes, chunks: list[syntax.Chunk], data: bytes) -> list[syntax.Chunk] | None:
        out = rescan(old, chunks, data)
        kept[0] += out is not None
        return out

    monkeypatch.setattr(syntax, "_rescan", counted)
    rng = random.Random(52)
    data = (STRINGS_AND_COMMENTS * 4 + module(8)).encode()
    for _ in range(1500):
        at = rng.randrange(len(data) + 1)
        data = data[:at] + rng.choice(PIECES) + data[at + rng.randrange(3) :]
        opened, stray = syntax.paren_balance(data)
        closes, opens, _ = syntax._scan_chunk(data, 0)
        assert (opened, stray) == (list(opens), list(closes)), data
        assert first_form(data) == _first_form_in_one_scan(data)
        last = syntax._last_scan
        assert last is not None and last[0] is data
    assert kept[0] > 1000  # the chunks were kept, not cut again
