"""The quick fix for `uninitialized-local` over stdio: the preferred code action's edits remove
the error (`wat-lsp --check` on the edited text). Other code actions: `test_server_actions.py`."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.stdio_client import CONVERTER, SHAPES, _check, _open, _published, push_client
from wat_lsp.output import file_uri

client = push_client()


@pytest.mark.asyncio
async def test_quick_fix_for_uninitialized_local(client: LanguageClient, tmp_path: Path) -> None:
    path = tmp_path / "fix.wat"
    uri = file_uri(str(path))
    text = SHAPES.read_text(encoding="utf-8")
    _open(client, uri, text)
    (diag,) = [d for d in await _published(client, uri, 1) if d["code"] == "uninitialized-local"]
    rng = CONVERTER.structure(diag["range"], types.Range)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri), rng, types.CodeActionContext(diagnostics=[])
        )
    )
    assert actions
    fix = next(a for a in actions if isinstance(a, types.CodeAction) and a.is_preferred)
    assert fix.kind == types.CodeActionKind.QuickFix and fix.edit is not None and fix.edit.changes
    # Apply the edits as a client would, in reverse order; the result has no such error.
    lines = text.splitlines(keepends=True)

    def offset(p: types.Position) -> int:
        return sum(len(line) for line in lines[: p.line]) + p.character  # the edited lines are ASCII

    fixed = text
    for e in sorted(fix.edit.changes[uri], key=lambda e: offset(e.range.start), reverse=True):
        fixed = fixed[: offset(e.range.start)] + e.new_text + fixed[offset(e.range.end) :]
    assert all(d["code"] != "uninitialized-local" for d in _check(path, fixed))
