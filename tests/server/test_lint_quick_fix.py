"""The lints over stdio: pushed with their tags, and their quick fix as a preferred code
action whose edits remove the lint (`wat-lsp --check` on the edited text)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.stdio_client import CONVERTER, _check, _open, _published, push_client
from wat_lsp.output import file_uri

client = push_client()

TEXT = '(module\n  (func $dead)\n  (func (export "f") (param $x i32)\n    (drop (local.tee $x (i32.const 1)))))\n'


@pytest.mark.asyncio
async def test_lint_pushed_with_tag_and_fixed(client: LanguageClient, tmp_path: Path) -> None:
    path = tmp_path / "lint.wat"
    uri = file_uri(str(path))
    _open(client, uri, TEXT)
    diags = await _published(client, uri, 1)
    by_code = {d["code"]: d for d in diags}
    assert sorted(by_code) == ["dead-store", "tee-dropped", "unused-item"]
    assert by_code["unused-item"]["tags"] == [types.DiagnosticTag.Unnecessary.value]
    assert by_code["unused-item"]["range"] == {
        "start": {"line": 1, "character": 8},
        "end": {"line": 1, "character": 13},
    }
    rng = CONVERTER.structure(by_code["unused-item"]["range"], types.Range)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri), rng, types.CodeActionContext(diagnostics=[])
        )
    )
    fix = next(a for a in actions or [] if isinstance(a, types.CodeAction) and a.is_preferred)
    assert fix.title == "Remove the unused item"
    if fix.edit is None:
        fix = await client.code_action_resolve_async(fix)
    assert fix.edit is not None and fix.edit.changes
    [edit] = fix.edit.changes[uri]
    assert (edit.range.start.line, edit.range.start.character, edit.range.end.line, edit.range.end.character) == (
        1, 0, 2, 0,
    )  # fmt: skip
    fixed = "(module\n" + TEXT.split("\n", 2)[2]
    assert all(d["code"] != "unused-item" for d in _check(path, fixed))
