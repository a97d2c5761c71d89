"""Fixtures shared by test modules."""

from __future__ import annotations

import contextlib
import fcntl
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from .corpus import missing
from .lsp_wire import SERVER_COMMAND


def pytest_configure(config: pytest.Config) -> None:
    """A missing spec suite stops the run: about half the tests are collected from it, and
    a run without them must not look green."""
    why = missing()
    if why is not None:
        raise pytest.UsageError(why)


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


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND))
async def client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    """The server over stdio, for a client with versioned push diagnostics and nothing else
    (UTF-16). Test modules that need other capabilities define their own `client`."""
    caps = types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True)
        )
    )
    await lsp_client.initialize_session(types.InitializeParams(capabilities=caps))
    yield lsp_client
    await lsp_client.shutdown_session()
