"""`wat-lsp cfg PATH --func NAME -o OUT`: DOT on stdout, SVG or DOT files, clear errors with
exit status 2 and no traceback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.ide.test_cfg_picture import EXAMPLE, EXAMPLE_DOT
from wat_lsp.cli import main

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cfg(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """`wat-lsp cfg` in process (the subprocess test below runs the real command once)."""
    monkeypatch.chdir(tmp_path)

    def run(*args: str, data: bytes = EXAMPLE) -> tuple[int, str, str]:
        path = tmp_path / "a.wat"
        path.write_bytes(data)
        code = main(["cfg", str(path), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_as_a_command(tmp_path: Path) -> None:
    (tmp_path / "a.wat").write_bytes(EXAMPLE)
    proc = subprocess.run(
        [sys.executable, "-m", "wat_lsp", "cfg", str(tmp_path / "a.wat"), "--func", "$dispatch"],
        capture_output=True,
    )
    assert (proc.returncode, proc.stdout.decode(), proc.stderr.decode()) == (0, EXAMPLE_DOT, "")


def test_dot_on_stdout_and_files(tmp_path: Path, cfg: Run) -> None:
    assert cfg("--func", "dispatch", "-o", "-") == (0, EXAMPLE_DOT, "")
    assert cfg("--func", "0", "-o", "g.dot") == (0, "", "")
    assert (tmp_path / "g.dot").read_text() == EXAMPLE_DOT
    assert cfg("--func", "$dispatch", "-o", "g.svg") == (0, "", "")
    svg = (tmp_path / "g.svg").read_text()
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and svg.endswith("</svg>\n")
    assert "[1a error: $r read before set]" in svg


@pytest.mark.parametrize(
    ("args", "data", "err"),
    [
        (["--func", "$nope"], EXAMPLE, "wat-lsp cfg: {p}: no function $nope; functions: $dispatch\n"),
        (
            ["--func", "$f"],
            b"(module (func $f (local i32) block $a local.get 0 (i32.add 1 ))",
            "wat-lsp cfg: {p}: the body of function $f could not be read completely (syntax errors): "
            "fix them first\n",
        ),
        (
            ["--func", "$f"],
            b"\x00asm\x01\x00\x00\x00",
            "wat-lsp cfg: {p}: binary module; expected text (use `wasm-tools print` to get WAT)\n",
        ),
        (
            ["--func", "$f", "-o", "g.png"],
            EXAMPLE,
            "wat-lsp cfg: g.png: the output must end in .svg or .dot (or be '-')\n",
        ),
        (
            ["--func", "$dispatch", "-o", "no/such/dir/g.dot"],
            EXAMPLE,
            "wat-lsp cfg: no/such/dir/g.dot: cannot write: No such file or directory\n",
        ),
    ],
)
def test_errors(tmp_path: Path, cfg: Run, args: list[str], data: bytes, err: str) -> None:
    assert cfg(*args, data=data) == (2, "", err.format(p=tmp_path / "a.wat"))


def test_usage_errors(tmp_path: Path, cfg: Run) -> None:
    code, out, err = cfg()
    assert (code, out) == (2, "")
    assert err == (
        "usage: wat-lsp cfg [-h] --func NAME [-o OUT] PATH\n"
        "wat-lsp cfg: the following arguments are required: --func\n"
    )
    assert main(["cfg", str(tmp_path / "missing.wat"), "--func", "f"]) == 2
