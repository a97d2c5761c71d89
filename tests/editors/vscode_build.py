"""Building the VS Code extension's `.vsix` as its README says: `npm ci` in editors/vscode
(`--ignore-scripts` because packaging needs no install script, and it keeps the build to the
registry's tarballs), then `vsce package`; each again only when its inputs changed, serialized
across xdist workers and parallel runs. The `vscode_build` fixture (tests/editors/conftest.py)
is the way in."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from tests.tools import missing_tool

ROOT = Path(__file__).resolve().parents[2]
VSCODE = ROOT / "editors" / "vscode"
MANIFEST = json.loads((VSCODE / "package.json").read_text())
VSIX = VSCODE / f"{MANIFEST['name']}-{MANIFEST['version']}.vsix"
# What node_modules and the .vsix were last built from (node_modules goes with `npm ci`).
DEPS_MARK = VSCODE / "node_modules" / ".wat-lsp-deps"
VSIX_MARK = VSCODE / "node_modules" / ".wat-lsp-vsix"


def _run(command: list[str], timeout: float) -> None:
    try:
        done = subprocess.run(command, cwd=VSCODE, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)  # fmt: skip
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"{' '.join(command)} took over {timeout} s: {error.stdout!r} {error.stderr!r}")
    assert done.returncode == 0, f"{' '.join(command)} exited {done.returncode}\n{done.stdout}\n{done.stderr}"


def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(str(path.relative_to(VSCODE)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _sources() -> list[Path]:
    """What goes into the package: everything here but build products."""
    return sorted(p for p in VSCODE.rglob("*")
                  if p.is_file() and "node_modules" not in p.relative_to(VSCODE).parts and p.suffix != ".vsix")  # fmt: skip


def build_vsix(machine_lock: Callable[[str], AbstractContextManager[None]]) -> Path:
    """The packaged .vsix, built in editors/vscode (xdist workers and parallel runs share it):
    `npm ci` when the manifest or lock file changed since node_modules was installed (so
    always on a fresh checkout), `vsce package` when any source file changed."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        missing_tool("Node.js (`node`) and `npm` are needed to build the VS Code extension")
    deps = _digest([VSCODE / "package.json", VSCODE / "package-lock.json"])
    package = _digest(_sources())
    with machine_lock("vscode-build"):
        if not (DEPS_MARK.is_file() and DEPS_MARK.read_text() == deps):
            _run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], timeout=600)
            DEPS_MARK.write_text(deps)
        if not (VSIX_MARK.is_file() and VSIX_MARK.read_text() == package and VSIX.is_file()):
            VSIX.unlink(missing_ok=True)
            _run(["npx", "--no", "vsce", "package", "--allow-missing-repository"], timeout=300)
            VSIX_MARK.write_text(package)
    assert VSIX.is_file()
    return VSIX
