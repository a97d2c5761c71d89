"""What a rewrite is, and the syntax-tree helpers the rewrites share (decision 41).

A rewrite is a refactoring at the cursor that needs no dialogue: `applies(doc, offset)`
answers cheaply, from the syntax tree and the model, whether it would do anything there;
`edits(doc, offset)` gives the text edits (empty where it does not apply). Both take the
analysed `Document`, so a rewrite can check names and types with the model, and the editor
lists and applies it like the passes' actions.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass

from tree_sitter import Node
from wat_lsp.analysis import cst
from wat_lsp.analysis.diagnostics import Diagnostic, Severity
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.model import BlockType, Func, FuncType, Instr, Module, Span, ValType
from wat_lsp.analysis.opcodes import Flag
from wat_lsp.passes import targets
from wat_lsp.passes.edits import TextEdit

COMMENTS = frozenset({"comment", "block_comment", "annotation"})


@dataclass(frozen=True, slots=True)
class Rewrite:
    name: str  # as wasm-language-tools names it, where it has one
    title: str  # the editor's menu entry
    applies: Callable[[Document, int], bool]
    edits: Callable[[Document, int], list[TextEdit]]
    same_binary: bool = True  # whether `wasm-tools parse` gives the same binary, names aside
    # For a rewrite that can act on a selection: its edits for [start, end) (empty where it
    # does not apply); without one, a selection is taken at its start.
    in_range: Callable[[Document, int, int], list[TextEdit]] | None = None

    def applies_in(self, doc: Document, start: int, end: int) -> bool:
        if self.in_range is not None and end > start:
            return bool(self.in_range(doc, start, end))
        return self.applies(doc, start)

    def edits_in(self, doc: Document, start: int, end: int) -> list[TextEdit]:
        if self.in_range is not None and end > start:
            return self.in_range(doc, start, end)
        return self.edits(doc, start)

    # What it acts on at an offset when many offsets give the same edits (an item's `Key`), or
    # None where it does not apply: the corpus test asks for the edits once per target.
    target: Callable[[Document, int], Hashable | None] | None = None

    @classmethod
    def by_edits(
        cls, name: str, title: str, edits: Callable[[Document, int], list[TextEdit]], same_binary: bool = True
    ) -> Rewrite:
        """A rewrite that applies wherever it has edits (no cheaper test than making them)."""
        return cls(name, title, lambda doc, offset: bool(edits(doc, offset)), edits, same_binary)


class _Path(list[Node]):
    """A `path_to` answer, whose copies share where the innermost named node of each type is
    (found once: the rewrites listed at a cursor ask `innermost` a dozen times, and at the
    bottom of 100,000 nested operands each asking walked the 100,000 levels)."""

    __slots__ = ("cell", "size")

    def __init__(self, nodes: list[Node], cell: list[dict[str, int] | None]) -> None:
        super().__init__(nodes)
        self.cell = cell
        self.size = len(nodes)


def path_to(doc: Document, offset: int) -> list[Node]:
    """The nodes from the root down to the smallest one holding `offset`."""
    memo: tuple[Document, int, _Path] | None = getattr(_paths, "memo", None)
    if memo is not None and memo[0] is doc and memo[1] == offset:
        return _Path(memo[2], memo[2].cell)
    root = doc.tree.root_node
    target = root.descendant_for_byte_range(offset, offset)
    path = _Path([root] if target is None else cst.path(root, target), [None])
    if getattr(_paths, "on", False):
        _paths.memo = (doc, offset, _Path(path, path.cell))
    return path


_paths = threading.local()  # `one_path`'s memo, per worker thread


@contextlib.contextmanager
def one_path() -> Iterator[None]:
    """Within the block, `path_to` is computed once per document and offset: every rewrite
    asks for the path at the cursor, which is a node per level (100,000 nested blocks: 0.1 s
    each). Nothing is kept after it."""
    _paths.on = True
    try:
        yield
    finally:
        _paths.on = False
        _paths.memo = None


def innermost(path: list[Node], kinds: frozenset[str]) -> int | None:
    """The position in `path` of its innermost named node of a type in `kinds` (a form, not
    its keyword token, which has the same type)."""
    if isinstance(path, _Path) and len(path) == path.size:  # (not cut or grown since `path_to`)
        last = path.cell[0]
        if last is None:
            last = path.cell[0] = {n.type: i for i, n in enumerate(path) if n.is_named}
        found = [last[k] for k in kinds if k in last]
        return max(found) if found else None
    return next((i for i in range(len(path) - 1, -1, -1) if path[i].is_named and path[i].type in kinds), None)


def clean(node: Node) -> bool:
    """Whether `node` has no syntax error and no comment inside, so rewriting its text loses
    nothing."""
    if node.has_error:
        return False
    stack = [node]
    while stack:  # (bounded by the node's size, not recursive)
        n = stack.pop()
        if n.type in COMMENTS:
            return False
        stack.extend(cst.children(n))
    return True


def text(doc: Document, node: Node) -> str:
    return cst.text(doc.data, node)


def func_at(
    doc: Document, offset: int, wanted: Callable[[Diagnostic], bool] | None = None
) -> tuple[Module, Func] | None:
    """The defined function around `offset`, in a module that must validate and with no error
    inside it (a rewrite of broken code could only guess); or, given `wanted`, with at least
    one diagnostic inside it for which `wanted` holds (a rewrite that fixes it)."""
    sm = targets.module_at(doc, Span(offset, offset))
    if sm is None or sm.read is None or sm.expects_failure:
        return None
    m = sm.read.module
    f = next((f for f in m.funcs if f.import_ is None and f.span.start <= offset < f.span.end), None)
    if f is None or f.index in sm.read.broken:
        return None
    inside = (d for d in sm.diagnostics if f.span.start <= d.span.start < f.span.end)
    if wanted is not None:
        return (m, f) if any(wanted(d) for d in inside) else None
    if any(d.severity == Severity.ERROR for d in inside):
        return None
    return m, f


def enclosing(func: Func, index: int) -> list[int]:
    """The blocks around `func.body[index]`, innermost first (by `match`, without recursion):
    the targets of label depths 0, 1, ..."""
    out: list[int] = []
    body = func.body
    j = index - 1
    while j >= 0:
        flags = body[j].op.flags
        if flags & Flag.BLOCK_END and 0 <= body[j].match < j:
            j = body[j].match  # a whole block before: skip it, start included
        elif flags & Flag.BLOCK_START:
            out.append(j)
        j -= 1
    return out


def label_types(m: Module, func: Func, index: int, depth: int) -> tuple[ValType, ...] | None:
    """The types a branch of relative `depth` at `func.body[index]` carries; None if unknown."""
    blocks = enclosing(func, index)
    if depth == len(blocks):
        return func.results
    if not 0 <= depth < len(blocks):
        return None
    start = func.body[blocks[depth]]
    bt = start.imms[0] if start.imms else None
    if not isinstance(bt, BlockType):
        return None
    params, results = bt.params, bt.results
    if bt.type_idx is not None:
        comp = m.types[bt.type_idx].comp if 0 <= bt.type_idx < len(m.types) else None
        if not isinstance(comp, FuncType):
            return None
        params, results = comp.params, comp.results
    return tuple(params) if start.op.name == "loop" else tuple(results)


def label_text(doc: Document, ins: Instr) -> str:
    """The label immediate of a branch as written (`$l` or a depth)."""
    return doc.data[ins.start : ins.end].decode("utf-8", "replace").split(None, 1)[1].strip()


def shifted(label: str, by: int) -> str:
    """A label written as a depth, moved `by` levels; a name stays as it is."""
    return str(int(label) + by) if label.isdigit() else label


def indent_of(doc: Document, node: Node) -> str | None:
    """The blanks before `node` when it starts its line, else None."""
    line = doc.data.rfind(b"\n", 0, node.start_byte) + 1
    lead = doc.data[line : node.start_byte]
    return lead.decode() if not lead.strip() else None
