"""The layering rule: only `server/` speaks LSP. The core (`analysis/`, with the IDE package
`analysis/ide/`) and `passes/` never import `wat_lsp.server`, pygls or lsprotocol, at module
level or inside a function."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Source folder -> the import prefixes it must not use.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "analysis": ("wat_lsp.server", "pygls", "lsprotocol"),
    "passes": ("wat_lsp.server", "pygls", "lsprotocol"),
}
# Source folder -> its import package (pyproject's package-dir), for relative imports.
PACKAGE = {"analysis": "wat_lsp.analysis", "passes": "wat_lsp.passes", "server": "wat_lsp.server"}


def imported(source: str, package: str) -> Iterator[tuple[int, str]]:
    """`(line, module)` for every import in `source`, relative ones resolved against `package`."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            yield node.lineno, base
            for alias in node.names:  # `from wat_lsp import server`
                yield node.lineno, f"{base}.{alias.name}"


def violations(source: str, package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"line {line}: imports {name}"
        for line, name in imported(source, package)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]


def _modules() -> Iterator[tuple[Path, str, tuple[str, ...]]]:
    for folder, forbidden in FORBIDDEN.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT / folder).with_suffix("")
            package = ".".join([PACKAGE[folder], *rel.parts[:-1]])
            yield path, package, forbidden


@pytest.mark.parametrize(
    "path, package, forbidden", [pytest.param(*m, id=str(m[0].relative_to(ROOT))) for m in _modules()]
)
def test_core_does_not_speak_lsp(path: Path, package: str, forbidden: tuple[str, ...]) -> None:
    assert violations(path.read_text(encoding="utf-8"), package, forbidden) == []


def test_every_core_folder_is_checked() -> None:
    assert len(list(_modules())) >= 30


@pytest.mark.parametrize(
    "source, package",
    [
        ("from wat_lsp.server.documents import Snapshot\n", "wat_lsp.analysis"),
        ("from wat_lsp.server import pieces\n", "wat_lsp.analysis.ide"),
        ("from wat_lsp import server\n", "wat_lsp.passes"),
        ("def f() -> None:\n    import lsprotocol.types\n", "wat_lsp.analysis"),
        ("from pygls.server import LanguageServer\n", "wat_lsp.passes"),
        ("from ...server import app\n", "wat_lsp.analysis.ide"),
    ],
)
def test_a_wrong_import_is_found(source: str, package: str) -> None:
    assert violations(source, package, FORBIDDEN["analysis"]) != []


@pytest.mark.parametrize(
    "source",
    [
        "from wat_lsp.analysis import cst\n",
        "from wat_lsp.passes.edits import TextEdit\n",
        "import tree_sitter\n",
        "from . import cst\n",
    ],
)
def test_a_right_import_passes(source: str) -> None:
    assert violations(source, "wat_lsp.analysis", FORBIDDEN["analysis"]) == []


def test_every_package_folder_is_installed() -> None:
    """Each folder holding an `__init__.py` is a package `pyproject.toml` lists, with its folder:
    an editable install finds a missing one anyway, but the wheel would go without it."""
    import tomllib

    root = Path(__file__).resolve().parent.parent
    setup = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = {setup["package-dir"][name]: name for name in setup["packages"]}
    folders = {
        init.parent.relative_to(root).as_posix()
        for top in ("analysis", "passes", "server", "wat_lsp")
        for init in (root / top).rglob("__init__.py")
    }
    assert folders == set(listed)
