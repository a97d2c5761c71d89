"""Request handlers' work, run in the analysis worker: core results to LSP answers."""

from __future__ import annotations

import json
import json.encoder
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.protocol import default_converter
from wat_lsp.analysis import cancel
from wat_lsp.analysis.document import no_cyclic_gc
from wat_lsp.analysis.ide import folding, function_cache, inlay_hints, navigation, references, semantic_tokens
from wat_lsp.analysis.ide import hover as hovers
from wat_lsp.analysis.ide.references import Occurrence
from wat_lsp.analysis.positions import Encoding
from wat_lsp.analysis.subtyping import TypeTable
from wat_lsp.server import convert
from wat_lsp.server.diagnostics import RawResult
from wat_lsp.server.documents import Snapshot

_log = logging.getLogger(__name__)


class RenameRejected(JsonRpcException):
    """A rename that would produce an invalid or different module (LSP's RequestFailed)."""

    CODE = -32803
    MESSAGE = "Rename rejected"


def _offset(snap: Snapshot, position: types.Position, encoding: Encoding) -> int:
    return snap.index.offset(position.line, position.character, encoding)


def _range(snap: Snapshot, start: int, end: int, encoding: Encoding) -> types.Range:
    return convert.range_(snap.index, start, end, encoding)


def _at(snap: Snapshot, position: types.Position, encoding: Encoding) -> Occurrence | None:
    return navigation.occurrence_at(snap.analysis(), _offset(snap, position, encoding))


def document_symbols(snap: Snapshot, encoding: Encoding) -> list[types.DocumentSymbol]:
    return [convert.document_symbol(s, snap.index, encoding) for s in navigation.symbols(snap.early())]


def document_symbols_json(snap: Snapshot, encoding: Encoding) -> RawResult:
    """`document_symbols` as JSON text. For one text module, each function's symbol (with its
    locals) is kept from version to version (see `analysis/ide/function_cache`) as text with its line numbers
    left out, filled in where the function is now: making and sending protocol objects for
    every local of 10,000 functions cost seconds, and reading them shifts moved functions.
    Symbols read the module context and each function's locals: before the analysis,
    `Snapshot.early()` has them without reading bodies (`early._Bodies.fill_locals`)."""
    doc = snap.early()
    lay = function_cache.layout(doc)
    if lay is None:
        return RawResult(json.dumps(_CONVERTER.unstructure(document_symbols(snap, encoding))))
    where = snap.index.positions(lay.starts, encoding)
    read = doc.modules[0].read
    assert read is not None
    with_locals = navigation.locals_shown(read.module)

    def compute(missing: list[int]) -> list[_Sym]:
        assert read is not None
        table = TypeTable(read.module)
        syms = [navigation.func_symbol(table, lay.funcs[i], with_locals) for i in missing]
        offsets: list[int] = []
        for sym in syms:
            _offsets(sym, offsets)
        cancel.check()
        positions = iter(snap.index.positions(offsets, encoding))
        out = []
        for i, sym in zip(missing, syms, strict=True):
            lines: list[int] = []
            template = _symbol_template(sym, positions, where[i][0], lines)
            out.append(_Sym(where[i][1], template, tuple(lines)))
        return out

    funcs = _SYMBOLS.results(lay, (encoding, with_locals), compute, lambda i, r: r.column == where[i][1])
    texts = [
        (s.span.start, json.dumps(_CONVERTER.unstructure(convert.document_symbol(s, snap.index, encoding))))
        for s in navigation.symbols(doc, frozenset(f.index for f in lay.funcs))
    ]
    for start, (line, _), (sym, _) in zip(lay.starts, where, funcs, strict=True):
        if sym.line != line:  # else the text of the last answer (an edit moves few functions' lines)
            sym.line, sym.text = line, sym.template % tuple(map(line.__add__, sym.lines))
        texts.append((start, sym.text))
    texts.sort(key=lambda pair: pair[0])
    return RawResult("[" + ", ".join(text for _, text in texts) + "]")


@dataclass(slots=True, eq=False)
class _Sym:
    """A function's symbol: JSON with its line numbers left out (relative ones in `lines`),
    for a function starting at `column`; `text` is it filled in for a start at `line`."""

    column: int
    template: str
    lines: tuple[int, ...]
    line: int = -1
    text: str = ""


_SYMBOLS: function_cache.Cache[_Sym] = function_cache.Cache()
_CONVERTER = default_converter()  # type: ignore[no-untyped-call]  # pygls: lsprotocol values to JSON


def _offsets(sym: navigation.Symbol, out: list[int]) -> None:
    """The offsets `_symbol_template` takes the positions of, in its order."""
    out += (sym.span.start, sym.span.end, sym.selection.start, sym.selection.end)
    for c in sym.children:
        _offsets(c, out)


def _symbol_template(
    sym: navigation.Symbol, positions: Iterator[tuple[int, int]], base: int, lines: list[int]
) -> str:
    """`sym` as `convert.document_symbol` makes it, as JSON with `%d` for each line number,
    appended to `lines` relative to `base` (a function and its locals: two levels);
    `positions` gives those of `_offsets(sym)` (no protocol objects: they cost 0.2 ms a
    function)."""

    def position() -> str:
        line, character = next(positions)
        lines.append(line - base)
        return f'{{"line":%d,"character":{character}}}'

    def range_() -> str:
        start = position()
        return f'{{"start":{start},"end":{position()}}}'

    parts = [
        f'"name":{_text(sym.name)}',
        f'"kind":{int(convert.symbol_kind(sym.kind))}',
        f'"range":{range_()}',
        f'"selectionRange":{range_()}',
        f'"detail":{_text(sym.detail)}',
    ]
    if sym.children:
        parts.append(
            '"children":[' + ",".join(_symbol_template(c, positions, base, lines) for c in sym.children) + "]"
        )
    return "{" + ",".join(parts) + "}"


def _text(s: str) -> str:
    """`json.dumps(s)` as a template's literal text (`%` doubled)."""
    out = _quoted(s)
    return out.replace("%", "%%") if "%" in out else out


_quoted = json.encoder.encode_basestring_ascii  # what `json.dumps` makes of a str, without its checks


def hover(
    snap: Snapshot, position: types.Position, encoding: Encoding, markdown: bool = True
) -> types.Hover | None:
    """On a name or index: what it denotes; on an instruction: its type and the stack before it.
    As markdown, or as plain text for a client that prefers it."""
    doc = snap.early()
    offset = _offset(snap, position, encoding)
    occ = navigation.occurrence_at(doc, offset)
    if occ is not None:
        text = hovers.name_text(doc, occ, offset)
        start, end = occ.start, occ.end
    else:
        node = doc.tree.root_node.descendant_for_byte_range(offset, offset)
        # block keywords are not instructions: see tests/server/test_hover.py
        if node is None or node.type not in ("instr_name", "integer", "float"):
            return None
        rs = references.resolver(doc)
        mi = rs.module_at(offset)
        if mi is None:
            return None
        func = mi.func_at(offset)
        site = hovers.const_at(mi.module, node.start_byte) if func is None else None
        index = hovers.instr_at(func, node.start_byte) if func is not None else site[1] if site else None
        if index is None:
            return None
        ins = func.body[index] if func is not None else site[0].instrs[index] if site else None
        if ins is None or (node.type == "instr_name" and ins.start != node.start_byte):
            return None
        if node.type != "instr_name" and not hovers.const_lines(ins):
            return None  # a literal: only a constant's says something
        with no_cyclic_gc():  # a frame per enclosing block (100,000 nested: the collector rescans them)
            if func is not None:
                text = hovers.instr_text(doc, mi.module, func, index)
            elif site is not None:  # a global's initializer, a segment's offset or item
                text = hovers.const_instr_text(mi.module, site[0], index)
        start, end = node.start_byte, node.end_byte
    if text is None:
        return None
    kind = types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText
    return types.Hover(
        contents=types.MarkupContent(kind=kind, value=text if markdown else hovers.plain_text(text)),
        range=_range(snap, start, end, encoding),
    )


def definition(snap: Snapshot, position: types.Position, encoding: Encoding) -> types.Location | None:
    doc = snap.early()
    occ = navigation.occurrence_at(doc, _offset(snap, position, encoding))
    span = navigation.definition(doc, occ.key) if occ is not None else None
    if span is None:
        return None
    return types.Location(uri=snap.uri, range=_range(snap, span.start, span.end, encoding))


def references_(
    snap: Snapshot, position: types.Position, include_declaration: bool, encoding: Encoding
) -> list[types.Location]:
    """Every occurrence of the item under the cursor, `$name` and numeric alike."""
    occ = _at(snap, position, encoding)
    if occ is None:
        return []
    found = navigation.occurrences(snap.analysis(), occ.key)
    return [
        types.Location(uri=snap.uri, range=_range(snap, o.start, o.end, encoding))
        for o in found
        if include_declaration or o.role != "decl"
    ]


_HIGHLIGHT = {"read": types.DocumentHighlightKind.Read, "write": types.DocumentHighlightKind.Write}


def document_highlight(
    snap: Snapshot, position: types.Position, encoding: Encoding
) -> list[types.DocumentHighlight]:
    """Occurrences of the item under the cursor: Write for `local.set`/`local.tee`/`global.set`,
    Read for other local and global uses, Text for everything else (declarations too)."""
    occ = _at(snap, position, encoding)
    if occ is None:
        return []
    return [
        types.DocumentHighlight(
            range=_range(snap, o.start, o.end, encoding),
            kind=_HIGHLIGHT.get(o.role, types.DocumentHighlightKind.Text),
        )
        for o in navigation.occurrences(snap.analysis(), occ.key)
    ]


def prepare_rename(
    snap: Snapshot, position: types.Position, encoding: Encoding
) -> types.PrepareRenamePlaceholder:
    """Only a `$name` can be renamed (a numeric reference stays a number); elsewhere an error
    saying why (`RenameRejected`: a message for the user, logged without a traceback)."""
    occ, why = navigation.rename_target(snap.analysis(), _offset(snap, position, encoding))
    if occ is None:
        raise RenameRejected(why or "nothing to rename here")
    placeholder = snap.data[occ.start : occ.end].decode("utf-8", "replace")
    return types.PrepareRenamePlaceholder(
        range=_range(snap, occ.start, occ.end, encoding), placeholder=placeholder
    )


def rename(
    snap: Snapshot, position: types.Position, new_name: str, encoding: Encoding
) -> types.WorkspaceEdit | None:
    doc = snap.analysis()
    occ = _at(snap, position, encoding)
    if occ is None or not occ.named:
        raise RenameRejected("only a `$name` can be renamed")
    name, err = navigation.parse_new_name(new_name)
    if err is not None:
        raise RenameRejected(err)
    conflict = navigation.rename_conflict(doc, occ.key, name)
    if conflict is not None:
        raise RenameRejected(conflict)
    text = new_name if new_name.startswith("$") else "$" + new_name
    edits = [
        types.TextEdit(range=_range(snap, s.start, s.end, encoding), new_text=text)
        for s in navigation.rename_edits(doc, occ.key, name)
    ]
    return types.WorkspaceEdit(changes={snap.uri: edits})


def folding_ranges(snap: Snapshot) -> list[types.FoldingRange]:
    folds, _ = folding.within_depth(folding.folds_by_function(snap.analysis(), snap.index))
    return [_folding_range(f) for f in folds]


def folding_ranges_json(snap: Snapshot) -> RawResult:
    """`folding_ranges` as JSON text: made from the folds directly, without protocol objects
    (45,000 of them on the 13 MB module cost most of a second to make and as much to send).
    Folds need the tree and where functions start only: `Snapshot.early()` has both before
    the analysis (the layout reads no body, `early.body_start`)."""
    folds, dropped = folding.within_depth(folding.folds_by_function(snap.early(), snap.index))
    if dropped:
        _log.warning(
            "wat-lsp: folding ranges for %s: %d nested more than %d deep left out",
            snap.uri,
            dropped,
            folding.MAX_DEPTH,
        )
    return RawResult(
        "["
        + ", ".join(
            f'{{"startLine": {f.start_line}, "endLine": {f.end_line}, "kind": "{f.kind}"}}' for f in folds
        )
        + "]"
    )


def _folding_range(f: folding.Fold) -> types.FoldingRange:
    kind = types.FoldingRangeKind.Comment if f.kind == "comment" else types.FoldingRangeKind.Region
    return types.FoldingRange(start_line=f.start_line, end_line=f.end_line, kind=kind)


SEMANTIC_LEGEND = types.SemanticTokensLegend(token_types=list(semantic_tokens.TOKEN_TYPES),
                                             token_modifiers=list(semantic_tokens.TOKEN_MODIFIERS))  # fmt: skip


def semantic_tokens_full(snap: Snapshot, encoding: Encoding) -> types.SemanticTokens:
    return types.SemanticTokens(data=semantic_tokens.tokens(snap.analysis(), snap.index, encoding))


def semantic_tokens_full_json(snap: Snapshot, encoding: Encoding) -> RawResult:
    """`semantic_tokens_full` as JSON text, with a result id that a delta request can name."""
    data, text = semantic_tokens.tokens_json(snap.analysis(), snap.index, encoding)
    with _sent_lock:
        _complete.add(snap.uri)
    return RawResult(f'{{"resultId": {json.dumps(_sent(snap, encoding, data))}, "data": [{text}]}}')


# Full tokens of a text this big are first answered for its start only (`tokens_prefix_json`),
# while they are made whole: 10 MB take 10 s (the occurrence index, two queries, a million
# tokens), 512 KB about half a second ([decision 48](../../docs/decisions/0048-answer-before-the-analysis.md)).
PARTIAL_TOKENS_BYTES = 1 << 19
PREFIX_BYTES = 1 << 18  # the start answered: a few screens of text on lines, any line's tokens


def tokens_pending(snap: Snapshot | None) -> bool:
    """Whether full tokens for this document would cost seconds: a big text whose tokens
    have never been made whole since it was opened (after that, each edit re-makes the
    tokens of the functions it touched only, `analysis/ide/function_cache`)."""
    if snap is None or len(snap.data) <= PARTIAL_TOKENS_BYTES:
        return False
    with _sent_lock:
        return snap.uri not in _complete


def tokens_prefix_json(snap: Snapshot, encoding: Encoding) -> RawResult:
    """The full tokens' first `PREFIX_BYTES` (a prefix of the whole data: tokens are sorted
    and relative), from `Snapshot.early()`: the functions there are read, the analysis is not
    waited for. The client is asked to refresh once the whole is made (`complete_tokens`)."""
    data = semantic_tokens.tokens(snap.early(), snap.index, encoding, 0, PREFIX_BYTES)
    result_id = _sent(snap, encoding, data, ".start")
    return RawResult(f'{{"resultId": {json.dumps(result_id)}, "data": {json.dumps(data)}}}')


def complete_tokens(snap: Snapshot, encoding: Encoding) -> bool:
    """Make the whole document's tokens (kept: the full request after the refresh reads
    them); True once they are."""
    semantic_tokens.tokens_json(snap.analysis(), snap.index, encoding)
    with _sent_lock:
        _complete.add(snap.uri)
    return True


def semantic_tokens_delta_json(snap: Snapshot, previous: str, encoding: Encoding) -> RawResult:
    """The edit from the tokens sent as `previous` (for this document) to this snapshot's,
    or all of them when `previous` is not the last result sent."""
    with _sent_lock:
        old = _sent_tokens.get(snap.uri)
    if old is None or old[0] != previous:
        return semantic_tokens_full_json(snap, encoding)
    data = semantic_tokens.tokens(snap.analysis(), snap.index, encoding)
    with _sent_lock:
        _complete.add(snap.uri)
    start, deleted, new = semantic_tokens.delta(old[1], data)
    edits = (
        f'[{{"start": {start}, "deleteCount": {deleted}, "data": {json.dumps(new)}}}]'
        if deleted or new
        else "[]"
    )
    return RawResult(f'{{"resultId": {json.dumps(_sent(snap, encoding, data))}, "edits": {edits}}}')


_sent_lock = threading.Lock()
_sent_tokens: dict[str, tuple[str, list[int]]] = {}  # uri -> the last result id and data sent
_complete: set[str] = set()  # documents whose whole tokens were made since they were opened


def forget(uri: str) -> None:
    """The document was closed: its last tokens sent are no base for a delta any more."""
    with _sent_lock:
        _sent_tokens.pop(uri, None)
        _complete.discard(uri)


def _sent(snap: Snapshot, encoding: Encoding, data: list[int], kind: str = "") -> str:
    result_id = f"{snap.serial}.{encoding}{kind}"
    with _sent_lock:
        _sent_tokens.pop(snap.uri, None)
        _sent_tokens[snap.uri] = (result_id, data)
        while len(_sent_tokens) > 4:  # each holds a whole document's data
            del _sent_tokens[next(iter(_sent_tokens))]
    return result_id


def semantic_tokens_range(snap: Snapshot, rng: types.Range, encoding: Encoding) -> types.SemanticTokens:
    start = _offset(snap, rng.start, encoding)
    end = max(start, _offset(snap, rng.end, encoding))
    return types.SemanticTokens(data=semantic_tokens.tokens(snap.early(), snap.index, encoding, start, end))


# Bytes of a range given inlay hints at most: a viewport is kilobytes, but the visible "lines"
# of a module printed on one line are the whole document (10 MB: 685,000 hints, a minute).
INLAY_BYTES = 1 << 19


def inlay_hints_(
    snap: Snapshot, rng: types.Range, encoding: Encoding, options: inlay_hints.Options = inlay_hints.DEFAULT
) -> list[types.InlayHint]:
    start = _offset(snap, rng.start, encoding)
    end = max(start, _offset(snap, rng.end, encoding))
    if end - start > INLAY_BYTES:
        _log.warning(
            "wat-lsp: inlay hints for %s: the range's first %d of %d bytes only",
            snap.uri,
            INLAY_BYTES,
            end - start,
        )
        end = start + INLAY_BYTES
    out: list[types.InlayHint] = []
    for h in inlay_hints.hints(snap.early(), start, end, options):
        line, col = snap.index.position(h.offset, encoding)
        out.append(
            types.InlayHint(
                position=types.Position(line, col),
                label=h.label,
                kind=types.InlayHintKind.Type if h.is_type else None,
                padding_left=None if h.is_type or h.label.startswith("#") else True,
            )
        )
    return out
