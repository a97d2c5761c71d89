"""`remove-dead-stores`: drop stores to locals that no `local.get` can read.

What Binaryen's `coalesce-locals`/`simplify-locals` do to a set nobody reads, on its own:
`local.set $x` becomes `drop` (the value is still computed, so its effects stay), and
`local.tee $x` disappears, leaving its operand's value on the stack (a subtype of the
local's type, which validation accepts wherever the local's type was). Only stores that
`liveness` reports as `dead-store` change: reachable code, defaultable locals, functions
whose control flow is modelled exactly. The quick fix applies the same edits to one store.
"""

from __future__ import annotations

from wat_lsp.analysis.diagnostics import Diagnostic
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.liveness import func_diagnostics
from wat_lsp.analysis.model import Func, Instr
from wat_lsp.passes.edits import TextEdit, removal
from wat_lsp.passes.targets import as_document, func_at, readable_funcs

NAME = "remove-dead-stores"
DESCRIPTION = "turn local.set of values nobody reads into drop, remove such local.tee"
CODE = "dead-store"


def _space_before(data: bytes, pos: int) -> int:
    while pos > 0 and data[pos - 1 : pos] in (b" ", b"\t"):
        pos -= 1
    return pos


def _space_after(data: bytes, pos: int) -> int:
    while pos < len(data) and data[pos : pos + 1] in (b" ", b"\t"):
        pos += 1
    return pos


def store_edits(data: bytes, ins: Instr) -> list[TextEdit]:
    """The edits removing one store `ins` (a `local.set` or `local.tee`)."""
    if ins.op.name == "local.set":
        return [TextEdit(ins.start, ins.end, "drop")]
    if ins.op.name != "local.tee":
        return []
    if not ins.folded:
        return [removal(data, ins.start, ins.end)]
    if data[ins.oend - 1 : ins.oend] != b")" or data[ins.ostart : ins.ostart + 1] != b"(":
        return []
    return [TextEdit(ins.ostart, _space_after(data, ins.end), ""),
            TextEdit(_space_before(data, ins.oend - 1), ins.oend, "")]  # fmt: skip


def func_edits(data: bytes, func: Func, only: int | None = None) -> list[TextEdit]:
    edits: list[TextEdit] = []
    for d in func_diagnostics(func, never_read=False):  # a never-read local's stores too
        i = d.data.get("instr")
        if d.code == CODE and isinstance(i, int) and (only is None or i == only):
            edits.extend(store_edits(data, func.body[i]))
    return edits


def quick_fix(data: bytes | Document, diag: Diagnostic) -> list[TextEdit]:
    """Remove the one store a `dead-store` diagnostic is about."""
    doc = as_document(data)
    f, i = diag.data.get("func"), diag.data.get("instr")
    if diag.code != CODE or not isinstance(f, int) or not isinstance(i, int):
        return []
    fn = func_at(doc, diag.span, f, valid_only=True)
    return func_edits(doc.data, fn, i) if fn is not None else []


def run(doc: Document) -> list[TextEdit]:
    edits: list[TextEdit] = []
    for f in readable_funcs(doc, valid_only=True):
        edits.extend(func_edits(doc.data, f))
    return edits
