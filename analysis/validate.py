"""Validation: the WebAssembly 3.0 rules and the proposals', every feature on, as diagnostics.

`validate_module` checks module-level rules (types and subtyping, limits, globals and constant
expressions, segments, exports, start) and every function body; `validate_function` checks one
body against a `ModuleContext` (the unit of re-analysis: an edit inside a function re-runs
only that function). Both are pure and never raise on bad input.

The instruction rules live in `validate_body`, type equivalence and subtyping in `subtyping`.
Where a proposal relaxes a 3.0 rule, both forms are in `core_rules`: the relaxed one makes
the diagnostics, the 3.0 one only `CoreOnly` notes (`validation` returns them).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from wat_lsp.analysis import cancel
from wat_lsp.analysis.core_rules import CoreOnly, tag_results
from wat_lsp.analysis.diagnostics import Diagnostic, Related, by_span, make
from wat_lsp.analysis.model import (
    UNRESOLVED,
    ArrayType,
    ContType,
    FieldType,
    Func,
    FuncType,
    Instr,
    Limits,
    Module,
    RefType,
    Span,
    StorageType,
    StructType,
    TypeDef,
    ValType,
)
from wat_lsp.analysis.subtyping import MAX_SUBTYPING_DEPTH, TypeTable
from wat_lsp.analysis.validate_body import BodyValidator
from wat_lsp.analysis.validate_context import ModuleContext

__all__ = [
    "CoreOnly",
    "ModuleContext",
    "Validation",
    "module_context",
    "validate_function",
    "validate_module",
    "validate_module_fields",
    "validation",
]

_last: tuple[Module, ModuleContext] | None = None


def module_context(module: Module) -> ModuleContext:
    """The validation context of `module` (the last one is cached by identity)."""
    global _last
    if _last is not None and _last[0] is module:
        return _last[1]
    ctx = ModuleContext(module)
    _last = (module, ctx)
    return ctx


def validate_function(
    module: Module,
    func: Func,
    ctx: ModuleContext | None = None,
    *,
    partial: bool = False,
    core_only: list[CoreOnly] | None = None,
) -> list[Diagnostic]:
    """Diagnostics for one defined function's locals and body.

    `partial`: the reader could not read every instruction of the body (it reported why), so
    stack typing would only produce follow-on errors; index, local-initialisation and
    immediate checks still run. `core_only`: where to add the body's `CoreOnly` notes.
    """
    if func.import_ is not None:
        return []
    if ctx is None:
        ctx = module_context(module)
    diags: list[Diagnostic] = []
    for decl in func.locals:
        _check_val(ctx.types, decl.type, decl.span, diags)
    BodyValidator(ctx, diags, partial, core_only).run_function(func)
    return diags


@dataclass(slots=True)
class Validation:
    diagnostics: list[Diagnostic]  # in source order
    # what only the WebAssembly 3.0 rules reject (every feature on, it is valid): no
    # diagnostic, but an `assert_invalid` of the module fails as expected
    core_only: list[CoreOnly]


def validation(module: Module, partial_funcs: Collection[int] = ()) -> Validation:
    """`validate_module`'s diagnostics with the module's `CoreOnly` notes."""
    ctx = module_context(module)
    diags: list[Diagnostic] = []
    notes: list[CoreOnly] = []
    _ModuleChecks(ctx, diags, notes).run()
    for f in module.funcs:
        if f.import_ is None:
            cancel.interlude()
            diags.extend(validate_function(module, f, ctx, partial=f.index in partial_funcs, core_only=notes))
    diags.sort(key=by_span)
    return Validation(diags, notes)


@dataclass(frozen=True, slots=True)
class ConstSite:
    """A constant expression of a module and what it is checked against (as `validate_module`
    checks it): the type it must produce (None: unknown) and the globals it may read."""

    instrs: list[Instr]
    expected: ValType | None
    globals_visible: int
    what: str


def const_sites(m: Module) -> list[ConstSite]:
    """Every constant expression of `m`: global initializers, table initializers, element
    items and offsets, data offsets (a segment's offset when its table or memory exists)."""
    imported = sum(1 for g in m.globals if g.import_ is not None)
    n = len(m.globals)
    out = [ConstSite(t.init, t.elem_type, imported, "the table's initializer") for t in m.tables if t.init]
    out += [
        ConstSite(g.init, g.type, g.index, f"the initializer of global {g.index}")
        for g in m.globals
        if g.import_ is None
    ]
    for e in m.elems:
        out += [ConstSite(item, e.elem_type, n, "an element segment item") for item in e.items]
        if e.mode == "active" and 0 <= e.table < len(m.tables):
            out.append(ConstSite(e.offset, m.tables[e.table].addr, n, "the element segment's offset"))
    for d in m.datas:
        if d.mode == "active" and 0 <= d.memory < len(m.memories):
            out.append(ConstSite(d.offset, m.memories[d.memory].addr, n, "the data segment's offset"))
    return out


def validate_module(module: Module, partial_funcs: Collection[int] = ()) -> list[Diagnostic]:
    """Every validation diagnostic of `module`, in source order.

    `partial_funcs`: indices of functions whose bodies the reader could not read completely
    (`ReadResult.broken`); see `validate_function`.
    """
    return validation(module, partial_funcs).diagnostics


def validate_module_fields(ctx: ModuleContext) -> list[Diagnostic]:
    """The module-level diagnostics of `validate_module` (no function body), unsorted."""
    diags: list[Diagnostic] = []
    _ModuleChecks(ctx, diags).run()
    return diags


# --- helpers -----------------------------------------------------------------------------


def _check_val(
    tt: TypeTable, t: StorageType | None, span: Span, diags: list[Diagnostic], limit: int | None = None
) -> bool:
    """A value type must only name existing types (and, inside a type definition, types of
    its own or an earlier recursion group: `limit` is the end of the group)."""
    if isinstance(t, RefType) and isinstance(t.heap, int) and t.heap != UNRESOLVED:
        if not 0 <= t.heap < tt.n:
            diags.append(
                make(
                    "unknown-index",
                    f"unknown type {t.heap}: the module has {tt.n} type{'s' if tt.n != 1 else ''}",
                    span,
                )
            )
            return False
        if limit is not None and t.heap >= limit:
            diags.append(
                make(
                    "invalid-type",
                    f"type {tt.type_name(t.heap)} is defined later, outside "
                    "this recursion group: a type can refer forward only within its own "
                    "`rec` group",
                    span,
                )
            )
            return False
    return True


def _expr_span(instrs: list[Instr], fallback: Span) -> Span:
    if not instrs:
        return fallback
    return Span(min(i.ostart for i in instrs), max(i.oend for i in instrs))


def _a(kind: str) -> str:
    """`kind` with its indefinite article: "a struct", "an array"."""
    return f"an {kind}" if kind[:1] in "aeiou" else f"a {kind}"


class _ModuleChecks:
    def __init__(
        self, ctx: ModuleContext, diags: list[Diagnostic], core_only: list[CoreOnly] | None = None
    ) -> None:
        self.ctx = ctx
        self.m = ctx.module
        self.tt = ctx.types
        self.diags = diags
        self.core_only: list[CoreOnly] = [] if core_only is None else core_only

    def report(self, code: str, message: str, span: Span, **kw: object) -> None:
        self.diags.append(make(code, message, span, **kw))

    def run(self) -> None:
        self.types()
        self.funcs()
        self.tables()
        self.memories()
        self.globals()
        self.tags()
        self.elems()
        self.datas()
        self.exports()
        self.start()

    def const(
        self, instrs: list[Instr], expected: ValType | None, what: str, span: Span, globals_visible: int
    ) -> None:
        v = BodyValidator(self.ctx, self.diags, core_only=self.core_only)
        v.run_const(instrs, expected, what, _expr_span(instrs, span), globals_visible)

    # --- types --------------------------------------------------------------------------

    def types(self) -> None:
        tt = self.tt
        depth = [0] * tt.n
        for td in self.m.types:
            i = td.index
            if td.implicit:
                # appended for an inline signature: report a bad value type at a function using it
                for t in self._comp_vals(td):
                    if (
                        isinstance(t, RefType)
                        and isinstance(t.heap, int)
                        and t.heap != UNRESOLVED
                        and not 0 <= t.heap < tt.n
                    ):
                        _check_val(tt, t, self._use_span(i), self.diags)
                continue
            end = tt.group_end[i] if i < tt.n else tt.n
            for t in self._comp_vals(td):
                _check_val(tt, t, td.span, self.diags, end)
            if isinstance(td.comp, ContType):
                ft = td.comp.func_type
                if ft != UNRESOLVED:
                    if not 0 <= ft < tt.n:
                        self.report("unknown-index", f"unknown type {ft}", td.span)
                    elif tt.kind[ft] != "func":
                        self.report(
                            "invalid-type",
                            f"a continuation type needs a function type, but "
                            f"{tt.type_name(ft)} is {_a(tt.kind[ft])} type",
                            td.span,
                        )
            if td.describes is not None or td.descriptor is not None:
                self._descriptor_clauses(td)
            if len(td.supertypes) > 1:
                self.report(
                    "invalid-type",
                    f"type {tt.type_name(i)} declares {len(td.supertypes)} "
                    "supertypes: at most one is allowed",
                    td.span,
                )
            if not td.supertypes:
                continue
            s = td.supertypes[0]
            if s == UNRESOLVED:
                continue
            if not 0 <= s < tt.n:
                self.report("unknown-index", f"unknown type {s}", td.span)
                continue
            if s >= i:
                self.report(
                    "invalid-type",
                    f"the supertype {tt.type_name(s)} of {tt.type_name(i)} must be defined before it",
                    td.span,
                )
                continue
            depth[i] = depth[s] + 1
            if depth[i] > MAX_SUBTYPING_DEPTH:
                self.report(
                    "invalid-type",
                    f"subtyping chain of {tt.type_name(i)} is deeper than {MAX_SUBTYPING_DEPTH}",
                    td.span,
                )
            sup = self.m.types[s]
            if sup.final:
                self.report(
                    "invalid-type",
                    f"{tt.type_name(i)} cannot be a subtype of "
                    f"{tt.type_name(s)}: {tt.type_name(s)} is final (declare it "
                    f"`(sub ...)` without `final` to allow subtypes)",
                    td.span,
                )
                continue
            why = self._comp_sub(td, sup) or self._descriptor_sub(td, sup)
            if why is not None:
                self.report(
                    "invalid-type",
                    f"{tt.type_name(i)} does not match its supertype {tt.type_name(s)}: {why}",
                    td.span,
                )

    def _use_span(self, type_index: int) -> Span:
        for f in self.m.funcs:
            if f.type_idx == type_index:
                return f.name_span or f.span
        return Span(0, 0)

    @staticmethod
    def _comp_vals(td: TypeDef) -> list[StorageType]:
        c = td.comp
        if isinstance(c, FuncType):
            return [*c.params, *c.results]
        if isinstance(c, StructType):
            return [f.storage for f in c.fields]
        if isinstance(c, ArrayType):
            return [c.elem.storage]
        return []

    def _comp_sub(self, td: TypeDef, sup: TypeDef) -> str | None:
        """Why `td`'s composite type is not a subtype of `sup`'s (None if it is)."""
        tt = self.tt
        a, b = td.comp, sup.comp
        ka, kb = tt.kind[td.index], tt.kind[sup.index]
        if ka != kb:
            return f"a {ka} type cannot extend a {kb} type"
        if isinstance(a, FuncType) and isinstance(b, FuncType):
            if len(a.params) != len(b.params) or len(a.results) != len(b.results):
                return (
                    f"the function types differ in arity ({tt.show_list(a.params)} -> "
                    f"{tt.show_list(a.results)} vs {tt.show_list(b.params)} -> {tt.show_list(b.results)})"
                )
            for k, (x, y) in enumerate(zip(a.params, b.params, strict=True)):
                if not tt.is_sub(y, x):
                    return f"parameter {k} is {tt.show(x)}, which is not a supertype of {tt.show(y)}"
            for k, (x, y) in enumerate(zip(a.results, b.results, strict=True)):
                if not tt.is_sub(x, y):
                    return f"result {k} is {tt.show(x)}, which is not a subtype of {tt.show(y)}"
            return None
        if isinstance(a, StructType) and isinstance(b, StructType):
            if len(a.fields) < len(b.fields):
                return f"it has {len(a.fields)} fields, the supertype {len(b.fields)}"
            for k, (fa, fb) in enumerate(zip(a.fields, b.fields, strict=False)):
                if not tt.field_sub(fa, fb):
                    return f"field {k}: {self._field_why(fa, fb)}"
            return None
        if isinstance(a, ArrayType) and isinstance(b, ArrayType):
            if not tt.field_sub(a.elem, b.elem):
                return f"element: {self._field_why(a.elem, b.elem)}"
            return None
        if isinstance(a, ContType) and isinstance(b, ContType) and not tt.heap_sub(a.func_type, b.func_type):
            return "its function type is not a subtype of the supertype's"
        return None

    def _descriptor_clauses(self, td: TypeDef) -> None:
        """Custom descriptors: `(descriptor $y)` and `(describes $x)` name struct types of the
        same recursion group that name this type back; `describes` refers only backwards, so
        no type is in its own descriptor chain (as supertypes refer only backwards)."""
        tt = self.tt
        i = td.index
        me = tt.type_name(i)
        start, end = tt.group_start[i], tt.group_end[i]
        for clause, other, back in (
            ("descriptor", td.descriptor, "describes"),
            ("describes", td.describes, "descriptor"),
        ):
            if other is None or other == UNRESOLVED:
                continue
            if tt.kind[i] != "struct":
                self.report(
                    "invalid-type",
                    f"only a struct type can have a `{clause}` clause, but {me} is {_a(tt.kind[i])} type",
                    td.span,
                )
                continue
            if not 0 <= other < tt.n:
                self.report(
                    "unknown-index",
                    f"unknown type {other}: the module has {tt.n} type{'s' if tt.n != 1 else ''}",
                    td.span,
                )
                continue
            them = tt.type_name(other)
            if not start <= other < end:
                self.report(
                    "invalid-type",
                    f"`({clause} {them})` of {me} names a type outside its "
                    "recursion group: a type and its descriptor must be defined in one "
                    "`rec` group",
                    td.span,
                )
                continue
            if clause == "describes" and other >= i:
                self.report(
                    "invalid-type",
                    f"`(describes {them})` of {me} is a forward use: the "
                    "described type must be defined before its descriptor",
                    td.span,
                )
                continue
            if getattr(self.m.types[other], back) != i:
                self.report(
                    "invalid-type",
                    f"{me} says `({clause} {them})`, but {them} does not say `({back} {me})`",
                    td.span,
                )

    def _descriptor_sub(self, td: TypeDef, sup: TypeDef) -> str | None:
        """Why `td` cannot extend `sup` by its descriptor clauses (None if it can): a subtype
        of a described type is described by a subtype of its descriptor (so `ref.get_desc`
        stays sound); descriptor types extend only descriptor types, describing subtypes."""
        tt = self.tt
        if sup.descriptor is not None:
            if td.descriptor is None:
                return (
                    f"the supertype has the descriptor {tt.type_name(sup.descriptor)}, so a subtype "
                    "needs a `(descriptor ...)` clause too"
                )
            y, z = td.descriptor, sup.descriptor
            if tt.valid_index(y) and tt.valid_index(z) and not tt.concrete_sub(y, z):
                return (
                    f"its descriptor {tt.type_name(y)} is not a subtype of the supertype's "
                    f"descriptor {tt.type_name(z)}"
                )
        if (td.describes is None) != (sup.describes is None):
            which = "it has" if sup.describes is None else "the supertype has"
            return (
                f"{which} a `(describes ...)` clause and the other does not: a descriptor type "
                "and a type that is not a descriptor cannot be subtypes of each other"
            )
        a, b = td.describes, sup.describes
        if (
            a is not None
            and b is not None
            and tt.valid_index(a)
            and tt.valid_index(b)
            and not tt.concrete_sub(a, b)
        ):
            return (
                f"the type it describes, {tt.type_name(a)}, is not a subtype of "
                f"{tt.type_name(b)}, which the supertype describes"
            )
        return None

    def _field_why(self, x: FieldType, y: FieldType) -> str:
        tt = self.tt
        if x.mutable != y.mutable:
            return "mutability differs"
        sx = tt.show_storage(x.storage)
        sy = tt.show_storage(y.storage)
        if x.mutable:
            return f"a mutable field must keep its type exactly ({sx} vs {sy})"
        return f"{sx} is not a subtype of {sy}"

    # --- functions, tables, memories, globals, tags -------------------------------------

    def funcs(self) -> None:
        for f in self.m.funcs:
            if 0 <= f.type_idx < self.tt.n and self.m.types[f.type_idx].implicit:
                continue  # checked with the implicit type
            if 0 <= f.type_idx < self.tt.n:
                continue
            if f.type_idx != UNRESOLVED:
                self.report("unknown-index", f"unknown type {f.type_idx}", f.name_span or f.span)

    def limits(self, lim: Limits, cap: int, unit: str, span: Span, what: str) -> None:
        if lim.max is not None and lim.min > lim.max:
            self.report(
                "invalid-limits", f"{what} minimum {lim.min} is larger than its maximum {lim.max}", span
            )
        for value, which in ((lim.min, "minimum"), (lim.max, "maximum")):
            if value is not None and value > cap:
                self.report("invalid-limits", f"{what} {which} {value} exceeds {cap} {unit}", span)

    def tables(self) -> None:
        imported = sum(1 for g in self.m.globals if g.import_ is not None)
        for t in self.m.tables:
            _check_val(self.tt, t.elem_type, t.span, self.diags)
            cap = (1 << 32) - 1 if t.addr == "i32" else (1 << 64) - 1
            self.limits(t.limits, cap, "elements", t.span, "table")
            if t.init:
                self.const(t.init, t.elem_type, "the table's initializer", t.span, imported)
            elif t.import_ is None and not t.elem_type.nullable and t.elem_type.heap != UNRESOLVED:
                self.report(
                    "type-mismatch",
                    f"a table of the non-nullable type "
                    f"{self.tt.show(t.elem_type)} needs an initializer expression: "
                    f"`(table {t.limits.min} {self.tt.show(t.elem_type)} (ref.func ...))`",
                    t.span,
                )

    def memories(self) -> None:
        for m in self.m.memories:
            bits = 32 if m.addr == "i32" else 64
            # 2^16 pages of 64 KiB (i32), 2^48 (i64); with 1-byte pages, 2^32 - 1 / 2^64 - 1
            cap = min(1 << (bits - m.page_size_log2), (1 << bits) - 1)
            if m.page_size_log2 not in (0, 16):
                self.report(
                    "invalid-limits",
                    f"invalid custom page size {1 << m.page_size_log2}: a page is 1 or 65536 bytes",
                    m.span,
                )
            unit = "pages" if m.page_size_log2 == 16 else f"pages of {1 << m.page_size_log2} bytes"
            self.limits(m.limits, cap, unit, m.span, "memory")
            if m.shared and m.limits.max is None:
                self.report("invalid-limits", "a shared memory must declare a maximum size", m.span)

    def globals(self) -> None:
        for g in self.m.globals:
            _check_val(self.tt, g.type, g.span, self.diags)
            if g.import_ is not None:
                continue
            name = self.ctx.space_name("global", g.index)
            self.const(g.init, g.type, f"the initializer of global {name}", g.span, g.index)

    def tags(self) -> None:
        for t in self.m.tags:
            ft = self.tt.func(t.type_idx)
            if ft is None:
                if 0 <= t.type_idx < self.tt.n:
                    self.report(
                        "invalid-type",
                        f"a tag needs a function type, but "
                        f"{self.tt.type_name(t.type_idx)} is {_a(self.tt.kind[t.type_idx])} type",
                        t.span,
                    )
                elif t.type_idx != UNRESOLVED:
                    self.report("unknown-index", f"unknown type {t.type_idx}", t.span)
                continue
            verdict = tag_results(self.tt, ft.results)
            if verdict.relaxed is not None:
                self.report("invalid-type", verdict.relaxed, t.span)
            elif verdict.core is not None:
                self.core_only.append(CoreOnly(verdict.rule, t.span, verdict.core))

    # --- segments -----------------------------------------------------------------------

    def elems(self) -> None:
        nglobals = len(self.m.globals)
        for e in self.m.elems:
            ok = _check_val(self.tt, e.elem_type, e.span, self.diags)
            et = e.elem_type if ok else None
            for item in e.items:
                self.const(item, et, "an element segment item", e.span, nglobals)
            if e.mode != "active":
                continue
            if not self._segment_target("table", e.table, len(self.m.tables), e.span):
                continue
            table = self.m.tables[e.table]
            self.const(e.offset, table.addr, "the element segment's offset", e.span, nglobals)
            if et is not None and not self.tt.is_sub(et, table.elem_type):
                self.report(
                    "type-mismatch",
                    f"the element segment holds {self.tt.show(et)}, which does "
                    f"not fit table {self.ctx.space_name('table', e.table)} of "
                    f"{self.tt.show(table.elem_type)}",
                    e.span,
                )

    def _segment_target(self, space: str, index: int, count: int, span: Span) -> bool:
        """Whether an active segment's table or memory exists (an unresolved name was reported)."""
        if 0 <= index < count:
            return True
        if index != UNRESOLVED:
            plural = "memories" if space == "memory" else space + "s"
            self.report("unknown-index", f"unknown {space} {index}: the module has {count} {plural}", span)
        return False

    def datas(self) -> None:
        nglobals = len(self.m.globals)
        for d in self.m.datas:
            if d.mode != "active":
                continue
            if not self._segment_target("memory", d.memory, len(self.m.memories), d.span):
                continue
            addr = self.m.memories[d.memory].addr
            self.const(d.offset, addr, "the data segment's offset", d.span, nglobals)

    # --- exports, start -----------------------------------------------------------------

    def exports(self) -> None:
        seen: dict[str, Span] = {}
        counts = {
            "func": len(self.m.funcs),
            "table": len(self.m.tables),
            "memory": len(self.m.memories),
            "global": len(self.m.globals),
            "tag": len(self.m.tags),
        }
        for x in self.m.exports:
            if x.name in seen:
                self.report(
                    "duplicate-export",
                    f'duplicate export name "{x.name}"',
                    x.span,
                    related=(Related(seen[x.name], "first exported here"),),
                )
            else:
                seen[x.name] = x.span
            n = counts.get(x.kind)
            if n is not None and x.index != UNRESOLVED and not 0 <= x.index < n:
                self.report(
                    "unknown-index",
                    f"unknown {'function' if x.kind == 'func' else x.kind} {x.index}: the module has {n}",
                    x.span,
                )

    def start(self) -> None:
        st = self.m.start
        if st is None or st.func == UNRESOLVED:
            return
        if not 0 <= st.func < len(self.m.funcs):
            self.report(
                "unknown-index",
                f"unknown function {st.func}: the module has {len(self.m.funcs)} functions",
                st.span,
            )
            return
        sig = self.ctx.func_sigs[st.func]
        if sig is not None and (sig.params or sig.results):
            self.report(
                "invalid-start",
                f"the start function {self.ctx.func_name(st.func)} must have "
                f"type [] -> [], found {self.tt.show_list(sig.params)} -> "
                f"{self.tt.show_list(sig.results)}",
                st.span,
            )
