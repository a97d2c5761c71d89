"""Incremental diagnostics of one document: the function is the unit of re-analysis.

`DocumentAnalysis` keeps, for a document holding one text module (`(module ...)` or bare
fields), the module read once (names, types, signatures: the context every body depends on)
and per function its text, its diagnostics (relative to the function's start) and its
header (the text up to its first local or instruction: name, exports, type use, params, results).

On a new version of the text it compares the text outside function bodies with the last
version's: when that is unchanged and so is the header of every function, only the functions
whose text changed are read and validated again; the others keep their diagnostics, shifted to
their new offsets. Anything else (a script, a syntax error outside a function, an edit to a
type, a header, a global...) falls back to reading the whole module. The diagnostics are those
`document.analyse` gives for the same text, in the same order (ties of equal spans included).

Liveness diagnostics follow `document.liveness_report`'s rule: shown for a function whose text
holds no error. They are computed when first needed after the function was (re)read and kept
with its entry, so an edit costs the liveness of the edited function only.

`DocumentAnalysis.document` gives the whole `Document` (what navigation, code actions and
passes read) the same way: the module-level items of the last full read, moved to their new
offsets (`relocate`), and per function the `Func` as last read, shared when it did not move
and a lazily shifted `relocate.MovedFunc` when it did. It equals `analyse`'s `Document` for
the same text: diagnostics in the same order, the same Module model, the same `ReadResult`.
"""

from __future__ import annotations

import bisect
import dataclasses
import operator
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tree_sitter import Node, Tree
from wat_lsp.analysis import cancel, cst, relocate, shifted
from wat_lsp.analysis.body import INSTR_NODES
from wat_lsp.analysis.diagnostics import Diagnostic, Related, Severity, by_span
from wat_lsp.analysis.document import (
    MODULE_NODES,
    Document,
    FuncTexts,
    ScriptModule,
    analyse,
    error_starts,
    has_error_in,
    is_wast_command,
    liveness_report,
    no_cyclic_gc,
    text_diagnostics,
)
from wat_lsp.analysis.lexical import _ILLEGAL
from wat_lsp.analysis.lints.common import Candidate
from wat_lsp.analysis.lints.registry import MODULE_CODES, module_candidates, shown
from wat_lsp.analysis.lints.uses import UseKey, func_uses, module_uses
from wat_lsp.analysis.model import Func, Module, Span
from wat_lsp.analysis.reader import ModuleReader, ReadResult, module_fields, read_function_body
from wat_lsp.analysis.syntax import closed_early, common_prefix, common_suffix
from wat_lsp.analysis.types_reader import TypeNames
from wat_lsp.analysis.validate import ModuleContext, validate_function, validate_module_fields


class _Reader(ModuleReader):
    """A module reader that keeps each function's own diagnostics apart from the module's."""

    def __init__(self, data: bytes, node: Node) -> None:
        super().__init__(data, node)
        self.glue: dict[int, list[Diagnostic]] = {}  # func node start -> token-separation diags
        # func node start -> how many module diagnostics the reader had made before its glue
        # ones (where `ModuleReader.read` lists them)
        self.glue_at: dict[int, int] = {}
        self.bodies: dict[int, list[Diagnostic]] = {}  # func node start -> body reader diags

    def _check_glue(self, field_node: Node) -> None:
        if field_node.type != "func":
            super()._check_glue(field_node)
            return
        saved, self.diags = self.diags, []
        super()._check_glue(field_node)
        self.glue[field_node.start_byte], self.diags = self.diags, saved
        self.glue_at[field_node.start_byte] = len(saved)

    def _read_body(self, f: Func, node: Node, tn: TypeNames) -> None:
        saved, self.diags = self.diags, []
        super()._read_body(f, node, tn)
        self.bodies[node.start_byte], self.diags = self.diags, saved


@dataclass(slots=True)
class _Entry:
    """One function field: its text and diagnostics (spans relative to `start`)."""

    key: bytes
    header: bytes
    start: int
    end: int
    base: Func | None  # the header as read in the last full read (None: not a function we read)
    base_start: int
    glue: list[Diagnostic]
    glue_at: int  # where `glue` goes among the module's reader diagnostics (see `_Reader`)
    body: list[Diagnostic]
    valid: list[Diagnostic]
    func: Func | None = None  # the function as last read, body and all
    broken: bool = False  # `func`'s body could not be read whole (`ReadResult.broken`)
    func_start: int = 0  # where the field started when `func` was read (its spans' origin)
    # Liveness diagnostics of `func` (None: not computed yet), in document coordinates for a
    # field starting at `live_at`: kept as they are while the function does not move, so an
    # edit allocates nothing for the functions it does not touch.
    live: list[Diagnostic] | None = None
    live_at: int = 0
    uses: Counter[UseKey] | None = None  # what `func`'s locals and body use (`lints.uses`)


_NOWHERE = Span(0, 0)
Tally = Counter[tuple[str, Severity]]
# The diagnostics of a version: a list, or after an edit the last version's moved (`shifted`).
Diagnostics = list[Diagnostic] | shifted.ShiftedList[Diagnostic]
_CODE = operator.attrgetter("code")
_SEVERITY = operator.attrgetter("severity")


def tally(diagnostics: Sequence[Diagnostic]) -> Tally:
    """How many diagnostics have each (code, severity)."""
    return Counter(zip(map(_CODE, diagnostics), map(_SEVERITY, diagnostics), strict=True))


@dataclass(slots=True)
class _State:
    module: Module
    ctx: ModuleContext
    gaps: list[bytes]  # the text between function fields (before the first, ..., after the last)
    entries: list[_Entry]
    module_diags: list[Diagnostic]  # reader's, in document coordinates
    module_valid: list[Diagnostic]  # validation's module-level checks, in document coordinates
    # Where the function fields were at the last full read: `module`'s items are there.
    full_starts: list[int]
    full_ends: list[int]
    entry_of: dict[int, int]  # function index -> its entry (defined and imported by `func`)
    # The module lints' candidates (spans as at the last full read) and every use, kept
    # counted as functions are read again: an edit recounts the edited function's only.
    candidates: list[Candidate] = dataclasses.field(default_factory=list)
    counts: Counter[UseKey] = dataclasses.field(default_factory=Counter)
    module_span: Span = _NOWHERE  # the module's node now
    shown: list[int] = dataclasses.field(default_factory=list)  # the candidates `diagnostics` has
    # How often a use count went from or to zero: shared, like `counts`, by the states made
    # from one full read; and the candidates the counts called for (errors aside) at that time.
    flips: list[int] = dataclasses.field(default_factory=lambda: [0])
    by_counts: tuple[int, list[int]] | None = None
    clean_text: bool = False  # no encoding, syntax or lexical diagnostic in the whole text
    errors: int = -1  # how many errors of `diagnostics` start in `module_span` (-1: not counted)
    pre: list[Diagnostic] = dataclasses.field(default_factory=list)  # text diagnostics among them
    clean_changes: bool = False  # the functions changed since the last state have none either
    data: bytes = b""  # the text this state is of
    # The gaps and every entry's header (`FuncTexts.context`): the same along a chain of
    # incremental states, which never change them; made when a `Document` is first asked for.
    context: tuple[bytes, ...] | None = None
    # `data`'s, as `analyse` (a `ShiftedList` after an edit inside one function)
    diagnostics: Diagnostics = dataclasses.field(default_factory=list)
    tally: Tally | None = None  # how many of `diagnostics` have each code and severity (None: not counted)


def _shift_span(span: Span, delta: int) -> Span:
    return Span(span.start + delta, span.end + delta)


def _shift(d: Diagnostic, delta: int) -> Diagnostic:
    if not delta:
        return d
    related = tuple(Related(_shift_span(r.span, delta), r.message) for r in d.related)
    return dataclasses.replace(d, span=_shift_span(d.span, delta), related=related)


def _header_end(node: Node) -> int:
    """Where the part of a function field that others can see ends: its name, exports, import
    and signature, before its locals and body (which `read_function_body` reads again)."""
    for i in range(node.named_child_count):
        c = node.named_child(i)
        if c is not None and (c.type in INSTR_NODES or c.type == "local"):
            return c.start_byte
    return node.end_byte


def _shape(tree: Tree) -> tuple[Node, list[Node] | None] | None:
    """(module node, None) for one `(module ...)`, (root, fields) for bare fields, or None
    for anything else (scripts, several modules, nothing)."""
    root = tree.root_node
    nodes = cst.named(root)
    if not nodes:
        return None
    if any(n.type in MODULE_NODES for n in nodes):
        if len(nodes) == 1 and nodes[0].type == "module":
            return nodes[0], None
        return None
    if any(
        n.type in ("assertion", "wast_assertion", "thread", "wast_thread") or is_wast_command(n)
        for n in nodes
    ):
        return None
    return root, nodes


def _errors_outside_funcs(tree: Tree, module_node: Node) -> bool:
    """Any ERROR or MISSING node that is not inside a function field of the module."""
    stack = [tree.root_node]
    while stack:
        n = stack.pop()
        if n.is_error or n.is_missing:
            return True
        if n.type == "func" and n.parent is not None and n.parent.id == module_node.id:
            continue
        if n.has_error:
            stack.extend(n.children)
    return False


class DocumentAnalysis:
    """The diagnostics of successive versions of one document, re-analysing by function."""

    def __init__(self) -> None:
        self._state: _State | None = None
        # The state before a syntax error broke the function fields' structure (see `_update`).
        self._kept: _State | None = None
        # What `_local` changed: (entry, where it ended, where it ends); None: nothing.
        self._touched: tuple[int, int, int] | None = None
        self._lock = threading.Lock()
        self.last_mode = ""  # 'incremental' | 'full' | 'analyse': how the last update went

    @property
    def started(self) -> bool:
        """Whether a version was analysed function by function already: the next one is then
        likely analysed by re-reading what changed (milliseconds), not the whole text."""
        return self._state is not None or self._kept is not None

    def update(self, data: bytes, tree: Tree) -> Diagnostics | Document:
        """The diagnostics of `data` (parsed as `tree`), or, when the whole `analyse` was
        needed, its `Document`."""
        with self._lock, no_cyclic_gc():
            try:
                return self._update(data, tree)
            except Exception:  # a bug here must not cost the user their diagnostics
                self._state = self._kept = None
                self.last_mode = "analyse"
                return analyse(data, tree)

    def document(self, data: bytes, tree: Tree) -> Document:
        """What `analyse(data, tree)` returns, made from the last version's analysis when
        `update` can analyse `data` function by function (see the module's docstring)."""
        with self._lock, no_cyclic_gc():
            try:
                st = self._state
                if st is None or not (st.data is data or st.data == data):
                    result = self._update(data, tree)
                    if isinstance(result, Document):
                        return result
                    st = self._state
                assert st is not None
                return _document(st, tree)
            except Exception:  # as in `update`
                self._state = self._kept = None
                self.last_mode = "analyse"
                return analyse(data, tree)

    def _update(self, data: bytes, tree: Tree) -> Diagnostics | Document:
        cancel.interlude()  # (before the text's scans and the module context: a second on 10 MB)
        shape = _shape(tree)
        if (
            shape is None
            or _errors_outside_funcs(tree, shape[0])
            or (tree.root_node.has_error and closed_early(data) is not None)  # (decision 49)
        ):
            # The last state is kept: the next version is compared with it, so when the
            # parenthesis that broke the structure is back, only what changed is read again
            # (not the whole module: 30 s on 60 MB).
            self.last_mode = "analyse"
            return analyse(data, tree)
        node, bare = shape
        broken = tree.root_node.has_error
        funcs: list[Node] | None = None
        for old in (self._state, self._kept):
            if old is None:
                continue
            was_clean = old.clean_text
            self._touched = None
            state = self._local(old, data, tree, node)  # the texts compared, else each function
            local, touched = state is not None, self._touched
            if state is None:
                if funcs is None:
                    funcs = [
                        f for f in (bare if bare is not None else module_fields(node)) if f.type == "func"
                    ]
                state = self._incremental(old, data, node, funcs)
            if state is not None:
                # The text outside the changed functions is as before: when it was clean
                # and they are, the whole text is (the scans cost 0.1 s on 13 MB).
                clean = was_clean and state.clean_changes and not broken
                pre = [] if clean else text_diagnostics(data, tree)
                state.clean_text = not pre
                state.module_span = Span(node.start_byte, node.end_byte)
                self._state = state
                if old is self._kept or not broken:
                    self._kept = None
                self.last_mode = "incremental"
                if clean and local:  # the last list, with one function's part made again
                    return _assemble_one(state, data, touched)
                if local and touched is not None and _pre_local(state, touched, pre):
                    return _assemble_one(state, data, touched, pre)  # a `(` typed in a body
                return _assemble(pre, state, data)
        if funcs is None:
            funcs = [f for f in (bare if bare is not None else module_fields(node)) if f.type == "func"]
        pre = text_diagnostics(data, tree)
        if broken and self._kept is None:
            # A syntax error that changed which function fields the tree has (a `(` typed
            # makes tree-sitter's recovery swallow the next function): the state before it
            # is kept, so the keystroke that completes or removes the parenthesis is
            # compared with it and costs the function it touches, not the module.
            self._kept = self._state
        elif not broken:
            self._kept = None
        self._state = _full(data, node, bare, funcs)
        self._state.clean_text = not pre
        self._state.module_span = Span(node.start_byte, node.end_byte)
        self.last_mode = "full"
        return _assemble(pre, self._state, data)

    def _incremental(self, old: _State, data: bytes, node: Node, funcs: list[Node]) -> _State | None:
        if len(funcs) != len(old.entries) or not _same_gaps(data, funcs, old.gaps):
            return None
        remap = _Remap([e.start for e in old.entries], [e.end for e in old.entries])
        entries = old.entries
        changed: list[tuple[int, Node]] = []
        for i, (f, e) in enumerate(zip(funcs, entries, strict=True)):
            s, end = f.start_byte, f.end_byte
            if end - s == len(e.key) and data.startswith(e.key, s):  # compared in place: no copy
                continue
            if data[s : _header_end(f)] != e.header or e.base is None or e.base.import_ is not None:
                return None  # a signature or an import changed: the module's context
            changed.append((i, f))
        # Only now is the old state given up (a failed attempt leaves it as it was, so
        # `_kept` can be tried later): its entries are updated in place.
        for f, e in zip(funcs, entries, strict=True):
            e.start, e.end = f.start_byte, f.end_byte
        remap.new([f.start_byte for f in funcs], [f.end_byte for f in funcs])
        return _reread(old, data, node, changed, remap)

    def tally(self, diagnostics: Sequence[Diagnostic]) -> Tally:
        """`tally(diagnostics)`, kept with the last state when they are its diagnostics: after
        an edit inside one function it is the last one's, less that function's old
        diagnostics, plus its new ones (the push of a 60 MB module's 110,000 then need not
        look at each to find the 1,000 it shows)."""
        with self._lock:
            st = self._state
            if st is None or not _same(st.diagnostics, diagnostics):
                return tally(diagnostics)
            if st.tally is None:
                st.tally = tally(diagnostics)
            return st.tally

    def clean(self, data: bytes) -> bool:
        """Whether `data` is the text of the last state and has no text diagnostic."""
        st = self._state
        return st is not None and st.clean_text and (st.data is data or st.data == data)

    def update_without_tree(self, data: bytes, parse_range: Callable[[int, int], Tree]) -> Diagnostics | None:
        """What `update` gives for `data`, made without the whole text's tree, when that is
        sure to be the same; None when `update` is needed. Two cases: the text of a state with
        no text diagnostic again (a parenthesis restored); and such a text changed inside one
        function's body, where the field, parsed on its own (`parse_range(start, end)`), has
        no syntax error: then neither has the whole text, and the field's tree is the one a
        whole parse gives (a parse of error-free text is a function of its tokens, and the
        field's end where it ended). A whole re-parse, even incremental, costs what the module
        holds: 0.25 s at 100,000 fields, against this one's field."""
        with self._lock, no_cyclic_gc():
            try:
                return self._without_tree(data, parse_range)
            except Exception:  # as in `update`: the whole `analyse` next
                self._state = self._kept = None
                return None

    def _without_tree(self, data: bytes, parse_range: Callable[[int, int], Tree]) -> Diagnostics | None:
        found = None
        for old in (self._state, self._kept):
            if old is None or not old.clean_text:
                continue
            found = _one_entry(old, data)
            if found == (-1, 0):  # the same text
                self._state, self._kept = old, None
                self.last_mode = "incremental"
                return old.diagnostics
            if old is self._state:
                break
        old = self._state
        if old is None or not old.clean_text or found is None:
            return None
        i, delta = found
        e = old.entries[i]
        if e.base is None or e.base.import_ is not None or not _clean(data[e.start : e.end + delta]):
            return None
        root = parse_range(e.start, e.end + delta).root_node
        f = root.named_child(0) if root.child_count == 1 else None
        if (
            f is None
            or root.has_error
            or f.type != "func"
            or (f.start_byte, f.end_byte) != (e.start, e.end + delta)
        ):
            return None
        if data[e.start : _header_end(f)] != e.header:
            return None
        old_end = self._move(old, i, delta)
        state = _reread(old, data, root, [(i, f)], _Shift(old_end, e.end))
        state.clean_text = True  # was clean, and the changed function is (`_clean`, no error)
        state.module_span = Span(old.module_span.start, old.module_span.end + delta)
        self._state, self._kept = state, None
        self.last_mode = "incremental"
        return _assemble_one(state, data, self._touched)

    def _move(self, old: _State, i: int, delta: int) -> int:
        """Entry `i` grew by `delta` (in place, as the entries after it move): its old end."""
        entries = old.entries
        e = entries[i]
        old_end = e.end
        e.end += delta
        if delta:
            for x in entries[i + 1 :]:
                x.start += delta
                x.end += delta
        self._touched = (i, old_end, e.end)
        return old_end

    def _local(self, old: _State, data: bytes, tree: Tree, node: Node) -> _State | None:
        """`_incremental` when the text differs from `old`'s inside one function's body only,
        found from the texts (C-speed comparisons) instead of function by function: nothing
        is done per function but shifting the entries after it (an edit in a module of
        100,000 functions compared every one of them, 1 s)."""
        found = _one_entry(old, data)
        if found is None:
            return None
        i, delta = found
        if i < 0:  # the same text (a parenthesis restored): nothing to read
            return dataclasses.replace(old, clean_changes=True)
        e = old.entries[i]
        cur = node.walk()
        if cur.goto_first_child_for_byte(e.start) is None:
            return None
        f = cur.node
        if f is None or f.type != "func" or f.start_byte != e.start or f.end_byte != e.end + delta:
            return None
        if tree.root_node.has_error and not f.has_error:
            return None
        if data[e.start : _header_end(f)] != e.header or e.base is None or e.base.import_ is not None:
            return None
        # The text outside [e.start, e.end) is the same, so the tree there is too (a parse is
        # a function of the text before and after the field, which ends where it ended).
        old_end = self._move(old, i, delta)
        return _reread(old, data, node, [(i, f)], _Shift(old_end, e.end))


def _one_entry(old: _State, data: bytes) -> tuple[int, int] | None:
    """(entry, length change) when `data` differs from `old.data` inside one function field
    only, its `(` and `)` untouched; (-1, 0) when the texts are equal; None otherwise."""
    before = old.data
    p = common_prefix(before, data)
    if p == len(before) == len(data):
        return -1, 0
    q = common_suffix(before, data, min(len(before), len(data)) - p)
    i = bisect.bisect_right(old.entries, p, key=lambda e: e.start) - 1
    if i < 0:
        return None
    e = old.entries[i]
    if not (e.start < p and len(before) - q < e.end):
        return None
    return i, len(data) - len(before)


class _Mover:
    """What `_Shift` and `_Moves` share: a diagnostic moved by `offset` past `last`."""

    __slots__ = ()
    last: int

    def offset(self, o: int) -> int:
        raise NotImplementedError

    def diagnostic(self, d: Diagnostic) -> Diagnostic:
        # Called for every diagnostic of the document after a byte added or removed: the
        # common case (nothing related) first, and a new diagnostic made directly
        # (`dataclasses.replace` took 2.6 times as long).
        last, span = self.last, d.span
        if not d.related:
            if span.end <= last:
                return d
            related: tuple[Related, ...] = ()
        else:
            if span.end <= last and all(r.span.end <= last for r in d.related):
                return d
            related = tuple(
                Related(Span(self.offset(r.span.start), self.offset(r.span.end)), r.message)
                for r in d.related
            )
        moved = Span(self.offset(span.start), self.offset(span.end))
        return Diagnostic(d.code, d.message, moved, d.severity, related, d.tags, d.data)


class _Shift(_Mover):
    """`_Remap` for a change inside one function that ended at `old_end` and now ends at
    `new_end`: what lies after it moves by the difference."""

    def __init__(self, old_end: int, new_end: int) -> None:
        self.old_end, self.new_end = old_end, new_end
        self.last = min(old_end - 1, new_end)  # offsets up to here stay where they are

    def offset(self, o: int) -> int:
        return o + self.new_end - self.old_end if o >= self.old_end else min(o, self.new_end)


_NEG = -(1 << 62)


class _Moves(_Mover):
    """The offset maps of `_Shift`s applied one after another, as one (`shifted.Move`): on
    the interval from `at[j]` (ascending; the first unbounded) to the next, `o` goes to
    `o + add[j]`, or to `fixed[j]` when that is not None (what a deletion removed)."""

    __slots__ = ("add", "at", "fixed", "last")

    def __init__(self, at: list[int], add: list[int], fixed: list[int | None]) -> None:
        self.at, self.add, self.fixed = at, add, fixed
        # offsets up to here stay where they are
        if fixed[0] is not None or add[0]:
            self.last = _NEG
        else:
            self.last = at[1] - 1 if len(at) > 1 else -_NEG

    @classmethod
    def shift(cls, old_end: int, new_end: int) -> _Moves:
        """`_Shift(old_end, new_end)`'s map."""
        if new_end >= old_end:
            return cls([_NEG, old_end], [0, new_end - old_end], [None, None])
        return cls([_NEG, new_end, old_end], [0, 0, new_end - old_end], [None, new_end, None])

    def offset(self, o: int) -> int:
        j = bisect.bisect_right(self.at, o) - 1
        fixed = self.fixed[j]
        return o + self.add[j] if fixed is None else fixed

    def then(self, later: shifted.Move[Diagnostic]) -> _Moves:
        assert isinstance(later, _Moves)
        at: list[int] = []
        add: list[int] = []
        fixed: list[int | None] = []

        def piece(lo: int, a: int, f: int | None) -> None:
            if not at or add[-1] != a or fixed[-1] != f:  # (else it goes on as the last one)
                at.append(lo)
                add.append(a)
                fixed.append(f)

        n = len(self.at)
        for j in range(n):
            lo, hi = self.at[j], self.at[j + 1] if j + 1 < n else None
            f = self.fixed[j]
            if f is not None:
                piece(lo, 0, later.offset(f))
                continue
            a = self.add[j]
            # [lo, hi) goes to [lo + a, hi + a): split where `later`'s intervals start
            k = bisect.bisect_right(later.at, lo + a) - 1
            start = lo
            while True:
                lf = later.fixed[k]
                piece(start, 0 if lf is not None else a + later.add[k], lf)
                if k + 1 >= len(later.at):
                    break
                start = later.at[k + 1] - a
                if hi is not None and start >= hi:
                    break
                k += 1
        return _Moves(at, add, fixed)

    __call__ = _Mover.diagnostic


# `_Mover.diagnostic` makes a diagnostic from these fields: a field added must be passed too.
assert [f.name for f in dataclasses.fields(Diagnostic)] == [
    "code", "message", "span", "severity", "related", "tags", "data"
]  # fmt: skip


def _reread(
    old: _State, data: bytes, node: Node, changed: list[tuple[int, Node]], remap: _Remap | _Shift
) -> _State:
    """Read and validate the `changed` functions again (their entries already moved)."""
    entries = old.entries
    clean = True
    for i, f in changed:
        e = entries[i]
        e.key = data[f.start_byte : f.end_byte]
        clean = clean and _clean(e.key)
    reader = _Reader(data, node)
    reader.module = old.module
    tn = reader._types()
    for i, f in changed:
        e = entries[i]
        assert e.base is not None
        # The header as the full read made it, moved; the body is read again.
        func = dataclasses.replace(
            relocate.moved_func(e.base, e.start - e.base_start),
            span=Span(f.start_byte, f.end_byte),
            locals=[],
            body=[],
            body_span=None,
        )
        reader.diags, reader.broken = [], set()
        reader._check_glue(f)
        read_function_body(reader, func, f, tn)
        valid = validate_function(old.module, func, old.ctx, partial=bool(reader.broken))
        new_uses = func_uses(func)
        counts = old.counts
        touched = new_uses.keys() | e.uses.keys() if e.uses is not None else new_uses.keys()
        was = [counts.get(k, 0) > 0 for k in touched]
        if e.uses is not None:
            counts.subtract(e.uses)
        counts.update(new_uses)
        if was != [counts.get(k, 0) > 0 for k in touched]:
            old.flips[0] += 1
        e.uses = new_uses
        e.glue = [_shift(d, -e.start) for d in reader.glue.pop(f.start_byte, [])]
        e.body = [_shift(d, -e.start) for d in reader.diags]
        e.valid = [_shift(d, -e.start) for d in valid]
        e.func, e.broken, e.func_start, e.live = func, bool(reader.broken), e.start, None
    return dataclasses.replace(
        old,
        entries=entries,
        module_diags=[remap.diagnostic(d) for d in old.module_diags],
        module_valid=[remap.diagnostic(d) for d in old.module_valid],
        clean_changes=clean,
    )


def _clean(text: bytes) -> bool:
    """No character `lexical_diagnostics` or `invalid-utf8` would report, no annotation."""
    if _ILLEGAL.search(text) is not None or b"(@" in text:
        return False
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _same_gaps(data: bytes, funcs: list[Node], gaps: list[bytes]) -> bool:
    """`_gaps(data, funcs) == gaps`, without copying the text."""
    prev = 0
    for f, gap in zip(funcs, gaps, strict=False):
        s = f.start_byte
        if s - prev != len(gap) or not data.startswith(gap, prev):
            return False
        prev = f.end_byte
    return len(data) - prev == len(gaps[-1]) and data.startswith(gaps[-1], prev)


def _gaps(data: bytes, funcs: list[Node]) -> list[bytes]:
    out: list[bytes] = []
    prev = 0
    for f in funcs:
        out.append(data[prev : f.start_byte])
        prev = f.end_byte
    out.append(data[prev:])
    return out


class _Remap:
    """Old offsets to new ones when only function fields changed (the gaps are equal), from
    where the function fields were (`starts`, `ends`) and where they are (`new`)."""

    def __init__(self, starts: list[int], ends: list[int]) -> None:
        self.old_starts = starts
        self.old_ends = ends

    def new(self, starts: list[int], ends: list[int]) -> None:
        self.new_starts = starts
        self.new_ends = ends

    def delta(self, o: int) -> int:
        """How far what lies at old offset `o` moved, when it lies between function fields or
        in a function's unchanged header."""
        j = bisect.bisect_right(self.old_starts, o) - 1
        if j < 0:
            return 0
        if o < self.old_ends[j]:
            return self.new_starts[j] - self.old_starts[j]
        return self.new_ends[j] - self.old_ends[j]

    def offset(self, o: int) -> int:
        j = bisect.bisect_right(self.old_starts, o) - 1
        if j < 0:
            return o
        if o < self.old_ends[j]:
            return min(o - self.old_starts[j] + self.new_starts[j], self.new_ends[j])
        return o - self.old_ends[j] + self.new_ends[j]

    def span(self, s: Span) -> Span:
        return Span(self.offset(s.start), self.offset(s.end))

    def diagnostic(self, d: Diagnostic) -> Diagnostic:
        related = tuple(Related(self.span(r.span), r.message) for r in d.related)
        return dataclasses.replace(d, span=self.span(d.span), related=related)


def _full(data: bytes, node: Node, bare: list[Node] | None, funcs: list[Node]) -> _State:
    """Read and validate the whole module, keeping each function's results apart."""
    reader = _Reader(data, node)
    result = reader.read(bare)
    module = result.module
    ctx = ModuleContext(module)
    module_valid = validate_module_fields(ctx)
    by_start = {d.node.start_byte: d for d in reader.declared if d.space == "func"}
    funcs_by_index = {g.index: g for g in module.funcs}
    entries: list[_Entry] = []
    entry_of: dict[int, int] = {}
    for f in funcs:
        s = f.start_byte
        decl = by_start.get(s)
        base = funcs_by_index.get(decl.index) if decl is not None else None
        valid: list[Diagnostic] = []
        cancel.interlude()
        if base is not None:
            entry_of[base.index] = len(entries)
            if base.import_ is None:
                valid = validate_function(module, base, ctx, partial=base.index in result.broken)
        entries.append(
            _Entry(
                data[s : f.end_byte],
                data[s : _header_end(f)],
                s,
                f.end_byte,
                base,
                s,
                [_shift(d, -s) for d in reader.glue.get(s, [])],
                reader.glue_at.get(s, 0),
                [_shift(d, -s) for d in reader.bodies.get(s, [])],
                [_shift(d, -s) for d in valid],
                base,
                base is not None and base.index in result.broken,
                s,
                uses=func_uses(base) if base is not None and base.import_ is None else None,
            )
        )
    counts = module_uses(module)
    for e in entries:
        if e.uses is not None:
            counts.update(e.uses)
    return _State(
        module,
        ctx,
        _gaps(data, funcs),
        entries,
        list(result.diagnostics),
        module_valid,
        [e.start for e in entries],
        [e.end for e in entries],
        entry_of,
        module_candidates(module, data),
        counts,
    )


def _module_diagnostics(st: _State) -> list[Diagnostic]:
    """`ScriptModule.diagnostics` as `analyse` makes them: the reader's, then validation's."""
    return _reader_diagnostics(st) + _validation_diagnostics(st)


def _reader_diagnostics(st: _State) -> list[Diagnostic]:
    """`ReadResult.diagnostics` in the reader's order: module fields, with each function's
    token-separation diagnostics where the reader declared it, then the bodies."""
    out: list[Diagnostic] = []
    done = 0
    for e in st.entries:
        if e.glue:
            out.extend(st.module_diags[done : e.glue_at])
            done = max(done, e.glue_at)
            out.extend(_shift(d, e.start) for d in e.glue)
    out.extend(st.module_diags[done:])
    for e in st.entries:
        if e.body:
            out.extend(_shift(d, e.start) for d in e.body)
    return out


def _validation_diagnostics(st: _State) -> list[Diagnostic]:
    """Validation's, sorted as `validate_module` sorts them (ties: module fields first)."""
    valid = list(st.module_valid)
    for e in st.entries:
        if e.valid:
            valid.extend(_shift(d, e.start) for d in e.valid)
    valid.sort(key=by_span)
    return valid


def _assemble(pre: list[Diagnostic], st: _State, data: bytes) -> list[Diagnostic]:
    """In `analyse`'s order: text, the module's (`_module_diagnostics`), liveness by function,
    then sorted by span (so ties stay in that order). Kept in `st` with `data`."""
    out = pre + _module_diagnostics(st)
    errors = error_starts(out)
    for e in st.entries:
        if e.func is None or e.broken or e.live == [] or has_error_in(errors, e.start, e.end):
            continue
        if e.live is None:
            cancel.interlude()
            e.live, e.live_at = liveness_report(e.func, e.start, e.end, []), e.func_start
        if e.live_at != e.start:
            e.live, e.live_at = [_shift(d, e.start - e.live_at) for d in e.live], e.start
        out.extend(e.live)
    module_errors = _count_errors(errors, st.module_span)
    out.extend(_module_lints(st, _shown(st, module_errors > 0)))
    out.sort(key=by_span)
    st.data, st.diagnostics, st.pre, st.tally = data, out, pre, None
    st.errors = _count_errors(error_starts(out), st.module_span)
    return out


def _same(mine: Diagnostics, given: Sequence[Diagnostic]) -> bool:
    """Whether `given` is `mine`, or the list `mine` was made into (`Document.diagnostics`)."""
    return mine is given or (isinstance(mine, shifted.ShiftedList) and mine.materialised is given)


def _count_errors(errors: list[int], span: Span) -> int:
    """How many of `error_starts` lie in `span`."""
    return bisect.bisect_left(errors, span.end) - bisect.bisect_left(errors, span.start)


def _shown(st: _State, module_error: bool) -> list[int]:
    """The module lints' candidates to show now, as `analyse` would (none when an error
    starts in the module), from the kept candidates and counts."""
    if not st.candidates or module_error:
        return []
    if st.by_counts is None or st.by_counts[0] != st.flips[0]:
        st.by_counts = (st.flips[0], shown(st.candidates, st.counts))
    return st.by_counts[1]


def _module_lints(st: _State, found: list[int]) -> list[Diagnostic]:
    """The diagnostics of candidates `found`, moved from the last full read to where they are."""
    st.shown = found
    if not found:
        return []
    remap = _Remap(st.full_starts, st.full_ends)
    remap.new([e.start for e in st.entries], [e.end for e in st.entries])
    return [remap.diagnostic(st.candidates[k].diagnostic) for k in found]


def _pre_local(st: _State, touched: tuple[int, int, int], pre: list[Diagnostic]) -> bool:
    """Whether the text diagnostics of the last list (`st.pre`) and of the new one (`pre`) lie
    in the changed entry or outside every function field (the module's `(` never closed), so
    that no other function's liveness depends on them (`_assemble_one`)."""
    i, old_end, new_end = touched
    entries = st.entries
    first, last = entries[0], entries[-1]
    start = entries[i].start
    old_last_end = last.end - (new_end - old_end) if i < len(entries) - 1 else old_end
    for d, end, last_end in [(d, old_end, old_last_end) for d in st.pre] + [
        (d, new_end, last.end) for d in pre
    ]:
        at = d.span.start
        if not (start <= at < end or at < first.start or at >= last_end):
            return False
    return True


def _assemble_one(
    st: _State, data: bytes, touched: tuple[int, int, int] | None, pre: list[Diagnostic] | None = None
) -> Diagnostics:
    """`_assemble(pre, st, data)` when `st.diagnostics` (made by `_assemble`) is of the text
    before a change inside entry `touched[0]` only, and the text diagnostics of both lie in
    that entry or outside every function (`_pre_local`; none: `pre` is None and `st.pre`
    empty): the diagnostics starting before it are kept, those after it shifted, and its own
    made again as `_assemble` orders them (nothing per function: 0.5 s at 100,000
    functions)."""
    prev = st.diagnostics
    if touched is None:
        st.data = data
        return prev
    pre = pre or []
    i, old_end, new_end = touched
    e = st.entries[i]
    start, delta = e.start, new_end - old_end

    def within(d: Diagnostic) -> bool:
        return start <= d.span.start < new_end

    key = _span_start
    a = bisect.bisect_left(prev, start, key=key)
    b = bisect.bisect_left(prev, old_end, key=key)
    # The last list's text diagnostics outside the function go (its own are in prev[a:b]).
    gone = [d for d in st.pre if not start <= d.span.start < old_end]
    # Text diagnostics first among equal spans, then the reader's order (module fields, this
    # function's glue where the reader declared it, then its body), validation's (module
    # fields first among equal spans), then liveness.
    mine = [d for d in pre if within(d)]
    mine += [d for d in st.module_diags[: e.glue_at] if within(d)]
    mine += [_shift(d, start) for d in e.glue]
    mine += [d for d in st.module_diags[e.glue_at :] if within(d)]
    mine += [_shift(d, start) for d in e.body]
    valid = [d for d in st.module_valid if within(d)] + [_shift(d, start) for d in e.valid]
    valid.sort(key=by_span)
    mine += valid
    if (
        e.func is not None
        and not e.broken
        and e.live != []
        and not has_error_in(error_starts(mine), start, new_end)
    ):
        if e.live is None:
            e.live, e.live_at = liveness_report(e.func, start, new_end, []), e.func_start
        if e.live_at != start:
            e.live, e.live_at = [_shift(d, start - e.live_at) for d in e.live], start
        mine += e.live
    mine.sort(key=by_span)
    # Errors in the module: the last count, less the function's old ones, plus its new ones
    # (the rest moved with the module's end; counting them all cost 2 passes over 100,000).
    old_span = Span(st.module_span.start, st.module_span.end - delta)
    if st.errors < 0:
        st.errors = _count_errors(error_starts(prev), old_span)
    outside = [d for d in pre if not within(d)]
    errors = (
        st.errors
        - _count_errors(error_starts(prev[a:b] + gone), old_span)
        + _count_errors(error_starts(mine + outside), st.module_span)
    )
    # The module lints depend on every function. When the same candidates are shown, `prev`
    # has them where they are now (moved with the rest) but for those on the function's
    # header (unchanged), which go back among its diagnostics after the others of equal span,
    # as `_assemble` adds them. Else they are all made again (a stable sort of a list in
    # order but for them).
    found = _shown(st, errors > 0) if st.candidates else None
    if found is not None and found == st.shown:
        kept = [d for d in prev[a:b] if d.code in MODULE_CODES]
        if kept:
            mine = sorted(mine + kept, key=by_span)
    # The rest of the list (110,000 at 60 MB) is not copied: a `ShiftedList` of the last
    # one's parts, moved when read (as the module's diagnostics are, `_Shift`: a related span
    # may lie elsewhere). Made whole only where a list is needed.
    head, tail = shifted.parts(prev, 0, a), shifted.parts(prev, b, len(prev))
    if gone:  # (before they move: they are known by object)
        drop = {id(d) for d in gone}
        kept_head = [d for d in prev[:a] if id(d) not in drop]
        kept_tail = [d for d in prev[b:] if id(d) not in drop]
        head, tail = shifted.parts(kept_head, 0, len(kept_head)), shifted.parts(kept_tail, 0, len(kept_tail))
    if delta:
        move = _Moves.shift(old_end, new_end)
        head, tail = shifted.moved(head, move), shifted.moved(tail, move)
    lazy = shifted.ShiftedList([*head, (mine, 0, len(mine), None), *tail])
    out: Diagnostics = lazy
    if gone or outside or (found is not None and found != st.shown) or lazy.heavy:
        out = lazy.materialise()
    before = prev[a:b]
    counted = _tally_one(st.tally, before, mine, outside) if not gone else None
    if found is not None and found != st.shown:
        assert isinstance(out, list)
        out = [d for d in out if d.code not in MODULE_CODES]
        lints = _module_lints(st, found)
        if lints:
            out += lints
            out.sort(key=by_span)
        if counted is not None:
            for k in [k for k in counted if k[0] in MODULE_CODES]:
                del counted[k]
            counted.update(tally(lints))
    for d in outside:  # before the others of equal span, as `_assemble` sorts them
        assert isinstance(out, list)
        out.insert(bisect.bisect_left(out, (d.span.start, d.span.end), key=_span), d)
    st.data, st.diagnostics, st.errors, st.pre, st.tally = data, out, errors, pre, counted
    return out


def _tally_one(
    last: Tally | None, before: list[Diagnostic], mine: list[Diagnostic], outside: list[Diagnostic]
) -> Tally | None:
    """The tally of the last list (`last`, None: not counted) with one function's diagnostics
    `before` replaced by `mine`, and `outside` added."""
    if last is None:
        return None
    out = last.copy()
    out.subtract(tally(before))
    out.update(tally(mine))
    out.update(tally(outside))
    return +out  # (no zero counts)


def _span(d: Diagnostic) -> tuple[int, int]:
    return d.span.start, d.span.end


def _span_start(d: Diagnostic) -> int:
    return d.span.start


def _document(st: _State, tree: Tree) -> Document:
    """The `Document` of `st.data`: the module model of the last full read with its items
    moved where they are now (shared where they did not move), each function as last read."""
    full = st.module
    remap = _Remap(st.full_starts, st.full_ends)
    remap.new([e.start for e in st.entries], [e.end for e in st.entries])
    funcs: list[Func] = []
    for f in full.funcs:
        i = st.entry_of.get(f.index)
        if i is None:  # imported by an `import` field: between function fields
            funcs.append(relocate.moved_func(f, remap.delta(f.span.start)))
        else:
            e = st.entries[i]
            assert e.func is not None
            funcs.append(relocate.moved_func(e.func, e.start - e.func_start))

    def item(x: object) -> object:  # a module-level item (type, table, export, ...), moved
        at = getattr(x, "span", None)
        return relocate.moved(x, remap.delta(at.start)) if isinstance(at, Span) else x

    # Field by field, so that a field added to `Module` later is moved too.
    changes: dict[str, object] = {"span": remap.span(full.span), "funcs": funcs}
    for field in dataclasses.fields(full):
        if field.name not in changes:
            value = getattr(full, field.name)
            changes[field.name] = [item(x) for x in value] if isinstance(value, list) else item(value)
    module = dataclasses.replace(full, **changes)  # type: ignore[arg-type]
    broken = {e.func.index for e in st.entries if e.broken and e.func is not None}
    reader = _reader_diagnostics(st)
    sm = ScriptModule(
        "text", module.span, None, ReadResult(module, reader, broken), reader + _validation_diagnostics(st)
    )
    diagnostics = st.diagnostics
    if isinstance(diagnostics, shifted.ShiftedList):
        diagnostics = diagnostics.materialise()
    return Document(st.data, tree, [sm], diagnostics, _texts(st))


def _texts(st: _State) -> FuncTexts:
    if st.context is None:
        parts: list[bytes] = []
        for gap, e in zip(st.gaps, st.entries, strict=False):
            parts += (gap, e.header)
        parts.append(st.gaps[-1])
        st.context = tuple(parts)
    funcs = [(e.func.index, e.key) for e in st.entries if e.func is not None and e.func.import_ is None]
    return FuncTexts(funcs, st.context)
