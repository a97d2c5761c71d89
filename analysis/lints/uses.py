"""What refers to what, from the Module model: the items each function and the module's other
fields use, as counted keys (`("func", 3)`, `("global-set", 0)` for a write), so that the
module lints can ask "does anything use this?" and the incremental path can recount one
function. Type uses count even when implicit: a function written with an inline signature
that matches a declared type uses that type."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable

from wat_lsp.analysis.model import (
    ArrayType,
    BlockType,
    Catch,
    ContType,
    Func,
    FuncType,
    Instr,
    MemArg,
    Module,
    RefType,
    StructType,
)
from wat_lsp.analysis.opcodes import IMM_SPACE, Flag, Imm, lookup

UseKey = tuple[str, int]


def field_key(type_index: int, field: int) -> int:
    """The number of a `("field-set", n)` key (a write of a struct field or array element)."""
    return type_index << 32 | field


_SKIP = (Imm.LABEL_DEF, Imm.LABEL_ID)
_NOT_ITEMS = frozenset({"label", "local", "field"})


def _type_uses(t: object, out: list[UseKey]) -> None:
    if isinstance(t, RefType) and isinstance(t.heap, int):
        out.append(("type", t.heap))


def _value(v: object, out: list[UseKey]) -> None:
    """Uses inside a structured immediate (types, memargs, catches, tuples of them)."""
    if isinstance(v, RefType):
        _type_uses(v, out)
    elif isinstance(v, BlockType):
        if v.type_idx is not None:
            out.append(("type", v.type_idx))
        if v.params or v.results:  # (most blocks have neither: no tuple built for them)
            for t in (*v.params, *v.results):
                _type_uses(t, out)
    elif isinstance(v, MemArg):
        out.append(("memory", v.memory))
    elif isinstance(v, Catch):
        if v.tag is not None:
            out.append(("tag", v.tag))
    elif isinstance(v, tuple):
        for x in v:  # immediates nest a level or two, never by user-controlled depth
            _value(x, out)


_STRUCTURED = frozenset({Imm.BLOCK_TYPE, Imm.TYPE_USE, Imm.MEMARG, Imm.CATCHES, Imm.HEAP_TYPE, Imm.REF_TYPE,
                         Imm.SELECT_TYPES, Imm.ON_CLAUSES})  # fmt: skip


@functools.cache
def _plan(name: str) -> tuple[tuple[int, Imm, str | None], ...]:
    """Per instruction name: the immediates (position in `imms`, kind, index space) that can
    use an item. Most instructions have none (`local.get`, `i32.const`): one lookup each."""
    op = lookup(name)
    if op is None:
        return ()
    kinds = [k for k in op.imms if k not in _SKIP]
    out: list[tuple[int, Imm, str | None]] = []
    for pos, kind in enumerate(kinds):
        space = IMM_SPACE.get(kind)
        if (space is not None and space not in _NOT_ITEMS) or kind in _STRUCTURED:
            out.append((pos, kind, space if space not in _NOT_ITEMS else None))
    return tuple(out)


@functools.cache
def _writes_field(name: str) -> int:
    """Per instruction name: 2 when it writes a struct field (`TYPE,FIELD` immediates), 1 an
    array's elements (its first `TYPE` immediate: `array.copy`'s destination), 0 neither."""
    op = lookup(name)
    if op is None or not op.bits & Flag.HEAP_WRITE.value or not op.imms or op.imms[0] is not Imm.TYPE:
        return 0
    return 2 if op.imms[1:2] == (Imm.FIELD,) else 1


def instr_uses(ins: Instr, out: list[UseKey]) -> None:
    plan = _plan(ins.op.name)
    if not plan:
        return
    imms = ins.imms
    writes = _writes_field(ins.op.name)
    if writes and imms and isinstance(imms[0], int) and imms[0] >= 0:
        field = imms[1] if writes == 2 and len(imms) > 1 else 0
        if isinstance(field, int) and field >= 0:
            out.append(("field-set", field_key(imms[0], field)))
    for pos, kind, space in plan:
        if pos >= len(imms):
            break
        v = imms[pos]
        if isinstance(v, int) and not isinstance(v, bool):
            if space is not None and v >= 0:
                out.append((space, v))
                if space == "global" and ins.op.name != "global.get":
                    out.append(("global-set", v))
        elif kind is Imm.ON_CLAUSES and isinstance(v, tuple):
            out.extend(("tag", p[0]) for p in v if isinstance(p, tuple) and p and isinstance(p[0], int))
        else:
            _value(v, out)


def _expr_uses(body: Iterable[Instr], out: list[UseKey]) -> None:
    # Immediates are shared (the reader's caches; one tuple for every untyped block): an
    # instruction with the same op and immediates as one that used nothing uses nothing.
    none_op: object = None
    none_imms: object = None
    for ins in body:
        imms = ins.imms
        if not imms or (imms is none_imms and ins.op is none_op):
            continue
        if _plan(ins.op.name):
            n = len(out)
            instr_uses(ins, out)
            if len(out) == n:
                none_op, none_imms = ins.op, imms


def func_uses(func: Func) -> Counter[UseKey]:
    """What a defined function's locals and body use (its signature is the module's part)."""
    out: list[UseKey] = []
    for d in func.locals:
        _type_uses(d.type, out)
    _expr_uses(func.body, out)
    return Counter(out)


def module_uses(module: Module) -> Counter[UseKey]:
    """What every field but the defined functions' locals and bodies uses."""
    out: list[UseKey] = []
    for td in module.types:
        comp = td.comp
        if isinstance(comp, FuncType):
            for t in (*comp.params, *comp.results):
                _type_uses(t, out)
        elif isinstance(comp, StructType):
            for fld in comp.fields:
                _type_uses(fld.storage, out)
        elif isinstance(comp, ArrayType):
            _type_uses(comp.elem.storage, out)
        elif isinstance(comp, ContType):
            out.append(("type", comp.func_type))
        out.extend(("type", s) for s in td.supertypes if s != td.index)
        for x in (td.describes, td.descriptor):
            if x is not None:
                out.append(("type", x))
    for f in module.funcs:
        out.append(("type", f.type_idx))
        for d in f.params:
            _type_uses(d.type, out)
        for t in f.results:
            _type_uses(t, out)
    for tb in module.tables:
        _type_uses(tb.elem_type, out)
        _expr_uses(tb.init or (), out)
    for g in module.globals:
        _type_uses(g.type, out)
        _expr_uses(g.init, out)
    for tg in module.tags:
        out.append(("type", tg.type_idx))
    for e in module.elems:
        _type_uses(e.elem_type, out)
        for item in e.items:
            _expr_uses(item, out)
        if e.mode == "active":
            out.append(("table", e.table))
            _expr_uses(e.offset, out)
    for dt in module.datas:
        if dt.mode == "active":
            out.append(("memory", dt.memory))
            _expr_uses(dt.offset, out)
    for ex in module.exports:
        out.append((ex.kind, ex.index))
    if module.start is not None:
        out.append(("func", module.start.func))
    return Counter(out)


def all_uses(module: Module) -> Counter[UseKey]:
    counts = module_uses(module)
    for f in module.funcs:
        if f.import_ is None:
            counts.update(func_uses(f))
    return counts
