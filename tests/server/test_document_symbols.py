"""Document symbols over stdio (pytest-lsp), on the module of
`navigation_module.py` that uses every index space."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.navigation_module import DOC, module_client

client = module_client()


@pytest.mark.asyncio(loop_scope="module")
async def test_document_symbols_every_space(client: LanguageClient) -> None:
    found = await client.text_document_document_symbol_async(types.DocumentSymbolParams(DOC))
    symbols = [s for s in found or [] if isinstance(s, types.DocumentSymbol)]
    assert [(s.name, s.kind.name, [c.name for c in s.children or []]) for s in symbols] == [
        ("$pt", "Class", ["$x", "$y"]),
        ("$sig", "Class", []),
        ("$log", "Function", ["0"]),
        ("$g", "Variable", []),
        ("$k", "Variable", []),
        ("$tab", "Array", []),
        ("$mem", "Array", []),
        ("$err", "Event", []),
        ("$es", "Array", []),
        ("$ds", "Array", []),
        ("$inc", "Function", ["$n", "$p", "$q"]),
    ]
