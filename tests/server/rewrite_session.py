"""What the rewrite-action tests over stdio share: a session with one open document, the
`refactor.rewrite` actions at a range, and an action's edits as plain tuples."""

from __future__ import annotations

from lsprotocol import types
from pytest_lsp import LanguageClient


async def open_session(client: LanguageClient, uri: str, text: str, lazy: bool = True) -> LanguageClient:
    """Initialise (resolving code actions lazily, or not) and open `text` as `uri`."""
    resolve = types.ClientCodeActionResolveOptions(properties=["edit"]) if lazy else None
    caps = types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(
            code_action=types.CodeActionClientCapabilities(resolve_support=resolve, data_support=True)
        )
    )
    await client.initialize_session(types.InitializeParams(capabilities=caps))
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wat", 1, text))
    )
    return client


async def rewrite_actions(
    client: LanguageClient, uri: str, start: tuple[int, int], end: tuple[int, int] | None = None
) -> list[types.CodeAction]:
    """The code actions listed for `refactor.rewrite` at `start`..`end` (a cursor without `end`)."""
    found = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri),
            types.Range(types.Position(*start), types.Position(*(end or start))),
            types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.RefactorRewrite]),
        )
    )
    return [a for a in found or [] if isinstance(a, types.CodeAction)]


def is_rewrite(a: types.CodeAction) -> bool:
    return isinstance(a.data, dict) and a.data.get("action") == "rewrite"


def by_title(actions: list[types.CodeAction]) -> dict[str, types.CodeAction]:
    """The rewrites among `actions` (not the passes), by title."""
    return {a.title: a for a in actions if is_rewrite(a)}


def edit_tuples(action: types.CodeAction, uri: str) -> list[tuple[int, int, int, int, str]]:
    """The resolved action's edits to `uri` as (line, character, line, character, text)."""
    assert action.edit is not None and action.edit.changes is not None
    return [
        (e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character, e.new_text)
        for e in action.edit.changes[uri]
    ]
