"""Request scheduling over stdio with the real server: cancellation, superseded versions, lanes.

The rules (`server/scheduling.py`): a cancelled request is answered RequestCancelled and a
job that had not started never runs; a request about positions on a document that changed
since is answered ContentModified; a whole-document request is answered for the newest text,
or ContentModified when a newer request of its kind is queued; hover and the other
position requests never wait behind whole-document work; the newest version's diagnostics
come before queued requests.
"""

from __future__ import annotations

import asyncio
import io
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from wat_lsp.analysis import cancel
from wat_lsp.server.diagnostics import Lane, Worker

from tests.server.test_server_robustness import Raw, _check, _open

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))
import genwat  # noqa: E402

CANCELLED, MODIFIED = -32800, -32801
URI = "untitled:big.wat"
FOLDING, SYMBOLS, TOKENS = (
    "textDocument/foldingRange",
    "textDocument/documentSymbol",
    "textDocument/semanticTokens/full",
)
WHOLE = (FOLDING, SYMBOLS, TOKENS)


def _generated(size: int, seed: int = 0) -> str:
    out = io.StringIO()
    genwat.generate(out, size=size, seed=seed)
    return out.getvalue()


def _position(text: str, offset: int) -> dict[str, int]:
    return {"line": text.count("\n", 0, offset), "character": offset - (text.rfind("\n", 0, offset) + 1)}


def _calls(text: str, count: int) -> list[dict[str, int]]:
    """Positions on `call $name` targets spread over the text."""
    found = [m.start(1) + 1 for m in re.finditer(r"call (\$[\w.]+)", text)]
    step = max(1, len(found) // count)
    return [_position(text, found[k * step % len(found)]) for k in range(count)]


def _answers(raw: Raw, ids: set[Any], timeout: float = 240) -> list[dict[str, Any]]:
    """The responses to `ids`, in the order they arrived (other messages go to `raw.seen`)."""
    out = []
    waiting = set(ids)
    while waiting:
        message = raw.next(timeout)
        if message.get("id") in waiting and "method" not in message:
            waiting.discard(message["id"])
            out.append(message)
        else:
            raw.seen.append(message)
    return out


def _request(method: str, uri: str, **params: Any) -> tuple[str, dict[str, Any]]:
    return method, {"textDocument": {"uri": uri}, **params}


def test_cancellation_storm_and_a_hover_after_it() -> None:
    text = _generated(2_000_000)
    sites = _calls(text, 20)
    with Raw() as raw:
        raw.initialize()
        _open(raw, URI, text)
        raw.published(URI, 1, timeout=120)
        storm: list[tuple[int, str, dict[str, Any]]] = []
        for k in range(50):
            method, params = (
                _request(TOKENS, URI),
                _request(SYMBOLS, URI),
                _request("textDocument/hover", URI, position=sites[k % len(sites)]),
            )[k % 3]
            storm.append((k, method, params))
        for k, method, params in storm:
            raw.send(method, params, id=k)
        cancelled = {k for k, _, _ in storm[::2]}
        for k in sorted(cancelled):
            raw.send("$/cancelRequest", {"id": k})
        raw.send("textDocument/hover", {"textDocument": {"uri": URI}, "position": sites[0]}, id="after")
        answers = _answers(raw, {k for k, _, _ in storm} | {"after"})
    by_id = {a["id"]: a for a in answers}
    methods = {k: method for k, method, _ in storm}
    for k in cancelled:
        if methods[k] == "textDocument/hover":
            # A hover is quick and its lane was idle: it may have been answered before its
            # cancellation was read. Either way it is answered.
            assert "result" in by_id[k] or by_id[k]["error"]["code"] == CANCELLED
        else:
            assert by_id[k].get("error", {}).get("code") == CANCELLED, (k, methods[k])
    for k, method, _ in storm:
        if k not in cancelled:
            assert "result" in by_id[k], (k, method, by_id[k].get("error"))
            assert by_id[k]["result"], (k, method)  # the symbols, tokens and hover of the module
    # The hover sent after the storm does not wait for the storm's whole-document work.
    order = [a["id"] for a in answers]
    last_whole = max(
        order.index(k) for k, method, _ in storm if method != "textDocument/hover" and k not in cancelled
    )
    assert order.index("after") < last_whole
    assert "result" in by_id["after"] and by_id["after"]["result"]["contents"]


def test_requests_on_a_superseded_version() -> None:
    big = _generated(2_000_000, seed=1)
    small = "(module\n  (func $a (result i32)\n    (i32.const 1))\n)\n"
    newer = small.replace(")\n)", ")\n  (func $b)\n  (func $c (param i32)\n    (nop))\n)")
    uri = "untitled:small.wat"
    with Raw() as raw:
        raw.initialize()
        _open(raw, uri, small)
        raw.published(uri, 1)
        # Both worker threads busy with the big document for a while: its first analysis (the
        # diagnostics, then a hover, in the analysis thread) and its first full tokens.
        _open(raw, URI, big)
        raw.send(
            "textDocument/hover", {"textDocument": {"uri": URI}, "position": _calls(big, 1)[0]}, id="busy1"
        )
        raw.send(TOKENS, {"textDocument": {"uri": URI}}, id="busy2")
        # Version 2 and requests about it; then version 3 before any of them can start.
        raw.send(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": 2},
                "contentChanges": [{"text": small.replace("1", "2")}],
            },
        )
        pos = {"line": 2, "character": 6}
        whole_range = {"start": {"line": 0, "character": 0}, "end": {"line": 4, "character": 0}}
        for id, (method, params) in {
            "hover": _request("textDocument/hover", uri, position=pos),
            "completion": _request("textDocument/completion", uri, position=pos),
            "definition": _request("textDocument/definition", uri, position=pos),
            "inlay": _request("textDocument/inlayHint", uri, range=whole_range),
            "actions": _request(
                "textDocument/codeAction", uri, range=whole_range, context={"diagnostics": []}
            ),
            "range-tokens": _request("textDocument/semanticTokens/range", uri, range=whole_range),
            "symbols-2": _request(SYMBOLS, uri),
            "folding-2": _request(FOLDING, uri),
            "tokens-2": _request(TOKENS, uri),
        }.items():
            raw.send(method, params, id=id)
        raw.send(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": newer}]},
        )
        raw.send(SYMBOLS, {"textDocument": {"uri": uri}}, id="symbols-3")
        got = {
            a["id"]: a
            for a in _answers(
                raw,
                {
                    "hover",
                    "completion",
                    "definition",
                    "inlay",
                    "actions",
                    "range-tokens",
                    "symbols-2",
                    "folding-2",
                    "tokens-2",
                    "symbols-3",
                    "busy1",
                    "busy2",
                },
            )
        }
        # Fresh answers about version 3, asked once nothing is queued.
        raw.send(FOLDING, {"textDocument": {"uri": uri}}, id="folding-fresh")
        raw.send(SYMBOLS, {"textDocument": {"uri": uri}}, id="symbols-fresh")
        raw.send(TOKENS, {"textDocument": {"uri": uri}}, id="tokens-fresh")
        fresh = {a["id"]: a for a in _answers(raw, {"folding-fresh", "symbols-fresh", "tokens-fresh"})}
    # Positions in a text that no longer exists: ContentModified.
    for id in ("hover", "completion", "definition", "inlay", "actions", "range-tokens"):
        assert got[id].get("error", {}).get("code") == MODIFIED, (id, got[id])
    # Whole-document requests: a newer one of the same kind answers (symbols); without one,
    # the answer is for the newest text (folding, tokens).
    assert got["symbols-2"]["error"]["code"] == MODIFIED
    assert got["symbols-3"]["result"] == fresh["symbols-fresh"]["result"]
    assert "$c" in str(got["symbols-3"]["result"])
    assert got["folding-2"]["result"] == fresh["folding-fresh"]["result"]
    assert got["tokens-2"]["result"]["data"] == fresh["tokens-fresh"]["result"]["data"]
    assert "result" in got["busy1"] and "result" in got["busy2"]


def test_edit_burst_newest_diagnostics_before_leftovers() -> None:
    text = _generated(300_000, seed=2)
    found = re.compile(r"i32\.const (\d+)").search(text, len(text) // 2)
    assert found is not None
    site = found.end(1)
    pos = _position(text, site)
    requests: dict[int, int] = {}  # id -> the version it was sent for
    kinds: dict[int, str] = {}
    with Raw() as raw:
        raw.initialize()
        _open(raw, URI, text)
        raw.published(URI, 1, timeout=60)
        next_id = 0
        for k in range(50):
            version = 2 + k
            here = {"line": pos["line"], "character": pos["character"] + k}
            raw.send(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": URI, "version": version},
                    "contentChanges": [{"range": {"start": here, "end": here}, "text": "7"}],
                },
            )
            after = {"line": here["line"], "character": here["character"] + 1}
            visible = {
                "start": {"line": max(0, pos["line"] - 30), "character": 0},
                "end": {"line": pos["line"] + 30, "character": 0},
            }
            for method, params in (
                _request("textDocument/hover", URI, position=after),
                _request(TOKENS, URI),
                _request(SYMBOLS, URI),
                _request(FOLDING, URI),
                _request(
                    "textDocument/codeAction",
                    URI,
                    range={"start": after, "end": after},
                    context={"diagnostics": []},
                ),
                _request("textDocument/inlayHint", URI, range=visible),
            ):
                raw.send(method, params, id=next_id)
                requests[next_id] = version
                kinds[next_id] = method
                next_id += 1
        final = 51
        final_text = text[:site] + "7" * 50 + text[site:]
        # Everything the server sends until every request is answered and the last version's
        # diagnostics are published, in order.
        stream: list[dict[str, Any]] = []
        waiting = set(requests)
        published_final = False
        while waiting or not published_final:
            message = raw.next(120)
            stream.append(message)
            params = message.get("params") or {}
            if message.get("method") == "textDocument/publishDiagnostics" and params.get("version") == final:
                published_final = True
            elif "method" not in message:
                waiting.discard(message.get("id"))
    pushes = [i for i, m in enumerate(stream) if m.get("method") == "textDocument/publishDiagnostics"]
    last_push = stream[pushes[-1]]["params"]
    assert last_push["version"] == final
    assert last_push["diagnostics"] == _check(final_text, URI)
    # The newest version's diagnostics come before the answers about its whole text.
    for id, version in requests.items():
        if version == final and kinds[id] in WHOLE:
            assert pushes[-1] < next(
                i for i, m in enumerate(stream) if m.get("id") == id and "method" not in m
            )
    # After the newest diagnostics, nothing computed for an older version: only answers to the
    # last keystroke's requests, or errors (ContentModified) for the older ones.
    for message in stream[pushes[-1] + 1 :]:
        assert "method" not in message
        assert requests[message["id"]] == final or message["error"]["code"] == MODIFIED, message
    # Superseded whole-document work was dropped: each older request for tokens, symbols or
    # folding was answered ContentModified, but for the few computed before the burst of
    # edits was recognised (the first edit of a burst looks like a lone keystroke; on a slow
    # machine the server may read edits far enough apart to see pauses).
    old_whole = [
        m for m in stream if "method" not in m and requests[m["id"]] != final and kinds[m["id"]] in WHOLE
    ]
    assert len(old_whole) == 3 * 49
    assert sum(1 for m in old_whole if "result" in m) <= len(old_whole) // 4
    assert all("result" in m or m["error"]["code"] == MODIFIED for m in old_whole)


def test_cancel_token() -> None:
    cancel.check()  # no token in this thread: nothing to ask
    stale = False
    token = cancel.Token(lambda: stale)
    with cancel.active(token):
        cancel.check()
        stale = True
        with pytest.raises(cancel.Cancelled) as modified:
            cancel.check()
        assert modified.value.reason == cancel.MODIFIED
        other = cancel.Token()
        with cancel.active(other):
            cancel.check()  # the innermost token is asked
        token.cancel()
        with pytest.raises(cancel.Cancelled) as cancelled:
            cancel.check()
        assert cancelled.value.reason == cancel.CANCELLED
    cancel.check()  # the token is no longer current
    seen: list[str] = []

    def elsewhere() -> None:
        cancel.check()
        seen.append("other thread")

    with cancel.active(token):
        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join(10)
    assert seen == ["other thread"]  # a token is current in its own thread only


def test_worker_lanes_priority_and_cancelled_jobs_never_run() -> None:
    worker = Worker()
    ran: list[str] = []
    release = threading.Event()
    busy = worker.submit(release.wait, 30, lane=Lane.INTERACTIVE)
    time.sleep(0.05)  # the analysis thread is in `busy`
    first = worker.submit(ran.append, "interactive 1", lane=Lane.INTERACTIVE)
    worker.submit(ran.append, "diagnostics", lane=Lane.DIAGNOSTICS)
    worker.submit(ran.append, "interactive 2", lane=Lane.INTERACTIVE)
    # The whole-document lane has its own thread: it does not wait for the analysis thread.
    assert worker.submit(ran.append, "whole", lane=Lane.WHOLE).result(timeout=10) is None
    assert first.cancel()
    release.set()
    assert busy.result(timeout=10)
    assert worker.submit(ran.append, "last", lane=Lane.INTERACTIVE).result(timeout=10) is None
    assert ran == ["whole", "diagnostics", "interactive 2", "last"]


def test_a_cancelled_request_under_way_gives_up_at_its_next_check() -> None:
    worker = Worker()
    token = cancel.Token()
    checks: list[int] = []
    started = threading.Event()

    def long_work() -> str:
        started.set()
        for n in range(10_000):
            cancel.check()
            checks.append(n)
            time.sleep(0.001)
        return "done"

    def job() -> str:
        with cancel.active(token):
            return long_work()

    async def main() -> None:
        task = asyncio.ensure_future(worker.run(job, lane=Lane.WHOLE, token=token))
        while not started.is_set():
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert token.cancelled
    time.sleep(0.2)
    stopped_at = len(checks)
    time.sleep(0.2)
    assert len(checks) == stopped_at < 10_000  # it stopped, long before the end
