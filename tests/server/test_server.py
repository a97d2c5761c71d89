"""End to end: the real server over stdio (`python -m wat_lsp --stdio`), driven by pytest-lsp."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from wat_lsp.analysis.diagnostics import Severity

from tests.lsp_wire import SERVER_COMMAND, frame
from wat_lsp.cli import run_check
from wat_lsp.output import file_uri

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


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    """A client without pull diagnostics and without a position encoding: push, UTF-16."""
    await lsp_client.initialize_session(types.InitializeParams(capabilities=_capabilities()))
    yield lsp_client
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG)
async def pull_client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    """A client that pulls diagnostics and offers UTF-8 positions."""
    result = await lsp_client.initialize_session(
        types.InitializeParams(capabilities=_capabilities(pull=True, utf8=True))
    )
    assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf8
    assert result.capabilities.diagnostic_provider is not None
    yield lsp_client
    await lsp_client.shutdown_session()


def _open(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wat", version, text))
    )


def _change(client: LanguageClient, uri: str, version: int, line: int, start: int, end: int, text: str,
            end_line: int | None = None) -> None:  # fmt: skip
    rng = types.Range(types.Position(line, start), types.Position(line if end_line is None else end_line, end))
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


VALID = """(module
  (; ünïcödé 🙂 ;) (global $g i32 (i32.const 0))
  (func $f (param $p i32) (result i32)
    (local $x i32)
    (local.get $p)))
"""


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
async def test_garbage_and_bad_requests_do_not_kill_it(client: LanguageClient) -> None:
    uri = "untitled:garbage.wat"
    # NUL, a lone surrogate (not UTF-8 at all), unbalanced parentheses and comments, bad escapes.
    garbage = "(((((\x00\U0010ffff;; \ud800 ))))))) (module (func (param $ (;) \"\\u{zz}\n" * 50
    _open(client, uri, garbage)
    codes = {d["code"] for d in await _published(client, uri, 1)}
    assert {"syntax", "invalid-utf8"} <= codes
    # A change whose range lies outside the text is clamped, not fatal.
    _change(client, uri, 2, 10_000, 5, 900, "(module)", end_line=20_000)
    await _published(client, uri, 2)
    # A request the server does not know, and one with invalid parameters.
    with pytest.raises(Exception):  # noqa: B017 - any JSON-RPC error response will do
        await client.protocol.send_request_async("wat/nonexistent", {})
    # Invalid parameters: sent raw, since the client would not serialise them.
    answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    client.protocol._request_futures["bad-params"] = answer  # type: ignore[assignment]
    client.protocol._send_data({"jsonrpc": "2.0", "id": "bad-params", "method": types.TEXT_DOCUMENT_DIAGNOSTIC,
                                "params": {"bogus": 1}})  # fmt: skip
    with pytest.raises(JsonRpcInvalidParams):
        await asyncio.wait_for(answer, 10)
    for _ in range(100):  # the log message follows the answer
        if any("Invalid Params" in m.message for m in client.log_messages):
            break
        await asyncio.sleep(0.05)
    else:
        pytest.fail(f"no logMessage about the invalid request: {client.log_messages}")
    # Still alive and answering.
    _open(client, "untitled:ok.wat", "(module (func))")
    assert await _published(client, "untitled:ok.wat", 1) == []


@pytest.mark.parametrize("args", [[], ["--stdio"]])
def test_exits_when_stdin_closes(args: list[str]) -> None:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                       "params": {"processId": None, "rootUri": None, "capabilities": {}}}).encode()  # fmt: skip
    message = b"Content-Length: %d\r\n\r\n" % len(body) + body
    proc = subprocess.run([sys.executable, "-m", "wat_lsp", *args], input=message, capture_output=True,
                          timeout=30)  # fmt: skip
    assert b'"positionEncoding": "utf-16"' in proc.stdout or b'"positionEncoding":"utf-16"' in proc.stdout
    assert b'"textDocumentSync"' in proc.stdout


def _at(text: str, needle: str, skip: int = 0) -> types.Position:
    """The position `skip` characters into the first occurrence of `needle` (UTF-16 columns)."""
    offset = text.index(needle) + skip
    line = text.count("\n", 0, offset)
    col = offset - (text.rfind("\n", 0, offset) + 1)
    return types.Position(line, len(text.splitlines()[line][:col].encode("utf-16-le")) // 2)


@pytest.mark.asyncio
async def test_document_symbols(client: LanguageClient) -> None:
    uri = file_uri(str(SHAPES))
    text = SHAPES.read_text(encoding="utf-8")
    _open(client, uri, text)
    result = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(types.TextDocumentIdentifier(uri))
    )
    assert result is not None
    symbols = [s for s in result if isinstance(s, types.DocumentSymbol)]
    assert [(s.name, s.kind) for s in symbols] == [
        ("$shape", types.SymbolKind.Class), ("$circle", types.SymbolKind.Class),
        ("$shapes", types.SymbolKind.Class), ("$circle", types.SymbolKind.Function),
        ("$total", types.SymbolKind.Function),
    ]  # fmt: skip
    total = symbols[-1]
    assert total.selection_range.start == _at(text, "$total")
    assert total.range.start == _at(text, "(func $total")
    assert [c.name for c in total.children or []] == ["$all", "$i", "$sum", "$s"]
    assert (total.children or [])[3].detail == "(ref $shape)"


@pytest.mark.asyncio
async def test_hover_on_local(client: LanguageClient) -> None:
    uri = file_uri(str(SHAPES))
    text = SHAPES.read_text(encoding="utf-8")
    _open(client, uri, text)
    where = _at(text, "(local.get $s)", len("(local.get $"))
    hover = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), where))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "(local $s (ref $shape))" in hover.contents.value
    assert "local index 3" in hover.contents.value
    assert hover.range is not None and hover.range.start == _at(text, "(local.get $s)", len("(local.get "))
    # A parameter, and nothing on a keyword.
    where = _at(text, "(local.get $r)", len("(local.get $r"))  # right after the name
    hover = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), where))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "(param $r f64)" in hover.contents.value and "param index 0" in hover.contents.value
    where = _at(text, "(loop $next", 2)
    assert await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), where)) is None


@pytest.mark.asyncio
async def test_definition(client: LanguageClient) -> None:
    # Non-ASCII before the names, so that UTF-16 columns differ from bytes.
    text = """(module ;; ünï 🙂
  (type $t (func (param i32)))
  (global $g (mut i32) (i32.const 0))
  (func $f (type $t) (param $p i32) (local $x i32)
    (local.set $x (global.get $g)) ;; 🙂 (local.get $x)
    (call $f (local.get $x)) (global.set $g (local.get $p))))
"""
    uri = "untitled:definition.wat"
    _open(client, uri, text)

    async def definition_of(needle: str, skip: int) -> types.Range:
        params = types.DefinitionParams(types.TextDocumentIdentifier(uri), _at(text, needle, skip))
        result = await client.text_document_definition_async(params)
        assert isinstance(result, types.Location), (needle, result)
        assert result.uri == uri
        return result.range

    def span(needle: str, length: int | None = None) -> types.Range:
        start = _at(text, needle)
        end = _at(text, needle, len(needle) if length is None else length)
        return types.Range(start, end)

    assert await definition_of("(local.set $x", len("(local.set $")) == span("(local $x i32)")
    assert await definition_of("(global.get $g", len("(global.get $")) == span("(global $g (mut i32) (i32.const 0))")
    assert await definition_of("(call $f", len("(call $")) == span("$f (type", 2)
    assert await definition_of("(type $t) (param", len("(type $")) == span("(type $t (func (param i32)))")
    assert await definition_of("(local.get $p", len("(local.get $")) == span("(param $p i32)")
    params = types.DefinitionParams(types.TextDocumentIdentifier(uri), _at(text, "(module", 2))
    assert await client.text_document_definition_async(params) is None


@pytest.mark.asyncio
async def test_definition_of_labels_and_fields(client: LanguageClient) -> None:
    text = """(module
  (type $s (struct (field $a i32) (field $b i32)))
  (func (param (ref $s)) (result i32)
    (block $out (result i32)
      (block $out ;; the inner `$out` shadows the outer one
        (br_if $out (struct.get $s $b (local.get 0))))
      (br $out (i32.const 1)))))
"""
    uri = "untitled:labels.wat"
    _open(client, uri, text)

    async def definition_of(where: types.Position) -> types.Range | None:
        result = await client.text_document_definition_async(
            types.DefinitionParams(types.TextDocumentIdentifier(uri), where)
        )
        assert result is None or isinstance(result, types.Location)
        return result.range if result is not None else None

    inner = _at(text, "block $out ;;")
    outer = _at(text, "block $out (result")
    assert (await definition_of(_at(text, "(br_if $out", 9)) or types.Range(outer, outer)).start == inner
    assert (await definition_of(_at(text, "(br $out", 6)) or types.Range(inner, inner)).start == outer
    field_b = types.Range(_at(text, "(field $b"), _at(text, "(field $b i32)", len("(field $b i32)")))
    assert await definition_of(_at(text, "$s $b", 4)) == field_b
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), _at(text, "$s $b", 4))
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "field index 1" in hover.contents.value


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


@pytest.mark.parametrize(("shutdown", "status"), [(True, 0), (False, 1)])
def test_exits_on_exit(shutdown: bool, status: int) -> None:
    proc = subprocess.Popen(SERVER_COMMAND, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)  # fmt: skip
    assert proc.stdin is not None
    messages: list[dict[str, Any]] = [{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}},
                {"jsonrpc": "2.0", "method": "initialized", "params": {}}]  # fmt: skip
    if shutdown:
        messages.append({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
    messages.append({"jsonrpc": "2.0", "method": "exit"})
    proc.stdin.write(b"".join(frame(json.dumps(m).encode()) for m in messages))
    proc.stdin.flush()  # and stdin stays open: `exit` alone must end the process
    try:
        assert proc.wait(timeout=30) == status
    finally:
        proc.kill()
        proc.stdin.close()
        if proc.stdout is not None:
            proc.stdout.close()


@pytest.mark.asyncio
async def test_quick_fix_for_uninitialized_local(client: LanguageClient, tmp_path: Path) -> None:
    path = tmp_path / "fix.wat"
    uri = file_uri(str(path))
    text = SHAPES.read_text(encoding="utf-8")
    _open(client, uri, text)
    (diag,) = [d for d in await _published(client, uri, 1) if d["code"] == "uninitialized-local"]
    rng = CONVERTER.structure(diag["range"], types.Range)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(types.TextDocumentIdentifier(uri), rng, types.CodeActionContext(diagnostics=[]))
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
