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


def test_locals_only_in_modules_of_few_functions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above `LOCALS_UP_TO` functions, function symbols have no children; the JSON made function
    by function (`document_symbols_json`) equals the protocol objects made at once."""
    import json

    from pygls.protocol import default_converter
    from wat_lsp.analysis.ide import function_cache, navigation
    from wat_lsp.server import ide_requests
    from wat_lsp.server.documents import open_snapshot

    from tests.server.test_big_edits import module

    snap = open_snapshot("untitled:m.wat", 1, module(6))
    for limit, children in ((6, ["$p", "$x"]), (5, [])):
        monkeypatch.setattr(navigation, "LOCALS_UP_TO", limit)
        function_cache.clear()
        whole = default_converter().unstructure(ide_requests.document_symbols(snap, "utf-16"))
        assert json.loads(ide_requests.document_symbols_json(snap, "utf-16").text) == whole
        funcs = [s for s in whole if s["kind"] == int(types.SymbolKind.Function)]
        assert len(funcs) == 6 and all([c["name"] for c in s.get("children", [])] == children for s in funcs)
