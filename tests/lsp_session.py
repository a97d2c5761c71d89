"""A client session with the real server over stdio, for the soak test and the big-session
benchmark: documents opened, edited and closed, diagnostics awaited by version, requests
timed, and the server process's resident memory read from /proc."""

from __future__ import annotations

import json
import queue
import subprocess
import time
from pathlib import Path
from typing import Any

from .lsp_wire import SERVER_COMMAND, frame, start_reader


class Session:
    """`wat-lsp --stdio` as a child process; messages read in a thread, stamped on arrival."""

    def __init__(self, init_options: dict[str, Any] | None = None) -> None:
        self.proc = subprocess.Popen(
            SERVER_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self.inbox: queue.Queue[tuple[float, dict[str, Any]] | None] = queue.Queue()
        self._ids = 0
        self.versions: dict[str, int] = {}
        self.published: dict[str, tuple[float, int | None, list[dict[str, Any]]]] = {}  # uri -> the last push
        start_reader(
            self.proc.stdout, lambda m: self.inbox.put(None if m is None else (time.perf_counter(), m))
        )
        params: dict[str, Any] = {"processId": None, "rootUri": None, "capabilities": {}}
        if init_options is not None:
            params["initializationOptions"] = init_options
        self.request("initialize", params)
        self.notify("initialized", {})

    def send(self, message: dict[str, Any]) -> float:
        assert self.proc.stdin is not None
        self.proc.stdin.write(frame(json.dumps({"jsonrpc": "2.0", **message}).encode()))
        self.proc.stdin.flush()
        return time.perf_counter()

    def notify(self, method: str, params: Any) -> float:
        return self.send({"method": method, "params": params})

    def next(self, timeout: float) -> tuple[float, dict[str, Any]]:
        """The next message; pushed diagnostics are also kept (`published`), so a push that
        arrives while an answer is awaited is not lost."""
        item = self.inbox.get(timeout=timeout)
        if item is None:
            raise RuntimeError("the server closed its output")
        at, message = item
        if message.get("method") == "textDocument/publishDiagnostics":
            params = message["params"]
            self.published[params["uri"]] = (at, params.get("version"), params["diagnostics"])
        return item

    def request(self, method: str, params: Any, timeout: float = 600) -> tuple[float, Any]:
        """(seconds from sending to the answer, the result)."""
        self._ids += 1
        rid = self._ids
        sent = self.send({"id": rid, "method": method, "params": params})
        deadline = sent + timeout
        while True:
            at, message = self.next(max(0.0, deadline - time.perf_counter()))
            if message.get("id") == rid and "method" not in message:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return at - sent, message.get("result")

    def open(self, uri: str, text: str) -> float:
        self.versions[uri] = 1
        self.published.pop(uri, None)
        return self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "wat", "version": 1, "text": text}},
        )

    def change(self, uri: str, start: tuple[int, int], end: tuple[int, int], text: str) -> float:
        self.versions[uri] += 1
        rng = {
            "start": {"line": start[0], "character": start[1]},
            "end": {"line": end[0], "character": end[1]},
        }
        return self.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": self.versions[uri]},
                "contentChanges": [{"range": rng, "text": text}],
            },
        )

    def close(self, uri: str) -> float:
        self.versions.pop(uri, None)
        self.published.pop(uri, None)
        return self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    def diagnostics(self, uri: str, timeout: float = 600) -> tuple[float, list[dict[str, Any]]]:
        """(arrival time, items) of the push for `uri`'s current version."""
        want = self.versions.get(uri)
        deadline = time.perf_counter() + timeout
        while True:
            last = self.published.get(uri)
            if last is not None and (want is None or last[1] == want):
                return last[0], last[2]
            self.next(max(0.0, deadline - time.perf_counter()))

    def rss(self) -> int:
        """The server's resident set, in bytes."""
        return rss(self.proc.pid)

    def stop(self) -> None:
        try:
            self.request("shutdown", None, timeout=30)
            self.notify("exit", None)
            self.proc.wait(timeout=30)
        except (RuntimeError, OSError, queue.Empty, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def settled_rss(pid: int, near: int, margin: int, timeout: float = 30) -> int:
    """The process's RSS once it is within `margin` of `near`, or after `timeout` seconds
    (memory is given back by the analysis thread after a close, a little later)."""
    deadline = time.monotonic() + timeout
    value = rss(pid)
    while value - near > margin and time.monotonic() < deadline:
        time.sleep(0.2)
        value = rss(pid)
    return value
