"""The wheel installs and runs where there is no C compiler.

`python -m build` makes the sdist, then the wheel from the unpacked sdist (so the sdist must hold
everything the grammar's C needs). The wheel goes into a fresh venv without system
site-packages, its dependencies from PyPI as wheels only, on a PATH where `cc` and `gcc` are not
found; there `wat-lsp check` checks a file (SARIF's help links point into the package) and
`wat-lsp server` answers `initialize`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from tests.cli.server_probe import initialize

ROOT = Path(__file__).resolve().parents[2]


def _run(
    args: list[str | Path], env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, cwd=cwd)
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def _build(out: Path) -> None:
    """sdist and wheel in `out`, as a user builds: pyproject's build requirements from PyPI,
    in an isolated environment."""
    _run([sys.executable, "-m", "build", "--outdir", out, ROOT])
    [sdist] = out.glob("wat_lsp-*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for needed in ("setup.py", "grammar/grammar.js", "grammar/src/parser.c", "grammar/src/scanner.c",
                   "grammar/src/tree_sitter/parser.h", "grammar/bindings/python/binding.c",
                   "analysis/ide/format_scan.c", "docs/diagnostics.md"):  # fmt: skip
        assert needed in names


def test_wheel_runs_without_a_compiler(tmp_path: Path) -> None:
    """(One test, not a fixture shared by two: under xdist each worker would build again.)"""
    dist = tmp_path / "dist"
    _build(dist)
    [wheel] = dist.glob("wat_lsp-*.whl")
    assert "-cp311-abi3-" in wheel.name  # the stable ABI: one wheel for CPython 3.11 and later
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    bin_dir = venv / "bin"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = str(bin_dir)  # the venv's python, and nothing else: no cc, no gcc
    for compiler in ("cc", "gcc", "clang"):
        assert shutil.which(compiler, path=env["PATH"]) is None
    # This process's pip installs into the venv's interpreter; wheels only: nothing is compiled.
    _run([sys.executable, "-m", "pip", "--python", bin_dir / "python", "install", "--quiet",
          "--disable-pip-version-check", "--only-binary", ":all:", wheel], env)  # fmt: skip
    # (run elsewhere than in the checkout, whose wat_lsp/ `python -c` would import)
    code = "import wat_lsp._grammar, wat_lsp.analysis.ide._format_scan, wat_lsp; print(wat_lsp.__file__)"
    where = _run([bin_dir / "python", "-c", code], env, cwd=tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(venv)
    bad = tmp_path / "bad.wat"
    bad.write_bytes(b"(module\n  (func (result i32)\n    (i64.const 1)))\n")
    proc = subprocess.run([bin_dir / "wat-lsp", "check", bad], capture_output=True, text=True, env=env)
    assert (proc.returncode, proc.stderr) == (1, "")
    assert proc.stdout.splitlines()[0] == (
        f"{bad}:3:18: error[type-mismatch]: the function body must end with [i32] on the stack, found [i64]"
    )
    # SARIF's rules link to the copy of docs/diagnostics.md installed in the package
    sarif = subprocess.run(
        [bin_dir / "wat-lsp", "check", "--output-format", "sarif", bad], capture_output=True, env=env
    )
    rules = json.loads(sarif.stdout)["runs"][0]["tool"]["driver"]["rules"]
    doc = Path(where.stdout.strip()).with_name("diagnostics.md")
    assert doc.read_bytes() == (ROOT / "docs" / "diagnostics.md").read_bytes()
    assert rules[0]["helpUri"] == f"{doc.as_uri()}#{rules[0]['id']}"
    answer, status = initialize([str(bin_dir / "wat-lsp"), "server"], env)
    assert (answer["result"]["serverInfo"]["name"], status) == ("wat-lsp", 0)
