"""`textDocument/codeLens` and `codeLens/resolve`: reference counts, and what `coalesce-locals`
would do to each function that declares locals.

Listing walks the model (`analysis/ide/code_lens`) and answers JSON text; nothing is counted
until the editor resolves a lens (VS Code resolves those on screen). A lens's data is
`{"uri", "kind": "refs"|"coalesce", "module", "space", "item"}`.

A resolved reference lens runs `editor.action.showReferences` with the arguments VS Code's
command takes, `[uri, position, locations]`, in LSP's JSON shapes: a client must convert them
(`vscode-languageclient` passes command arguments on as they are, so a VS Code extension maps
them to `vscode.Uri`/`Position`/`Location`; in Neovim a function registered as
`vim.lsp.commands["editor.action.showReferences"]` runs it; other clients show the title).
A lens with no references, and a coalesce lens, has the empty command: a title only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lsprotocol import types
from wat_lsp.analysis.ide import code_lens, function_cache
from wat_lsp.analysis.ide.navigation import module_of
from wat_lsp.analysis.ide.references import Key
from wat_lsp.analysis.positions import Encoding
from wat_lsp.passes import coalesce_locals, targets
from wat_lsp.server import convert
from wat_lsp.server.diagnostics import RawResult
from wat_lsp.server.documents import Snapshot

SHOW_REFERENCES = "editor.action.showReferences"


@dataclass(slots=True, eq=False)
class _Part:
    """A function's lenses as JSON text, for a function whose name is `column` bytes into
    line `line`."""

    line: int
    column: int
    text: str


_PARTS: function_cache.Cache[_Part] = function_cache.Cache()


def code_lenses_json(snap: Snapshot, encoding: Encoding) -> RawResult:
    """Every lens, unresolved, as JSON text. For one text module, each function's lenses are
    kept from version to version (`function_cache`) while the function's text and line stay:
    making 20,000 lenses of 10,000 functions again after each keystroke cost 0.1 s."""
    doc = snap.analysis()
    uri = json.dumps(snap.uri)
    lay = function_cache.layout(doc)
    if lay is None:
        return RawResult("[" + ", ".join(_json(snap, x, uri, encoding) for x in code_lens.lenses(doc)) + "]")
    index = snap.index
    where = []
    for f in lay.funcs:
        start = (f.name_span or f.span).start
        line = index.line_of(start)
        where.append((line, start - index.line_start(line)))

    def compute(missing: list[int]) -> list[_Part]:
        out = []
        for i in missing:
            lens = code_lens.func_lens(doc.data, 0, lay.funcs[i])
            out.append(_Part(*where[i], _json(snap, lens, uri, encoding)))
        return out

    found = _PARTS.results(lay, (snap.uri, encoding), compute, lambda i, r: (r.line, r.column) == where[i])
    parts = [(start, r.text) for start, (r, _) in zip(lay.starts, found, strict=True)]
    skip = frozenset(f.index for f in lay.funcs)
    parts += [(x.span.start, _json(snap, x, uri, encoding)) for x in code_lens.lenses(doc, skip)]
    parts.sort(key=lambda pair: pair[0])
    return RawResult("[" + ", ".join(text for _, text in parts) + "]")


def _json(snap: Snapshot, lens: code_lens.Lens, uri: str, encoding: Encoding) -> str:
    """One item's lenses (one or two) as JSON text, without the brackets of a list."""
    index = snap.index
    start, end = lens.span
    line = index.line_of(start)
    first = index.line_start(line)
    # Counted from the line's start when the text is ASCII (an item starts a few bytes in):
    # a new version's line index knows no line's ASCII-ness yet.
    if snap.data[first:end].isascii():
        col, end_col = start - first, end - first
    else:
        col = index.position(start, encoding)[1]
        end_line, end_col = index.position(end, encoding)
        end_col = end_col if end_line == line else col
    rng = (
        f'{{"start": {{"line": {line}, "character": {col}}}, '
        f'"end": {{"line": {line}, "character": {end_col}}}}}'
    )
    key = lens.key
    fields = f'"uri": {uri}, "module": {key.module}, "space": "{key.space}", "item": {key.item}'
    text = f'{{"range": {rng}, "data": {{{fields}, "kind": "refs"}}}}'
    if lens.has_locals:
        text += f', {{"range": {rng}, "data": {{{fields}, "kind": "coalesce"}}}}'
    return text


def _key(data: Any) -> tuple[str, Key] | None:
    if not isinstance(data, dict):
        return None
    kind, module, space, item = (data.get(k) for k in ("kind", "module", "space", "item"))
    if kind not in ("refs", "coalesce") or space not in code_lens.SPACES:
        return None
    if type(module) is not int or type(item) is not int:
        return None
    return kind, Key(module, space, -1, item)


def resolve(
    lens: types.CodeLens, lookup: Callable[[str], Snapshot | None], encoding: Encoding
) -> types.CodeLens:
    """The lens with its title and command, for the document's current text (a lens that is
    not ours, or of a closed document, gets a title saying so: resolve must answer a lens)."""
    found = _key(lens.data)
    uri = lens.data.get("uri") if isinstance(lens.data, dict) else None
    snap = lookup(uri) if isinstance(uri, str) else None
    if found is None or snap is None:
        why = "not a wat-lsp lens" if found is None else "the document is closed"
        lens.command = types.Command(title=f"({why})", command="")
        return lens
    doc = snap.analysis()
    kind, key = found
    if kind == "coalesce":
        lens.command = types.Command(title=_coalesce_title(snap, key), command="")
        return lens
    refs = code_lens.references(doc, key)
    title = "1 reference" if len(refs) == 1 else f"{len(refs)} references"
    locations = [
        {"uri": snap.uri, "range": _json_range(convert.range_(snap.index, o.start, o.end, encoding))}
        for o in refs
    ]
    position = {"line": lens.range.start.line, "character": lens.range.start.character}
    lens.command = types.Command(
        title=title, command=SHOW_REFERENCES if refs else "", arguments=[snap.uri, position, locations]
    )
    return lens


def _json_range(r: types.Range) -> dict[str, dict[str, int]]:
    return {
        "start": {"line": r.start.line, "character": r.start.character},
        "end": {"line": r.end.line, "character": r.end.character},
    }


def _coalesce_title(snap: Snapshot, key: Key) -> str:
    """What the pass would do to the function: computed here, never on the edit path."""
    doc = snap.analysis()
    m = module_of(doc, key)
    if m is None or not 0 <= key.item < len(m.funcs):
        return "coalesce-locals: no such function"
    valid = targets.editable_modules(doc, valid_only=True)
    if not any(sm.read is not None and sm.read.module is m for sm in valid):
        return "coalesce-locals: the module has errors"
    func = m.funcs[key.item]
    result = coalesce_locals.func_result(doc, func)
    before = len(func.locals)
    if result is None or not result.edits:
        return f"coalesce-locals: nothing to do ({before} local{'s' if before != 1 else ''})"
    extra = []
    if result.copies_removed:
        extra.append(f"{result.copies_removed} copies removed")
    if result.dead_stores_removed:
        extra.append(f"{result.dead_stores_removed} dead stores")
    tail = f" ({', '.join(extra)})" if extra else ""
    return f"coalesce-locals: {result.locals_before} locals → {result.locals_after}{tail}"
