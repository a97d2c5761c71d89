"""Diagnostics over stdio: pushed on open and after incremental edits (equal to `wat-lsp
--check`'s, in UTF-16), pulled in UTF-8 with unchanged reports, only the last version of a
burst of edits published."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.stdio_client import (
    SHAPES,
    VALID,
    _change,
    _check,
    _json,
    _open,
    _published,
    pull_diagnostics_client,
    push_client,
)
from wat_lsp.output import file_uri

client = push_client()
pull_client = pull_diagnostics_client()


@pytest.mark.asyncio
async def test_uninitialized_local_on_open(client: LanguageClient) -> None:
    uri = file_uri(str(SHAPES))
    _open(client, uri, SHAPES.read_text(encoding="utf-8"))
    diags = await _published(client, uri, 1)
    (d,) = [d for d in diags if d["code"] == "uninitialized-local"]
    assert d["range"] == {"start": {"line": 24, "character": 76}, "end": {"line": 24, "character": 88}}
    assert d["message"].startswith("local `$s` of type `(ref $shape)` is read before it is set")
    assert d["severity"] == 1
    assert d["relatedInformation"][0]["location"]["uri"] == uri


@pytest.mark.asyncio
async def test_incremental_edits_match_check(client: LanguageClient, tmp_path: Path) -> None:
    path = tmp_path / "edit.wat"
    uri = file_uri(str(path))
    text = VALID
    _open(client, uri, text)
    first = await _published(client, uri, 1)
    assert first == _check(path, text) and [d["code"] for d in first] == ["unused-local"]  # $x

    # Line 1 holds non-ASCII text: `🙂` is two UTF-16 units, `ü` one, each several bytes.
    line1 = text.splitlines()[1]
    col = len(line1.encode("utf-16-le")) // 2  # end of line 1 in UTF-16 units
    assert col < len(line1.encode("utf-8"))
    _change(client, uri, 2, 1, col, col, " (oops")  # insert: a syntax error
    text = text.replace(line1, line1 + " (oops")
    diags = await _published(client, uri, 2)
    assert diags == _check(path, text) and diags
    # Delete it again; and in between break the function's result type (several quick edits,
    # only the last version's diagnostics may be published).
    _change(client, uri, 3, 1, col, col + len(" (oops"), "")
    text = text.replace(line1 + " (oops", line1)
    _change(client, uri, 4, 4, 5, 17, "local.get $x) (f32.const 1")  # `local.get $p` → …
    text = text.replace("(local.get $p)))", "(local.get $x) (f32.const 1)))")
    diags = await _published(client, uri, 4)
    assert diags == _check(path, text) and diags
    assert all(d["code"] != "syntax" for d in diags)
    # Close the comment right after the emoji (UTF-16 columns count it as 2): the old `;)`
    # becomes a syntax error at a column after non-ASCII text.
    emoji_end = line1.index("🙂") + 2  # ü, ï, ö, é are one unit each; 🙂 is two
    _change(client, uri, 5, 1, emoji_end, emoji_end, ";)")
    i = text.index("🙂") + 1
    text = text[:i] + ";)" + text[i:]
    diags = await _published(client, uri, 5)
    assert diags == _check(path, text)
    assert any(d["code"] == "syntax" and d["range"]["start"]["line"] == 1 for d in diags)


@pytest.mark.asyncio
async def test_pull_diagnostics_utf8(pull_client: LanguageClient, tmp_path: Path) -> None:
    path = tmp_path / "pull.wat"
    uri = file_uri(str(path))
    text = VALID.replace("(local.get $p)))", "(local.get $q)))")
    _open(pull_client, uri, text)
    report = await pull_client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(types.TextDocumentIdentifier(uri))
    )
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    (d,) = _json(report.items)
    assert d["code"] == "unknown-name"
    # UTF-8 columns: line 4 is ASCII, so they equal the UTF-16 ones of `--check`.
    assert [d] == _check(path, text)
    # An edit on the non-ASCII line in UTF-8 byte columns: after the 4-byte emoji.
    line1 = text.splitlines()[1].encode("utf-8")
    after = line1.index("🙂".encode()) + 4
    _change(pull_client, uri, 2, 1, after, after, ";)")  # the old `;)` is now stray
    report = await pull_client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(types.TextDocumentIdentifier(uri))
    )
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    items = _json(report.items)
    syntax = [d for d in items if d["code"] == "syntax"]
    assert syntax and syntax[0]["range"]["start"]["line"] == 1
    assert syntax[0]["range"]["start"]["character"] == after + len(";) ")
    assert pull_client.diagnostics == {}  # a pulling client gets no pushes
    # Nothing changed since: the server says so instead of sending everything again.
    again = await pull_client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(types.TextDocumentIdentifier(uri), previous_result_id=report.result_id)
    )
    assert isinstance(again, types.RelatedUnchangedDocumentDiagnosticReport)
    assert again.result_id == report.result_id


@pytest.mark.asyncio
async def test_quick_edits_publish_only_the_last_version(client: LanguageClient) -> None:
    uri = "untitled:burst.wat"
    _open(client, uri, "(module)\n")
    assert await _published(client, uri, 1) == []
    for version in range(2, 12):  # ten keystrokes well inside the debounce delay
        _change(client, uri, version, 0, 7, 7, "x" if version % 2 else " ")
    params: types.PublishDiagnosticsParams = await client.wait_for_notification(
        types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
    )
    assert params.uri == uri and params.version == 11
    assert [d.code for d in params.diagnostics] and all(d.code == "syntax" for d in params.diagnostics)
