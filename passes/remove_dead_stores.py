"""`remove-dead-stores`: drop stores to locals that no `local.get` can read.

What Binaryen's `coalesce-locals`/`simplify-locals` do to a set nobody reads, on its own:
`local.set $x` becomes `drop` (the value is still computed, so its effects stay), and
`local.tee $x` disappears, leaving its operand's value on the stack (a subtype of the
local's type, which validation accepts wherever the local's type was); comments between
the mnemonic and the index stay (`removals.store_edits`). Only stores that
`liveness` reports as `dead-store` change: reachable code, defaultable locals, functions
whose control flow is modelled exactly. The quick fix applies the same edits to one store.
"""

from __future__ import annotations

from wat_lsp.analysis.diagnostics import Diagnostic
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.liveness import func_diagnostics
from wat_lsp.analysis.model import Func
from wat_lsp.passes.edits import TextEdit
from wat_lsp.passes.removals import store_edits
from wat_lsp.passes.targets import as_document, func_at, readable_funcs

NAME = "remove-dead-stores"
DESCRIPTION = "turn local.set of values nobody reads into drop, remove such local.tee"
CODE = "dead-store"


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
