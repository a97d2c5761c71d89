"""What a position in the text refers to, and where else that item occurs, read off the model.

`references` finds and resolves every occurrence of an indexed item; this module answers the
questions of go-to-definition, references, rename and document highlight in terms of its
`Key`s, and lists the model's items as document symbols. Positions stay byte offsets here;
`features` makes them LSP.

Occurrences of function-scoped items (locals, labels) are read from their function alone, and
the occurrence under the cursor from the module field around it, so that those requests never
need the whole document's index; module-level items (and struct fields, used anywhere) do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide import references
from wat_lsp.analysis.ide.references import Key, Occurrence
from wat_lsp.analysis.literals import parse_id
from wat_lsp.analysis.model import Func, Module, Span
from wat_lsp.analysis.opcodes import Flag
from wat_lsp.analysis.subtyping import TypeTable

SPACE_WORDS = {"func": "function", "type": "type", "field": "field", "local": "local", "label": "label",
               "global": "global", "table": "table", "memory": "memory", "tag": "tag",
               "elem": "element segment", "data": "data segment"}  # fmt: skip


def module_of(doc: Document, key: Key) -> Module | None:
    sm = doc.modules[key.module] if 0 <= key.module < len(doc.modules) else None
    return sm.read.module if sm is not None and sm.read is not None else None


def func_of(doc: Document, key: Key) -> Func | None:
    """The function a local or label belongs to."""
    m = module_of(doc, key)
    if m is None or key.space not in ("local", "label") or not 0 <= key.owner < len(m.funcs):
        return None
    return m.funcs[key.owner]


def field_span(doc: Document, offset: int) -> Span:
    """The module field (or top-level form) around `offset`: the smallest unit that holds
    everything needed to resolve the names in it."""
    cursor = doc.tree.walk()  # (`Node.first_named_child_for_byte` crashed py-tree-sitter 0.26)
    for _ in range(2):  # the root, then `(module ...)`: fields sit at most two levels down
        if cursor.goto_first_child_for_byte(offset) is None:
            break
        if cursor.node is None or cursor.node.type not in ("module", "assertion"):
            break
    node = cursor.node
    if node is None or node.start_byte > offset:
        return Span(offset, offset)
    return Span(node.start_byte, node.end_byte)


def occurrence_at(doc: Document, offset: int) -> Occurrence | None:
    """The occurrence under `offset`, or ending right at it (the cursor just after a name)."""
    idx = references.cached_index(doc)
    if idx is not None:
        found = idx.in_range(offset, offset + 1)
    else:
        span = field_span(doc, offset)
        found = references.reaching(
            references.resolver(doc).occurrences(span.start, span.end), offset, offset + 1
        )
    best: Occurrence | None = None
    for o in found:
        if o.start <= offset < o.end:
            return o
        if o.end == offset:
            best = o
    return best


def occurrences(doc: Document, key: Key) -> list[Occurrence]:
    """Every occurrence of `key` in the document, in text order."""
    func = func_of(doc, key)
    if func is not None:
        return references.resolver(doc).of_key(func.span.start, func.span.end, key)
    return list(references.index(doc).of(key))


def definition(doc: Document, key: Key) -> Span | None:
    """Where the item is declared (its whole declaration; a function: its name)."""
    m = module_of(doc, key)
    if m is None:
        return None
    func = func_of(doc, key)
    if key.space == "local" and func is not None:
        decls = func.all_locals
        return decls[key.item].span if 0 <= key.item < len(decls) else None
    if key.space == "label" and func is not None:
        return func.body[key.item].span if 0 <= key.item < len(func.body) else None
    if key.space == "func" and key.item < len(m.funcs):
        f = m.funcs[key.item]
        return f.name_span or f.span
    if key.space == "field":
        fields = m.types[key.owner].field_spans if 0 <= key.owner < len(m.types) else []
        return fields[key.item] if 0 <= key.item < len(fields) else None
    items = _items(m, key.space)
    if 0 <= key.item < len(items):
        span = getattr(items[key.item], "span", None)
        return span if isinstance(span, Span) else None
    return None


def _items(m: Module, space: str) -> list[object]:
    seq: dict[str, list[object]] = {
        "func": list(m.funcs),
        "type": list(m.types),
        "global": list(m.globals),
        "table": list(m.tables),
        "memory": list(m.memories),
        "tag": list(m.tags),
        "elem": list(m.elems),
        "data": list(m.datas),
    }
    return seq.get(space, [])


def name_of(doc: Document, key: Key) -> str | None:
    """The item's `$name` (without `$`), if it has one."""
    m = module_of(doc, key)
    if m is None:
        return None
    func = func_of(doc, key)
    if key.space == "local" and func is not None:
        return func.all_locals[key.item].name if 0 <= key.item < len(func.all_locals) else None
    if key.space == "label" and func is not None:
        return func.body[key.item].label
    if key.space == "field":
        names = m.types[key.owner].field_names if 0 <= key.owner < len(m.types) else {}
        return next((n for n, i in names.items() if i == key.item), None)
    items = _items(m, key.space)
    name = getattr(items[key.item], "name", None) if 0 <= key.item < len(items) else None
    return name if isinstance(name, str) else None


# --- rename ------------------------------------------------------------------------------

_IDCHARS = re.compile(r"\$[0-9A-Za-z!#$%&'*+\-./:<=>?@\\^_`|~]+")


def parse_new_name(text: str) -> tuple[str, str | None]:
    """`(name, error)` for a rename's new name: `$x`, `x` or `$"any text"`."""
    if not text.startswith("$"):
        text = "$" + text
    if text.startswith('$"'):
        name, err = parse_id(text)
        return name, None if err is None else f"`{text}` is not a valid identifier: {err}"
    if _IDCHARS.fullmatch(text) is None:
        return "", f"`{text}` is not a valid identifier (letters, digits and !#$%&'*+-./:<=>?@\\^_`|~ only)"
    return text[1:], None


def rename_conflict(doc: Document, key: Key, new: str) -> str | None:
    """Why `key` cannot be named `new` (a name taken in its scope), or None."""
    m = module_of(doc, key)
    if m is None:
        return "nothing to rename"
    func = func_of(doc, key)
    word = SPACE_WORDS[key.space]
    if key.space == "local" and func is not None:
        other = next((d for d in func.all_locals if d.name == new and d.index != key.item), None)
        if other is not None:
            fname = f"`${func.name}`" if func.name else f"function {func.index}"
            return f"`${new}` is already {'a parameter' if other.is_param else 'a local'} of {fname}"
        return None
    if key.space == "label" and func is not None:
        return _label_conflict(func, key.item, new)
    if key.space == "field":
        td = m.types[key.owner]
        taken = td.field_names.get(new)
        if taken is not None and taken != key.item:
            return f"`${new}` is already field {taken} of type {_show_item('type', td.name, td.index)}"
        return None
    taken = m.names.get(key.space, {}).get(new)
    if taken is not None and taken != key.item:
        return f"`${new}` is already the name of {word} {taken}"
    return None


def _show_item(space: str, name: str | None, index: int) -> str:
    return f"`${name}`" if name else f"{SPACE_WORDS[space]} {index}"


def _label_conflict(func: Func, block: int, new: str) -> str | None:
    """A label may reuse the name of a block it neither encloses nor is enclosed by; otherwise
    the rename would capture (or be captured by) the other block's branches."""
    body = func.body

    def extent(i: int) -> tuple[int, int]:
        end = body[i].match
        return body[i].start, body[end].end if 0 <= end < len(body) else body[i].end

    lo, hi = extent(block)
    for i, ins in enumerate(body):
        if i == block or ins.label != new or not ins.op.flags & Flag.BLOCK_START:
            continue
        a, b = extent(i)
        if a <= lo < b or lo <= a < hi:
            return f"`${new}` is already the label of a block that {'encloses' if a <= lo else 'is inside'} this one"
    return None


def rename_target(doc: Document, offset: int) -> tuple[Occurrence | None, str | None]:
    """The `$name` a rename at `offset` would rename, or why there is none (a message for the
    user: an index, a string, a name that resolves to nothing, or nothing at all)."""
    occ = occurrence_at(doc, offset)
    if occ is not None and occ.named:
        return occ, None
    if occ is not None:
        text = doc.data[occ.start : occ.end].decode("utf-8", "replace")
        word = SPACE_WORDS.get(occ.key.space, occ.key.space)
        article = "an" if word[0] in "aeiou" else "a"
        return None, f"`{text}` is a numeric index of {article} {word}: only a `$name` can be renamed"
    node = doc.tree.root_node.descendant_for_byte_range(offset, offset)
    if node is not None and node.type == "identifier":
        text = doc.data[node.start_byte : node.end_byte].decode("utf-8", "replace")
        return None, f"`{text}` does not name any item here, so there is nothing to rename"
    if node is not None and node.type == "string":
        return None, "a string (an export or import name) is not a reference: edit it as text"
    return None, "nothing to rename here: put the cursor on a `$name`"


def rename_edits(doc: Document, key: Key, new: str) -> list[Span]:
    """The spans to replace: the declaration's `$name` and every `$name` use (numeric uses stay)."""
    return [Span(o.start, o.end) for o in occurrences(doc, key) if o.named]


# --- document symbols ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Symbol:
    name: str
    kind: str  # an index space ('func', 'type', ...), 'param', 'field' or 'module'
    detail: str
    span: Span
    selection: Span
    children: tuple[Symbol, ...] = ()


def _label(name: str | None, index: int) -> str:
    return f"${name}" if name else str(index)


# Functions list their parameters and locals in a module of at most this many functions. An
# outline of 100,000 functions is not read local by local, and their locals made the answer
# four times longer (100 MB of JSON at 60 MB of text, seconds to make, send and read).
LOCALS_UP_TO = 5000


def locals_shown(m: Module) -> bool:
    """Whether `m`'s function symbols have their parameters and locals as children."""
    return len(m.funcs) <= LOCALS_UP_TO


def func_symbol(types: TypeTable, f: Func, with_locals: bool = True) -> Symbol:
    """A function's symbol, its parameters and locals as children (`with_locals`)."""
    locals_ = tuple(
        Symbol(
            _label(d.name, d.index), "param" if d.is_param else "local", types.show(d.type), d.span, d.span
        )
        for d in (f.params + f.locals if with_locals else ())
    )
    return Symbol(_label(f.name, f.index), "func", f"func {f.index}", f.span, f.name_span or f.span, locals_)


def symbols(doc: Document, skip: frozenset[int] = frozenset()) -> list[Symbol]:
    """The document's modules and the items of every index space, in source order; functions
    list their parameters and locals (in a module of at most `LOCALS_UP_TO` functions), struct
    types their fields. Functions whose index is in `skip` are left out (the server keeps their
    symbols from version to version)."""
    out: list[Symbol] = []
    for sm in doc.modules:
        if sm.read is None:
            continue
        m = sm.read.module
        types = TypeTable(m)
        items: list[Symbol] = []
        for t in m.types:
            if t.implicit:
                continue
            names = {i: n for n, i in t.field_names.items()}
            fields = tuple(
                Symbol(_label(names.get(i), i), "field", "field", span, span)
                for i, span in enumerate(t.field_spans)
            )
            items.append(
                Symbol(_label(t.name, t.index), "type", type(t.comp).__name__, t.span, t.span, fields)
            )
        with_locals = locals_shown(m)
        items += [func_symbol(types, f, with_locals) for f in m.funcs if f.index not in skip]
        for g in m.globals:
            items.append(Symbol(_label(g.name, g.index), "global", types.show(g.type), g.span, g.span))
        for kind, seq in (("table", m.tables), ("memory", m.memories), ("tag", m.tags)):
            for item in seq:
                items.append(Symbol(_label(item.name, item.index), kind, kind, item.span, item.span))
        for e in m.elems:
            items.append(Symbol(_label(e.name, e.index), "elem", f"elem ({e.mode})", e.span, e.span))
        for d in m.datas:
            items.append(Symbol(_label(d.name, d.index), "data", f"data ({d.mode})", d.span, d.span))
        items.sort(key=lambda s: s.span.start)
        if len(doc.modules) == 1:
            out.extend(items)  # one module: its items at the top level
        else:
            name = f"(module ${m.name})" if m.name else "(module)"
            out.append(Symbol(name, "module", sm.kind, sm.span, sm.span, tuple(items)))
    return out
