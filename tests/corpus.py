"""The spec test suite: vendored in tests/testsuite (see its README), or the directory
`WAT_LSP_TESTSUITE` names. A missing suite stops the run (tests/conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path

VENDORED = Path(__file__).resolve().parent / "testsuite"
ROOT = Path(os.environ.get("WAT_LSP_TESTSUITE") or VENDORED)


def _wast(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.wast")) if directory.is_dir() else []


def core_files() -> list[Path]:
    """The files at the root, legacy/ and custom/: the floor every stage must meet."""
    return _wast(ROOT) + _wast(ROOT / "legacy") + _wast(ROOT / "custom")


def proposal_files() -> list[Path]:
    return sorted((ROOT / "proposals").rglob("*.wast")) if (ROOT / "proposals").is_dir() else []


def missing() -> str | None:
    """Why the suite cannot be read, naming where it was looked for; None when it can."""
    if core_files():
        return None
    how = "WAT_LSP_TESTSUITE" if os.environ.get("WAT_LSP_TESTSUITE") else "the vendored copy"
    return (
        f"the spec test suite is missing: no .wast files in {ROOT} ({how}); "
        f"restore tests/testsuite (git checkout -- tests/testsuite) or set WAT_LSP_TESTSUITE "
        f"to a copy of https://github.com/WebAssembly/testsuite"
    )


def case_id(path: Path) -> str:
    return str(path.relative_to(ROOT))
