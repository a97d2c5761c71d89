"""editors/kakoune/wat.kak in a real Kakoune (`kak -ui dummy`): the module loads (every
highlighter's regex compiles), `.wat`/`.wast` get the `wat` filetype with `;;` and `(; ;)`
comments and a two-space indent, and a new line after an opening form is indented.

Kakoune comes from Debian (`kakoune`); this test installs nothing (`.ci/run` does). kak-lsp is
not in Debian: its configuration (editors/README.md) is not run here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.tools import missing_tool

ROOT = Path(__file__).resolve().parents[2]
WAT_KAK = ROOT / "editors" / "kakoune" / "wat.kak"


def test_kakoune(tmp_path: Path) -> None:
    kak = shutil.which("kak")
    if kak is None:
        missing_tool("Kakoune (`kak`, Debian kakoune) is not installed")
    for name in ("a.wat", "b.wast"):
        (tmp_path / name).write_text("(module\n  (func $f (param i32)\n    (local.get 0) drop))\n")
    script = f"""try %{{
        source {WAT_KAK}
        require-module wat
        edit {tmp_path / "b.wast"}
        echo -to-file {tmp_path / "wast.out"} %opt{{filetype}}
        edit {tmp_path / "a.wat"}
        echo -to-file {tmp_path / "options.out"} %opt{{filetype}} %opt{{comment_line}} %opt{{comment_block_begin}} %opt{{comment_block_end}} %opt{{indentwidth}}
        execute-keys -with-hooks 'gjko(block<ret>nop<ret>(nop)<ret>nop<esc>'
        write {tmp_path / "typed.wat"}
    }} catch %{{
        echo -to-file {tmp_path / "error.out"} %val{{error}}
    }}
    quit!"""  # fmt: skip
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    done = subprocess.run([kak, "-ui", "dummy", "-e", script], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)  # fmt: skip
    error = tmp_path / "error.out"
    assert not error.exists(), error.read_text()
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "wast.out").read_text() == "wat"
    assert (tmp_path / "options.out").read_text() == "wat ;; (; ;) 2"
    assert (tmp_path / "typed.wat").read_text() == (
        "(module\n  (func $f (param i32)\n  (block\n    nop\n    (nop)\n    nop\n    (local.get 0) drop))\n"
    )
