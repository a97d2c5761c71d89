"""A 10,000-digit literal in every literal position of the grammar gets its diagnostic and no
exception: in process, through `wat-lsp --check`, and through the server over stdio (where
the document must then still answer requests). Python refuses to convert decimal strings
of more than 4,300 digits to int, so every conversion must avoid building such an int."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any, NamedTuple

import pytest
from wat_lsp.analysis.document import analyse

from tests.lsp_wire import SERVER_COMMAND, frame, read_message

DIGITS = 10_000
DEC = "1" + "0" * (DIGITS - 1)
HEX = "0x" + "f" * DIGITS
HEX_DIGITS = "1" + "0" * (DIGITS - 1)  # bare hex digits (`\u{...}`, `nan:0x...`)

# out-of-range constants, indices and limits are `malformed-literal`; memory arguments and
# lane indices have long reported a bad value as `malformed` (as they do for 4,300 digits)
LITERAL, MALFORMED = "malformed-literal", "malformed"

# (name, template, code): `{L}` is the literal; `<` and `>` mark the token the diagnostic
# covers. Templates without `L` in the name take both DEC and HEX.
TEMPLATES: list[tuple[str, str, str]] = [
    # constants
    ("i32.const", "(module (func (drop (i32.const <{L}>))))", LITERAL),
    ("i64.const", "(module (func (drop (i64.const <{L}>))))", LITERAL),
    ("i64.const-negative", "(module (func (drop (i64.const <-{L}>))))", LITERAL),
    ("f32.const", "(module (func (drop (f32.const <{L}>))))", LITERAL),
    ("f64.const", "(module (func (drop (f64.const <{L}>))))", LITERAL),
    ("f64.const-fraction", "(module (func (drop (f64.const <{L}.5>))))", LITERAL),
    ("v128-i8x16", "(module (func (drop (v128.const i8x16 <{L}> 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0))))", LITERAL),
    ("v128-i16x8", "(module (func (drop (v128.const i16x8 0 <{L}> 0 0 0 0 0 0))))", LITERAL),
    ("v128-i32x4", "(module (func (drop (v128.const i32x4 0 0 <{L}> 0))))", LITERAL),
    ("v128-i64x2", "(module (func (drop (v128.const i64x2 0 <{L}>))))", LITERAL),
    ("v128-f32x4", "(module (func (drop (v128.const f32x4 0 0 0 <{L}>))))", LITERAL),
    ("v128-f64x2", "(module (func (drop (v128.const f64x2 <{L}> 0))))", LITERAL),
    # index spaces
    ("func", "(module (func (call <{L}>)))", LITERAL),
    ("func-ref.func", "(module (func (drop (ref.func <{L}>))))", LITERAL),
    ("func-export", '(module (func) (export "f" (func <{L}>)))', LITERAL),
    ("func-elem", "(module (table 1 funcref) (elem (i32.const 0) func <{L}>))", LITERAL),
    ("start", "(module (func) (start <{L}>))", LITERAL),
    (
        "type-call_indirect",
        "(module (table 1 funcref) (func (call_indirect (type <{L}>) (i32.const 0))))",
        LITERAL,
    ),
    ("type-typeuse", "(module (func (type <{L}>)))", LITERAL),
    ("type-heap", "(module (func (param (ref <{L}>))))", LITERAL),
    ("local", "(module (func (drop (local.get <{L}>))))", LITERAL),
    ("global", "(module (func (drop (global.get <{L}>))))", LITERAL),
    ("table", "(module (table 1 funcref) (func (drop (table.size <{L}>))))", LITERAL),
    ("table-elem", "(module (table 1 funcref) (func $f) (elem <{L}> (i32.const 0) $f))", LITERAL),
    (
        "table-elem-use",
        "(module (table 1 funcref) (func $f) (elem (table <{L}>) (i32.const 0) func $f))",
        LITERAL,
    ),
    ("memory", "(module (memory 1) (func (drop (memory.size <{L}>))))", LITERAL),
    ("memory-load", "(module (memory 1) (func (drop (i32.load <{L}> (i32.const 0)))))", LITERAL),
    ("memory-data", '(module (memory 1) (data <{L}> (i32.const 0) ""))', LITERAL),
    ("memory-data-use", '(module (memory 1) (data (memory <{L}>) (i32.const 0) ""))', LITERAL),
    ("elem", "(module (func (elem.drop <{L}>)))", LITERAL),
    ("data", "(module (memory 1) (func (data.drop <{L}>)))", LITERAL),
    ("tag", "(module (func (throw <{L}>)))", LITERAL),
    ("label", "(module (func (br <{L}>)))", LITERAL),
    ("label-br_table", "(module (func (block (br_table 0 <{L}> (i32.const 0)))))", LITERAL),
    (
        "field",
        "(module (type $s (struct (field i32))) (func (param (ref $s)) (drop (struct.get $s <{L}> (local.get 0)))))",
        LITERAL,
    ),
    # limits
    ("memory-min", "(module (memory <{L}>))", LITERAL),
    ("memory-max", "(module (memory 1 <{L}>))", LITERAL),
    ("memory64-min", "(module (memory i64 <{L}>))", LITERAL),
    ("memory64-max", "(module (memory i64 1 <{L}>))", LITERAL),
    ("table-min", "(module (table <{L}> funcref))", LITERAL),
    ("table-max", "(module (table 1 <{L}> funcref))", LITERAL),
    ("table64-min", "(module (table i64 <{L}> funcref))", LITERAL),
    ("pagesize", "(module (memory 1 (pagesize <{L}>)))", LITERAL),
    # memory arguments and lanes
    ("offset", "(module (memory 1) (func (drop (i32.load <offset={L}> (i32.const 0)))))", MALFORMED),
    ("align", "(module (memory 1) (func (drop (i32.load <align={L}> (i32.const 0)))))", MALFORMED),
    ("lane-extract", "(module (func (drop (i8x16.extract_lane_s <{L}> (v128.const i64x2 0 0)))))", MALFORMED),
    (
        "lane-replace",
        "(module (func (drop (i32x4.replace_lane <{L}> (v128.const i64x2 0 0) (i32.const 0)))))",
        MALFORMED,
    ),
    (
        "lane-load",
        "(module (memory 1) (func (drop (v128.load8_lane <{L}> (i32.const 0) (v128.const i64x2 0 0)))))",
        MALFORMED,
    ),
    (
        "lane-shuffle",
        "(module (func (drop (i8x16.shuffle 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 <{L}>"
        " (v128.const i64x2 0 0) (v128.const i64x2 0 0)))))",
        MALFORMED,
    ),
]
# literals of one form only: long exponents, hex digits inside other tokens
FIXED: list[tuple[str, str, str]] = [
    ("f32-exponent-L", f"(module (func (drop (f32.const <1e{DEC}>))))", LITERAL),
    ("f64-exponent-L", f"(module (func (drop (f64.const <1.5e+{DEC}>))))", LITERAL),
    ("f64-hex-exponent-L", f"(module (func (drop (f64.const <0x1p{DEC}>))))", LITERAL),
    ("f32-hex-mantissa-L", f"(module (func (drop (f32.const <0x1.{HEX_DIGITS}p128>))))", LITERAL),
    ("nan-payload-L", f"(module (func (drop (f64.const <nan:0x{HEX_DIGITS}>))))", LITERAL),
    ("data-string-L", f'(module (memory 1) (data (i32.const 0) <"\\u{{{HEX_DIGITS}}}">))', LITERAL),
]


class Case(NamedTuple):
    name: str
    text: str
    code: str
    start: int
    end: int


def _case(name: str, template: str, code: str, literal: str) -> Case:
    marked = template.replace("{L}", literal)
    start = marked.index("<")
    text = marked[:start] + marked[start + 1 :]
    end = text.index(">", start)
    return Case(name, text[:end] + text[end + 1 :], code, start, end)


CASES = [
    _case(f"{name}-{form}", t, code, lit)
    for name, t, code in TEMPLATES
    for form, lit in (("dec", DEC), ("hex", HEX))
] + [_case(n, t, c, "") for n, t, c in FIXED]


def _expected(case: Case) -> list[tuple[str, int, int]]:
    return [(case.code, case.start, case.end)]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_in_process(case: Case) -> None:
    diagnostics = analyse(case.text.encode()).diagnostics
    assert [(d.code, d.span.start, d.span.end) for d in diagnostics] == _expected(case)
    # the message quotes the literal abbreviated, not 10,000 characters of it
    assert all(len(d.message) < 120 for d in diagnostics)


def test_check_cli(tmp_path: Path) -> None:
    for i, case in enumerate(CASES):
        (tmp_path / f"{i:03}.wat").write_text(case.text)
    proc = subprocess.run(
        [sys.executable, "-m", "wat_lsp", "--check", "--format", "json", str(tmp_path)],
        capture_output=True,
        timeout=300,
    )
    assert proc.returncode == 1
    assert proc.stderr == b""
    got = {
        Path(entry["uri"].removeprefix("file://")).name: entry["diagnostics"]
        for entry in json.loads(proc.stdout)
    }
    wrong = []
    for i, case in enumerate(CASES):
        # one line of ASCII: LSP characters are byte offsets
        found = [
            (d["code"], d["range"]["start"]["character"], d["range"]["end"]["character"])
            for d in got.get(f"{i:03}.wat", [])
        ]
        if found != _expected(case):
            wrong.append((case.name, found))
    assert wrong == []


class _Server:
    """The server over stdio, with a reader thread so a missing answer times out."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            SERVER_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        assert self.proc.stdout is not None
        threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True).start()
        self.next_id = 0

    def _read(self, out: IO[bytes]) -> None:
        while True:
            message = read_message(out)
            self.messages.put(message)
            if message is None:
                return

    def send(self, method: str, params: Any, request: bool = False) -> int:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self.next_id += 1
            message["id"] = self.next_id
        assert self.proc.stdin is not None
        self.proc.stdin.write(frame(json.dumps(message).encode()))
        self.proc.stdin.flush()
        return self.next_id

    def wait_for(self, match: Any, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            message = self.messages.get(timeout=max(0.1, deadline - time.monotonic()))
            assert message is not None, "the server closed its output"
            if match(message):
                return message

    def close(self) -> bytes:
        self.proc.kill()
        _, err = self.proc.communicate()
        return err


def test_server_stdio() -> None:
    server = _Server()
    wrong = []
    try:
        answer = server.send(
            "initialize", {"processId": None, "rootUri": None, "capabilities": {}}, request=True
        )
        server.wait_for(lambda m: m.get("id") == answer)
        server.send("initialized", {})
        for i, case in enumerate(CASES):
            uri = f"file:///huge/{i:03}.wat"
            server.send(
                "textDocument/didOpen",
                {"textDocument": {"uri": uri, "languageId": "wat", "version": 1, "text": case.text}},
            )
            published = server.wait_for(
                lambda m, uri=uri: (
                    m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
                )
            )
            found = [
                (d["code"], d["range"]["start"]["character"], d["range"]["end"]["character"])
                for d in published["params"]["diagnostics"]
            ]
            hover = server.send(
                "textDocument/hover",
                {"textDocument": {"uri": uri}, "position": {"line": 0, "character": case.start}},
                request=True,
            )
            response = server.wait_for(lambda m, hover=hover: m.get("id") == hover and "method" not in m)
            server.send("textDocument/didClose", {"textDocument": {"uri": uri}})
            if found != _expected(case) or "error" in response:
                wrong.append((case.name, found, response.get("error")))
    finally:
        stderr = server.close()
    assert wrong == []
    assert b"Traceback" not in stderr
