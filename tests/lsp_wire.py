"""LSP's base protocol on a byte stream, for tests and benchmarks that speak to the server
as a raw subprocess (pytest-lsp hides framing, and some checks need the bytes)."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from typing import IO, Any

SERVER_COMMAND = [sys.executable, "-m", "wat_lsp", "--stdio"]


def frame(body: bytes) -> bytes:
    """`body` (a JSON text, or not: tests send bad bodies too) with its header."""
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_body(out: IO[bytes]) -> bytes | None:
    """The next message's body on `out`, or None once the stream ends (or a header lacks its
    length)."""
    length = None
    line = out.readline()
    while line.strip():
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
        line = out.readline()
    if not line or length is None:
        return None
    return out.read(length)


def read_message(out: IO[bytes]) -> dict[str, Any] | None:
    """The next message on `out`, or None once the stream ends (or a header lacks its length)."""
    body = read_body(out)
    if body is None:
        return None
    message: dict[str, Any] = json.loads(body)
    return message


def start_reader(out: IO[bytes] | None, put: Callable[[dict[str, Any] | None], object]) -> None:
    """A daemon thread that hands every message read from `out` to `put`, then None."""

    def run() -> None:
        assert out is not None
        while True:
            message = read_message(out)
            put(message)
            if message is None:
                return

    threading.Thread(target=run, daemon=True).start()
