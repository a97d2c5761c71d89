"""Code actions and configuration end to end: the real server over stdio, driven by pytest-lsp.

Each edit a test applies goes back to the server as the `didChange` an editor would send, so
the diagnostics that follow come from the incremental path.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.ide.rewrites import fold
from wat_lsp.analysis.positions import LineIndex
from wat_lsp.passes.edits import TextEdit, apply_edits
from wat_lsp.passes.registry import FIX_PASSES, PASSES, run_passes
from wat_lsp.server import code_actions
from wat_lsp.server.documents import apply_change, open_snapshot

from tests.oracles import wasmtools
from wat_lsp.output import lsp_diagnostic

ROOT = Path(__file__).resolve().parents[2]
SHAPES = (ROOT / "examples" / "shapes.wat").read_text(encoding="utf-8")
CONVERTER = default_converter()
CONFIG = ClientServerConfig(server_command=[sys.executable, "-m", "wat_lsp", "--stdio"])

# `$a` has an unused local and a dead store; `$b` an unused local. Non-ASCII before them so
# that UTF-16 columns differ from bytes.
LOCALS = """(module ;; ünï 🙂
  (func $a (param $p i32) (result i32)
    (local $unused i64)
    (local $x i32)
    (local.set $x (i32.const 1))
    (local.set $x (local.get $p))
    (local.get $x))
  (func $b (result i32)
    (local $u f32)
    (i32.const 2)))
"""


def _capabilities(*, lazy: bool, configuration: bool = False) -> types.ClientCapabilities:
    resolve = types.ClientCodeActionResolveOptions(properties=["edit"]) if lazy else None
    return types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(configuration=configuration or None),
        text_document=types.TextDocumentClientCapabilities(
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True),
            code_action=types.CodeActionClientCapabilities(resolve_support=resolve, data_support=True),
        ),
    )


@pytest_lsp.fixture(config=CONFIG)
async def lazy(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    """Resolves code actions' edits lazily, as VS Code and Neovim do."""
    result = await lsp_client.initialize_session(
        types.InitializeParams(capabilities=_capabilities(lazy=True))
    )
    provider = result.capabilities.code_action_provider
    assert isinstance(provider, types.CodeActionOptions) and provider.resolve_provider
    yield lsp_client
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG)
async def eager(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    """Cannot resolve: wants every edit in the listing."""
    await lsp_client.initialize_session(types.InitializeParams(capabilities=_capabilities(lazy=False)))
    yield lsp_client
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG)
async def configured(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    """Sends severities as initialization options (one of them bad) and answers
    `workspace/configuration`."""
    lsp_client.set_configuration({"severity": {"uninitialized-local": "warning"}}, section="wat-lsp")
    options = {"severity": {"uninitialized-local": "hint", "syntax": "loud", "no-such-code": "off"}}
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=_capabilities(lazy=True, configuration=True), initialization_options=options
        )
    )
    yield lsp_client
    await lsp_client.shutdown_session()


def _published(client: LanguageClient) -> dict[str, types.PublishDiagnosticsParams]:
    """The last diagnostics published for each document, recorded as they arrive (waiting
    for the next notification would miss one that came before the wait began)."""
    record: dict[str, types.PublishDiagnosticsParams] | None = getattr(client, "wat_published", None)
    if record is None:
        record = {}
        features = client.protocol.fm._features
        original = features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

        def publish(params: types.PublishDiagnosticsParams) -> None:
            assert record is not None
            record[params.uri] = params
            original(params)

        features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
        client.wat_published = record  # type: ignore[attr-defined]
    return record


class Doc:
    """A document as the client holds it: text, version, and the edits it sends."""

    def __init__(self, client: LanguageClient, uri: str, text: str) -> None:
        self.client, self.uri, self.text, self.version = client, uri, text, 1
        _published(client)
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wat", 1, text))
        )

    def apply(self, edit: types.WorkspaceEdit | None) -> None:
        """Apply a workspace edit here and send it as one didChange (ranges last to first)."""
        assert edit is not None and edit.changes is not None and set(edit.changes) == {self.uri}
        edits = edit.changes[self.uri]
        data = self.text.encode()
        index = LineIndex(data)

        def at(p: types.Position) -> int:
            return index.offset(p.line, p.character, "utf-16")

        core = [TextEdit(at(e.range.start), at(e.range.end), e.new_text) for e in edits]
        self.text = apply_edits(data, core).decode()
        self.version += 1
        ordered = sorted(edits, key=lambda e: at(e.range.start), reverse=True)
        changes = [types.TextDocumentContentChangePartial(range=e.range, text=e.new_text) for e in ordered]
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version=self.version, uri=self.uri), list(changes)
            )
        )

    async def diagnostics(
        self, ok: Callable[[list[types.Diagnostic]], bool] = lambda _: True, timeout: float = 20
    ) -> list[types.Diagnostic]:
        """The published diagnostics of the current version, once `ok` holds for them."""

        record = _published(self.client)

        async def wait() -> list[types.Diagnostic]:
            while True:
                params = record.get(self.uri)
                if params is not None and params.version == self.version and ok(list(params.diagnostics)):
                    return list(params.diagnostics)
                await asyncio.sleep(0.01)

        return await asyncio.wait_for(wait(), timeout)

    async def settled(self) -> None:
        """The diagnostics of the current version are those `wat-lsp --check` gives for the text."""
        published = CONVERTER.unstructure(await self.diagnostics())
        data = self.text.encode()
        index = LineIndex(data)
        assert sorted(published, key=json.dumps) == sorted(
            CONVERTER.unstructure(
                [
                    CONVERTER.structure(lsp_diagnostic(d, index, self.uri), types.Diagnostic)
                    for d in analyse(data).diagnostics
                ]
            ),
            key=json.dumps,
        )

    async def actions(self, rng: types.Range, only: list[str] | None = None) -> list[types.CodeAction]:
        result = await self.client.text_document_code_action_async(
            types.CodeActionParams(
                types.TextDocumentIdentifier(self.uri),
                rng,
                types.CodeActionContext(diagnostics=[], only=only),
            )
        )
        # fold and unfold apply almost anywhere in code: `test_fold_actions.py` tests them
        return [a for a in result or [] if isinstance(a, types.CodeAction) and a.title not in fold.TITLES]

    def range_of(self, needle: str, trim: int = 0) -> types.Range:
        start = self.text.index(needle)
        return types.Range(self.position(start), self.position(start + len(needle) + trim))

    def position(self, offset: int) -> types.Position:
        line = self.text.count("\n", 0, offset)
        col = offset - (self.text.rfind("\n", 0, offset) + 1)
        return types.Position(line, len(self.text.splitlines()[line][:col].encode("utf-16-le")) // 2)


def _pass_titles(func: str, names: Iterable[str] = PASSES) -> list[str]:
    return [t for name in names for t in (f"Run {name} on function `{func}`", f"Run {name} on module")]


# The passes whose effect the listing cannot know without the Module model.
_NEED_THE_MODEL = ("coalesce-locals", "reorder-locals", "local-subtyping")


def _valid(text: str) -> None:
    result = wasmtools.validate(text)
    assert result.ok, result


@pytest.mark.asyncio
async def test_quick_fix_then_zero_diagnostics(lazy: LanguageClient) -> None:
    doc = Doc(lazy, "untitled:shapes.wat", SHAPES)
    (diag,) = await doc.diagnostics()
    assert diag.code == "uninitialized-local" and diag.range == doc.range_of("local.get $s)", -1)
    actions = await doc.actions(diag.range, only=[types.CodeActionKind.QuickFix])
    (fix,) = actions  # one such error: no separate "fix every ..." action
    assert fix.is_preferred and fix.kind == types.CodeActionKind.QuickFix
    assert fix.title == "Make `$s` nullable and assert non-null at its reads"
    assert fix.diagnostics is not None and fix.diagnostics[0].range == diag.range
    assert fix.edit is not None  # a small document: computed while listing
    doc.apply(fix.edit)
    assert doc.text == SHAPES.replace("(local $s (ref $shape))", "(local $s (ref null $shape))").replace(
        "(local.get $s)", "(ref.as_non_null (local.get $s))"
    )
    # the block that broke the 1a rule stays: no branch targets it (a hint)
    assert [d.code for d in await doc.diagnostics()] == ["removable-block"]
    _valid(doc.text)


@pytest.mark.asyncio
async def test_fix_all_is_what_fix_prints(lazy: LanguageClient) -> None:
    doc = Doc(lazy, "untitled:fixall.wat", SHAPES)
    await doc.diagnostics()
    everywhere = types.Range(types.Position(0, 0), types.Position(0, 0))
    (action,) = await doc.actions(everywhere, only=[types.CodeActionKind.Source])
    assert action.kind == types.CodeActionKind.SourceFixAll and action.edit is None
    resolved = await lazy.code_action_resolve_async(action)
    assert resolved.disabled is None
    doc.apply(resolved.edit)
    assert doc.text.encode() == run_passes(SHAPES.encode(), FIX_PASSES)
    assert [d.code for d in await doc.diagnostics()] == ["removable-block"]
    # Nothing left to fix: no fix-all offered.
    assert await doc.actions(everywhere, only=[types.CodeActionKind.SourceFixAll]) == []


@pytest.mark.asyncio
async def test_pass_on_function_and_module(lazy: LanguageClient) -> None:
    doc = Doc(lazy, "untitled:locals.wat", LOCALS)
    await doc.settled()
    in_a = doc.range_of("(local.get $p)")
    actions = await doc.actions(in_a, only=[types.CodeActionKind.Refactor])
    # Only the passes that change something: no error to fix, no local of a reference type.
    assert [a.title for a in actions] == _pass_titles(
        "$a", ("remove-unused-locals", "remove-dead-stores", "coalesce-locals", "reorder-locals")
    )
    assert all(a.edit is None and a.kind == types.CodeActionKind.RefactorRewrite for a in actions)
    # A pass with nothing to do (one not listed): an empty edit and the reason.
    assert isinstance(actions[0].data, dict)
    fixup = types.CodeAction(
        title="x", data={**actions[0].data, "name": "fixup-non-nullable-locals"}, kind=actions[0].kind
    )
    nothing = await lazy.code_action_resolve_async(fixup)
    assert nothing.disabled is not None and nothing.edit is not None and nothing.edit.changes is not None
    assert list(nothing.edit.changes[doc.uri]) == []

    (unused,) = [a for a in actions if a.title == "Run remove-unused-locals on function `$a`"]
    unused = await lazy.code_action_resolve_async(unused)
    assert unused.disabled is None
    doc.apply(unused.edit)
    assert doc.text == LOCALS.replace("    (local $unused i64)\n", "")  # `$b`'s `$u` stays
    await doc.settled()
    _valid(doc.text)

    in_b = doc.range_of("(i32.const 2)")
    (module_unused,) = [a for a in await doc.actions(in_b) if a.title == "Run remove-unused-locals on module"]
    doc.apply((await lazy.code_action_resolve_async(module_unused)).edit)
    assert doc.text == LOCALS.replace("    (local $unused i64)\n", "").replace("    (local $u f32)\n", "")
    (dead,) = [a for a in await doc.actions(in_a) if a.title == "Run remove-dead-stores on function `$a`"]
    doc.apply((await lazy.code_action_resolve_async(dead)).edit)
    assert "(drop (i32.const 1))" in doc.text
    await doc.settled()
    _valid(doc.text)


@pytest.mark.asyncio
async def test_stale_and_bad_resolves(lazy: LanguageClient) -> None:
    doc = Doc(lazy, "untitled:stale.wat", LOCALS)
    await doc.settled()
    (action,) = [
        a
        for a in await doc.actions(doc.range_of("(local.get $p)"))
        if a.title == "Run remove-unused-locals on function `$a`"
    ]
    # The document changes between listing and resolving: no edit, and the reason.
    start = doc.position(doc.text.index("(func $b"))
    doc.apply(types.WorkspaceEdit(changes={doc.uri: [types.TextEdit(types.Range(start, start), ";; x\n  ")]}))
    stale = await lazy.code_action_resolve_async(action)
    assert stale.edit is None and stale.disabled is not None and "changed" in stale.disabled.reason
    # Data this server never made: an error answer, and the server carries on.
    (fresh,) = [
        a
        for a in await doc.actions(doc.range_of("(local.get $p)"))
        if a.title == "Run remove-unused-locals on function `$a`"
    ]
    assert isinstance(fresh.data, dict)
    for data in (
        {**fresh.data, "action": "format-disk"},
        {**fresh.data, "name": "no-such-pass"},
        {**fresh.data, "at": "here"},
        {"serial": fresh.data["serial"]},
        [1, 2],
    ):
        with pytest.raises(JsonRpcInvalidParams):
            await lazy.code_action_resolve_async(types.CodeAction(title="x", data=data))
    await doc.settled()


@pytest.mark.asyncio
async def test_eager_client_gets_edits_and_only_useful_actions(eager: LanguageClient) -> None:
    doc = Doc(eager, "untitled:eager.wat", LOCALS)
    await doc.diagnostics()
    actions = await doc.actions(doc.range_of("(local.get $p)"), only=[types.CodeActionKind.Refactor])
    titles = [a.title for a in actions]
    # Only the passes with something to do, each with its edit.
    assert titles == [t for t in _pass_titles("$a") if "fixup" not in t and t in titles]
    assert {"Run remove-unused-locals on function `$a`", "Run remove-dead-stores on module"} <= set(titles)
    assert all(a.edit is not None and a.edit.changes and list(a.edit.changes[doc.uri]) for a in actions)
    (module_unused,) = [a for a in actions if a.title == "Run remove-unused-locals on module"]
    doc.apply(module_unused.edit)
    assert doc.text == LOCALS.replace("    (local $unused i64)\n", "").replace("    (local $u f32)\n", "")
    _valid(doc.text)
    shapes = Doc(eager, "untitled:shapes.wat", SHAPES)
    await shapes.diagnostics()
    fixes = await shapes.actions(shapes.range_of("(local.get $s)"), only=[types.CodeActionKind.SourceFixAll])
    (fix_all,) = fixes
    shapes.apply(fix_all.edit)
    assert shapes.text.encode() == run_passes(SHAPES.encode(), FIX_PASSES)


@pytest.mark.asyncio
async def test_severity_configuration(configured: LanguageClient) -> None:
    doc = Doc(configured, "untitled:config.wat", SHAPES)
    # The workspace setting (warning) wins over the initialization option (hint).
    (diag,) = await doc.diagnostics(lambda ds: [d.severity for d in ds] == [types.DiagnosticSeverity.Warning])
    assert diag.code == "uninitialized-local"
    bad = [m.message for m in configured.log_messages if m.type == types.MessageType.Warning]
    assert any("'loud'" in m and "syntax" in m for m in bad), bad
    assert any("'no-such-code'" in m for m in bad), bad
    # Quick fixes follow what is shown.
    (fix,) = await doc.actions(diag.range, only=[types.CodeActionKind.QuickFix])
    assert fix.diagnostics is not None and fix.diagnostics[0].severity == types.DiagnosticSeverity.Warning
    # So does fix-all: a warning it fixes is enough, as for `wat-lsp fix --severity`.
    everywhere = types.Range(types.Position(0, 0), types.Position(0, 0))
    (fix_all,) = await doc.actions(everywhere, only=[types.CodeActionKind.SourceFixAll])
    resolved = await configured.code_action_resolve_async(fix_all)
    assert resolved.edit is not None and resolved.edit.changes is not None
    (edits,) = resolved.edit.changes.values()
    index = LineIndex(SHAPES.encode())
    mine = [
        TextEdit(
            index.offset(e.range.start.line, e.range.start.character),
            index.offset(e.range.end.line, e.range.end.character),
            e.new_text,
        )
        for e in edits
    ]
    assert apply_edits(SHAPES.encode(), mine) == run_passes(SHAPES.encode(), FIX_PASSES)

    configured.set_configuration({"severity": {"uninitialized-local": "off"}}, section="wat-lsp")
    configured.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    assert await doc.diagnostics(lambda ds: ds == []) == []
    assert await doc.actions(diag.range, only=[types.CodeActionKind.QuickFix]) == []
    assert await doc.actions(everywhere, only=[types.CodeActionKind.SourceFixAll]) == []

    # A bad section is logged and ignored; the initialization option applies again.
    configured.set_configuration({"severity": ["error"]}, section="wat-lsp")
    configured.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    (diag,) = await doc.diagnostics(lambda ds: bool(ds))
    assert diag.severity == types.DiagnosticSeverity.Hint
    assert any("`severity` must map" in m.message for m in configured.log_messages)


NULLABLE = """(module
  (type $t (struct (field i32)))
  (func $f (result i32)
    (local $x (ref null $t))
    (local.set $x (struct.new $t (i32.const 1)))
    (struct.get $t 0 (ref.as_non_null (local.get $x)))))
"""


@pytest.mark.asyncio
async def test_make_non_nullable(lazy: LanguageClient) -> None:
    doc = Doc(lazy, "untitled:nullable.wat", NULLABLE)
    await doc.settled()
    (action,) = [
        a
        for a in await doc.actions(doc.range_of("$x (ref null"), only=[types.CodeActionKind.Refactor])
        if a.title.startswith("Make")
    ]
    assert action.title == "Make `$x` non-nullable" and action.kind == types.CodeActionKind.RefactorRewrite
    doc.apply(action.edit)
    assert doc.text == NULLABLE.replace("(ref null $t)", "(ref $t)").replace(
        "(ref.as_non_null (local.get $x))", "(local.get $x)"
    )
    await doc.settled()
    _valid(doc.text)
    # Not offered where it does not hold: a parameter, or the now non-nullable local.
    assert not [
        a
        for a in await doc.actions(doc.range_of("$x (ref"), only=[types.CodeActionKind.Refactor])
        if a.title.startswith("Make")
    ]


@pytest_lsp.fixture(config=CONFIG)
async def pulling(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    """Pulls diagnostics, has no `workspace/configuration`: settings arrive pushed."""
    caps = types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(diagnostic=types.DiagnosticClientCapabilities())
    )
    options = {"severity": {"uninitialized-local": "information"}}
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=caps, initialization_options=options)
    )
    yield lsp_client
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_pulled_diagnostics_follow_settings(pulling: LanguageClient) -> None:
    uri = "untitled:pulled.wat"
    pulling.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wat", 1, SHAPES))
    )
    ask = types.DocumentDiagnosticParams(types.TextDocumentIdentifier(uri))
    report = await pulling.text_document_diagnostic_async(ask)
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    assert [(d.code, d.severity) for d in report.items] == [
        ("uninitialized-local", types.DiagnosticSeverity.Information)
    ]
    pulling.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"wat-lsp": {"severity": {"uninitialized-local": "off"}}})
    )
    # The text did not change, the settings did: a full report, not "unchanged".
    again = await pulling.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(types.TextDocumentIdentifier(uri), previous_result_id=report.result_id)
    )
    assert isinstance(again, types.RelatedFullDocumentDiagnosticReport) and list(again.items) == []


def test_listing_a_big_document_does_not_analyse_it() -> None:
    """In process: over 256 KB and not analysed yet, a listing reads only the incremental
    diagnostics and the tree, lazy or not, unless the client names the kind it wants."""
    body = "".join(
        f"  (func $f{n} (result i32) (local $x i32) (local.set $x (i32.const {n})) (local.get $x))\n"
        for n in range(4000)
    )
    text = f"(module\n{body})\n"
    assert len(text) > code_actions.EAGER_BYTES
    snap = open_snapshot("untitled:big.wat", 1, text)
    snap.diagnostics()  # version 1: analysed in full, as the server does on open
    at = text.index("(local.get $x)", len(text) // 2)
    # A one-character edit: the new version's diagnostics come function by function.
    digit = text.rindex("(i32.const ", 0, at) + len("(i32.const ")
    line = text.count("\n", 0, digit)
    column = digit - (text.rfind("\n", 0, digit) + 1)
    change = types.TextDocumentContentChangePartial(
        range=types.Range(types.Position(line, column), types.Position(line, column + 1)), text="9"
    )
    snap = apply_change(snap, change, "utf-16", 2)
    func = text[text.rindex("(func ", 0, at) + 6 :].split(" ", 1)[0]
    for lazy in (True, False):
        actions = code_actions.list_actions(code_actions.Request(snap, at, at, None, "utf-16", lazy, {}))
        # Only the passes the diagnostics cannot rule out.
        assert [a.title for a in actions if a.title not in fold.TITLES] == (
            _pass_titles(func, _NEED_THE_MODEL) if lazy else []
        )
        assert not snap.analysed
    asked = code_actions.Request(snap, at, at, [types.CodeActionKind.Refactor], "utf-16", False, {})
    listed = [a.title for a in code_actions.list_actions(asked) if a.title not in fold.TITLES]
    assert listed == []  # nothing to do in clean code...
    assert snap.analysed  # ...which took the analysis to know
