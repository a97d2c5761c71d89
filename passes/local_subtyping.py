"""`local-subtyping`: give each local the most precise reference type its stores allow.

Binaryen's `LocalSubtyping`. For every declared local (never a param) of reference type
that is stored to at least once, the new type is the least upper bound of the types of the
values its `local.set`s and `local.tee`s store, as the validator types them (unknown values
in unreachable code are left out). It is non-nullable when every stored value is and every
`local.get` of it is covered by the spec's 1a rule (the validator's `LocalInits`, run with the
local made non-nullable); otherwise its nullable form. A local whose default value may be
read therefore stays nullable: this is the inverse of `fixup-non-nullable-locals`. Refining
one local refines its gets, which may refine what other locals store, so the computation is
repeated until nothing changes (at most `MAX_ROUNDS` times; every round's result is valid on
its own, since a subtype is accepted wherever its supertype is).

The types are computed on the model; the edited function is then validated once more with
the new types (the same validator, so tees whose result type narrows are checked), and if
anything fails the function is left unchanged.

Only the declaration's type changes (the heap type token and/or the `null` keyword, so
comments inside the type survive), plus, for each local that became non-nullable, the
`ref.as_non_null` applied directly to one of its gets or tees goes: plain
`local.get $x ref.as_non_null` and folded `(ref.as_non_null (local.get $x))` alike. Exact
reference types are produced only where the local was already declared exact, and a type that
text cannot name (a function type appended for an inline signature) is replaced by its
abstract kind.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace

from tree_sitter import Node
from wat_lsp.analysis.diagnostics import Diagnostic, Severity
from wat_lsp.analysis.document import Document, ScriptModule
from wat_lsp.analysis.model import UNRESOLVED, Func, Instr, LocalDecl, Module, RefType, ValType
from wat_lsp.analysis.subtyping import ABS_SUPERS, BOT_HEAP, SHORTHAND_OF, TOP_HEAP, TypeTable
from wat_lsp.analysis.validate import module_context
from wat_lsp.analysis.validate_body import BodyValidator, Val
from wat_lsp.analysis.validate_context import ModuleContext
from wat_lsp.passes.edits import TextEdit, removal
from wat_lsp.passes.targets import as_document, editable_modules

NAME = "local-subtyping"
DESCRIPTION = "refine local reference types to the least upper bound of their stores, non-nullable where the 1a rule allows"
MAX_ROUNDS = 16
_STORES = ("local.set", "local.tee")
_READS = ("local.get", "local.tee")


# --- least upper bounds ----------------------------------------------------------------


def _abstract_lub(a: str, b: str) -> str | None:
    """The least common supertype of two abstract heap types of one hierarchy."""
    common = ABS_SUPERS.get(a, frozenset()) & ABS_SUPERS.get(b, frozenset())
    if not common:
        return None
    return max(common, key=lambda h: len(ABS_SUPERS[h]))  # the most specific common one


def heap_lub(tt: TypeTable, a: str | int, b: str | int) -> str | int | None:
    """The least upper bound of two heap types; None when there is none (different
    hierarchies) or it cannot be known (an unresolved index)."""
    if a == b or b == BOT_HEAP:
        return a
    if a == BOT_HEAP:
        return b
    if not all(tt.valid_index(h) for h in (a, b) if isinstance(h, int)):
        return None
    if TOP_HEAP in (a, b) or tt.top(a) != tt.top(b) or tt.top(a) is None:
        return None
    if isinstance(a, int) and isinstance(b, int):
        if tt.equivalent(a, b):
            return a
        ancestors: set[int] = set()
        x: int | None = a
        while x is not None:  # supertypes are defined earlier: the chain ends
            ancestors.add(tt.canon[x])
            x = tt.super[x]
        y: int | None = b
        while y is not None:
            if tt.canon[y] in ancestors:
                return y
            y = tt.super[y]
        return _abstract_lub(tt.kind[a], tt.kind[b])
    if isinstance(a, int):
        a, b = b, a
    assert isinstance(a, str)
    if isinstance(b, int):  # abstract and defined: a bottom type sits below the defined one
        if tt.heap_sub(a, b):
            return b
        return _abstract_lub(a, tt.kind[b])
    return _abstract_lub(a, b)


def ref_lub(tt: TypeTable, a: RefType, b: RefType) -> RefType | None:
    heap = heap_lub(tt, a.heap, b.heap)
    if heap is None:
        return None
    exact = a.exact and b.exact and heap == a.heap and heap == b.heap
    return RefType(a.nullable or b.nullable, heap, exact)


def lub_of(tt: TypeTable, found: Iterable[Val]) -> RefType | None:
    """The least upper bound of the known reference types in `found` (None: none known, or
    not all references, or no bound)."""
    out: RefType | None = None
    for t in found:
        if t is None or (isinstance(t, RefType) and t.heap == BOT_HEAP and not t.nullable):
            continue  # unknown (unreachable code): a subtype of anything
        if not isinstance(t, RefType):
            return None
        out = t if out is None else ref_lub(tt, out, t)
        if out is None:
            return None
    if out is not None and out.heap == BOT_HEAP:
        out = None
    return out


def _writable(tt: TypeTable, t: RefType, declared: RefType) -> RefType:
    """`t` as the declaration can spell it: exact only where the local already was, and no
    index of a type the text cannot name (appended for an inline signature)."""
    if t.exact and not declared.exact:
        t = replace(t, exact=False)
    h = t.heap
    if isinstance(h, int) and tt.valid_index(h) and tt.module.types[h].implicit:
        t = RefType(t.nullable, tt.kind[h])
    return t


# --- typing with other local types -------------------------------------------------------


def _with_types(func: Func, types: Sequence[ValType]) -> Func:
    """`func` with its declared locals retyped (params keep theirs)."""
    return replace(
        func, locals=[d if d.type == types[d.index] else replace(d, type=types[d.index]) for d in func.locals]
    )


def typing(
    ctx: ModuleContext, func: Func, types: Sequence[ValType]
) -> tuple[dict[int, Val], list[Diagnostic]]:
    """Validate `func` as if its locals had `types`: the type each store stores (by
    instruction index) and the diagnostics."""
    diags: list[Diagnostic] = []
    v = BodyValidator(ctx, diags)
    v.stored = {}
    v.run_function(_with_types(func, types))
    return v.stored, diags


def _errors(diags: Iterable[Diagnostic]) -> bool:
    return any(d.severity == Severity.ERROR for d in diags)


def _non_null(t: RefType) -> RefType:
    return RefType(False, t.heap, t.exact)


def _stores(func: Func, candidates: set[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for i, ins in enumerate(func.body):
        x = ins.imms[0] if ins.op.name in _STORES and ins.imms else None
        if isinstance(x, int) and x in candidates:
            out.setdefault(x, []).append(i)
    return out


def _uncovered(ctx: ModuleContext, func: Func, types: list[ValType], locals_: Iterable[int]) -> set[int]:
    """Which of `locals_` have a get the 1a rule does not cover (when made non-nullable)."""
    trial = list(types)
    for i in locals_:
        t = trial[i]
        assert isinstance(t, RefType)
        trial[i] = _non_null(t)
    _, diags = typing(ctx, func, trial)
    return {x for d in diags if d.code == "uninitialized-local" and isinstance(x := d.data.get("local"), int)}


def refine(ctx: ModuleContext, func: Func) -> dict[int, RefType]:
    """Local index -> its refined type, for the locals of a valid `func` that can change."""
    decls = func.all_locals
    nparams = len(func.params)
    refs = {
        i
        for i in range(nparams, len(decls))
        if isinstance(decls[i].type, RefType) and decls[i].type.heap != UNRESOLVED  # type: ignore[union-attr]
    }
    if not refs:
        return {}
    stores = _stores(func, refs)
    if not stores:
        return {}
    tt = ctx.types
    types: list[ValType] = [d.type for d in decls]
    cannot_be_non_null = _uncovered(ctx, func, types, stores)
    for _ in range(MAX_ROUNDS):
        stored, _diags = typing(ctx, func, types)
        changed = False
        for i, at in stores.items():
            old = types[i]
            assert isinstance(old, RefType)
            new = lub_of(tt, (stored.get(k) for k in at))
            if new is None:
                continue
            if not new.nullable and i in cannot_be_non_null:
                new = replace(new, nullable=True)
            new = _writable(tt, new, old)
            if new != old and tt.is_sub(new, old):
                types[i] = new
                changed = True
        if not changed:
            break
    result = {i: t for i in stores if (t := types[i]) != decls[i].type and isinstance(t, RefType)}
    if result and _errors(typing(ctx, func, types)[1]):
        return {}  # a safety net: refining never breaks valid code, but we do not emit what fails
    return result


# --- edits -------------------------------------------------------------------------------


_IDCHARS = re.compile(r"[0-9A-Za-z!#$%&'*+\-./:<=>?@\\^_`|~]+")


def _identifier(name: str) -> str:
    """`$name`, or `$"..."` when the name has characters an identifier cannot."""
    if _IDCHARS.fullmatch(name):
        return "$" + name
    escaped = "".join(
        c if c.isprintable() and c not in '"\\' else "".join(f"\\{b:02x}" for b in c.encode()) for c in name
    )
    return f'$"{escaped}"'


def _spell_heap(tt: TypeTable, t: RefType) -> str:
    heap = t.heap
    if isinstance(heap, int):
        name = tt.module.types[heap].name if tt.valid_index(heap) else None
        text = _identifier(name) if name is not None else str(heap)
    else:
        text = heap
    return f"(exact {text})" if t.exact else text


def spell(tt: TypeTable, t: RefType) -> str:
    """A reference type as WAT writes it (shorthands for nullable abstract types)."""
    if t.nullable and not t.exact and isinstance(t.heap, str) and t.heap in SHORTHAND_OF:
        return SHORTHAND_OF[t.heap]
    return f"(ref {'null ' if t.nullable else ''}{_spell_heap(tt, t)})"


def _type_node(doc: Document, decl: LocalDecl) -> Node | None:
    """The `ref_type` node of a declaration: the span itself, or the type in `(local $x t)`."""
    node = doc.tree.root_node.named_descendant_for_byte_range(decl.span.start, decl.span.end)
    if node is not None and node.type == "local":
        kids = [k for k in node.named_children if k.type == "ref_type"]
        node = kids[0] if len(kids) == 1 else None
    return node if node is not None and node.type == "ref_type" else None


def type_edits(doc: Document, tt: TypeTable, decl: LocalDecl, new: RefType) -> list[TextEdit] | None:
    """Edits turning the declared type of `decl` into `new`: the heap token and the `null`
    keyword of a `(ref null? heap)`, or the whole type when written as a shorthand."""
    node = _type_node(doc, decl)
    old = decl.type
    if node is None or not isinstance(old, RefType):
        return None
    heap_node = node.child_by_field_name("heap")
    ref = next((c for c in node.children if c.type == "ref"), None)
    if heap_node is None or ref is None:  # `anyref` and friends
        return [TextEdit(node.start_byte, node.end_byte, spell(tt, new))]
    edits: list[TextEdit] = []
    null = next((c for c in node.children if c.type == "null"), None)
    if old.nullable and not new.nullable and null is not None:
        edits.append(_delete_word(doc.data, ref, null))
    if (new.heap, new.exact) != (old.heap, old.exact):
        edits.append(TextEdit(heap_node.start_byte, heap_node.end_byte, _spell_heap(tt, new)))
    return edits


def _delete_word(data: bytes, before: Node, word: Node) -> TextEdit:
    """Delete `word` and the blanks between it and the token `before` it (only blanks: a
    comment in between stays)."""
    s = word.start_byte
    while s > before.end_byte and data[s - 1 : s] in (b" ", b"\t"):
        s -= 1
    if s != before.end_byte:
        s = word.start_byte
    return TextEdit(s, word.end_byte, "")


def unwrap_edits(data: bytes, body: list[Instr], locals_: Collection[int]) -> list[TextEdit]:
    """Edits removing each `ref.as_non_null` applied directly to a get or tee of one of
    `locals_`."""
    edits: list[TextEdit] = []
    for k in range(len(body) - 1):
        ins = body[k]
        if ins.op.name not in _READS or not ins.imms or ins.imms[0] not in locals_:
            continue
        ras = body[k + 1]  # the next instruction in execution order takes the get's value
        if ras.op.name != "ref.as_non_null":
            continue
        if not ras.folded or not (ras.end <= ins.ostart and ins.oend <= ras.oend):
            # plain, or folded without operands (it takes the value from the stack)
            edits.append(removal(data, ras.ostart, ras.oend))
            continue
        # `(ref.as_non_null (local.get $x))`: drop the wrapper, keep any comment inside it
        if data[ras.end : ins.ostart].strip():
            edits.append(TextEdit(ras.ostart, ras.end, ""))
        else:
            edits.append(TextEdit(ras.ostart, ins.ostart, ""))
        close = ras.oend - 1
        if data[ins.oend : close].strip():
            edits.append(TextEdit(close, ras.oend, ""))
        else:
            edits.append(TextEdit(ins.oend, ras.oend, ""))
    return edits


def retype_edits(doc: Document, tt: TypeTable, func: Func, changes: dict[int, RefType]) -> list[TextEdit]:
    """Edits giving each local in `changes` its new type, and dropping the `ref.as_non_null`
    that become redundant. All or nothing: the types were checked together, so if one
    declaration cannot be edited, none is."""
    decls = func.all_locals
    edits: list[TextEdit] = []
    non_null: set[int] = set()
    for local, new in sorted(changes.items()):
        old = decls[local].type
        decl_edits = type_edits(doc, tt, decls[local], new)
        if decl_edits is None or not isinstance(old, RefType):
            return []
        edits += decl_edits
        if old.nullable and not new.nullable:
            non_null.add(local)
    return edits + unwrap_edits(doc.data, func.body, non_null) if non_null else edits


def _valid_funcs(doc: Document) -> Iterable[tuple[Module, Func]]:
    for m in editable_modules(doc, valid_only=True):
        assert m.read is not None
        for f in m.read.module.funcs:
            if f.import_ is None and f.index not in m.read.broken:
                yield m.read.module, f


def func_edits(doc: Document, module: Module, func: Func) -> list[TextEdit]:
    ctx = module_context(module)
    return retype_edits(doc, ctx.types, func, refine(ctx, func))


def run(doc: Document) -> list[TextEdit]:
    """The pass over every function of every valid module (registry entry)."""
    edits: list[TextEdit] = []
    for module, func in _valid_funcs(doc):
        edits += func_edits(doc, module, func)
    return edits


# --- the refactoring: one local made non-nullable -------------------------------------------


def local_at(func: Func, offset: int) -> int | None:
    """The local whose declaration, or one of whose gets/sets/tees, is at `offset`."""
    for d in func.all_locals:
        if d.span.start <= offset <= d.span.end:
            return d.index
    for ins in func.body:
        if ins.start <= offset <= ins.end and ins.op.name.startswith("local.") and ins.imms:
            x = ins.imms[0]
            return x if isinstance(x, int) and 0 <= x < len(func.all_locals) else None
    return None


def _func_at(doc: Document, offset: int) -> tuple[ScriptModule, Func] | None:
    best: tuple[ScriptModule, Func] | None = None
    for m in editable_modules(doc, valid_only=True):
        assert m.read is not None
        for f in m.read.module.funcs:
            inside = (
                f.import_ is None and f.index not in m.read.broken and f.span.start <= offset < f.span.end
            )
            if inside and (best is None or f.span.start >= best[1].span.start):
                best = (m, f)
    return best


def make_non_nullable(doc: Document | bytes, offset: int) -> tuple[str, list[TextEdit]] | None:
    """The refactoring "Make `$x` non-nullable" for the local at byte `offset` (its
    declaration, or a get/set/tee of it): its `(ref null $t)` becomes `(ref $t)` and the
    `ref.as_non_null` applied to its gets and tees go. Offered only where local-subtyping
    would make it non-nullable: every value stored in it is non-null, at least one is stored,
    and every get is covered by the 1a rule; and only in a module without errors (the
    typing it relies on must be sound)."""
    doc = as_document(doc)
    found = _func_at(doc, offset)
    if found is None:
        return None
    m, func = found
    assert m.read is not None
    local = local_at(func, offset)
    if local is None or local < len(func.params):
        return None
    decl = func.all_locals[local]
    old = decl.type
    if not isinstance(old, RefType) or not old.nullable or old.heap == UNRESOLVED:
        return None
    ctx = module_context(m.read.module)
    at = _stores(func, {local}).get(local)
    if not at:
        return None
    types = [d.type for d in func.all_locals]
    stored, _ = typing(ctx, func, types)
    new = lub_of(ctx.types, (stored.get(k) for k in at))
    if new is None or new.nullable:
        return None
    types[local] = _non_null(old)
    _, diags = typing(ctx, func, types)
    if _errors(diags):  # an uncovered get, or anything else
        return None
    edits = retype_edits(doc, ctx.types, func, {local: _non_null(old)})
    if not edits:
        return None
    name = f"`${decl.name}`" if decl.name else f"local {local}"
    return f"Make {name} non-nullable", edits
