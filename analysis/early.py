"""A `Document` to answer from before the analysis is done: the module context read, each
function's body read the first time someone looks at it, no diagnostics.

The first analysis of a big module takes seconds (10 MB: reading every body about 3 s,
validating and the rest as much again), and a request about one function needs only the
module context (types, every field's header and signature: about 0.5 s on 10 MB) and that
function's locals and instructions ([decision 48](../docs/decisions/0048-answer-before-the-analysis.md)).
`early_document` reads the module as `reader.ModuleReader.read` does but for the bodies: each
defined function is an `EarlyFunc` whose `locals`, `body` and `body_span` are read by
`reader.read_function_body` on first use, against the same reader, so they equal what the
whole read gives (a body reads the module context only: implicit types come from signatures,
which are read before any body).

The model it holds is the one `analyse` makes for the same text; what it lacks is every
diagnostic (`Document.diagnostics`, `ScriptModule.diagnostics` and the reader's are empty),
and `ReadResult.broken` holds only the functions read so far. So only answers made from the
model of the functions they look at may use it: hover, definition, signature help, inlay
hints, a token range... (`Snapshot.early` in the server), not code actions or anything that
reads diagnostics or every function.
"""

from __future__ import annotations

import threading
from typing import Any

from tree_sitter import Node, Tree
from wat_lsp.analysis import cst
from wat_lsp.analysis.body import INSTR_NODES
from wat_lsp.analysis.document import _CONTAINERS, Document, ScriptModule, is_wast_command
from wat_lsp.analysis.model import Func, LocalDecl
from wat_lsp.analysis.reader import ModuleReader, ReadResult, read_function_body
from wat_lsp.analysis.types_reader import TypeNames

_LAZY = frozenset({"locals", "body", "body_span"})
_SLOT = {n: Func.__dict__[n] for n in _LAZY}  # Func's slot descriptors (set or unset)


class _Bodies:
    """What reading one body needs: the module's reader and its type names, behind a lock
    (the two worker threads may ask at once, and the reader keeps state while it reads)."""

    def __init__(self, reader: ModuleReader, nodes: dict[int, Node]) -> None:
        self.reader = reader
        self.nodes = nodes  # function index -> its field node
        self.tn: TypeNames | None = None
        self.lock = threading.Lock()
        self.read = 0  # bodies read so far (tests: an answer about one function reads few)

    def _reader(self) -> tuple[ModuleReader, TypeNames]:
        """The reader, its diagnostics emptied, and the type names (made on first use); with
        the lock held."""
        if self.tn is None:
            self.tn = self.reader._types()
        self.reader.diags = []
        return self.reader, self.tn

    def fill(self, f: EarlyFunc) -> None:
        with self.lock:
            try:
                _SLOT["body"].__get__(f, Func)
                return  # another thread read it while this one waited
            except AttributeError:
                pass
            reader, tn = self._reader()
            _SLOT["body_span"].__set__(f, None)  # (left so by a body without instructions)
            read_function_body(reader, f, self.nodes[f.index], tn)
            reader.diags = []
            self.read += 1

    def fill_locals(self, f: EarlyFunc) -> None:
        """Only `f`'s locals, as `read_function_body` reads them (document symbols list them
        for every function): the body's top-level forms are stepped over, not read."""
        with self.lock:
            try:
                _SLOT["locals"].__get__(f, Func)
                return  # read with the body, or by another thread meanwhile
            except AttributeError:
                pass
            reader, tn = self._reader()
            locals_: list[LocalDecl] = []
            first = len(f.params)
            cursor = self.nodes[f.index].walk()
            more = cursor.goto_first_child()
            while more:  # (`local` after an instruction is malformed, and read all the same)
                k = cursor.node
                if k is not None and k.kind_id in _LOCALS and not (k.is_error or k.is_missing):
                    locals_ += reader._decls(k, tn, first + len(locals_), False)
                more = cursor.goto_next_sibling()
            _SLOT["locals"].__set__(f, locals_)
            reader.diags = []


class _ContextReader(ModuleReader):
    """The module reader without the token-separation scan of each field: it only makes
    diagnostics, which an early document has none of, and walks every body (half the context's
    time on 10 MB)."""

    def _check_glue(self, field_node: Node) -> None:
        pass


class EarlyFunc(Func):
    """A defined function whose `locals`, `body` and `body_span` are read on first use
    (`__getattr__` is called by Python only for a slot not set yet). A `Func` in every other
    respect: equal to the one the whole read makes."""

    __slots__ = ("_bodies",)
    _bodies: _Bodies

    def __getattr__(self, name: str) -> Any:
        if name not in _LAZY:
            raise AttributeError(name)
        if name == "locals":
            self._bodies.fill_locals(self)
        else:
            self._bodies.fill(self)
        return _SLOT[name].__get__(self, Func)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Func):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in _FIELDS)

    __hash__ = None  # type: ignore[assignment]  # as Func's: mutable and compared by value


_FIELDS = tuple(Func.__dataclass_fields__)


def early_document(data: bytes, tree: Tree) -> Document | None:
    """The model of a document holding one text module (`(module ...)` or bare fields), its
    bodies read on demand; None for anything else (scripts, several modules, nothing), whose
    answers wait for the analysis."""
    root = tree.root_node
    nodes = cst.named(root)
    if not nodes:
        return None
    if len(nodes) == 1 and nodes[0].type == "module":
        node, bare = nodes[0], None
    elif all(n.type not in _CONTAINERS and not is_wast_command(n) for n in nodes):
        node, bare = root, nodes
    else:
        return None
    reader = _ContextReader(data, node)
    reader.read_context(bare)
    defined = {d.index: d.node for d in reader.declared if d.space == "func" and d.import_node is None}
    bodies = _Bodies(reader, defined)
    funcs: list[Func] = []
    for f in reader.module.funcs:
        if f.index in defined:
            e = EarlyFunc.__new__(EarlyFunc)
            for name in _FIELDS:
                if name not in _LAZY:
                    setattr(e, name, getattr(f, name))
            e._bodies = bodies
            funcs.append(e)
        else:
            funcs.append(f)
    funcs.sort(key=lambda f: f.index)
    reader.module.funcs = funcs
    result = ReadResult(reader.module, [], reader.broken)
    return Document(data, tree, [ScriptModule("text", cst.span(node), None, result)], [])


def body_start(f: Func) -> int | None:
    """Where `f.body_span` starts (None: no instruction), without reading the body of an
    `EarlyFunc` not read yet: its first instruction's node, as `read_function_body` finds it
    (what lays a document out function by function, `function_cache`, needs of each)."""
    if isinstance(f, EarlyFunc):
        try:
            span = _SLOT["body_span"].__get__(f, Func)
        except AttributeError:
            return _first_instruction(f._bodies.nodes[f.index])
    else:
        span = f.body_span
    return None if span is None else span.start


_INSTRS = cst.kind_ids(INSTR_NODES)
_LOCALS = cst.kind_ids(("local",))


def _first_instruction(node: Node) -> int | None:
    """Where the first instruction among `cst.named(node)` starts, stepping over the header only."""
    cursor = node.walk()
    more = cursor.goto_first_child()
    while more:
        c = cursor.node
        if c is not None and c.kind_id in _INSTRS and not (c.is_error or c.is_missing):
            return c.start_byte
        more = cursor.goto_next_sibling()
    return None


def bodies_read(doc: Document) -> int:
    """How many function bodies of an `early_document` have been read (0 for any other)."""
    for m in doc.modules:
        if m.read is not None:
            for f in m.read.module.funcs:
                if isinstance(f, EarlyFunc):
                    return f._bodies.read
    return 0
