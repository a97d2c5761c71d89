"""Decoding instruction immediates: the general decoder (`Immediates`, one `imm_*` method per
`Imm` kind, which reports what is malformed) and the fast paths the body reader tries first
(`FastImmediates`: the common kinds, well-formed and resolved, decoded from one node or one
word and shared through the module's `ImmCache`; None sends an instruction to the general
decoder). Block structure (labels, `end`, folded forms) is `body.py`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from tree_sitter import Node
from wat_lsp.analysis import cst
from wat_lsp.analysis.literals import parse_float, parse_index, parse_int, parse_u64, shown
from wat_lsp.analysis.model import UNRESOLVED, BlockType, Immediate, MemArg, Module, RefType, Span, ValType
from wat_lsp.analysis.opcodes import OPCODES, Imm, OpInfo, optional_index_present
from wat_lsp.analysis.types_reader import Report, resolve_index

if TYPE_CHECKING:
    from wat_lsp.analysis.body import BodyReader

_T = TypeVar("_T")

SIMD_LANES = {"i8x16": (16, 8), "i16x8": (8, 16), "i32x4": (4, 32), "i64x2": (2, 64),
               "f32x4": (4, 32), "f64x2": (2, 64)}  # fmt: skip


class ImmCache:
    """Immediates already decoded, by their source bytes, shared by the bodies of a module:
    the same `$name` or literal is resolved once, and equal immediates share one tuple."""

    def __init__(self) -> None:
        self.by_code: dict[object, dict[object, tuple[Immediate, ...]]] = {}
        self.types: dict[bytes, ValType] = {}  # see `TypeNames.cache`
        # A whole instruction's text whose reading needs nothing around it (no immediate, or
        # numbers only: `i32.const 1`) -> (instruction, immediates, words, where its tokens
        # start and end in the text): read once per module, not once per copy (100,000
        # `(i32.const 1)` operands in a deep nest)
        self.texts: dict[bytes, tuple[OpInfo, tuple[Immediate, ...], int, int, int]] = {}


class FastImmediates:
    """The body reader's fast paths for immediates (a mixin of `BodyReader`, whose state they
    read): nothing is reported here, anything unsure returns None."""

    data: bytes
    module: Module
    labels: list[str | None]
    local_names: dict[str, int]
    _cache: dict[object, dict[object, tuple[Immediate, ...]]]
    _locals: dict[object, tuple[Immediate, ...]]

    def _word_imm(self, code: object, word: bytes, last_type: int) -> tuple[Immediate, ...] | None:
        """`(value,)` of one immediate written as `word` (one token, see `_plain_words`):
        a `$name` is an identifier token and a word of digits an integer one, decoded as
        `_fast_one` decodes them; other words are taken from the caches only."""
        if word[:1] == b"$":
            if word[1:2] == b'"':
                return None
            if code == "local":
                hit = self._locals.get(word)
                if hit is None:
                    hit = _resolve_id(word, self.local_names)
                    if hit is not None:
                        self._locals[word] = hit
                return hit
            if code == "label":
                name = word[1:].decode("utf-8", "replace")
                labels = self.labels
                for depth in range(len(labels)):
                    if labels[-1 - depth] == name:
                        return _small(depth)
                return None
            if code in _NUMBER_CODES:
                return None
            if code == "field":
                if not 0 <= last_type < len(self.module.types):
                    return None
                return self._cached(
                    (last_type, code), word, _resolve_id, self.module.types[last_type].field_names
                )
            hit = self._cache.get(code, _EMPTY).get(word)
            if hit is not None:
                return hit
            names = self.module.names.get(code)  # type: ignore[call-overload]
            return self._cached(code, word, _resolve_id, names or {})
        if code not in _NUMBER_CODES:
            code = "label"  # integer indices
        hit = self._cache.get(code, _EMPTY).get(word)
        if hit is not None:
            return hit
        if code == "label":
            return self._cached(code, word, _index_value, None) if word.isdigit() else None
        if word.isdigit() or (word[:1] in _SIGNS and word[1:].isdigit()):
            return self._cached(code, word, _NUMBER_CODES[code], None)
        return None

    def _fast_imms(self, plan: tuple[object, ...], nodes: list[Node]) -> tuple[Immediate, ...] | None:
        """The immediates of the common kinds (indices, labels, numbers, plain memargs) when
        they are well-formed and resolve; None sends the instruction to `Immediates`,
        which decodes everything and reports what is wrong. Nothing is reported here."""
        if plan[0] is MEMARG:
            return self._fast_memarg(plan, nodes)
        if len(nodes) != len(plan):
            return None
        if len(plan) == 1:
            return self._fast_one(plan[0], nodes[0], -1)
        return self._fast_each(plan, nodes, self._fast_one)

    def _fast_each(
        self,
        plan: tuple[object, ...],
        items: Sequence[_T],
        one: Callable[[object, _T, int], tuple[Immediate, ...] | None],
    ) -> tuple[Immediate, ...] | None:
        """The immediates of `plan` from `items` (nodes or words), one each, decoded by `one`;
        a FIELD is looked up in the type before it."""
        values: list[Immediate] = []
        last_type = UNRESOLVED
        for code, item in zip(plan, items, strict=True):
            hit = one(code, item, last_type)
            if hit is None:
                return None
            if code == "type":
                last_type = hit[0]  # type: ignore[assignment]
            values.append(hit[0])
        return tuple(values)

    def _fast_one(self, code: object, node: Node, last_type: int) -> tuple[Immediate, ...] | None:
        """`(value,)` of one immediate (shared between equal ones), or None."""
        k = node.kind_id
        if code == "label":
            if k in _ID_KINDS:
                raw = self.data[node.start_byte : node.end_byte]
                if raw[1:2] == b'"':
                    return None
                name = raw[1:].decode("utf-8", "replace")
                labels = self.labels
                for depth in range(len(labels)):
                    if labels[-1 - depth] == name:
                        return _small(depth)
                return None
            if k not in _INT_KINDS:
                return None
            return self._cached("label", self.data[node.start_byte : node.end_byte], _index_value, None)
        if code in _NUMBER_CODES:
            if k not in _INT_KINDS and (code in _INT_CODES or k not in _FLOAT_KINDS):
                return None
            return self._cached(code, self.data[node.start_byte : node.end_byte], _NUMBER_CODES[code], None)
        if k in _ID_KINDS:
            names: dict[str, int] | None
            if code == "local":
                cache = self._locals
                raw = self.data[node.start_byte : node.end_byte]
                hit = cache.get(raw)
                if hit is None:
                    hit = _resolve_id(raw, self.local_names)
                    if hit is None:
                        return None
                    cache[raw] = hit
                return hit
            if code == "field":
                if not 0 <= last_type < len(self.module.types):
                    return None
                raw = self.data[node.start_byte : node.end_byte]
                return self._cached(
                    (last_type, code), raw, _resolve_id, self.module.types[last_type].field_names
                )
            names = self.module.names.get(code)  # type: ignore[call-overload]
            return self._cached(code, self.data[node.start_byte : node.end_byte], _resolve_id, names or {})
        if k in _INT_KINDS:
            if code == "field" and last_type == UNRESOLVED:
                return None
            return self._cached("label", self.data[node.start_byte : node.end_byte], _index_value, None)
        return None

    def _cached(
        self,
        code: object,
        raw: bytes,
        decode: Callable[[bytes, dict[str, int] | None], tuple[Immediate, ...] | None],
        names: dict[str, int] | None,
    ) -> tuple[Immediate, ...] | None:
        cache = self._cache.get(code)
        if cache is None:
            cache = self._cache[code] = {}
        hit = cache.get(raw)
        if hit is None:
            hit = decode(raw, names)
            if hit is not None:
                cache[raw] = hit
        return hit

    def _fast_memarg(self, plan: tuple[object, ...], nodes: list[Node]) -> tuple[Immediate, ...] | None:
        """`MEMORY_OPT MEMARG` written as `offset=? align=?` (no memory index)."""
        if len(nodes) > 2:
            return None
        data = self.data
        offset = align = b""
        pos = 0
        if nodes and nodes[0].kind_id in _OFFSET_KINDS:
            offset = data[nodes[0].start_byte : nodes[0].end_byte]
            pos = 1
        if pos < len(nodes) and nodes[pos].kind_id in _ALIGN_KINDS:
            align = data[nodes[pos].start_byte : nodes[pos].end_byte]
            pos += 1
        if pos != len(nodes):
            return None
        return self._memarg_cached(plan[1], offset, align)  # type: ignore[arg-type]

    def _memarg_cached(self, natural: int, offset: bytes, align: bytes) -> tuple[Immediate, ...] | None:
        """`_memarg`, shared between equal `offset=`/`align=` texts of the module."""
        key = (natural, offset, align)
        cache = self._cache.get(MEMARG)
        if cache is None:
            cache = self._cache[MEMARG] = {}
        hit = cache.get(key)
        if hit is None:
            hit = _memarg(natural, offset, align)
            if hit is not None:
                cache[key] = hit
        return hit


class Immediates:
    """Decodes one instruction's immediates, driven by its `OpInfo.imms`."""

    def __init__(self, body: BodyReader, op: OpInfo, nodes: list[Node], at: Span) -> None:
        self.b = body
        self.op = op
        self.nodes = nodes
        self.at = at
        self.pos = 0
        self.ok = True
        self.last_type = UNRESOLVED  # for a FIELD immediate, which is scoped by its type
        self.memory = 0  # for a MEMARG, which records its memory

    def fail(self, message: str, span: Span | None = None) -> None:
        if self.ok:
            self.b.report("malformed", message, span or self.at)
        self.ok = False

    def peek(self) -> Node | None:
        return self.nodes[self.pos] if self.pos < len(self.nodes) else None

    def take(self, *types: str) -> Node | None:
        node = self.peek()
        if node is not None and node.type in types:
            self.pos += 1
            return node
        return None

    def need(self, what: str, *types: str) -> Node | None:
        node = self.take(*types)
        if node is None:
            found = self.peek()
            if found is None:
                self.fail(f"`{self.op.name}` expects {what}")
            else:
                self.fail(
                    f"`{self.op.name}` expects {what}, found `{shown(cst.text(self.b.data, found))}`",
                    cst.span(found),
                )
        return node

    def remaining_numbers(self) -> int:
        return sum(1 for n in self.nodes[self.pos :] if n.type in ("integer", "identifier"))

    def read(self) -> tuple[Immediate, ...] | None:
        out: list[Immediate] = []
        kinds = self.op.imms
        for i, kind in enumerate(kinds):
            handler = _HANDLERS.get(kind)
            if handler is None:  # structural immediates (labels, block types) are not plain
                self.fail(f"`{self.op.name}` cannot be written as a plain instruction here")
                return None
            value = handler(self, kinds[i + 1 :])
            out.append(value)
            if not self.ok:
                return None
        extra = self.peek()
        if extra is not None:
            self.fail(
                f"unexpected immediate `{cst.text(self.b.data, extra)}` for `{self.op.name}`", cst.span(extra)
            )
            return None
        return tuple(out)

    # One method per Imm kind; `rest` is the kinds that follow (for optional indices).

    def _idx(self, space: str, what: str) -> int:
        node = self.need(what, "identifier", "integer")
        return self.b._index(node, space) if node is not None else UNRESOLVED

    def _opt_idx(self, space: str, rest: tuple[Imm, ...]) -> int:
        node = self.peek()
        if (
            node is not None
            and node.type in ("identifier", "integer")
            and (optional_index_present(rest, self.remaining_numbers()))
        ):
            self.pos += 1
            return self.b._index(node, space)
        return 0

    def imm_label(self, rest: tuple[Imm, ...]) -> int:
        node = self.need("a label", "identifier", "integer")
        return self.b._label(node) if node is not None else UNRESOLVED

    def imm_labels_default(self, rest: tuple[Imm, ...]) -> tuple[int, ...]:
        labels: list[int] = []
        while (node := self.take("identifier", "integer")) is not None:
            labels.append(self.b._label(node))
        if not labels:
            self.fail(f"`{self.op.name}` expects at least one label")
        return tuple(labels)

    def imm_func(self, rest: tuple[Imm, ...]) -> int:
        return self._idx("func", "a function")

    def imm_type(self, rest: tuple[Imm, ...]) -> int:
        node = self.need("a type", "identifier", "integer")
        self.last_type = self.b.types.index(node) if node is not None else UNRESOLVED
        return self.last_type

    def imm_local(self, rest: tuple[Imm, ...]) -> int:
        return self._idx("local", "a local")

    def imm_global(self, rest: tuple[Imm, ...]) -> int:
        return self._idx("global", "a global")

    def imm_table(self, rest: tuple[Imm, ...]) -> int:
        return self._idx("table", "a table")

    def _one_of_a_pair(self, kind: Imm, rest: tuple[Imm, ...]) -> bool:
        """`table.copy 1`, `memory.copy 1`: the two indices of a copy are written together
        or not at all (the spec's only abbreviation is `table.copy` = `table.copy 0 0`)."""
        if rest[:1] == (kind,) and self.remaining_numbers() == 1:
            node = self.peek()
            space = "table" if kind == Imm.TABLE_OPT else "memory"
            self.fail(f"`{self.op.name}` takes two {space} indices or none", cst.span(node) if node else None)
            return True
        return False

    def imm_table_opt(self, rest: tuple[Imm, ...]) -> int:
        if self._one_of_a_pair(Imm.TABLE_OPT, rest):
            return 0
        return self._opt_idx("table", rest)

    def imm_memory(self, rest: tuple[Imm, ...]) -> int:
        return self._idx("memory", "a memory")

    def imm_memory_opt(self, rest: tuple[Imm, ...]) -> int:
        if self._one_of_a_pair(Imm.MEMORY_OPT, rest):
            return 0
        self.memory = self._opt_idx("memory", rest)
        return self.memory

    def imm_tag(self, rest: tuple[Imm, ...]) -> int:
        return self._idx("tag", "a tag")

    def imm_data(self, rest: tuple[Imm, ...]) -> int:
        return self._idx("data", "a data segment")

    def imm_elem(self, rest: tuple[Imm, ...]) -> int:
        return self._idx("elem", "an element segment")

    def imm_field(self, rest: tuple[Imm, ...]) -> int:
        node = self.need("a field", "identifier", "integer")
        if node is None:
            return UNRESOLVED
        type_idx = self.last_type
        names: dict[str, int] = {}
        if 0 <= type_idx < len(self.b.module.types):
            names = self.b.module.types[type_idx].field_names
        if node.type == "identifier" and type_idx == UNRESOLVED:
            return UNRESOLVED  # the type was already reported
        return resolve_index(self.b.data, node, names, "field", self.b.report)

    def imm_memarg(self, rest: tuple[Imm, ...]) -> MemArg:
        memory = self.memory
        offset = 0
        align = self.op.natural_align
        node = self.take("mem_offset")
        if node is not None:
            raw = cst.text(self.b.data, node).split("=", 1)[1]
            value, err = parse_u64(raw)
            if err is not None:
                self.fail(err, cst.span(node))
            offset = value
        node = self.take("mem_align")
        if node is not None:
            raw = cst.text(self.b.data, node).split("=", 1)[1]
            value, err = parse_u64(raw)
            if err is not None or value == 0 or value & (value - 1):
                self.fail(
                    f"alignment must be a power of two: `{shown(cst.text(self.b.data, node))}`",
                    cst.span(node),
                )
            align = value
        return MemArg(memory, offset, align)

    def imm_lane(self, rest: tuple[Imm, ...]) -> int:
        node = self.need("a lane index", "integer")
        if node is None:
            return 0
        value, err = parse_int(cst.text(self.b.data, node), 8)
        if err is not None or cst.text(self.b.data, node).startswith(("-", "+")):
            self.fail(f"malformed lane index `{shown(cst.text(self.b.data, node))}`", cst.span(node))
        return value

    def _number(self, bits: int, is_float: bool) -> int:
        node = self.need("a number", "integer", "float")
        if node is None:
            return 0
        raw = cst.text(self.b.data, node)
        if is_float:
            value, err = parse_float(raw, bits)
        elif node.type == "float":
            value, err = 0, f"expected an integer, found `{shown(raw)}`"
        else:
            value, err = parse_int(raw, bits)
        if err is not None:
            self.b.report("malformed-literal", err, cst.span(node))
            self.ok = False
        return value

    def imm_i32(self, rest: tuple[Imm, ...]) -> int:
        return self._number(32, False)

    def imm_u32(self, rest: tuple[Imm, ...]) -> int:
        node = self.need("a number", "integer")
        if node is None:
            return 0
        value, err = parse_u64(cst.text(self.b.data, node))
        if err is not None or value >= 1 << 32:
            self.fail(f"malformed u32 `{shown(cst.text(self.b.data, node))}`", cst.span(node))
        return value

    def imm_i64(self, rest: tuple[Imm, ...]) -> int:
        return self._number(64, False)

    def imm_f32(self, rest: tuple[Imm, ...]) -> int:
        return self._number(32, True)

    def imm_f64(self, rest: tuple[Imm, ...]) -> int:
        return self._number(64, True)

    def imm_v128(self, rest: tuple[Imm, ...]) -> bytes:
        node = self.need("a vector shape", "simd_shape")
        if node is None:
            return bytes(16)
        shape = cst.text(self.b.data, node)
        lanes, bits = SIMD_LANES[shape]
        out = bytearray()
        for _ in range(lanes):
            lane = self.need(f"{lanes} lanes for `{shape}`", "integer", "float")
            if lane is None:
                return bytes(16)
            raw = cst.text(self.b.data, lane)
            if shape[0] == "f":
                value, err = parse_float(raw, bits)
            elif lane.type == "float":
                value, err = 0, f"expected an integer lane, found `{shown(raw)}`"
            else:
                value, err = parse_int(raw, bits)
            if err is not None:
                self.b.report("malformed-literal", err, cst.span(lane))
                self.ok = False
            out += value.to_bytes(bits // 8, "little")
        return bytes(out)

    def imm_shuffle(self, rest: tuple[Imm, ...]) -> bytes:
        out = bytearray()
        for _ in range(16):
            node = self.need("16 lane indices", "integer")
            if node is None:
                return bytes(16)
            value = self.imm_lane_value(node)
            out.append(value & 0xFF)
        return bytes(out)

    def imm_lane_value(self, node: Node) -> int:
        raw = cst.text(self.b.data, node)
        value, err = parse_int(raw, 8)
        if err is not None or raw.startswith(("-", "+")):
            self.fail(f"malformed lane index `{shown(raw)}`", cst.span(node))
        return value

    def imm_heap_type(self, rest: tuple[Imm, ...]) -> str | int | RefType:
        """A heap type; `(exact $t)` (custom descriptors) reads as the nullable exact
        reference type `ref.null` then produces."""
        node = self.need("a heap type", "abs_heap_type", "identifier", "integer", "exact_heap_type")
        if node is None:
            return UNRESOLVED
        if node.type == "exact_heap_type":
            inner = cst.named(node)
            return RefType(True, self.b.types.heap_type(inner[-1]) if inner else UNRESOLVED, True)
        return self.b.types.heap_type(node)

    def imm_ref_type(self, rest: tuple[Imm, ...]) -> object:
        node = self.need("a reference type", "ref_type")
        return self.b.types.ref_type(node) if node is not None else None

    def imm_select_types(self, rest: tuple[Imm, ...]) -> tuple[ValType, ...] | None:
        types: list[ValType] | None = None
        while (node := self.take("result")) is not None:
            types = types or []
            types.extend(self.b.types.val_type(k) for k in cst.named(node))
        return tuple(types) if types is not None else None

    def imm_type_use(self, rest: tuple[Imm, ...]) -> BlockType:
        nodes: list[Node] = []
        while (node := self.take("type_use", "param", "result")) is not None:
            nodes.append(node)
        check_type_use_order(nodes, self.b.report)
        return self.b._block_type(nodes)

    def imm_on_clauses(self, rest: tuple[Imm, ...]) -> tuple[tuple[int, int | None], ...]:
        out: list[tuple[int, int | None]] = []
        while (node := self.take("on_clause")) is not None:
            kids = [k for k in cst.named(node) if k.type in ("identifier", "integer")]
            tag = self.b._index(kids[0], "tag") if kids else UNRESOLVED
            label = self.b._label(kids[1]) if len(kids) > 1 else None  # None: `switch`
            out.append((tag, label))
        return tuple(out)


# --- tables of the fast paths -------------------------------------------------------------

_ID_KINDS = cst.kind_ids(("identifier",))
_INT_KINDS = cst.kind_ids(("integer",))
_FLOAT_KINDS = cst.kind_ids(("float",))
_OFFSET_KINDS = cst.kind_ids(("mem_offset",))
_ALIGN_KINDS = cst.kind_ids(("mem_align",))
_SMALL = tuple((i,) for i in range(256))
_EMPTY: dict[object, tuple[Immediate, ...]] = {}
_SIGNS = (b"-", b"+")
_FAST_DIGITS = 20  # longer digit strings take the general path, which reads any length in linear time


def _small(value: int) -> tuple[Immediate, ...]:
    return _SMALL[value] if value < 256 else (value,)


def _resolve_id(raw: bytes, names: dict[str, int] | None) -> tuple[Immediate, ...] | None:
    """`resolve_index` of a plain `$name` that is defined (else None: the general path)."""
    if raw[1:2] == b'"' or names is None:
        return None
    index = names.get(raw[1:].decode("utf-8", "replace"))
    return None if index is None else _small(index)


def _index_value(raw: bytes, names: dict[str, int] | None) -> tuple[Immediate, ...] | None:
    if raw.isdigit() and len(raw) <= _FAST_DIGITS:
        value = int(raw)
        return _small(value) if value < 1 << 32 else None
    value, err = parse_index(raw.decode("utf-8", "replace"))
    return None if err is not None else _small(value)


def _int_decoder(bits: int) -> Callable[[bytes, dict[str, int] | None], tuple[Immediate, ...] | None]:
    def decode(raw: bytes, names: dict[str, int] | None) -> tuple[Immediate, ...] | None:
        if raw.isdigit() and len(raw) <= _FAST_DIGITS:
            value = int(raw)
            return _small(value) if value < 1 << bits else None
        value, err = parse_int(raw.decode("utf-8", "replace"), bits)
        return None if err is not None else _small(value)

    return decode


def _float_decoder(bits: int) -> Callable[[bytes, dict[str, int] | None], tuple[Immediate, ...] | None]:
    def decode(raw: bytes, names: dict[str, int] | None) -> tuple[Immediate, ...] | None:
        value, err = parse_float(raw.decode("utf-8", "replace"), bits)
        return None if err is not None else _small(value)

    return decode


_NUMBER_CODES = {"i32": _int_decoder(32), "i64": _int_decoder(64), "f32": _float_decoder(32),
                 "f64": _float_decoder(64)}  # fmt: skip
_INT_CODES = frozenset({"i32", "i64"})


def _memarg(natural: int, offset: bytes, align: bytes) -> tuple[Immediate, ...] | None:
    """`(0, MemArg)` of `offset=.. align=..` (either may be empty), or None if malformed."""
    off = 0
    if offset:
        off, err = parse_u64(offset.decode("utf-8", "replace").split("=", 1)[1])
        if err is not None:
            return None
    value = natural
    if align:
        value, err = parse_u64(align.decode("utf-8", "replace").split("=", 1)[1])
        if err is not None or value == 0 or value & (value - 1):
            return None
    return (0, MemArg(0, off, value))


MEMARG = object()  # the plan of `MEMORY_OPT MEMARG`
# Imm kinds the fast path decodes: one node each
_FAST_CODES = {Imm.LOCAL: "local", Imm.GLOBAL: "global", Imm.FUNC: "func", Imm.TAG: "tag",
               Imm.DATA: "data", Imm.ELEM: "elem", Imm.TYPE: "type", Imm.FIELD: "field",
               Imm.LABEL: "label", Imm.I32: "i32", Imm.I64: "i64", Imm.F32: "f32",
               Imm.F64: "f64"}  # fmt: skip


def _plan(op: OpInfo) -> tuple[object, ...] | None:
    if op.imms == (Imm.MEMORY_OPT, Imm.MEMARG):
        return (MEMARG, op.natural_align)
    if op.imms and all(k in _FAST_CODES for k in op.imms):
        return tuple(_FAST_CODES[k] for k in op.imms)
    return None


# mnemonic bytes -> (instruction, its fast-path plan or None)
OPS = {name.encode(): (op, _plan(op)) for name, op in OPCODES.items()}
# The instructions whose immediates, read from words, are the same wherever they stand: none,
# or numbers only (no index, label or local: those depend on the module, function and
# enclosing blocks). `ImmCache.texts` keeps those. By name: hashing an `OpInfo` hashes all
# its fields (its `Flag` in Python), a third of a second on 13 MB.
CONTEXT_FREE = frozenset(
    op.name
    for op, plan in OPS.values()
    if (plan is None and not op.imms) or (plan is not None and all(c in _NUMBER_CODES for c in plan))
)
# Imm kind -> the `Immediates` method that reads it
_HANDLERS: dict[Imm, Callable[[Immediates, tuple[Imm, ...]], Immediate]] = {
    kind: getattr(Immediates, "imm_" + kind.name.lower())
    for kind in Imm
    if hasattr(Immediates, "imm_" + kind.name.lower())
}

_USE_ORDER = {"type_use": 0, "param": 1, "result": 2}


def check_type_use_order(nodes: list[Node], report: Report) -> None:
    """`(type ..)` first, then params, then results: any other order is malformed."""
    last = -1
    for n in nodes:
        rank = _USE_ORDER.get(n.type, 0)
        if rank < last or (rank == 0 and last == 0):
            report(
                "malformed",
                f"`{n.type.replace('_use', '')}` out of order in a type use "
                "(expected `(type ..)`, then `(param ..)`, then `(result ..)`)",
                cst.span(n),
            )
            return
        last = rank
