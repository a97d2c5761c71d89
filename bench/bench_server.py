"""The language server end to end, over stdio, on the 13 MB / 10,000-function document.

    python bench/bench_server.py [PATH] [--edits 50] [--pull] [--no-verify]

PATH defaults to the generated 10,000-function module (``genwat.py --functions 10000``, about
13 MB, cached in ``bench/.cache``). The real server (``python -m wat_lsp --stdio``) is started
and spoken to in JSON-RPC frames; each time is from writing the message to reading the
answer, so it includes JSON, the pipe and the server's scheduling:

- ``didOpen`` to the first ``publishDiagnostics`` (parse and full analysis);
- ``--edits`` one-character ``didChange``s, each inside a different function (a digit of an
  ``i32.const`` operand replaced; the functions are spread over the document), each to the
  ``publishDiagnostics`` of its version: median, p95, min, max. Edits are 0.2 s apart, as
  keystrokes after a pause (a burst of edits is debounced: only its last version is analysed);
- with ``--pull``, the client pulls diagnostics instead (as VS Code and Neovim do): each edit
  is followed at once by a ``textDocument/diagnostic`` request, timed to its answer;
- ``textDocument/codeAction`` listings at some of the edited places (lazy resolution, as
  VS Code and Neovim ask): median;
- with verification (the default), the last published diagnostics against ``--check``'s core
  (``analyse`` + ``output.lsp_diagnostic``) on the final text.

``bench/bench_incremental_diagnostics.py`` measures the server's incremental code path in
process (no protocol), which is the bulk of the edit figure here.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import queue
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
for p in (str(HERE), str(HERE.parent)):
    if p not in sys.path:
        sys.path.insert(0, p)

from bench_parse import ensure_functions_input  # noqa: E402

from tests.lsp_wire import SERVER_COMMAND, frame, start_reader  # noqa: E402

URI = "file:///bench/doc.wat"


class Server:
    """`wat-lsp --stdio` as a child process; messages read in a thread, stamped on arrival."""

    def __init__(self, command: list[str] | None = None) -> None:
        self.proc = subprocess.Popen(
            command or SERVER_COMMAND,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.inbox: queue.Queue[tuple[float, dict[str, Any]] | None] = queue.Queue()
        self._start_reader()

    def _start_reader(self) -> None:
        """Messages stamped on arrival into `inbox`."""
        start_reader(
            self.proc.stdout, lambda m: self.inbox.put(None if m is None else (time.perf_counter(), m))
        )

    def send(self, method: str, params: Any, id: int | None = None) -> float:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        if id is not None:
            message["id"] = id
        data = frame(json.dumps(message).encode())
        assert self.proc.stdin is not None
        start = time.perf_counter()
        self.proc.stdin.write(data)
        self.proc.stdin.flush()
        return start

    def wait(self, match: Any, timeout: float = 600) -> tuple[float, dict[str, Any]]:
        """The first message for which `match(message)` holds, and when it arrived."""
        deadline = time.monotonic() + timeout
        while True:
            item = self.inbox.get(timeout=max(0.1, deadline - time.monotonic()))
            if item is None:
                raise RuntimeError("the server closed its output")
            if match(item[1]):
                return item

    def published(self, version: int) -> tuple[float, list[dict[str, Any]]]:
        def match(m: dict[str, Any]) -> bool:
            p = m.get("params") or {}
            return m.get("method") == "textDocument/publishDiagnostics" and p.get("version") == version

        at, message = self.wait(match)
        diagnostics: list[dict[str, Any]] = message["params"]["diagnostics"]
        return at, diagnostics

    def request(self, id: int, method: str, params: Any) -> tuple[float, Any]:
        start = self.send(method, params, id)
        at, message = self.wait(lambda m: m.get("id") == id and "method" not in m)
        return at - start, message.get("result")

    def cpu_seconds(self) -> float:
        """The server's user + system CPU time so far (0 where /proc has none): on a busy
        machine this shows the work an edit costs, apart from waiting for a core."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss(self) -> int:
        """The server's peak resident set (VmHWM), in bytes; 0 where /proc has none."""
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
        except OSError:
            return 0
        found = re.search(r"VmHWM:\s+(\d+) kB", status)
        return int(found.group(1)) * 1024 if found else 0

    def close(self) -> None:
        try:
            self.request(10**6, "shutdown", None)
            self.send("exit", None)
            self.proc.wait(timeout=30)
        finally:
            self.proc.kill()


def pulled(server: Server, id: int) -> tuple[float, list[dict[str, Any]]]:
    """Ask for the document's diagnostics now; when the answer arrived, and its items."""
    server.send("textDocument/diagnostic", {"textDocument": {"uri": URI}}, 10_000 + id)
    at, message = server.wait(lambda m: m.get("id") == 10_000 + id and "method" not in m)
    items: list[dict[str, Any]] = message["result"]["items"]
    return at, items


def _position(data: bytes, offset: int) -> dict[str, int]:
    line = data.count(b"\n", 0, offset)
    return {"line": line, "character": offset - (data.rfind(b"\n", 0, offset) + 1)}  # ASCII: bytes = units


def edit_sites(data: bytes, count: int) -> list[int]:
    """A digit of an `i32.const` operand in each of `count` functions spread over the text
    (the next function along when one has no such operand). Module fields are the lines
    that start with `  (` in genwat's output; only `(func` fields are edited."""
    fields = [m.start() + 1 for m in re.finditer(rb"\n  \(", data)] + [len(data)]
    funcs = [(a, b) for a, b in itertools.pairwise(fields) if data.startswith(b"  (func ", a)]
    operand = re.compile(rb"i32\.const (\d+)")
    step = max(1, len(funcs) // count)
    sites: list[int] = []
    for k in range(count):
        for start, end in funcs[k * step :]:
            found = operand.search(data, start, end)
            if found is not None:
                sites.append(found.end(1) - 1 - (k % len(found.group(1))))
                break
    return sites


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("path", nargs="?", help="a .wat document (default: the generated 10,000-function module)")
    ap.add_argument("--edits", type=int, default=50)
    ap.add_argument("--pull", action="store_true", help="pull diagnostics (textDocument/diagnostic)")
    ap.add_argument("--no-verify", action="store_true", help="skip comparing with --check at the end")
    args = ap.parse_args(argv)
    path = Path(args.path) if args.path else ensure_functions_input(10_000)
    data = path.read_bytes()
    lines = data.count(b"\n")
    print(
        f"{path.name}: {len(data):,} bytes, {data.count(b'(func '):,} functions, {lines:,} lines; "
        f"diagnostics {'pulled' if args.pull else 'pushed'}"
    )

    server = Server()
    try:
        server.request(
            1,
            "initialize",
            {
                "processId": None,
                "rootUri": None,
                # No cap, so the last version's diagnostics can be compared with --check's.
                "initializationOptions": {"maxDiagnostics": 0},
                "capabilities": {
                    "textDocument": {
                        "publishDiagnostics": {"versionSupport": True},
                        **({"diagnostic": {}} if args.pull else {}),
                        "codeAction": {"resolveSupport": {"properties": ["edit"]}, "dataSupport": True},
                    }
                },
            },
        )
        server.send("initialized", {})
        start = server.send(
            "textDocument/didOpen",
            {"textDocument": {"uri": URI, "languageId": "wat", "version": 1, "text": data.decode("utf-8")}},
        )
        at, diagnostics = pulled(server, 1) if args.pull else server.published(1)
        print(f"didOpen to first diagnostics: {_ms(at - start)} ({len(diagnostics)} diagnostics)")

        times: list[float] = []
        cpu: list[float] = []
        sites = edit_sites(data, args.edits)
        for k, site in enumerate(sites):
            time.sleep(0.2)
            pos = _position(data, site)
            new = str((data[site] - 48 + 1) % 10)
            rng = {"start": pos, "end": {"line": pos["line"], "character": pos["character"] + 1}}
            cpu_before = server.cpu_seconds()
            start = server.send(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": URI, "version": k + 2},
                    "contentChanges": [{"range": rng, "text": new}],
                },
            )
            at, diagnostics = pulled(server, k + 2) if args.pull else server.published(k + 2)
            times.append(at - start)
            cpu.append(server.cpu_seconds() - cpu_before)
            data = data[:site] + new.encode() + data[site + 1 :]
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        print(
            f"{len(times)} one-character edits, each in another function: edit to diagnostics "
            f"median {_ms(statistics.median(times))}, p95 {_ms(p95)}, min {_ms(times[0])}, "
            f"max {_ms(times[-1])}"
        )
        print(
            f"  server CPU time per edit: median {_ms(statistics.median(cpu))} (load average now "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )

        listings: list[float] = []
        for k, site in enumerate(sites[:: max(1, len(sites) // 10)]):
            pos = _position(data, site)
            took, result = server.request(
                100 + k,
                "textDocument/codeAction",
                {
                    "textDocument": {"uri": URI},
                    "range": {"start": pos, "end": pos},
                    "context": {"diagnostics": []},
                },
            )
            assert isinstance(result, list) and result, result
            listings.append(took)
        print(
            f"{len(listings)} code action listings (lazy): median {_ms(statistics.median(listings))}, "
            f"max {_ms(max(listings))}"
        )
        print(f"server peak RSS: {server.peak_rss() / 2**20:.0f} MiB")

        if not args.no_verify:
            from wat_lsp.analysis.document import analyse
            from wat_lsp.analysis.positions import LineIndex

            from wat_lsp.output import lsp_diagnostic

            t0 = time.perf_counter()
            index = LineIndex(data)
            expected = [lsp_diagnostic(d, index, URI) for d in analyse(data).diagnostics]
            same = sorted(map(json.dumps, expected)) == sorted(map(json.dumps, diagnostics))
            print(
                f"last version against --check's core ({_ms(time.perf_counter() - t0)}): same diagnostics: {same}"
            )
            if not same:
                return 1
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
