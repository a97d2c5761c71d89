"""What validating one function needs to know about its module, computed once per module.

A function's diagnostics depend only on its own text and this context (types, function
signatures, globals, tables, memories, tags, segments, the set of declared function
references), so a document can re-validate one edited function against a cached context.
"""

from __future__ import annotations

from wat_lsp.analysis.model import (
    UNRESOLVED,
    FuncType,
    Instr,
    Module,
    RefType,
    ValType,
)
from wat_lsp.analysis.subtyping import TypeTable


class ModuleContext:
    """Module-level facts the instruction rules consult; built in one linear pass."""

    def __init__(self, module: Module) -> None:
        self.module = module
        self.types = TypeTable(module)
        # per function index: its signature (None when the type is unknown or not a function)
        self.func_sigs: list[FuncType | None] = []
        for f in module.funcs:
            self.func_sigs.append(self.types.func(f.type_idx))
        self.globals: list[tuple[ValType, bool]] = [(g.type, g.mutable) for g in module.globals]
        self.tables: list[tuple[str, RefType]] = [(t.addr, t.elem_type) for t in module.tables]
        self.memories: list[str] = [m.addr for m in module.memories]
        self.tag_sigs: list[FuncType | None] = [self.types.func(t.type_idx) for t in module.tags]
        self.elem_types: list[RefType] = [e.elem_type for e in module.elems]
        self.data_count = len(module.datas)
        self.declared_refs = declared_function_refs(module)

    def func_name(self, index: int) -> str:
        if 0 <= index < len(self.module.funcs):
            name = self.module.funcs[index].name
            if name is not None:
                return f"${name}"
        return str(index)

    def space_name(self, space: str, index: int) -> str:
        items: list[object] = {
            "func": self.module.funcs,
            "global": self.module.globals,
            "table": self.module.tables,
            "memory": self.module.memories,
            "tag": self.module.tags,
            "elem": self.module.elems,
            "data": self.module.datas,
        }.get(space, [])  # type: ignore[assignment]
        if 0 <= index < len(items):
            name = getattr(items[index], "name", None)
            if name is not None:
                return f"${name}"
        return str(index)


def _ref_funcs(exprs: list[Instr], out: set[int]) -> None:
    for ins in exprs:
        x = ins.imms[0] if ins.op.name == "ref.func" and ins.imms else None
        if isinstance(x, int) and x != UNRESOLVED:
            out.add(x)


def declared_function_refs(module: Module) -> set[int]:
    """C.refs: the functions referenced anywhere in the module outside function bodies and the
    start section (element segments, globals, table initialisers, exports, offsets)."""
    out: set[int] = set()
    for g in module.globals:
        _ref_funcs(g.init, out)
    for t in module.tables:
        if t.init:
            _ref_funcs(t.init, out)
    for e in module.elems:
        _ref_funcs(e.offset, out)
        for item in e.items:
            _ref_funcs(item, out)
    for d in module.datas:
        _ref_funcs(d.offset, out)
    for x in module.exports:
        if x.kind == "func" and x.index != UNRESOLVED:
            out.add(x.index)
    for f in module.funcs:
        if f.exports:
            out.add(f.index)
    return out
