"""What a position in the text refers to, read off the core's Module model.

The model resolves every name while reading; this module only finds which model item a
`$name` under the cursor means (its index space from the syntax around it), and lists the
model's items as document symbols. Positions stay byte offsets here; `convert` makes them LSP.
"""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node
from wat_lsp.analysis import cst
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.literals import parse_id
from wat_lsp.analysis.model import Func, LocalDecl, Module, Span
from wat_lsp.analysis.subtyping import TypeTable

# Declarations whose `name:` field defines a name in an index space.
_DECLARING = {"func": "func", "global": "global", "type_field": "type", "table": "table",
              "memory": "memory", "tag": "tag", "local": "local", "param": "local",
              "elem": "elem", "data": "data", "sub_type": "type"}  # fmt: skip
_INSTRS = ("plain_instr", "folded_instr")


@dataclass(frozen=True, slots=True)
class Target:
    """A name and what it denotes: `space` and `index` in `module` (and `func` for locals)."""

    space: str
    name: str
    index: int
    module: Module
    func: Func | None
    use: Span  # the `$name` under the cursor
    field: int = -1  # for a field: its index in type `index`


def module_at(doc: Document, offset: int) -> Module | None:
    for m in doc.modules:
        if m.read is not None and m.span.start <= offset <= m.span.end:
            return m.read.module
    return None


def func_at(module: Module, offset: int) -> Func | None:
    for f in module.funcs:
        if f.span.start <= offset <= f.span.end:
            return f
    return None


def identifier_at(doc: Document, offset: int) -> Node | None:
    """The `$name` token at or just before `offset` (the cursor may sit right after it)."""
    for at in (offset, offset - 1):
        if at < 0:
            continue
        node = doc.tree.root_node.named_descendant_for_byte_range(at, at)
        if node is not None and node.type == "identifier":
            return node
    return None


def _space(node: Node, data: bytes) -> str | None:
    parent = node.parent
    if parent is None:
        return None
    name_node = parent.child_by_field_name("name")
    if name_node is not None and name_node.id == node.id:
        return _DECLARING.get(parent.type)
    label_node = parent.child_by_field_name("label")
    if label_node is not None and label_node.id == node.id:
        return "label"
    if parent.type in ("type_use", "ref_type", "heap_type"):
        return "type"
    if parent.type not in _INSTRS:
        return None
    op_node = parent.child_by_field_name("op")
    if op_node is None:
        return None
    op = cst.text(data, op_node)
    ids = [k for k in cst.named(parent) if k.type == "identifier"]
    first = bool(ids) and ids[0].id == node.id
    if op.startswith("local."):
        return "local"
    if op.startswith("global."):
        return "global"
    if op in ("call", "return_call", "ref.func"):
        return "func"
    if op.startswith(("table.", "call_indirect", "return_call_indirect")) and op not in ("table.init",):
        return "table" if not op.endswith("call_indirect") else None
    if op in ("throw", "throw_ref"):
        return "tag"
    if op.startswith("br"):
        return "label"
    if op.startswith(("struct.", "array.")) or op in ("call_ref", "return_call_ref"):
        return "type" if first else "field" if op.startswith("struct.") and len(ids) > 1 else None
    return None


def target_at(doc: Document, offset: int) -> Target | None:
    node = identifier_at(doc, offset)
    if node is None:
        return None
    module = module_at(doc, node.start_byte)
    space = _space(node, doc.data)
    if module is None or space is None:
        return None
    name, err = parse_id(cst.text(doc.data, node))
    if err is not None:
        return None
    func = func_at(module, node.start_byte)
    if space == "local":
        if func is None:
            return None
        for decl in func.params + func.locals:
            if decl.name == name:
                return Target(space, name, decl.index, module, func, cst.span(node))
        return None
    if space == "label":
        return _label_target(name, module, func, node)
    if space == "field":
        return _field_target(name, module, func, node, doc.data)
    index = module.names.get(space, {}).get(name)
    return None if index is None else Target(space, name, index, module, func, cst.span(node))


def _label_target(name: str, module: Module, func: Func | None, node: Node) -> Target | None:
    """The innermost block labelled `name` around the use: `index` is its instruction."""
    if func is None:
        return None
    at = node.start_byte
    best: int | None = None
    for i, ins in enumerate(func.body):
        if ins.label != name or not (0 <= ins.match < len(func.body)):
            continue
        end = func.body[ins.match]  # a block start links to its `end`
        if ins.start <= at <= max(end.end, ins.end) and (best is None or ins.start >= func.body[best].start):
            best = i
    return None if best is None else Target("label", name, best, module, func, cst.span(node))


def _field_target(name: str, module: Module, func: Func | None, node: Node, data: bytes) -> Target | None:
    """`struct.get $t $f`: the field `$f` of the type named just before it; `index` packs both."""
    type_node = node.prev_named_sibling
    if type_node is None or type_node.type != "identifier":
        return None
    type_name, err = parse_id(cst.text(data, type_node))
    type_index = module.names.get("type", {}).get(type_name) if err is None else None
    if type_index is None or not 0 <= type_index < len(module.types):
        return None
    field = module.types[type_index].field_names.get(name)
    if field is None:
        return None
    return Target("field", name, type_index, module, func, cst.span(node), field)


def local_decl(target: Target) -> LocalDecl | None:
    if target.space != "local" or target.func is None:
        return None
    decls = target.func.params + target.func.locals
    return decls[target.index] if 0 <= target.index < len(decls) else None


def definition(target: Target) -> Span | None:
    """Where the name is declared."""
    m = target.module
    if target.space == "local":
        decl = local_decl(target)
        return decl.span if decl is not None else None
    if target.space == "func" and target.index < len(m.funcs):
        f = m.funcs[target.index]
        return f.name_span or f.span
    if target.space == "label" and target.func is not None:
        return target.func.body[target.index].span
    if target.space == "field":
        fields = m.types[target.index].field_spans
        return fields[target.field] if 0 <= target.field < len(fields) else None
    items: dict[str, list[object]] = {"type": list(m.types), "global": list(m.globals), "table": list(m.tables),
                                      "memory": list(m.memories), "tag": list(m.tags)}  # fmt: skip
    spans = [getattr(item, "span", None) for item in items.get(target.space, [])]
    span = spans[target.index] if 0 <= target.index < len(spans) else None
    return span if isinstance(span, Span) else None


def hover_text(target: Target) -> str | None:
    """Markdown: what the name denotes, with its declared type and index."""
    m = target.module
    types = TypeTable(m)
    if target.space == "local":
        decl = local_decl(target)
        if decl is None:
            return None
        kind = "param" if decl.is_param else "local"
        return f"```wat\n({kind} ${target.name} {types.show(decl.type)})\n```\n{kind} index {decl.index}"
    if target.space == "global" and target.index < len(m.globals):
        g = m.globals[target.index]
        t = f"(mut {types.show(g.type)})" if g.mutable else types.show(g.type)
        return f"```wat\n(global ${target.name} {t})\n```\nglobal index {target.index}"
    if target.space == "func" and target.index < len(m.funcs):
        f = m.funcs[target.index]
        params = " ".join(f"(param {'$' + p.name + ' ' if p.name else ''}{types.show(p.type)})" for p in f.params)
        results = " ".join(f"(result {types.show(r)})" for r in f.results)
        sig = " ".join(s for s in (params, results) if s)
        return f"```wat\n(func ${target.name}{' ' + sig if sig else ''})\n```\nfunction index {target.index}"
    if target.space == "type":
        return f"type `${target.name}`: type index {target.index}"
    if target.space == "label":
        return f"label `${target.name}`"
    if target.space == "field":
        return f"field `${target.name}` of type `{types.type_name(target.index)}`: field index {target.field}"
    return f"{target.space} `${target.name}`: index {target.index}"


@dataclass(frozen=True, slots=True)
class Symbol:
    name: str
    kind: str  # 'func' | 'type' | 'global' | 'table' | 'memory' | 'tag' | 'local' | 'param' | 'module'
    detail: str
    span: Span
    selection: Span
    children: tuple[Symbol, ...] = ()


def _label(name: str | None, index: int) -> str:
    return f"${name}" if name else str(index)


def symbols(doc: Document) -> list[Symbol]:
    """The document's modules and their items, in source order."""
    out: list[Symbol] = []
    for sm in doc.modules:
        if sm.read is None:
            continue
        m = sm.read.module
        types = TypeTable(m)
        items: list[Symbol] = []
        for t in m.types:
            if not t.implicit:
                items.append(Symbol(_label(t.name, t.index), "type", type(t.comp).__name__, t.span, t.span))
        for f in m.funcs:
            locals_ = tuple(Symbol(_label(d.name, d.index), "param" if d.is_param else "local",
                                   types.show(d.type), d.span, d.span) for d in f.params + f.locals)  # fmt: skip
            sel = f.name_span or f.span
            items.append(Symbol(_label(f.name, f.index), "func", f"func {f.index}", f.span, sel, locals_))
        for g in m.globals:
            items.append(Symbol(_label(g.name, g.index), "global", types.show(g.type), g.span, g.span))
        for kind, seq in (("table", m.tables), ("memory", m.memories), ("tag", m.tags)):
            for item in seq:
                items.append(Symbol(_label(item.name, item.index), kind, kind, item.span, item.span))
        items.sort(key=lambda s: s.span.start)
        if len(doc.modules) == 1:
            out.extend(items)  # one module: its items at the top level
        else:
            name = f"(module ${m.name})" if m.name else "(module)"
            out.append(Symbol(name, "module", sm.kind, sm.span, sm.span, tuple(items)))
    return out
