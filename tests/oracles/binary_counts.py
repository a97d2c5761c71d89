"""An independent decoder of WebAssembly *binary* modules, for counting things.

This module does not use any text parser of ours: it decodes the binary format directly
(LEB128, sections, types, imports, exports, the code section and every operator with its
immediates), so tests can compare what our reader sees in the printed text against what the
binary says.

What is counted (see :class:`BinaryCounts`):

* ``num_types``: every type of every rec group, flattened (a ``(rec A B C)`` counts 3; a
  type outside an explicit rec group counts 1). This is the size of the type index space.
* ``num_imported_funcs`` / ``num_defined_funcs``: function imports, and entries of the
  function section. Same for tables, memories, globals and tags.
* per defined function (:class:`FuncCounts`):

  - ``num_params``: parameters of the function's type (for reference only);
  - ``num_locals``: the *declared* locals, with each ``(count, type)`` run expanded, i.e.
    ``sum(count)`` over the local declarations; parameters are **not** included;
  - ``num_operators``: every operator as it appears in the binary body, each counted once
    whatever its immediates: ``block``/``loop``/``if``/``try_table`` count 1, every ``else``
    counts 1, every ``end`` counts 1 **including the final ``end`` that closes the function
    body** (which the text format never writes). ``try_table`` catch clauses, ``br_table``
    targets, ``select`` types and memargs are immediates, not operators. Legacy exception
    opcodes (``try``, ``catch``, ``catch_all``, ``delegate``, ``rethrow``) count 1 each.
    ``num_operators_text`` is the same minus the final ``end``.

Decoding is iterative (no recursion on nesting depth). Unknown opcodes or malformed input
raise :class:`DecodeError` with the byte offset.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "ABSTRACT_HEAP_TYPES",
    "BinaryCounts",
    "DecodeError",
    "Export",
    "FuncCounts",
    "FuncType",
    "GlobalInfo",
    "Import",
    "ModuleInfo",
    "RefType",
    "SubType",
    "ValType",
    "count_module",
    "counts_of",
    "decode_module",
]


class DecodeError(Exception):
    """Malformed or unsupported binary; ``offset`` is the byte offset in the module."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} at offset {offset:#x}")
        self.offset = offset


# Abstract heap types, by their one-byte encoding.
ABSTRACT_HEAP_TYPES: dict[int, str] = {
    0x75: "nocont",
    0x74: "noexn",
    0x73: "nofunc",
    0x72: "noextern",
    0x71: "none",
    0x70: "func",
    0x6F: "extern",
    0x6E: "any",
    0x6D: "eq",
    0x6C: "i31",
    0x6B: "struct",
    0x6A: "array",
    0x69: "exn",
    0x68: "cont",
}

_NUM_TYPES: dict[int, str] = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128"}
_PACKED_TYPES: dict[int, str] = {0x78: "i8", 0x77: "i16"}


@dataclass(frozen=True, slots=True)
class RefType:
    """``(ref null? heap)``; ``heap`` is a type index or an abstract heap type name."""

    nullable: bool
    heap: int | str
    shared: bool = False
    exact: bool = False  # custom descriptors: (exact $t)

    def __str__(self) -> str:
        heap = str(self.heap)
        if self.exact:
            heap = f"(exact {heap})"
        if self.shared:
            heap = f"(shared {heap})"
        return f"(ref {'null ' if self.nullable else ''}{heap})"


# A value type: "i32" | "i64" | "f32" | "f64" | "v128" | RefType. Storage types add "i8", "i16".
ValType = str | RefType


@dataclass(frozen=True, slots=True)
class FieldType:
    storage: ValType
    mutable: bool


@dataclass(frozen=True, slots=True)
class FuncType:
    params: tuple[ValType, ...]
    results: tuple[ValType, ...]


@dataclass(frozen=True, slots=True)
class SubType:
    """One type of a rec group. ``kind`` is "func", "struct", "array" or "cont"."""

    kind: str
    final: bool
    supertypes: tuple[int, ...]
    func: FuncType | None = None
    fields: tuple[FieldType, ...] = ()
    rec_group: int = 0
    shared: bool = False


@dataclass(frozen=True, slots=True)
class Import:
    module: str
    name: str
    kind: str  # "func" | "table" | "memory" | "global" | "tag"
    type_index: int | None = None  # func and tag
    valtype: ValType | None = None  # global value type, table element type
    mutable: bool = False
    is64: bool = False
    shared: bool = False
    minimum: int = 0
    maximum: int | None = None


@dataclass(frozen=True, slots=True)
class Export:
    name: str
    kind: str  # "func" | "table" | "memory" | "global" | "tag"
    index: int


@dataclass(frozen=True, slots=True)
class GlobalInfo:
    valtype: ValType
    mutable: bool


@dataclass(slots=True)
class FuncCounts:
    """Counts for one *defined* function (see the module docstring for exact meaning)."""

    index: int  # in the function index space (imports first)
    type_index: int
    num_params: int
    num_locals: int
    num_operators: int
    local_types: list[ValType] = field(default_factory=list)
    body_offset: int = 0  # offset of the first byte after the local declarations
    operator_offsets: list[int] | None = None

    @property
    def num_operators_text(self) -> int:
        """Operators without the implicit final ``end`` of the body."""
        return self.num_operators - 1


@dataclass(slots=True)
class ModuleInfo:
    types: list[SubType] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    func_type_indices: list[int] = field(default_factory=list)  # defined functions only
    tables: list[Import] = field(default_factory=list)  # defined, kind "table"
    memories: list[Import] = field(default_factory=list)  # defined, kind "memory"
    globals: list[GlobalInfo] = field(default_factory=list)  # defined
    tags: list[int] = field(default_factory=list)  # defined, type indices
    exports: list[Export] = field(default_factory=list)
    start: int | None = None
    functions: list[FuncCounts] = field(default_factory=list)
    custom_sections: list[str] = field(default_factory=list)
    num_rec_groups: int = 0

    def imported(self, kind: str) -> list[Import]:
        return [i for i in self.imports if i.kind == kind]

    @property
    def num_imported_funcs(self) -> int:
        return sum(1 for i in self.imports if i.kind == "func")

    def func_type(self, func_index: int) -> FuncType:
        """The signature of a function in the function index space (imports first)."""
        fimports = self.imported("func")
        if func_index < len(fimports):
            tidx = fimports[func_index].type_index
            assert tidx is not None
        else:
            tidx = self.func_type_indices[func_index - len(fimports)]
        ft = self.types[tidx].func
        if ft is None:
            raise DecodeError(f"function {func_index} has non-function type {tidx}", 0)
        return ft

    def global_type(self, global_index: int) -> GlobalInfo:
        gimports = self.imported("global")
        if global_index < len(gimports):
            imp = gimports[global_index]
            assert imp.valtype is not None
            return GlobalInfo(imp.valtype, imp.mutable)
        return self.globals[global_index - len(gimports)]


@dataclass(frozen=True, slots=True)
class BinaryCounts:
    num_types: int
    num_rec_groups: int
    num_imported_funcs: int
    num_defined_funcs: int
    num_imported_tables: int
    num_defined_tables: int
    num_imported_memories: int
    num_defined_memories: int
    num_imported_globals: int
    num_defined_globals: int
    num_imported_tags: int
    num_defined_tags: int
    num_exports: int
    functions: tuple[FuncCounts, ...]

    @property
    def total_locals(self) -> int:
        return sum(f.num_locals for f in self.functions)

    @property
    def total_operators(self) -> int:
        return sum(f.num_operators for f in self.functions)


# --------------------------------------------------------------------------- reader


class _Reader:
    __slots__ = ("data", "end", "pos")

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None) -> None:
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end

    def byte(self) -> int:
        if self.pos >= self.end:
            raise DecodeError("unexpected end", self.pos)
        b = self.data[self.pos]
        self.pos += 1
        return b

    def bytes(self, n: int) -> bytes:
        if self.pos + n > self.end:
            raise DecodeError("unexpected end", self.pos)
        b = self.data[self.pos : self.pos + n]
        self.pos += n
        return b

    def skip(self, n: int) -> None:
        if self.pos + n > self.end:
            raise DecodeError("unexpected end", self.pos)
        self.pos += n

    def _leb(self, max_bits: int) -> tuple[int, int, int]:
        """(value bits, bit count, last byte) of one LEB128 number; signedness is the caller's."""
        result = 0
        shift = 0
        data = self.data
        pos = self.pos
        end = self.end
        while True:
            if pos >= end:
                raise DecodeError("unexpected end in LEB128", pos)
            b = data[pos]
            pos += 1
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
            if shift >= max_bits + 7:
                raise DecodeError("LEB128 too long", pos)
        self.pos = pos
        return result, shift, b

    def uleb(self, max_bits: int = 32) -> int:
        return self._leb(max_bits)[0]

    def sleb(self, max_bits: int = 32) -> int:
        result, shift, last = self._leb(max_bits)
        return result - (1 << shift) if last & 0x40 else result

    def name(self) -> str:
        n = self.uleb()
        return self.bytes(n).decode("utf-8", errors="replace")

    # -- types

    def heap_type(self) -> tuple[int | str, bool]:
        """Returns (heap, shared); an exact heap type (0x62 x) returns x."""
        start = self.pos
        b = self.data[self.pos] if self.pos < self.end else -1
        if b == 0x62:  # custom descriptors: exact type index
            self.pos += 1
            return self.uleb(), False
        if b == 0x65:  # shared abstract heap type
            self.pos += 1
            a = self.byte()
            if a not in ABSTRACT_HEAP_TYPES:
                raise DecodeError(f"bad shared heap type {a:#x}", start)
            return ABSTRACT_HEAP_TYPES[a], True
        if b in ABSTRACT_HEAP_TYPES:
            self.pos += 1
            return ABSTRACT_HEAP_TYPES[b], False
        v = self.sleb(33)
        if v < 0:
            raise DecodeError(f"bad heap type {v}", start)
        return v, False

    def val_type(self) -> ValType:
        start = self.pos
        b = self.byte()
        if b in _NUM_TYPES:
            return _NUM_TYPES[b]
        if b in (0x63, 0x64):
            exact = self.pos < self.end and self.data[self.pos] == 0x62
            heap, shared = self.heap_type()
            return RefType(b == 0x63, heap, shared, exact)
        if b in ABSTRACT_HEAP_TYPES:
            return RefType(True, ABSTRACT_HEAP_TYPES[b])
        if b == 0x65:
            self.pos -= 1
            heap, shared = self.heap_type()
            return RefType(True, heap, shared)
        raise DecodeError(f"bad value type {b:#x}", start)

    def storage_type(self) -> ValType:
        b = self.data[self.pos] if self.pos < self.end else -1
        if b in _PACKED_TYPES:
            self.pos += 1
            return _PACKED_TYPES[b]
        return self.val_type()

    def limits(self, kind: str) -> tuple[int, int | None, bool, bool]:
        """Returns (min, max, is64, shared) of a table or memory type."""
        start = self.pos
        flags = self.byte()
        if flags & ~0x0F:
            raise DecodeError(f"bad limits flags {flags:#x}", start)
        is64 = bool(flags & 0x04)
        bits = 64 if is64 else 32
        minimum = self.uleb(bits)
        maximum = self.uleb(bits) if flags & 0x01 else None
        if kind == "memory" and flags & 0x08:
            self.uleb()  # custom page size log2
        return minimum, maximum, is64, bool(flags & 0x02)


# ------------------------------------------------------------------------ operators

# Immediate kinds.
_NONE = 0
_U32 = 1
_U32_U32 = 2
_BT = 3
_BR_TABLE = 4
_MEMARG = 5
_S32 = 6
_S64 = 7
_B4 = 8
_B8 = 9
_HEAP = 10
_SELECT_T = 11
_TRY_TABLE = 12
_BR_ON_CAST = 13
_B16 = 14
_LANE = 15
_MEMARG_LANE = 16
_BYTE = 17
_RESUME = 18
_RESUME_THROW = 19

_OPS: dict[int, int] = {}


def _ops(kind: int, *codes: int) -> None:
    for c in codes:
        _OPS[c] = kind


def _rng(a: int, b: int) -> range:
    return range(a, b + 1)


# Single-byte opcodes.
_ops(_NONE, 0x00, 0x01, 0x05, 0x0A, 0x0B, 0x0F, 0x19, 0x1A, 0x1B, 0xD1, 0xD3, 0xD4)
_ops(_BT, 0x02, 0x03, 0x04, 0x06)
_ops(_U32, 0x07, 0x08, 0x09, 0x0C, 0x0D, 0x10, 0x12, 0x14, 0x15, 0x18)
_ops(_U32, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x3F, 0x40, 0xD2, 0xD5, 0xD6)
_ops(_BR_TABLE, 0x0E)
_ops(_U32_U32, 0x11, 0x13)
_ops(_SELECT_T, 0x1C)
_ops(_TRY_TABLE, 0x1F)
_ops(_MEMARG, *_rng(0x28, 0x3E))
_ops(_S32, 0x41)
_ops(_S64, 0x42)
_ops(_B4, 0x43)
_ops(_B8, 0x44)
_ops(_NONE, *_rng(0x45, 0xC4))
_ops(_HEAP, 0xD0)
# Stack switching (typed continuations).
_ops(_U32, 0xE0, 0xE2)
_ops(_U32_U32, 0xE1, 0xE5)
_ops(_RESUME, 0xE3)
_ops(_RESUME_THROW, 0xE4)

# 0xFB: GC.
_ops(_U32, *(0xFB00 | s for s in (0, 1, 6, 7, 11, 12, 13, 14, 16)))
_ops(_U32_U32, *(0xFB00 | s for s in (2, 3, 4, 5, 8, 9, 10, 17, 18, 19)))
_ops(_NONE, *(0xFB00 | s for s in (15, 26, 27, 28, 29, 30)))
_ops(_HEAP, *(0xFB00 | s for s in (20, 21, 22, 23)))
_ops(_BR_ON_CAST, 0xFB00 | 24, 0xFB00 | 25)
# Custom descriptors: struct.new_desc, struct.new_default_desc, ref.get_desc,
# ref.cast_desc_eq (non-null / null), br_on_cast_desc_eq, br_on_cast_desc_eq_fail.
_ops(_U32, 0xFB00 | 32, 0xFB00 | 33, 0xFB00 | 34)
_ops(_HEAP, 0xFB00 | 35, 0xFB00 | 36)
_ops(_BR_ON_CAST, 0xFB00 | 37, 0xFB00 | 38)

# 0xFC: misc (saturating truncation, bulk memory, tables, wide arithmetic).
_ops(_NONE, *(0xFC00 | s for s in _rng(0, 7)))
_ops(_U32_U32, *(0xFC00 | s for s in (8, 10, 12, 14)))
_ops(_U32, *(0xFC00 | s for s in (9, 11, 13, 15, 16, 17)))
_ops(_NONE, *(0xFC00 | s for s in _rng(19, 22)))

# 0xFD: SIMD (sub-opcodes are u32 LEB; the key is 0xFD0000 | sub).
_ops(_MEMARG, *(0xFD0000 | s for s in _rng(0, 11)))
_ops(_B16, 0xFD0000 | 12, 0xFD0000 | 13)
_ops(_NONE, *(0xFD0000 | s for s in _rng(14, 20)))
_ops(_LANE, *(0xFD0000 | s for s in _rng(21, 34)))
_ops(_NONE, *(0xFD0000 | s for s in _rng(35, 83)))
_ops(_MEMARG_LANE, *(0xFD0000 | s for s in _rng(84, 91)))
_ops(_MEMARG, 0xFD0000 | 92, 0xFD0000 | 93)
_ops(_NONE, *(0xFD0000 | s for s in _rng(94, 255)))
_ops(_NONE, *(0xFD0000 | s for s in _rng(0x100, 0x113)))  # relaxed SIMD

# 0xFE: threads / atomics.
_ops(_MEMARG, *(0xFE0000 | s for s in (0, 1, 2)))
_ops(_BYTE, 0xFE0000 | 3)
_ops(_MEMARG, *(0xFE0000 | s for s in _rng(0x10, 0x4E)))


def _skip_memarg(r: _Reader) -> None:
    flags = r.uleb()
    if flags & 0x40:
        r.uleb()  # memory index
    r.uleb(64)  # offset (u64 with memory64)


def _skip_block_type(r: _Reader) -> None:
    v = r.sleb(33)
    if v in (-29, -28):  # 0x63 / 0x64: a reference type with a heap type
        r.heap_type()
    elif v == -27:  # 0x65: shared abstract heap type as a value type
        r.byte()


def _skip_immediates(r: _Reader, kind: int, op_start: int) -> None:
    if kind == _NONE:
        return
    if kind == _U32:
        r.uleb()
    elif kind == _U32_U32:
        r.uleb()
        r.uleb()
    elif kind == _BT:
        _skip_block_type(r)
    elif kind == _MEMARG:
        _skip_memarg(r)
    elif kind == _S32:
        r.sleb(32)
    elif kind == _S64:
        r.sleb(64)
    elif kind == _B4:
        r.skip(4)
    elif kind == _B8:
        r.skip(8)
    elif kind == _BR_TABLE:
        n = r.uleb()
        for _ in range(n + 1):
            r.uleb()
    elif kind == _HEAP:
        r.heap_type()
    elif kind == _SELECT_T:
        n = r.uleb()
        for _ in range(n):
            r.val_type()
    elif kind == _TRY_TABLE:
        _skip_block_type(r)
        n = r.uleb()
        for _ in range(n):
            ck = r.byte()
            if ck in (0x00, 0x01):
                r.uleb()  # tag
                r.uleb()  # label
            elif ck in (0x02, 0x03):
                r.uleb()  # label
            else:
                raise DecodeError(f"bad catch kind {ck:#x}", op_start)
    elif kind == _BR_ON_CAST:
        r.byte()  # nullability flags
        r.uleb()  # label
        r.heap_type()
        r.heap_type()
    elif kind == _B16:
        r.skip(16)
    elif kind == _LANE:
        r.skip(1)
    elif kind == _MEMARG_LANE:
        _skip_memarg(r)
        r.skip(1)
    elif kind == _BYTE:
        r.skip(1)
    elif kind in (_RESUME, _RESUME_THROW):
        r.uleb()  # continuation type
        if kind == _RESUME_THROW:
            r.uleb()  # tag
        n = r.uleb()
        for _ in range(n):
            hk = r.byte()
            r.uleb()  # tag
            if hk == 0x00:
                r.uleb()  # label
            elif hk != 0x01:
                raise DecodeError(f"bad resume handler {hk:#x}", op_start)
    else:  # pragma: no cover - table is static
        raise DecodeError(f"internal: immediate kind {kind}", op_start)


def _read_opcode(r: _Reader) -> int:
    b = r.byte()
    if b == 0xFB or b == 0xFC:
        return (b << 8) | r.uleb()
    if b == 0xFD or b == 0xFE:
        return (b << 16) | r.uleb()
    return b


def _decode_expr(r: _Reader, offsets: list[int] | None, stop_at_body_end: bool) -> int:
    """Decodes operators; returns how many. With ``stop_at_body_end`` the reader's ``end``
    bounds the body and its last operator must be the ``end`` ending it; otherwise (constant
    expressions) decoding stops after the ``end`` at nesting depth 0."""
    count = 0
    depth = 0
    ops = _OPS
    while True:
        if stop_at_body_end and r.pos >= r.end:
            raise DecodeError("function body does not end with `end`", r.pos)
        start = r.pos
        op = _read_opcode(r)
        kind = ops.get(op)
        if kind is None:
            raise DecodeError(f"unknown opcode {op:#x}", start)
        if kind != _NONE:
            _skip_immediates(r, kind, start)
        count += 1
        if offsets is not None:
            offsets.append(start)
        if op in (0x02, 0x03, 0x04, 0x06, 0x1F):
            depth += 1
        elif op == 0x0B:
            if depth == 0:
                if stop_at_body_end and r.pos != r.end:
                    raise DecodeError("operators after the final `end`", r.pos)
                return count
            depth -= 1
        elif op == 0x18:  # delegate closes a `try`
            depth -= 1


# --------------------------------------------------------------------------- module


def _composite(r: _Reader, rec_group: int, final: bool, supers: tuple[int, ...]) -> SubType:
    start = r.pos
    shared = False
    form = r.byte()
    # Custom descriptors prefixes: 0x4D describes x, 0x4C descriptor y.
    while form in (0x4D, 0x4C):
        r.uleb()
        form = r.byte()
    if form == 0x65:
        shared = True
        form = r.byte()
    if form == 0x60:
        params = tuple(r.val_type() for _ in range(r.uleb()))
        results = tuple(r.val_type() for _ in range(r.uleb()))
        return SubType("func", final, supers, FuncType(params, results), (), rec_group, shared)
    if form == 0x5F:
        fields = []
        for _ in range(r.uleb()):
            st = r.storage_type()
            fields.append(FieldType(st, r.byte() == 1))
        return SubType("struct", final, supers, None, tuple(fields), rec_group, shared)
    if form == 0x5E:
        st = r.storage_type()
        return SubType("array", final, supers, None, (FieldType(st, r.byte() == 1),), rec_group, shared)
    if form == 0x5D:
        r.uleb()
        return SubType("cont", final, supers, None, (), rec_group, shared)
    raise DecodeError(f"bad composite type {form:#x}", start)


def _sub_type(r: _Reader, rec_group: int) -> SubType:
    b = r.data[r.pos] if r.pos < r.end else -1
    if b in (0x50, 0x4F):
        r.pos += 1
        supers = tuple(r.uleb() for _ in range(r.uleb()))
        return _composite(r, rec_group, b == 0x4F, supers)
    return _composite(r, rec_group, True, ())


def _type_section(r: _Reader, info: ModuleInfo) -> int:
    groups = 0
    for _ in range(r.uleb()):
        if r.pos < r.end and r.data[r.pos] == 0x4E:
            r.pos += 1
            for _ in range(r.uleb()):
                info.types.append(_sub_type(r, groups))
        else:
            info.types.append(_sub_type(r, groups))
        groups += 1
    return groups


def _extern_type(r: _Reader, module: str, name: str) -> Import:
    start = r.pos
    kind = r.byte()
    if kind in (0x00, 0x20):  # 0x20: exact function import (custom descriptors)
        return Import(module, name, "func", type_index=r.uleb())
    if kind == 0x01:
        vt = r.val_type()
        mn, mx, is64, shared = r.limits("table")
        return Import(module, name, "table", valtype=vt, is64=is64, shared=shared, minimum=mn, maximum=mx)
    if kind == 0x02:
        mn, mx, is64, shared = r.limits("memory")
        return Import(module, name, "memory", is64=is64, shared=shared, minimum=mn, maximum=mx)
    if kind == 0x03:
        vt = r.val_type()
        mut = r.byte()
        return Import(module, name, "global", valtype=vt, mutable=bool(mut & 1), shared=bool(mut & 2))
    if kind == 0x04:
        r.byte()  # attribute
        return Import(module, name, "tag", type_index=r.uleb())
    raise DecodeError(f"bad import kind {kind:#x}", start)


_EXPORT_KINDS = {0: "func", 1: "table", 2: "memory", 3: "global", 4: "tag"}


def decode_module(wasm: bytes, *, collect_offsets: bool = False) -> ModuleInfo:
    """Decodes a core module. ``collect_offsets`` records each operator's byte offset."""
    if wasm[:4] != b"\0asm":
        raise DecodeError("not a wasm binary", 0)
    if wasm[4:8] != b"\x01\0\0\0":
        raise DecodeError("not a core module (version/layer)", 4)
    info = ModuleInfo()
    r = _Reader(wasm, 8)
    num_rec_groups = 0
    while r.pos < len(wasm):
        sid = r.byte()
        size = r.uleb()
        body_end = r.pos + size
        if body_end > len(wasm):
            raise DecodeError("section out of bounds", r.pos)
        s = _Reader(wasm, r.pos, body_end)
        if sid == 0:
            info.custom_sections.append(s.name())
        elif sid == 1:
            num_rec_groups += _type_section(s, info)
        elif sid == 2:
            for _ in range(s.uleb()):
                module = s.name()
                name = s.name()
                info.imports.append(_extern_type(s, module, name))
        elif sid == 3:
            info.func_type_indices.extend(s.uleb() for _ in range(s.uleb()))
        elif sid == 4:
            for _ in range(s.uleb()):
                has_init = s.data[s.pos] == 0x40 if s.pos < s.end else False
                if has_init:
                    s.skip(2)
                vt = s.val_type()
                mn, mx, is64, shared = s.limits("table")
                info.tables.append(
                    Import("", "", "table", valtype=vt, is64=is64, shared=shared, minimum=mn, maximum=mx)
                )
                if has_init:
                    _decode_expr(s, None, False)
        elif sid == 5:
            for _ in range(s.uleb()):
                mn, mx, is64, shared = s.limits("memory")
                info.memories.append(
                    Import("", "", "memory", is64=is64, shared=shared, minimum=mn, maximum=mx)
                )
        elif sid == 6:
            for _ in range(s.uleb()):
                vt = s.val_type()
                mut = s.byte()
                info.globals.append(GlobalInfo(vt, bool(mut & 1)))
                _decode_expr(s, None, False)
        elif sid == 7:
            for _ in range(s.uleb()):
                name = s.name()
                k = s.byte()
                if k not in _EXPORT_KINDS:
                    raise DecodeError(f"bad export kind {k:#x}", s.pos - 1)
                info.exports.append(Export(name, _EXPORT_KINDS[k], s.uleb()))
        elif sid == 8:
            info.start = s.uleb()
        elif sid == 10:
            _code_section(s, info, collect_offsets)
        elif sid == 13:
            for _ in range(s.uleb()):
                s.byte()
                info.tags.append(s.uleb())
        elif sid in (9, 11, 12):
            s.pos = body_end  # element, data, data count: not needed for counting
        else:
            raise DecodeError(f"unknown section id {sid}", r.pos - 1)
        if sid not in (0, 9, 11, 12) and s.pos != body_end:
            raise DecodeError(f"section {sid} size mismatch", s.pos)
        r.pos = body_end
    info.num_rec_groups = num_rec_groups
    return info


def _code_section(s: _Reader, info: ModuleInfo, collect_offsets: bool) -> None:
    n = s.uleb()
    if n != len(info.func_type_indices):
        raise DecodeError("function and code section counts differ", s.pos)
    first = info.num_imported_funcs
    for i in range(n):
        size = s.uleb()
        body_end = s.pos + size
        b = _Reader(s.data, s.pos, body_end)
        local_types: list[ValType] = []
        num_locals = 0
        for _ in range(b.uleb()):
            count = b.uleb()
            vt = b.val_type()
            num_locals += count
            if num_locals > 50_000_000:
                raise DecodeError("too many locals", b.pos)
            local_types.extend([vt] * count)
        body_offset = b.pos
        offsets: list[int] | None = [] if collect_offsets else None
        num_ops = _decode_expr(b, offsets, True)
        tidx = info.func_type_indices[i]
        ft = info.types[tidx].func if tidx < len(info.types) else None
        info.functions.append(
            FuncCounts(
                index=first + i,
                type_index=tidx,
                num_params=len(ft.params) if ft else 0,
                num_locals=num_locals,
                num_operators=num_ops,
                local_types=local_types,
                body_offset=body_offset,
                operator_offsets=offsets,
            )
        )
        s.pos = body_end


def count_module(wasm: bytes, *, collect_offsets: bool = False) -> BinaryCounts:
    """Counts of a binary module; see the module docstring for what exactly is counted."""
    info = decode_module(wasm, collect_offsets=collect_offsets)
    return counts_of(info)


def counts_of(info: ModuleInfo) -> BinaryCounts:
    def n_imp(kind: str) -> int:
        return sum(1 for i in info.imports if i.kind == kind)

    return BinaryCounts(
        num_types=len(info.types),
        num_rec_groups=info.num_rec_groups,
        num_imported_funcs=n_imp("func"),
        num_defined_funcs=len(info.func_type_indices),
        num_imported_tables=n_imp("table"),
        num_defined_tables=len(info.tables),
        num_imported_memories=n_imp("memory"),
        num_defined_memories=len(info.memories),
        num_imported_globals=n_imp("global"),
        num_defined_globals=len(info.globals),
        num_imported_tags=n_imp("tag"),
        num_defined_tags=len(info.tags),
        num_exports=len(info.exports),
        functions=tuple(info.functions),
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Counts types, functions, locals and operators.")
    ap.add_argument("wasm", nargs="+")
    ap.add_argument("--per-function", action="store_true")
    args = ap.parse_args(argv)
    out: Callable[[str], object] = sys.stdout.write
    for path in args.wasm:
        with open(path, "rb") as f:
            c = count_module(f.read())
        out(
            f"{path}: types={c.num_types} rec_groups={c.num_rec_groups} "
            f"imported_funcs={c.num_imported_funcs} defined_funcs={c.num_defined_funcs} "
            f"locals={c.total_locals} operators={c.total_operators}\n"
        )
        if args.per_function:
            for fc in c.functions:
                out(
                    f"  func {fc.index}: type={fc.type_index} params={fc.num_params} "
                    f"locals={fc.num_locals} operators={fc.num_operators}\n"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())


# ------------------------------------------------------------ cross-check with dump

_DUMP_LINE = re.compile(r"^\s*(0x[0-9a-f]+) \|[0-9a-f ]*\| ?(.*)$")
_DUMP_FUNC = re.compile(r"^=+ func (\d+) =+$")
_DUMP_HEADER = re.compile(r"^(size of function|\d+ local blocks|\d+ locals of type .*)$")


def dump_function_operators(dump_text: str) -> list[tuple[int, int, list[int]]]:
    """From ``wasm-tools dump`` output: per defined function ``(func_index, num_locals,
    operator_offsets)``. Independent of :func:`decode_module`, used to check it."""
    funcs: list[tuple[int, int, list[int]]] = []
    in_code = False
    current: list[int] | None = None
    locals_count = 0
    index = -1
    for line in dump_text.splitlines():
        fm = _DUMP_FUNC.match(line.strip())
        if fm is not None:
            if current is not None:
                funcs.append((index, locals_count, current))
            index = int(fm.group(1))
            current = []
            locals_count = 0
            continue
        m = _DUMP_LINE.match(line)
        if m is None:
            continue
        desc = m.group(2).strip()
        if desc.endswith(" section") or desc.startswith("custom section"):
            if in_code and current is not None:
                funcs.append((index, locals_count, current))
                current = None
            in_code = desc == "code section"
            continue
        if current is None or not in_code:
            continue
        if _DUMP_HEADER.match(desc):
            lm = re.match(r"(\d+) locals of type", desc)
            if lm:
                locals_count += int(lm.group(1))
            continue
        current.append(int(m.group(1), 16))
    if in_code and current is not None:
        funcs.append((index, locals_count, current))
    return funcs
