"""`remove-unused-locals`: delete declared locals that are never read or written.

The removal half of Binaryen's `reorder-locals` (which also sorts locals by use; this pass
keeps the order). `never_read_edits` removes a local that is written but never read the
same way, its `local.set`s becoming `drop`s and its `local.tee`s going (the `never-read` fix). Params never change. Removing a local shifts the indices of the locals
after it, so every numeric `local.get`/`local.set`/`local.tee` index above a removed one is
rewritten; `$name` references stay as they are. A declaration listing several types
(`(local i32 i64 f32)`) loses only the unused types; a declaration left empty goes whole,
with its line when it stood alone on it. Comments inside what goes stay in its place
(`removals`).
"""

from __future__ import annotations

import re

from wat_lsp.analysis.diagnostics import Diagnostic
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.model import Func
from wat_lsp.passes.edits import OverlappingEdits, TextEdit, sort_edits
from wat_lsp.passes.removals import decl_ranges, join_ranges, removal_keeping_comments, store_edits
from wat_lsp.passes.targets import as_document, func_at, readable_funcs

NAME = "remove-unused-locals"
DESCRIPTION = "remove locals that are never read or written, renumbering numeric local indices"
CODE = "unused-local"
_LOCAL_OPS = ("local.get", "local.set", "local.tee")
_INDEX = re.compile(rb"(?<![\w$.])(0x[0-9a-fA-F](?:_?[0-9a-fA-F])*|[0-9](?:_?[0-9])*)\s*$")


def unused_locals(func: Func) -> list[int]:
    """Indices of declared (non-param) locals no instruction reads or writes."""
    used: set[int] = set()
    for ins in func.body:
        if ins.op.name in _LOCAL_OPS and ins.imms and isinstance(ins.imms[0], int):
            if ins.imms[0] < 0:
                return []  # an unresolved reference might mean any local
            used.add(ins.imms[0])
    return [d.index for d in func.locals if d.index not in used]


def func_edits(doc: Document, func: Func, only: set[int] | None = None) -> list[TextEdit]:
    """Edits removing the unused locals of `func` (those in `only`, when given)."""
    if func.import_ is not None:
        return []
    unused = set(unused_locals(func))
    return removal_edits(doc, func, unused if only is None else unused & only)


def removal_edits(doc: Document, func: Func, removed: set[int]) -> list[TextEdit]:
    """Edits deleting the declarations of the locals `removed` and renumbering the numeric
    indices above them (the accesses of the removed locals themselves are the caller's)."""
    if not removed:
        return []
    ranges = decl_ranges(doc, func, removed)
    if ranges is None:
        return []
    data = doc.data
    removals = [removal_keeping_comments(doc, s, e) for s, e in join_ranges(data, ranges)]
    edits = [r for r in removals if r is not None]
    if len(edits) < len(removals):
        return []  # a comment that is not UTF-8 inside: leave the declarations as they are
    order = sorted(removed)
    for ins in func.body:
        if ins.op.name not in _LOCAL_OPS or not ins.imms or not isinstance(ins.imms[0], int):
            continue
        x = ins.imms[0]
        shift = sum(1 for r in order if r < x)
        if not shift or x in removed:
            continue
        m = _INDEX.search(data, ins.start, ins.end)
        if m is None:
            continue  # written as $name: nothing to renumber
        edits.append(TextEdit(m.start(1), m.end(1), str(x - shift)))
    return edits


def quick_fix(data: bytes | Document, diag: Diagnostic) -> list[TextEdit]:
    """Remove the one local an `unused-local` diagnostic is about."""
    doc = as_document(data)
    f, x = diag.data.get("func"), diag.data.get("local")
    if diag.code != CODE or not isinstance(f, int) or not isinstance(x, int):
        return []
    fn = func_at(doc, diag.span, f)
    return func_edits(doc, fn, {x}) if fn is not None else []


def run(doc: Document) -> list[TextEdit]:
    """The pass over every function of every module (registry entry)."""
    edits: list[TextEdit] = []
    for f in readable_funcs(doc):
        edits.extend(func_edits(doc, f))
    return edits


def never_read_locals(func: Func) -> list[int]:
    """Indices of declared (non-param) locals that are written but never read."""
    read: set[int] = set()
    written: set[int] = set()
    for ins in func.body:
        if ins.op.name in _LOCAL_OPS and ins.imms and isinstance(ins.imms[0], int):
            if ins.imms[0] < 0:
                return []  # an unresolved reference might mean any local
            (read if ins.op.name == "local.get" else written).add(ins.imms[0])
    return [d.index for d in func.locals if d.index in written and d.index not in read]


def never_read_edits(doc: Document, func: Func, only: set[int] | None = None) -> list[TextEdit]:
    """Edits removing the written-but-never-read locals of `func` (those in `only`, when
    given): the declarations go, each `local.set` of them becomes `drop` (its value is still
    computed), each `local.tee` goes (its value stays on the stack). All or nothing."""
    if func.import_ is not None:
        return []
    targets = set(never_read_locals(func))
    removed = targets if only is None else targets & only
    edits = removal_edits(doc, func, removed)
    if not edits:
        return []
    for ins in func.body:
        if ins.op.name in ("local.set", "local.tee") and ins.imms and ins.imms[0] in removed:
            store = store_edits(doc.data, ins)
            if not store:
                return []
            edits.extend(store)
    try:
        sort_edits(edits)
    except OverlappingEdits:  # e.g. two unfolded tees on one line: leave it to the user
        return []
    return edits


def never_read_quick_fix(data: bytes | Document, diag: Diagnostic) -> list[TextEdit]:
    """Remove the one local a `never-read` diagnostic is about, and its stores."""
    doc = as_document(data)
    f, x = diag.data.get("func"), diag.data.get("local")
    if diag.code != "never-read" or not isinstance(f, int) or not isinstance(x, int):
        return []
    fn = func_at(doc, diag.span, f)
    return never_read_edits(doc, fn, {x}) if fn is not None else []
