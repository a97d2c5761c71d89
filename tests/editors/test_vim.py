"""editors/vim in a real headless Vim (`vim -es`) with ALE: the `uninitialized-local`
diagnostic reaches the window's location list over LSP and its quick fix is applied through
`:ALECodeAction`; filetypes, syntax groups, indentation.

Vim and ALE come from Debian (`vim` 9.0 and `vim-ale` 3.3 on bookworm); this test installs
nothing (`.ci/run` does). Without them it is skipped locally and fails under CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from wat_lsp.analysis.document import analyse
from wat_lsp.passes.quickfix import fixes_for

from tests.editors.test_emacs import FACE_TEXT, INDENT_TEXT, INDENTED
from tests.editors.test_nvim import EXAMPLE, _check_json, _fixed_text, _server_command
from tests.tools import missing_tool

ROOT = Path(__file__).resolve().parents[2]
VIM_DIR = ROOT / "editors" / "vim"
HARNESS = VIM_DIR / "tests" / "ale-test.vim"
ALE_DIRS = [Path("/usr/share/vim-ale"), Path("/usr/share/vim/vimfiles/pack/dist-bundle/opt/ale")]
WAIT_MS = 20_000
VIM_TIMEOUT_S = 120

# Each word of FACE_TEXT and its syntax group (the first run of that text).
EXPECTED_GROUPS = {
    "module": "watKeyword",
    "$m": "watModuleName",
    "type": "watKeyword",
    "$t": "watTypeName",
    "i32": "watType",
    "f64": "watType",
    "$f": "watFuncName",
    '"f"': "watString",
    "$p": "watParamName",
    "$l": "watName",
    "ref": "watModifier",
    "null": "watModifier",
    "@name": "watAnnotation",
    ";; line (; comment": "watComment",
    "(; block (; nested ;) comment ;)": "watBlockComment",
    "block": "watKeyword",
    "$out": "watLabel",
    "br_if": "watInstr",
    "i32.eqz": "watInstr",
    "local.get": "watInstr",
    "i64.store": "watInstr",
    "offset=": "watMemarg",
    "0x10": "watNumber",
    "-1_000": "watNumber",
    "nan:0x1": "watFloat",
    "assert_return": "watDirective",
    "invoke": "watDirective",
}


def _vim() -> str:
    vim = shutil.which("vim")
    if vim is None:
        missing_tool("Vim (`vim`, Debian vim) is not installed")
    if not any((d / "autoload" / "ale.vim").is_file() for d in ALE_DIRS):
        missing_tool("ALE is not installed (Debian vim-ale)")
    return vim


def test_ale_location_list(tmp_path: Path) -> None:
    vim = _vim()
    command = _server_command()
    if len(command) != 1:
        missing_tool("the `wat-lsp` script is not installed beside this Python (pip install -e .)")
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    source = project / "shapes.wat"
    shutil.copyfile(EXAMPLE, source)
    [expected] = [d for d in _check_json(source) if d["code"] == "uninitialized-local"]
    doc = analyse(source.read_bytes())
    [core] = [d for d in doc.diagnostics if d.code == "uninitialized-local"]
    fix_title = fixes_for(doc, core)[0].title

    spec: dict[str, Any] = {"runtimepath": str(VIM_DIR), "executable": command[0], "options": "", "file": str(source),
            "out": str(tmp_path / "result.json"), "timeout_ms": WAIT_MS,
            "indent_lines": INDENT_TEXT.splitlines(), "face_lines": FACE_TEXT.splitlines(),
            "fix_title": fix_title}  # fmt: skip
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    env = {**os.environ, "WAT_LSP_TEST": str(tmp_path / "spec.json"), "HOME": str(tmp_path)}
    process = subprocess.Popen([vim, "-N", "-i", "NONE", "-u", str(HARNESS), "-es"], env=env, cwd=tmp_path,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)  # fmt: skip
    try:
        stdout, stderr = process.communicate(timeout=VIM_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        stdout, stderr = process.communicate()
        pytest.fail(f"Vim did not finish in {VIM_TIMEOUT_S} s\n{stdout}\n{stderr}")
    out = Path(spec["out"])
    assert out.is_file(), f"Vim exited {process.returncode} without results\n{stdout}\n{stderr}"
    result: dict[str, Any] = json.loads(out.read_text())
    assert result.get("ok"), f"harness failed after {result.get('steps')}: {result.get('error')}"

    assert (result["filetype"], result["syntax"], result["commentstring"]) == ("wat", "wat", ";; %s")
    # The location list: 1-based lines and byte columns, the end column inclusive (ASCII file).
    start, end = expected["range"]["start"], expected["range"]["end"]
    assert result["loclist"] == [
        {"lnum": start["line"] + 1, "col": start["character"] + 1, "end_lnum": end["line"] + 1,
         "end_col": end["character"], "type": "E", "text": f"uninitialized-local: {expected['message']}"}
    ]  # fmt: skip
    assert [(d["code"], d["linter_name"]) for d in result["ale"]] == [("uninitialized-local", "wat_lsp")]
    # The quick fix through :ALECodeAction: the buffer is `wat-lsp --fix`'s output, and ALE's
    # location list empties once the server has the edit.
    assert fix_title in result["offered"]
    assert result["text"] == _fixed_text(source)
    assert result["final_loclist"] == []

    first: dict[str, str] = {}
    for text, group in result["groups"]:
        first.setdefault(text, group)
    assert {w: first.get(w) for w in EXPECTED_GROUPS} == EXPECTED_GROUPS
    # Vim's `=` re-indents comment lines too: the block comment's second line moves.
    assert "\n".join(result["indented"]) + "\n" == INDENTED
