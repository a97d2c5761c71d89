"""The server survives protocol misuse: raw JSON-RPC over its stdio for what a well-behaved
client library would never send, pytest-lsp for misused but well-formed document sync."""

from __future__ import annotations

import asyncio
import json
import queue
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.positions import LineIndex

from tests.lsp_wire import SERVER_COMMAND, frame, start_reader
from wat_lsp.output import lsp_diagnostic

ROOT = Path(__file__).resolve().parents[2]
COMMAND = SERVER_COMMAND
CANCELLED, INVALID_REQUEST, INVALID_PARAMS, METHOD_NOT_FOUND = -32800, -32600, -32602, -32601

# A module big enough that analysing it keeps the analysis thread busy for a while (~0.5 s).
FUNC = """  (func $f{n} (param $p i32) (result i32)
    (local $x i32)
    (local.set $x (i32.add (local.get $p) (i32.const {n})))
    (block $b (br_if $b (i32.eqz (local.get $x))) (local.set $x (i32.mul (local.get $x) (local.get $x))))
    (local.get $x))
"""
BIG = "(module\n" + "".join(FUNC.format(n=n) for n in range(2000)) + ")\n"


class Raw:
    """The server as a subprocess, spoken to in JSON-RPC frames."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        start_reader(self.proc.stdout, self.messages.put)

    def send_bytes(self, body: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(frame(body))
        self.proc.stdin.flush()

    def send(self, method: str, params: Any = None, id: int | str | None = None, **extra: Any) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, **extra}
        if params is not None:
            message["params"] = params
        if id is not None:
            message["id"] = id
        self.send_bytes(json.dumps(message).encode())

    def initialize(self) -> None:
        self.send("initialize", {"processId": None, "rootUri": None, "capabilities": {}}, id="init")
        assert "capabilities" in self.answer("init")["result"]
        self.send("initialized", {})

    def next(self, timeout: float = 20) -> dict[str, Any]:
        message = self.messages.get(timeout=timeout)
        assert message is not None, "the server closed its output"
        return message

    def answer(self, id: int | str, timeout: float = 20) -> dict[str, Any]:
        """The response to request `id` (other messages meanwhile are kept in `seen`)."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.next(max(0.1, deadline - time.monotonic()))
            if message.get("id") == id and "method" not in message:
                return message
            self.seen.append(message)

    def published(self, uri: str, version: int, timeout: float = 20) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            message = self.next(max(0.1, deadline - time.monotonic()))
            self.seen.append(message)
            params = message.get("params") or {}
            if (
                message.get("method") == "textDocument/publishDiagnostics"
                and params.get("uri") == uri
                and params.get("version") == version
            ):
                diagnostics: list[dict[str, Any]] = params["diagnostics"]
                return diagnostics

    seen: list[dict[str, Any]]

    def __enter__(self) -> Raw:
        self.seen = []
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()


def _open(raw: Raw, uri: str, text: str, version: int = 1) -> None:
    raw.send(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "wat", "version": version, "text": text}},
    )


def _check(text: str, uri: str) -> list[dict[str, Any]]:
    """What `wat-lsp --check --format json` reports for `text` (its core, in process)."""
    data = text.encode()
    index = LineIndex(data)
    return [lsp_diagnostic(d, index, uri) for d in analyse(data).diagnostics]


def test_string_ids_garbage_frames_and_requests_after_shutdown() -> None:
    with Raw() as raw:
        # Before `initialize`: answered (with an error or a result), never ignored.
        raw.send(
            "textDocument/hover",
            {"textDocument": {"uri": "untitled:a"}, "position": {"line": 0, "character": 0}},
            id="early",
        )
        raw.answer("early")
        raw.initialize()
        raw.send_bytes(b"{{{{ not JSON")  # no id to answer: logged
        raw.send_bytes(
            json.dumps(
                {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": 3}}}
            ).encode()
        )
        raw.send(
            "textDocument/hover",
            {"textDocument": {"uri": "untitled:a"}, "position": {"line": -1, "character": 0}},
            id="negative",
        )
        assert raw.answer("negative")["error"]["code"] == INVALID_PARAMS
        raw.send("wat/unknown", {}, id="unknown")
        assert raw.answer("unknown")["error"]["code"] == METHOD_NOT_FOUND
        raw.send(
            "textDocument/hover",
            {"textDocument": {"uri": "untitled:a"}, "position": {"line": 0, "character": 0}},
            id="old",
            jsonrpc="1.0",
        )
        assert raw.answer("old")["error"]["code"] == INVALID_REQUEST
        uri = "untitled:ok.wat"
        _open(raw, uri, "(module (func (result i32) (i32.const 0)))")
        assert raw.published(uri, 1) == []
        raw.send("textDocument/documentSymbol", {"textDocument": {"uri": uri}}, id="🙂 symbols")
        (symbol,) = raw.answer("🙂 symbols")["result"]
        assert symbol["kind"] == types.SymbolKind.Function
        logs = [m["params"]["message"] for m in raw.seen if m.get("method") == "window/logMessage"]
        assert len(logs) >= 2  # the bad frame and the bad didOpen
        raw.send("shutdown", id=99)
        assert raw.answer(99)["result"] is None
        raw.send("textDocument/documentSymbol", {"textDocument": {"uri": uri}}, id=100)
        assert raw.answer(100)["error"]["code"] == INVALID_REQUEST
        raw.send("exit")
        assert raw.proc.wait(timeout=20) == 0


def test_cancel_request() -> None:
    with Raw() as raw:
        raw.initialize()
        uri = "untitled:big.wat"
        _open(raw, uri, BIG)  # the analysis thread is busy with it for a while
        params = {"textDocument": {"uri": uri}, "position": {"line": 3, "character": 16}}
        raw.send("textDocument/documentSymbol", {"textDocument": {"uri": uri}}, id="symbols")
        raw.send("textDocument/hover", params, id="hover")
        raw.send("$/cancelRequest", {"id": "hover"})
        raw.send("$/cancelRequest", {"id": "never-sent"})  # ignored
        assert raw.answer("hover")["error"]["code"] == CANCELLED
        symbols = raw.answer("symbols", timeout=60)["result"]
        assert len(symbols) == 2000
        raw.send("textDocument/hover", params, id=7)
        assert "local index 1" in raw.answer(7)["result"]["contents"]["value"]


def test_exits_when_stdin_closes_during_analysis() -> None:
    with Raw() as raw:
        raw.initialize()
        _open(raw, "untitled:big.wat", BIG)
        raw.send("textDocument/documentSymbol", {"textDocument": {"uri": "untitled:big.wat"}}, id=1)
        assert raw.proc.stdin is not None
        raw.proc.stdin.close()
        start = time.monotonic()
        raw.proc.wait(timeout=30)
        assert time.monotonic() - start < 10


async def _published(client: LanguageClient, uri: str, version: int) -> list[dict[str, Any]]:
    while True:
        params: types.PublishDiagnosticsParams = await client.wait_for_notification(
            types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
        )
        if params.uri == uri and params.version == version:
            out: list[dict[str, Any]] = client.protocol._converter.unstructure(list(params.diagnostics))
            return out


def _change(
    client: LanguageClient, uri: str, version: int, *changes: types.TextDocumentContentChangeEvent
) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=version, uri=uri), list(changes)
        )
    )


def _partial(l1: int, c1: int, l2: int, c2: int, text: str) -> types.TextDocumentContentChangePartial:
    return types.TextDocumentContentChangePartial(
        range=types.Range(types.Position(l1, c1), types.Position(l2, c2)), text=text
    )


async def _logged(client: LanguageClient, needle: str) -> None:
    for _ in range(200):
        if any(needle in m.message for m in client.log_messages):
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"no log message with {needle!r}: {[m.message for m in client.log_messages]}")


@pytest.mark.asyncio
async def test_misused_document_sync(client: LanguageClient) -> None:
    # A change to a document that was never opened: a partial one is dropped (and logged),
    # a whole-text one opens it.
    ghost = "untitled:ghost.wat"
    _change(client, ghost, 4, _partial(0, 0, 0, 0, "(module"))
    await _logged(client, "not open: ignored")
    _change(
        client, ghost, 5, types.TextDocumentContentChangeWholeDocument(text="(module (func (i32.const 1)))")
    )
    assert [d["code"] for d in await _published(client, ghost, 5)] == ["stack-height"]

    uri = "untitled:misuse.wat"
    text = "(module\n  (func $f (result i32)\n    (i32.const 1)))\n"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wat", 10, text))
    )
    assert await _published(client, uri, 10) == []
    # The version goes backwards: the edit still counts, and is published with that version.
    _change(client, uri, 3, _partial(2, 17, 2, 17, " (drop (i32.const 2))"))
    text = text.replace("(i32.const 1)", "(i32.const 1) (drop (i32.const 2))")
    assert await _published(client, uri, 3) == _check(text, uri) == []
    await _logged(client, "version 3 after version 10")
    # A range past the end: clamped to the end of the text (and logged).
    _change(client, uri, 4, _partial(40, 0, 50, 3, "(oops"))
    text += "(oops"
    diags = await _published(client, uri, 4)
    assert diags == _check(text, uri) and [d["code"] for d in diags] == ["syntax"]
    await _logged(client, "clamped")
    # Columns past a line's end are clamped silently (LSP says so); a reversed range is an
    # insertion at its start.
    _change(client, uri, 5, _partial(0, 500, 0, 900, " ;; c"), _partial(2, 4, 1, 0, "(nop) "))
    text = text.replace("(module\n", "(module ;; c\n").replace("    (i32.const 1)", "    (nop) (i32.const 1)")
    assert await _published(client, uri, 5) == _check(text, uri)
    # Many changes in one notification, overlapping each other's text: applied in order.
    _change(
        client,
        uri,
        6,
        _partial(0, 0, 0, 7, "(module $m"),
        _partial(0, 0, 0, 10, "(module"),
        types.TextDocumentContentChangeWholeDocument(text=text),
        _partial(1, 2, 1, 2, "🙂"),
        _partial(1, 2, 1, 4, ""),
    )
    assert await _published(client, uri, 6) == _check(text, uri)
    # And the document is what the client thinks it is.
    result = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(types.TextDocumentIdentifier(uri))
    )
    assert result is not None and [s.name for s in result] == ["$f"]
