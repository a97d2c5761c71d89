"""The pygls language server: feature registration only; the work is in the sibling modules."""

from __future__ import annotations

import asyncio
import contextlib
import os
import traceback
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, cast

from lsprotocol import types
from pygls.exceptions import (
    JsonRpcContentModified,
    JsonRpcException,
    JsonRpcInvalidParams,
    JsonRpcMethodNotFound,
    JsonRpcRequestCancelled,
)
from pygls.lsp.server import LanguageServer
from wat_lsp.analysis import cancel
from wat_lsp.analysis.positions import Encoding
from wat_lsp.server import (
    code_actions,
    code_lens,
    completion,
    convert,
    formatting,
    ide_requests,
    navigation_requests,
    progress,
    release,
    selection,
    show_cfg,
    signature_help,
    workspace_symbols,
)
from wat_lsp.server.config import SECTION, Configuration
from wat_lsp.server.diagnostics import Lane, Overrides, Publisher, RawResult, Worker
from wat_lsp.server.documents import Documents, Snapshot
from wat_lsp.server.protocol import WatProtocol, serve_stdio
from wat_lsp.server.scheduling import Requests

VERSION = "0.1.0"


class WatServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "wat-lsp",
            VERSION,
            protocol_cls=WatProtocol,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        )
        self.documents = Documents()
        self.worker = Worker()
        self.config = Configuration()
        self.publisher = Publisher(
            self.documents.get,
            self.publish_diagnostics_json,
            self.log,
            lambda: self.encoding,
            self.worker,
            lambda: self.overrides,
        )
        self.requests = Requests(self.documents, self.worker, self.publisher.pending)
        self._background: set[asyncio.Task[None]] = set()

    def publish_diagnostics_json(self, params: str) -> None:
        """`textDocument/publishDiagnostics` from its params as JSON text (see `Publisher`)."""
        method = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
        cast(WatProtocol, self.protocol).write_json(
            f'{{"jsonrpc": "2.0", "method": "{method}", "params": {params}}}'
        )

    @property
    def overrides(self) -> Overrides:
        return self.config.current.severity

    @property
    def lazy_code_actions(self) -> bool:
        """Whether the client fills in code actions' edits with `codeAction/resolve`."""
        caps = self.protocol.client_capabilities
        action = caps.text_document.code_action if caps is not None and caps.text_document else None
        support = action.resolve_support if action is not None else None
        return support is not None and "edit" in support.properties

    @property
    def snippets(self) -> bool:
        """Whether the client takes snippets in completion items."""
        caps = self.protocol.client_capabilities
        comp = caps.text_document.completion if caps is not None and caps.text_document else None
        item = comp.completion_item if comp is not None else None
        return bool(item is not None and item.snippet_support)

    @property
    def hover_markdown(self) -> bool:
        """Whether hovers go out as markdown: unless the client's `hover.contentFormat` puts
        plaintext before markdown (or leaves markdown out)."""
        caps = self.protocol.client_capabilities
        hover = caps.text_document.hover if caps is not None and caps.text_document else None
        formats = list(hover.content_format or []) if hover is not None else []
        known = [k for k in formats if k in (types.MarkupKind.Markdown, types.MarkupKind.PlainText)]
        return not known or known[0] == types.MarkupKind.Markdown

    @property
    def pulls_configuration(self) -> bool:
        caps = self.protocol.client_capabilities
        return bool(caps is not None and caps.workspace is not None and caps.workspace.configuration)

    def settings_changed(self, changed: bool, problems: tuple[str, ...], initializing: bool = False) -> None:
        """Log what was ignored; show every open document at the new severities."""
        for problem in problems:
            self.log(f"wat-lsp: {problem}", types.MessageType.Warning)
        if self.config.inlay_changed and not initializing:  # (no request before `initialize`'s answer)
            self.refresh_inlay_hints()
        if not changed:
            return
        self.publisher.settings_serial += 1
        self.publisher.limit = self.config.current.limit
        if not self.pull_diagnostics:
            for snap in self.documents.all():
                self.publisher.schedule(snap, delay=0)
            return
        if self._can_refresh("diagnostics"):
            self.workspace_diagnostic_refresh(None)

    def refresh_inlay_hints(self) -> None:
        """Other inlay hints were switched on or off: ask the client to ask again."""
        if self._can_refresh("inlay_hint"):
            self.workspace_inlay_hint_refresh(None)

    def _can_refresh(self, feature: str) -> bool:
        """Whether the client takes `workspace/<feature>/refresh` requests."""
        caps = self.protocol.client_capabilities
        workspace = caps.workspace if caps is not None else None
        support = getattr(workspace, feature, None) if workspace is not None else None
        return bool(support is not None and support.refresh_support)

    async def fetch_configuration(self) -> None:
        """Ask the client for the `wat-lsp` section (when it can answer)."""
        if not self.pulls_configuration:
            return
        try:
            (section,) = await self.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
            )
        except Exception as e:  # a client that fails the request: keep the settings we have
            self.log(f"wat-lsp: workspace/configuration failed: {e}", types.MessageType.Warning)
            return
        self.settings_changed(*self.config.set_workspace(section))

    @property
    def encoding(self) -> Encoding:
        caps = self.protocol.server_capabilities
        return convert.encoding_of(caps.position_encoding if caps is not None else None)

    @property
    def pull_diagnostics(self) -> bool:
        """Whether the client asks for diagnostics itself (then we do not push them)."""
        caps = self.protocol.client_capabilities
        return (
            caps is not None and caps.text_document is not None and caps.text_document.diagnostic is not None
        )

    def background(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` on the event loop, keeping it alive until it is done."""
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def log(self, message: str, kind: types.MessageType = types.MessageType.Error) -> None:
        with contextlib.suppress(Exception):  # the client is gone: nothing left to tell
            self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Every error in a feature goes to the client's log; requests are answered with it too."""
        if isinstance(error, JsonRpcMethodNotFound):
            self.log(f"wat-lsp: {error}", types.MessageType.Warning)
            return
        if isinstance(error, JsonRpcContentModified | JsonRpcRequestCancelled):  # answers, not failures
            return
        if isinstance(error, ide_requests.RenameRejected):  # the user's request, not our failure
            self.log(f"wat-lsp: rename rejected: {error}", types.MessageType.Info)
            return
        if isinstance(error, JsonRpcException):  # a refusal raised on purpose: the answer says why
            self.log(f"wat-lsp: request refused: {error}", types.MessageType.Info)
            return
        detail = "".join(traceback.format_exception(error))
        self.log(f"wat-lsp: internal error ({getattr(source, '__name__', source)}): {detail}")


def make_server() -> WatServer:
    server = WatServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: WatServer, params: types.InitializeParams) -> None:
        ls.settings_changed(
            *ls.config.set_initialization_options(params.initialization_options), initializing=True
        )

    @server.feature(types.INITIALIZED)
    async def initialized(ls: WatServer, params: types.InitializedParams) -> None:
        await ls.fetch_configuration()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: WatServer, params: types.DidChangeConfigurationParams) -> None:
        if ls.pulls_configuration:
            await ls.fetch_configuration()
        elif isinstance(params.settings, dict):  # pushed settings: {"wat-lsp": {...}}
            ls.settings_changed(*ls.config.set_workspace(params.settings.get(SECTION)))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: WatServer, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        doc = ls.documents.open(item.uri, item.version, item.text)
        if not ls.pull_diagnostics:
            ls.publisher.schedule(doc, delay=0)
        if len(doc.data) > progress.ANALYSIS_BYTES and progress.shows_progress(ls):
            ls.background(_first_analysis(ls, doc, None))

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: WatServer, params: types.DidChangeTextDocumentParams) -> None:
        doc = ls.documents.change(params, ls.encoding, lambda m: ls.log(m, types.MessageType.Warning))
        if doc is not None:
            ls.requests.edited(doc.uri)
        if doc is not None and not ls.pull_diagnostics:
            ls.publisher.schedule(doc)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: WatServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.documents.close(params.text_document.uri)
        ls.requests.closed(params.text_document.uri)
        if not ls.pull_diagnostics:
            ls.publisher.clear(params.text_document.uri)
        ls.worker.submit(release.closed, params.text_document.uri)  # after the push's state goes

    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(inter_file_dependencies=False, workspace_diagnostics=False),
    )
    async def diagnostic(
        ls: WatServer,
        params: types.DocumentDiagnosticParams,
    ) -> types.DocumentDiagnosticReport | RawResult:
        snap = ls.documents.get(params.text_document.uri)
        if snap is None:
            return types.RelatedFullDocumentDiagnosticReport(items=[])
        if (  # (a client that shows the server's progress has it from `didOpen`)
            params.work_done_token is not None
            and not progress.shows_progress(ls)
            and len(snap.data) > progress.ANALYSIS_BYTES
            and not snap.analysed
        ):
            await _first_analysis(ls, snap, params.work_done_token)  # with the client's token
        return await ls.publisher.pull(snap, params.previous_result_id)  # the diagnostics lane, newest text

    # Every request about one document: see `_DOCUMENT_REQUESTS`.
    for request in _DOCUMENT_REQUESTS:
        _register(server, request)

    # Full semantic tokens go out as JSON text made function by function; a delta is one edit
    # around what changed (VS Code asks for deltas once it has a result id). A big document's
    # first are answered for its start, then refreshed (`_tokens_start`).
    @server.feature(
        types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL,
        types.SemanticTokensRegistrationOptions(
            legend=ide_requests.SEMANTIC_LEGEND, range=True, full=types.SemanticTokensFullDelta(delta=True)
        ),
    )
    async def semantic_tokens_full(ls: WatServer, params: types.SemanticTokensParams) -> Any:
        uri = params.text_document.uri
        start = await _tokens_start(ls, uri)
        if start is not None:
            return start
        return await ls.requests.on_document(
            uri, _no_tokens(), ide_requests.semantic_tokens_full_json, ls.encoding, lane=WHOLE, whole=True
        )

    @server.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL_DELTA)
    async def semantic_tokens_delta(ls: WatServer, params: types.SemanticTokensDeltaParams) -> Any:
        uri = params.text_document.uri
        start = await _tokens_start(ls, uri)
        if start is not None:
            return start
        return await ls.requests.on_document(
            uri,
            _no_tokens(),
            ide_requests.semantic_tokens_delta_json,
            params.previous_result_id,
            ls.encoding,
            lane=WHOLE,
            whole=True,
        )

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def code_action_resolve(ls: WatServer, params: types.CodeAction) -> types.CodeAction:
        title = code_actions.progress_title(params, ls.documents.get)
        try:
            if title is None:
                return await ls.requests.call(
                    code_actions.resolve, params, ls.documents.get, ls.encoding, lane=Lane.WHOLE
                )
            async with progress.running(ls, title, cancellable=True) as work:  # a module-wide pass
                return await ls.requests.call(
                    code_actions.resolve,
                    params,
                    ls.documents.get,
                    ls.encoding,
                    lane=Lane.WHOLE,
                    token=work.token,
                )
        except code_actions.BadActionData as e:
            raise JsonRpcInvalidParams(str(e)) from e

    # A lens's document is named in its data; counting may need the occurrence index.
    @server.feature(types.CODE_LENS_RESOLVE)
    async def code_lens_resolve(ls: WatServer, params: types.CodeLens) -> types.CodeLens:
        return await ls.requests.call(
            code_lens.resolve, params, ls.documents.get, ls.encoding, lane=Lane.WHOLE
        )

    # Every open document's analysis and symbols: seconds for a 13 MB module.
    @server.feature(types.WORKSPACE_SYMBOL)
    async def workspace_symbol(
        ls: WatServer, params: types.WorkspaceSymbolParams
    ) -> list[types.WorkspaceSymbol]:
        return await ls.requests.call(
            workspace_symbols.symbols, ls.documents.all(), params.query, ls.encoding, lane=Lane.WHOLE
        )

    @server.command(show_cfg.COMMAND)
    async def show_cfg_command(ls: WatServer, *arguments: Any) -> dict[str, str]:
        uri, name, position = show_cfg.target(arguments)
        result = await ls.requests.on_document(
            uri, None, show_cfg.show_cfg, name, position, ls.encoding, lane=Lane.WHOLE
        )
        if result is None:
            raise show_cfg.CfgRefused(f"{uri} is not open")
        return result

    @server.feature(types.EXIT)
    def exit_(ls: WatServer, params: None) -> None:
        """Leave at once: every answer is written and flushed, and tearing down a big
        document's trees and analysis would take seconds."""
        os._exit(0 if ls.protocol._shutdown else 1)

    return server


async def _first_analysis(ls: WatServer, snap: Snapshot, client_token: Any) -> None:
    """Progress while a big document's diagnostics are first computed (in the diagnostics
    lane: by this job, or by the push queued before it, which this one then waits for)."""
    name = snap.uri.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    size = f"{len(snap.data) / (1 << 20):.1f} MB"
    async with progress.running(ls, f"Analysing {name}", client_token) as work:
        work.report(size)
        diagnostics = await ls.worker.run(snap.diagnostics, lane=Lane.DIAGNOSTICS)
        work.report(f"{size}: {len(diagnostics)} diagnostics", 100)


async def _tokens_start(ls: WatServer, uri: str) -> RawResult | None:
    """A big document's first full tokens, for a client that takes refresh requests: the
    start of the text now (from its early document: no wait for the analysis), the whole made
    in the whole-document lane, then `workspace/semanticTokens/refresh`
    ([decision 48](../../docs/decisions/0048-answer-before-the-analysis.md)). None: answer in full."""
    if not ls._can_refresh("semantic_tokens") or not ide_requests.tokens_pending(ls.documents.get(uri)):
        return None
    start: RawResult | None = await ls.requests.on_document(
        uri, None, ide_requests.tokens_prefix_json, ls.encoding, lane=INTERACTIVE, early=True
    )
    if start is not None:
        ls.background(_complete_tokens(ls, uri))
    return start


async def _complete_tokens(ls: WatServer, uri: str) -> None:
    """The whole tokens, in the background lane: given up at a cancellation check when a
    whole-document request is queued or the text changed, and started again after (the
    occurrence index, most of the cost, is kept once made); then the refresh request."""
    while True:
        snap = ls.documents.get(uri)
        if snap is None or not ide_requests.tokens_pending(snap):
            return  # closed, or made whole meanwhile (by a full request answered whole)

        def give_way(current: Snapshot = snap) -> bool:
            return ls.worker.whole_waiting() or ls.documents.get(uri) is not current

        try:
            await ls.requests.call(
                ide_requests.complete_tokens,
                snap,
                ls.encoding,
                lane=Lane.BACKGROUND,
                token=cancel.Token(give_way),
            )
        except JsonRpcContentModified:
            continue  # (it waits in its lane until the requests it gave way to are answered)
        except JsonRpcException:
            return
        break
    if ls.documents.get(uri) is not None:
        ls.workspace_semantic_tokens_refresh(None)


def _code_actions(
    snap: Snapshot,
    rng: types.Range,
    only: list[str] | None,
    encoding: Encoding,
    lazy: bool,
    overrides: Overrides,
) -> list[types.CodeAction]:
    start = snap.index.offset(rng.start.line, rng.start.character, encoding)
    end = max(start, snap.index.offset(rng.end.line, rng.end.character, encoding))
    return code_actions.list_actions(code_actions.Request(snap, start, end, only, encoding, lazy, overrides))


@dataclass(frozen=True, slots=True)
class DocumentRequest:
    """A request about one document, run through `ls.requests` (`scheduling.py`): the
    snapshot or the default answer, then the work in a worker lane, cancellable, checked
    against newer versions of the text."""

    method: str
    work: Callable[..., Any]  # (snapshot, *args) -> the answer
    args: Callable[[WatServer, Any], tuple[Any, ...]]  # the work's arguments after the snapshot
    default: Callable[[], Any]  # the answer when the document is not open
    lane: Lane
    whole: bool = False  # about the whole text: may be answered for a newer version than asked
    options: Any = None  # registration options announced in the server's capabilities
    uri: Callable[[Any], str] = lambda params: params.text_document.uri  # the document asked about
    # Reads `Snapshot.early()` only: answered while a big document's analysis is computed.
    early: bool = False
    # About the whole text but reads `Snapshot.early()` only: before the document's first
    # analysis is done, `early` in the interactive lane (not waiting for it); after, as above.
    early_first: bool = False


def _none() -> None:
    return None


def _no_tokens() -> types.SemanticTokens:
    return types.SemanticTokens(data=[])


def _no_completions() -> types.CompletionList:
    return types.CompletionList(is_incomplete=False, items=[])


def _at(ls: WatServer, params: Any) -> tuple[Any, ...]:
    return params.position, ls.encoding


def _in(ls: WatServer, params: Any) -> tuple[Any, ...]:
    return params.range, ls.encoding


def _whole(ls: WatServer, params: Any) -> tuple[Any, ...]:
    return (ls.encoding,)


def _item(ls: WatServer, params: Any) -> tuple[Any, ...]:
    return params.item, ls.encoding


INTERACTIVE, WHOLE = Lane.INTERACTIVE, Lane.WHOLE
# The first references to a module-level item need every function's occurrences (seconds on a
# 13 MB file), so references, highlights and renames are whole-document work. (Full semantic
# tokens: in `make_server`.)
_DOCUMENT_REQUESTS = (
    DocumentRequest(
        types.TEXT_DOCUMENT_DOCUMENT_SYMBOL,
        ide_requests.document_symbols_json,
        _whole,
        list,
        WHOLE,
        True,
        early_first=True,
    ),
    DocumentRequest(
        types.TEXT_DOCUMENT_HOVER,
        ide_requests.hover,
        lambda ls, p: (p.position, ls.encoding, ls.hover_markdown),
        _none,
        INTERACTIVE,
        early=True,
    ),
    DocumentRequest(
        types.TEXT_DOCUMENT_COMPLETION,
        completion.completion,
        lambda ls, p: (p.position, ls.encoding, ls.snippets),
        _no_completions,
        INTERACTIVE,
        options=types.CompletionOptions(trigger_characters=completion.TRIGGER_CHARACTERS),
        early=True,
    ),
    DocumentRequest(
        types.TEXT_DOCUMENT_DEFINITION, ide_requests.definition, _at, _none, INTERACTIVE, early=True
    ),
    DocumentRequest(
        types.TEXT_DOCUMENT_REFERENCES,
        ide_requests.references_,
        lambda ls, p: (p.position, p.context.include_declaration, ls.encoding),
        list,
        WHOLE,
    ),
    DocumentRequest(
        types.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT, ide_requests.document_highlight, _at, list, WHOLE
    ),
    DocumentRequest(types.TEXT_DOCUMENT_PREPARE_RENAME, ide_requests.prepare_rename, _at, _none, INTERACTIVE),
    DocumentRequest(
        types.TEXT_DOCUMENT_RENAME,
        ide_requests.rename,
        lambda ls, p: (p.position, p.new_name, ls.encoding),
        _none,
        WHOLE,
        options=types.RenameOptions(prepare_provider=True),
    ),
    DocumentRequest(
        types.TEXT_DOCUMENT_FOLDING_RANGE,
        ide_requests.folding_ranges_json,
        lambda ls, p: (),
        list,
        WHOLE,
        True,
        early_first=True,
    ),
    DocumentRequest(
        types.TEXT_DOCUMENT_SEMANTIC_TOKENS_RANGE,
        ide_requests.semantic_tokens_range,
        _in,
        _no_tokens,
        INTERACTIVE,
        early=True,
    ),
    DocumentRequest(
        types.TEXT_DOCUMENT_INLAY_HINT,
        ide_requests.inlay_hints_,
        lambda ls, p: (p.range, ls.encoding, ls.config.current.inlay_options),
        list,
        INTERACTIVE,
        early=True,
    ),
    DocumentRequest(
        types.TEXT_DOCUMENT_CODE_ACTION,
        _code_actions,
        lambda ls, p: (p.range, p.context.only, ls.encoding, ls.lazy_code_actions, ls.overrides),
        list,
        INTERACTIVE,
        options=types.CodeActionOptions(code_action_kinds=code_actions.KINDS, resolve_provider=True),
    ),
    DocumentRequest(
        types.TEXT_DOCUMENT_SIGNATURE_HELP,
        signature_help.signature_help,
        _at,
        _none,
        INTERACTIVE,
        options=types.SignatureHelpOptions(
            trigger_characters=signature_help.TRIGGER_CHARACTERS,
            retrigger_characters=signature_help.RETRIGGER_CHARACTERS,
        ),
        early=True,
    ),
    DocumentRequest(
        types.TEXT_DOCUMENT_FORMATTING,
        formatting.formatting,
        lambda ls, p: (p.options, ls.config.current.format, ls.encoding),
        list,
        WHOLE,
    ),
    DocumentRequest(
        types.TEXT_DOCUMENT_RANGE_FORMATTING,
        formatting.range_formatting,
        lambda ls, p: (p.range, p.options, ls.config.current.format, ls.encoding),
        list,
        WHOLE,
    ),
    DocumentRequest(
        types.TEXT_DOCUMENT_ON_TYPE_FORMATTING,
        formatting.on_type_formatting,
        lambda ls, p: (p.position, p.options, ls.config.current.format, ls.encoding),
        list,
        INTERACTIVE,
        options=types.DocumentOnTypeFormattingOptions(
            first_trigger_character=formatting.ON_TYPE_FIRST, more_trigger_character=formatting.ON_TYPE_MORE
        ),
    ),
    DocumentRequest(
        types.TEXT_DOCUMENT_TYPE_DEFINITION,
        navigation_requests.type_definition,
        _at,
        _none,
        INTERACTIVE,
        early=True,
    ),
    DocumentRequest(
        types.TEXT_DOCUMENT_DECLARATION, navigation_requests.declaration, _at, _none, INTERACTIVE, early=True
    ),
    # Incoming calls scan every function's calls (kept per function across versions).
    DocumentRequest(
        types.TEXT_DOCUMENT_PREPARE_CALL_HIERARCHY,
        navigation_requests.prepare_call_hierarchy,
        _at,
        _none,
        INTERACTIVE,
    ),
    DocumentRequest(
        types.CALL_HIERARCHY_INCOMING_CALLS,
        navigation_requests.incoming_calls,
        _item,
        _none,
        WHOLE,
        uri=navigation_requests.item_uri,
    ),
    DocumentRequest(
        types.CALL_HIERARCHY_OUTGOING_CALLS,
        navigation_requests.outgoing_calls,
        _item,
        _none,
        WHOLE,
        uri=navigation_requests.item_uri,
    ),
    DocumentRequest(
        types.TEXT_DOCUMENT_PREPARE_TYPE_HIERARCHY,
        navigation_requests.prepare_type_hierarchy,
        _at,
        _none,
        INTERACTIVE,
    ),
    DocumentRequest(
        types.TYPE_HIERARCHY_SUPERTYPES,
        navigation_requests.supertypes,
        _item,
        _none,
        INTERACTIVE,
        uri=navigation_requests.item_uri,
    ),
    DocumentRequest(
        types.TYPE_HIERARCHY_SUBTYPES,
        navigation_requests.subtypes,
        _item,
        _none,
        INTERACTIVE,
        uri=navigation_requests.item_uri,
    ),
    # Lenses are listed from the model; counting needs the occurrence index (a whole-document job).
    DocumentRequest(
        types.TEXT_DOCUMENT_CODE_LENS,
        code_lens.code_lenses_json,
        _whole,
        list,
        INTERACTIVE,
        options=types.CodeLensOptions(resolve_provider=True),
    ),
    DocumentRequest(
        types.TEXT_DOCUMENT_SELECTION_RANGE,
        selection.selection_ranges,
        lambda ls, p: (p.positions, ls.encoding),
        list,
        INTERACTIVE,
        early=True,
    ),
)


def _register(server: WatServer, request: DocumentRequest) -> None:
    async def handler(ls: WatServer, params: Any) -> Any:
        uri = request.uri(params)
        lane, whole, early = request.lane, request.whole, request.early
        if request.early_first and _before_analysis(ls.documents.get(uri)):
            lane, whole, early = INTERACTIVE, False, True
        return await ls.requests.on_document(
            uri,
            request.default(),
            request.work,
            *request.args(ls, params),
            lane=lane,
            whole=whole,
            early=early,
        )

    handler.__name__ = handler.__qualname__ = request.method  # what errors are logged under
    server.feature(request.method, request.options)(handler)


def _before_analysis(snap: Snapshot | None) -> bool:
    """Whether the document's first analysis is not done yet (the whole-document lane would
    wait for it, decision 27)."""
    return snap is not None and not snap.analysed and not snap.incremental.started


def main() -> int:
    """Serve on stdin/stdout until `exit` or until stdin closes."""
    release.system_allocator()
    serve_stdio(make_server())
    return 0
