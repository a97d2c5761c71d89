"""`window/workDoneProgress` over real stdio: a big document's first analysis shows begin,
report and end; a module-wide pass being resolved shows progress that cancels it, and the
answer is then RequestCancelled (-32800)."""

from __future__ import annotations

import json
from typing import Any

from wat_lsp.server import progress

from tests.server.test_scheduling import CANCELLED, _generated
from tests.server.test_server_robustness import Raw, _open

URI = "untitled:big.wat"
PROGRESS = "$/progress"
CREATE = "window/workDoneProgress/create"


def _initialize(raw: Raw, lazy: bool = False, **more: Any) -> None:
    capabilities: dict[str, Any] = {"window": {"workDoneProgress": True}, **more}
    if lazy:
        capabilities["textDocument"] = {
            "codeAction": {"resolveSupport": {"properties": ["edit"]}, "dataSupport": True}
        }
    raw.send("initialize", {"processId": None, "rootUri": None, "capabilities": capabilities}, id="init")
    assert "capabilities" in raw.answer("init")["result"]
    raw.send("initialized", {})


def _progress(raw: Raw, until: str, timeout: float = 20) -> tuple[Any, list[dict[str, Any]]]:
    """Answer the server's `create`, then collect its token's `$/progress` values up to the
    first of kind `until` (other messages go to `raw.seen`)."""
    while True:
        message = raw.next(timeout)
        if message.get("method") == CREATE:
            token = message["params"]["token"]
            raw.send_bytes(json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": None}).encode())
            break
        raw.seen.append(message)
    values: list[dict[str, Any]] = []
    while True:
        message = raw.next(timeout)
        if message.get("method") == PROGRESS and message["params"]["token"] == token:
            values.append(message["params"]["value"])
            if values[-1]["kind"] == until:
                return token, values
        else:
            raw.seen.append(message)


def _published(raw: Raw, uri: str) -> list[dict[str, Any]]:
    """The diagnostics published for version 1 of `uri`, perhaps already seen."""
    for m in raw.seen:
        params = m.get("params") or {}
        if m.get("method") == "textDocument/publishDiagnostics" and params.get("uri") == uri:
            found: list[dict[str, Any]] = params["diagnostics"]
            return found
    return raw.published(uri, 1, timeout=120)


def test_first_analysis_of_a_big_document() -> None:
    text = _generated(progress.ANALYSIS_BYTES + 200_000)
    with Raw() as raw:
        _initialize(raw)
        _open(raw, URI, text)
        _, values = _progress(raw, "end")
        diagnostics = _published(raw, URI)
    size = f"{len(text.encode()) / (1 << 20):.1f} MB"
    assert values == [
        {"kind": "begin", "title": "Analysing big.wat", "cancellable": False},
        {"kind": "report", "message": size},
        {"kind": "report", "message": f"{size}: {len(diagnostics)} diagnostics", "percentage": 100},
        {"kind": "end"},
    ]


def test_small_document_shows_no_progress() -> None:
    with Raw() as raw:
        _initialize(raw)
        _open(raw, "untitled:small.wat", "(module (func))")
        raw.published("untitled:small.wat", 1)
        raw.send("shutdown", None, id="down")
        raw.answer("down")
    assert [m for m in raw.seen if m.get("method") in (CREATE, PROGRESS)] == []


def test_module_pass_cancelled_through_its_progress() -> None:
    text = _generated(2_000_000, seed=3)
    with Raw() as raw:
        _initialize(raw, lazy=True)
        _open(raw, URI, text)
        _progress(raw, "end")  # the first analysis
        _published(raw, URI)
        at = {"line": text.count("\n", 0, text.index("(func ")) + 1, "character": 0}
        raw.send(
            "textDocument/codeAction",
            {
                "textDocument": {"uri": URI},
                "range": {"start": at, "end": at},
                "context": {"diagnostics": [], "only": ["refactor"]},
            },
            id="list",
        )
        actions = raw.answer("list", timeout=60)["result"]
        action = next(a for a in actions if a["title"].endswith(" on module"))
        raw.send("codeAction/resolve", action, id="resolve")
        token, values = _progress(raw, "begin")
        assert values == [
            {"kind": "begin", "title": f"Running {action['data']['name']} on the module", "cancellable": True}
        ]
        raw.send("window/workDoneProgress/cancel", {"token": token})
        answer = raw.answer("resolve", timeout=120)
        assert answer.get("error", {}).get("code") == CANCELLED, answer
        # `$/cancelRequest` cancels it the same way.
        raw.send("codeAction/resolve", action, id="again")
        _progress(raw, "begin")
        raw.send("$/cancelRequest", {"id": "again"})
        answer = raw.answer("again", timeout=120)
        assert answer.get("error", {}).get("code") == CANCELLED, answer
        # The server goes on: the same action resolves when not cancelled.
        raw.send("codeAction/resolve", action, id="done")
        _progress(raw, "end")
        assert "result" in raw.answer("done", timeout=120)
    assert {"kind": "end"} in [
        m["params"]["value"]
        for m in raw.seen
        if m.get("method") == PROGRESS and m["params"]["token"] == token
    ]


def test_the_client_s_token_while_a_pull_first_analyses() -> None:
    """A client that shows no server-made progress but gives its `workDoneToken` with a pull
    of diagnostics: the first analysis reports under that token, before the answer."""
    text = _generated(progress.ANALYSIS_BYTES + 200_000)
    with Raw() as raw:
        raw.send(
            "initialize",
            {"processId": None, "rootUri": None, "capabilities": {"textDocument": {"diagnostic": {}}}},
            id="init",
        )
        raw.answer("init")
        raw.send("initialized", {})
        _open(raw, URI, text)
        raw.send(
            "textDocument/diagnostic", {"textDocument": {"uri": URI}, "workDoneToken": "mine"}, id="pull"
        )
        answer = raw.answer("pull", timeout=120)
    kinds = [
        m["params"]["value"]["kind"]
        for m in raw.seen
        if m.get("method") == PROGRESS and m["params"]["token"] == "mine"
    ]
    assert kinds == ["begin", "report", "report", "end"]
    assert [m for m in raw.seen if m.get("method") == CREATE] == []
    assert answer["result"]["kind"] == "full"


def test_switching_hints_asks_the_client_to_refresh() -> None:
    with Raw() as raw:
        _initialize(raw, workspace={"inlayHint": {"refreshSupport": True}})
        raw.send("workspace/didChangeConfiguration", {"settings": {"wat-lsp": {"maxDiagnostics": 3}}})
        raw.send(
            "workspace/didChangeConfiguration", {"settings": {"wat-lsp": {"inlayHints": {"indices": True}}}}
        )
        message = raw.next()
        while message.get("method") != "workspace/inlayHint/refresh":
            raw.seen.append(message)
            message = raw.next()
        raw.send("shutdown", None, id="down")
        raw.answer("down")
    # Only once: the first change left the hints as they were.
    assert [m for m in raw.seen if m.get("method") == "workspace/inlayHint/refresh"] == []
