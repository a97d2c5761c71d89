"""Fixtures of the editor tests."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from tests.editors.vscode_build import build_vsix


@pytest.fixture(scope="session")
def vscode_build(machine_lock: Callable[[str], AbstractContextManager[None]]) -> Path:
    """The VS Code extension's .vsix, freshly packaged from editors/vscode (when its sources changed)."""
    return build_vsix(machine_lock)
