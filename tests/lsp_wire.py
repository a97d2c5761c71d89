"""LSP's base protocol on a byte stream, for tests and benchmarks that speak to the server
as a raw subprocess (pytest-lsp hides framing, and some checks need the bytes)."""

from __future__ import annotations

import json
import sys
from typing import IO, Any

SERVER_COMMAND = [sys.executable, "-m", "wat_lsp", "--stdio"]


def frame(body: bytes) -> bytes:
    """`body` (a JSON text, or not: tests send bad bodies too) with its header."""
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_message(out: IO[bytes]) -> dict[str, Any] | None:
    """The next message on `out`, or None once the stream ends (or a header lacks its length)."""
    length = None
    line = out.readline()
    while line.strip():
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
        line = out.readline()
    if not line or length is None:
        return None
    message: dict[str, Any] = json.loads(out.read(length))
    return message
