"""`struct.get` of a packed (`i8`, `i16`) field → `struct.get_s` or `struct.get_u`, and
`struct.get_s`/`_u` of an unpacked one → `struct.get`; the same for `array.get`
(wasm-language-tools' `fix_packing`, the fix of the validator's `type-mismatch` there). It
applies to code that does not validate, and makes that instruction valid: `fix_packing` picks
the sign-extending read (or drops the suffix), `fix_packing_u` the zero-extending one."""

from __future__ import annotations

from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide.rewrites.base import Rewrite, innermost, path_to, text
from wat_lsp.analysis.model import ArrayType, FieldType, Module, Span, StructType
from wat_lsp.passes import targets
from wat_lsp.passes.edits import TextEdit

_READS = frozenset({"struct.get", "struct.get_s", "struct.get_u", "array.get", "array.get_s", "array.get_u"})


def _field(m: Module, name: str, imms: tuple[object, ...]) -> FieldType | None:
    t = imms[0] if imms else None
    comp = m.types[t].comp if isinstance(t, int) and 0 <= t < len(m.types) else None
    if name.startswith("array.") and isinstance(comp, ArrayType):
        return comp.elem
    f = imms[1] if len(imms) > 1 else None
    if isinstance(comp, StructType) and isinstance(f, int) and 0 <= f < len(comp.fields):
        return comp.fields[f]
    return None


_INSTRS = frozenset({"plain_instr", "folded_instr"})


def _fixed(doc: Document, offset: int, suffix: str) -> list[TextEdit]:
    path = path_to(doc, offset)
    i = innermost(path, _INSTRS)
    op = path[i].child_by_field_name("op") if i is not None else None
    if op is None or text(doc, op) not in _READS:
        return []  # (before looking for the function: this is asked at every cursor move)
    sm = targets.module_at(doc, Span(offset, offset))
    if sm is None or sm.read is None or sm.expects_failure:
        return []
    m = sm.read.module
    func = next((f for f in m.funcs if f.import_ is None and f.span.start <= offset < f.span.end), None)
    ins = next((i for i in func.body if i.start == op.start_byte), None) if func is not None else None
    field = _field(m, ins.op.name, ins.imms) if ins is not None else None
    if ins is None or field is None or not doc.data.startswith(ins.op.name.encode(), ins.start):
        return []
    base = ins.op.name.split("_")[0]  # struct.get / array.get
    packed = field.storage in ("i8", "i16")
    if packed and ins.op.name == base:
        new = base + suffix
    elif not packed and ins.op.name != base and suffix == "_s":
        new = base
    else:
        return []
    return [TextEdit(ins.start, ins.start + len(ins.op.name), new)]


FIX_PACKING = Rewrite.by_edits(
    "fix_packing", "Read the field with the right packing (`_s` for a packed one)",
    lambda doc, offset: _fixed(doc, offset, "_s"), same_binary=False,
)  # fmt: skip
FIX_PACKING_U = Rewrite.by_edits(
    "fix_packing_u", "Read the packed field zero-extended (`_u`)",
    lambda doc, offset: _fixed(doc, offset, "_u"), same_binary=False,
)  # fmt: skip
