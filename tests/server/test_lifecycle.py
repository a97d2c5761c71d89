"""The server's life over stdio: garbage text and bad requests do not kill it; it exits when
stdin closes and on `exit` (status 0 after `shutdown`, else 1)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pytest_lsp import LanguageClient

from tests.lsp_wire import SERVER_COMMAND, frame
from tests.server.stdio_client import _change, _open, _published, push_client

client = push_client()


@pytest.mark.asyncio
async def test_garbage_and_bad_requests_do_not_kill_it(client: LanguageClient) -> None:
    uri = "untitled:garbage.wat"
    # NUL, a lone surrogate (not UTF-8 at all), unbalanced parentheses and comments, bad escapes.
    garbage = '(((((\x00\U0010ffff;; \ud800 ))))))) (module (func (param $ (;) "\\u{zz}\n' * 50
    _open(client, uri, garbage)
    codes = {d["code"] for d in await _published(client, uri, 1)}
    assert {"syntax", "invalid-utf8"} <= codes
    # A change whose range lies outside the text is clamped, not fatal.
    _change(client, uri, 2, 10_000, 5, 900, "(module)", end_line=20_000)
    await _published(client, uri, 2)
    # A request the server does not know, and one with invalid parameters.
    with pytest.raises(Exception):  # noqa: B017 - any JSON-RPC error response will do
        await client.protocol.send_request_async("wat/nonexistent", {})
    # Invalid parameters: sent raw, since the client would not serialise them.
    answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    client.protocol._request_futures["bad-params"] = answer  # type: ignore[assignment]
    client.protocol._send_data(
        {
            "jsonrpc": "2.0",
            "id": "bad-params",
            "method": types.TEXT_DOCUMENT_DIAGNOSTIC,
            "params": {"bogus": 1},
        }
    )
    with pytest.raises(JsonRpcInvalidParams):
        await asyncio.wait_for(answer, 10)
    for _ in range(100):  # the log message follows the answer
        if any("Invalid Params" in m.message for m in client.log_messages):
            break
        await asyncio.sleep(0.05)
    else:
        pytest.fail(f"no logMessage about the invalid request: {client.log_messages}")
    # Still alive and answering.
    _open(client, "untitled:ok.wat", "(module (func))")
    assert await _published(client, "untitled:ok.wat", 1) == []


@pytest.mark.parametrize("args", [[], ["--stdio"]])
def test_exits_when_stdin_closes(args: list[str]) -> None:
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"processId": None, "rootUri": None, "capabilities": {}},
        }
    ).encode()
    message = b"Content-Length: %d\r\n\r\n" % len(body) + body
    proc = subprocess.run(
        [sys.executable, "-m", "wat_lsp", *args], input=message, capture_output=True, timeout=30
    )
    assert b'"positionEncoding": "utf-16"' in proc.stdout or b'"positionEncoding":"utf-16"' in proc.stdout
    assert b'"textDocumentSync"' in proc.stdout


@pytest.mark.parametrize(("shutdown", "status"), [(True, 0), (False, 1)])
def test_exits_on_exit(shutdown: bool, status: int) -> None:
    proc = subprocess.Popen(
        SERVER_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert proc.stdin is not None
    messages: list[dict[str, Any]] = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
    ]
    if shutdown:
        messages.append({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
    messages.append({"jsonrpc": "2.0", "method": "exit"})
    proc.stdin.write(b"".join(frame(json.dumps(m).encode()) for m in messages))
    proc.stdin.flush()  # and stdin stays open: `exit` alone must end the process
    try:
        assert proc.wait(timeout=30) == status
    finally:
        proc.kill()
        proc.stdin.close()
        if proc.stdout is not None:
            proc.stdout.close()
