"""CST of one module to the Module model, with name resolution in every index space.

Three steps, because names may be used before they are defined:
1. declare: give every field its index in its space and record `$names` (duplicates reported);
2. types: resolve type definitions, then every signature (implicit types appended);
3. contents: globals, tables, memories, segments, exports, start, then function bodies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node
from wat_lsp.analysis import cancel, cst
from wat_lsp.analysis.body import INSTR_NODES, BodyReader
from wat_lsp.analysis.diagnostics import Diagnostic, Related, make
from wat_lsp.analysis.immediates import SIMD_LANES, ImmCache
from wat_lsp.analysis.literals import (
    parse_float,
    parse_id,
    parse_int,
    parse_name,
    parse_string,
    parse_u64,
    shown,
)
from wat_lsp.analysis.model import (
    UNRESOLVED,
    ArrayType,
    CompType,
    ContType,
    Data,
    Elem,
    Export,
    FieldType,
    Func,
    FuncType,
    Global,
    ImportName,
    Instr,
    Limits,
    LocalDecl,
    Memory,
    Module,
    PartialExpr,
    RecGroup,
    RefType,
    Span,
    Start,
    StructType,
    Table,
    Tag,
    TypeDef,
    ValType,
)
from wat_lsp.analysis.opcodes import lookup
from wat_lsp.analysis.types_reader import TypeNames, resolve_index

# module field node -> index space it defines
FIELD_SPACE = {
    "func": "func", "table": "table", "memory": "memory", "global": "global", "tag": "tag",
    "elem": "elem", "data": "data",
}  # fmt: skip
IMPORT_KINDS = ("func", "table", "memory", "global", "tag")


@dataclass(slots=True)
class ReadResult:
    module: Module
    diagnostics: list[Diagnostic]
    # function index -> True when its body could not be read completely
    broken: set[int] = field(default_factory=set)


@dataclass(slots=True)
class _Declared:
    """A field with its index assigned, waiting for step 2/3."""

    node: Node
    space: str
    index: int
    name: str | None
    import_node: Node | None = None  # `(import "m" "n" (func ...))` desc, or inline import


class ModuleReader:
    def __init__(self, data: bytes, node: Node) -> None:
        self.data = data
        self.node = node
        self.diags: list[Diagnostic] = []
        self.module = Module(span=cst.span(node))
        self.module.names = {
            s: {} for s in ("type", "func", "table", "memory", "global", "tag", "elem", "data")
        }
        self.name_spans: dict[tuple[str, str], Span] = {}
        self.declared: list[_Declared] = []
        self.type_nodes: list[tuple[Node, int]] = []  # (type_field node, rec group)
        self.broken: set[int] = set()
        self._imm_cache = ImmCache()
        self._imm_module = self.module
        self._type_cache: dict[bytes, ValType] = {}
        self._type_names: dict[str, int] | None = None

    def report(self, code: str, message: str, span: Span, **kw: object) -> None:
        self.diags.append(make(code, message, span, **kw))

    # --- entry --------------------------------------------------------------------------

    def read(self, fields: list[Node] | None = None) -> ReadResult:
        self.read_context(fields)
        self._read_bodies()
        return ReadResult(self.module, self.diags, self.broken)

    def read_context(self, fields: list[Node] | None = None) -> None:
        """Everything but the function bodies (`read_function_body` reads one against it):
        the model's functions have their signatures, no locals or instructions yet."""
        if fields is None:
            fields = module_fields(self.node)
        # (a `(module $name ...)` node; the root of bare fields has no name)
        name_node = self.node.child_by_field_name("name")
        if name_node is not None:
            self.module.name = parse_id(cst.text(self.data, name_node))[0]
        self._declare(fields)
        self._read_types()
        self._read_signatures()
        self._read_contents(fields)

    # --- step 1: declare ----------------------------------------------------------------

    def _define(self, space: str, name_node: Node | None, index: int) -> str | None:
        if name_node is None:
            return None
        raw = cst.text(self.data, name_node)
        name, err = parse_id(raw)
        if err is not None:
            self.report("malformed-literal", err, cst.span(name_node))
            return None
        table = self.module.names[space]
        if name in table:
            first = self.name_spans.get((space, name))
            related = (Related(first, "first defined here"),) if first else ()
            self.report("duplicate-name", f"duplicate {space} `{raw}`", cst.span(name_node), related=related)
            return name
        table[name] = index
        self.name_spans[(space, name)] = cst.span(name_node)
        return name

    def _declare(self, fields: list[Node]) -> None:
        counts = dict.fromkeys(FIELD_SPACE.values(), 0)
        defined: str | None = None  # the kind of the first definition that is not an import
        rec = 0
        for node in fields:
            cancel.interlude()  # (a field's token separation scan walks its body)
            self._check_glue(node)
            kind = node.type
            if kind in ("type_field", "rec_type"):
                members = (
                    [node] if kind == "type_field" else [c for c in cst.named(node) if c.type == "type_field"]
                )
                start = len(self.type_nodes)
                for member in members:
                    index = len(self.type_nodes)
                    self._define("type", member.child_by_field_name("name") or _first_id(member), index)
                    self.type_nodes.append((member, rec))
                self.module.rec_groups.append(RecGroup(start, len(members), cst.span(node)))
                rec += 1
            elif kind == "import":
                if defined is not None:
                    self.report("malformed", f"import after a {defined} definition", cst.span(node))
                for desc, holder, named in self._import_entries(node):
                    space = _desc_kind(desc)
                    if space is None:
                        continue
                    index = counts[space]
                    counts[space] += 1
                    name_node = desc.child_by_field_name("name") or _first_id(desc)
                    name = self._define(space, name_node, index) if named else None
                    self.declared.append(_Declared(desc, space, index, name, holder))
            elif kind in FIELD_SPACE:
                space = FIELD_SPACE[kind]
                inline_import = next((c for c in _header(node) if c.type == "inline_import"), None)
                if inline_import is not None and defined is not None:
                    self.report("malformed", f"import after a {defined} definition", cst.span(node))
                if inline_import is not None:
                    self._imported_has_no_contents(node, kind)
                if inline_import is None and space in IMPORT_KINDS and defined is None:
                    defined = space
                index = counts[space]
                counts[space] += 1
                name = self._define(space, node.child_by_field_name("name") or _first_id(node), index)
                self.declared.append(_Declared(node, space, index, name, inline_import))
                # an inline `(elem ...)` in a table or `(data ...)` in a memory is a segment too
                if kind == "table" and any(c.type == "inline_elem" for c in cst.named(node)):
                    counts["elem"] += 1
                if kind == "memory" and any(c.type == "inline_data" for c in cst.named(node)):
                    counts["data"] += 1

    def _import_entries(self, node: Node) -> list[tuple[Node, Node, bool]]:
        """`(desc, holder, may_be_named)` per import of an `import` field: one for
        `(import "m" "n" desc)`; one per `(item "n" desc?)` of a compact import, whose items
        without a desc share the trailing one (which cannot be named: it is several imports)."""
        kids = cst.named(node)
        desc = next((c for c in kids if c.type == "import_desc"), None)
        items = [c for c in kids if c.type == "import_item"]
        if not items and desc is not None and sum(1 for c in kids if c.type == "string") == 2:
            return [(desc, node, True)]
        # a compact import (of no item at all, as wasm-tools reads it, or of several)
        if desc is not None:
            name_node = desc.child_by_field_name("name") or _first_id(desc)
            if name_node is not None:
                self.report("malformed", "a shared import description cannot be named", cst.span(name_node))
        out: list[tuple[Node, Node, bool]] = []
        for item in items:
            own = next((c for c in cst.named(item) if c.type == "import_desc"), None)
            if own is not None and desc is not None:
                self.report(
                    "malformed", "an import item has its own description and a shared one", cst.span(own)
                )
            if own is not None:
                out.append((own, item, True))
            elif desc is not None:
                out.append((desc, item, False))
            else:
                self.report("malformed", "import item without a description", cst.span(item))
        return out

    def _imported_has_no_contents(self, node: Node, kind: str) -> None:
        """`(func (import "m" "n") (param i32) nop)`: an imported field is its type only
        (the inline import abbreviations have no locals, body, initializer or segment)."""
        for c in cst.named(node):
            if c.kind_id in _INSTR_KINDS or c.type in ("local", "inline_elem", "inline_data"):
                what = "initializer" if kind in ("global", "table") and c.kind_id in _INSTR_KINDS else "body"
                if c.type in ("inline_elem", "inline_data"):
                    what = "segment"
                elif c.type == "local":
                    what = "locals"
                self.report("malformed", f"an imported {kind} has no {what}", cst.span(c))
                return

    def _check_glue(self, field_node: Node) -> None:
        """Token separation in a field, outside instructions (the body reader checks those)."""
        self.check_glue_listing(field_node, None)

    def check_glue_listing(self, field_node: Node, named_out: list[Node] | None) -> None:
        """`_check_glue`, not overridden; `named_out` gets `cst.named(field_node)`."""
        at, kids = cst.glue_scan(field_node, self.data, _INSTR_KINDS, named_out)
        if at is not None:
            self.diags.append(make("syntax", cst.GLUE_MESSAGE, Span(at, at + 1)))
            return
        stack = kids
        while stack:
            at, kids = cst.glue_scan(stack.pop(), self.data, _INSTR_KINDS)
            if at is not None:
                self.diags.append(make("syntax", cst.GLUE_MESSAGE, Span(at, at + 1)))
                return
            stack.extend(kids)

    # --- step 2: types ------------------------------------------------------------------

    def _types(self) -> TypeNames:
        names = self.module.names["type"]
        if self._type_names is not names:  # the cache is valid for one module's type names
            self._type_cache, self._type_names = {}, names
        return TypeNames(self.data, names, self.report, self._type_cache)

    def _read_types(self) -> None:
        tn = self._types()
        for index, (node, rec) in enumerate(self.type_nodes):
            name_node = node.child_by_field_name("name") or _first_id(node)
            name = parse_id(cst.text(self.data, name_node))[0] if name_node is not None else None
            kids = [c for c in cst.named(node) if c.type != "identifier"]
            supertypes: list[int] = []
            final = True
            if kids and kids[0].type == "sub_type":
                final = cst.has_token(kids[0], "final")
                kids = cst.named(kids[0])
                supertypes = [tn.index(k) for k in kids if k.type in ("identifier", "integer")]
            body = next((k for k in kids if k.type.endswith("_type")), None)
            td = TypeDef(index, name, cst.span(node), FuncType((), ()), tuple(supertypes), final, rec)
            for k in kids:  # custom descriptors: `(describes $x)? (descriptor $y)?`
                if k.type in ("describes_clause", "descriptor_clause"):
                    target = cst.named(k)
                    value = tn.index(target[-1]) if target else UNRESOLVED
                    if k.type == "describes_clause":
                        td.describes = value
                    else:
                        td.descriptor = value
            if body is not None:
                td.comp = self._comp_type(body, tn, td)
            self.module.types.append(td)

    def _comp_type(self, node: Node, tn: TypeNames, td: TypeDef) -> CompType:
        if node.type == "func_type":
            params, results = self._params_results(cst.named(node), tn, allow_names=True)
            return FuncType(tuple(p.type for p in params), results)
        if node.type == "struct_type":
            fields: list[FieldType] = []
            for decl in cst.named(node):
                if decl.type != "field_decl":
                    continue
                kids = cst.named(decl)
                name_node = kids[0] if kids and kids[0].type == "identifier" else None
                if name_node is not None:
                    fname, _ = parse_id(cst.text(self.data, name_node))
                    if fname in td.field_names:
                        self.report(
                            "duplicate-name",
                            f"duplicate field `{cst.text(self.data, name_node)}`",
                            cst.span(name_node),
                        )
                    else:
                        td.field_names[fname] = len(fields)
                    kids = kids[1:]
                for k in kids:
                    fields.append(tn.field_type(k))
                    td.field_spans.append(cst.span(decl))
            return StructType(tuple(fields))
        if node.type == "array_type":
            kids = cst.named(node)
            return ArrayType(tn.field_type(kids[0]) if kids else FieldType("i32", False))
        if node.type == "cont_type":
            kids = cst.named(node)
            return ContType(tn.index(kids[0]) if kids else UNRESOLVED)
        return FuncType((), ())

    def _params_results(
        self, kids: list[Node], tn: TypeNames, allow_names: bool, is_param: bool = True
    ) -> tuple[list[LocalDecl], tuple[ValType, ...]]:
        params: list[LocalDecl] = []
        results: list[ValType] = []
        seen_result = False
        for k in kids:
            if k.type == "param":
                if seen_result:
                    self.report("malformed", "`param` after `result`", cst.span(k))
                params.extend(self._decls(k, tn, len(params), True))
            elif k.type == "result":
                seen_result = True
                results.extend(tn.val_type(t) for t in cst.named(k))
        return params, tuple(results)

    def _decls(self, node: Node, tn: TypeNames, first: int, is_param: bool) -> list[LocalDecl]:
        kids = cst.named(node)
        if kids and kids[0].type == "identifier":
            name, err = parse_id(cst.text(self.data, kids[0]))
            if err is not None:
                self.report("malformed-literal", err, cst.span(kids[0]))
            types = kids[1:]
            if len(types) != 1:
                self.report("malformed", "a named declaration has exactly one type", cst.span(node))
            if not types:
                return []
            return [LocalDecl(first, name, tn.val_type(types[0]), cst.span(node), is_param)]
        return [LocalDecl(first + i, None, tn.val_type(t), cst.span(t), is_param) for i, t in enumerate(kids)]

    def _type_use(self, node: Node, tn: TypeNames) -> tuple[int, list[LocalDecl], tuple[ValType, ...]]:
        """A function-like type use: `(type $t)? (param ...)* (result ...)*`, or the same
        inside `(exact ...)` (an exact function import)."""
        kids = _header(node)
        exact = next((k for k in kids if k.type == "exact_type_use"), None)
        if exact is not None:
            kids = [k for k in kids if k.type != "exact_type_use"] + cst.named(exact)
        use = next((k for k in kids if k.type == "type_use"), None)
        params, results = self._params_results(kids, tn, allow_names=True)
        if use is None:
            return self._implicit_type(FuncType(tuple(p.type for p in params), results)), params, results
        idx_nodes = cst.named(use)
        type_idx = tn.index(idx_nodes[0]) if idx_nodes else UNRESOLVED
        ft = self.module.func_type(type_idx)
        if type_idx != UNRESOLVED and 0 <= type_idx < len(self.module.types) and ft is None:
            self.report("malformed", "type use does not refer to a function type", cst.span(use))
        if type_idx != UNRESOLVED and type_idx >= len(self.module.types) and (params or results):
            self.report("malformed", f"unknown type `{cst.text(self.data, idx_nodes[0])}`", cst.span(use))
        if ft is not None:
            # an empty `(param)` or `(result)` is still an inline type, which must match
            if any(k.type in ("param", "result") for k in kids):
                if (tuple(p.type for p in params), results) != (ft.params, ft.results):
                    self.report(
                        "malformed", "inline function type does not match the `(type ...)`", cst.span(use)
                    )
            else:
                params = [LocalDecl(i, None, t, cst.span(use), True) for i, t in enumerate(ft.params)]
                results = ft.results
        return type_idx, params, results

    def _implicit_type(self, ft: FuncType) -> int:
        """The first plain type equal to `ft`, or a new one appended (the spec's abbreviation)."""
        for td in self.module.types:
            group = (
                self.module.rec_groups[td.rec_group] if td.rec_group < len(self.module.rec_groups) else None
            )
            if (
                td.comp == ft
                and td.final
                and not td.supertypes
                and td.descriptor is None
                and td.describes is None
                and (group is None or group.count == 1)
            ):
                return td.index
        index = len(self.module.types)
        self.module.types.append(
            TypeDef(index, None, Span(0, 0), ft, (), True, len(self.module.rec_groups), implicit=True)
        )
        self.module.rec_groups.append(RecGroup(index, 1, Span(0, 0)))
        return index

    def _read_signatures(self) -> None:
        tn = self._types()
        for d in self.declared:
            if d.space == "func":
                cancel.interlude()
                type_idx, params, results = self._type_use(d.node, tn)
                f = Func(
                    d.index, d.name, _field_span(d), _name_span(d.node), type_idx, params, results, [], []
                )
                f.exact_import = any(k.type == "exact_type_use" for k in _header(d.node))
                self.module.funcs.append(f)
            elif d.space == "tag":
                type_idx, _, _ = self._type_use(d.node, tn)
                self.module.tags.append(Tag(d.index, d.name, _field_span(d), type_idx))

    # --- step 3: contents ---------------------------------------------------------------

    def _body_reader(self, local_names: dict[str, int] | None = None) -> BodyReader:
        if self._imm_module is not self.module:  # the cache resolves names of one module
            self._imm_cache, self._imm_module = ImmCache(), self.module
        return BodyReader(self.data, self.module, self.report, local_names, self._imm_cache)

    def _const_expr(self, nodes: list[Node]) -> list[Instr]:
        instrs = [n for n in nodes if n.type in INSTR_NODES]
        reader = self._body_reader()
        out = reader.read(instrs, False)
        if reader.broken or any(n.has_error for n in nodes):
            return PartialExpr(out)
        return out

    def _import_name(self, node: Node | None) -> ImportName | None:
        if node is None:
            return None
        strings = [c for c in cst.named(node) if c.type == "string"]
        if node.type == "import_item" and node.parent is not None:  # compact: module name
            strings = [c for c in cst.named(node.parent) if c.type == "string"][:1] + strings
        names = [self._name(s) for s in strings[:2]]
        while len(names) < 2:
            names.append("")
        return ImportName(names[0], names[1], cst.span(node))

    def _name(self, node: Node) -> str:
        value, err = parse_name(cst.text(self.data, node))
        if err is not None:
            self.report("malformed-literal", err, cst.span(node))
        return value

    def _exports(self, node: Node, kind: str, index: int) -> list[str]:
        out: list[str] = []
        for c in _header(node):
            if c.type == "inline_export":
                s = next((k for k in cst.named(c) if k.type == "string"), None)
                if s is not None:
                    name = self._name(s)
                    out.append(name)
                    self.module.exports.append(Export(name, kind, index, cst.span(c)))
        return out

    def _limits(self, node: Node | None) -> Limits:
        if node is None:
            return Limits(0, None)
        nums: list[int | None] = []
        for k in cst.named(node):
            value, err = parse_u64(cst.text(self.data, k))
            if err is not None:
                self.report("malformed-literal", err, cst.span(k))
            # a malformed maximum reads as absent: no second error comparing it to the minimum
            nums.append(None if err is not None and nums else value)
        return Limits(nums[0] or 0 if nums else 0, nums[1] if len(nums) > 1 else None)

    def _read_contents(self, fields: list[Node]) -> None:
        tn = self._types()
        funcs = {f.index: f for f in self.module.funcs}
        tags = {t.index: t for t in self.module.tags}
        elem_index = 0
        data_index = 0
        for d in self.declared:
            cancel.interlude()
            node = d.node
            span = _field_span(d)
            imp = self._import_name(d.import_node)
            kids = _header(node) if d.space == "func" else cst.named(node)
            if d.space == "func":
                f = funcs[d.index]
                f.import_ = imp
                f.exports = self._exports(node, "func", d.index)
            elif d.space == "tag":
                tag = tags[d.index]
                tag.import_ = imp
                tag.exports = self._exports(node, "tag", d.index)
            elif d.space == "global":
                gt = next(
                    (k for k in kids if k.type in ("global_type", "mut_type", "num_type", "ref_type")), None
                )
                mutable = False
                vt: ValType = "i32"
                if gt is not None:
                    while gt.type in ("global_type", "mut_type"):
                        mutable = mutable or cst.has_token(gt, "mut")
                        inner = cst.named(gt)
                        if not inner:
                            break
                        gt = inner[0]
                    vt = tn.val_type(gt)
                g = Global(d.index, d.name, span, vt, mutable, import_=imp)
                g.exports = self._exports(node, "global", d.index)
                # (an imported global's initializer is malformed, said once: not validated)
                g.init = self._const_expr(kids) if imp is None else []
                self.module.globals.append(g)
            elif d.space == "table":
                addr = self._address_type(kids)
                rt_node = next((k for k in kids if k.type == "ref_type"), None)
                rt = tn.ref_type(rt_node) if rt_node is not None else RefType(True, "func")
                limits = self._limits(next((k for k in kids if k.type == "limits"), None))
                inline = next((k for k in kids if k.type == "inline_elem"), None)
                t = Table(d.index, d.name, span, addr, limits, rt, import_=imp)
                t.exports = self._exports(node, "table", d.index)
                init = [k for k in kids if k.type in INSTR_NODES] if imp is None else []
                if init:
                    t.init = self._const_expr(init)
                if inline is not None:
                    items = self._elem_items(inline, rt)
                    t.limits = Limits(len(items), len(items))
                    self.module.elems.append(
                        Elem(
                            elem_index,
                            None,
                            cst.span(inline),
                            "active",
                            rt,
                            items,
                            d.index,
                            [_i32_const(self.data, inline, addr)],
                        )
                    )
                    elem_index += 1
                self.module.tables.append(t)
            elif d.space == "memory":
                addr = self._address_type(kids)
                limits = self._limits(next((k for k in kids if k.type == "limits"), None))
                m = Memory(d.index, d.name, span, addr, limits, cst.has_token(node, "shared"), import_=imp)
                ps = next((k for k in kids if k.type == "page_size"), None)
                if ps is not None:
                    nums = cst.named(ps)
                    size, err = parse_u64(cst.text(self.data, nums[0])) if nums else (65536, None)
                    if err is not None:
                        self.report("malformed-literal", err, cst.span(nums[0]))
                    elif size <= 0 or size & (size - 1):
                        self.report("malformed", "page size must be a power of two", cst.span(ps))
                    else:
                        m.page_size_log2 = size.bit_length() - 1
                inline = next((k for k in kids if k.type == "inline_data"), None)
                m.exports = self._exports(node, "memory", d.index)
                if inline is not None:
                    blob = self._strings(inline)
                    pages = -(-len(blob) // (1 << m.page_size_log2))
                    m.limits = Limits(pages, pages)
                    self.module.datas.append(
                        Data(
                            data_index,
                            None,
                            cst.span(inline),
                            "active",
                            blob,
                            d.index,
                            [_i32_const(self.data, inline, addr)],
                        )
                    )
                    data_index += 1
                self.module.memories.append(m)
            elif d.space == "elem":
                self.module.elems.append(self._elem(d, tn, elem_index))
                elem_index += 1
            elif d.space == "data":
                self.module.datas.append(self._data(d, data_index))
                data_index += 1
        for node in fields:
            if node.type == "export":
                self._export(node)
            elif node.type == "start":
                kids = cst.named(node)
                if self.module.start is not None:
                    self.report("malformed", "multiple start sections", cst.span(node))
                if kids:
                    idx = resolve_index(self.data, kids[0], self.module.names["func"], "func", self.report)
                    self.module.start = Start(idx, cst.span(node))
        self.module.tables.sort(key=lambda t: t.index)
        self.module.memories.sort(key=lambda m: m.index)
        self.module.globals.sort(key=lambda g: g.index)
        self.module.elems.sort(key=lambda e: e.span.start)
        self.module.datas.sort(key=lambda e: e.span.start)
        for i, e in enumerate(self.module.elems):
            e.index = i
        for i, seg in enumerate(self.module.datas):
            seg.index = i

    def _strings(self, node: Node) -> bytes:
        """A data segment's bytes: its strings, and its numeric values little-endian."""
        out = bytearray()
        for s in cst.named(node):
            if s.type == "string":
                value, err = parse_string(cst.text(self.data, s))
                if err is not None:
                    self.report("malformed-literal", err, cst.span(s))
                out += value
            elif s.type == "data_value":
                out += self._data_value(s)
        return bytes(out)

    def _data_value(self, node: Node) -> bytes:
        """`(i8 1 -1)`, `(f32 1.5)`, `(v128 i32x4 1 2 3 4)`: each number in its type's bytes."""
        kids = cst.named(node)
        if not kids:
            return b""
        ty = cst.text(self.data, kids[0])
        out = bytearray()
        nums = kids[1:]
        if ty == "v128":
            while nums:
                if nums[0].type != "simd_shape":
                    self.report("malformed", "expected a vector shape such as `i32x4`", cst.span(nums[0]))
                    return bytes(out)
                shape = cst.text(self.data, nums[0])
                lanes, bits = SIMD_LANES[shape]
                if len(nums) <= lanes:
                    self.report("malformed", f"`{shape}` needs {lanes} lanes", cst.span(nums[0]))
                    return bytes(out)
                for lane in nums[1 : lanes + 1]:
                    out += self._number(lane, shape[0], bits)
                nums = nums[lanes + 1 :]
            return bytes(out)
        bits = int(ty[1:])
        for lane in nums:
            out += self._number(lane, ty[0], bits)
        return bytes(out)

    def _number(self, node: Node, kind: str, bits: int) -> bytes:
        raw = cst.text(self.data, node)
        if node.type == "simd_shape" or (kind == "i" and node.type == "float"):
            wanted = "an integer" if kind == "i" else "a number"
            self.report("malformed", f"expected {wanted}, found `{shown(raw)}`", cst.span(node))
            return b""
        value, err = parse_float(raw, bits) if kind == "f" else parse_int(raw, bits)
        if err is not None:
            self.report("malformed-literal", err, cst.span(node))
        return value.to_bytes(bits // 8, "little")

    def _export(self, node: Node) -> None:
        kids = cst.named(node)
        s = next((k for k in kids if k.type == "string"), None)
        desc = next((k for k in kids if k.type == "export_desc"), None)
        if s is None or desc is None:
            return
        kind = _desc_kind(desc) or "func"
        idx_nodes = [k for k in cst.named(desc) if k.type in ("identifier", "integer")]
        index = UNRESOLVED
        if idx_nodes:
            index = resolve_index(self.data, idx_nodes[0], self.module.names[kind], kind, self.report)
        self.module.exports.append(Export(self._name(s), kind, index, cst.span(node)))

    def _elem_items(self, node: Node, rt: RefType) -> list[list[Instr]]:
        items: list[list[Instr]] = []
        ref_func = lookup("ref.func")
        for k in cst.named(node):
            if k.type in ("identifier", "integer") and ref_func is not None:
                idx = resolve_index(self.data, k, self.module.names["func"], "func", self.report)
                items.append([Instr(ref_func, (idx,), k.start_byte, k.end_byte, k.start_byte, k.end_byte)])
            elif k.type == "elem_item":
                items.append(self._const_expr(cst.named(k)))
            elif k.type in INSTR_NODES:
                items.append(self._const_expr([k]))
            elif k.type == "elem_list":
                items.extend(self._elem_items(k, rt))
        return items

    def _elem(self, d: _Declared, tn: TypeNames, index: int) -> Elem:
        node = d.node
        kids = cst.named(node)
        mode = "passive"
        table = 0
        offset: list[Instr] = []
        rt = RefType(True, "func")
        if cst.has_token(node, "declare"):
            mode = "declarative"
        items_node: Node = node
        for k in kids:
            if k.type == "table_use":
                idx = cst.named(k)
                if idx:
                    table = resolve_index(self.data, idx[0], self.module.names["table"], "table", self.report)
            elif k.type == "integer" and mode == "passive" and not offset:  # MVP `(elem 0 (offset ...) ...)`
                table = resolve_index(self.data, k, self.module.names["table"], "table", self.report)
            elif k.type == "offset_expr":
                mode = "active"
                offset = self._const_expr(cst.named(k) if cst.has_token(k, "offset") else [k])
                if not offset:
                    offset = self._const_expr(cst.named(k))
            elif k.type == "elem_list":
                items_node = k
            elif k.type in INSTR_NODES and mode == "passive":
                mode = "active"  # `(elem (i32.const 0) ...)` offset abbreviation
                offset = self._const_expr([k])
        rt_node = next((c for c in cst.named(items_node) if c.type == "ref_type"), None)
        # without a ref type, `func $f ...` lists non-null function references
        rt = tn.ref_type(rt_node) if rt_node is not None else RefType(False, "func")
        items = self._elem_items(items_node, rt) if items_node is not node else self._elem_items_bare(kids)
        return Elem(index, d.name, cst.span(node), mode, rt, items, table, offset)

    def _elem_items_bare(self, kids: list[Node]) -> list[list[Instr]]:
        # legacy `(elem (offset...) $f $g)` with the indices directly in the field
        ref_func = lookup("ref.func")
        out: list[list[Instr]] = []
        past_offset = False
        for k in kids:
            if k.type in ("offset_expr", "table_use") or k.type in INSTR_NODES:
                past_offset = True
                continue
            if past_offset and k.type in ("identifier", "integer") and ref_func is not None:
                idx = resolve_index(self.data, k, self.module.names["func"], "func", self.report)
                out.append([Instr(ref_func, (idx,), k.start_byte, k.end_byte, k.start_byte, k.end_byte)])
        return out

    def _data(self, d: _Declared, index: int) -> Data:
        node = d.node
        mode = "passive"
        memory = 0
        offset: list[Instr] = []
        for k in cst.named(node):
            if k.type == "memory_use":
                idx = cst.named(k)
                if idx:
                    memory = resolve_index(
                        self.data, idx[0], self.module.names["memory"], "memory", self.report
                    )
            elif k.type == "integer":  # MVP `(data 0 (offset ...) ...)`
                memory = resolve_index(self.data, k, self.module.names["memory"], "memory", self.report)
            elif k.type == "offset_expr":
                mode = "active"
                offset = self._const_expr(cst.named(k))
            elif k.type in INSTR_NODES:
                mode = "active"
                offset = self._const_expr([k])
        first = next((k for k in cst.named(node) if k.type in ("string", "data_value")), None)
        if mode == "passive" and first is not None and first.type == "data_value":
            # `(data (i32 1))`: wasm-tools reads a parenthesis right after `data` (and its
            # `$id`) as the offset of an active segment, so it fails on this one.
            self.report(
                "malformed",
                "a passive data segment cannot start with a numeric value (it reads as an offset "
                'expression): put a string first, e.g. `""`',
                cst.span(first),
            )
        return Data(index, d.name, cst.span(node), mode, self._strings(node), memory, offset)

    def _address_type(self, kids: list[Node]) -> str:
        """A table's or memory's address type: `i32` (the default) or `i64`; the grammar
        takes any number type there."""
        node = next((k for k in kids if k.type == "num_type"), None)
        if node is None:
            return "i32"
        text = cst.text(self.data, node)
        if text not in ("i32", "i64"):
            self.report("malformed", f"an address type is `i32` or `i64`, not `{text}`", cst.span(node))
            return "i32"
        return text

    # --- function bodies ------------------------------------------------------------------

    def _read_bodies(self) -> None:
        tn = self._types()
        funcs = {f.index: f for f in self.module.funcs}
        for d in self.declared:
            if d.space != "func" or d.import_node is not None:
                continue
            cancel.interlude()  # (between bodies the reader holds no half-read state)
            self._read_body(funcs[d.index], d.node, tn)
        self.module.funcs.sort(key=lambda f: f.index)

    def _read_body(self, f: Func, node: Node, tn: TypeNames) -> None:
        """One body; a hook for readers that keep per-function results (`incremental`)."""
        read_function_body(self, f, node, tn)


def read_function_body(
    reader: ModuleReader, f: Func, node: Node, tn: TypeNames, kids: list[Node] | None = None
) -> None:
    """Locals and instructions of one defined function (the unit of re-analysis); `kids`:
    `cst.named(node)` when the caller has it."""
    if kids is None:
        kids = cst.named(node)
    local_kinds, instr_kinds = _LOCAL_KINDS, _INSTR_KINDS
    local_names: dict[str, int] = {}
    for p in f.params:
        if p.name is not None:
            if p.name in local_names:
                reader.report("duplicate-name", f"duplicate local `${p.name}`", p.span)
            local_names[p.name] = p.index
    locals_: list[LocalDecl] = []
    first = len(f.params)
    body_nodes: list[Node] = []
    for k in kids:
        kind = k.kind_id
        if kind in instr_kinds:
            body_nodes.append(k)
        elif kind in local_kinds:
            if body_nodes:
                reader.report("malformed", "`local` after the first instruction", cst.span(k))
            for decl in reader._decls(k, tn, first + len(locals_), False):
                if decl.name is not None:
                    if decl.name in local_names:
                        reader.report("duplicate-name", f"duplicate local `${decl.name}`", decl.span)
                    else:
                        local_names[decl.name] = decl.index
                locals_.append(decl)
    f.locals = locals_
    body = reader._body_reader(local_names)
    f.body = body.read(body_nodes)
    if body_nodes:
        f.body_span = Span(body_nodes[0].start_byte, body_nodes[-1].end_byte)
    if body.broken or node.has_error or _error_after(node):
        # A syntax error in the field, or right after it (a `)` too many closed it early):
        # its instructions are not all there, so stack typing would only add follow-on
        # errors to the one that says what is wrong.
        reader.broken.add(f.index)


def _error_after(node: Node) -> bool:
    """Whether the next sibling of `node`, past comments, is an ERROR node."""
    n = node.next_sibling
    while n is not None and n.is_extra and not n.is_error:
        n = n.next_sibling
    return n is not None and n.is_error


def module_fields(node: Node) -> list[Node]:
    return [c for c in cst.named(node) if c.type not in ("identifier",)]


def _first_id(node: Node) -> Node | None:
    cur = node.walk()
    more = cur.goto_first_child()
    while more:
        c = cur.node
        assert c is not None
        if c.is_named:
            if c.type == "identifier":
                return c
            if c.type not in cst.TRIVIA:
                return None
        more = cur.goto_next_sibling()
    return None


_INSTR_KINDS = cst.kind_ids(INSTR_NODES)
_LOCAL_KINDS = cst.kind_ids(("local",))


def _header(node: Node) -> list[Node]:
    """`cst.named(node)` before its first instruction: what the grammar allows there
    (names, exports, imports, types, locals) without walking a function's body."""
    return cst.named_until(node, _INSTR_KINDS)


def _name_span(node: Node) -> Span | None:
    n = node.child_by_field_name("name") or _first_id(node)
    return cst.span(n) if n is not None else None


def _field_span(d: _Declared) -> Span:
    if d.import_node is not None and d.import_node.type in ("import", "import_item"):
        return cst.span(d.import_node)
    return cst.span(d.node)


def _desc_kind(desc: Node) -> str | None:
    kind = desc.child_by_field_name("kind")
    word = kind.type if kind is not None else cst.keyword(desc)
    return word if word in IMPORT_KINDS else None


def _i32_const(data: bytes, node: Node, addr: str = "i32") -> Instr:
    op = lookup(f"{addr}.const")
    assert op is not None
    return Instr(op, (0,), node.start_byte, node.start_byte, node.start_byte, node.start_byte)
