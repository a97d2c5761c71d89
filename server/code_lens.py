"""`textDocument/codeLens` and `codeLens/resolve`: reference counts, and what `coalesce-locals`
would do to each function that declares locals.

Listing walks the model (`analysis/ide/code_lens`) and answers JSON text; nothing is counted
until the editor resolves a lens (VS Code resolves those on screen). A lens's data is
`{"uri", "kind": "refs"|"coalesce", "module", "space", "item"}`. The last listing of each
document is kept: the next one is made from it.

A resolved reference lens runs `editor.action.showReferences` with the arguments VS Code's
command takes, `[uri, position, locations]`, in LSP's JSON shapes: a client must convert them
(`vscode-languageclient` passes command arguments on as they are, so a VS Code extension maps
them to `vscode.Uri`/`Position`/`Location`; in Neovim a function registered as
`vim.lsp.commands["editor.action.showReferences"]` runs it; other clients show the title).
A lens with no references, and a coalesce lens, has the empty command: a title only. Each
defined function's "Show control flow" lens is listed with its command, `wat-lsp.showCfg` with
the document and the lens's position (`server/show_cfg.py`): nothing is drawn until it runs.
"""

from __future__ import annotations

import bisect
import itertools
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from lsprotocol import types
from wat_lsp.analysis.document import no_cyclic_gc
from wat_lsp.analysis.ide import code_lens, function_cache
from wat_lsp.analysis.ide.navigation import module_of
from wat_lsp.analysis.ide.references import Key
from wat_lsp.analysis.model import Span
from wat_lsp.analysis.positions import Encoding
from wat_lsp.passes import coalesce_locals, targets
from wat_lsp.server import convert, show_cfg
from wat_lsp.server.diagnostics import RawResult
from wat_lsp.server.documents import Snapshot

SHOW_REFERENCES = "editor.action.showReferences"
CFG_TITLE = "Show control flow"


@dataclass(slots=True, eq=False)
class _Listing:
    """One document's last listing (per encoding), by function in text order: what the next
    version's listing is made from when the text outside function bodies is the same."""

    context: tuple[bytes, ...]  # `Layout.context`: the module-level text it was made for
    keys: list[tuple[int, bytes]]  # `Layout.keys`: each function's index and text
    lines: list[int]  # the line each function's lenses sit on
    columns: list[int]
    templates: list[str]  # each function's lenses as JSON text, `%(l)d` for the line
    texts: list[str]  # the same with the line filled in


_lock = threading.Lock()
_LISTINGS: OrderedDict[tuple[str, str], _Listing] = OrderedDict()
_KEPT = 4  # documents (and encodings) whose last listing is kept


def code_lenses_json(snap: Snapshot, encoding: Encoding) -> RawResult:
    """Every lens, unresolved, as JSON text. For one text module, each function's lenses are
    made from the last listing of the document when only function bodies changed since: the
    functions whose text is the same keep their JSON text, moved by whole lines when the
    lines before them changed (one position computed per run of unchanged functions; making
    20,000 lenses again after each keystroke cost 0.1 s, and even checking where each one is
    30 ms)."""
    with no_cyclic_gc():  # 10,000 strings and lists: a collection would rescan the version
        return _listing(snap, encoding)


def _listing(snap: Snapshot, encoding: Encoding) -> RawResult:
    doc = snap.analysis()
    uri = json.dumps(snap.uri)
    lay = function_cache.layout(doc)
    if lay is None:
        return RawResult("[" + ", ".join(_json(snap, x, uri, encoding) for x in code_lens.lenses(doc)) + "]")
    where = (snap.uri, encoding)
    with _lock:
        last = _LISTINGS.get(where)
    if last is not None and last.context == lay.context and len(last.keys) == len(lay.keys):
        listing = _update(snap, doc.data, lay, last, encoding)
    else:
        listing = _fresh(snap, doc.data, lay, range(len(lay.funcs)), encoding)
    with _lock:
        _LISTINGS[where] = listing
        _LISTINGS.move_to_end(where)
        while len(_LISTINGS) > _KEPT:
            _LISTINGS.popitem(last=False)
    others = code_lens.lenses(doc, frozenset(f.index for f in lay.funcs))
    # The other items' lenses (types, globals, ...: few) merged in text order.
    out: list[str] = []
    k = 0
    starts = lay.starts
    for lens in others:
        at = bisect.bisect_left(starts, lens.span.start, k)
        out += listing.texts[k:at]
        out.append(_json(snap, lens, uri, encoding))
        k = at
    out += listing.texts[k:]
    return RawResult("[" + ", ".join(out) + "]")


def forget(uri: str) -> None:
    with _lock:
        for where in [w for w in _LISTINGS if w[0] == uri]:
            del _LISTINGS[where]


def _fresh(
    snap: Snapshot, data: bytes, lay: function_cache.Layout, which: Iterable[int], encoding: Encoding
) -> _Listing:
    """A listing with the lenses of the functions at positions `which` made."""
    n = len(lay.funcs)
    listing = _Listing(lay.context, lay.keys, [0] * n, [0] * n, [""] * n, [""] * n)
    _remake(snap, data, lay, listing, which, encoding)
    return listing


def _remake(
    snap: Snapshot,
    data: bytes,
    lay: function_cache.Layout,
    listing: _Listing,
    which: Iterable[int],
    encoding: Encoding,
) -> None:
    uri = json.dumps(snap.uri).replace("%", "%%")
    for i in which:
        lens = code_lens.func_lens(data, 0, lay.funcs[i])
        line, col, template = _template(snap, lens, uri, encoding)
        listing.lines[i], listing.columns[i] = line, col
        listing.templates[i], listing.texts[i] = template, template % {"l": line}


def _update(
    snap: Snapshot, data: bytes, lay: function_cache.Layout, last: _Listing, encoding: Encoding
) -> _Listing:
    """`last` for this version: the same module-level text, so the same functions with the
    same indices; those whose text changed are made again. Between two changed functions
    the text is the same as when `last` was made, so the functions there moved by as many
    lines as the first of them did, and kept their columns when it kept its own."""
    keys, old = lay.keys, last.keys
    changed = [i for i, (a, b) in enumerate(zip(keys, old, strict=True)) if a[1] is not b[1] and a != b]
    listing = _Listing(
        lay.context, keys, list(last.lines), list(last.columns), list(last.templates), list(last.texts)
    )
    _remake(snap, data, lay, listing, changed, encoding)
    bounds = [*changed, len(keys)]
    for c, stop in itertools.pairwise(bounds):
        first = c + 1
        if first >= stop:
            continue
        lens = code_lens.func_lens(data, 0, lay.funcs[first])
        line, col = _where(snap, lens.span, encoding)
        if col != last.columns[first]:
            _remake(snap, data, lay, listing, range(first, stop), encoding)
            continue
        moved = line - last.lines[first]
        if moved:
            lines, templates, texts = listing.lines, listing.templates, listing.texts
            for i in range(first, stop):
                lines[i] += moved
                texts[i] = templates[i] % {"l": lines[i]}
    return listing


def _where(snap: Snapshot, span: Span, encoding: Encoding) -> tuple[int, int]:
    """The line and column of a lens at `span`."""
    index = snap.index
    line = index.line_of(span.start)
    first = index.line_start(line)
    # Counted from the line's start when the text is ASCII (an item starts a few bytes in):
    # a new version's line index knows no line's ASCII-ness yet.
    if snap.data[first : span.end].isascii():
        return line, span.start - first
    return line, index.position(span.start, encoding)[1]


def _template(snap: Snapshot, lens: code_lens.Lens, uri: str, encoding: Encoding) -> tuple[int, int, str]:
    """One item's lenses (one or two) as JSON text without the brackets of a list, with
    `%(l)d` for their line (`uri` as a JSON string, `%` doubled); and their line and column."""
    index = snap.index
    start, end = lens.span
    line, col = _where(snap, lens.span, encoding)
    if snap.data[index.line_start(line) : end].isascii():
        end_col = col + end - start
    else:
        end_line, end_col = index.position(end, encoding)
        end_col = end_col if end_line == line else col
    rng = (
        f'{{"start": {{"line": %(l)d, "character": {col}}}, '
        f'"end": {{"line": %(l)d, "character": {end_col}}}}}'
    )
    key = lens.key
    fields = f'"uri": {uri}, "module": {key.module}, "space": "{key.space}", "item": {key.item}'
    text = f'{{"range": {rng}, "data": {{{fields}, "kind": "refs"}}}}'
    if lens.has_locals:
        text += f', {{"range": {rng}, "data": {{{fields}, "kind": "coalesce"}}}}'
    if lens.has_body:
        text += f', {{"range": {rng}, "command": {_cfg_command(uri, "%(l)d", col)}, "data": {{{fields}, "kind": "cfg"}}}}'
    return line, col, text


def _cfg_command(uri: str, line: str, col: int) -> str:
    """The "Show control flow" lens's command as JSON text: `wat-lsp.showCfg` of the function
    at the lens, computed only when run."""
    return (
        f'{{"title": "{CFG_TITLE}", "command": "{show_cfg.COMMAND}", '
        f'"arguments": [{uri}, {{"line": {line}, "character": {col}}}]}}'
    )


def _json(snap: Snapshot, lens: code_lens.Lens, uri: str, encoding: Encoding) -> str:
    """One item's lenses (one or two) as JSON text, without the brackets of a list."""
    line, _, template = _template(snap, lens, uri.replace("%", "%%"), encoding)
    return template % {"l": line}


def _key(data: Any) -> tuple[str, Key] | None:
    if not isinstance(data, dict):
        return None
    kind, module, space, item = (data.get(k) for k in ("kind", "module", "space", "item"))
    if kind not in ("refs", "coalesce", "cfg") or space not in code_lens.SPACES:
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
    kind, key = found
    if kind == "cfg":  # listed with its command: the picture is made when it runs
        start = lens.range.start
        command = json.loads(_cfg_command(json.dumps(snap.uri), str(start.line), start.character))
        lens.command = types.Command(
            title=command["title"], command=command["command"], arguments=command["arguments"]
        )
        return lens
    doc = snap.analysis()
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
