"""editors/nvim's configurations in nvim-lspconfig's formats, read by a real Neovim: the 0.11+
`lsp/wat_lsp.lua` (what `vim.lsp.config` merges) evaluates to the command, filetypes, root
markers and settings below; the older `lspconfig/wat_lsp.lua` compiles (running it
needs nvim-lspconfig, which is not in Debian)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.editors.test_nvim import nvim as nvim  # the fixture: Debian's Neovim, installed when missing

ROOT = Path(__file__).resolve().parents[2]
NVIM_DIR = ROOT / "editors" / "nvim"

SCRIPT = """
local out = {}
local ok, config = pcall(dofile, %(new)s)
out.new = ok and { cmd = config.cmd, filetypes = config.filetypes, root_markers = config.root_markers,
                   settings = vim.fn.json_encode(config.settings) } or tostring(config)
local chunk, err = loadfile(%(old)s)
out.old_compiles = chunk ~= nil or err
vim.fn.writefile({ vim.fn.json_encode(out) }, %(out)s)
vim.cmd('qall!')
"""


def test_lspconfig_formats(nvim: str, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    script = tmp_path / "check.lua"
    script.write_text(SCRIPT % {"new": json.dumps(str(NVIM_DIR / "lsp" / "wat_lsp.lua")),
                                "old": json.dumps(str(NVIM_DIR / "lspconfig" / "wat_lsp.lua")),
                                "out": json.dumps(str(out))})  # fmt: skip
    done = subprocess.run([nvim, "--headless", "--clean", "-u", str(script)], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL, cwd=tmp_path)  # fmt: skip
    if not out.is_file():
        pytest.fail(f"Neovim exited {done.returncode} without results\n{done.stdout}\n{done.stderr}")
    result = json.loads(out.read_text())
    assert result == {
        "new": {"cmd": ["wat-lsp"], "filetypes": ["wat", "wast"], "root_markers": [".git"],
                "settings": '{"wat-lsp": {"severity": {}}}'},
        "old_compiles": True,
    }  # fmt: skip
