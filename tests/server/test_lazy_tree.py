"""A snapshot's tree is parsed when first used: the diagnostics of an edit inside one function
body of a clean module are made from that function parsed on its own
(`DocumentAnalysis.update_without_tree`), and a parenthesis restored gives back the
diagnostics of the text it restores. Both equal `analyse`'s on the same text, and the tree,
once asked for, equals a fresh parse."""

from __future__ import annotations

import random
from typing import Any

import pytest
from lsprotocol import types
from wat_lsp.analysis import incremental
from wat_lsp.analysis.diagnostics import Diagnostic
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.positions import Encoding
from wat_lsp.analysis.syntax import parse
from wat_lsp.server.documents import Snapshot, apply_change, open_snapshot

from tests.server.test_big_edits import module

ENC: Encoding = "utf-16"


def _change(snap: Snapshot, start: int, end: int, new: str) -> Snapshot:
    def pos(offset: int) -> types.Position:
        line = snap.index.line_of(offset)
        return types.Position(line, offset - snap.index.line_start(line))

    change = types.TextDocumentContentChangePartial(range=types.Range(pos(start), pos(end)), text=new)
    return apply_change(snap, change, ENC, snap.version + 1)


def _check(snap: Snapshot, parsed: bool) -> None:
    got = snap.diagnostics()
    assert (snap.parsed is not None) == parsed
    assert got == analyse(snap.data).diagnostics
    assert str(snap.tree.root_node) == str(parse(snap.data).root_node)


def test_edits_inside_one_body_need_no_tree() -> None:
    snap = open_snapshot("untitled:m.wat", 1, module(40))
    snap.diagnostics()
    rng = random.Random(15)
    for _ in range(12):
        text = snap.data.decode()
        at = rng.choice([i for i in range(len(text)) if text.startswith("(local.get $x)", i)])
        edit = rng.choice(["(i32.eqz (local.get $x))", "(i64.const 1)", "(local.get $x) ;; c\n", "(nop)"])
        snap = _change(snap, at, at + len("(local.get $x)"), edit)
        # an error (a type mismatch) or not, the diagnostics come from the function alone
        got = snap.diagnostics()
        assert snap.parsed is None and snap.incremental.last_mode == "incremental"
        assert got == analyse(snap.data).diagnostics
    assert str(snap.tree.root_node) == str(parse(snap.data).root_node)  # the edits, one re-parse


def test_a_syntax_error_parses_the_whole_text() -> None:
    snap = open_snapshot("untitled:m.wat", 1, module(20))
    snap.diagnostics()
    at = snap.data.index(b"(i32.load") + 1
    snap = _change(snap, at, at, "(")  # tree-sitter's recovery decides: the whole text parsed
    _check(snap, parsed=True)
    snap = _change(snap, at, at + 1, "")
    _check(snap, parsed=True)  # the state was made from the broken one, in place


def test_a_parenthesis_restored_needs_no_tree() -> None:
    """The restored text gets the diagnostics and the tree of the last clean version: the tree
    parsed (here, at open) or, after edits made without it, that tree edited to it."""
    for edit_first in (False, True):
        snap = open_snapshot("untitled:m.wat", 1, module(30))
        snap.diagnostics()
        at = snap.data.index(b"(func $f3 ")
        if edit_first:
            snap = _change(snap, at + 200, at + 200, " ")
            _check(snap, parsed=False)
        snap = _change(snap, at, at + 1, "")  # the function's fields fall outside the module
        _check(snap, parsed=False)  # the text before the module's new end parsed (decision 49)
        snap = _change(snap, at, at, "(")
        assert (snap.parsed is None) == edit_first and (snap.pending is None) != edit_first
        _check(snap, parsed=not edit_first)
        snap = _change(snap, at + 300, at + 300, " ")  # and the next edit is local again
        _check(snap, parsed=False)


def test_header_and_comment_edits_parse_the_whole_text() -> None:
    snap = open_snapshot("untitled:m.wat", 1, module(10))
    snap.diagnostics()
    at = snap.data.index(b"(param $p i32)", snap.data.index(b"$f4"))
    snap = _change(snap, at, at + len("(param $p i32)"), "(param $p i64)")  # a signature
    _check(snap, parsed=True)
    at = snap.data.index(b"(i32.load", snap.data.index(b"$f6"))
    snap = _change(snap, at, at, "(; open")  # a comment swallowing the rest: not alone
    _check(snap, parsed=True)


def test_a_parenthesis_typed_in_a_body_reads_that_function(monkeypatch: pytest.MonkeyPatch) -> None:
    """A `(` or `()` typed inside a body and undone: the diagnostics list is made again for
    that function and the text diagnostics only (`_assemble_one`), never assembled whole."""
    snap = open_snapshot("untitled:m.wat", 1, module(20))
    snap.diagnostics()
    whole: list[int] = []
    real = incremental._assemble

    def counted(*args: Any) -> list[Diagnostic]:
        whole.append(1)
        return real(*args)

    monkeypatch.setattr(incremental, "_assemble", counted)
    body = snap.data.index(b"(local.set $x (i32.add", snap.data.index(b"$f7 "))
    for at in (body, body + 15, body + 40):
        for typed in ("(", "()"):
            snap = _change(snap, at, at, typed)
            _check(snap, parsed=True)
            snap = _change(snap, at, at + len(typed), "")
            _check(snap, parsed=True)
    assert whole == []
