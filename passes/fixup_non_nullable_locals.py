"""`fixup-non-nullable-locals`: make locals that break the 1a rule nullable.

Binaryen's `handleNonDefaultableLocals`: for each declared local (never a param) with an
`uninitialized-local` error, its declared type becomes nullable (`(ref $t)` becomes
`(ref null $t)`), and every `local.get` and `local.tee` of it is followed by
`ref.as_non_null`, so each keeps the non-null type it had and the rest of the function
validates unchanged. A get that read an unset local now traps at run time where the engine
would have rejected the module.

Edits only insert text: a folded `(local.get $x)` becomes `(ref.as_non_null (local.get $x))`,
a plain `local.get $x` becomes `local.get $x ref.as_non_null` on the same line.
"""

from __future__ import annotations

from tree_sitter import Node
from wat_lsp.analysis.diagnostics import Diagnostic, Severity
from wat_lsp.analysis.document import Document, ScriptModule
from wat_lsp.analysis.model import LocalDecl, Module, RefType
from wat_lsp.passes.edits import TextEdit
from wat_lsp.passes.targets import as_document, func_of, module_at

NAME = "fixup-non-nullable-locals"
DESCRIPTION = (
    "make locals that are read before the spec's 1a rule considers them set nullable, "
    "wrapping their gets and tees in ref.as_non_null"
)
CODE = "uninitialized-local"


def _type_node(doc: Document, decl: LocalDecl) -> Node | None:
    """The `ref_type` node of a declaration: the span itself, or the type inside `(local $x t)`."""
    node = doc.tree.root_node.descendant_for_byte_range(decl.span.start, decl.span.end)
    if node is None:
        return None
    if decl.name is not None and node.type in ("local", "param"):
        kids = [k for k in node.named_children if k.type == "ref_type"]
        node = kids[-1] if len(kids) == 1 else None
    return node if node is not None and node.type == "ref_type" else None


def _nullable_edit(doc: Document, decl: LocalDecl) -> TextEdit | None:
    node = _type_node(doc, decl)
    if node is None:
        return None
    children = node.children
    if any(c.type == "null" for c in children):
        return None
    ref = next((c for c in children if c.type == "ref"), None)
    if ref is None:
        return None
    return TextEdit(ref.end_byte, ref.end_byte, " null")


def local_edits(doc: Document, module: Module, func_index: int, local: int) -> list[TextEdit]:
    """The edits that make one local of one function nullable, gets and tees wrapped."""
    func = func_of(module, func_index)
    if func is None or func.import_ is not None:
        return []
    decls = func.all_locals
    if not 0 <= local < len(decls):
        return []
    decl = decls[local]
    if decl.is_param or not isinstance(decl.type, RefType) or decl.type.nullable:
        return []
    decl_edit = _nullable_edit(doc, decl)
    if decl_edit is None:
        return []
    edits = [decl_edit]
    for ins in func.body:
        if ins.op.name not in ("local.get", "local.tee") or not ins.imms or ins.imms[0] != local:
            continue
        if ins.folded:
            edits.append(TextEdit(ins.ostart, ins.ostart, "(ref.as_non_null "))
            edits.append(TextEdit(ins.oend, ins.oend, ")"))
        else:
            edits.append(TextEdit(ins.end, ins.end, " ref.as_non_null"))
    return edits


def _target(diag: Diagnostic) -> tuple[int, int] | None:
    f, x = diag.data.get("func"), diag.data.get("local")
    if diag.code != CODE or not isinstance(f, int) or not isinstance(x, int):
        return None
    return f, x


def quick_fix(data: bytes | Document, diag: Diagnostic) -> list[TextEdit]:
    """Fix the local one `uninitialized-local` diagnostic is about (every get of it)."""
    doc = as_document(data)
    target = _target(diag)
    m = module_at(doc, diag.span)
    if target is None or m is None or m.read is None:
        return []
    return local_edits(doc, m.read.module, *target)


def _module_edits(doc: Document, m: ScriptModule, start: int, end: int) -> list[TextEdit]:
    if m.read is None:
        return []
    seen: set[tuple[int, int]] = set()
    edits: list[TextEdit] = []
    for d in m.diagnostics:
        target = _target(d)
        if target is None or target in seen or d.span.end < start or d.span.start > end:
            continue
        seen.add(target)
        edits.extend(local_edits(doc, m.read.module, *target))
    return edits


def fixes_in_range(data: bytes | Document, start: int, end: int) -> list[TextEdit]:
    """Fixes for every local with an `uninitialized-local` error touching bytes [start, end]."""
    doc = as_document(data)
    edits: list[TextEdit] = []
    for m in doc.modules:
        if m.kind == "text" and not m.expects_failure and m.span.start <= end and start <= m.span.end:
            edits.extend(_module_edits(doc, m, start, end))
    return edits


def fix_all(data: bytes | Document) -> list[TextEdit]:
    """Fixes for every local with an `uninitialized-local` error in the document.

    Modules a script expects to be invalid or malformed are left alone.
    """
    doc = as_document(data)
    return fixes_in_range(doc, 0, len(doc.data))


def run(doc: Document) -> list[TextEdit]:
    """The pass over a whole document (registry entry)."""
    return fix_all(doc)


def has_errors(doc: Document) -> bool:
    return any(d.code == CODE and d.severity == Severity.ERROR for d in doc.diagnostics)
