"""Request scheduling in the server, over stdio: cancellation, superseded versions, lanes.

    python bench/bench_scheduling.py [--storm-size 10MB] [--session-size 1MB] [--keystrokes 200]
                                     [--only storm|session]

(a) The cancellation storm. A generated module (``--storm-size``) is opened; once its
    diagnostics are published, 50 requests are sent at once (full semantic tokens, document
    symbols and hovers, in turn), then a ``$/cancelRequest`` for every second one, then one
    more hover. Printed: how many of the 25 cancelled requests were answered -32800
    (RequestCancelled), the time from the first request to the storm's last answer, and the
    time of the hover sent after the storm. The storm runs twice: cold (the first whole-
    document answers are computed) and warm.

(b) The editing session. A generated module (``--session-size``) is opened; then
    ``--keystrokes`` one-character edits (typed 20 ms apart into one function), each followed
    at once by the six requests an editor sends (hover, full semantic tokens, document
    symbols, folding ranges, code actions, inlay hints). Printed: the time from the last
    keystroke to the diagnostics of the last version, to the last answer, and how the
    requests were answered (results, -32801 ContentModified, other errors).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
for p in (str(HERE), str(HERE.parent)):
    if p not in sys.path:
        sys.path.insert(0, p)

from bench_parse import ensure_input  # noqa: E402
from bench_server import Server, _ms, _position  # noqa: E402

from tests.lsp_wire import read_body  # noqa: E402

URI = "file:///bench/sched.wat"
CAPABILITIES = {"textDocument": {"publishDiagnostics": {"versionSupport": True},
                                 "codeAction": {"resolveSupport": {"properties": ["edit"]}, "dataSupport": True}}}  # fmt: skip


class Client(Server):
    """`bench_server.Server`, reading as fast as an editor: an answer of more than a
    megabyte (full tokens or symbols of a big module) is not parsed, only its id and whether
    it is a result (Python's `json.loads` takes most of a second for one, and the server's
    writes wait for the pipe meanwhile)."""

    def _start_reader(self) -> None:
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        head = re.compile(rb'"id": (\d+), "(result|error)"')
        while (body := read_body(out)) is not None:
            found = head.search(body, 0, 100) if len(body) > 1 << 20 else None
            message = (
                {"id": int(found.group(1)), found.group(2).decode(): True} if found else json.loads(body)
            )
            self.inbox.put((time.perf_counter(), message))
        self.inbox.put(None)


def _open(server: Server, data: bytes) -> None:
    server.request(1, "initialize", {"processId": None, "rootUri": None, "capabilities": CAPABILITIES})
    server.send("initialized", {})
    start = server.send(
        "textDocument/didOpen",
        {"textDocument": {"uri": URI, "languageId": "wat", "version": 1, "text": data.decode("utf-8")}},
    )
    at, diagnostics = server.published(1)
    print(f"  didOpen to first diagnostics: {_ms(at - start)} ({len(diagnostics)} diagnostics)")


def _hover_sites(data: bytes, count: int) -> list[dict[str, int]]:
    """Positions on `call $name` targets spread over the text."""
    found = [m.start(1) for m in re.finditer(rb"call (\$[\w.]+)", data)]
    step = max(1, len(found) // count)
    return [_position(data, found[k * step % len(found)] + 1) for k in range(count)]


def storm(server: Server, data: bytes, first_id: int) -> None:
    doc = {"uri": URI}
    sites = _hover_sites(data, 20)
    requests: list[tuple[int, str, dict[str, Any]]] = []
    for k in range(50):
        kind = k % 3
        if kind == 0:
            requests.append((first_id + k, "textDocument/semanticTokens/full", {"textDocument": doc}))
        elif kind == 1:
            requests.append((first_id + k, "textDocument/documentSymbol", {"textDocument": doc}))
        else:
            requests.append(
                (first_id + k, "textDocument/hover", {"textDocument": doc, "position": sites[k % len(sites)]})
            )
    start = time.perf_counter()
    for id, method, params in requests:
        server.send(method, params, id)
    cancelled = {id for id, _, _ in requests[::2]}
    for id in sorted(cancelled):
        server.send("$/cancelRequest", {"id": id})
    hover_id = first_id + 1000
    hover_sent = server.send("textDocument/hover", {"textDocument": doc, "position": sites[0]}, hover_id)
    waiting = {id for id, _, _ in requests} | {hover_id}
    answers: dict[int, tuple[float, dict[str, Any]]] = {}
    while waiting:
        at, message = server.wait(lambda m: m.get("id") in waiting and "method" not in m)
        waiting.discard(message["id"])
        answers[message["id"]] = (at, message)
    last = max(at for id, (at, _) in answers.items() if id != hover_id)
    codes = [answers[id][1].get("error", {}).get("code") for id in cancelled]
    results = sum(1 for id in cancelled if "result" in answers[id][1])
    hover_at, hover = answers[hover_id]
    print(
        f"  cancelled: {codes.count(-32800)} of {len(cancelled)} answered -32800, {results} with a result; "
        f"others: {sum(1 for id, _, _ in requests if id not in cancelled and 'result' in answers[id][1])} "
        f"of {len(requests) - len(cancelled)} with a result"
    )
    print(
        f"  storm's last answer after {_ms(last - start)}; hover sent after the storm answered in "
        f"{_ms(hover_at - hover_sent)} ({'a result' if 'result' in hover else hover.get('error')}, "
        f"{sum(1 for id, (at, _) in answers.items() if id != hover_id and at > hover_at)} storm answers after it)"
    )


def session(server: Server, data: bytes, keystrokes: int) -> None:
    found = re.compile(rb"i32\.const (\d+)").search(data, len(data) // 2)
    assert found is not None
    site = found.end(1)
    pos = _position(data, site)
    doc = {"uri": URI}
    next_id = 100
    sent: dict[int, str] = {}
    last_key = 0.0
    for k in range(keystrokes):
        version = 2 + k
        here = {"line": pos["line"], "character": pos["character"] + k}
        last_key = server.send(
            "textDocument/didChange",
            {
                "textDocument": {"uri": URI, "version": version},
                "contentChanges": [{"range": {"start": here, "end": here}, "text": "1"}],
            },
        )
        visible = {
            "start": {"line": max(0, pos["line"] - 40), "character": 0},
            "end": {"line": pos["line"] + 40, "character": 0},
        }
        after = {"line": here["line"], "character": here["character"] + 1}
        for method, params in (
            ("textDocument/hover", {"textDocument": doc, "position": after}),
            ("textDocument/semanticTokens/full", {"textDocument": doc}),
            ("textDocument/documentSymbol", {"textDocument": doc}),
            ("textDocument/foldingRange", {"textDocument": doc}),
            (
                "textDocument/codeAction",
                {
                    "textDocument": doc,
                    "range": {"start": after, "end": after},
                    "context": {"diagnostics": []},
                },
            ),
            ("textDocument/inlayHint", {"textDocument": doc, "range": visible}),
        ):
            server.send(method, params, next_id)
            sent[next_id] = method
            next_id += 1
        time.sleep(0.02)
    final = 1 + keystrokes
    waiting = set(sent)
    outcome: dict[str, dict[str, int]] = {}
    last = published = 0.0
    after = 0  # answers after the final diagnostics
    while waiting or not published:  # one loop: `Server.wait` drops what it does not match
        got, message = server.wait(lambda m: True)
        params = message.get("params") or {}
        if message.get("method") == "textDocument/publishDiagnostics" and params.get("version") == final:
            published = got
        if message.get("id") not in waiting or "method" in message:
            continue
        waiting.discard(message["id"])
        last = max(last, got)
        after += bool(published)
        error = message.get("error")
        kind = "result" if error is None else str(error.get("code"))
        counts = outcome.setdefault(sent[message["id"]].removeprefix("textDocument/"), {})
        counts[kind] = counts.get(kind, 0) + 1
    print(f"  last keystroke to the diagnostics of version {final}: {_ms(published - last_key)}")
    print(
        f"  last keystroke to the last answer: {_ms(last - last_key)}; {after} answers after the final diagnostics"
    )
    for method, counts in outcome.items():
        print(f"    {method}: {json.dumps(counts)}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--storm-size", default="10MB")
    ap.add_argument("--session-size", default="1MB")
    ap.add_argument("--keystrokes", type=int, default=200)
    ap.add_argument("--only", choices=("storm", "session"))
    args = ap.parse_args(argv)
    if args.only in (None, "storm"):
        data = ensure_input(args.storm_size).read_bytes()
        print(f"(a) storm: {len(data):,} bytes, {data.count(b'(func '):,} functions")
        server = Client()
        try:
            _open(server, data)
            for run, first in (("cold", 1000), ("warm", 3000)):
                print(f" {run}:")
                storm(server, data, first)
        finally:
            server.close()
    if args.only in (None, "session"):
        data = ensure_input(args.session_size).read_bytes()
        print(
            f"(b) session: {len(data):,} bytes, {data.count(b'(func '):,} functions, {args.keystrokes} keystrokes"
        )
        server = Client()
        try:
            _open(server, data)
            session(server, data, args.keystrokes)
        finally:
            server.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
