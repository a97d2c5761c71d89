"""`textDocument/completion`: `analysis.completion`'s candidates as lsprotocol items.

Each item replaces the whole word around the cursor (a `textEdit` over the partially typed
word, in the negotiated position encoding) and keeps the core's order (`sortText`). Items
with immediates are snippets (`local.get ${1}`) only for clients that support snippets.

While the text does not parse, its analysis may have lost module fields (an unclosed `(call $`
makes tree-sitter nest the functions after it), so the names of the last analysis of the
document that parsed are listed too: kept per document up to `CLEAN_LIMIT` bytes (the
analysis of a clean text is computed for that when a completion comes, which is cheap at
that size), dropped when the document closes.
"""

from __future__ import annotations

from lsprotocol import types
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide import completion as core
from wat_lsp.analysis.positions import Encoding
from wat_lsp.server import convert
from wat_lsp.server.documents import Snapshot

# Only characters that start something worth listing: `$` (a name), `.` (the rest of an
# instruction name), `(` (a keyword or a folded instruction). Not space: VS Code would open
# the list after every word typed, in comments too.
TRIGGER_CHARACTERS = ["$", ".", "("]

_KINDS = {
    "instruction": types.CompletionItemKind.Operator,
    "keyword": types.CompletionItemKind.Keyword,
    "valtype": types.CompletionItemKind.TypeParameter,
    "heaptype": types.CompletionItemKind.TypeParameter,
    "param": types.CompletionItemKind.Variable,
    "local": types.CompletionItemKind.Variable,
    "global": types.CompletionItemKind.Variable,
    "label": types.CompletionItemKind.Reference,
    "func": types.CompletionItemKind.Function,
    "type": types.CompletionItemKind.Class,
    "field": types.CompletionItemKind.Field,
    "table": types.CompletionItemKind.Module,
    "memory": types.CompletionItemKind.Module,
    "elem": types.CompletionItemKind.Module,
    "data": types.CompletionItemKind.Module,
    "tag": types.CompletionItemKind.Event,
}
# Items of an index space say which in `labelDetails.description` ("param", "local", ...).
_SPACES = frozenset({"param", "local", "global", "label", "func", "type", "field", "table", "memory", "elem",
                     "data", "tag"})  # fmt: skip


def item(c: core.Candidate, rng: types.Range, rank: int, snippets: bool) -> types.CompletionItem:
    snippet = c.snippet if snippets else None
    text = snippet if snippet is not None else c.text if c.text is not None else c.label
    return types.CompletionItem(
        label=c.label,
        kind=_KINDS.get(c.kind),
        detail=c.detail,
        label_details=types.CompletionItemLabelDetails(description=c.kind) if c.kind in _SPACES else None,
        sort_text=f"{rank:05d}",
        filter_text=c.label,
        text_edit=types.TextEdit(range=rng, new_text=text),
        insert_text_format=types.InsertTextFormat.Snippet
        if snippet is not None
        else types.InsertTextFormat.PlainText,
    )


CLEAN_LIMIT = 256 * 1024
_clean: dict[str, Document] = {}  # uri -> the analysis of its last version that parsed (worker thread only)


def forget(uri: str) -> None:
    _clean.pop(uri, None)


def completion(
    snap: Snapshot, position: types.Position, encoding: Encoding, snippets: bool
) -> types.CompletionList:
    offset = snap.index.offset(position.line, position.character, encoding)
    broken = snap.tree.root_node.has_error
    if not broken and len(snap.data) <= CLEAN_LIMIT:
        _clean[snap.uri] = snap.early()
    previous = (lambda: _clean.get(snap.uri)) if broken else None
    found = core.complete(snap.data, snap.tree, offset, snap.early, snippets, previous=previous)
    rng = convert.range_(snap.index, found.start, found.end, encoding)
    return types.CompletionList(
        is_incomplete=found.incomplete, items=[item(c, rng, i, snippets) for i, c in enumerate(found.items)]
    )
