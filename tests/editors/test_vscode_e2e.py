"""VS Code for real: code-server (VS Code 1.100.3 in a browser) hosts the freshly packaged .vsix,
and headless Chromium, driven by playwright-core (`editors/vscode/e2e/drive.js`), uses it by the
keyboard as a person would: it sees the `uninitialized-local` error (the squiggle, the Problems
count, the related locations), applies the quick fix with Ctrl+. and the arrows, and the file
VS Code saves equals `wat-lsp --fix`'s output. When the server advertises document formatting,
Format Document (Shift+Alt+F) gives what the server's formatter gives.

Everything runs from `editors/vscode/e2e/install.sh`'s cache (`$WAT_LSP_E2E_CACHE`, by default
~/.cache/wat-lsp-e2e) and Debian's `chromium`; when something is missing the tests skip naming
it, and fail under CI, whose `.ci/run` runs the installer. code-server listens on 127.0.0.1 only,
without authentication, in a session of its own (setsid), and its whole process group (with the
extension host and the server) is ended afterwards. The screenshot of the diagnostic is kept in
build/test-artifacts/ (git-ignored; `WAT_LSP_ARTIFACTS` moves it).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.editors.vscode_build import ROOT, VSCODE
from tests.lsp_wire import SERVER_COMMAND, frame, read_message
from tests.tools import missing_tool, need_node

INSTALL = VSCODE / "e2e" / "install.sh"
DRIVER = VSCODE / "e2e" / "drive.js"
CACHE = Path(os.environ.get("WAT_LSP_E2E_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "wat-lsp-e2e")
ARTIFACTS = Path(os.environ.get("WAT_LSP_ARTIFACTS") or ROOT / "build" / "test-artifacts")

START_TIMEOUT_S = 60  # code-server answering /healthz
DRIVE_TIMEOUT_S = 240  # the whole browser session; each step inside has 60 s

BAD = """(module
  (type $t (struct))
  (func (local $x (ref $t))
    (block (local.set $x (struct.new $t)))
    (drop (local.get $x))))
"""
FIX_TITLE = "Make `$x` nullable and assert non-null at its reads"
# Valid, and formatted nothing like the formatter would.
MESSY = """(module
(func $add   (param $a i32) (param $b i32)
        (result i32)
   (i32.add (local.get $a)
 (local.get $b))))
"""

SETTINGS = {
    # What keeps a first start quiet: no welcome page, no trust prompt, nothing from the network.
    "workbench.startupEditor": "none",
    "security.workspace.trust.enabled": False,
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoCheckUpdates": False,
    "extensions.autoUpdate": False,
    "workbench.tips.enabled": False,
    # Format Document sends these options; the formatter's reference run below sends the same.
    "[wat]": {"editor.detectIndentation": False, "editor.tabSize": 2, "editor.insertSpaces": True},
}
FORMATTING_OPTIONS = {"tabSize": 2, "insertSpaces": True}


def _server_settings() -> dict[str, Any]:
    """`wat-lsp.serverPath` (and `serverArgs`) for the server of the Python running the tests:
    its `wat-lsp` script beside the interpreter, else the interpreter with `-m wat_lsp`."""
    script = Path(sys.executable).parent / "wat-lsp"
    if script.is_file() and os.access(script, os.X_OK):
        return {"wat-lsp.serverPath": str(script)}
    return {"wat-lsp.serverPath": sys.executable, "wat-lsp.serverArgs": ["-m", "wat_lsp"]}


@dataclass(frozen=True, slots=True)
class Tools:
    code_server: Path
    node_modules: Path
    chromium: str


def _tools() -> Tools:
    need_node()
    hint = f"run {INSTALL.relative_to(ROOT)} (as root for its Debian packages)"
    chromium = shutil.which("chromium")
    if chromium is None:
        missing_tool(f"Debian's `chromium` is not installed ({hint})")
    code_server = CACHE / "node_modules" / ".bin" / "code-server"
    if not os.access(code_server, os.X_OK):
        missing_tool(f"npm code-server is not installed in {CACHE} ({hint})")
    if not (CACHE / "node_modules" / "playwright-core" / "package.json").is_file():
        missing_tool(f"npm playwright-core is not installed in {CACHE} ({hint})")
    return Tools(code_server, CACHE / "node_modules", chromium)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _end_group(process: subprocess.Popen[Any]) -> None:
    """End `process`'s whole process group (it leads one: started in a session of its own)."""
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        with suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with suppress(subprocess.TimeoutExpired):
            process.wait(wait)
            # The leader is gone; its children may not be.
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            return


@contextmanager
def _code_server(tools: Tools, home: Path, workspace: Path) -> Iterator[str]:
    """code-server serving `workspace` on 127.0.0.1, its URL; the process group ended after."""
    port = _free_port()
    log = home / "code-server.log"
    env = {**os.environ, "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data")}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(tools.code_server), "--bind-addr", f"127.0.0.1:{port}", "--auth", "none",
             "--user-data-dir", str(home / "user-data"), "--extensions-dir", str(home / "extensions"),
             "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust",
             "--disable-getting-started-override", str(workspace)],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env,
            start_new_session=True,  # setsid: its own process group, ended whole below
        )  # fmt: skip
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"code-server exited {process.returncode}:\n{log.read_text(errors='replace')}")
            with suppress(OSError, urllib.error.URLError):
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                    if answer.status == 200:
                        break
            if time.monotonic() > deadline:
                pytest.fail(f"code-server did not answer in {START_TIMEOUT_S} s:\n{log.read_text(errors='replace')}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/?folder={workspace}"
    finally:
        _end_group(process)


def _run_group(command: list[str], timeout: float, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """`subprocess.run` in a session of its own, the whole group ended on a timeout (the driver's
    Chromium must not outlive it)."""
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True, **kwargs)  # fmt: skip
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _end_group(process)
        stdout, stderr = process.communicate()
        pytest.fail(f"{' '.join(command)} took over {timeout} s\n{stdout}\n{stderr}")
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _wat_lsp(*args: str) -> str:
    done = subprocess.run([*SERVER_COMMAND[:-1], *args], capture_output=True, text=True, timeout=60)
    assert done.returncode in (0, 1), done.stderr  # 1: errors remain (--check)
    return done.stdout


def _formatted_by_server(path: Path) -> str | None:
    """The text the server's `textDocument/formatting` makes of `path` (ASCII, so UTF-16 columns
    are byte columns), or None when the server does not advertise formatting."""
    text = path.read_text()
    server = subprocess.Popen(SERVER_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert server.stdin is not None and server.stdout is not None

    def send(message: dict[str, Any]) -> None:
        assert server.stdin is not None
        server.stdin.write(frame(json.dumps({"jsonrpc": "2.0", **message}).encode()))
        server.stdin.flush()

    def answer(id_: int) -> dict[str, Any]:
        assert server.stdout is not None
        while (message := read_message(server.stdout)) is not None:
            if message.get("id") == id_ and "method" not in message:
                return message
        pytest.fail(f"the server closed its output before answering request {id_}")

    try:
        send({"id": 1, "method": "initialize", "params": {"processId": None, "rootUri": None, "capabilities": {}}})
        capabilities = answer(1)["result"]["capabilities"]
        if not capabilities.get("documentFormattingProvider"):
            return None
        send({"method": "initialized", "params": {}})
        uri = path.as_uri()
        send({"method": "textDocument/didOpen",
              "params": {"textDocument": {"uri": uri, "languageId": "wat", "version": 1, "text": text}}})  # fmt: skip
        send({"id": 2, "method": "textDocument/formatting",
              "params": {"textDocument": {"uri": uri}, "options": FORMATTING_OPTIONS}})  # fmt: skip
        edits = answer(2)["result"] or []
        send({"id": 3, "method": "shutdown"})
        answer(3)
        send({"method": "exit"})
    finally:
        with suppress(subprocess.TimeoutExpired):
            server.communicate(timeout=10)
        if server.poll() is None:
            server.kill()
            server.wait()
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(position: dict[str, int]) -> int:
        return starts[min(position["line"], len(lines))] + position["character"]

    for edit in sorted(edits, key=lambda e: offset(e["range"]["start"]), reverse=True):
        text = text[: offset(edit["range"]["start"])] + edit["newText"] + text[offset(edit["range"]["end"]) :]
    return text


@dataclass(frozen=True, slots=True)
class Session:
    seen: dict[str, Any]  # what drive.js saw
    fixed: str  # bad.wat as VS Code saved it
    expected_fix: str  # `wat-lsp --fix bad.wat`
    diagnostic: dict[str, Any]  # the CLI's (LSP-shaped) diagnostic for bad.wat
    screenshot: Path
    formatted: str | None  # messy.wat after Format Document (None: no formatting provider)
    expected_format: str | None


@pytest.fixture(scope="module")
def session(
    vscode_build: Path, tmp_path_factory: pytest.TempPathFactory, machine_lock: Callable[[str], AbstractContextManager[None]]
) -> Session:
    """One browser session through everything the tests below check (a start costs ~10 s)."""
    tools = _tools()
    home = tmp_path_factory.mktemp("vscode-e2e")
    workspace = home / "workspace"
    workspace.mkdir()
    bad, messy = workspace / "bad.wat", workspace / "messy.wat"
    bad.write_text(BAD)
    messy.write_text(MESSY)
    expected_fix = _wat_lsp("--fix", str(bad))
    [report] = json.loads(_wat_lsp("--check", "--format", "json", str(bad)))
    [diagnostic] = report["diagnostics"]
    expected_format = _formatted_by_server(messy)

    user = home / "user-data" / "User"
    user.mkdir(parents=True)
    (user / "settings.json").write_text(json.dumps({**SETTINGS, **_server_settings()}, indent=2))
    installed = subprocess.run(
        [str(tools.code_server), "--user-data-dir", str(home / "user-data"), "--extensions-dir",
         str(home / "extensions"), "--install-extension", str(vscode_build)],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
        env={**os.environ, "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data")},
    )  # fmt: skip
    assert installed.returncode == 0 and "successfully installed" in installed.stdout, installed.stdout + installed.stderr

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "vscode-diagnostic.png"
    failure = ARTIFACTS / "vscode-failure.png"
    screenshot.unlink(missing_ok=True)
    failure.unlink(missing_ok=True)
    # One browser and code-server at a time on the machine: two at once on 2 cores time out.
    with machine_lock("vscode-e2e"), _code_server(tools, home, workspace) as url:
        config = {
            "url": url,
            "chromium": tools.chromium,
            "screenshot": str(screenshot),
            "failureScreenshot": str(failure),
            "fix": {"file": bad.name, "path": str(bad), "title": FIX_TITLE},
            "format": None if expected_format is None else {"file": messy.name, "path": str(messy)},
        }
        (home / "drive.json").write_text(json.dumps(config))
        done = _run_group(["node", str(DRIVER), str(home / "drive.json")], DRIVE_TIMEOUT_S,
                          env={**os.environ, "NODE_PATH": str(tools.node_modules)})  # fmt: skip
        if done.returncode != 0:
            log = (home / "code-server.log").read_text(errors="replace")
            pytest.fail(f"drive.js exited {done.returncode} (screenshot: {failure})\n{done.stderr}\n"
                        f"code-server's log:\n{log[-4000:]}")  # fmt: skip
    print(f"VS Code screenshot of the diagnostic: {screenshot}")
    return Session(
        seen=json.loads(done.stdout),
        fixed=bad.read_text(),
        expected_fix=expected_fix,
        diagnostic=diagnostic,
        screenshot=screenshot,
        formatted=None if expected_format is None else messy.read_text(),
        expected_format=expected_format,
    )


def test_diagnostic_shown(session: Session, record_property: Callable[[str, object], None]) -> None:
    seen, diagnostic = session.seen, session.diagnostic
    assert diagnostic["code"] == "uninitialized-local"
    assert seen["squiggles"] == 1
    assert seen["problems"] == "Errors: 1"
    related = [r["message"] for r in diagnostic["relatedInformation"]]
    assert len(related) == 3
    # The Problems view: the file, the error at its position, then each related location.
    file_row, error_row, *related_rows = seen["panel"]
    assert file_row == "1 problems in file bad.wat of folder ."
    start = diagnostic["range"]["start"]
    assert error_row == (f"Error: {diagnostic['message']} at line {start['line'] + 1} and character "
                         f"{start['character'] + 1}. This problem has references to 3 locations. generated by wat-lsp")  # fmt: skip
    assert related_rows == [
        f"{r['message']} at line {r['location']['range']['start']['line'] + 1} and character "
        f"{r['location']['range']['start']['character'] + 1} in bad.wat"
        for r in diagnostic["relatedInformation"]
    ]
    # The hover at the error: message and code, then the related locations as links.
    assert seen["hover"][0] == f"{diagnostic['message']}wat-lsp(uninitialized-local)"
    assert seen["hover"][1:4] == [
        f"bad.wat({r['location']['range']['start']['line'] + 1}, {r['location']['range']['start']['character'] + 1}): "
        f"{r['message']}"
        for r in diagnostic["relatedInformation"]
    ]
    assert session.screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    record_property("screenshot", str(session.screenshot))


def test_quick_fix_applied_and_saved(session: Session) -> None:
    seen = session.seen
    assert seen["menu"][0] == FIX_TITLE  # the preferred fix comes first
    assert seen["applied"] == FIX_TITLE
    assert seen["problemsAfter"] == "No Problems"
    assert session.fixed == session.expected_fix
    assert session.fixed != BAD


def test_format_document(session: Session) -> None:
    if session.expected_format is None:
        pytest.skip("the server does not advertise documentFormattingProvider: Format Document not tried")
    assert session.formatted == session.expected_format
    assert session.formatted != MESSY
