"""The stdio transport alone (`server/protocol.py`), over the real server process:

    python bench/bench_transport.py [--mb 64] [--requests 2000]

- a notification of `--mb` MB the server ignores (`$/ignored`), then a request: from the first
  byte written to the answer (reading, framing and decoding a body the size of a big didOpen);
- `--requests` small requests (`workspace/symbol` with no document open) written by one
  thread while another reads: from the first written to the last answered;
- a client that does not read: how long writing 5,000 requests and 4 MB more takes (a server
  that writes on its event loop stops reading once the pipe is full: this never ends; capped
  at 60 s).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.lsp_wire import SERVER_COMMAND, frame, read_message


class Server:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            SERVER_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(frame(json.dumps(message).encode()))
        self.proc.stdin.flush()

    def answer(self, id: int) -> dict[str, Any]:
        assert self.proc.stdout is not None
        while (message := read_message(self.proc.stdout)) is not None:
            if message.get("id") == id and "method" not in message:
                return message
        raise RuntimeError("the server closed its output")

    def initialize(self) -> None:
        self.send(
            {
                "jsonrpc": "2.0",
                "id": 0,
                "method": "initialize",
                "params": {"processId": None, "rootUri": None, "capabilities": {}},
            }
        )
        self.answer(0)
        self.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


def symbols(id: int) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": id, "method": "workspace/symbol", "params": {"query": "x"}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=64)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    server = Server()
    server.initialize()
    text = "(module (func (nop)))\n" * (args.mb * 1_000_000 // 22)
    start = time.perf_counter()
    server.send({"jsonrpc": "2.0", "method": "$/ignored", "params": {"text": text}})
    server.send(symbols(1))
    server.answer(1)
    print(f"{args.mb} MB notification, then a request: {(time.perf_counter() - start) * 1000:.0f} ms")

    def many() -> None:
        for i in range(2, 2 + args.requests):
            server.send(symbols(i))

    start = time.perf_counter()
    threading.Thread(target=many, daemon=True).start()
    server.answer(1 + args.requests)
    print(f"{args.requests} small requests: {(time.perf_counter() - start) * 1000:.0f} ms")
    server.close()

    # A client that does not read: 5,000 answers (~350 KB, more than a pipe holds) pending,
    # then 4 MB more written.
    server = Server()
    server.initialize()
    filler = {"jsonrpc": "2.0", "method": "$/ignored", "params": {"text": "x" * 60_000}}
    done = threading.Event()

    def write() -> None:
        with contextlib.suppress(OSError):  # the server is killed after 60 s
            for i in range(2, 5002):
                server.send(symbols(i))
            for _ in range(70):
                server.send(filler)
            done.set()

    start = time.perf_counter()
    threading.Thread(target=write, daemon=True).start()
    finished = done.wait(60)
    took = f"{(time.perf_counter() - start) * 1000:.0f} ms" if finished else "blocked (> 60 s)"
    print(f"not reading: 5,000 requests and 4 MB more written in {took}")
    server.close()


if __name__ == "__main__":
    main()
