"""What the end-to-end tests over stdio (pytest-lsp, a new server per test) share: the two
clients (`client`: push diagnostics, UTF-16; `pull_client`: pull diagnostics, UTF-8), opening
and editing documents, waiting for published diagnostics, and `wat-lsp --check`'s answer."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from wat_lsp.analysis.diagnostics import Severity

from wat_lsp.cli import run_check

ROOT = Path(__file__).resolve().parents[2]
SHAPES = ROOT / "examples" / "shapes.wat"
CONFIG = ClientServerConfig(server_command=[sys.executable, "-m", "wat_lsp", "--stdio"])
CONVERTER = default_converter()


def _capabilities(*, pull: bool = False, utf8: bool = False) -> types.ClientCapabilities:
    return types.ClientCapabilities(
        general=types.GeneralClientCapabilities(
            position_encodings=[types.PositionEncodingKind.Utf8, types.PositionEncodingKind.Utf16]
            if utf8
            else None
        ),
        text_document=types.TextDocumentClientCapabilities(
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                related_information=True, version_support=True
            ),
            diagnostic=types.DiagnosticClientCapabilities() if pull else None,
        ),
    )


def push_client() -> Any:
    """The `client` fixture of a test module (assign it to `client` there): a new server per
    test, for a client without pull diagnostics and without a position encoding (push, UTF-16)."""

    @pytest_lsp.fixture(config=CONFIG)
    async def client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
        await lsp_client.initialize_session(types.InitializeParams(capabilities=_capabilities()))
        yield lsp_client
        await lsp_client.shutdown_session()

    return client


def pull_diagnostics_client() -> Any:
    """The `pull_client` fixture (assign it to `pull_client`): a client that pulls diagnostics
    and offers UTF-8 positions."""

    @pytest_lsp.fixture(config=CONFIG)
    async def pull_client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
        result = await lsp_client.initialize_session(
            types.InitializeParams(capabilities=_capabilities(pull=True, utf8=True))
        )
        assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf8
        assert result.capabilities.diagnostic_provider is not None
        yield lsp_client
        await lsp_client.shutdown_session()

    return pull_client


def _open(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wat", version, text))
    )


def _change(
    client: LanguageClient,
    uri: str,
    version: int,
    line: int,
    start: int,
    end: int,
    text: str,
    end_line: int | None = None,
) -> None:
    rng = types.Range(
        types.Position(line, start), types.Position(line if end_line is None else end_line, end)
    )
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=version, uri=uri),
            [types.TextDocumentContentChangePartial(range=rng, text=text)],
        )
    )


async def _published(client: LanguageClient, uri: str, version: int) -> list[dict[str, Any]]:
    """Wait for the diagnostics of `version`; no other version may be published meanwhile."""
    while True:
        params: types.PublishDiagnosticsParams = await client.wait_for_notification(
            types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
        )
        if params.uri != uri:
            continue
        assert params.version is not None and params.version <= version
        if params.version == version:
            return _json(params.diagnostics)


def _json(diagnostics: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = CONVERTER.unstructure(list(diagnostics))
    return out


def _check(path: Path, text: str) -> list[dict[str, Any]]:
    """What `wat-lsp --check --format json --min-severity hint` says about `text` (UTF-16
    positions): the server publishes hints too."""
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    run_check([str(path)], "json", out, min_severity=Severity.HINT)
    (entry,) = json.loads(out.getvalue())
    diags: list[dict[str, Any]] = entry["diagnostics"]
    return diags


VALID = """(module
  (; ünïcödé 🙂 ;) (global $g i32 (i32.const 0))
  (func $f (param $p i32) (result i32)
    (local $x i32)
    (local.get $p)))
"""


def _at(text: str, needle: str, skip: int = 0) -> types.Position:
    """The position `skip` characters into the first occurrence of `needle` (UTF-16 columns)."""
    offset = text.index(needle) + skip
    line = text.count("\n", 0, offset)
    col = offset - (text.rfind("\n", 0, offset) + 1)
    return types.Position(line, len(text.splitlines()[line][:col].encode("utf-16-le")) // 2)
