"""`mut-never-set`: a mutable global that is read but never written, or a mutable WasmGC struct
field or array type that no instruction writes: it could be immutable (a global then becomes
usable in constant expressions). Imported and exported mutable globals are left alone: another
module may write them. An unused global or type is `unused-item`'s.

A field's mutability must be the same in a type and in its declared supertypes and subtypes,
and equivalent types are one type: so a field is one unit with the same field of every type
connected to it by `sub` declarations or equivalence (its *family*), shown only when no
`struct.set` / `array.set` / `array.fill` / `array.copy` (destination) / `array.init_*`
(the opcode table's `HEAP_WRITE`) targets any of them, and fixed in every declaration at once.
Changing a type changes its identity, so a family is left alone when a type of its rec groups
is reachable from an import or export, or when the change would make two distinct types of
the module equivalent (a cast's outcome would change)."""

from __future__ import annotations

import dataclasses
import re

from wat_lsp.analysis.lints.common import Candidate, lint, shown_name
from wat_lsp.analysis.lints.uses import UseKey, field_key
from wat_lsp.analysis.model import ArrayType, FieldType, FuncType, Module, RefType, Span, StructType, TypeDef
from wat_lsp.analysis.subtyping import TypeTable

CODE = "mut-never-set"
_MUT = re.compile(rb"\(\s*mut\b")
_ARRAY = re.compile(rb"\(\s*array\b")
_KEYWORD = re.compile(rb"\(\s*[a-z_]+")
_WS = b" \t\r\n"


def mut_span(data: bytes, span: Span) -> Span | None:
    """The `(mut t)` form inside a global's field: its parentheses found by depth."""
    m = _MUT.search(data, span.start, span.end)
    if m is None:
        return None
    depth = 0
    for k in range(m.start(), span.end):
        c = data[k]
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return Span(m.start(), k + 1)
        elif c in (0x3B, 0x22):  # a comment or a string inside: not located
            return None
    return None


def _elements(data: bytes, start: int, end: int) -> list[Span]:
    """The elements of the form opening at `start` after its keyword, at depth one (the text
    holds no comment or string: the caller checked)."""
    m = _KEYWORD.match(data, start, end)
    if m is None:
        return []
    out: list[Span] = []
    i = m.end()
    while i < end:
        c = data[i]
        if c in _WS:
            i += 1
        elif c == 0x29:
            break
        elif c == 0x28:
            depth, k = 0, i
            while k < end:
                if data[k] == 0x28:
                    depth += 1
                elif data[k] == 0x29:
                    depth -= 1
                    if depth == 0:
                        break
                k += 1
            out.append(Span(i, k + 1))
            i = k + 1
        else:
            k = i
            while k < end and data[k] not in _WS and data[k] not in b"()":
                k += 1
            out.append(Span(i, k))
            i = k
    return out


def _mut_or_none(data: bytes, elem: Span) -> Span | None:
    return elem if _MUT.match(data, elem.start, elem.end) is not None else None


def mut_spans(data: bytes, td: TypeDef) -> list[Span | None]:
    """The `(mut t)` form of each field of a struct type (or of an array type's one field);
    None where there is none or a comment or string makes the text unsure."""
    comp = td.comp
    if isinstance(comp, ArrayType):
        text = data[td.span.start : td.span.end]
        m = _ARRAY.search(data, td.span.start, td.span.end)
        if m is None or b";" in text or b'"' in text:
            return [None]
        elems = _elements(data, m.start(), td.span.end)
        return [_mut_or_none(data, elems[0]) if elems else None]
    if not isinstance(comp, StructType) or len(td.field_spans) != len(comp.fields):
        return [None] * len(_fields(td))
    out: list[Span | None] = []
    k = 0
    spans = td.field_spans
    while k < len(spans):
        decl = spans[k]
        n = 1
        while k + n < len(spans) and spans[k + n] == decl:
            n += 1
        text = data[decl.start : decl.end]
        elems = [] if b";" in text or b'"' in text else _elements(data, decl.start, decl.end)
        elems = [e for e in elems if data[e.start] != 0x24]  # not the `$name`
        if len(elems) != n:
            out.extend([None] * n)
        else:
            out.extend(_mut_or_none(data, e) for e in elems)
        k += n
    return out


def family_spans(data: bytes, module: Module, family: list[tuple[int, int]]) -> list[Span] | None:
    """The `(mut t)` forms of a family's declarations, in its order (None: one is unsure)."""
    last = _SPANS[0] if _SPANS else None
    if last is None or last[0] is not data or last[1] is not module:
        last = (data, module, {})
        _SPANS[:] = [last]
    per_type = last[2]
    out: list[Span] = []
    for t, k in family:
        spans = per_type.get(t)
        if spans is None:
            spans = per_type[t] = mut_spans(data, module.types[t])
        at = spans[k] if k < len(spans) else None
        if at is None:
            return None
        out.append(at)
    return out


# Each type's spans, for the last text and module asked about: the lint and the quick fix
# (once per diagnostic) ask about the types of a family once each, not once per field.
_SPANS: list[tuple[bytes, Module, dict[int, list[Span | None]]]] = []


def _fields(td: TypeDef) -> tuple[FieldType, ...]:
    comp = td.comp
    if isinstance(comp, StructType):
        return comp.fields
    if isinstance(comp, ArrayType):
        return (comp.elem,)
    return ()


def _families(module: Module, table: TypeTable) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """Every mutable (type, field) mapped to its family (sorted), by union-find over `sub`
    declarations and type equivalence."""
    types = module.types
    parent: dict[tuple[int, int], tuple[int, int]] = {}

    def find(x: tuple[int, int]) -> tuple[int, int]:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    def union(a: tuple[int, int], b: tuple[int, int]) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    first_of: dict[int, int] = {}
    for td in types:
        n = len(_fields(td))
        for s in td.supertypes:
            if isinstance(s, int) and 0 <= s < len(types):
                for k in range(min(n, len(_fields(types[s])))):
                    union((td.index, k), (s, k))
        canon = table.canon[td.index]
        other = first_of.setdefault(canon, td.index)
        for k in range(n):
            union((td.index, k), (other, k))
    out: dict[tuple[int, int], list[tuple[int, int]]] = {}
    groups: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for td in types:
        for k in range(len(_fields(td))):
            groups.setdefault(find((td.index, k)), []).append((td.index, k))
    for members in groups.values():
        for t, k in members:
            if _fields(types[t])[k].mutable:
                out[(t, k)] = members
    return out


def _external_types(module: Module, table: TypeTable) -> set[int]:
    """The types reachable from the imports and exports, whole rec groups at a time."""
    exported: dict[str, set[int]] = {}
    for ex in module.exports:
        exported.setdefault(ex.kind, set()).add(ex.index)
    todo: list[int] = []

    def val(t: object) -> None:
        if isinstance(t, RefType) and isinstance(t.heap, int):
            todo.append(t.heap)

    for f in module.funcs:
        if f.import_ is not None or f.index in exported.get("func", ()):
            todo.append(f.type_idx)
    for g in module.globals:
        if g.import_ is not None or g.index in exported.get("global", ()):
            val(g.type)
    for tb in module.tables:
        if tb.import_ is not None or tb.index in exported.get("table", ()):
            val(tb.elem_type)
    for tg in module.tags:
        if tg.import_ is not None or tg.index in exported.get("tag", ()):
            todo.append(tg.type_idx)
    seen: set[int] = set()
    types = module.types
    while todo:
        t = todo.pop()
        if not 0 <= t < len(types) or t in seen:
            continue
        for i in range(table.group_start[t], table.group_end[t]):
            seen.add(i)
            td = types[i]
            comp = td.comp
            if isinstance(comp, FuncType):
                for v in (*comp.params, *comp.results):
                    val(v)
            else:
                for fld in _fields(td):
                    val(fld.storage)
            todo.extend(s for s in td.supertypes if isinstance(s, int))
            todo.extend(x for x in (td.describes, td.descriptor) if x is not None)
    return seen


def _without_mut(module: Module, drops: list[tuple[int, int]]) -> Module:
    """The module with the `mut` of each (type, field) of `drops` dropped (the model only)."""
    by_type: dict[int, set[int]] = {}
    for t, k in drops:
        by_type.setdefault(t, set()).add(k)
    types = list(module.types)
    for t, ks in by_type.items():
        td = types[t]
        comp = td.comp
        if isinstance(comp, ArrayType):
            comp = ArrayType(FieldType(comp.elem.storage, False))
        elif isinstance(comp, StructType):
            comp = StructType(
                tuple(FieldType(f.storage, False) if k in ks else f for k, f in enumerate(comp.fields))
            )
        types[t] = dataclasses.replace(td, comp=comp)
    return dataclasses.replace(module, types=types)


def _same_partition(a: list[int], b: list[int]) -> bool:
    return len(set(a)) == len(set(b)) == len(set(zip(a, b, strict=True)))


def field_family(module: Module, type_index: int, field: int) -> list[tuple[int, int]] | None:
    """The (type, field) declarations that lose `mut` together with this one, or None when
    it must stay (see the module doc)."""
    return _field_candidates(module).get((type_index, field))


_BUDGET = 500_000  # types canonicalised again, in all, per module


def _field_candidates(module: Module) -> dict[tuple[int, int], list[tuple[int, int]]]:
    # The quick fix asks once per diagnostic (`fix-lints`: all of them) about one module.
    last = _LAST[0] if _LAST else None
    if last is not None and last[0] is module:
        return last[1]
    found = _compute_field_candidates(module)
    _LAST[:] = [(module, found)]
    return found


_Families = dict[tuple[int, int], list[tuple[int, int]]]
_LAST: list[tuple[Module, _Families]] = []  # the last module asked about (types are not edited in place)


def clear() -> None:
    """Forget the last module and text (the server, once a document closes: they would keep
    its whole model alive)."""
    _SPANS.clear()
    _LAST.clear()


def _compute_field_candidates(module: Module) -> dict[tuple[int, int], list[tuple[int, int]]]:
    types = module.types
    if not any(_fields(td) for td in types):
        return {}
    table = TypeTable(module)
    external = _external_types(module, table)
    # With every `mut` dropped, types that stay distinct stay distinct under any fewer drops
    # (equal types are in one family and lose the same `mut`s): only a family touching a
    # type that the erasure makes equal to another needs the module recanonicalised.
    erased = TypeTable(_without_mut(module, [(td.index, k) for td in types for k in range(len(_fields(td)))]))
    classes: dict[int, set[int]] = {}
    for t in range(len(types)):
        classes.setdefault(erased.canon[t], set()).add(table.canon[t])
    risky = {t for t in range(len(types)) if len(classes[erased.canon[t]]) > 1}
    out: dict[tuple[int, int], list[tuple[int, int]]] = {}
    checked: dict[int, bool] = {}
    budget = _BUDGET
    for key, family in _families(module, table).items():
        if id(family) not in checked:
            ok = not any(t in external or types[t].implicit for t, _ in family)
            ok = ok and all(_fields(types[t])[k].mutable for t, k in family)
            if ok and any(t in risky for t, _ in family):
                budget -= len(types)
                if budget < 0:
                    break  # a recanonicalisation per family: bounded, the rest not reported
                ok = _same_partition(table.canon, TypeTable(_without_mut(module, family)).canon)
            checked[id(family)] = ok
        if checked[id(family)]:
            out[key] = family
    return out


def candidates(module: Module, data: bytes) -> list[Candidate]:
    out: list[Candidate] = []
    # Inline exports and `(export "x" (global $g))` fields alike are in `module.exports`.
    exported = {ex.index for ex in module.exports if ex.kind == "global"}
    for g in module.globals:
        if not g.mutable or g.import_ is not None or g.index in exported:
            continue
        at = mut_span(data, g.span)
        if at is None:
            continue
        out.append(
            Candidate(
                lint(
                    CODE,
                    f"global {shown_name(g.name, g.index)} is mutable but never set",
                    at,
                    unnecessary=True,
                    index=g.index,
                ),
                ("global-set", g.index),
                ("global", g.index),
            )
        )
    found: dict[int, dict[tuple[int, int], Span] | None] = {}
    fam_keys: dict[int, list[UseKey]] = {}
    also: dict[int, tuple[UseKey, ...]] = {}
    for (t, k), family in _field_candidates(module).items():
        td = module.types[t]
        if id(family) not in found:
            spans = family_spans(data, module, family)
            found[id(family)] = None if spans is None else dict(zip(family, spans, strict=True))
        at_of = found[id(family)]
        if at_of is None:
            continue
        at = at_of[(t, k)]
        if isinstance(td.comp, ArrayType):
            what = f"array type {shown_name(td.name, t)}"
        else:
            names = [n for n, i in td.field_names.items() if i == k]
            what = f"field {shown_name(names[0] if names else None, k)} of type {shown_name(td.name, t)}"
        keys = fam_keys.get(id(family))
        if keys is None:
            keys = fam_keys[id(family)] = [("field-set", field_key(ft, fk)) for ft, fk in family]
            also[id(family)] = tuple(keys[1:])  # one tuple per family: `shown` looks at it once
        out.append(
            Candidate(
                lint(CODE, f"{what} is mutable but never set", at, unnecessary=True, type=t, field=k),
                keys[0],
                ("type", t),
                also[id(family)],
            )
        )
    return out
