"""Protocol conformance: the base protocol's framing, JSON-RPC 2.0's error codes and LSP's rules
on message order, checked on the real server process over its stdio with raw bytes."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import IO, Any

import pytest

from tests.lsp_wire import SERVER_COMMAND, frame, read_message
from tests.server.test_server_robustness import BIG

PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32600, -32601, -32602
NOT_INITIALIZED = -32002
INIT_PARAMS: dict[str, Any] = {"processId": None, "rootUri": None, "capabilities": {}}
URI = "untitled:p.wat"
TEXT = (
    "(module\n"
    "  (func $f (param $p i32) (result i32) (local $l i32)\n"
    "    local.get $p\n"
    "    local.set $l\n"
    "    local.get $l\n"
    "    call $f)\n"
    '  (func $g (result i32) (call $f (i32.const 1))) (export "g" (func $g)))'
)


def body(method: str, params: Any = None, id: Any = None, **extra: Any) -> bytes:
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, **extra}
    if params is not None:
        message["params"] = params
    if id is not None:
        message["id"] = id
    return json.dumps(message).encode()


def symbols(id: Any, uri: str = URI) -> bytes:
    return body("textDocument/documentSymbol", {"textDocument": {"uri": uri}}, id=id)


class Server:
    """The server as a subprocess: bytes in; messages out (read by a thread unless `manual`),
    stderr kept."""

    def __init__(self, manual: bool = False) -> None:
        self.proc = subprocess.Popen(
            SERVER_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.stderr: list[str] = []
        threading.Thread(target=self._errors, daemon=True).start()
        if not manual:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        while True:
            message = read_message(self.proc.stdout)
            self.messages.put(message)
            if message is None:
                return

    def _errors(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line.decode(errors="replace"))

    def stderr_has(self, *needles: str, timeout: float = 10) -> bool:
        """Whether a line of stderr holds one of `needles`, waiting for it a while: stderr is
        read by its own thread, so a line written before an answer may be read after it."""
        deadline = time.monotonic() + timeout
        while True:
            if any(n in line for line in self.stderr for n in needles):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)

    def raw(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, data: bytes) -> None:
        self.raw(frame(data))

    def next(self, timeout: float = 30) -> dict[str, Any]:
        message = self.messages.get(timeout=timeout)
        assert message is not None, "the server closed its output"
        self.seen.append(message)
        return message

    def answer(self, id: Any, timeout: float = 30) -> dict[str, Any]:
        """The response with this id (None: `"id": null`); what came before stays in `seen`."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.next(max(0.1, deadline - time.monotonic()))
            if "method" not in message and "id" in message and message["id"] == id:
                return message

    def until(self, id: Any) -> list[dict[str, Any]]:
        """Every message up to and with the response to `id`."""
        start = len(self.seen)
        self.answer(id)
        return self.seen[start:]

    def initialize(self) -> None:
        self.send(body("initialize", INIT_PARAMS, id="init"))
        assert "capabilities" in self.answer("init")["result"]
        self.send(body("initialized", {}))

    def open(self, uri: str = URI, text: str = TEXT) -> None:
        self.send(
            body(
                "textDocument/didOpen",
                {"textDocument": {"uri": uri, "languageId": "wat", "version": 1, "text": text}},
            )
        )
        while True:
            message = self.next()
            if message.get("method") == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri:
                return

    def logs(self) -> list[dict[str, Any]]:
        return [m["params"] for m in self.seen if m.get("method") == "window/logMessage"]

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def error(message: dict[str, Any]) -> int:
    assert "result" not in message, message
    code: int = message["error"]["code"]
    return code


def assert_quiet(server: Server) -> None:
    """Nothing the client sent was taken for an internal error, and nothing was shown."""
    assert not any(m.get("method") == "window/showMessage" for m in server.seen)
    for text in [p["message"] for p in server.logs()] + server.stderr:
        assert "Traceback" not in text and "internal error" not in text, text
    for params in server.logs():
        assert "\n" not in params["message"].rstrip("\n")


# -- LSP's order: initialize first, once; nothing after shutdown ----------------------------------


def test_requests_and_notifications_before_initialize() -> None:
    with Server() as server:
        server.send(
            body(
                "textDocument/hover",
                {"textDocument": {"uri": URI}, "position": {"line": 2, "character": 15}},
                id=1,
            )
        )
        assert error(server.answer(1)) == NOT_INITIALIZED
        server.send(body("shutdown", id=2))
        assert error(server.answer(2)) == NOT_INITIALIZED
        # dropped: no diagnostics for it, no internal error, and the document is not open later
        server.send(
            body(
                "textDocument/didOpen",
                {"textDocument": {"uri": URI, "languageId": "wat", "version": 1, "text": TEXT}},
            )
        )
        server.send(body("$/cancelRequest", {"id": 1}))
        server.initialize()
        server.send(symbols(3))
        assert server.answer(3)["result"] == []
        assert not any(m.get("method") == "textDocument/publishDiagnostics" for m in server.seen)
        assert_quiet(server)


def test_exit_before_initialize() -> None:
    with Server() as server:
        server.send(body("exit"))
        assert server.proc.wait(timeout=30) == 1


def test_second_initialize() -> None:
    with Server() as server:
        server.initialize()
        server.send(body("initialize", INIT_PARAMS, id=1))
        answer = server.answer(1)
        assert error(answer) == INVALID_REQUEST and "already initialized" in answer["error"]["message"]
        server.open()
        server.send(symbols(2))
        assert [s["name"] for s in server.answer(2)["result"]] == ["$f", "$g"]


def test_requests_after_shutdown() -> None:
    with Server() as server:
        server.initialize()
        server.send(body("shutdown", id=1))
        assert server.answer(1)["result"] is None
        server.send(symbols(2))
        assert error(server.answer(2)) == INVALID_REQUEST
        server.send(body("exit"))
        assert server.proc.wait(timeout=30) == 0


# -- Headers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        b"content-length: %d\r\n\r\n",
        b"CONTENT-LENGTH:%d\r\n\r\n",
        b"Content-Length:  %d \r\n\r\n",
        b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: %d\r\n\r\n",
        b"Content-Length: %d\r\ncontent-type: application/json\r\n\r\n",
    ],
)
def test_header_names_are_case_insensitive_and_content_type_ignored(header: bytes) -> None:
    with Server() as server:
        server.initialize()
        server.open()
        data = symbols("s")
        server.raw(header % len(data) + data)
        assert [s["name"] for s in server.answer("s")["result"]] == ["$f", "$g"]


@pytest.mark.parametrize("length", [99999999999999, 2 << 30, 10**40])
def test_absurd_content_length_is_refused(length: int) -> None:
    with Server() as server:
        server.initialize()
        server.open()
        server.raw(b"Content-Length: %d\r\n\r\n" % length + symbols("lost"))
        server.send(symbols("next"))
        assert len(server.answer("next")["result"]) == 2
        assert server.stderr_has("exceeds the limit"), server.stderr
        assert not any(m.get("id") == "lost" for m in server.seen)
        assert server.proc.poll() is None
        assert_quiet(server)


# -- Framing errors: skipped, logged, and the next message is answered ---------------------------


def _framing_cases() -> dict[str, bytes]:
    data = symbols("bad")
    return {
        "length too short": b"Content-Length: %d\r\n\r\n" % (len(data) - 7) + data,
        "length too long": b"Content-Length: %d\r\n\r\n" % (len(data) + 300) + data,
        "length a little too long": b"Content-Length: %d\r\n\r\n" % (len(data) + 5) + data,
        "no header": data,
        "no Content-Length": b"Content-Type: application/json\r\n\r\n" + data,
        "garbage header": b"Hello there\r\n\r\n" + data,
        "length not a number": b"Content-Length: twelve\r\n\r\n" + data,
        "no blank line": b"Content-Length: %d\r\n" % len(data) + data,
        "binary garbage": bytes(range(256)) * 40,
        "empty body": b"Content-Length: 0\r\n\r\n",
    }


@pytest.mark.parametrize("case", list(_framing_cases()))
def test_framing_errors_resynchronise(case: str) -> None:
    with Server() as server:
        server.initialize()
        server.open()
        server.send(symbols(1))
        server.answer(1)
        server.raw(_framing_cases()[case])
        for n in range(2, 5):  # the next messages are answered, and the ones after them
            server.send(symbols(n))
            assert [s["name"] for s in server.answer(n)["result"]] == ["$f", "$g"]
        assert server.proc.poll() is None
        assert_quiet(server)
        if case == "length too long":  # the message itself was whole: answered too
            assert any(m.get("id") == "bad" and "result" in m for m in server.seen)
        if case not in ("length too long", "length a little too long", "empty body", "no blank line"):
            assert server.stderr_has("skipped", "header"), server.stderr


_SESSION: list[Server] = []


def _session() -> Server:
    """One initialized server for the tests of single messages (that it answers each and
    goes on is part of what they check)."""
    if not _SESSION or _SESSION[0].proc.poll() is not None:
        _SESSION[:] = [Server()]
        _SESSION[0].initialize()
        _SESSION[0].open()
    return _SESSION[0]


@pytest.fixture(scope="module", autouse=True)
def _end_session() -> Iterator[None]:
    yield
    for server in _SESSION:
        server.__exit__()


# -- JSON-RPC's error codes --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "id", "code"),
    [
        (
            b'{"id": 1, "method": "textDocument/documentSymbol", "params": {"textDocument": {"uri": "x"}}}',
            1,
            INVALID_REQUEST,
        ),
        (b'{"jsonrpc": "1.0", "id": 1, "method": "shutdown"}', 1, INVALID_REQUEST),
        (b'{"jsonrpc": 2, "id": "a", "method": "shutdown"}', "a", INVALID_REQUEST),
        (b'{"jsonrpc": "2.0", "id": {"a": 1}, "method": "shutdown"}', None, INVALID_REQUEST),
        (b'{"jsonrpc": "2.0", "id": [1], "method": "shutdown"}', None, INVALID_REQUEST),
        (b'{"jsonrpc": "2.0", "id": 1.5, "method": "shutdown"}', None, INVALID_REQUEST),
        (b'{"jsonrpc": "2.0", "id": true, "method": "shutdown"}', None, INVALID_REQUEST),
        (b'{"jsonrpc": "2.0", "id": null, "method": "shutdown"}', None, INVALID_REQUEST),
        (b'{"jsonrpc": "2.0", "id": 1, "method": 7}', 1, INVALID_REQUEST),
        (b'{"jsonrpc": "2.0", "id": 1}', 1, INVALID_REQUEST),
        (b'{"jsonrpc": "2.0"}', None, INVALID_REQUEST),
        (b'[{"jsonrpc": "2.0", "id": 1, "method": "shutdown"}]', None, INVALID_REQUEST),  # a batch: one error
        (b"[]", None, INVALID_REQUEST),
        (b"42", None, INVALID_REQUEST),
        (b'"text"', None, INVALID_REQUEST),
        (b'{"jsonrpc": "2.0", "id": 1, "method": "shutdown"', None, PARSE_ERROR),
        (b"{{{{ not JSON", None, PARSE_ERROR),
        (b"", None, PARSE_ERROR),
        (b"[" * 100_000, None, PARSE_ERROR),
        (
            b'{"jsonrpc": "2.0", "id": 5, "method": "textDocument/hover", "params": {"textDocument": {"uri": "\xff\xfe"},'
            b' "position": {"line": 0, "character": 0}}}',
            5,
            PARSE_ERROR,
        ),  # not UTF-8, its id still readable
        (b'\xff{"jsonrpc": "2.0", "id": 5, "method": "shutdown"}', None, PARSE_ERROR),
        (b'{"jsonrpc": "2.0", "id": 3, "method": "wat/unknown"}', 3, METHOD_NOT_FOUND),
        (b'{"jsonrpc": "2.0", "id": 3, "method": "$/unknown"}', 3, METHOD_NOT_FOUND),
        (
            b'{"jsonrpc": "2.0", "id": 4, "method": "textDocument/hover", "params": {"textDocument": {"uri": 3}}}',
            4,
            INVALID_PARAMS,
        ),
        (
            b'{"jsonrpc": "2.0", "id": 4, "method": "textDocument/hover", "params": {"textDocument": {"uri": "u"},'
            b' "position": {"line": -1, "character": 0}}}',
            4,
            INVALID_PARAMS,
        ),
    ],
)
def test_error_codes(data: bytes, id: Any, code: int) -> None:
    server = _session()
    server.send(data)
    answer = server.answer(id)
    assert error(answer) == code and isinstance(answer["error"]["message"], str)
    server.send(symbols("probe"))  # the server goes on: exactly one answer each
    seen = server.until("probe")
    assert not any("method" not in m for m in seen[:-1]), seen
    assert_quiet(server)


@pytest.mark.parametrize(
    "data",
    [
        b'{"jsonrpc": "2.0", "method": "wat/unknownNotification", "params": {}}',
        b'{"jsonrpc": "2.0", "method": "$/unknownNotification", "params": {"x": 1}}',
        b'{"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 12345}}',
        b'{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": 3}}}',
        b'{"jsonrpc": "2.0", "method": "textDocument/didChange", "params": [1, 2]}',
        b'{"jsonrpc": "2.0", "method": "textDocument/didClose"}',
        b'{"method": "textDocument/didOpen", "params": {}}',
        b'{"jsonrpc": "2.0", "method": 12}',
        b'{"jsonrpc": "2.0", "id": 77, "result": null}',  # a response to nothing
        b'{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "u\xff",'
        b' "languageId": "wat", "version": 1, "text": ""}}}',  # not UTF-8, no id
    ],
)
def test_notifications_are_never_answered(data: bytes) -> None:
    """Unknown ones are ignored; malformed ones are logged in one line, without a traceback
    and without a message shown to the user."""
    server = _session()
    start = len(server.seen)
    server.send(data)
    server.send(symbols("probe"))
    seen = server.until("probe")
    assert not any("method" not in m for m in seen[:-1]), seen
    assert_quiet(server)
    logs = [m["params"] for m in server.seen[start:] if m.get("method") == "window/logMessage"]
    if b"unknownNotification" in data or b"cancelRequest" in data:
        assert logs == [], logs  # silently
    elif b"result" not in data:
        assert len(logs) == 1 and logs[0]["type"] == 2, logs  # one warning


# -- Positions past a line's or the document's end: clamped alike by every request -------------


LINES = TEXT.split("\n")
LAST = len(LINES) - 1


def _position_requests(line: int, character: int) -> list[tuple[str, dict[str, Any]]]:
    doc = {"textDocument": {"uri": URI}}
    pos = {"line": line, "character": character}
    rng = {"start": {"line": 1, "character": 0}, "end": pos}
    return [
        ("textDocument/hover", {**doc, "position": pos}),
        ("textDocument/definition", {**doc, "position": pos}),
        ("textDocument/references", {**doc, "position": pos, "context": {"includeDeclaration": True}}),
        ("textDocument/documentHighlight", {**doc, "position": pos}),
        ("textDocument/prepareRename", {**doc, "position": pos}),
        ("textDocument/rename", {**doc, "position": pos, "newName": "$renamed"}),
        ("textDocument/completion", {**doc, "position": pos}),
        ("textDocument/signatureHelp", {**doc, "position": pos}),
        ("textDocument/selectionRange", {**doc, "positions": [pos, {"line": 0, "character": 1}]}),
        ("textDocument/semanticTokens/range", {**doc, "range": rng}),
        ("textDocument/inlayHint", {**doc, "range": rng}),
        ("textDocument/codeAction", {**doc, "range": rng, "context": {"diagnostics": []}}),
        (
            "textDocument/codeAction",
            {**doc, "range": {"start": pos, "end": pos}, "context": {"diagnostics": []}},
        ),
    ]


@pytest.mark.parametrize(
    ("line", "character", "clamped"),
    [
        (2, len(LINES[2]) + 1, (2, len(LINES[2]))),
        (4, 10**6, (4, len(LINES[4]))),
        (2, 2**31 - 1, (2, len(LINES[2]))),
        (4, 2**31, (4, len(LINES[4]))),
        (1, 2**64, (1, len(LINES[1]))),
        (LAST, 10**9, (LAST, len(LINES[LAST]))),
        (LAST + 1, 0, (LAST, len(LINES[LAST]))),
        (10**6, 3, (LAST, len(LINES[LAST]))),
        (2**31 - 1, 2**31 - 1, (LAST, len(LINES[LAST]))),
        (2**32, 2**40, (LAST, len(LINES[LAST]))),
    ],
)
def test_positions_past_the_end_are_clamped(line: int, character: int, clamped: tuple[int, int]) -> None:
    server = _session()
    if True:
        for n, ((method, params), (_, expected)) in enumerate(
            zip(_position_requests(line, character), _position_requests(*clamped), strict=True)
        ):
            server.send(body(method, params, id=f"far {n}"))
            server.send(body(method, expected, id=f"clamped {n}"))
            far, near = server.answer(f"far {n}"), server.answer(f"clamped {n}")
            if "error" in near:  # rename elsewhere than on a name: the same refusal
                assert far["error"] == near["error"] and near["error"]["code"] == -32803, (method, far)
            else:
                assert "result" in far and far["result"] == near["result"], (method, far, near)
        assert_quiet(server)


# -- Writes never block reading and answering ---------------------------------------------------


def _read_exactly(out: IO[bytes], n: int, delay: float = 0) -> bytes:
    data = b""
    while len(data) < n:
        chunk = os.read(out.fileno(), 1 if delay else n - len(data))
        assert chunk, "the server closed its output"
        data += chunk
        if delay:
            time.sleep(delay)
    return data


def test_a_client_that_reads_slowly_stalls_nothing() -> None:
    with Server(manual=True) as server:
        out = server.proc.stdout
        assert out is not None
        server.send(body("initialize", INIT_PARAMS, id="init"))
        assert read_message(out) is not None
        server.send(body("initialized", {}))
        uri = "untitled:big.wat"
        server.send(
            body(
                "textDocument/didOpen",
                {"textDocument": {"uri": uri, "languageId": "wat", "version": 1, "text": BIG}},
            )
        )
        while (m := read_message(out)) is not None and m.get("method") != "textDocument/publishDiagnostics":
            pass
        # The client stops reading; the server has megabytes of results for it...
        for n in range(6):
            server.send(symbols(f"big {n}", uri))
        hover = {"textDocument": {"uri": uri}, "position": {"line": 3, "character": 16}}
        server.send(body("textDocument/hover", hover, id="hover"))
        # ...and still reads what comes meanwhile, for seconds after those results are ready (a
        # blocked event loop would stop reading: these writes would block once the pipe is full).
        filler = body("$/wat/filler", {"data": "x" * 60_000})
        sent = threading.Event()

        def send_filler() -> None:
            with contextlib.suppress(OSError):  # the server is killed when the test fails
                deadline = time.monotonic() + 4
                while time.monotonic() < deadline:
                    server.send(filler)
                    time.sleep(0.01)
                server.send(symbols("after", uri))
                sent.set()

        threading.Thread(target=send_filler, daemon=True).start()
        assert sent.wait(60), "the server stopped reading while its output was not read"
        # Now read one byte per millisecond for a while, then the rest: every answer is there,
        # whole, and the symbols in the order asked.
        head = _read_exactly(out, 2000, delay=0.001)
        assert head.startswith(b"Content-Length: ")
        rest = head
        ids: list[Any] = []
        results: dict[Any, Any] = {}
        expected = [f"big {n}" for n in range(6)] + ["hover", "after"]
        while len(ids) < len(expected):
            if b"\r\n\r\n" not in rest:
                rest += _read_exactly(out, 1)
                continue
            header, _, rest = rest.partition(b"\r\n\r\n")
            length = int(re.search(rb"Content-Length: (\d+)", header)[1])  # type: ignore[index]
            if len(rest) < length:
                rest += _read_exactly(out, length - len(rest))
            message = json.loads(rest[:length])
            rest = rest[length:]
            if "method" not in message:
                ids.append(message["id"])
                results[message["id"]] = message.get("result")
        # (the hover may come first: it does not wait behind whole-document work)
        assert sorted(ids) == sorted(expected) and [i for i in ids if i != "hover"] == [
            *expected[:6],
            "after",
        ]
        assert all(len(results[f"big {n}"]) == 2000 for n in range(6))
        assert "local index 1" in results["hover"]["contents"]["value"]


def test_edit_ranges_past_uinteger_are_clamped() -> None:
    """A change whose range ends beyond LSP's `uinteger` is applied (to the end of the text),
    not dropped as invalid params: an edit is never lost."""
    with Server() as server:
        server.initialize()
        server.open()
        change = {
            "range": {"start": {"line": 6, "character": 2}, "end": {"line": 2**40, "character": 2**33}},
            "text": "(func $h))",
        }
        server.send(
            body(
                "textDocument/didChange",
                {"textDocument": {"uri": URI, "version": 2}, "contentChanges": [change]},
            )
        )
        while True:
            message = server.next()
            if (
                message.get("method") == "textDocument/publishDiagnostics"
                and message["params"].get("version") == 2
            ):
                assert message["params"]["diagnostics"] == []
                break
        server.send(symbols(1))
        assert [s["name"] for s in server.answer(1)["result"]] == ["$f", "$h"]
