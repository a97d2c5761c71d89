"""A numeric index → the item's `$name`, at every numeric reference to the item, declaring a
name when it has none (wasm-language-tools' `convert_idx` and `add_omitted_idx`): locals and
params, labels, and every module index space but struct fields. A local declared in a group
(`(local i32 i32)`) gets its own declaration. The binary is the same, names aside.

The reverse, `name_to_idx`: a `$name` → its index (a label: the relative depth at each
branch) at every reference, in every index space (struct fields too), and the name goes from
the declaration, with the `end $l` that repeats a label; offered at a reference and at the
declaration, in a module without errors (a reference the model missed would be left naming
nothing)."""

from __future__ import annotations

from wat_lsp.analysis import cst
from wat_lsp.analysis.diagnostics import Severity
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide import navigation
from wat_lsp.analysis.ide.references import Key, Occurrence
from wat_lsp.analysis.ide.rewrites.base import Rewrite, clean, innermost, path_to, text
from wat_lsp.passes.edits import TextEdit

# the space -> the prefix of a name made up for an item of it
_PREFIX = {"local": "l", "label": "label", "func": "f", "type": "t", "global": "g", "table": "table",
           "memory": "mem", "tag": "tag", "elem": "elem", "data": "data"}  # fmt: skip
# the space -> the field's node type, where it differs from the space's name
_FIELD = {"type": "type_field"}
_DECLS = frozenset({"local", "param"})


def _numeric(doc: Document, offset: int) -> Occurrence | None:
    occ = navigation.occurrence_at(doc, offset)
    if occ is None or occ.named or occ.role == "decl" or occ.key.space not in _PREFIX:
        return None
    return occ if navigation.module_of(doc, occ.key) is not None else None


def _fresh(doc: Document, key: Key) -> str:
    prefix = _PREFIX[key.space]
    func = navigation.func_of(doc, key)
    if key.space == "local" and func is not None and func.all_locals[key.item].is_param:
        prefix = "p"
    name = f"{prefix}{key.item}"
    while navigation.rename_conflict(doc, key, name) is not None:
        name += "_"
    return name


def _declare(doc: Document, key: Key, name: str) -> TextEdit | None:
    """The edit that gives the item `$name` in its declaration."""
    func = navigation.func_of(doc, key)
    if key.space == "local" and func is not None:
        decl = func.all_locals[key.item]
        path = path_to(doc, decl.span.start)
        i = innermost(path, _DECLS)
        if i is None or not clean(path[i]):
            return None
        group = path[i]
        types = [c for c in cst.children(group) if c.is_named]
        kw = cst.keyword(group) or group.type
        if len(types) == 1:
            return TextEdit(group.start_byte, group.end_byte, f"({kw} ${name} {text(doc, types[0])})")
        parts = [
            f"({kw} ${name} {text(doc, t)})" if t.start_byte == decl.span.start else f"({kw} {text(doc, t)})"
            for t in types
        ]
        return TextEdit(group.start_byte, group.end_byte, " ".join(parts))
    if key.space == "label" and func is not None:
        ins = func.body[key.item]
        at = ins.start + len(ins.op.name)
        if doc.data[ins.start : at] != ins.op.name.encode():
            return None
        return TextEdit(at, at, f" ${name}")
    span = navigation.definition(doc, key)
    if span is None:
        return None
    node = doc.tree.root_node.descendant_for_byte_range(span.start, span.start)
    path = path_to(doc, span.start)
    field = next((n for n in path if n.is_named and n.start_byte == span.start), None)
    if node is None or field is None or field.type != _FIELD.get(key.space, key.space):
        return None  # (an item declared by an `import` field: its name goes inside)
    keyword = next((c for c in cst.children(field) if not c.is_named and c.type != "("), None)
    if keyword is None:
        return None
    return TextEdit(keyword.end_byte, keyword.end_byte, f" ${name}")


def _edits(doc: Document, offset: int) -> list[TextEdit]:
    occ = _numeric(doc, offset)
    if occ is None:
        return []
    key = occ.key
    name = navigation.name_of(doc, key)
    edits: list[TextEdit] = []
    if name is None:
        name = _fresh(doc, key)
        declared = _declare(doc, key, name)
        if declared is None:
            return []
        edits.append(declared)
    uses = [o for o in navigation.occurrences(doc, key) if not o.named and o.role != "decl"]
    edits += [TextEdit(o.start, o.end, f"${name}") for o in uses]
    return edits


def _numeric_key(doc: Document, offset: int) -> Key | None:
    occ = _numeric(doc, offset)
    return occ.key if occ is not None else None


CONVERT_IDX = Rewrite(
    "convert_idx",
    "Refer to the item by name (naming it if needed)",
    lambda doc, offset: _numeric(doc, offset) is not None and bool(_edits(doc, offset)),
    _edits,
    target=_numeric_key,
)


def _valid_module(doc: Document, module: int) -> bool:
    sm = doc.modules[module] if 0 <= module < len(doc.modules) else None
    return (
        sm is not None
        and sm.kind == "text"
        and sm.read is not None
        and not sm.expects_failure
        and not any(d.severity == Severity.ERROR for d in sm.diagnostics)
    )


def _named_key(doc: Document, offset: int) -> Key | None:
    """The item whose `$name` is at `offset` (a reference or the declaration)."""
    occ = navigation.occurrence_at(doc, offset)
    if occ is None or not occ.named or (occ.key.space not in _PREFIX and occ.key.space != "field"):
        return None
    return occ.key if _valid_module(doc, occ.key.module) else None


def _unnamed(doc: Document, occ: Occurrence) -> TextEdit:
    """Removes a `$name` with the blanks before it (a token is always before it: `func`,
    `block`, `end`)."""
    start = occ.start
    while start > 0 and doc.data[start - 1] in b" \t\r\n":
        start -= 1
    return TextEdit(start, occ.end, "")


def _to_index_edits(doc: Document, offset: int) -> list[TextEdit]:
    key = _named_key(doc, offset)
    if key is None:
        return []
    edits: list[TextEdit] = []
    decls: list[Occurrence] = []
    for o in navigation.occurrences(doc, key):
        if o.role == "decl":
            decls.append(o)
        elif not o.named:
            continue
        elif o.number >= 0:
            edits.append(TextEdit(o.start, o.end, str(o.number)))
        elif key.space == "label":  # `end $l`, `else $l`: they repeat the label
            edits.append(_unnamed(doc, o))
        else:
            return []  # a reference with no index to write
    return [*edits, *(_unnamed(doc, d) for d in decls)] if edits or decls else []


NAME_TO_IDX = Rewrite(
    "name_to_idx",
    "Refer to the item by index (dropping its name)",
    lambda doc, offset: bool(_to_index_edits(doc, offset)),
    _to_index_edits,
    target=_named_key,
)
