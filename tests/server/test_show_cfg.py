"""`workspace/executeCommand` `wat-lsp.showCfg` over stdio (pytest-lsp): advertised, the DOT and
SVG of a function by name or position, and refusals as RequestFailed with a message."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.ide.test_cfg_picture import EXAMPLE, EXAMPLE_DOT

URI = "untitled:cfg.wat"
BROKEN = "untitled:broken.wat"
CAPABILITIES: list[types.ServerCapabilities] = []


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "wat_lsp", "--stdio"]),
    scope="module",
    loop_scope="module",
)
async def client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    result = await lsp_client.initialize_session(
        types.InitializeParams(capabilities=types.ClientCapabilities())
    )
    CAPABILITIES.append(result.capabilities)
    for uri, text in (
        (URI, EXAMPLE.decode()),
        (BROKEN, "(module (func $f (local i32) block $a local.get 0 (i32.add 1 ))"),
    ):
        lsp_client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wat", 1, text))
        )
    yield lsp_client
    await lsp_client.shutdown_session()


async def run(client: LanguageClient, *arguments: Any) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="wat-lsp.showCfg", arguments=list(arguments))
    )


@pytest.mark.asyncio(loop_scope="module")
async def test_show_cfg(client: LanguageClient) -> None:
    provider = CAPABILITIES[0].execute_command_provider
    assert provider is not None and list(provider.commands) == ["wat-lsp.showCfg"]
    result = await run(client, URI, "$dispatch")
    assert sorted(result) == ["dot", "function", "svg"]
    assert result["function"] == "$dispatch" and result["dot"] == EXAMPLE_DOT
    assert result["svg"].startswith("<svg ") and "[1a error: $r read before set]" in result["svg"]
    # a position inside the function (line 10: `br_table ...`)
    by_position = await run(client, URI, {"line": 10, "character": 12})
    assert by_position == result


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((URI, "$nope"), "no function $nope; functions: $dispatch"),
        ((URI, {"line": 1, "character": 3}), "no function body at this position"),
        (
            (BROKEN, "$f"),
            "the body of function $f could not be read completely (syntax errors): fix them first",
        ),
        (("untitled:closed.wat", "$f"), "untitled:closed.wat is not open"),
        ((URI,), "wat-lsp.showCfg takes two arguments: a document URI and a function name or position"),
        ((URI, [1]), "wat-lsp.showCfg: the second argument must be a function name or a position"),
    ],
)
async def test_refused(client: LanguageClient, arguments: tuple[Any, ...], message: str) -> None:
    with pytest.raises(JsonRpcException) as info:
        await run(client, *arguments)
    assert (info.value.code, info.value.message) == (-32803, message)
    # the user's request, not our failure: logged as information, with no traceback
    for _ in range(250):  # the log notification may come after the answer
        if any(m.message == f"wat-lsp: request refused: {message}" for m in client.log_messages):
            break
        await asyncio.sleep(0.02)
    assert any(m.message == f"wat-lsp: request refused: {message}" for m in client.log_messages)
    assert not [
        m for m in client.log_messages if m.type != types.MessageType.Info or "Traceback" in m.message
    ]
