"""The instruction table: every WebAssembly 3.0 instruction, in one place.

One table drives the reader (names, immediates, block structure), the validator
(operand and result types, or the name of the rule that types the instruction),
liveness and effect analysis (flags) and the printer (names, immediates, natural
alignment).  See ``DESIGN.md``, "One opcode table".

Coverage: the MVP, sign-extension, non-trapping float-to-int, bulk memory,
reference types, SIMD and relaxed SIMD, tail calls, exception handling (``try_table``,
``throw``, ``throw_ref``) and the legacy exception instructions (``try``, ``catch``,
``catch_all``, ``delegate``, ``rethrow``), typed function references, GC, threads
(atomics), wide arithmetic, stack switching, memory control (``memory.discard``) and the
custom-descriptors proposal
(``struct.new_desc``, ``struct.new_default_desc``, ``ref.get_desc``, ``ref.cast_desc_eq``,
``br_on_cast_desc_eq``, ``br_on_cast_desc_eq_fail``).  Multi-value, memory64, multi-memory
and extended-const add no instructions of their own (they widen immediates, operand
types and constant expressions), so no entry has those ``feature`` values.

Names are the text-format mnemonics, exactly as the spec and ``wasm-tools print``
write them.  Binary codes are ``(byte,)`` for single-byte opcodes and
``(prefix, sub)`` for prefixed ones (``0xFB`` GC, ``0xFC`` misc, ``0xFD`` SIMD,
``0xFE`` threads), where ``sub`` is the integer value of the LEB128 sub-opcode.

Operand and result types (``params``/``results``, bottom of the stack first) use the
text-format spelling of value types (``i32``, ``v128``, ``funcref``, ``exnref``,
``anyref``, ``(ref i31)`` ...).  ``None`` means the validator derives the types from
the immediates or the context, with the rule named by ``typing``.  Two placeholders
may also appear; an instruction that uses them has a ``typing`` other than
``'fixed'``:

* ``'addr'``: the address type (``i32``, or ``i64`` under memory64/table64) of the
  memory or table that the instruction's immediate names;
* ``'elem'``: the element reference type of the instruction's table.

Typing rules (``OpInfo.typing``), one name per family:

``fixed``
    ``params -> results`` say it all (subtyping applies as usual).
``block``, ``if``, ``try``, ``try_table``
    open a frame with the block type (``if`` pops an ``i32`` first; ``try_table``
    also checks its catch clauses).
``else``, ``end``, ``catch``, ``catch_all``, ``delegate``
    close or switch the current frame.
``br``, ``br_if``, ``br_table``, ``br_on_null``, ``br_on_non_null``, ``br_on_cast``
    branch to labels (``br_on_cast`` covers ``br_on_cast_fail``).
``return``, ``call``, ``call_indirect``, ``call_ref``, ``return_call``,
``return_call_indirect``, ``return_call_ref``
    typed by the function type named by the immediate or by the function's results.
``drop``, ``select``
    value-polymorphic.
``local.get``, ``local.set``, ``local.tee``, ``global.get``, ``global.set``
    typed by the declared type of the local or global.
``load``, ``store``
    all memory reads and writes with a memarg (plain, SIMD, lane, atomic):
    substitute ``addr``; the ``align=`` must not exceed ``natural_align`` (for
    ``ATOMIC`` instructions it must equal it); a lane must be below ``lane_count``.
``atomic``
    atomic read-modify-write, compare-exchange, ``memory.atomic.wait*`` and
    ``memory.atomic.notify``: as ``load``, alignment exactly natural.
``memory``, ``table``
    ``memory.size/grow/fill/init``, ``table.get/set/size/grow/fill/init``: substitute
    ``addr`` (and ``elem``).
``memory.copy``, ``table.copy``
    operand types from both memories or tables (the count is the narrower type).
``ref.null``, ``ref.func``, ``ref.is_null``, ``ref.as_non_null``, ``ref.test``,
``ref.cast``, ``ref.convert`` (``any.convert_extern``/``extern.convert_any``: the
nullability passes through)
    reference instructions.
``struct.new``, ``struct.new_default``, ``struct.get`` (also ``_s``/``_u``),
``struct.set``, ``array.new``, ``array.new_default``, ``array.new_fixed``,
``array.new_data``, ``array.new_elem``, ``array.get`` (also ``_s``/``_u``),
``array.set``, ``array.fill``, ``array.copy``, ``array.init_data``,
``array.init_elem``
    GC aggregates, typed by the type immediate.
``struct.new_desc`` (also ``struct.new_default_desc``), ``ref.get_desc``,
``ref.cast_desc_eq`` (nullable target: ``alt_code``), ``br_on_cast_desc_eq`` (also
``_fail``)
    custom descriptors: typed by the type immediate's ``(descriptor $y)``; the descriptor
    operand is on top of the stack.
``throw``, ``rethrow``
    exceptions (``throw`` pops the tag's parameters).
``cont.new``, ``cont.bind``, ``suspend``, ``resume``, ``resume_throw``,
``resume_throw_ref``, ``switch``
    stack switching.

Build: ``_TABLE`` below is a compact text table parsed once at import; the regular
numeric and SIMD families are generated from their names in opcode order.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

__all__ = [
    "BY_CODE",
    "FEATURES",
    "OPCODES",
    "PREFIXES",
    "Flag",
    "Imm",
    "OpInfo",
    "code_bytes",
    "lookup",
    "uleb128",
]


class Imm(enum.Enum):
    """Kinds of immediates, listed in ``OpInfo.imms`` in text order."""

    LABEL_DEF = "label_def"
    """Optional ``$id`` naming the label of a block being opened (block, loop, if, try,
    try_table)."""
    LABEL_ID = "label_id"
    """Optional ``$id`` after ``else``/``end`` that must repeat the enclosing block's
    label; not stored in the binary (``catch``/``catch_all`` take none)."""
    BLOCK_TYPE = "block_type"
    """Block type: ``(type $t)? (param t*)* (result t*)*``; binary: empty, a value type
    or a type index (s33)."""
    CATCHES = "catches"
    """``try_table`` clauses: ``(catch $tag $l)``, ``(catch_ref $tag $l)``,
    ``(catch_all $l)``, ``(catch_all_ref $l)``, in order."""
    ON_CLAUSES = "on_clauses"
    """Stack-switching handlers of ``resume``/``resume_throw(_ref)``:
    ``(on $tag $label)`` or ``(on $tag switch)``, in order."""
    LABEL = "label"
    """A label index or ``$id`` (relative depth in the binary)."""
    LABELS_DEFAULT = "labels_default"
    """``br_table``: one or more labels; the last is the default."""
    FUNC = "func"
    """A function index."""
    TYPE = "type"
    """A type index (struct/array/func/cont type, as the instruction requires)."""
    TYPE_USE = "type_use"
    """A type use: ``(type $t)? (param ...)* (result ...)*`` (call_indirect)."""
    LOCAL = "local"
    """A local index."""
    GLOBAL = "global"
    """A global index."""
    TABLE = "table"
    """A required table index (no WebAssembly 3.0 instruction needs one; kept for
    completeness)."""
    TABLE_OPT = "table_opt"
    """An optional table index, 0 when absent.  ``table.copy`` has two, present or
    absent together; ``table.init`` is ``TABLE_OPT ELEM``, where a single index is the
    element segment."""
    MEMORY_OPT = "memory_opt"
    """An optional memory index, 0 when absent.  ``memory.copy`` has two, present or
    absent together; ``memory.init`` is ``MEMORY_OPT DATA``, where a single index is
    the data segment.  In a memarg instruction it precedes the ``MEMARG`` and is
    encoded inside it (flag bit 6)."""
    MEMARG = "memarg"
    """``offset=N? align=N?``; the default ``align`` is ``OpInfo.natural_align``."""
    LANE = "lane"
    """A lane index (u8), below ``OpInfo.lane_count``."""
    I32 = "i32"
    """An i32 literal."""
    I64 = "i64"
    """An i64 literal."""
    F32 = "f32"
    """An f32 literal."""
    F64 = "f64"
    """An f64 literal."""
    V128 = "v128"
    """``v128.const``: a shape (i8x16, i16x8, i32x4, i64x2, f32x4, f64x2) and its lane
    literals."""
    SHUFFLE = "shuffle"
    """``i8x16.shuffle``: 16 lane indices, each below 32."""
    HEAP_TYPE = "heap_type"
    """A heap type (``func``, ``any``, ``$t`` ...), e.g. ``ref.null``."""
    REF_TYPE = "ref_type"
    """A reference type (``(ref null? ht)`` or an abbreviation such as ``anyref``)."""
    SELECT_TYPES = "select_types"
    """``select``'s optional ``(result t*)``; present selects the binary ``alt_code``."""
    FIELD = "field"
    """A struct field index or ``$id``, resolved in the preceding ``TYPE``."""
    U32 = "u32"
    """A plain u32 count (``array.new_fixed``'s length)."""
    DATA = "data"
    """A data segment index."""
    ELEM = "elem"
    """An element segment index."""
    TAG = "tag"
    """A tag index."""


# The index space an immediate of each kind names (`HEAP_TYPE` does when it is `$t` or a
# number); the body reader, references and completion all read this one map.
IMM_SPACE: dict[Imm, str] = {
    Imm.LABEL: "label", Imm.LABELS_DEFAULT: "label", Imm.FUNC: "func", Imm.TYPE: "type",
    Imm.HEAP_TYPE: "type", Imm.LOCAL: "local", Imm.GLOBAL: "global", Imm.TABLE: "table",
    Imm.TABLE_OPT: "table", Imm.MEMORY_OPT: "memory", Imm.TAG: "tag", Imm.DATA: "data",
    Imm.ELEM: "elem", Imm.FIELD: "field",
}  # fmt: skip
# Kinds that, when written, are exactly one integer or `$id` token.
ONE_INDEX_OR_INTEGER = frozenset({Imm.LABEL, Imm.FUNC, Imm.TYPE, Imm.LOCAL, Imm.GLOBAL, Imm.TABLE, Imm.TAG,
                                  Imm.DATA, Imm.ELEM, Imm.FIELD, Imm.LANE, Imm.I32, Imm.I64, Imm.U32})  # fmt: skip


def optional_index_present(rest: Sequence[Imm], tokens_left: int) -> bool:
    """Whether an optional table or memory index is written, given the immediate kinds after
    it and the integer/`$id` tokens left from it on: it is when there are more tokens than
    those kinds need (`table.init 1` names the segment, `table.init 0 1` table and segment)."""
    return tokens_left > sum(1 for k in rest if k in ONE_INDEX_OR_INTEGER)


class Flag(enum.Flag):
    """What an instruction does, beyond its stack types."""

    NONE = 0
    CONTROL = enum.auto()
    """Structured control or a transfer of control other than a call returning:
    blocks, branches, return, unreachable, throws, stack switching."""
    BLOCK_START = enum.auto()
    """Opens a block: block, loop, if, try, try_table."""
    BLOCK_ELSE = enum.auto()
    """Starts another arm of the current block: else, catch, catch_all."""
    BLOCK_END = enum.auto()
    """Closes the current block: end, and ``delegate`` (which ends its ``try`` without
    an ``end``)."""
    UNCONDITIONAL = enum.auto()
    """Never falls through; the rest of the block is unreachable and the operand stack
    is polymorphic (br, br_table, return, return_call*, unreachable, throw, throw_ref,
    rethrow)."""
    BRANCH = enum.auto()
    """May branch to a label immediate (br*, and try_table's catch clauses and
    resume's on-clauses)."""
    CALL = enum.auto()
    """Runs other code (calls and stack switching): may read and write any state,
    trap and throw."""
    MEM_READ = enum.auto()
    """Reads linear memory (or its size)."""
    MEM_WRITE = enum.auto()
    """Writes linear memory (or grows it)."""
    TABLE_READ = enum.auto()
    """Reads a table (or its size)."""
    TABLE_WRITE = enum.auto()
    """Writes a table (or grows it)."""
    GLOBAL_READ = enum.auto()
    GLOBAL_WRITE = enum.auto()
    LOCAL_READ = enum.auto()
    LOCAL_WRITE = enum.auto()
    HEAP_READ = enum.auto()
    """Reads a mutable GC object field or element."""
    HEAP_WRITE = enum.auto()
    """Writes a GC object field or element."""
    MAY_TRAP = enum.auto()
    """May trap (out of bounds, null, division by zero, failed cast ...)."""
    SIDE_EFFECT = enum.auto()
    """Changes state outside the locals and the operand stack (stores, global.set,
    grows, segment drops, calls, atomics ...): not removable even when its results are
    unused.  Control transfers are marked CONTROL instead; traps MAY_TRAP."""
    ALLOCATES = enum.auto()
    """Allocates a fresh GC object or continuation (removable when unused)."""
    ATOMIC = enum.auto()
    """A threads instruction: ordered, alignment must be exactly natural."""
    THROW = enum.auto()
    """Raises an exception (throw, throw_ref, rethrow)."""
    CONST = enum.auto()
    """Allowed in constant expressions (WebAssembly 3.0, with extended-const)."""


FEATURES: tuple[str, ...] = (
    "mvp",
    "sign-ext",
    "sat-trunc",
    "bulk-memory",
    "reference-types",
    "simd",
    "relaxed-simd",
    "tail-call",
    "exceptions",
    "legacy-exceptions",
    "function-references",
    "gc",
    "threads",
    "memory64",
    "multi-memory",
    "wide-arithmetic",
    "stack-switching",
    "extended-const",
    "custom-descriptors",
    "memory-control",
)
"""Feature names used in ``OpInfo.feature``."""

PREFIXES: frozenset[int] = frozenset({0xFB, 0xFC, 0xFD, 0xFE})
"""Prefix bytes; the sub-opcode that follows is a LEB128 u32."""


@dataclass(frozen=True, slots=True)
class OpInfo:
    """One instruction."""

    name: str
    """Text mnemonic."""
    code: tuple[int, ...]
    """Binary opcode: ``(0x6A,)`` or ``(0xFB, 2)`` (prefix, LEB128 sub-opcode)."""
    imms: tuple[Imm, ...]
    """Immediates in text order."""
    params: tuple[str, ...] | None
    """Operand types, bottom to top; ``None``: see ``typing``."""
    results: tuple[str, ...] | None
    """Result types, bottom to top; ``None``: see ``typing``."""
    typing: str
    """``'fixed'``, or the validator rule for the family (see the module docstring)."""
    flags: Flag
    feature: str
    """Proposal or version that introduced the instruction (one of ``FEATURES``)."""
    natural_align: int = 0
    """Bytes accessed, for memory instructions with a memarg (the default and the
    largest valid ``align=``)."""
    lane_count: int = 0
    """Number of lanes for ``*_lane`` instructions (a lane index must be below it)."""
    alt_code: tuple[int, ...] = ()
    """Second binary code of the same text instruction, chosen by its immediates:
    ``select`` with ``(result t*)`` is ``0x1C``; ``ref.test``/``ref.cast`` with a
    nullable target type are ``0xFB 21``/``0xFB 23``."""
    bits: int = dataclasses.field(init=False, repr=False, compare=False)
    """``flags`` as a plain int (``Flag.X.value`` masks), set from ``flags``: hot loops over
    every instruction test it, and an ``enum.Flag`` test costs a method call each time."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "bits", self.flags.value)


def uleb128(value: int) -> bytes:
    """Unsigned LEB128, as the binary format writes sub-opcodes, counts and indices."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if not value:
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)


def code_bytes(code: tuple[int, ...]) -> bytes:
    """Binary encoding of an opcode (the sub-opcode as LEB128 u32)."""
    return bytes([code[0]]) + b"".join(uleb128(sub) for sub in code[1:])


# --------------------------------------------------------------------------------------
# The compact table.
#
# Lines: ``code name imms sig [=typing] [FLAG ...] [alt=CODE]``
#   code   hex: ``6A`` or ``FB.14`` (prefix.sub-opcode, both hex)
#   imms   comma-separated ``Imm`` member names, or ``-`` for none
#   sig    ``params->results``, each side comma-separated types, empty for none, ``?``
#          when the rule derives them; ``_`` inside a parenthesised type stands for a
#          space: ``(ref_i31)`` is ``(ref i31)``
#   typing ``=rule``; a bare ``=`` names the rule after the instruction; absent: fixed
#   flags  ``Flag`` member names; the implied ones are added by ``_implied``
# ``@feature NAME`` sets the feature of the lines that follow.
# --------------------------------------------------------------------------------------

_TABLE = """
@feature mvp
00    unreachable          -                    ->           CONTROL UNCONDITIONAL MAY_TRAP
01    nop                  -                    ->
02    block                LABEL_DEF,BLOCK_TYPE ?->?         =block CONTROL BLOCK_START
03    loop                 LABEL_DEF,BLOCK_TYPE ?->?         =block CONTROL BLOCK_START
04    if                   LABEL_DEF,BLOCK_TYPE ?->?         = CONTROL BLOCK_START
05    else                 LABEL_ID             ?->?         = CONTROL BLOCK_ELSE
0B    end                  LABEL_ID             ?->?         = CONTROL BLOCK_END
0C    br                   LABEL                ?->?         = CONTROL BRANCH UNCONDITIONAL
0D    br_if                LABEL                ?->?         = CONTROL BRANCH
0E    br_table             LABELS_DEFAULT       ?->?         = CONTROL BRANCH UNCONDITIONAL
0F    return               -                    ?->?         = CONTROL UNCONDITIONAL
10    call                 FUNC                 ?->?         = CALL
11    call_indirect        TABLE_OPT,TYPE_USE   ?->?         = CALL TABLE_READ
1A    drop                 -                    ?->          =
1B    select               SELECT_TYPES         ?->?         = alt=1C
20    local.get            LOCAL                ->?          = LOCAL_READ
21    local.set            LOCAL                ?->          = LOCAL_WRITE
22    local.tee            LOCAL                ?->?         = LOCAL_WRITE
23    global.get           GLOBAL               ->?          = GLOBAL_READ CONST
24    global.set           GLOBAL               ?->          = GLOBAL_WRITE
3F    memory.size          MEMORY_OPT           ->addr       =memory MEM_READ
40    memory.grow          MEMORY_OPT           addr->addr   =memory MEM_READ MEM_WRITE
41    i32.const            I32                  ->i32        CONST
42    i64.const            I64                  ->i64        CONST
43    f32.const            F32                  ->f32        CONST
44    f64.const            F64                  ->f64        CONST

@feature reference-types
25    table.get            TABLE_OPT            addr->elem   =table TABLE_READ MAY_TRAP
26    table.set            TABLE_OPT            addr,elem->  =table TABLE_WRITE MAY_TRAP
D0    ref.null             HEAP_TYPE            ->?          = CONST
D1    ref.is_null          -                    ?->i32       =
D2    ref.func             FUNC                 ->?          = CONST
FC.0F table.grow           TABLE_OPT            elem,addr->addr      =table TABLE_READ TABLE_WRITE
FC.10 table.size           TABLE_OPT            ->addr               =table TABLE_READ
FC.11 table.fill           TABLE_OPT            addr,elem,addr->     =table TABLE_WRITE MAY_TRAP

@feature bulk-memory
FC.08 memory.init          MEMORY_OPT,DATA      addr,i32,i32->       =memory MEM_WRITE MAY_TRAP
FC.09 data.drop            DATA                 ->                   SIDE_EFFECT
FC.0A memory.copy          MEMORY_OPT,MEMORY_OPT ?->         = MEM_READ MEM_WRITE MAY_TRAP
FC.0B memory.fill          MEMORY_OPT           addr,i32,addr->      =memory MEM_WRITE MAY_TRAP
FC.0C table.init           TABLE_OPT,ELEM       addr,i32,i32->       =table TABLE_WRITE MAY_TRAP
FC.0D elem.drop            ELEM                 ->                   SIDE_EFFECT
FC.0E table.copy           TABLE_OPT,TABLE_OPT  ?->          = TABLE_READ TABLE_WRITE MAY_TRAP

@feature tail-call
12    return_call          FUNC                 ?->?         = CONTROL UNCONDITIONAL CALL
13    return_call_indirect TABLE_OPT,TYPE_USE   ?->?         = CONTROL UNCONDITIONAL CALL TABLE_READ

@feature exceptions
08    throw                TAG                  ?->          = CONTROL UNCONDITIONAL THROW
0A    throw_ref            -                    exnref->     CONTROL UNCONDITIONAL THROW MAY_TRAP
1F    try_table    LABEL_DEF,BLOCK_TYPE,CATCHES ?->?         = CONTROL BLOCK_START BRANCH

@feature legacy-exceptions
06    try                  LABEL_DEF,BLOCK_TYPE ?->?         = CONTROL BLOCK_START
07    catch                TAG                  ?->?         = CONTROL BLOCK_ELSE
19    catch_all            -                    ?->?         = CONTROL BLOCK_ELSE
18    delegate             LABEL                ?->?         = CONTROL BLOCK_END
09    rethrow              LABEL                ->           = CONTROL UNCONDITIONAL THROW

@feature function-references
14    call_ref             TYPE                 ?->?         = CALL
15    return_call_ref      TYPE                 ?->?         = CONTROL UNCONDITIONAL CALL
D4    ref.as_non_null      -                    ?->?         = MAY_TRAP
D5    br_on_null           LABEL                ?->?         = CONTROL BRANCH
D6    br_on_non_null       LABEL                ?->?         = CONTROL BRANCH

@feature gc
D3    ref.eq               -                    eqref,eqref->i32
FB.00 struct.new           TYPE                 ?->?         = ALLOCATES CONST
FB.01 struct.new_default   TYPE                 ->?          = ALLOCATES CONST
FB.02 struct.get           TYPE,FIELD           ?->?         = HEAP_READ MAY_TRAP
FB.03 struct.get_s         TYPE,FIELD           ?->i32       =struct.get HEAP_READ MAY_TRAP
FB.04 struct.get_u         TYPE,FIELD           ?->i32       =struct.get HEAP_READ MAY_TRAP
FB.05 struct.set           TYPE,FIELD           ?->          = HEAP_WRITE MAY_TRAP
FB.06 array.new            TYPE                 ?->?         = ALLOCATES CONST
FB.07 array.new_default    TYPE                 i32->?       = ALLOCATES CONST
FB.08 array.new_fixed      TYPE,U32             ?->?         = ALLOCATES CONST
FB.09 array.new_data       TYPE,DATA            i32,i32->?   = ALLOCATES MAY_TRAP
FB.0A array.new_elem       TYPE,ELEM            i32,i32->?   = ALLOCATES MAY_TRAP
FB.0B array.get            TYPE                 ?->?         = HEAP_READ MAY_TRAP
FB.0C array.get_s          TYPE                 ?->i32       =array.get HEAP_READ MAY_TRAP
FB.0D array.get_u          TYPE                 ?->i32       =array.get HEAP_READ MAY_TRAP
FB.0E array.set            TYPE                 ?->          = HEAP_WRITE MAY_TRAP
FB.0F array.len            -                    arrayref->i32 MAY_TRAP
FB.10 array.fill           TYPE                 ?->          = HEAP_WRITE MAY_TRAP
FB.11 array.copy           TYPE,TYPE            ?->          = HEAP_READ HEAP_WRITE MAY_TRAP
FB.12 array.init_data      TYPE,DATA            ?->          = HEAP_WRITE MAY_TRAP
FB.13 array.init_elem      TYPE,ELEM            ?->          = HEAP_WRITE MAY_TRAP
FB.14 ref.test             REF_TYPE             ?->i32       = alt=FB.15
FB.16 ref.cast             REF_TYPE             ?->?         = MAY_TRAP alt=FB.17
FB.18 br_on_cast           LABEL,REF_TYPE,REF_TYPE ?->?      = CONTROL BRANCH
FB.19 br_on_cast_fail      LABEL,REF_TYPE,REF_TYPE ?->?      =br_on_cast CONTROL BRANCH
FB.1A any.convert_extern   -                    ?->?         =ref.convert CONST
FB.1B extern.convert_any   -                    ?->?         =ref.convert CONST
FB.1C ref.i31              -                    i32->(ref_i31) CONST
FB.1D i31.get_s            -                    i31ref->i32  MAY_TRAP
FB.1E i31.get_u            -                    i31ref->i32  MAY_TRAP

@feature custom-descriptors
FB.20 struct.new_desc      TYPE                 ?->?         = ALLOCATES MAY_TRAP CONST
FB.21 struct.new_default_desc TYPE              ?->?         =struct.new_desc ALLOCATES MAY_TRAP CONST
FB.22 ref.get_desc         TYPE                 ?->?         = MAY_TRAP
FB.23 ref.cast_desc_eq     REF_TYPE             ?->?         = MAY_TRAP alt=FB.24
FB.25 br_on_cast_desc_eq   LABEL,REF_TYPE,REF_TYPE ?->?      = CONTROL BRANCH MAY_TRAP
FB.26 br_on_cast_desc_eq_fail LABEL,REF_TYPE,REF_TYPE ?->?   =br_on_cast_desc_eq CONTROL BRANCH MAY_TRAP

@feature threads
FE.03 atomic.fence         -                    ->           ATOMIC

@feature wide-arithmetic
FC.13 i64.add128           -                    i64,i64,i64,i64->i64,i64
FC.14 i64.sub128           -                    i64,i64,i64,i64->i64,i64
FC.15 i64.mul_wide_s       -                    i64,i64->i64,i64
FC.16 i64.mul_wide_u       -                    i64,i64->i64,i64

@feature stack-switching
E0    cont.new             TYPE                 ?->?         = ALLOCATES MAY_TRAP
E1    cont.bind            TYPE,TYPE            ?->?         = ALLOCATES MAY_TRAP
E2    suspend              TAG                  ?->?         = CONTROL CALL
E3    resume               TYPE,ON_CLAUSES      ?->?         = CONTROL CALL BRANCH
E4    resume_throw         TYPE,TAG,ON_CLAUSES  ?->?         = CONTROL CALL BRANCH
E5    resume_throw_ref     TYPE,ON_CLAUSES      ?->?         = CONTROL CALL BRANCH
E6    switch               TYPE,TAG             ?->?         = CONTROL CALL

@feature memory-control
FC.12 memory.discard       MEMORY_OPT           addr,addr->          =memory MEM_WRITE MAY_TRAP
"""

# Numeric families, in opcode order: (first code, type prefix, names, signature).
_INT_CMP = "eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u"
_INT_BIN = "add sub mul div_s div_u rem_s rem_u and or xor shl shr_s shr_u rotl rotr"
_FLOAT_CMP = "eq ne lt gt le ge"
_FLOAT_UN = "abs neg ceil floor trunc nearest sqrt"
_FLOAT_BIN = "add sub mul div min max copysign"
_NUMERIC: tuple[tuple[int, str, str, str], ...] = (
    (0x45, "i32", "eqz", "i32->i32"),
    (0x46, "i32", _INT_CMP, "i32,i32->i32"),
    (0x50, "i64", "eqz", "i64->i32"),
    (0x51, "i64", _INT_CMP, "i64,i64->i32"),
    (0x5B, "f32", _FLOAT_CMP, "f32,f32->i32"),
    (0x61, "f64", _FLOAT_CMP, "f64,f64->i32"),
    (0x67, "i32", "clz ctz popcnt", "i32->i32"),
    (0x6A, "i32", _INT_BIN, "i32,i32->i32"),
    (0x79, "i64", "clz ctz popcnt", "i64->i64"),
    (0x7C, "i64", _INT_BIN, "i64,i64->i64"),
    (0x8B, "f32", _FLOAT_UN, "f32->f32"),
    (0x92, "f32", _FLOAT_BIN, "f32,f32->f32"),
    (0x99, "f64", _FLOAT_UN, "f64->f64"),
    (0xA0, "f64", _FLOAT_BIN, "f64,f64->f64"),
)

# MVP loads (0x28 ..= 0x35) and stores (0x36 ..= 0x3E), as ``name/natural_align``.
_MVP_MEMORY = """
i32.load/4 i64.load/8 f32.load/4 f64.load/8 i32.load8_s/1 i32.load8_u/1 i32.load16_s/2
i32.load16_u/2 i64.load8_s/1 i64.load8_u/1 i64.load16_s/2 i64.load16_u/2 i64.load32_s/4
i64.load32_u/4 i32.store/4 i64.store/8 f32.store/4 f64.store/8 i32.store8/1 i32.store16/2
i64.store8/1 i64.store16/2 i64.store32/4
"""

# Conversions, named ``dst.op_src`` (``_s``/``_u`` suffixes): the signature is src->dst.
_CONVERSIONS = """
i32.wrap_i64 i32.trunc_f32_s i32.trunc_f32_u i32.trunc_f64_s i32.trunc_f64_u
i64.extend_i32_s i64.extend_i32_u i64.trunc_f32_s i64.trunc_f32_u i64.trunc_f64_s
i64.trunc_f64_u f32.convert_i32_s f32.convert_i32_u f32.convert_i64_s f32.convert_i64_u
f32.demote_f64 f64.convert_i32_s f64.convert_i32_u f64.convert_i64_s f64.convert_i64_u
f64.promote_f32 i32.reinterpret_f32 i64.reinterpret_f64 f32.reinterpret_i32
f64.reinterpret_i64
"""  # 0xA7 ..= 0xBF

_SIGN_EXT = "i32.extend8_s i32.extend16_s i64.extend8_s i64.extend16_s i64.extend32_s"  # C0..

_SAT_TRUNC = """
i32.trunc_sat_f32_s i32.trunc_sat_f32_u i32.trunc_sat_f64_s i32.trunc_sat_f64_u
i64.trunc_sat_f32_s i64.trunc_sat_f32_u i64.trunc_sat_f64_s i64.trunc_sat_f64_u
"""  # 0xFC 0 ..= 7

# SIMD (0xFD prefix): every sub-opcode from 0 upwards, ``-`` for unassigned ones.
# Memory instructions carry their natural alignment as ``name/align``.
_SIMD = """
v128.load/16 v128.load8x8_s/8 v128.load8x8_u/8 v128.load16x4_s/8 v128.load16x4_u/8
v128.load32x2_s/8 v128.load32x2_u/8 v128.load8_splat/1 v128.load16_splat/2
v128.load32_splat/4 v128.load64_splat/8 v128.store/16 v128.const i8x16.shuffle
i8x16.swizzle i8x16.splat i16x8.splat i32x4.splat i64x2.splat f32x4.splat f64x2.splat
i8x16.extract_lane_s i8x16.extract_lane_u i8x16.replace_lane
i16x8.extract_lane_s i16x8.extract_lane_u i16x8.replace_lane
i32x4.extract_lane i32x4.replace_lane i64x2.extract_lane i64x2.replace_lane
f32x4.extract_lane f32x4.replace_lane f64x2.extract_lane f64x2.replace_lane
i8x16.eq i8x16.ne i8x16.lt_s i8x16.lt_u i8x16.gt_s i8x16.gt_u i8x16.le_s i8x16.le_u
i8x16.ge_s i8x16.ge_u
i16x8.eq i16x8.ne i16x8.lt_s i16x8.lt_u i16x8.gt_s i16x8.gt_u i16x8.le_s i16x8.le_u
i16x8.ge_s i16x8.ge_u
i32x4.eq i32x4.ne i32x4.lt_s i32x4.lt_u i32x4.gt_s i32x4.gt_u i32x4.le_s i32x4.le_u
i32x4.ge_s i32x4.ge_u
f32x4.eq f32x4.ne f32x4.lt f32x4.gt f32x4.le f32x4.ge
f64x2.eq f64x2.ne f64x2.lt f64x2.gt f64x2.le f64x2.ge
v128.not v128.and v128.andnot v128.or v128.xor v128.bitselect v128.any_true
v128.load8_lane/1 v128.load16_lane/2 v128.load32_lane/4 v128.load64_lane/8
v128.store8_lane/1 v128.store16_lane/2 v128.store32_lane/4 v128.store64_lane/8
v128.load32_zero/4 v128.load64_zero/8 f32x4.demote_f64x2_zero f64x2.promote_low_f32x4
i8x16.abs i8x16.neg i8x16.popcnt i8x16.all_true i8x16.bitmask
i8x16.narrow_i16x8_s i8x16.narrow_i16x8_u
f32x4.ceil f32x4.floor f32x4.trunc f32x4.nearest
i8x16.shl i8x16.shr_s i8x16.shr_u i8x16.add i8x16.add_sat_s i8x16.add_sat_u
i8x16.sub i8x16.sub_sat_s i8x16.sub_sat_u f64x2.ceil f64x2.floor
i8x16.min_s i8x16.min_u i8x16.max_s i8x16.max_u f64x2.trunc i8x16.avgr_u
i16x8.extadd_pairwise_i8x16_s i16x8.extadd_pairwise_i8x16_u
i32x4.extadd_pairwise_i16x8_s i32x4.extadd_pairwise_i16x8_u
i16x8.abs i16x8.neg i16x8.q15mulr_sat_s i16x8.all_true i16x8.bitmask
i16x8.narrow_i32x4_s i16x8.narrow_i32x4_u
i16x8.extend_low_i8x16_s i16x8.extend_high_i8x16_s
i16x8.extend_low_i8x16_u i16x8.extend_high_i8x16_u
i16x8.shl i16x8.shr_s i16x8.shr_u i16x8.add i16x8.add_sat_s i16x8.add_sat_u
i16x8.sub i16x8.sub_sat_s i16x8.sub_sat_u f64x2.nearest i16x8.mul
i16x8.min_s i16x8.min_u i16x8.max_s i16x8.max_u - i16x8.avgr_u
i16x8.extmul_low_i8x16_s i16x8.extmul_high_i8x16_s
i16x8.extmul_low_i8x16_u i16x8.extmul_high_i8x16_u
i32x4.abs i32x4.neg - i32x4.all_true i32x4.bitmask - -
i32x4.extend_low_i16x8_s i32x4.extend_high_i16x8_s
i32x4.extend_low_i16x8_u i32x4.extend_high_i16x8_u
i32x4.shl i32x4.shr_s i32x4.shr_u i32x4.add - - i32x4.sub - - - i32x4.mul
i32x4.min_s i32x4.min_u i32x4.max_s i32x4.max_u i32x4.dot_i16x8_s -
i32x4.extmul_low_i16x8_s i32x4.extmul_high_i16x8_s
i32x4.extmul_low_i16x8_u i32x4.extmul_high_i16x8_u
i64x2.abs i64x2.neg - i64x2.all_true i64x2.bitmask - -
i64x2.extend_low_i32x4_s i64x2.extend_high_i32x4_s
i64x2.extend_low_i32x4_u i64x2.extend_high_i32x4_u
i64x2.shl i64x2.shr_s i64x2.shr_u i64x2.add - - i64x2.sub - - - i64x2.mul
i64x2.eq i64x2.ne i64x2.lt_s i64x2.gt_s i64x2.le_s i64x2.ge_s
i64x2.extmul_low_i32x4_s i64x2.extmul_high_i32x4_s
i64x2.extmul_low_i32x4_u i64x2.extmul_high_i32x4_u
f32x4.abs f32x4.neg - f32x4.sqrt f32x4.add f32x4.sub f32x4.mul f32x4.div
f32x4.min f32x4.max f32x4.pmin f32x4.pmax
f64x2.abs f64x2.neg - f64x2.sqrt f64x2.add f64x2.sub f64x2.mul f64x2.div
f64x2.min f64x2.max f64x2.pmin f64x2.pmax
i32x4.trunc_sat_f32x4_s i32x4.trunc_sat_f32x4_u
f32x4.convert_i32x4_s f32x4.convert_i32x4_u
i32x4.trunc_sat_f64x2_s_zero i32x4.trunc_sat_f64x2_u_zero
f64x2.convert_low_i32x4_s f64x2.convert_low_i32x4_u
"""  # 0xFD 0 ..= 255

_RELAXED_SIMD = """
i8x16.relaxed_swizzle i32x4.relaxed_trunc_f32x4_s i32x4.relaxed_trunc_f32x4_u
i32x4.relaxed_trunc_f64x2_s_zero i32x4.relaxed_trunc_f64x2_u_zero
f32x4.relaxed_madd f32x4.relaxed_nmadd f64x2.relaxed_madd f64x2.relaxed_nmadd
i8x16.relaxed_laneselect i16x8.relaxed_laneselect i32x4.relaxed_laneselect
i64x2.relaxed_laneselect f32x4.relaxed_min f32x4.relaxed_max f64x2.relaxed_min
f64x2.relaxed_max i16x8.relaxed_q15mulr_s i16x8.relaxed_dot_i8x16_i7x16_s
i32x4.relaxed_dot_i8x16_i7x16_add_s
"""  # 0xFD 0x100 ..= 0x113

_LANES = {"i8x16": 16, "i16x8": 8, "i32x4": 4, "i64x2": 2, "f32x4": 4, "f64x2": 2}
_SCALAR = {
    "i8x16": "i32",
    "i16x8": "i32",
    "i32x4": "i32",
    "i64x2": "i64",
    "f32x4": "f32",
    "f64x2": "f64",
}
_SIMD_UNARY = (
    "not",
    "abs",
    "neg",
    "popcnt",
    "sqrt",
    "ceil",
    "floor",
    "trunc",
    "nearest",
    "extend_",
    "extadd_",
    "convert_",
    "trunc_sat_",
    "demote_",
    "promote_",
    "relaxed_trunc_",
)
_SIMD_TERNARY = (
    "bitselect",
    "relaxed_madd",
    "relaxed_nmadd",
    "relaxed_laneselect",
    "relaxed_dot_i8x16_i7x16_add_s",
)

_INT_TRAPS = frozenset({"div_s", "div_u", "rem_s", "rem_u"})
_EXTENDED_CONST = frozenset({"i32.add", "i32.sub", "i32.mul", "i64.add", "i64.sub", "i64.mul"})


def _types(side: str) -> tuple[str, ...] | None:
    if side == "?":
        return None
    if not side:
        return ()
    return tuple(t.replace("_", " ") if t.startswith("(") else t for t in side.split(","))


def _sig(sig: str) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    params, _, results = sig.partition("->")
    return _types(params), _types(results)


def _code(text: str) -> tuple[int, ...]:
    return tuple(int(part, 16) for part in text.split("."))


def _flags(names: Iterable[str]) -> Flag:
    flags = Flag.NONE
    for name in names:
        flags |= Flag[name]
    return flags


_WRITES = Flag.MEM_WRITE | Flag.TABLE_WRITE | Flag.HEAP_WRITE | Flag.GLOBAL_WRITE | Flag.CALL | Flag.ATOMIC


def _implied(info: OpInfo) -> OpInfo:
    """Writes to non-local state, calls and atomics are side effects; calls may trap."""
    flags = info.flags
    if flags & _WRITES:
        flags |= Flag.SIDE_EFFECT
    if flags & Flag.CALL:
        flags |= Flag.MAY_TRAP
    if flags == info.flags:
        return info
    return dataclasses.replace(info, flags=flags)


def _from_table(text: str) -> Iterator[OpInfo]:
    feature = "mvp"
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("@feature"):
            feature = line.split()[1]
            continue
        code, name, imms, sig, *rest = line.split()
        params, results = _sig(sig)
        typing = "fixed"
        flag_names: list[str] = []
        alt: tuple[int, ...] = ()
        for token in rest:
            if token.startswith("="):
                typing = token[1:] or name
            elif token.startswith("alt="):
                alt = _code(token[4:])
            else:
                flag_names.append(token)
        yield OpInfo(
            name=name,
            code=_code(code),
            imms=() if imms == "-" else tuple(Imm[i] for i in imms.split(",")),
            params=params,
            results=results,
            typing=typing,
            flags=_flags(flag_names),
            feature=feature,
            alt_code=alt,
        )


def _conversion(name: str, code: tuple[int, ...], feature: str) -> OpInfo:
    """``dst.op_src[_s|_u]``: src -> dst; non-saturating float-to-int truncs trap."""
    dst, _, op = name.partition(".")
    parts = op.split("_")
    src = parts[-1] if parts[-1] not in ("s", "u") else parts[-2]
    traps = parts[0] == "trunc" and parts[1] != "sat"
    return OpInfo(name, code, (), (src,), (dst,), "fixed", Flag.MAY_TRAP if traps else Flag.NONE, feature)


def _numeric() -> Iterator[OpInfo]:
    for first, ty, names, sig in _NUMERIC:
        params, results = _sig(sig)
        for offset, op in enumerate(names.split()):
            name = f"{ty}.{op}"
            flags = Flag.NONE
            if ty[0] == "i" and op in _INT_TRAPS:
                flags |= Flag.MAY_TRAP
            if name in _EXTENDED_CONST:
                flags |= Flag.CONST
            yield OpInfo(name, (first + offset,), (), params, results, "fixed", flags, "mvp")
    mem = (Imm.MEMORY_OPT, Imm.MEMARG)
    for offset, entry in enumerate(_MVP_MEMORY.split()):
        name, _, align = entry.partition("/")
        ty = name[:3]
        if ".load" in name:
            yield OpInfo(
                name,
                (0x28 + offset,),
                mem,
                ("addr",),
                (ty,),
                "load",
                Flag.MEM_READ | Flag.MAY_TRAP,
                "mvp",
                int(align),
            )
        else:
            yield OpInfo(
                name,
                (0x28 + offset,),
                mem,
                ("addr", ty),
                (),
                "store",
                Flag.MEM_WRITE | Flag.MAY_TRAP,
                "mvp",
                int(align),
            )
    for offset, name in enumerate(_CONVERSIONS.split()):
        yield _conversion(name, (0xA7 + offset,), "mvp")
    for offset, name in enumerate(_SIGN_EXT.split()):
        ty = name[:3]
        yield OpInfo(name, (0xC0 + offset,), (), (ty,), (ty,), "fixed", Flag.NONE, "sign-ext")
    for offset, name in enumerate(_SAT_TRUNC.split()):
        yield _conversion(name, (0xFC, offset), "sat-trunc")


def _simd_op(name: str, sub: int, feature: str) -> OpInfo:
    name, _, align_text = name.partition("/")
    align = int(align_text) if align_text else 0
    shape, _, op = name.partition(".")
    code = (0xFD, sub)
    mem = (Imm.MEMORY_OPT, Imm.MEMARG)
    if shape == "v128" and op.startswith("load"):
        if op.endswith("_lane"):
            return OpInfo(
                name,
                code,
                (*mem, Imm.LANE),
                ("addr", "v128"),
                ("v128",),
                "load",
                Flag.MEM_READ | Flag.MAY_TRAP,
                feature,
                align,
                16 // align,
            )
        return OpInfo(
            name,
            code,
            mem,
            ("addr",),
            ("v128",),
            "load",
            Flag.MEM_READ | Flag.MAY_TRAP,
            feature,
            align,
        )
    if shape == "v128" and op.startswith("store"):
        flags = Flag.MEM_WRITE | Flag.MAY_TRAP
        if op.endswith("_lane"):
            return OpInfo(
                name,
                code,
                (*mem, Imm.LANE),
                ("addr", "v128"),
                (),
                "store",
                flags,
                feature,
                align,
                16 // align,
            )
        return OpInfo(name, code, mem, ("addr", "v128"), (), "store", flags, feature, align)
    if name == "v128.const":
        return OpInfo(name, code, (Imm.V128,), (), ("v128",), "fixed", Flag.CONST, feature)
    if name == "i8x16.shuffle":
        return OpInfo(name, code, (Imm.SHUFFLE,), ("v128", "v128"), ("v128",), "fixed", Flag.NONE, feature)
    if op.startswith("extract_lane"):
        return OpInfo(
            name,
            code,
            (Imm.LANE,),
            ("v128",),
            (_SCALAR[shape],),
            "fixed",
            Flag.NONE,
            feature,
            lane_count=_LANES[shape],
        )
    if op == "replace_lane":
        return OpInfo(
            name,
            code,
            (Imm.LANE,),
            ("v128", _SCALAR[shape]),
            ("v128",),
            "fixed",
            Flag.NONE,
            feature,
            lane_count=_LANES[shape],
        )
    if op == "splat":
        params: tuple[str, ...] = (_SCALAR[shape],)
        results: tuple[str, ...] = ("v128",)
    elif op in ("any_true", "all_true", "bitmask"):
        params, results = ("v128",), ("i32",)
    elif op in ("shl", "shr_s", "shr_u"):
        params, results = ("v128", "i32"), ("v128",)
    elif op in _SIMD_TERNARY:
        params, results = ("v128", "v128", "v128"), ("v128",)
    elif op.startswith(_SIMD_UNARY):
        params, results = ("v128",), ("v128",)
    else:
        params, results = ("v128", "v128"), ("v128",)
    return OpInfo(name, code, (), params, results, "fixed", Flag.NONE, feature)


def _simd() -> Iterator[OpInfo]:
    for sub, name in enumerate(_SIMD.split()):
        if name != "-":
            yield _simd_op(name, sub, "simd")
    for offset, name in enumerate(_RELAXED_SIMD.split()):
        yield _simd_op(name, 0x100 + offset, "relaxed-simd")


_ATOMIC_RMW = ("add", "sub", "and", "or", "xor", "xchg", "cmpxchg")
# (type, width suffix, natural alignment) for each rmw sub-opcode group, in order.
_ATOMIC_WIDTHS = (
    ("i32", "", 4),
    ("i64", "", 8),
    ("i32", "8", 1),
    ("i32", "16", 2),
    ("i64", "8", 1),
    ("i64", "16", 2),
    ("i64", "32", 4),
)


def _atomics() -> Iterator[OpInfo]:
    mem = (Imm.MEMORY_OPT, Imm.MEMARG)
    base = Flag.ATOMIC | Flag.MAY_TRAP
    for sub, name, params, align in (
        (0, "memory.atomic.notify", ("addr", "i32"), 4),
        (1, "memory.atomic.wait32", ("addr", "i32", "i64"), 4),
        (2, "memory.atomic.wait64", ("addr", "i64", "i64"), 8),
    ):
        yield OpInfo(
            name,
            (0xFE, sub),
            mem,
            params,
            ("i32",),
            "atomic",
            base | Flag.MEM_READ,
            "threads",
            align,
        )
    sub = 0x10
    for ty, width, align in _ATOMIC_WIDTHS:  # loads 0x10 ..= 0x16
        name = f"{ty}.atomic.load{width}{'_u' if width else ''}"
        yield OpInfo(name, (0xFE, sub), mem, ("addr",), (ty,), "load", base | Flag.MEM_READ, "threads", align)
        sub += 1
    for ty, width, align in _ATOMIC_WIDTHS:  # stores 0x17 ..= 0x1D
        name = f"{ty}.atomic.store{width}"
        yield OpInfo(
            name,
            (0xFE, sub),
            mem,
            ("addr", ty),
            (),
            "store",
            base | Flag.MEM_WRITE,
            "threads",
            align,
        )
        sub += 1
    for op in _ATOMIC_RMW:  # 0x1E ..= 0x4E
        for ty, width, align in _ATOMIC_WIDTHS:
            name = f"{ty}.atomic.rmw{width}.{op}{'_u' if width else ''}"
            params = ("addr", ty, ty) if op == "cmpxchg" else ("addr", ty)
            yield OpInfo(
                name,
                (0xFE, sub),
                mem,
                params,
                (ty,),
                "atomic",
                base | Flag.MEM_READ | Flag.MEM_WRITE,
                "threads",
                align,
            )
            sub += 1


def _build() -> tuple[dict[str, OpInfo], dict[tuple[int, ...], OpInfo]]:
    by_name: dict[str, OpInfo] = {}
    by_code: dict[tuple[int, ...], OpInfo] = {}
    for raw in (*_from_table(_TABLE), *_numeric(), *_simd(), *_atomics()):
        info = _implied(raw)
        if info.name in by_name:
            raise ValueError(f"duplicate instruction name {info.name}")
        by_name[info.name] = info
        for code in (info.code, info.alt_code):
            if not code:
                continue
            if code in by_code:
                raise ValueError(f"duplicate code {code} for {info.name}")
            by_code[code] = info
    ordered = sorted(by_name.values(), key=lambda i: (len(i.code), i.code))
    return {i.name: i for i in ordered}, dict(sorted(by_code.items()))


OPCODES: dict[str, OpInfo]
"""Every instruction by text name (in binary-code order)."""
BY_CODE: dict[tuple[int, ...], OpInfo]
"""Every instruction by binary code, including ``alt_code``s (so ``BY_CODE[k].code``
differs from ``k`` for those three)."""
OPCODES, BY_CODE = _build()


def lookup(name: str) -> OpInfo | None:
    """The instruction named ``name``, or ``None``."""
    return OPCODES.get(name)
