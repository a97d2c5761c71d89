"""Folding ranges over stdio (pytest-lsp), on the module of
`navigation_module.py` that uses every index space."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.navigation_module import DOC, module_client

client = module_client()


@pytest.mark.asyncio(loop_scope="module")
async def test_folding_ranges(client: LanguageClient) -> None:
    folds = await client.text_document_folding_range_async(types.FoldingRangeParams(DOC))
    region, comment = types.FoldingRangeKind.Region, types.FoldingRangeKind.Comment
    assert [(f.start_line, f.end_line, f.kind) for f in folds or []] == [
        (0, 33, region),  # the module
        (12, 13, comment),  # two `;;` lines
        (14, 33, region),  # the function
        (19, 24, region),
        (20, 24, region),
        (22, 23, region),  # block $out, loop $l, block $l
        (26, 28, region),  # block $h
    ]
