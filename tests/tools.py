"""Tools outside Python that some tests need (Neovim, Node.js and npm, npm `binaryen`'s
`wasm-opt`). Locally a test whose tool is missing is skipped with a reason naming the tool;
under CI (`CI` set, as CI services and `.ci/run` do) it fails instead, since `.ci/run`
installs them all."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import NoReturn

import pytest

ROOT = Path(__file__).resolve().parent.parent
WASM_OPT_HINT = "npm install --prefix bench binaryen, or set WASM_OPT"


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def missing_tool(reason: str) -> NoReturn:
    """Skip the calling test (or fixture) because of `reason`, which names the missing tool;
    fail under CI."""
    __tracebackhide__ = True  # report the test, not this helper
    if under_ci():
        pytest.fail(f"{reason} (CI must have it: see .ci/run)")
    pytest.skip(reason)


def wasm_opt() -> str | None:
    """npm binaryen's wasm-opt: `$WASM_OPT`, on PATH, or where .ci/run and bench/README.md
    install it (bench/node_modules)."""
    env = os.environ.get("WASM_OPT")
    if env:
        return env
    found = shutil.which("wasm-opt")
    if found:
        return found
    for cand in (
        ROOT / "bench" / "node_modules" / ".bin" / "wasm-opt",
        ROOT / "node_modules" / ".bin" / "wasm-opt",
    ):
        if os.access(cand, os.X_OK):
            return str(cand)
    return None


def need_wasm_opt() -> str:
    """The wasm-opt executable, or skip (locally) / fail (CI) naming it."""
    __tracebackhide__ = True
    found = wasm_opt()
    if found is None:
        missing_tool(f"wasm-opt (npm binaryen) not found ({WASM_OPT_HINT})")
    return found


def need_node() -> str:
    __tracebackhide__ = True
    found = shutil.which("node")
    if found is None:
        missing_tool("Node.js (`node`) is not installed")
    return found
