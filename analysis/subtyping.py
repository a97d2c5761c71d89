"""Type equivalence and subtyping for WebAssembly 3.0 (GC, function references, exceptions,
stack switching), and the WAT spelling of types for messages.

Equivalence is iso-recursive, as the spec defines it: two defined types are equivalent when
their recursion groups are structurally identical, with references inside a group written
relative to the group and references to earlier groups replaced by those groups' canonical
ids. `TypeTable` computes one canonical id per type index in a single pass over the groups
(earlier groups are canonical before later ones refer to them), so equivalence is an integer
comparison.

Subtyping of defined types follows the declared `sub` chains (each type has at most one
direct supertype and it is defined before the type, so chains are acyclic and finite).
Abstract heap types form the usual lattices: any > eq > {i31, struct, array} > none,
func > nofunc, extern > noextern, exn > noexn, cont > nocont; a defined struct/array type
sits under `struct`/`array`, a function type under `func`, a continuation type under `cont`.

Two pseudo heap types exist only inside the validator:
* `BOT_HEAP` ("bot"): a reference whose heap type is unknown (after `unreachable`), a subtype
  of every heap type;
* `TOP_HEAP` ("*"): "any reference", the expected type of `ref.is_null` and friends.
An operand of completely unknown type (the spec's bottom value type) is `None`.
"""

from __future__ import annotations

from collections.abc import Sequence

from wat_lsp.analysis.model import (
    ABS_HEAP_TOP,
    REF_SHORTHANDS,
    UNRESOLVED,
    ArrayType,
    CompType,
    ContType,
    FieldType,
    FuncType,
    Module,
    RefType,
    StorageType,
    StructType,
    ValType,
)

BOT_HEAP = "bot"
TOP_HEAP = "*"
ANY_REF = RefType(True, TOP_HEAP)  # expected: any reference at all
UNKNOWN_REF = RefType(False, BOT_HEAP)  # found: a reference of unknown type

# abstract heap type -> the abstract heap types it is a subtype of (itself included)
ABS_SUPERS: dict[str, frozenset[str]] = {
    "any": frozenset({"any"}),
    "eq": frozenset({"eq", "any"}),
    "i31": frozenset({"i31", "eq", "any"}),
    "struct": frozenset({"struct", "eq", "any"}),
    "array": frozenset({"array", "eq", "any"}),
    "none": frozenset({"none", "i31", "struct", "array", "eq", "any"}),
    "func": frozenset({"func"}),
    "nofunc": frozenset({"nofunc", "func"}),
    "extern": frozenset({"extern"}),
    "noextern": frozenset({"noextern", "extern"}),
    "exn": frozenset({"exn"}),
    "noexn": frozenset({"noexn", "exn"}),
    "cont": frozenset({"cont"}),
    "nocont": frozenset({"nocont", "cont"}),
}
# kind of a defined type -> abstract heap types above it
KIND_SUPERS: dict[str, frozenset[str]] = {
    "func": frozenset({"func"}),
    "struct": frozenset({"struct", "eq", "any"}),
    "array": frozenset({"array", "eq", "any"}),
    "cont": frozenset({"cont"}),
}
KIND_TOP = {"func": "func", "struct": "any", "array": "any", "cont": "cont"}
KIND_BOTTOM = {"func": "nofunc", "struct": "none", "array": "none", "cont": "nocont"}
BOTTOMS = frozenset({"none", "nofunc", "noextern", "noexn", "nocont", BOT_HEAP})
SHORTHAND_OF = {heap: name for name, heap in REF_SHORTHANDS.items()}
NUMERIC = frozenset({"i32", "i64", "f32", "f64", "v128"})

# Implementation limit of wasm-tools (and engines): subtyping chains are at most this deep.
MAX_SUBTYPING_DEPTH = 63


def comp_kind(comp: CompType) -> str:
    if isinstance(comp, FuncType):
        return "func"
    if isinstance(comp, StructType):
        return "struct"
    if isinstance(comp, ArrayType):
        return "array"
    return "cont"


def unpack(storage: StorageType) -> ValType:
    """The value type of a field: packed i8/i16 read as i32."""
    return "i32" if storage in ("i8", "i16") else storage


def is_packed(storage: StorageType) -> bool:
    return storage in ("i8", "i16")


def defaultable(t: ValType | None) -> bool:
    """Has a default value (numbers, vectors, nullable references). Unknown types count as
    defaultable so that an unresolved name causes no further errors."""
    if t is None or isinstance(t, str):
        return True
    return t.nullable or t.heap == UNRESOLVED


class TypeTable:
    """The module's defined types, canonicalised for equivalence and subtyping."""

    def __init__(self, module: Module) -> None:
        types = module.types
        n = len(types)
        self.module = module
        self.n = n
        self.kind: list[str] = [comp_kind(td.comp) for td in types]
        self.canon: list[int] = list(range(n))
        # direct supertype, only when it is valid (defined earlier, in range)
        self.super: list[int | None] = [None] * n
        self.group_end: list[int] = [n] * n
        self.group_start: list[int] = [0] * n
        self._cache: dict[tuple[int, int], bool] = {}
        for i, td in enumerate(types):
            if td.supertypes:
                s = td.supertypes[0]
                if isinstance(s, int) and 0 <= s < i:
                    self.super[i] = s
        self._canonicalise()

    # --- canonical ids ----------------------------------------------------------------

    def _canonicalise(self) -> None:
        types = self.module.types
        groups: list[tuple[int, int]] = []
        covered = 0
        for g in self.module.rec_groups:
            if g.start != covered or g.count < 0:
                continue  # defensive: groups must tile the type space in order
            groups.append((g.start, g.count))
            covered = g.start + g.count
        while covered < self.n:  # types outside any group: singleton groups
            groups.append((covered, 1))
            covered += 1
        ids: dict[tuple[int, int], int] = {}
        groups_seen: dict[object, int] = {}
        for start, count in groups:
            end = min(start + count, self.n)
            for i in range(start, end):
                self.group_end[i] = end
                self.group_start[i] = start

            def heap(h: str | int, start: int = start, end: int = end) -> object:
                if isinstance(h, str):
                    return h
                if start <= h < end:
                    return ("r", h - start)
                if 0 <= h < start:
                    return ("c", self.canon[h])
                return ("x", h)

            def val(t: StorageType) -> object:
                if isinstance(t, str):
                    return t
                return (t.nullable, heap(t.heap), t.exact)

            keys = []
            for i in range(start, end):
                td = types[i]
                c = td.comp
                if isinstance(c, FuncType):
                    ck: object = ("func", tuple(map(val, c.params)), tuple(map(val, c.results)))
                elif isinstance(c, StructType):
                    ck = ("struct", tuple((val(f.storage), f.mutable) for f in c.fields))
                elif isinstance(c, ArrayType):
                    ck = ("array", val(c.elem.storage), c.elem.mutable)
                else:
                    ck = ("cont", heap(c.func_type))
                # custom descriptors: the clauses are part of a type's structure
                desc = (
                    None if td.describes is None else heap(td.describes),
                    None if td.descriptor is None else heap(td.descriptor),
                )
                keys.append((td.final, tuple(heap(s) for s in td.supertypes), desc, ck))
            gid = groups_seen.setdefault(tuple(keys), len(groups_seen))
            for k, i in enumerate(range(start, end)):
                self.canon[i] = ids.setdefault((gid, k), len(ids))

    # --- queries ----------------------------------------------------------------------

    def valid_index(self, h: object) -> bool:
        return isinstance(h, int) and 0 <= h < self.n

    def equivalent(self, a: int, b: int) -> bool:
        return self.canon[a] == self.canon[b]

    def concrete_sub(self, a: int, b: int) -> bool:
        canon = self.canon
        cb = canon[b]
        if canon[a] == cb:
            return True
        key = (a, b)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        result = False
        x = self.super[a]
        steps = 0
        while x is not None and steps <= self.n:
            if canon[x] == cb:
                result = True
                break
            x = self.super[x]
            steps += 1
        self._cache[key] = result
        return result

    def heap_sub(self, a: str | int, b: str | int) -> bool:
        if a == b or b == TOP_HEAP or a == BOT_HEAP:  # noqa: SIM109
            return True
        if isinstance(a, int):
            if not 0 <= a < self.n:
                return True  # unresolved or out of range: reported elsewhere
            if isinstance(b, int):
                if not 0 <= b < self.n:
                    return True
                return self.concrete_sub(a, b)
            return b in KIND_SUPERS[self.kind[a]]
        if isinstance(b, int):
            if not 0 <= b < self.n:
                return True
            return a == KIND_BOTTOM[self.kind[b]]
        supers = ABS_SUPERS.get(a)
        return supers is None or b in supers or b not in ABS_SUPERS

    def is_sub(self, a: ValType | None, b: ValType | None) -> bool:
        """`a <: b`; `None` (unknown) on either side matches."""
        if a is None or b is None or a == b:
            return True
        if isinstance(a, str) or isinstance(b, str):
            return False
        if a.nullable and not b.nullable:
            return False
        if b.exact and not self._exact_ok(a, b):
            return False
        return self.heap_sub(a.heap, b.heap)

    def _exact_ok(self, a: RefType, b: RefType) -> bool:
        if a.heap in BOTTOMS or a.heap == UNRESOLVED or b.heap == UNRESOLVED:
            return True
        if not a.exact:
            return False
        if isinstance(a.heap, int) and isinstance(b.heap, int):
            if not (self.valid_index(a.heap) and self.valid_index(b.heap)):
                return True
            return self.equivalent(a.heap, b.heap)
        return a.heap == b.heap

    def is_sub_all(self, a: Sequence[ValType | None], b: Sequence[ValType | None]) -> bool:
        return len(a) == len(b) and all(self.is_sub(x, y) for x, y in zip(a, b, strict=True))

    def same_all(self, a: Sequence[ValType | None], b: Sequence[ValType | None]) -> bool:
        """Equal type lists: subtypes both ways."""
        return self.is_sub_all(a, b) and self.is_sub_all(b, a)

    def storage_sub(self, a: StorageType, b: StorageType) -> bool:
        if is_packed(a) or is_packed(b):
            return a == b
        return self.is_sub(a, b)

    def field_sub(self, a: FieldType, b: FieldType) -> bool:
        if a.mutable != b.mutable:
            return False
        if a.mutable:
            return self.storage_sub(a.storage, b.storage) and self.storage_sub(b.storage, a.storage)
        return self.storage_sub(a.storage, b.storage)

    def top(self, heap: str | int) -> str | None:
        """The top heap type of `heap`'s hierarchy (None when unknown)."""
        if isinstance(heap, int):
            return KIND_TOP[self.kind[heap]] if 0 <= heap < self.n else None
        return ABS_HEAP_TOP.get(heap)

    def comp(self, index: int) -> CompType | None:
        return self.module.types[index].comp if 0 <= index < self.n else None

    def func(self, index: int) -> FuncType | None:
        c = self.comp(index)
        return c if isinstance(c, FuncType) else None

    def struct(self, index: int) -> StructType | None:
        c = self.comp(index)
        return c if isinstance(c, StructType) else None

    def array(self, index: int) -> ArrayType | None:
        c = self.comp(index)
        return c if isinstance(c, ArrayType) else None

    def descriptor(self, index: object) -> int | None:
        """The `(descriptor $y)` of a valid type index, when it names a valid type."""
        if not self.valid_index(index):
            return None
        assert isinstance(index, int)
        y = self.module.types[index].descriptor
        return y if self.valid_index(y) else None

    def cont(self, index: int) -> ContType | None:
        c = self.comp(index)
        return c if isinstance(c, ContType) else None

    # --- printing ---------------------------------------------------------------------

    def type_name(self, index: int) -> str:
        if 0 <= index < self.n:
            name = self.module.types[index].name
            if name is not None:
                return f"${name}"
        return str(index)

    def heap_str(self, heap: str | int) -> str:
        if isinstance(heap, int):
            return self.type_name(heap)
        return heap

    def show(self, t: ValType | None) -> str:
        """A value type as WAT spells it, with `$names` where the module has them."""
        if t is None:
            return "unknown"
        if isinstance(t, str):
            return t
        if t.heap == TOP_HEAP:
            return "a reference"
        if t.heap == BOT_HEAP:
            return "a reference"
        if t.nullable and not t.exact and isinstance(t.heap, str) and t.heap in SHORTHAND_OF:
            return SHORTHAND_OF[t.heap]
        null = "null " if t.nullable else ""
        heap = self.heap_str(t.heap)
        if t.exact:
            heap = f"(exact {heap})"
        return f"(ref {null}{heap})"

    def show_storage(self, t: StorageType) -> str:
        return t if isinstance(t, str) else self.show(t)

    def show_list(self, ts: Sequence[ValType | None]) -> str:
        return "[" + " ".join(self.show(t) for t in ts) + "]"
