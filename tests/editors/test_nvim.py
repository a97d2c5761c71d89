"""editors/nvim in a real headless Neovim: diagnostics, a quick fix through Neovim's LSP client.

Neovim comes from Debian (`neovim`, 0.7.2 on bookworm). When `nvim` is missing and we are root
with apt-get, the `nvim` fixture installs it (CI does this on a fresh machine); otherwise the
test is skipped, except under CI, where it fails. `WAT_LSP_EXTRA_NVIM` adds other Neovims
(a newer one takes the `vim.lsp.start` path and pulls diagnostics).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from tree_sitter import Language, Query
from wat_lsp.analysis.document import analyse
from wat_lsp.passes.quickfix import fixes_for

from tests.tools import missing_tool
from wat_lsp import _grammar

ROOT = Path(__file__).resolve().parents[2]
NVIM_DIR = ROOT / "editors" / "nvim"
HARNESS = NVIM_DIR / "tests" / "quickfix.lua"
EXAMPLE = ROOT / "examples" / "shapes.wat"

WAIT_MS = 20_000  # for each thing the harness waits for (attach, diagnostics, ...)
NVIM_TIMEOUT_S = 120  # the whole Neovim run; killed after that

OK_WAT = """(module
  (func $id (param $x i32) (result i32)
    (local.get $x)))
"""
OK_WAST = """(module (func (export "f") (result i32) (i32.const 1)))
(assert_return (invoke "f") (i32.const 1))
(assert_invalid (module (func (result i32))) "type mismatch")
"""


def _apt_install(package: str) -> str | None:
    """Install a Debian package; None on success, else why not."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return "not root with apt-get"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    failures: list[str] = []
    # A failed `update` (one unreachable list) need not stop the install from the lists we have.
    for command in (["apt-get", "update", "-q"],
                    ["apt-get", "install", "-y", "-q", "--no-install-recommends",
                     "-o", "DPkg::Lock::Timeout=300", package]):  # fmt: skip
        try:
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900,
                                  stdin=subprocess.DEVNULL)  # fmt: skip
        except (OSError, subprocess.TimeoutExpired) as error:
            failures.append(f"{' '.join(command)}: {error}")
            continue
        if done.returncode != 0:
            failures.append(f"{' '.join(command)} exited {done.returncode}: {done.stderr[-2000:]}")
        elif command[1] == "install":
            return None
    return "; ".join(failures)


# More Neovim executables to run the same tests with (e.g. a 0.11 for the `vim.lsp.start`
# path), separated by os.pathsep; Debian's `nvim` always runs.
EXTRA_NVIMS = [p for p in os.environ.get("WAT_LSP_EXTRA_NVIM", "").split(os.pathsep) if p]


@pytest.fixture(scope="session", params=["nvim", *EXTRA_NVIMS])
def nvim(request: pytest.FixtureRequest, machine_lock: Callable[[str], AbstractContextManager[None]]) -> str:
    """The `nvim` executable, installed from Debian if missing (serialized across workers)."""
    if request.param != "nvim":
        return str(request.param)
    with machine_lock("apt"):
        path = shutil.which("nvim")
        why = None if path is not None else _apt_install("neovim")
        path = shutil.which("nvim")
    if path is None:
        missing_tool(f"Neovim (`nvim`) is not installed and could not be installed ({why})")
    return path


def _server_command() -> list[str]:
    """`wat-lsp` as installed beside this Python, else on PATH, else the module."""
    script = Path(sysconfig.get_path("scripts")) / "wat-lsp"
    if script.is_file():
        return [str(script)]
    found = shutil.which("wat-lsp")
    return [found] if found is not None else [sys.executable, "-m", "wat_lsp"]


def _check_json(path: Path) -> list[dict[str, Any]]:
    done = subprocess.run([*_server_command(), "--check", "--format", "json", str(path)],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 1, done.stderr
    [entry] = json.loads(done.stdout)
    diagnostics: list[dict[str, Any]] = entry["diagnostics"]
    return diagnostics


def _fixed_text(path: Path) -> str:
    done = subprocess.run(
        [*_server_command(), "--fix", str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _run_nvim(nvim: str, spec: dict[str, Any], work: Path) -> dict[str, Any]:
    spec_path = work / "spec.json"
    spec_path.write_text(json.dumps(spec))
    # Neovim's state, cache (lsp.log) and config stay in the test's directory.
    env = {**os.environ, "WAT_LSP_TEST": str(spec_path)}
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[var] = str(work / "xdg" / var.lower())
    process = subprocess.Popen([nvim, "--headless", "--clean", "-u", str(HARNESS)], env=env, cwd=work,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)  # fmt: skip
    try:
        stdout, stderr = process.communicate(timeout=NVIM_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        stdout, stderr = process.communicate()
        pytest.fail(f"Neovim did not finish in {NVIM_TIMEOUT_S} s\n{stdout}\n{stderr}\n{_lsp_log(work)}")
    out = Path(spec["out"])
    if not out.is_file():
        pytest.fail(
            f"Neovim exited {process.returncode} without results\n{stdout}\n{stderr}\n{_lsp_log(work)}"
        )
    result: dict[str, Any] = json.loads(out.read_text())
    if not result.get("ok"):
        pytest.fail(f"Neovim harness failed after steps {result.get('steps')}:\n{result.get('error')}\n"
                    f"server log: {result.get('server_log')}\n{stderr}\n{_lsp_log(work)}")  # fmt: skip
    return result


def _lsp_log(work: Path) -> str:
    logs = list((work / "xdg").rglob("lsp.log"))
    return "\n".join(f"{log}:\n{log.read_text(errors='replace')[-4000:]}" for log in logs)


def test_quick_fix_in_neovim(nvim: str, tmp_path: Path) -> None:
    source = tmp_path / "shapes.wat"
    shutil.copyfile(EXAMPLE, source)
    (tmp_path / "ok.wat").write_text(OK_WAT)
    (tmp_path / "script.wast").write_text(OK_WAST)
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / "src").mkdir()
    (project / "src" / "nested.wat").write_text(OK_WAT)
    text = source.read_text()

    # What the server must publish: the batch checker's diagnostic, at `(local.get $s)`.
    [expected] = [d for d in _check_json(source) if d["code"] == "uninitialized-local"]
    lines = text.splitlines()
    [line] = [i for i, s in enumerate(lines) if "(struct.get $shape $area (local.get $s))" in s]
    column = lines[line].index("local.get $s)")
    assert expected["range"] == {"start": {"line": line, "character": column},
                                 "end": {"line": line, "character": column + len("local.get $s")}}  # fmt: skip
    doc = analyse(text.encode())
    [core] = [d for d in doc.diagnostics if d.code == "uninitialized-local"]
    fix_title = fixes_for(doc, core)[0].title

    result = _run_nvim(nvim, {
        "runtimepath": str(NVIM_DIR), "cmd": _server_command(), "timeout_ms": WAIT_MS,
        "file": str(source), "others": [str(tmp_path / "ok.wat"), str(tmp_path / "script.wast"), str(project / "src" / "nested.wat")],
        "out": str(tmp_path / "result.json"), "fix_title": fix_title,
    }, tmp_path)  # fmt: skip

    assert (result["filetype"], result["commentstring"]) == ("wat", ";; %s")
    assert result["omnifunc"] == "v:lua.vim.lsp.omnifunc"  # completion with <C-x><C-o>
    # The diagnostic as published over LSP, and as Neovim shows it (0-based, byte columns:
    # the file is ASCII, so they equal the UTF-16 columns).
    [published] = [d for d in result["published"][0]["diagnostics"] if d["code"] == "uninitialized-local"]
    assert {k: published.get(k) for k in ("range", "severity", "code", "message", "source")} == {
        k: expected.get(k) for k in ("range", "severity", "code", "message", "source")
    }
    [shown] = [d for d in result["diagnostics"] if d["code"] == "uninitialized-local"]
    assert shown == {"lnum": line, "col": column, "end_lnum": line, "end_col": column + len("local.get $s"),
                     "severity": 1, "code": "uninitialized-local", "message": expected["message"],
                     "source": expected.get("source")}  # fmt: skip
    assert {"title": fix_title, "kind": "quickfix"} in result["actions"]
    # Completion through Neovim's client, after `local.get $`: the function's params and locals.
    assert result["completion"] == ["$all", "$i", "$sum", "$s"]

    # After the quick fix: the buffer is exactly `wat-lsp --fix` of the file, and the server
    # publishes no error for that version: only the hint that the block nothing branches to
    # (it broke the 1a rule) could go.
    assert result["text"] == _fixed_text(source)
    assert result["text"] != text
    assert result["final_version"] >= result["applied_version"]
    assert [d["code"] for d in result["final_published"]] == ["removable-block"]
    assert result["final_diagnostics"] == 1

    # The other buffers under the same root reuse its client, .wast gets its filetype; the
    # root is the directory holding `.git`, else the file's own directory.
    [first] = result["clients"]
    roots = {r["id"]: r["root_dir"] for r in result["roots"]}
    assert len(roots) == 2
    [second] = set(roots) - {first}
    assert (roots[first], roots[second]) == (str(tmp_path), str(project))
    assert [
        (Path(o["path"]).name, o["filetype"], o["clients"], o["diagnostics"]) for o in result["other"]
    ] == [
        ("ok.wat", "wat", [first], []),
        ("script.wast", "wast", [first], []),
        ("nested.wat", "wat", [second], []),
    ]
    assert [m for m in result["server_log"] if m["type"] == 1] == []  # no server errors


def test_severity_setting_reaches_the_server(nvim: str, tmp_path: Path) -> None:
    """`setup({severity = ...})` is what the server gets as `workspace/configuration` `wat-lsp`."""
    source = tmp_path / "shapes.wat"
    shutil.copyfile(EXAMPLE, source)
    [expected] = [d for d in _check_json(source) if d["code"] == "uninitialized-local"]
    assert expected["severity"] == 1
    result = _run_nvim(nvim, {
        "runtimepath": str(NVIM_DIR), "cmd": _server_command(), "timeout_ms": WAIT_MS,
        "file": str(source), "out": str(tmp_path / "result.json"),
        "severity": {"uninitialized-local": "warning"}, "expect_severity": 2,
    }, tmp_path)  # fmt: skip
    assert [(d["code"], d["severity"], d["range"]) for d in result["final_published"]] == [
        ("uninitialized-local", 2, expected["range"])
    ]
    assert result["server_log"] == []


def test_format_a_buffer(nvim: str, tmp_path: Path) -> None:
    """Neovim's LSP client formats a buffer (`textDocument/formatting`, its edits applied):
    the buffer is then what `wat-lsp format` makes of the file, with tabs: `--clean` Neovim
    has `noexpandtab`, which the request's `FormattingOptions` say."""
    source = tmp_path / "messy.wat"
    source.write_text(
        "(module (func $f (param i32)   (result i32)\n local.get 0\n      i32.eqz) ;; done\n)\n"
    )
    result = _run_nvim(nvim, {
        "runtimepath": str(NVIM_DIR), "cmd": _server_command(), "timeout_ms": WAIT_MS,
        "file": str(source), "out": str(tmp_path / "result.json"), "format": True,
    }, tmp_path)  # fmt: skip
    done = subprocess.run([*_server_command(), "format", "--use-tabs", "-"], input=source.read_text(), capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert (
        done.stdout
        == "(module\n\t(func $f (param i32) (result i32)\n\t\tlocal.get 0\n\t\ti32.eqz) ;; done\n)\n"
    )
    assert result["text"] == done.stdout


def test_queries_are_the_grammars() -> None:
    """editors/nvim/queries/wat holds copies of grammar/queries (a plugin dir must be self-contained)."""
    grammar = ROOT / "grammar" / "queries"
    copies = NVIM_DIR / "queries" / "wat"
    names = sorted(p.name for p in grammar.glob("*.scm"))
    assert names == ["folds.scm", "highlights.scm", "locals.scm"]
    assert sorted(p.name for p in copies.iterdir()) == names
    for name in names:
        assert (copies / name).read_bytes() == (grammar / name).read_bytes(), (
            f"cp grammar/queries/{name} {copies}"
        )


def test_queries_compile() -> None:
    """Every capture pattern in the shipped queries matches nodes the grammar has."""
    language = Language(_grammar.language())
    for path in sorted((NVIM_DIR / "queries" / "wat").glob("*.scm")):
        query = Query(language, path.read_text())
        assert query.pattern_count > 0, path
