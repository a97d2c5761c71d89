"""The spec test suite in ../shared/corpus/testsuite, read in place (never copied)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(os.environ.get("WAT_LSP_TESTSUITE", Path(__file__).resolve().parents[2] / "shared" /
                           "corpus" / "testsuite"))  # fmt: skip


def _wast(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.wast")) if directory.is_dir() else []


def core_files() -> list[Path]:
    """The files at the root, legacy/ and custom/: the floor every stage must meet."""
    return _wast(ROOT) + _wast(ROOT / "legacy") + _wast(ROOT / "custom")


def proposal_files() -> list[Path]:
    return sorted((ROOT / "proposals").rglob("*.wast")) if (ROOT / "proposals").is_dir() else []


def case_id(path: Path) -> str:
    return str(path.relative_to(ROOT))
