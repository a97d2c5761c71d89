"""Start a `wat-lsp` server command, answer `initialize`, shut it down: does it serve at all."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping, Sequence
from typing import Any

from tests.lsp_wire import frame, read_message


def _send(proc: subprocess.Popen[bytes], message: dict[str, Any]) -> None:
    assert proc.stdin is not None
    proc.stdin.write(frame(json.dumps({"jsonrpc": "2.0", **message}).encode()))
    proc.stdin.flush()


def initialize(command: Sequence[str], env: Mapping[str, str] | None = None) -> tuple[dict[str, Any], int]:
    """The answer to `initialize`, and the exit status after `shutdown` and `exit`."""
    proc = subprocess.Popen(
        list(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    )
    try:
        _send(
            proc,
            {
                "id": 1,
                "method": "initialize",
                "params": {"processId": None, "rootUri": None, "capabilities": {}},
            },
        )
        assert proc.stdout is not None
        answer = read_message(proc.stdout)
        while answer is not None and answer.get("id") != 1:  # notifications (log messages) first
            answer = read_message(proc.stdout)
        assert answer is not None, "the server ended without answering initialize"
        _send(proc, {"method": "initialized", "params": {}})
        _send(proc, {"id": 2, "method": "shutdown"})
        _send(proc, {"method": "exit"})
        return answer, proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
