"""Incremental document updates: bytes, tree and line index agree with a fresh parse."""

from __future__ import annotations

import random

from lsprotocol import types
from wat_lsp.analysis.positions import LineIndex
from wat_lsp.analysis.syntax import parse
from wat_lsp.server.documents import apply_change, open_snapshot

TEXT = """(module ;; ünïcödé 🙂
  (func $f (param $p i32) (result i32)
    (local $x i32) (; 😀 block ;)
    (local.set $x (i32.add (local.get $p) (i32.const 1)))
    (local.get $x))
  (global $g (mut i32) (i32.const 0)))
"""
PIECES = ["(", ")", " ", "\n", "$x", "🙂", "é", "(i32.const 7)", "local.get", ";;", '"', ""]


def _position(text: str, offset: int) -> types.Position:
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return types.Position(line, len(text[start:offset].encode("utf-16-le")) // 2)


def test_random_edits_match_a_fresh_parse() -> None:
    rng = random.Random(7)
    text = TEXT
    snap = open_snapshot("untitled:x.wat", 1, text)
    for version in range(2, 300):
        a = rng.randrange(len(text) + 1)
        b = min(len(text), a + rng.choice([0, 0, 1, 2, 5]))
        new = rng.choice(PIECES)
        change = types.TextDocumentContentChangePartial(
            range=types.Range(_position(text, a), _position(text, b)), text=new
        )
        snap = apply_change(snap, change, "utf-16", version)
        text = text[:a] + new + text[b:]
        data = text.encode("utf-8")
        assert snap.data == data
        assert snap.version == version
        assert str(snap.tree.root_node) == str(parse(data).root_node)
        fresh = LineIndex(data)
        assert snap.index.line_count == fresh.line_count
        assert [snap.index.line_start(n) for n in range(fresh.line_count)] == [
            fresh.line_start(n) for n in range(fresh.line_count)
        ]
        for offset in (0, a, len(data) // 2, len(data)):
            assert snap.index.position(offset) == fresh.position(offset)


def test_utf8_columns_and_whole_text_changes() -> None:
    snap = open_snapshot("untitled:x.wat", 1, "(module) ;; é\n(module)")
    after_e = len(";; é".encode()) + len("(module) ")
    change = types.TextDocumentContentChangePartial(
        range=types.Range(types.Position(0, after_e), types.Position(1, 1)), text="!\n("
    )
    snap = apply_change(snap, change, "utf-8", 2)
    assert snap.data == "(module) ;; é!\n(module)".encode()
    snap = apply_change(snap, types.TextDocumentContentChangeWholeDocument(text="(module $m)"), "utf-16", 3)
    assert snap.data == b"(module $m)" and str(snap.tree.root_node) == str(parse(snap.data).root_node)


def test_old_snapshots_stay_intact() -> None:
    first = open_snapshot("untitled:x.wat", 1, TEXT)
    before = str(first.tree.root_node)
    change = types.TextDocumentContentChangePartial(
        range=types.Range(types.Position(0, 0), types.Position(0, 0)), text="((("
    )
    second = apply_change(first, change, "utf-16", 2)
    assert str(first.tree.root_node) == before and first.data == TEXT.encode()
    assert second.data.startswith(b"(((")
