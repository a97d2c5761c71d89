"""VS Code for real: code-server (VS Code 1.100.3 in a browser) hosts the freshly packaged .vsix,
and headless Chromium, driven by playwright-core (`editors/vscode/e2e/drive.js`), uses it by the
keyboard as a person would: it sees the `uninitialized-local` error (the squiggle, the Problems
count, the related locations) and not the warning the workspace's `wat-lsp.severity` turns off,
applies the quick fix with Ctrl+. and the arrows, and the file VS Code saves equals
`wat-lsp --fix`'s output. When the server advertises document formatting,
Format Document (from the Command Palette) gives what the server's formatter gives.

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
import xml.etree.ElementTree as ET
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
# Where install.sh puts code-server and playwright-core (the same rule as there).
CACHE = Path(
    os.environ.get("WAT_LSP_E2E_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "wat-lsp-e2e"
)
ARTIFACTS = Path(os.environ.get("WAT_LSP_ARTIFACTS") or ROOT / "build" / "test-artifacts")

START_TIMEOUT_S = 60  # code-server answering /healthz
DRIVE_TIMEOUT_S = 240  # the whole browser session; each step inside has 60 s

# The error, and a warning that the settings turn off (`SEVERITY`): it must not be shown.
BAD = """(module
  (type $t (struct))
  (func (local $x (ref $t))
    (block (local.set $x (struct.new $t)))
    (drop (local.get $x)))
  (func (local $unused i32)))
"""
SEVERITY = {"unused-local": "off"}
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
    # A server setting, through the extension (initialization options, workspace/configuration).
    "wat-lsp.severity": SEVERITY,
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


@pytest.fixture(scope="session")
def tools() -> Tools:
    """What the tests run on, or skip (fail under CI) naming what is missing; asked for before
    `vscode_build`, so a machine without them skips at once."""
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
            with (
                suppress(OSError, urllib.error.URLError),
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer,
            ):
                if answer.status == 200:
                    break
            if time.monotonic() > deadline:
                pytest.fail(
                    f"code-server did not answer in {START_TIMEOUT_S} s:\n{log.read_text(errors='replace')}"
                )
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
    server = subprocess.Popen(
        SERVER_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
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

    edits: list[dict[str, Any]] | None = None
    try:
        send(
            {
                "id": 1,
                "method": "initialize",
                "params": {"processId": None, "rootUri": None, "capabilities": {}},
            }
        )
        if answer(1)["result"]["capabilities"].get("documentFormattingProvider"):
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
    if edits is None:
        return None
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(position: dict[str, int]) -> int:
        return starts[min(position["line"], len(lines))] + position["character"]

    for edit in sorted(edits, key=lambda e: offset(e["range"]["start"]), reverse=True):
        text = text[: offset(edit["range"]["start"])] + edit["newText"] + text[offset(edit["range"]["end"]) :]
    return text


def _drive(
    tools: Tools,
    vscode_build: Path,
    home: Path,
    machine_lock: Callable[[str], AbstractContextManager[None]],
    fix: dict[str, str] | None,
    format_: dict[str, str] | None,
    cfg: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Installs the .vsix into a code-server of its own under `home`, serves `home/workspace`,
    runs drive.js with `fix` and `format_` (see there); what it saw."""
    env = {**os.environ, "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data")}
    user = home / "user-data" / "User"
    user.mkdir(parents=True)
    (user / "settings.json").write_text(json.dumps({**SETTINGS, **_server_settings()}, indent=2))
    installed = subprocess.run(
        [str(tools.code_server), "--user-data-dir", str(home / "user-data"), "--extensions-dir",
         str(home / "extensions"), "--install-extension", str(vscode_build)],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    assert installed.returncode == 0 and "successfully installed" in installed.stdout, (
        installed.stdout + installed.stderr
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    failure = ARTIFACTS / f"vscode-failure-{home.name}.png"
    failure.unlink(missing_ok=True)
    # One browser and code-server at a time on the machine: two at once on 2 cores time out.
    with machine_lock("vscode-e2e"), _code_server(tools, home, home / "workspace") as url:
        config = {
            "url": url,
            "chromium": tools.chromium,
            "failureScreenshot": str(failure),
            "fix": fix,
            "format": format_,
            "cfg": cfg,
        }
        (home / "drive.json").write_text(json.dumps(config))
        done = _run_group(["node", str(DRIVER), str(home / "drive.json")], DRIVE_TIMEOUT_S,
                          env={**os.environ, "NODE_PATH": str(tools.node_modules)})  # fmt: skip
        if done.returncode != 0:
            log = (home / "code-server.log").read_text(errors="replace")
            pytest.fail(f"drive.js exited {done.returncode} (screenshot: {failure})\n{done.stderr}\n"
                        f"code-server's log:\n{log[-4000:]}")  # fmt: skip
    seen: dict[str, Any] = json.loads(done.stdout)
    return seen


def _workspace(tmp_path: Path, files: dict[str, str]) -> Path:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    for name, text in files.items():
        (workspace / name).write_text(text)
    return workspace


def test_diagnostic_and_quick_fix(
    tools: Tools,
    vscode_build: Path,
    tmp_path: Path,
    machine_lock: Callable[[str], AbstractContextManager[None]],
    record_property: Callable[[str, object], None],
) -> None:
    bad = _workspace(tmp_path, {"bad.wat": BAD}) / "bad.wat"
    expected_fix = _wat_lsp("--fix", str(bad))
    off = [f"--severity={code}={level}" for code, level in SEVERITY.items()]
    [report] = json.loads(_wat_lsp("--check", "--format", "json", *off, str(bad)))
    [diagnostic] = report["diagnostics"]
    assert diagnostic["code"] == "uninitialized-local"
    screenshot = ARTIFACTS / "vscode-diagnostic.png"
    screenshot.unlink(missing_ok=True)
    fix = {"file": bad.name, "path": str(bad), "title": FIX_TITLE, "screenshot": str(screenshot)}
    cfg_screenshot = ARTIFACTS / "vscode-cfg.png"
    cfg_screenshot.unlink(missing_ok=True)
    # After the fix, with the cursor still in the first function: its control-flow picture.
    seen = _drive(tools, vscode_build, tmp_path, machine_lock, fix, None, {"screenshot": str(cfg_screenshot)})
    print(f"VS Code screenshot of the diagnostic: {screenshot}")
    record_property("screenshot", str(screenshot))
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # The error in the editor (one squiggle) and in the status bar's count; the warning turned
    # off by the setting is nowhere (the count would say "Errors: 1, Warnings: 1").
    assert seen["squiggles"] == 1
    assert seen["problems"] == "Errors: 1"
    related = diagnostic["relatedInformation"]
    assert len(related) == 3

    def at(position: dict[str, int]) -> tuple[int, int]:  # 1-based, as VS Code shows positions
        return position["line"] + 1, position["character"] + 1

    # The Problems view: the file, the error at its position, then each related location.
    line, column = at(diagnostic["range"]["start"])
    assert seen["panel"] == [
        "1 problems in file bad.wat of folder .",
        f"Error: {diagnostic['message']} at line {line} and character {column}. "
        "This problem has references to 3 locations. generated by wat-lsp",
        *(f"{r['message']} at line {at(r['location']['range']['start'])[0]} and character "
          f"{at(r['location']['range']['start'])[1]} in bad.wat" for r in related),
    ]  # fmt: skip
    # The hover at the error: message and code, then the related locations as links.
    assert seen["hover"][0] == f"{diagnostic['message']}wat-lsp(uninitialized-local)"
    assert seen["hover"][1:4] == [
        "bad.wat({}, {}): {}".format(*at(r["location"]["range"]["start"]), r["message"]) for r in related
    ]

    # The quick fix, chosen by the keyboard, applied, and the file saved by VS Code.
    assert seen["menu"][0] == FIX_TITLE  # the preferred fix comes first
    assert seen["applied"] == FIX_TITLE
    assert seen["problemsAfter"] == "No Problems"
    assert bad.read_text() == expected_fix != BAD

    # The control-flow picture in a webview: the SVG `wat-lsp cfg` draws of the fixed file.
    assert seen["cfgCommand"] == "wat-lsp: Show Control Flow Graph of the Function at the Cursor"
    _wat_lsp("cfg", str(bad), "--func", "0", "-o", str(tmp_path / "cfg.svg"))
    svg = ET.fromstring((tmp_path / "cfg.svg").read_text())
    assert seen["cfgTexts"] == [t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert cfg_screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_format_document(
    tools: Tools,
    vscode_build: Path,
    tmp_path: Path,
    machine_lock: Callable[[str], AbstractContextManager[None]],
) -> None:
    messy = _workspace(tmp_path, {"messy.wat": MESSY}) / "messy.wat"
    expected = _formatted_by_server(messy)
    if expected is None:
        pytest.skip("the server does not advertise documentFormattingProvider: Format Document not tried")
    assert expected != MESSY
    # The inlay hint after `$a`'s first use shows the server is up (see drive.js).
    format_ = {"file": messy.name, "path": str(messy), "ready": "$a: i32"}
    seen = _drive(tools, vscode_build, tmp_path, machine_lock, None, format_)
    assert seen["command"].startswith("Format Document")
    assert messy.read_text() == expected
