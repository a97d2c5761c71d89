"""Lines and columns as LSP defines them, on any bytes.

* Line breaks are `\\n`, `\\r\\n` and a lone `\\r` (LSP), in the line index, in its splice
  after an edit, in the CLI's `line:col` and caret, and in the server's ranges; tree-sitter's
  rows (`\\n` only) stay separate (`ts_point`).
* Columns on ill-formed UTF-8 count one unit per maximal ill-formed subpart (U+FFFD), as
  VS Code's `TextDecoder` does (checked against node when it is installed); an encoded
  surrogate (what the server stores for a lone surrogate from JSON) counts as the one UTF-16
  unit the client counts, so positions round-trip through `didChange`.
"""

from __future__ import annotations

import io
import json
import random
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient
from wat_lsp.analysis.positions import LineIndex, decode, units
from wat_lsp.server.documents import apply_change, open_snapshot

from tests.tools import need_node
from wat_lsp.cli import run_check

# --- line breaks --------------------------------------------------------------------------


def test_lone_cr_ends_a_line() -> None:
    data = b"a\rb\r\nc\nd\r"
    index = LineIndex(data)
    assert index.line_count == 5
    assert [index.line_start(n) for n in range(5)] == [0, 2, 5, 7, 9]
    assert [index.line_end(n) for n in range(5)] == [1, 3, 6, 8, 9]
    assert [index.position(data.index(c)) for c in b"abcd"] == [(0, 0), (1, 0), (2, 0), (3, 0)]
    assert index.position(len(data)) == (4, 0)
    assert index.offset(1, 99) == 3  # clamped before the `\r\n`
    assert index.offset(0, 99) == 1  # before the lone `\r`
    # tree-sitter's rows count `\n` only: `b` is on row 0, after `a\r`
    assert [index.ts_point(data.index(c)) for c in b"abcd"] == [(0, 0), (0, 2), (1, 0), (2, 0)]


def _reference(text: str) -> list[tuple[int, int, int, int, int]]:
    """(byte offset, line, UTF-16, UTF-32, UTF-8 column) at each character boundary of
    `text`, lines split as LSP says (`str.splitlines` would also split at \\v, \\f, U+2028...)."""
    out = []
    offset = 0
    for line, part in enumerate(re.split(r"(?<=\r\n)|(?<=\r)(?!\n)|(?<=\n)", text)):
        c16 = c32 = c8 = 0
        body = part.rstrip("\r\n")
        for ch in body:
            out.append((offset, line, c16, c32, c8))
            size = len(ch.encode())
            offset, c8, c32, c16 = offset + size, c8 + size, c32 + 1, c16 + (2 if ord(ch) > 0xFFFF else 1)
        out.append((offset, line, c16, c32, c8))  # the end of the line, before its break
        offset += len(part) - len(body)
    return out


ALPHABET = ["a", "\r", "\n", "\r\n", "é", "😀", "\t", "ア"]


def test_positions_match_an_lsp_reference_and_splices_match_fresh_indexes() -> None:
    rng = random.Random(7)
    checked = spliced = 0
    for _ in range(1500):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 12)))
        data = text.encode()
        index = LineIndex(data)
        assert index.line_count == len(re.split(r"\r\n|\r|\n", text))
        for offset, line, c16, c32, c8 in _reference(text):
            assert index.position(offset, "utf-16") == (line, c16)
            assert index.position(offset, "utf-32") == (line, c32)
            assert index.position(offset, "utf-8") == (line, c8)
            assert index.offset(line, c16, "utf-16") == offset
            assert index.offset(line, c32, "utf-32") == offset
            assert index.offset(line, c8, "utf-8") == offset
            assert index.ts_point(offset) == (
                data.count(b"\n", 0, offset),
                offset - data.rfind(b"\n", 0, offset) - 1,
            )
            checked += 1
        for _ in range(4):  # an edit anywhere, also between `\r` and `\n`
            start = rng.randrange(len(data) + 1)
            end = rng.randrange(start, len(data) + 1)
            new = "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(3))).encode()
            after = data[:start] + new + data[end:]
            got, want = index.spliced(start, end, new, after), LineIndex(after)
            assert [got.line_start(n) for n in range(got.line_count)] == [
                want.line_start(n) for n in range(want.line_count)
            ], (data, start, end, new)
            assert [got.ts_point(k) for k in range(len(after) + 1)] == [
                want.ts_point(k) for k in range(len(after) + 1)
            ]
            spliced += 1
    assert (checked, spliced) == (9870, 6000)


# --- ill-formed UTF-8 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "utf16", "utf32"),
    [
        (b"a\xffb", 2, 2),  # a stray byte: one U+FFFD
        (b"\xf0\x9f\x98b", 1, 1),  # an emoji cut short: one maximal subpart
        (b"\xe0\x80\x80b", 3, 3),  # overlong: every byte alone
        (b"\xed\xa0\x80b", 1, 1),  # an encoded surrogate: the one unit its client counts
        (b"\xed\xa0b", 2, 2),  # half of one: `ED`, then `A0`
        (b"\xf0\x9f\x98\x80b", 2, 1),  # a well-formed emoji
    ],
)
def test_columns_on_ill_formed_utf8(data: bytes, utf16: int, utf32: int) -> None:
    index = LineIndex(data)
    b = data.rindex(b"b")
    assert index.position(b, "utf-16") == (0, utf16)
    assert index.position(b, "utf-32") == (0, utf32)
    assert index.position(b, "utf-8") == (0, b)
    assert index.offset(0, utf16, "utf-16") == b
    assert index.offset(0, utf32, "utf-32") == b
    assert len(decode(data[:b])) == utf32


def test_columns_on_ill_formed_utf8_match_textdecoder() -> None:
    """What VS Code computes for a file it decoded: node's WHATWG `TextDecoder`, string
    length (UTF-16) and code points, on random ill-formed bytes (encoded surrogates aside)."""
    node = need_node()
    rng = random.Random(3)
    pieces = [
        0x41,
        0x80,
        0x8F,
        0x90,
        0x98,
        0x9F,
        0xA0,
        0xBF,
        0xC0,
        0xC2,
        0xDF,
        0xE0,
        0xE1,
        0xED,
        0xF0,
        0xF4,
        0xFF,
    ]
    chunks: list[bytes] = []
    while len(chunks) < 3000:
        chunk = bytes(rng.choice(pieces) for _ in range(rng.randrange(9)))
        if not re.search(rb"\xed[\xa0-\xbf][\x80-\xbf]", chunk):
            chunks.append(chunk)
    script = (
        "const d = new TextDecoder(); const hex = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(hex.map(h => { const s = d.decode(Buffer.from(h, 'hex'));"
        " return [s.length, [...s].length]; })))"
    )
    proc = subprocess.run(
        [node, "-e", script],
        input=json.dumps([c.hex() for c in chunks]),
        capture_output=True,
        text=True,
        check=True,
    )
    theirs = json.loads(proc.stdout)
    ours = [[units(c, 0, len(c), "utf-16"), units(c, 0, len(c), "utf-32")] for c in chunks]
    assert ours == theirs


# --- the server: lone surrogates and lone CRs arrive as str -------------------------------


def _utf16(s: str) -> int:
    """A column as the client counts it (pygls' Utf16 counter: a lone surrogate is 1 unit)."""
    return sum(2 if ord(c) > 0xFFFF else 1 for c in s)


def _change(line: int, start: int, end: int, text: str) -> types.TextDocumentContentChangePartial:
    rng = types.Range(types.Position(line, start), types.Position(line, end))
    return types.TextDocumentContentChangePartial(range=rng, text=text)


def test_lone_surrogates_round_trip_through_did_change() -> None:
    text = "(module\n  ;; \ud800 x \U0001f600 \udc00y z\n  (func))\n"
    snap = open_snapshot("untitled:s.wat", 1, text)
    line = text.split("\n")[1]
    col = _utf16(line[: line.index("y")])
    y = snap.data.index(b"y")
    assert snap.index.position(y) == (1, col) == (1, 13)
    assert snap.index.offset(1, col) == y
    # The client replaces `y` and inserts one more lone surrogate after `z`, in its units.
    snap = apply_change(snap, _change(1, col, col + 1, "Y\ud83d"), "utf-16", 2)
    line = line.replace("y", "Y\ud83d")
    zcol = _utf16(line[: line.index("z")])
    snap = apply_change(snap, _change(1, zcol + 1, zcol + 1, "\udfff!"), "utf-16", 3)
    expected = text.replace("y", "Y\ud83d").replace("z", "z\udfff!")
    assert snap.data == expected.encode("utf-8", "surrogatepass")
    bang = snap.data.index(b"!")
    new_line = expected.split("\n")[1]
    assert snap.index.position(bang) == (1, _utf16(new_line[: new_line.index("!")]))
    assert {d.code for d in snap.diagnostics()} == {"invalid-utf8"}


def test_lone_cr_edits_in_the_server() -> None:
    text = "(module\r  (func $f (result i32)\r\n    i64.const 1))"
    snap = open_snapshot("untitled:cr.wat", 1, text)
    assert snap.index.line_count == 3
    # Turn the lone `\r` into `\r\n`, then the `\r\n` into a lone `\r`: lines stay 3.
    snap = apply_change(snap, _change(1, 0, 0, "\n"), "utf-16", 2)  # just after the lone \r
    assert snap.data.startswith(b"(module\r\n  (func") and snap.index.line_count == 3
    snap = apply_change(
        snap,
        types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(0, 7), types.Position(1, 0)), text="\r"
        ),
        "utf-16",
        3,
    )
    assert snap.data.startswith(b"(module\r  (func") and snap.index.line_count == 3
    (d,) = snap.diagnostics()
    assert (d.code, snap.index.position(d.span.start)) == ("type-mismatch", (2, 15))
    # A tree re-parsed after these edits equals a fresh parse.
    assert str(snap.tree.root_node) == str(open_snapshot("x", 1, snap.data.decode()).tree.root_node)


CONFIG = ClientServerConfig(server_command=[sys.executable, "-m", "wat_lsp", "--stdio"])


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    await lsp_client.initialize_session(types.InitializeParams(capabilities=types.ClientCapabilities()))
    yield lsp_client
    await lsp_client.shutdown_session()


async def _published(client: LanguageClient, uri: str, version: int) -> list[types.Diagnostic]:
    while True:
        params: types.PublishDiagnosticsParams = await client.wait_for_notification(
            types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
        )
        if params.uri == uri and params.version == version:
            return list(params.diagnostics)


@pytest.mark.asyncio
async def test_server_ranges_after_lone_surrogate_and_lone_cr(client: LanguageClient) -> None:
    uri = "untitled:edge.wat"
    # A lone \r ends an LSP line but not a WAT line comment (`;;` runs to \n): so the
    # comment is put in a block comment, and the lone surrogate after an emoji.
    text = "(module (func (result i32) (; \U0001f600 \ud800 ;)\rlocal.get 9\r  (i64.const 1)))"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wat", 1, text))
    )
    got = sorted(
        (d.code, d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)
        for d in await _published(client, uri, 1)
    )
    assert got == [
        ("invalid-utf8", 0, 33, 0, 34),  # `(; 😀 ` is 6 units: the surrogate is one
        ("stack-height", 2, 15, 2, 16),  # lines follow the lone \r breaks
        ("unknown-index", 1, 0, 1, 11),
    ]
    # An edit on the last line, positioned in the client's units, lands where it should.
    rng = types.Range(types.Position(2, 3), types.Position(2, 6))
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=2, uri=uri),
            [types.TextDocumentContentChangePartial(range=rng, text="i32")],
        )
    )
    after = sorted((str(d.code), d.message) for d in await _published(client, uri, 2))
    assert [code for code, _ in after] == ["invalid-utf8", "stack-height", "unknown-index"]
    assert "found [unknown i32]" in after[1][1]


# --- the CLI ------------------------------------------------------------------------------


def _text(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "t.wat"
    path.write_bytes(data)
    out = io.StringIO()
    run_check([str(path)], "text", out)
    return out.getvalue().replace(str(path), "t.wat")


def _json(tmp_path: Path, data: bytes) -> list[dict[str, Any]]:
    path = tmp_path / "t.wat"
    path.write_bytes(data)
    out = io.StringIO()
    run_check([str(path)], "json", out)
    diags: list[dict[str, Any]] = json.loads(out.getvalue())[0]["diagnostics"]
    return diags


def test_cli_lone_cr(tmp_path: Path) -> None:
    data = b"(module\r(func $f (result i32)\r  i64.const 1))\r"
    assert _text(tmp_path, data) == (
        "t.wat:3:14: error[type-mismatch]: the function body must end with [i32] on the stack, found [i64]\n"
        "    i64.const 1))\n"
        "               ^\n"
    )
    assert [d["range"] for d in _json(tmp_path, data)] == [
        {"start": {"line": 2, "character": 13}, "end": {"line": 2, "character": 14}}
    ]


def test_cli_caret_in_a_long_line_window(tmp_path: Path) -> None:
    """A line over 200 characters is shown as a window around the column; the caret covers
    the span inside the window (it used to run on by the window's offset)."""
    data = ("(module (func (; " + "x" * 300 + " ;) (local.get 7) (; " + "y" * 300 + " ;)))").encode()
    out = _text(tmp_path, data).splitlines()
    assert out[0] == (
        "t.wat:1:323: error[unknown-index]: unknown local 7: the function has 0 locals (parameters included)"
    )
    source, caret = out[1][2:], out[2][2:]
    assert len(source) == 160 and caret == " " * 80 + "^" + "~" * 10
    assert source[80:91] == "local.get 7"
    (d, _) = _json(tmp_path, data)
    assert (d["range"]["start"]["character"], d["range"]["end"]["character"]) == (322, 333)


def test_cli_caret_under_ill_formed_bytes(tmp_path: Path) -> None:
    """One shown character per column: an encoded surrogate shows as one U+FFFD."""
    data = b"(module (func ;; \xed\xa0\x80\xff\n  (local.get 7)))"
    out = _text(tmp_path, data)
    assert out.splitlines()[:3] == [
        "t.wat:1:18: error[invalid-utf8]: invalid UTF-8 at byte 17: the text format is UTF-8",
        "  (module (func ;; \ufffd\ufffd",
        "                   ^",
    ]
