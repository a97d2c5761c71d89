"""wat-lsp against wasm-language-tools (`wat_server`), the same session on both, over stdio.

    python bench/bench_peer.py [PATH...] [--sizes 1MB,13MB] [--edits 10] [--timeout 300]

Each document (PATH, or generated modules of `--sizes`: 13MB is the 10,000-function module of
``bench_server.py``) is opened in one server, then in the other, one after the other (never
side by side, so they do not share the 2 cores). Both pull diagnostics (each server's
`diagnosticProvider`), so the figures are request to answer:

- ``didOpen`` then ``textDocument/diagnostic``: the first diagnostics;
- ``--edits`` one-character edits, each inside another function (a digit of an ``i32.const``
  operand), each followed at once by ``textDocument/diagnostic``: median and max;
- then, once, in the order an editor sends them: hover, ``documentSymbol``, full semantic
  tokens, folding ranges and formatting, each timed to its answer.

A server that takes longer than ``--timeout`` seconds on one step is stopped there and the rest
of its row says so. The last column is wat_server's time over ours. Without `wat_server` on
PATH (``cargo install wat_server --version '~0.11'``) only ours is run.
"""

from __future__ import annotations

import argparse
import queue
import shutil
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
for p in (str(HERE), str(HERE.parent)):
    if p not in sys.path:
        sys.path.insert(0, p)

from bench_parse import ensure_functions_input, ensure_input  # noqa: E402
from bench_server import URI, Server, _position, edit_sites  # noqa: E402

from tests.lsp_wire import SERVER_COMMAND  # noqa: E402

STEPS = ("open", "edit median", "edit max", "hover", "symbols", "tokens", "folding", "format")


class TimedOut(Exception):
    pass


class Refused(Exception):
    pass


# What VS Code declares, in short: a server may refuse capabilities that leave out required fields.
CAPABILITIES = {
    "textDocument": {
        "diagnostic": {},
        "semanticTokens": {
            "requests": {"full": True},
            "tokenTypes": ["keyword", "type", "function", "variable", "number", "string", "comment"],
            "tokenModifiers": [],
            "formats": ["relative"],
        },
    }
}


@dataclass
class Row:
    server: str
    times: dict[str, float] = field(default_factory=dict)
    stopped: str | None = None  # the step that timed out
    peak_rss: int = 0


def _request(server: Server, id: int, method: str, params: Any, timeout: float) -> float:
    start = server.send(method, params, id)
    try:
        at, answer = server.wait(lambda m: m.get("id") == id and "method" not in m, timeout=timeout)
    except queue.Empty:
        raise TimedOut(method) from None
    if "error" in answer:
        raise Refused(f"{method}: {answer['error']}")
    return at - start


def session(
    name: str,
    command: list[str],
    data: bytes,
    edits: int,
    timeout: float,
    options: dict[str, Any] | None = None,
) -> Row:
    row = Row(name)
    server = Server(command)
    doc = {"uri": URI}
    step = "open"
    try:
        _request(
            server,
            1,
            "initialize",
            {
                "processId": None,
                "rootUri": None,
                **({"initializationOptions": options} if options else {}),
                "capabilities": CAPABILITIES,
            },
            timeout,
        )
        server.send("initialized", {})
        start = server.send(
            "textDocument/didOpen",
            {"textDocument": {"uri": URI, "languageId": "wat", "version": 1, "text": data.decode()}},
        )
        _request(server, 2, "textDocument/diagnostic", {"textDocument": doc}, timeout)
        row.times["open"] = time.perf_counter() - start
        step = "edit median"
        times: list[float] = []
        for k, site in enumerate(edit_sites(data, edits)):
            time.sleep(0.2)
            pos = _position(data, site)
            new = str((data[site] - 48 + 1) % 10)
            rng = {"start": pos, "end": {"line": pos["line"], "character": pos["character"] + 1}}
            start = server.send(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": URI, "version": k + 2},
                    "contentChanges": [{"range": rng, "text": new}],
                },
            )
            _request(server, 100 + k, "textDocument/diagnostic", {"textDocument": doc}, timeout)
            times.append(time.perf_counter() - start)
            data = data[:site] + new.encode() + data[site + 1 :]
        row.times["edit median"] = statistics.median(times)
        row.times["edit max"] = max(times)
        middle = _position(data, edit_sites(data, 1)[0])
        requests = [
            ("hover", "textDocument/hover", {"textDocument": doc, "position": middle}),
            ("symbols", "textDocument/documentSymbol", {"textDocument": doc}),
            ("tokens", "textDocument/semanticTokens/full", {"textDocument": doc}),
            ("folding", "textDocument/foldingRange", {"textDocument": doc}),
            (
                "format",
                "textDocument/formatting",
                {"textDocument": doc, "options": {"tabSize": 2, "insertSpaces": True}},
            ),
        ]
        for k, (step, method, params) in enumerate(requests):
            row.times[step] = _request(server, 1000 + k, method, params, timeout)
        row.peak_rss = server.peak_rss()
    except (TimedOut, RuntimeError, Refused) as e:  # too slow, the server died, or an error answer
        print(f"{name}: stopped at {step}: {type(e).__name__} {e}")
        row.stopped = step
        row.peak_rss = server.peak_rss()
        server.proc.kill()
        return row
    finally:
        if row.stopped is None:
            server.close()
    return row


def _cell(row: Row, step: str, timeout: float) -> str:
    if step in row.times:
        t = row.times[step]
        return f"{t * 1000:.0f} ms" if t < 10 else f"{t:.1f} s"
    return f"> {timeout:.0f} s or died" if row.stopped == step else "not run"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--sizes", default="1MB,13MB")
    ap.add_argument("--edits", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args(argv)
    paths = [Path(p) for p in args.paths] or [
        ensure_functions_input(10_000) if s == "13MB" else ensure_input(s) for s in args.sizes.split(",")
    ]
    peer = shutil.which("wat_server")
    if peer is None:
        print("wat_server is not on PATH: only wat-lsp is run (cargo install wat_server --version '~0.11')")
    for path in paths:
        data = path.read_bytes()
        print(f"\n{path.name}: {len(data):,} bytes, {data.count(b'(func '):,} functions")
        rows = [session("wat-lsp", SERVER_COMMAND, data, args.edits, args.timeout, {"maxDiagnostics": 0})]
        if peer is not None:
            rows.append(session("wat_server 0.11", [peer], data, args.edits, args.timeout))
        print("| step | " + " | ".join(r.server for r in rows) + (" | ratio |" if len(rows) == 2 else " |"))
        print("|---" * (len(rows) + 1 + (len(rows) == 2)) + "|")
        for step in STEPS:
            cells = [_cell(r, step, args.timeout) for r in rows]
            ratio = ""
            if len(rows) == 2:
                a, b = rows[0].times.get(step), rows[1].times.get(step)
                ratio = f" {b / a:.2g}x |" if a and b else " — |"
            print(f"| {step} | " + " | ".join(cells) + " |" + ratio)
        print(
            "| peak RSS | "
            + " | ".join(f"{r.peak_rss / 2**20:.0f} MiB" for r in rows)
            + " |"
            + (" |" if len(rows) == 2 else "")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
