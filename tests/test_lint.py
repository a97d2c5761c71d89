"""ruff and mypy (over the package and the tests) are part of the suite, so the one test
command checks everything CI checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Import package -> source folder, as pyproject's package-dir maps them.
PACKAGES = {"analysis": "analysis", "passes": "passes", "server": "server"}


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True)


def test_ruff() -> None:
    result = _run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    """The tree is as `ruff format` writes it (`# fmt: skip` only on tables aligned by hand)."""
    result = _run("ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy(tmp_path: Path) -> None:
    # mypy cannot follow setuptools' package-dir mapping, so lay the package out as it is
    # installed, with links to the sources.
    pkg = tmp_path / "wat_lsp"
    pkg.mkdir()
    for item in (ROOT / "wat_lsp").iterdir():
        if item.suffix in (".py", ".pyi"):
            (pkg / item.name).symlink_to(item)
    for name, folder in PACKAGES.items():
        (pkg / name).symlink_to(ROOT / folder, target_is_directory=True)
    (tmp_path / "tests").symlink_to(ROOT / "tests", target_is_directory=True)
    # Tests import bench modules (genwat, peers) from the bench folder, as bench scripts do.
    env = {**os.environ, "MYPYPATH": str(ROOT / "bench")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "-p",
            "wat_lsp",
            "-p",
            "tests",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
