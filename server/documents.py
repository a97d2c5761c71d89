"""Open documents: text bytes, version, an incrementally updated tree-sitter tree, a LineIndex.

The server keeps its own documents instead of pygls' workspace: the core works on UTF-8 bytes
and a tree that survives edits, and a 13 MB file must not be re-split into lines as `str`
on every keystroke.

Each version of a document is an immutable `Snapshot`, so analysis can run in a worker thread
while the event loop applies newer edits (the tree is copied before `Tree.edit`). A snapshot's
tree is parsed when first used: an edit inside one function reaches its diagnostics without it.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from lsprotocol import types
from tree_sitter import Point, Tree
from wat_lsp.analysis import cancel
from wat_lsp.analysis.diagnostics import Diagnostic, Severity
from wat_lsp.analysis.document import Document, closed_early_diagnostics
from wat_lsp.analysis.early import early_document
from wat_lsp.analysis.incremental import DocumentAnalysis
from wat_lsp.analysis.positions import Encoding, LineIndex
from wat_lsp.analysis.syntax import (
    closed_early,
    common_prefix,
    common_suffix,
    parse,
    parse_prefix,
    parse_range,
    unpaired,
)

_SERIALS = itertools.count(1)
# Bytes around a change looked at with it (`Snapshot._may_close_early`).
_CONTEXT = 8
# Texts up to this size are analysed whole before any answer (about 0.1 s): an early
# document would cost more than it saves.
EARLY_BYTES = 1 << 18


@dataclass(frozen=True, slots=True)
class Edit:
    """One change from a snapshot to the next: bytes [start, old_end) became [start, new_end),
    and the text gained `lines` line breaks (negative: lost)."""

    parent: int  # serial of the snapshot edited
    start: int
    old_end: int
    new_end: int
    lines: int


class EditLog:
    """How each snapshot of a document was made from the one before, so that work on text an
    edit did not touch can be kept (shared by a document's snapshots)."""

    LIMIT = 4096  # snapshots remembered; older ones count as unknown

    def __init__(self) -> None:
        self._lock = threading.Lock()  # recorded on the event loop, read by the analysis thread
        self._edits: dict[int, Edit] = {}  # serial -> how it was made

    def record(self, serial: int, edit: Edit) -> None:
        with self._lock:
            self._edits[serial] = edit
            if len(self._edits) > self.LIMIT:
                del self._edits[next(iter(self._edits))]

    def between(self, since: int, until: int) -> list[Edit] | None:
        """The edits that made snapshot `until` from snapshot `since`, oldest last (None when
        the log does not reach back to `since`)."""
        out: list[Edit] = []
        with self._lock:
            serial = until
            while serial != since:
                edit = self._edits.get(serial)
                if edit is None:
                    return None
                out.append(edit)
                serial = edit.parent
        return out


class GoodTree:
    """The last text of a document known to have no text diagnostic, with its tree (parsed, or
    an earlier tree edited to it), shared by the document's snapshots: when a parenthesis is
    restored, the tree of the text before it went is the old tree of the re-parse, which then
    covers what was edited before the break, not what follows it (seconds at 60 MB)."""

    def __init__(self) -> None:
        self.data = b""
        self.tree: Tree | None = None
        self.parsed = False


@dataclass(slots=True, eq=False)
class Snapshot:
    """One version of a document's text, its tree and line index; analysed at most once."""

    uri: str
    version: int
    data: bytes
    parsed: Tree | None  # the tree, once parsed (`tree`)
    index: LineIndex
    # Shared by the snapshots of one document: re-analyses only the functions an edit changed.
    incremental: DocumentAnalysis = field(default_factory=DocumentAnalysis, repr=False)
    edits: EditLog = field(default_factory=EditLog, repr=False)
    good: GoodTree = field(default_factory=GoodTree, repr=False)
    _analysis: Document | None = field(default=None, repr=False)
    _diagnostics: Sequence[Diagnostic] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _early: Document | bool | None = field(default=False, repr=False)  # False: not made yet
    _early_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    serial: int = field(default_factory=lambda: next(_SERIALS))  # unique per snapshot: a result id
    # An earlier version's tree, edited to this text: what `tree` re-parses, on first use.
    pending: Tree | None = field(default=None, repr=False)
    _tree_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def tree(self) -> Tree:
        """The text's tree, parsed incrementally on first use: diagnostics of an edit inside
        one function do without it (`DocumentAnalysis.update_without_tree`), and the edits
        made before anything needs it cost one re-parse."""
        tree = self.parsed
        if tree is not None:
            return tree
        with self._tree_lock:
            if self.parsed is None:
                self.parsed = parse(self.data, self.pending)
                self.pending = None  # the old tree's nodes go unless the new one shares them
            return self.parsed

    def _remember_good(self) -> None:
        pending = self.pending  # as in `_edited_tree`
        parsed = self.parsed
        tree = parsed if parsed is not None else pending if pending is not None else self.parsed
        if tree is not None:
            good = self.good
            good.data, good.tree, good.parsed = self.data, tree, tree is parsed

    def _edited_tree(self) -> Tree:
        """The last parsed tree, edited to this text (a copy: the snapshots' trees stay)."""
        pending = self.pending  # read first: it is cleared only once `parsed` is set
        base = self.parsed if pending is None else pending
        assert base is not None
        return base.copy()

    def analysis(self) -> Document:
        """The core's analysis of this text (computed once, whichever thread asks first): what
        `analyse` gives, made function by function from the document's previous versions when
        only function bodies changed (`DocumentAnalysis.document`)."""
        with self._lock:
            if self._analysis is None:
                self._analysis = self.incremental.document(self.data, self._checked_tree())
                self._early = None  # its memory back: `early()` is the analysis now
            return self._analysis

    def early(self) -> Document:
        """What answers about one function read: `analysis()` when it is computed or cheap
        (a small text, an edit of a text analysed before), else the module context with
        bodies read on demand (`analysis.early`, made once; diagnostics left out), so that
        they need not wait for the first analysis of a big text
        ([decision 48](../../docs/decisions/0048-answer-before-the-analysis.md))."""
        if self._analysis is None and self._diagnostics is not None and not cancel.in_interlude():
            return self.analysis()  # (cheap once the diagnostics are: the analysis' state is made)
        doc = self._early_document()
        return doc if doc is not None else self.analysis()

    def early_ready(self) -> bool:
        """Whether `early()` answers without computing the analysis."""
        return self._analysis is not None or self._early_document() is not None

    def _early_document(self) -> Document | None:
        if self._analysis is not None:
            return self._analysis
        with self._early_lock:
            if self._early is False:
                if len(self.data) <= EARLY_BYTES or self.incremental.started:
                    return None  # the analysis costs little (small, or an edit of an analysed text)
                self._early = early_document(self.data, self.tree)
            assert self._early is not True
            return self._early

    @property
    def analysed(self) -> bool:
        """Whether `analysis()` is already computed (so asking for it costs nothing)."""
        return self._analysis is not None

    def diagnostics(self) -> Sequence[Diagnostic]:
        """What `analysis().diagnostics` holds, computed function by function from the
        document's previous versions when only function bodies changed."""
        with self._lock:
            if self._analysis is not None:
                return self._analysis.diagnostics
            if self._diagnostics is None:
                result: Sequence[Diagnostic] | Document | None = None
                if self.parsed is None:
                    result = self.incremental.update_without_tree(self.data, self._parse_range)
                if result is None:
                    result = self._closed_early()
                if result is None:
                    result = self.incremental.update(self.data, self._checked_tree())
                if self.incremental.clean(self.data):
                    self._remember_good()
                if isinstance(result, Document):
                    self._analysis, self._early = result, None
                    return result.diagnostics
                self._diagnostics = result
            return self._diagnostics

    def tally(self, diagnostics: Sequence[Diagnostic]) -> Mapping[tuple[str, Severity], int]:
        """How many of `diagnostics` (this snapshot's) have each code and severity: kept from
        version to version while edits stay inside functions (`DocumentAnalysis.tally`)."""
        return self.incremental.tally(diagnostics)

    def _closed_early(self) -> list[Diagnostic] | None:
        """The diagnostics of a text whose module its parentheses close early, made from the
        text before the module's end only (`document.closed_early_diagnostics`): the text after
        it, re-parsed as top-level fields, cost seconds at 60 MB. The tree of the whole text
        waits for a request that needs it."""
        if self.parsed is not None or not self._may_close_early():
            # (with the whole tree parsed, as at `didOpen`, nothing is saved: `update` applies
            # the same rule when the tree has an error; the scan cost 0.2 s on 2.4 MB of
            # 100,000 nested operands, where no chunk balances)
            return None
        early = closed_early(self.data)
        if early is None:
            return None
        pending = self.pending  # as in `_edited_tree`
        old = self.parsed if pending is None else pending
        tree = parse_prefix(self.data, early.end, old, self.point(early.end))
        return closed_early_diagnostics(self.data, early, tree)

    def _may_close_early(self) -> bool:
        """Whether the text may be one its parentheses close early, as far as comparing it
        with the last clean text tells (that one is not). The change, with a few bytes of
        context, reduces to `)`*c `(`*o once its `()` pairs are out: when c does not grow and o
        does not shrink, every `(` outside closes where it closed or later, so the module
        still ends the text (`(` and `()` typed in a body, and undone). No `"` or line break may
        change, nor a `;` or `\\` be near (what starts or ends a string or a comment stays).
        Only a saving: `update` asks again when the whole tree has an error."""
        old, data = self.good.data, self.data
        if not old:
            return True
        p = common_prefix(old, data)
        if p == len(old) == len(data):
            return False
        q = common_suffix(old, data, min(len(old), len(data)) - p)
        if len(old) + len(data) - 2 * (p + q) > 4096:  # (`unpaired` takes a pass per level)
            return True
        gone, came = old[p : len(old) - q], data[p : len(data) - q]
        if any(c in gone or c in came for c in (b'"', b"\n")):  # a string's or `;;` comment's end
            return True
        lo, old_hi = max(p - _CONTEXT, 0), min(len(old) - q + _CONTEXT, len(old))
        before, after = old[lo:old_hi], data[lo : old_hi + len(data) - len(old)]
        if any(c in before or c in after for c in (b";", b"\\")):  # `(;`, `;)`, escapes
            return True
        closes, opens = unpaired(before)
        now_closes, now_opens = unpaired(after)
        return now_closes > closes or now_opens < opens

    def _checked_tree(self) -> Tree:
        """The tree to analyse: the incremental one, errors or not. Syntax messages do not
        read the parse states an incremental re-parse leaves stale (`analysis.syntax`), so
        they are those `wat-lsp --check` prints for the same text."""
        return self.tree

    def _parse_range(self, start: int, end: int) -> Tree:
        return parse_range(self.data, start, end, self.point(start), self.point(end))

    def point(self, offset: int) -> Point:
        return Point(*self.index.ts_point(offset))  # tree-sitter's rows: a lone CR ends none


def apply_change(
    snap: Snapshot, change: types.TextDocumentContentChangeEvent, encoding: Encoding, version: int
) -> Snapshot:
    """One content change: splice the bytes, edit a copy of the tree (re-parsed when first
    needed: `Snapshot.tree`)."""
    new = change.text.encode("utf-8", "surrogatepass")
    if isinstance(change, types.TextDocumentContentChangePartial):
        r = change.range
        start = snap.index.offset(r.start.line, r.start.character, encoding)
        end = max(start, snap.index.offset(r.end.line, r.end.character, encoding))
    else:  # the whole text
        start, end = 0, len(snap.data)
    start_point, old_end_point = snap.point(start), snap.point(end)
    lines = new.count(b"\n")
    if lines:
        new_end_point = Point(start_point.row + lines, len(new) - new.rfind(b"\n") - 1)
    else:
        new_end_point = Point(start_point.row, start_point.column + len(new))
    whole = memoryview(snap.data)
    data = b"".join((whole[:start], new, whole[end:]))  # one copy (slices and `+` made three)
    good = snap.good
    parsed: Tree | None = None
    if (
        good.tree is not None
        and len(good.data) == len(data)
        and good.data.startswith(new, start)  # else they differ here: no 60 MB comparison
        and good.data == data
    ):
        tree = good.tree.copy()  # the text of a clean version again (see `GoodTree`)
        if good.parsed:
            parsed = tree
    else:
        tree = snap._edited_tree()
        tree.edit(start, end, start + len(new), start_point, old_end_point, new_end_point)
    new_snap = Snapshot(
        snap.uri,
        version,
        data,
        parsed,
        snap.index.spliced(start, end, new, data),
        snap.incremental,
        snap.edits,
        good,
        pending=None if parsed is not None else tree,
    )
    snap.edits.record(
        new_snap.serial,
        Edit(snap.serial, start, end, start + len(new), new_snap.index.line_count - snap.index.line_count),
    )
    return new_snap


def open_snapshot(uri: str, version: int, text: str) -> Snapshot:
    data = text.encode("utf-8", "surrogatepass")
    return Snapshot(uri, version, data, parse(data), LineIndex(data))


class Documents:
    """The current snapshot of each open document, by URI."""

    def __init__(self) -> None:
        self._docs: dict[str, Snapshot] = {}

    def open(self, uri: str, version: int, text: str) -> Snapshot:
        snap = self._docs[uri] = open_snapshot(uri, version, text)
        return snap

    def change(
        self, params: types.DidChangeTextDocumentParams, encoding: Encoding, log: Callable[[str], None]
    ) -> Snapshot | None:
        """Apply a didChange. Protocol misuse is logged and handled as well as the text allows:
        a change to a document that is not open is dropped unless it replaces the whole text
        (then the document is opened with it); a version that does not increase is taken as
        it comes (the edit is not lost); ranges past the end are clamped (`apply_change`)."""
        uri, version = params.text_document.uri, params.text_document.version
        snap = self._docs.get(uri)
        changes = list(params.content_changes)
        if snap is None:
            whole = [
                i
                for i, c in enumerate(changes)
                if isinstance(c, types.TextDocumentContentChangeWholeDocument)
            ]
            if not whole:
                log(f"wat-lsp: didChange for {uri}, which is not open: ignored")
                return None
            log(f"wat-lsp: didChange for {uri}, which is not open: opened with the new text")
            snap = open_snapshot(uri, version, changes[whole[-1]].text)
            changes = changes[whole[-1] + 1 :]
        elif version <= snap.version:
            log(f"wat-lsp: {uri}: version {version} after version {snap.version}: applied anyway")
        for change in changes:
            if isinstance(change, types.TextDocumentContentChangePartial) and not _inside(snap, change.range):
                log(
                    f"wat-lsp: {uri} version {version}: change range {_show(change.range)} is outside "
                    f"the text ({snap.index.line_count} lines): clamped"
                )
            snap = apply_change(snap, change, encoding, version)
        self._docs[snap.uri] = snap
        return snap

    def close(self, uri: str) -> None:
        self._docs.pop(uri, None)

    def get(self, uri: str) -> Snapshot | None:
        return self._docs.get(uri)

    def all(self) -> list[Snapshot]:
        return list(self._docs.values())


def _inside(snap: Snapshot, r: types.Range) -> bool:
    """Whether both ends are real positions, in order (columns past a line end are clamped
    silently: LSP says so)."""
    lines = snap.index.line_count
    ordered = (r.start.line, r.start.character) <= (r.end.line, r.end.character)
    return ordered and 0 <= r.start.line < lines and 0 <= r.end.line < lines and r.start.character >= 0


def _show(r: types.Range) -> str:
    return f"{r.start.line}:{r.start.character}-{r.end.line}:{r.end.character}"
