"""JSON-RPC over stdio: the base protocol's framing, a writer thread, and the rules of JSON-RPC
2.0 and LSP that pygls leaves open.

pygls' own stdio loop (`pygls.io_`) is not used: it takes exactly `Content-Length: N\\r\\n`,
reads whatever length it is told (a wrong one loses every later message, an absurd one waits or
dies), writes to stdout on the event loop (a client that reads slowly stalls everything) and
answers a body that is not a JSON-RPC 2.0 message with nothing or with tracebacks. Here:

- `Framer` cuts the byte stream into bodies. Header names are case-insensitive, white space
  around the colon is optional, other headers (`Content-Type`) are ignored. A `Content-Length`
  above `MAX_CONTENT_LENGTH` or that is not a number, a header block without one, or text that
  is not a header is reported in one line and skipped up to the next `Content-Length` header.
  A body whose declared length runs into the next header (`content-length: N` and a line
  break cannot occur in JSON text: outside strings it is no token, inside them a raw line
  break is not allowed) ends there: the length was too long.
- `QueuedWriter` writes stdout from a thread of its own, in the order messages were sent.
- `WatProtocol.receive` answers what is not a JSON-RPC 2.0 request with the codes JSON-RPC
  gives (-32700 a body that is not JSON in UTF-8, -32600 anything else that is no request,
  with id null when the id is missing or not a string or integer; a batch, which LSP never
  sends, is one -32600 with id null), and reports a malformed notification in one line.
  Requests before `initialize` get -32002, notifications then are dropped (`exit` aside), a
  second `initialize` gets -32600, requests after `shutdown` too. Unknown notifications are
  ignored; unknown requests get -32601.
- Positions beyond LSP's `uinteger` are taken as the largest one, so that every request
  clamps any position past a line's or the document's end the same way (`LineIndex.offset`).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import queue
import re
import select
import sys
import threading
from collections.abc import Generator, Iterator
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, BinaryIO

from cattrs import transform_error
from cattrs.errors import BaseValidationError
from lsprotocol import types
from lsprotocol.types import ResponseErrorMessage
from lsprotocol.validators import UINTEGER_MAX_VALUE
from pygls.exceptions import (
    FeatureRequestError,
    JsonRpcException,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
    JsonRpcParseError,
    JsonRpcServerNotInitialized,
)
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.protocol.json_rpc import JsonRPCNotification, JsonRPCRequestMessage, JsonRPCResponseMessage
from wat_lsp.server.diagnostics import RawResult

if TYPE_CHECKING:
    from pygls.server import JsonRPCServer

# A message longer than this is refused (and skipped): the largest module a client would send
# is well below it, and reading more would only exhaust memory.
MAX_CONTENT_LENGTH = 1 << 30
# Text with no line break for this long cannot be a header line: it is skipped.
MAX_HEADER_LINE = 1 << 16
READ_CHUNK = 1 << 20
EXIT_DRAIN_SECONDS = 10.0  # `exit` waits this long at most for a client that does not read

_TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"  # an HTTP header name
_HEADER_LINE = re.compile(rb"[ \t]*(" + _TOKEN + rb")[ \t]*:[ \t]*(.*?)[ \t]*\r?\n", re.S)
_LENGTH_NAME = re.compile(rb"content-length[ \t]*:", re.I)
_LENGTH_HEADER = re.compile(rb"content-length[ \t]*:[ \t]*[0-9]+[ \t]*\r?\n", re.I)
_BACK = 64  # how far a scan resumes before where the last one stopped (a header cut by a read)


def _preview(data: bytes | bytearray) -> str:
    return repr(bytes(data[:48])) + ("…" if len(data) > 48 else "")


class Framer:
    """The base protocol's framing over a byte stream, as a state machine: `feed` bytes, then
    `items` gives complete bodies (`bytes`) and one-line notes on what was wrong (`str`), in
    stream order."""

    def __init__(self, limit: int = MAX_CONTENT_LENGTH) -> None:
        self._buf = bytearray()
        self._limit = limit
        self._length: int | None = None  # the current header block's Content-Length
        self._headers = False  # a header line was read in the current block
        self._in_body = False
        self._scanned = 0  # body bytes already searched for a header
        self._skipping = False
        self._skipped = 0

    def feed(self, data: bytes) -> None:
        self._buf += data

    def _resync(self, note: str) -> str:
        self._skipping, self._length, self._headers, self._in_body = True, None, False, False
        return note

    def items(self) -> Iterator[bytes | str]:
        buf = self._buf
        while buf or self._in_body:  # (an empty body needs no bytes)
            if self._skipping:
                found = _LENGTH_NAME.search(buf)
                if found is None:
                    keep = min(len(buf), _BACK)  # the start of a name cut by a read
                    self._skipped += len(buf) - keep
                    del buf[: len(buf) - keep]
                    return
                self._skipped += found.start()
                if self._skipped:
                    yield f"skipped {self._skipped} bytes up to the next Content-Length header"
                del buf[: found.start()]
                self._skipping, self._skipped = False, 0
            elif self._in_body:
                body = self._body()
                if body is None:
                    return
                yield from body
            else:
                yield from self._header()
                if not self._in_body and not self._skipping and (b"\n" not in buf):
                    return

    def _body(self) -> list[bytes | str] | None:
        buf, length = self._buf, self._length
        assert length is not None
        # a header that starts inside the body; it may end a little after it
        start, stop = max(0, self._scanned - _BACK), min(len(buf), length + _BACK)
        found = _LENGTH_HEADER.search(buf, start, stop) if buf.find(b"\n", start, stop) >= 0 else None
        self._scanned = stop
        if found is not None and found.start() < length:
            cut = found.start()
            body = bytes(buf[:cut])
            del buf[:cut]
            self._reset()
            note = f"Content-Length {length}, but the next header follows after {cut} bytes: the message ends there"
            return [note, body]
        if len(buf) < length:
            return None
        with memoryview(buf) as view:  # one copy, not two
            body = bytes(view[:length])
        del buf[:length]
        self._reset()
        return [body]

    def _reset(self) -> None:
        self._length, self._headers, self._in_body, self._scanned = None, False, False, 0

    def _header(self) -> Iterator[str]:
        """One header line (or a note on what is not one)."""
        buf = self._buf
        end = buf.find(b"\n")
        name = _LENGTH_NAME.search(buf, 0, end + 1 if end >= 0 else len(buf))
        if name is not None and buf[: name.start()].strip(b" \t"):
            # the rest of a body (its length was too short) or a body without a header
            yield f"skipped {name.start()} bytes that are not a header: {_preview(buf[: name.start()])}"
            del buf[: name.start()]
            self._length, self._headers = None, False
            return
        if end < 0:
            if len(buf) > MAX_HEADER_LINE:
                yield self._resync(f"no header line in {len(buf)} bytes: {_preview(buf)}")
            return
        line = bytes(buf[: end + 1])
        del buf[: end + 1]
        if not line.strip():
            if self._length is not None:
                self._in_body, self._scanned = True, 0
            elif self._headers:
                yield self._resync("a header block without Content-Length")
            return  # else a stray line break between messages
        header = _HEADER_LINE.fullmatch(line)
        if header is None:
            self._skipped += len(line)
            yield self._resync(f"not a header: {_preview(line)}")
            return
        self._headers = True
        if header.group(1).lower() != b"content-length":
            return  # Content-Type (only UTF-8 JSON is spoken) or anything else
        value = header.group(2)
        if not value.isdigit():
            yield self._resync(f"Content-Length is not a number: {_preview(value)}")
        elif len(value) > 18 or int(value) > self._limit:
            yield self._resync(f"Content-Length {value.decode()} exceeds the limit of {self._limit} bytes")
        else:
            self._length = int(value)


class QueuedWriter:
    """stdout written by a thread of its own: the event loop only queues messages, so a client
    that reads slowly delays its own reading and nothing else. Order is kept."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._queue: queue.SimpleQueue[bytes | threading.Event | None] = queue.SimpleQueue()
        self._broken = False
        threading.Thread(target=self._run, name="wat-lsp-stdout", daemon=True).start()

    def write(self, data: bytes) -> None:
        if not self._broken:
            self._queue.put(data)

    def drain(self, timeout: float) -> bool:
        """Wait until every message queued so far is written (or the client is gone)."""
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    def close(self) -> None:
        self.drain(EXIT_DRAIN_SECONDS)
        self._queue.put(None)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            marks: list[threading.Event] = []
            while True:  # everything queued meanwhile, then one flush
                if item is None:
                    with contextlib.suppress(OSError, ValueError):
                        self._out.close()
                    return
                if isinstance(item, threading.Event):
                    marks.append(item)
                elif not self._broken:
                    try:
                        self._out.write(item)
                    except (OSError, ValueError):  # the client is gone: nothing left to tell
                        self._broken = True
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if not self._broken:
                try:
                    self._out.flush()
                except (OSError, ValueError):
                    self._broken = True
            for mark in marks:
                mark.set()


class _Stderr:
    def write(self, data: bytes) -> None:
        with contextlib.suppress(Exception):
            sys.stderr.buffer.write(data)
            sys.stderr.flush()


def _is_id(value: Any) -> bool:
    return type(value) in (int, str)  # not bool, float, null, object or array


def _clamp_positions(params: Any) -> None:
    """Positions (`{"line", "character"}`) beyond LSP's `uinteger` become its largest value,
    which every request clamps to the end of the line or document; without a walk over the
    nesting (no recursion: params may be deep)."""
    stack = [params]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if len(value) == 2 and "line" in value and "character" in value:
                for key in ("line", "character"):
                    if type(value[key]) is int and value[key] > UINTEGER_MAX_VALUE:
                        value[key] = UINTEGER_MAX_VALUE
            else:
                stack.extend(v for v in value.values() if isinstance(v, dict | list))
        elif isinstance(value, list):
            stack.extend(v for v in value if isinstance(v, dict | list))


class WatProtocol(LanguageServerProtocol):
    """pygls' protocol, minus its copy of every document as `str` (see `documents.py`), with
    JSON-RPC's and LSP's rules on which messages are answered how (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pending_writes: set[asyncio.Future[Any]] = set()  # writes of an async transport under way
        self._initialized = False  # `initialize` was received
        self.stderr: QueuedWriter | _Stderr = _Stderr()  # where `note` writes (a thread of its own on stdio)

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(
        self, params: types.DidOpenTextDocumentParams
    ) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(
        self, params: types.DidChangeTextDocumentParams
    ) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(
        self, params: types.DidCloseTextDocumentParams
    ) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.EXIT)
    def lsp_exit(self, *args: Any) -> Generator[Any, Any, None]:
        """As pygls, once every answer queued so far is written (the handler may leave at once)."""
        if isinstance(self.writer, QueuedWriter):
            self.writer.drain(EXIT_DRAIN_SECONDS)
        yield from super().lsp_exit(*args)

    def note(self, text: str) -> None:
        """A problem with what the client sent, in one line: on stderr, and in the client's log
        once it is initialized (LSP allows no notification before)."""
        line = " ".join(text.split())
        self.stderr.write(f"wat-lsp: {line}\n".encode(errors="replace"))
        if self._initialized and not self._shutdown:
            with contextlib.suppress(Exception):
                self.notify(
                    types.WINDOW_LOG_MESSAGE,
                    types.LogMessageParams(type=types.MessageType.Warning, message=f"wat-lsp: {line}"),
                )

    def reply_error(self, msg_id: int | str | None, error: JsonRpcException) -> None:
        """An error response; with `"id": null` when `msg_id` is None (lsprotocol would drop it)."""
        body = {
            "jsonrpc": self.VERSION,
            "id": msg_id,
            "error": {"code": error.code, "message": error.message},
        }
        self.write_json(json.dumps(body))

    def receive(self, body: bytes) -> None:
        """One message body from the transport."""
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as e:  # not UTF-8, not JSON, or nested too deeply
            self._not_json(body, e)
            return
        if isinstance(data, list):
            self.note(f"a batch of {len(data)} messages: LSP sends none, refused")
            self.reply_error(None, JsonRpcInvalidRequest("Invalid Request: batches are not supported"))
            return
        if not isinstance(data, dict):
            self.note(f"a message that is not a JSON object: {_preview(body)}")
            self.reply_error(None, JsonRpcInvalidRequest("Invalid Request: not a JSON object"))
            return
        message = self._structure(data)
        if message is not None:
            self.handle_message(message)

    def _not_json(self, body: bytes, error: Exception) -> None:
        msg_id = None
        if isinstance(error, UnicodeDecodeError):  # maybe JSON all the same: answer its id
            with contextlib.suppress(ValueError, RecursionError):
                data = json.loads(body.decode("utf-8", "replace"))
                if isinstance(data, dict) and "method" in data and _is_id(data.get("id")):
                    msg_id = data["id"]
                elif isinstance(data, dict):
                    self.note(f"a message that is not UTF-8, ignored: {_preview(body)}")
                    return
        why = "not UTF-8" if isinstance(error, UnicodeDecodeError) else str(error).splitlines()[0]
        self.note(f"a body that is not JSON ({why}): {_preview(body)}")
        self.reply_error(msg_id, JsonRpcParseError(f"Parse error: {why}"))

    def _structure(self, data: dict[str, Any]) -> Any | None:
        """The lsprotocol message `data` is, or None when it was answered or reported."""
        msg_id, method = data.get("id"), data.get("method")
        good_id = _is_id(msg_id)
        if "method" in data:
            kind = "request" if "id" in data else "notification"
        elif good_id and ("result" in data or "error" in data):
            kind = "response"
        else:
            kind = "invalid"
        problem = None
        if data.get("jsonrpc") != self.VERSION:
            problem = f"not JSON-RPC {self.VERSION}"
        elif kind == "invalid":
            problem = "neither a request, a notification nor a response"
        elif not isinstance(method, str) and kind != "response":
            problem = "its method is not a string"
        elif kind == "request" and not good_id:
            problem = "its id is neither a string nor an integer"
        if problem is not None:
            what = f"{method}: " if isinstance(method, str) else ""
            self.note(f"an invalid message ({what}{problem}): {_preview(json.dumps(data).encode())}")
            if kind != "notification" and kind != "response":
                self.reply_error(
                    msg_id if good_id else None, JsonRpcInvalidRequest(f"Invalid Request: {what}{problem}")
                )
            return None
        try:
            if kind == "response":
                if "error" in data:
                    return self._converter.structure(data, ResponseErrorMessage)
                result_type = self._result_types.pop(data["id"], None) or JsonRPCResponseMessage
                return self._converter.structure(data, result_type)
            if "params" in data:
                _clamp_positions(data["params"])
            if (message_type := self.get_message_type(method)) is None:  # a method lsprotocol does not know
                message_type = JsonRPCRequestMessage if kind == "request" else JsonRPCNotification
                data = {**data, "params": data.get("params")}  # optional in JSON-RPC
            return self._converter.structure(data, message_type)
        except Exception as e:  # the params (or result) do not have the shape the method says
            problems = (
                transform_error(e) if isinstance(e, BaseValidationError) else [f"{type(e).__name__}: {e}"]
            )
            detail = " ".join("; ".join(problems).split())[:300]
            self.note(f"{method or 'a response'}: Invalid Params ({detail})")
            if kind == "request":
                self.reply_error(msg_id, JsonRpcInvalidParams("Invalid Params"))
            return None

    def _send_handler_result(self, future: Future[Any], *, msg_id: Any) -> None:
        """As pygls, but a JSON-RPC error a handler raised is its answer, not a crash: no
        traceback on stderr."""
        if future.cancelled() or not isinstance(error := future.exception(), JsonRpcException):
            super()._send_handler_result(future, msg_id=msg_id)
            return
        self._request_futures.pop(msg_id, None)
        self._send_response(msg_id, error=error.to_response_error())
        self._server._report_server_error(error, FeatureRequestError)

    def _send_response(self, msg_id: Any, result: Any | None = None, error: Any | None = None) -> None:
        """As pygls, but a result that is JSON text already (`RawResult`) is sent as it is."""
        if error is not None or not isinstance(result, RawResult):
            super()._send_response(msg_id, result, error)
            return
        self._result_types.pop(msg_id, None)
        self.write_json(f'{{"jsonrpc": "2.0", "id": {json.dumps(msg_id)}, "result": {result.text}}}')

    def write_json(self, body: str) -> None:
        """One message from its JSON text, framed and written as pygls writes its own."""
        data = body.encode()
        if self.writer is None:
            return
        with contextlib.suppress(Exception):  # the client is gone: nothing left to tell
            written = self.writer.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
            if inspect.isawaitable(written):
                self._pending_writes.add(task := asyncio.ensure_future(written))
                task.add_done_callback(self._pending_writes.discard)

    def handle_message(self, message: Any) -> None:
        """As pygls, with LSP's rules on order: nothing but `initialize` (and `exit`) before
        `initialize`, once; nothing but `exit` after `shutdown`; requests that pygls would drop
        answered with an error, so that the client does not wait forever."""
        method, msg_id = getattr(message, "method", None), getattr(message, "id", None)
        request = isinstance(msg_id, str | int) and method is not None
        if method is None or method == types.EXIT:
            super().handle_message(message)
            return
        if not self._initialized and method != types.INITIALIZE:
            if request:
                self.reply_error(
                    msg_id, JsonRpcServerNotInitialized(f"{method}: the server is not initialized")
                )
            else:
                self.note(f"{method} before initialize: dropped")
            return
        if method == types.INITIALIZE and self._initialized:
            if request:
                self.reply_error(
                    msg_id, JsonRpcInvalidRequest("initialize: the server is already initialized")
                )
            return
        if self._shutdown:
            if request:
                self.reply_error(msg_id, JsonRpcInvalidRequest(f"{method}: the server is shutting down"))
            return
        if not request and method != types.CANCEL_REQUEST and not self._knows(method):
            return  # an unknown notification (`$/` ones included): ignored, as LSP says
        if method == types.INITIALIZE:
            self._initialized = True
        super().handle_message(message)

    def _knows(self, method: str) -> bool:
        return method in self.fm.builtin_features or method in self.fm.features


async def _serve(server: JsonRPCServer, stdin: BinaryIO) -> None:
    """Read and dispatch messages until stdin ends. The reads run in a thread of their own,
    at most a few chunks ahead of the event loop."""
    loop = asyncio.get_running_loop()
    chunks: asyncio.Queue[bytes] = asyncio.Queue()
    room = threading.Semaphore(4)
    read = getattr(stdin, "read1", stdin.read)
    try:
        fd: int | None = stdin.fileno()
    except (OSError, ValueError, AttributeError):
        fd = None

    def more() -> bytes:
        """What is there (at least a byte, unless stdin ended): after a read, what else can be
        read at once is read too, up to `READ_CHUNK` (a pipe holds 64 KiB: a 60 MB message
        would be a thousand hops to the event loop)."""
        parts = [read(READ_CHUNK)]
        size = len(parts[0])
        while fd is not None and parts[-1] and size < READ_CHUNK and select.select([fd], [], [], 0)[0]:
            parts.append(read(READ_CHUNK - size))
            size += len(parts[-1])
        return b"".join(parts) if parts[-1] else b"".join(parts[:-1]) or b""

    def reader() -> None:
        while True:
            room.acquire()
            try:
                chunk = more()
            except (OSError, ValueError):
                chunk = b""
            try:
                loop.call_soon_threadsafe(chunks.put_nowait, chunk)
            except RuntimeError:  # the loop is closed
                return
            if not chunk:
                return

    threading.Thread(target=reader, name="wat-lsp-stdin", daemon=True).start()
    protocol = server.protocol
    assert isinstance(protocol, WatProtocol)
    framer = Framer()
    stop = server._stop_event
    while stop is None or not stop.is_set():
        chunk = await chunks.get()
        room.release()
        if not chunk:
            return
        framer.feed(chunk)
        for item in framer.items():
            if isinstance(item, str):
                protocol.note(item)
                continue
            try:
                protocol.receive(item)
            except Exception as e:  # a bug of ours: reported, and the next message is read
                server._report_server_error(e, JsonRpcException)
            await asyncio.sleep(0)  # let handlers started by this message run, as pygls does


def serve_stdio(server: JsonRPCServer, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
    """Serve on stdin/stdout until `exit` or until stdin ends (instead of pygls' `start_io`)."""
    server._stop_event = threading.Event()
    writer = QueuedWriter(stdout or sys.stdout.buffer)
    server.protocol.set_writer(writer)
    if isinstance(server.protocol, WatProtocol):  # a client that does not read stderr stalls nothing either
        server.protocol.stderr = QueuedWriter(sys.stderr.buffer)
    try:
        asyncio.run(_serve(server, stdin or sys.stdin.buffer))
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        writer.drain(EXIT_DRAIN_SECONDS)
        server.shutdown()  # type: ignore[no-untyped-call]
