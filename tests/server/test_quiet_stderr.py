"""Expected refusals and notifications the server does not need leave stderr empty and put no
traceback in the client's log (issue 16's "quiet stderr": eglot shows both to the user)."""

from __future__ import annotations

from typing import Any

from tests.server.test_protocol import Server, body

URI = "file:///tmp/quiet.wat"
# (`$a`'s unused local: the refactor menu lists only passes that may change something)
TEXT = "(module\n  (func $a (local $x i32))\n  (func $b (call $a)))\n"
DOC = {"uri": URI}


def _request(server: Server, id: int, method: str, params: dict[str, Any]) -> dict[str, Any]:
    server.send(body(method, params, id=id))
    return server.answer(id)


def test_refusals_and_saves_are_quiet() -> None:
    with Server() as server:
        server.initialize()
        server.open(URI, TEXT)
        rename = {"textDocument": DOC, "position": {"line": 1, "character": 9}, "newName": "$b"}
        assert _request(server, 1, "textDocument/rename", rename)["error"] == {
            "code": -32803,
            "message": "`$b` is already the name of function 1",
        }
        # eglot sends these whatever the server declares (willSave only when declared)
        server.send(body("textDocument/willSave", {"textDocument": DOC, "reason": 1}))
        server.send(body("textDocument/didSave", {"textDocument": DOC, "text": TEXT}))
        bogus = {"title": "x", "data": {"bogus": 1}}
        assert _request(server, 2, "codeAction/resolve", bogus)["error"] == {
            "code": -32602,
            "message": "not a wat-lsp code action: {'bogus': 1}",
        }
        command = {"command": "wat-lsp.nope", "arguments": []}
        assert _request(server, 3, "workspace/executeCommand", command)["error"]["code"] == -32602
        assert "result" in _request(server, 4, "shutdown", {})
        server.send(body("exit"))
        assert server.proc.wait(timeout=30) == 0
        while (message := server.messages.get(timeout=30)) is not None:
            server.seen.append(message)
        assert not server.stderr_has("", timeout=1), server.stderr  # not one line, once it is all read
        logs = [(p["type"], p["message"]) for p in server.logs()]
        assert logs == [
            (3, "wat-lsp: rename rejected: `$b` is already the name of function 1"),
            (3, "wat-lsp: request refused: not a wat-lsp code action: {'bogus': 1}"),
            (3, "wat-lsp: request refused: Invalid Params: Command name 'wat-lsp.nope' is not defined"),
        ]


def test_a_pass_that_cannot_apply_is_refused_quietly() -> None:
    """Resolving a pass action whose pass does not exist: an Invalid Params answer saying why,
    one line in the client's log, nothing on stderr."""
    lazy = {"textDocument": {"codeAction": {"resolveSupport": {"properties": ["edit"]}}}}
    with Server() as server:
        server.send(body("initialize", {"processId": None, "rootUri": None, "capabilities": lazy}, id=0))
        assert "capabilities" in server.answer(0)["result"]
        server.send(body("initialized", {}))
        server.open(URI, TEXT)
        where = {"start": {"line": 1, "character": 3}, "end": {"line": 1, "character": 3}}
        context = {"diagnostics": [], "only": ["refactor"]}
        actions = _request(
            server, 1, "textDocument/codeAction", {"textDocument": DOC, "range": where, "context": context}
        )
        [action, *_] = [a for a in actions["result"] if (a.get("data") or {}).get("action") == "pass-func"]
        action["data"]["name"] = "no-such-pass"
        answer = _request(server, 2, "codeAction/resolve", action)
        assert answer["error"] == {"code": -32602, "message": f"bad pass action data: {action['data']!r}"}
        assert "result" in _request(server, 3, "shutdown", {})
        server.send(body("exit"))
        assert server.proc.wait(timeout=30) == 0
        while (message := server.messages.get(timeout=30)) is not None:
            server.seen.append(message)
        assert not server.stderr_has("", timeout=1), server.stderr
        assert [(p["type"], p["message"]) for p in server.logs()] == [
            (3, f"wat-lsp: request refused: bad pass action data: {action['data']!r}")
        ]
