"""Code lenses listed from the document's last listing (`server/code_lens._update`) are exactly
those listed from scratch, after edits that move the functions after them by bytes, by lines,
on the same line, after non-ASCII text, and after edits outside function bodies."""

from __future__ import annotations

import json

import pytest
from lsprotocol import types
from wat_lsp.analysis.ide import function_cache
from wat_lsp.analysis.positions import Encoding
from wat_lsp.server import code_lens
from wat_lsp.server.documents import Snapshot, apply_change, open_snapshot

TEXT = """(module
  (type $v (func))
  (global $g (mut i32) (i32.const 0))
  (func $a (local $x i32) (local.set $x (i32.const 1)) (drop (local.get $x)))
  (func $b (; é ;) (call $a)) (func $c (call $b))
  (func $d
    (call $c))
  (memory 1)
  (func $e (local i32) (local.set 0 (i32.const 2)) (call $d) (drop (local.get 0))) (func $f (; 🙂 ;) (call $e))
  (func $h (call $f)))
"""
URI = "untitled:versions%20x.wat"

# (where: the text after which, text inserted), one after the other, each on the last version
EDITS = [
    ("(i32.const 1)", " "),  # in $a's body: every later function moves by a byte
    ("(i32.const 1)", "\n    "),  # a line break in $a: the later ones move down a line
    ("(call $a)", "(nop)"),  # in $b, on the line $c starts on: $c's column moves
    ("(func $d", "\n"),  # in $d, after its name: $d stays, the later ones move a line on
    ("(; \U0001f642", "\u00e9"),  # in $f after non-ASCII text: $h moves
    ("(global $g", "2"),  # outside bodies: a global renamed, listed from scratch
    ("(module\n", "  (type $w (func))\n"),  # a new item: indices after it change
    ("(memory 1)", ""),  # nothing
]


def _change(snap: Snapshot, after: str, text: str, encoding: Encoding) -> Snapshot:
    data = snap.data.decode()
    offset = len(data[: data.index(after) + len(after)].encode())
    line, char = snap.index.position(offset, encoding)
    at = types.Position(line, char)
    change = types.TextDocumentContentChangePartial(range=types.Range(at, at), text=text)
    return apply_change(snap, change, encoding, snap.version + 1)


def _scratch(snap: Snapshot, encoding: Encoding) -> str:
    """The listing with nothing kept: no last listing, no cached results."""
    code_lens.forget(URI)
    function_cache.clear()
    return code_lens.code_lenses_json(snap, encoding).text


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8"])
def test_listing_from_the_last_one(encoding: Encoding) -> None:
    snap = open_snapshot(URI, 1, TEXT)
    first = code_lens.code_lenses_json(snap, encoding).text
    assert first == _scratch(snap, encoding)
    lenses = json.loads(first)
    assert [
        (x["range"]["start"]["line"], x["range"]["start"]["character"], x["data"]["kind"]) for x in lenses
    ] == [
        (1, 2, "refs"),
        (2, 2, "refs"),
        (3, 8, "refs"),
        (3, 8, "coalesce"),
        (3, 8, "cfg"),
        (4, 8, "refs"),
        (4, 8, "cfg"),
        (4, 36 if encoding == "utf-16" else 37, "refs"),  # after `é`: 1 UTF-16 unit, 2 bytes
        (4, 36 if encoding == "utf-16" else 37, "cfg"),
        (5, 8, "refs"),
        (5, 8, "cfg"),
        (7, 2, "refs"),
        (8, 8, "refs"),
        (8, 8, "coalesce"),
        (8, 8, "cfg"),
        (8, 89, "refs"),
        (8, 89, "cfg"),
        (9, 8, "refs"),
        (9, 8, "cfg"),
    ]
    assert lenses[0]["data"]["uri"] == URI
    assert lenses[4]["command"] == {
        "title": "Show control flow",
        "command": "wat-lsp.showCfg",
        "arguments": [URI, {"line": 3, "character": 8}],
    }
    for after, text in EDITS:
        code_lens.code_lenses_json(snap, encoding)  # the last listing: of the version before
        snap = _change(snap, after, text, encoding)
        assert not snap.analysis().diagnostics, after
        listed = code_lens.code_lenses_json(snap, encoding).text
        assert listed == _scratch(snap, encoding), after
    # and after several versions without a listing between them
    code_lens.code_lenses_json(snap, encoding)
    for after, text in EDITS[:5]:
        snap = _change(snap, after, text, encoding)
    assert code_lens.code_lenses_json(snap, encoding).text == _scratch(snap, encoding)
