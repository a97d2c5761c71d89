"""editors/emacs in a real batch Emacs: wat-mode's faces, comments and indentation; then eglot
with the server: flymake's diagnostic, the quick fix through eglot's code actions, a plain-text
hover, the workspace configuration, and `eglot-format-buffer` once the server formats; and
lsp-mode with the same server: its diagnostic.

Emacs, eglot and lsp-mode come from Debian (`emacs-nox`, 28.2 on bookworm, `elpa-eglot` 1.9,
`elpa-lsp-mode` 8.0; Emacs 29+ has eglot built in). This test installs nothing: `.ci/run` does. Without them the test is
skipped locally and fails under CI (`tests/tools.py`).
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

from tests.editors.test_nvim import EXAMPLE, _check_json, _fixed_text, _server_command
from tests.lsp_wire import SERVER_COMMAND, frame, read_message
from tests.tools import missing_tool

ROOT = Path(__file__).resolve().parents[2]
EMACS_DIR = ROOT / "editors" / "emacs"
HARNESS = EMACS_DIR / "tests" / "wat-mode-test.el"
WAIT_MS = 20_000  # for each thing the harness waits for
EMACS_TIMEOUT_S = 120  # the whole Emacs run

FACE_TEXT = """(module $m
  (type $t (func (param i32) (result f64)))
  (func $f (export "f") (param $p i32) (result i32) (local $l (ref null $t))
    (@name "x") ;; line (; comment
    (; block (; nested ;) comment ;)
    (block $out
      (br_if $out (i32.eqz (local.get $p)))
      (i64.store offset=8 align=4 (i32.const 0x10) (i64.const -1_000)))
    (f32.const nan:0x1)
    (call $f (local.get 0))))
(assert_return (invoke "f") (i32.const 1))
"""

# Each (word, face) in FACE_TEXT, in order (a word counted once: its first run).
EXPECTED_FACES = {
    "module": "font-lock-keyword-face",
    "$m": "font-lock-constant-face",
    "type": "font-lock-keyword-face",
    "$t": "font-lock-type-face",
    "i32": "font-lock-type-face",
    "f64": "font-lock-type-face",
    "$f": "font-lock-function-name-face",
    '"f"': "font-lock-string-face",
    "$p": "font-lock-variable-name-face",
    "$l": "font-lock-variable-name-face",
    "ref": "font-lock-keyword-face",
    "null": "font-lock-keyword-face",
    "@name": "font-lock-preprocessor-face",
    "block": "font-lock-keyword-face",
    "$out": "font-lock-constant-face",
    "br_if": "font-lock-builtin-face",
    "i32.eqz": "font-lock-builtin-face",
    "local.get": "font-lock-builtin-face",
    "i64.store": "font-lock-builtin-face",
    "0x10": "font-lock-constant-face",
    "-1_000": "font-lock-constant-face",
    "nan:0x1": "font-lock-constant-face",
    "assert_return": "font-lock-preprocessor-face",
    "invoke": "font-lock-preprocessor-face",
}

SYNTAX_TEXT = '(module ;; line (; not a block\n  (; outer (; inner ;) still ;) (func) "a ;; b")\n'
# (offset, in a comment, in a string)
SYNTAX_PROBES = [
    (SYNTAX_TEXT.index("module"), False, False),
    (SYNTAX_TEXT.index("line"), True, False),
    (SYNTAX_TEXT.index("not a block"), True, False),
    (SYNTAX_TEXT.index("outer"), True, False),
    (SYNTAX_TEXT.index("inner"), True, False),
    (SYNTAX_TEXT.index("still"), True, False),  # nesting: the inner `;)` ends only the inner one
    (SYNTAX_TEXT.index("(func"), False, False),
    (SYNTAX_TEXT.index("a ;; b") + 2, False, True),
    (SYNTAX_TEXT.index(")\n", SYNTAX_TEXT.index("a ;;")), False, False),
]

INDENT_TEXT = """(module
(func $f (param i32)
      (local i32)
block $b
local.get 0
    br_if $b
loop
;; a comment in a loop
nop
end
end
if (result i32)
i32.const 1
else
i32.const 2
end
drop
(block
(drop
(i32.const 1)
)
)
)
   ;; a comment
(; a block
      comment keeps its layout ;)
)
"""
INDENTED = """(module
  (func $f (param i32)
    (local i32)
    block $b
      local.get 0
      br_if $b
      loop
        ;; a comment in a loop
        nop
      end
    end
    if (result i32)
      i32.const 1
    else
      i32.const 2
    end
    drop
    (block
      (drop
        (i32.const 1)
      )
    )
  )
  ;; a comment
  (; a block
      comment keeps its layout ;)
)
"""

UNFORMATTED = "(module (func $f (param i32)\n(local.get 0) drop))\n"


def _emacs() -> str:
    emacs = shutil.which("emacs")
    if emacs is None:
        missing_tool("Emacs (`emacs`, Debian emacs-nox) is not installed")
    done = subprocess.run([emacs, "--batch", "--eval", "(require 'eglot)"], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)  # fmt: skip
    if done.returncode != 0:
        missing_tool(f"eglot is not available to Emacs (Debian elpa-eglot): {done.stderr[-500:]}")
    return emacs


def _run_emacs(spec: dict[str, Any], work: Path) -> dict[str, Any]:
    spec_path = work / "spec.json"
    spec_path.write_text(json.dumps(spec))
    env = {**os.environ, "WAT_LSP_TEST": str(spec_path), "HOME": str(work)}  # no user init, no ~/.emacs.d
    process = subprocess.Popen([_emacs(), "--batch", "-l", str(HARNESS)], env=env, cwd=work,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)  # fmt: skip
    try:
        stdout, stderr = process.communicate(timeout=EMACS_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        stdout, stderr = process.communicate()
        pytest.fail(f"Emacs did not finish in {EMACS_TIMEOUT_S} s\n{stdout}\n{stderr}")
    out = Path(spec["out"])
    if not out.is_file():
        pytest.fail(f"Emacs exited {process.returncode} without results\n{stdout}\n{stderr}")
    result: dict[str, Any] = json.loads(out.read_text())
    if not result.get("ok"):
        pytest.fail(
            f"Emacs harness failed after steps {result.get('steps')}: {result.get('error')}\n{stderr[-4000:]}"
        )
    return result


def _mode_spec(work: Path) -> dict[str, Any]:
    return {"load_path": str(EMACS_DIR), "out": str(work / "result.json"), "timeout_ms": WAIT_MS,
            "face_text": FACE_TEXT, "syntax_text": SYNTAX_TEXT, "syntax_offsets": [p[0] for p in SYNTAX_PROBES],
            "indent_text": INDENT_TEXT}  # fmt: skip


def test_wat_mode(tmp_path: Path) -> None:
    """Faces by highlights.scm's categories, `;;` and nested `(; ;)` comments, indentation."""
    result = _run_emacs(_mode_spec(tmp_path), tmp_path)
    first: dict[str, str] = {}
    for text, face in result["faces"]:
        first.setdefault(text, face)
    assert {w: first.get(w) for w in EXPECTED_FACES} == EXPECTED_FACES
    assert [(t, f) for t, f in result["faces"] if "comment" in f] == [
        (";; ", "font-lock-comment-delimiter-face"),
        ("line (; comment\n", "font-lock-comment-face"),
        ("(; ", "font-lock-comment-delimiter-face"),
        ("block (; nested ;) comment", "font-lock-comment-face"),
        (" ;)", "font-lock-comment-delimiter-face"),
    ]
    assert [tuple(p) for p in result["syntax"]] == [(c, s) for _, c, s in SYNTAX_PROBES]
    assert result["indented"] == INDENTED
    assert result["auto_mode"] == ["wat-mode", "wat-mode", "nil"]


def test_wat_mode_byte_compiles(tmp_path: Path) -> None:
    """wat-mode.el compiles without a warning (docstrings, unknown functions: lsp-mode's are declared)."""
    shutil.copyfile(EMACS_DIR / "wat-mode.el", tmp_path / "wat-mode.el")
    done = subprocess.run([_emacs(), "--batch", "-Q", "--eval", "(setq byte-compile-error-on-warn t)",
                           "-f", "batch-byte-compile", str(tmp_path / "wat-mode.el")],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "wat-mode.elc").is_file()


def _server_formatting(text: str) -> str | None:
    """`text` formatted by the server over stdio (None: it does not format)."""
    process = subprocess.Popen(SERVER_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    assert process.stdin is not None and process.stdout is not None
    uri = "untitled:format.wat"
    initialize: dict[str, Any] = {"processId": None, "rootUri": None, "capabilities": {}}
    document = {"uri": uri, "languageId": "wat", "version": 1, "text": text}
    options = {"tabSize": 2, "insertSpaces": True}
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": initialize},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": document}},
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "textDocument/formatting",
            "params": {"textDocument": {"uri": uri}, "options": options},
        },
    ]
    try:
        process.stdin.write(b"".join(frame(json.dumps(m).encode()) for m in messages))
        process.stdin.flush()
        capable = False
        while (message := read_message(process.stdout)) is not None:
            if message.get("id") == 1:
                capable = bool(message["result"]["capabilities"].get("documentFormattingProvider"))
            if message.get("id") == 2:
                return _apply(text, message.get("result") or []) if capable else None
        return None
    finally:
        process.kill()
        process.wait()


def _apply(text: str, edits: list[dict[str, Any]]) -> str:
    """LSP text edits on ASCII `text`, last first."""
    lines = text.splitlines(keepends=True)
    starts = [sum(len(s) for s in lines[:i]) for i in range(len(lines) + 1)]

    def offset(p: dict[str, int]) -> int:
        return min(starts[min(p["line"], len(lines))] + p["character"], len(text))

    for edit in sorted(edits, key=lambda e: offset(e["range"]["start"]), reverse=True):
        start, end = offset(edit["range"]["start"]), offset(edit["range"]["end"])
        text = text[:start] + edit["newText"] + text[end:]
    return text


def test_eglot(tmp_path: Path) -> None:
    """flymake's diagnostic, the quick fix, a plain-text hover, formatting when offered."""
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)  # eglot's project root
    source = project / "shapes.wat"
    shutil.copyfile(EXAMPLE, source)
    text = source.read_text()
    [expected] = [d for d in _check_json(source) if d["code"] == "uninitialized-local"]
    doc = analyse(text.encode())
    [core] = [d for d in doc.diagnostics if d.code == "uninitialized-local"]
    fix_title = fixes_for(doc, core)[0].title

    spec = {**_mode_spec(tmp_path), "cmd": _server_command(), "file": str(source), "fix_title": fix_title,
            "format_text": UNFORMATTED}  # fmt: skip
    result = _run_emacs(spec, tmp_path)
    assert (result["major_mode"], result["language_id"]) == ("wat-mode", "wat")
    assert result["hover_formats"] == ["plaintext"]

    # The diagnostic as flymake holds it: eglot's "source [code]: message", an error, at
    # `local.get $s` (flymake's lines are 1-based, columns 0-based).
    start = expected["range"]["start"]
    assert result["diagnostic"] == {
        "text": f"{expected['source']} [uninitialized-local]: {expected['message']}",
        "type": "eglot-error",
        "line": start["line"] + 1,
        "column": start["character"],
        "string": "local.get $s",
    }
    # Hover as plain text, as eglot shows it.
    plain = (
        "(local $s (ref $shape))\n\nlocal index 3\n\nbefore this local.get: not initialized "
        "(non-defaultable: a local.set must dominate reads)\n\nlive here (read by this local.get)"
    )
    assert result["hover"] == {"kind": "plaintext", "value": plain}
    assert result["hover_shown"] == plain
    # The quick fix through eglot's menu: the buffer is `wat-lsp --fix`'s output, and the
    # server then publishes nothing.
    assert fix_title in result["actions"]
    assert result["text"] == _fixed_text(source)
    assert result["text"] != text
    assert "clean" in result["steps"]

    if not result["formatting"]:
        pytest.skip("formatter not available (the server has no documentFormattingProvider)")
    assert result["formatted"] == _server_formatting(UNFORMATTED)
    assert result["formatted"] != UNFORMATTED


def test_eglot_workspace_configuration(tmp_path: Path) -> None:
    """`eglot-workspace-configuration`'s `:wat-lsp` section (README's `.dir-locals.el`) reaches
    the server: `uninitialized-local` turned into a warning."""
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    source = project / "shapes.wat"
    shutil.copyfile(EXAMPLE, source)
    spec = {**_mode_spec(tmp_path), "cmd": _server_command(), "file": str(source),
            "severity": {"uninitialized-local": "warning"}}  # fmt: skip
    result = _run_emacs(spec, tmp_path)
    assert result["types"] == ["eglot-warning"]


def test_lsp_mode(tmp_path: Path) -> None:
    """wat-mode's lsp-mode client (registered once lsp-mode loads) starts the server and its
    diagnostic reaches flymake."""
    done = subprocess.run([_emacs(), "--batch", "--eval", "(progn (package-initialize) (require 'lsp-mode))"],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)  # fmt: skip
    if done.returncode != 0:
        missing_tool(f"lsp-mode is not available to Emacs (Debian elpa-lsp-mode): {done.stderr[-500:]}")
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    source = project / "shapes.wat"
    shutil.copyfile(EXAMPLE, source)
    [expected] = [d for d in _check_json(source) if d["code"] == "uninitialized-local"]
    spec = {**_mode_spec(tmp_path), "cmd": _server_command(), "file": str(source), "client": "lsp-mode"}
    result = _run_emacs(spec, tmp_path)
    assert (result["major_mode"], result["language_id"]) == ("wat-mode", "wat")
    assert result["workspaces"] == ["wat-lsp"]
    assert result["diagnostics"] == [expected["message"]]
