"""Fixtures shared by test modules."""

from __future__ import annotations

import contextlib
import fcntl
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def _machine_lock(name: str) -> Iterator[None]:
    with open(Path(tempfile.gettempdir()) / f"wat-lsp-{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def machine_lock() -> Callable[[str], contextlib.AbstractContextManager[None]]:
    """`with machine_lock(name):` one holder at a time on this machine, across processes
    (pytest-xdist workers, parallel runs): for installs and builds shared between them."""
    return _machine_lock
