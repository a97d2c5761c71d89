"""Pathological documents and a session of every request on them, over stdio, for
`bench/bench_pathological.py` (full size) and `tests/server/test_pathological.py` (scaled down).

Shapes: deep nesting (`(block` closed and unclosed, plain `block ... end`, folded operands,
block comments), garbage (`)` repeated) and one long line (a generated module joined onto one
line). Each has a cursor: the innermost instruction, or the middle of the text.

`Session.run` sends, one at a time and each timed to its answer, what an editor sends after
opening a file and while working in it: pull diagnostics, semantic tokens (full, delta,
range), folding, symbols, hover, selection ranges, inlay hints, highlight, references,
definition, completion, signature help, code actions and the resolve of each, prepareRename
and rename. `check` says what is wrong with an answer's shape (or nothing).
"""

from __future__ import annotations

import io
import json
import os
import queue
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
for _p in (str(HERE), str(HERE.parent)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import genwat  # noqa: E402

from tests.lsp_wire import SERVER_COMMAND, frame, start_reader  # noqa: E402


@dataclass(frozen=True)
class Shape:
    name: str
    text: str
    cursor: int  # a character offset (the texts are ASCII)
    one_syntax_error: bool = False  # garbage that must get exactly one diagnostic


def nested_closed(levels: int) -> Shape:
    head = "(module (func $f " + "(block " * levels
    return Shape("nested (block ... ) closed", head + "nop" + ")" * levels + "))\n", len(head))


def nested_unclosed(levels: int) -> Shape:
    head = "(module (func $f " + "(block " * levels
    return Shape("nested (block unclosed", head + "nop\n", len(head))


def nested_plain(levels: int) -> Shape:
    head = "(module (func $f\n" + "block\n" * levels
    return Shape("nested block ... end", head + "nop\n" + "end\n" * levels + "))\n", len(head))


def close_parens(count: int) -> Shape:
    return Shape("`)` repeated", ")" * count, count // 2, one_syntax_error=True)


def nested_comments(levels: int) -> Shape:
    head = "(module (func $f) " + "(;" * levels
    return Shape("nested block comments", head + " x " + ";)" * levels + ")\n", len(head) + 1)


def folded_operands(levels: int) -> Shape:
    head = "(module (func $f (result i32)\n" + "(i32.add " * levels
    text = head + "(i32.const 1)" + " (i32.const 1))" * levels + "))\n"
    return Shape("nested folded operands", text, len(head) - len("(i32.add ") + 1)


def one_line(size: str) -> Shape:
    """A generated module of `size` (`genwat`, which writes `(;N;)` comments, never `;;`
    ones, so joining its lines keeps its meaning) on a single line."""
    out = io.StringIO()
    genwat.generate(out, size=genwat.parse_size(size), seed=1)
    text = out.getvalue()
    assert ";;" not in text
    text = text.replace("\n", " ")
    cursor = text.index("local.get $", len(text) // 2) + len("local.get ") + 1
    return Shape(f"one line of {size}", text, cursor)


def multi_line(size: str) -> Shape:
    """The module of `one_line(size)` as generated, one instruction a line: what a long line
    should cost no more than."""
    out = io.StringIO()
    genwat.generate(out, size=genwat.parse_size(size), seed=1)
    text = out.getvalue()
    cursor = text.index("local.get $", len(text) // 2) + len("local.get ") + 1
    return Shape(f"the same, {size} on lines", text, cursor)


def shapes(levels: int, parens: int, line: str) -> list[Shape]:
    return [
        nested_closed(levels),
        nested_unclosed(levels),
        nested_plain(levels),
        close_parens(parens),
        nested_comments(levels),
        folded_operands(levels),
        one_line(line),
    ]


# --- the server ----------------------------------------------------------------------------

_SEMANTIC = {"requests": {"full": {"delta": True}, "range": True}, "tokenTypes": [], "tokenModifiers": [],
             "formats": ["relative"]}  # fmt: skip
_ACTIONS = {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "refactor", "source"]}},
            "resolveSupport": {"properties": ["edit"]}, "dataSupport": True}  # fmt: skip
CAPABILITIES: dict[str, Any] = {
    "general": {"positionEncodings": ["utf-16"]},
    "workspace": {"semanticTokens": {"refreshSupport": True}},  # as VS Code
    "textDocument": {
        "diagnostic": {"dynamicRegistration": False},
        "hover": {"contentFormat": ["markdown"]},
        "documentSymbol": {"hierarchicalDocumentSymbolSupport": True},
        "semanticTokens": _SEMANTIC,
        "codeAction": _ACTIONS,
        "completion": {"completionItem": {"snippetSupport": True}},
        "rename": {"prepareSupport": True},
        **{name: {} for name in ("foldingRange", "selectionRange", "inlayHint", "signatureHelp")},
    },
}


class Server:
    """`wat-lsp --stdio` as a child process, spoken to one request at a time."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            SERVER_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self.inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.answered: dict[int, dict[str, Any]] = {}  # responses read while waiting for another
        self.asked: list[str] = []  # the methods of the server's requests, in order
        self.ids = iter(range(1, 1 << 62))
        start_reader(self.proc.stdout, self.inbox.put)
        self.request("initialize", {"processId": None, "rootUri": None, "capabilities": CAPABILITIES})
        self.notify("initialized", {})

    def _send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(frame(json.dumps(message).encode()))
        self.proc.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: Any, timeout: float = 600) -> dict[str, Any]:
        """The response (with `result` or `error`); server requests are answered with null."""
        return self.wait(self.send_request(method, params), timeout)

    def send_request(self, method: str, params: Any) -> int:
        """Send a request without waiting: its id, for `wait`."""
        rid = next(self.ids)
        self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        return rid

    def wait(self, rid: int, timeout: float = 600) -> dict[str, Any]:
        """The response to request `rid` (others read meanwhile are kept for their `wait`)."""
        deadline = time.monotonic() + timeout
        while rid not in self.answered:
            self._read(deadline)
        return self.answered.pop(rid)

    def wait_asked(self, method: str, timeout: float = 600) -> None:
        """Until the server has sent a request for `method` (answered with null), since the
        last call."""
        deadline = time.monotonic() + timeout
        while method not in self.asked:
            self._read(deadline)
        self.asked.clear()

    def _read(self, deadline: float) -> None:
        message = self.inbox.get(timeout=max(0.0, deadline - time.monotonic()))
        if message is None:
            raise RuntimeError("the server closed its output")
        if "method" in message and "id" in message:  # e.g. workspace/configuration
            self.asked.append(message["method"])
            self._send({"jsonrpc": "2.0", "id": message["id"], "result": None})
        elif "method" not in message and isinstance(message.get("id"), int):
            self.answered[message["id"]] = message

    def cpu(self) -> float:
        """The server's CPU seconds so far (user and system, from /proc; 0 elsewhere)."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def settle(self, quiet: float = 0.3, timeout: float = 120) -> None:
        """Until the server's CPU stops moving for `quiet` seconds (a closed document's
        memory given back runs after its `didClose`: not the next document's cost)."""
        deadline = time.monotonic() + timeout
        last = self.cpu()
        while time.monotonic() < deadline:
            time.sleep(quiet)
            now = self.cpu()
            if now == last:
                return
            last = now

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=30)
            self.notify("exit", None)
            self.proc.wait(timeout=30)
        except Exception:
            self.proc.kill()
            self.proc.wait()


# --- one session ---------------------------------------------------------------------------


@dataclass
class Answer:
    method: str
    seconds: float
    response: dict[str, Any] = field(repr=False)
    cpu: float | None = None  # the server's CPU seconds meanwhile (when measured)


def _position(text: str, offset: int) -> dict[str, int]:
    line = text.count("\n", 0, offset)
    return {"line": line, "character": offset - (text.rfind("\n", 0, offset) + 1)}


def run(server: Server, shape: Shape, uri: str, timeout: float = 600) -> list[Answer]:
    """Every request on `shape`, in the order an editor sends them; the document is closed
    after."""
    text = shape.text
    doc = {"uri": uri}
    at = _position(text, shape.cursor)
    end = _position(text, len(text))
    whole = {"start": {"line": 0, "character": 0}, "end": end}
    # a screenful around the cursor (on one long line: 200 characters either side)
    first = max(
        text.rfind("\n", 0, shape.cursor) + 1 if "\n" in text[: shape.cursor] else 0, shape.cursor - 200
    )
    near = {"start": _position(text, first), "end": _position(text, min(len(text), shape.cursor + 200))}
    answers: list[Answer] = []

    server.settle()
    cpu_at = [server.cpu()]  # the first request's CPU counts from the didOpen (the analysis)

    def ask(method: str, params: dict[str, Any]) -> dict[str, Any]:
        t = time.perf_counter()
        response = server.request(method, params, timeout)
        now = server.cpu()
        answers.append(Answer(method, time.perf_counter() - t, response, now - cpu_at[0]))
        cpu_at[0] = now
        return response

    server.notify(
        "textDocument/didOpen", {"textDocument": {**doc, "languageId": "wat", "version": 1, "text": text}}
    )
    ask("textDocument/diagnostic", {"textDocument": doc})
    full = ask("textDocument/semanticTokens/full", {"textDocument": doc})
    if str((full.get("result") or {}).get("resultId", "")).endswith("start"):
        # The text's start was answered; the whole is made in the background lane. Waiting
        # for its refresh keeps that CPU out of the requests below (it is its own line).
        t = time.perf_counter()
        server.wait_asked("workspace/semanticTokens/refresh", timeout)
        now = server.cpu()
        rest = Answer("(the rest of the tokens, background)", time.perf_counter() - t, {}, now - cpu_at[0])
        answers.append(rest)
        cpu_at[0] = now
        full = ask("textDocument/semanticTokens/full", {"textDocument": doc})
        answers[-1].method = "semanticTokens/full after it"
    ask("textDocument/foldingRange", {"textDocument": doc})
    ask("textDocument/documentSymbol", {"textDocument": doc})
    ask("textDocument/inlayHint", {"textDocument": doc, "range": whole})
    ask("textDocument/semanticTokens/range", {"textDocument": doc, "range": near})
    ask("textDocument/hover", {"textDocument": doc, "position": at})
    ask("textDocument/documentHighlight", {"textDocument": doc, "position": at})
    ask("textDocument/selectionRange", {"textDocument": doc, "positions": [at]})
    ask("textDocument/definition", {"textDocument": doc, "position": at})
    ask(
        "textDocument/references",
        {"textDocument": doc, "position": at, "context": {"includeDeclaration": True}},
    )
    ask("textDocument/completion", {"textDocument": doc, "position": at})
    ask("textDocument/signatureHelp", {"textDocument": doc, "position": at})
    actions = ask(
        "textDocument/codeAction",
        {"textDocument": doc, "range": {"start": at, "end": at}, "context": {"diagnostics": []}},
    )
    for action in actions.get("result") or []:
        if isinstance(action, dict) and "data" in action:
            ask("codeAction/resolve", action)
    # A rename at the function's `$name` (or where the cursor is, when there is none).
    name = text.find("$f")
    spot = _position(text, name + 1) if name >= 0 else at
    prepared = ask("textDocument/prepareRename", {"textDocument": doc, "position": spot})
    if prepared.get("result"):
        ask("textDocument/rename", {"textDocument": doc, "position": spot, "newName": "$renamed"})
    previous = (full.get("result") or {}).get("resultId")
    if previous is not None:
        ask("textDocument/semanticTokens/full/delta", {"textDocument": doc, "previousResultId": previous})
    server.notify("textDocument/didClose", {"textDocument": doc})
    return answers


def run_after_open(server: Server, shape: Shape, uri: str, timeout: float = 600) -> list[Answer]:
    """What an editor sends right after opening a file, before the first analysis is done:
    the diagnostic pull (not waited for), then one at a time the requests about the cursor,
    then folding, symbols and full semantic tokens; each timed from its sending to its answer.
    The document is closed after."""
    text = shape.text
    doc = {"uri": uri}
    at = _position(text, shape.cursor)
    near = {
        "start": _position(text, max(text.rfind("\n", 0, shape.cursor) + 1, shape.cursor - 200)),
        "end": _position(text, min(len(text), shape.cursor + 200)),
    }
    answers: list[Answer] = []
    asked: dict[str, Any] = {}
    started = 0.0
    server.settle()
    server.notify(
        "textDocument/didOpen", {"textDocument": {**doc, "languageId": "wat", "version": 1, "text": text}}
    )
    pulled = time.perf_counter()
    pull = server.send_request("textDocument/diagnostic", {"textDocument": doc})
    for method, params in (  # (the server's CPU is the analysis' too, until it is done)
        ("textDocument/hover", {"position": at}),
        ("textDocument/definition", {"position": at}),
        ("textDocument/signatureHelp", {"position": at}),
        ("textDocument/completion", {"position": at}),
        ("textDocument/selectionRange", {"positions": [at]}),
        ("textDocument/inlayHint", {"range": near}),
        ("textDocument/semanticTokens/range", {"range": near}),
        ("textDocument/foldingRange", {}),
        ("textDocument/documentSymbol", {}),
        ("textDocument/semanticTokens/full", {}),
    ):
        t, c = time.perf_counter(), server.cpu()
        response = server.request(method, {"textDocument": doc, **params}, timeout)
        answers.append(Answer(method, time.perf_counter() - t, response, server.cpu() - c))
        if method == "textDocument/semanticTokens/full":
            asked, started = response, t
    response = server.wait(pull, timeout)
    answers.append(Answer("textDocument/diagnostic", time.perf_counter() - pulled, response))
    if str((asked.get("result") or {}).get("resultId", "")).endswith("start"):  # then a refresh
        server.wait_asked("workspace/semanticTokens/refresh", timeout)
        answers.append(Answer("(refresh of the tokens)", time.perf_counter() - started, {}))
        t, c = time.perf_counter(), server.cpu()
        response = server.request("textDocument/semanticTokens/full", {"textDocument": doc}, timeout)
        answers.append(
            Answer("semanticTokens/full after it", time.perf_counter() - t, response, server.cpu() - c)
        )
    server.notify("textDocument/didClose", {"textDocument": doc})
    return answers


# --- what a well-formed answer is -------------------------------------------------------


def _range_ok(r: Any, lines: int) -> bool:
    try:
        s, e = r["start"], r["end"]
        return (
            0 <= s["line"] < lines
            and 0 <= e["line"] < lines
            and (s["line"], s["character"]) <= (e["line"], e["character"])
            and min(s["character"], e["character"]) >= 0
        )
    except (KeyError, TypeError):
        return False


def check(shape: Shape, answer: Answer) -> str | None:
    """What is wrong with `answer` (None: it is well formed)."""
    response = answer.response
    if "error" in response:
        error = response["error"]
        refusal = isinstance(error, dict) and error.get("code") == -32803 and error.get("message")
        if answer.method == "textDocument/prepareRename" and refusal:
            return None  # a rename refused with its reason (decision 37)
        return f"error {error}"
    r = response.get("result")
    lines = shape.text.count("\n") + 1
    m = answer.method
    if m == "textDocument/diagnostic":
        items = r.get("items") if isinstance(r, dict) else None
        if not isinstance(items, list) or not all(_range_ok(d.get("range"), lines) for d in items):
            return f"bad report {str(r)[:200]}"
        if shape.one_syntax_error and len(items) != 1:
            return f"{len(items)} diagnostics, expected one"
        return None
    if m in ("(refresh of the tokens)", "(the rest of the tokens, background)"):
        return None
    if m in ("textDocument/semanticTokens/full", "semanticTokens/full after it"):
        ok = (
            isinstance(r, dict)
            and isinstance(r.get("data"), list)
            and len(r["data"]) % 5 == 0
            and "resultId" in r
        )
        return None if ok else f"bad tokens {r!r:.200}"
    if m == "textDocument/semanticTokens/range":
        data = r.get("data") if isinstance(r, dict) else None
        return None if isinstance(data, list) and len(data) % 5 == 0 else f"bad tokens {r!r:.200}"
    if m == "textDocument/semanticTokens/full/delta":
        ok = isinstance(r, dict) and ("edits" in r or "data" in r)
        return None if ok else f"bad delta {r!r:.200}"
    if m == "textDocument/foldingRange":
        if not isinstance(r, list):
            return f"bad folds {r!r:.200}"
        keys = [(f["startLine"], f["endLine"]) for f in r]
        if keys != sorted(keys) or any(not 0 <= a <= b < lines for a, b in keys):
            return "folds not sorted or outside the document"
        return None
    if m == "textDocument/documentSymbol":
        return (
            None
            if isinstance(r, list) and all(_range_ok(s["range"], lines) for s in r)
            else f"bad symbols {r!r:.200}"
        )
    if m == "textDocument/inlayHint":
        return (
            None
            if isinstance(r, list) and all(0 <= h["position"]["line"] < lines for h in r)
            else "bad hints"
        )
    if m == "textDocument/hover":
        return None if r is None or (isinstance(r, dict) and "contents" in r) else f"bad hover {r!r:.200}"
    if m == "textDocument/selectionRange":
        if not isinstance(r, list) or len(r) != 1:
            return f"bad selection {r!r:.200}"
        level, depth = r[0], 0
        while isinstance(level, dict):
            if not _range_ok(level.get("range"), lines):
                return "selection range outside the document"
            level, depth = level.get("parent"), depth + 1
        return None if depth >= 1 else "empty selection"
    if m in ("textDocument/documentHighlight", "textDocument/references"):
        return (
            None
            if isinstance(r, list) and all(_range_ok(x["range"], lines) for x in r)
            else f"bad list {r!r:.200}"
        )
    if m == "textDocument/definition":
        return None if r is None or isinstance(r, (dict, list)) else f"bad definition {r!r:.200}"
    if m == "textDocument/completion":
        ok = (isinstance(r, dict) and isinstance(r.get("items"), list)) or isinstance(r, list)
        return None if ok else f"bad completion {r!r:.200}"
    if m == "textDocument/signatureHelp":
        return (
            None if r is None or (isinstance(r, dict) and "signatures" in r) else f"bad signature {r!r:.200}"
        )
    if m == "textDocument/codeAction":
        return None if isinstance(r, list) and all("title" in a for a in r) else f"bad actions {r!r:.200}"
    if m == "codeAction/resolve":
        return None if isinstance(r, dict) and "title" in r else f"bad resolve {r!r:.200}"
    if m == "textDocument/prepareRename":
        return None if r is None or isinstance(r, dict) else f"bad prepareRename {r!r:.200}"
    if m == "textDocument/rename":
        return None if isinstance(r, dict) and "changes" in r else f"bad rename {r!r:.200}"
    return f"unexpected method {m}"
