"""The Module model: what a WebAssembly text module says, with source ranges on everything.

Offsets are byte offsets into the document's UTF-8 text. Indices are resolved: every
reference to a function, type, local, label, ... is an integer in its index space (labels are
relative depths, as in the binary format). An unresolved reference keeps `UNRESOLVED` and the
reader reports it, so later stages can skip it without cascading errors.

Function bodies are flat lists of `Instr` in execution order, whatever the source form
(folded or plain): block structure is explicit through `Instr.match`, so no stage needs to
recurse over nesting depth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from wat_lsp.analysis.opcodes import OpInfo

UNRESOLVED = -1


class Span(NamedTuple):
    """A half-open byte range [start, end) in the document."""

    start: int
    end: int


# --- types -----------------------------------------------------------------------------

NUM_TYPES = ("i32", "i64", "f32", "f64", "v128")
PACKED_TYPES = ("i8", "i16")
# Abstract heap types, each with its top type (the hierarchy it belongs to).
ABS_HEAP_TOP = {
    "any": "any", "eq": "any", "i31": "any", "struct": "any", "array": "any", "none": "any",
    "func": "func", "nofunc": "func",
    "extern": "extern", "noextern": "extern",
    "exn": "exn", "noexn": "exn",
    "cont": "cont", "nocont": "cont",
}  # fmt: skip
# Shorthands such as `funcref` = (ref null func).
REF_SHORTHANDS = {
    "funcref": "func", "externref": "extern", "anyref": "any", "eqref": "eq", "i31ref": "i31",
    "structref": "struct", "arrayref": "array", "nullref": "none", "nullfuncref": "nofunc",
    "nullexternref": "noextern", "exnref": "exn", "nullexnref": "noexn", "contref": "cont",
    "nullcontref": "nocont",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class RefType:
    nullable: bool
    heap: str | int  # abstract heap type name, or a type index
    exact: bool = False


# 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | RefType
ValType = str | RefType
# A ValType or a packed 'i8' / 'i16' (struct and array fields only)
StorageType = str | RefType


@dataclass(frozen=True, slots=True)
class FuncType:
    params: tuple[ValType, ...]
    results: tuple[ValType, ...]


@dataclass(frozen=True, slots=True)
class FieldType:
    storage: StorageType
    mutable: bool


@dataclass(frozen=True, slots=True)
class StructType:
    fields: tuple[FieldType, ...]


@dataclass(frozen=True, slots=True)
class ArrayType:
    elem: FieldType


@dataclass(frozen=True, slots=True)
class ContType:
    func_type: int


CompType = FuncType | StructType | ArrayType | ContType


@dataclass(slots=True)
class TypeDef:
    index: int
    name: str | None
    span: Span
    comp: CompType
    supertypes: tuple[int, ...] = ()
    final: bool = True
    rec_group: int = 0  # index into Module.rec_groups
    field_names: dict[str, int] = field(default_factory=dict)
    field_spans: list[Span] = field(default_factory=list)
    implicit: bool = False  # appended by a type use with no matching type (spec 6.6.x)
    # custom descriptors: `(describes $x)` and `(descriptor $y)` clauses (type indices,
    # UNRESOLVED for an unknown name), None when absent
    describes: int | None = None
    descriptor: int | None = None


@dataclass(slots=True)
class RecGroup:
    start: int  # first type index
    count: int
    span: Span


# --- instructions ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BlockType:
    """`(type $t)?` and/or inline params/results. `type_idx` is set when resolved."""

    type_idx: int | None
    params: tuple[ValType, ...]
    results: tuple[ValType, ...]


@dataclass(frozen=True, slots=True)
class MemArg:
    memory: int
    offset: int
    align: int  # bytes; the natural alignment when not written


@dataclass(frozen=True, slots=True)
class Catch:
    kind: str  # 'catch' | 'catch_ref' | 'catch_all' | 'catch_all_ref'
    tag: int | None
    label: int


# An immediate: int (index, depth, lane, integer literal bits), float bits as int,
# bytes (v128), RefType / str heap type, BlockType, MemArg, tuples of those.
Immediate = object


@dataclass(slots=True)
class Instr:
    """One instruction, in execution order.

    `start`/`end` cover the mnemonic and its immediates; `ostart`/`oend` cover the whole
    source form (for a folded instruction, its parentheses and operands; for plain code the
    same as start/end). `match` links structure: a block start points at its `end`, an `else`
    or `catch` at the next clause or `end`, an `end` back at its block start.
    """

    op: OpInfo
    imms: tuple[Immediate, ...]
    start: int
    end: int
    ostart: int
    oend: int
    match: int = -1
    label: str | None = None  # block label name, for blocks

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)

    @property
    def outer(self) -> Span:
        return Span(self.ostart, self.oend)

    @property
    def folded(self) -> bool:
        return self.ostart != self.start


class PartialExpr(list[Instr]):
    """A constant expression the reader could not read whole (a syntax error in it, an
    unknown instruction, bad immediates: all reported): validation checks its instructions
    but not the stack, which would only repeat the reading error."""

    __slots__ = ()


# --- module fields ---------------------------------------------------------------------


@dataclass(slots=True)
class ImportName:
    module: str
    name: str
    span: Span


@dataclass(slots=True)
class LocalDecl:
    index: int
    name: str | None
    type: ValType
    span: Span  # the `(param ...)`/`(local ...)` declaration or the single type in it
    is_param: bool


@dataclass(slots=True)
class Func:
    index: int
    name: str | None
    span: Span
    name_span: Span | None
    type_idx: int  # resolved function type (explicit or implicit)
    params: list[LocalDecl]
    results: tuple[ValType, ...]
    locals: list[LocalDecl]  # declared locals only; local index = len(params) + position
    body: list[Instr]
    import_: ImportName | None = None
    exports: list[str] = field(default_factory=list)
    body_span: Span | None = None  # from the first instruction to the closing paren
    # An import declared `(exact (type $t))` (custom descriptors): `ref.func` of it is exact,
    # as it is of every defined function; of other imports it is not.
    exact_import: bool = False

    @property
    def all_locals(self) -> list[LocalDecl]:
        return self.params + self.locals


@dataclass(slots=True)
class Limits:
    min: int
    max: int | None


@dataclass(slots=True)
class Table:
    index: int
    name: str | None
    span: Span
    addr: str  # 'i32' | 'i64'
    limits: Limits
    elem_type: RefType
    init: list[Instr] | None = None
    import_: ImportName | None = None
    exports: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Memory:
    index: int
    name: str | None
    span: Span
    addr: str
    limits: Limits
    shared: bool = False
    page_size_log2: int = 16
    import_: ImportName | None = None
    exports: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Global:
    index: int
    name: str | None
    span: Span
    type: ValType
    mutable: bool
    init: list[Instr] = field(default_factory=list)
    import_: ImportName | None = None
    exports: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Tag:
    index: int
    name: str | None
    span: Span
    type_idx: int
    import_: ImportName | None = None
    exports: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Elem:
    index: int
    name: str | None
    span: Span
    mode: str  # 'passive' | 'active' | 'declarative'
    elem_type: RefType
    items: list[list[Instr]]
    table: int = 0
    offset: list[Instr] = field(default_factory=list)


@dataclass(slots=True)
class Data:
    index: int
    name: str | None
    span: Span
    mode: str  # 'passive' | 'active'
    data: bytes
    memory: int = 0
    offset: list[Instr] = field(default_factory=list)


@dataclass(slots=True)
class Export:
    name: str
    kind: str  # 'func' | 'table' | 'memory' | 'global' | 'tag'
    index: int
    span: Span


@dataclass(slots=True)
class Start:
    func: int
    span: Span


INDEX_SPACES = ("type", "func", "table", "memory", "global", "tag", "elem", "data")


@dataclass(slots=True)
class Module:
    span: Span
    name: str | None = None
    types: list[TypeDef] = field(default_factory=list)
    rec_groups: list[RecGroup] = field(default_factory=list)
    funcs: list[Func] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    memories: list[Memory] = field(default_factory=list)
    globals: list[Global] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    elems: list[Elem] = field(default_factory=list)
    datas: list[Data] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)
    start: Start | None = None
    # name -> index, per index space ('type', 'func', ...)
    names: dict[str, dict[str, int]] = field(default_factory=dict)

    def func_type(self, type_idx: int) -> FuncType | None:
        if 0 <= type_idx < len(self.types):
            comp = self.types[type_idx].comp
            if isinstance(comp, FuncType):
                return comp
        return None

    @property
    def imported_funcs(self) -> int:
        return sum(1 for f in self.funcs if f.import_ is not None)
