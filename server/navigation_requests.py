"""Type definition, declaration, call hierarchy and type hierarchy in lsprotocol shapes, from
`analysis/ide/type_definition`, `call_hierarchy` and `type_hierarchy`.

Hierarchy items carry `{"module": n, "func": i}` or `{"module": n, "type": i}` as their data
(the module's position in the document and the item's index), or, for a caller outside function
bodies, `{"module": n, "site": "elem"|"global"|"table"|"export"|"start", "index": i}`: the
follow-up requests find the item by it in the document's current analysis.
"""

from __future__ import annotations

import json
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from wat_lsp.analysis.document import Document, no_cyclic_gc
from wat_lsp.analysis.ide import call_hierarchy, navigation, type_hierarchy
from wat_lsp.analysis.ide.references import Key
from wat_lsp.analysis.ide.type_definition import type_definition as type_definition_span
from wat_lsp.analysis.model import Module, Span, StructType
from wat_lsp.analysis.positions import Encoding
from wat_lsp.analysis.subtyping import comp_kind
from wat_lsp.server import convert
from wat_lsp.server.diagnostics import RawResult
from wat_lsp.server.documents import Snapshot

from wat_lsp.output import lsp_range

_CONVERTER = default_converter()  # type: ignore[no-untyped-call]  # pygls: JSON to lsprotocol values


def _offset(snap: Snapshot, position: types.Position, encoding: Encoding) -> int:
    return snap.index.offset(position.line, position.character, encoding)


def _location(snap: Snapshot, span: Span | None, encoding: Encoding) -> types.Location | None:
    if span is None:
        return None
    return types.Location(uri=snap.uri, range=convert.range_(snap.index, span.start, span.end, encoding))


def item_uri(params: Any) -> str:
    """The document of a hierarchy request (`callHierarchy/incomingCalls` and the others)."""
    item = getattr(params, "item", None)
    uri = getattr(item, "uri", None)
    return uri if isinstance(uri, str) else ""


def type_definition(snap: Snapshot, position: types.Position, encoding: Encoding) -> types.Location | None:
    """The `(type ...)` that the type of the item under the cursor refers to."""
    doc = snap.early()
    occ = navigation.occurrence_at(doc, _offset(snap, position, encoding))
    return _location(snap, type_definition_span(doc, occ.key) if occ is not None else None, encoding)


def declaration(snap: Snapshot, position: types.Position, encoding: Encoding) -> types.Location | None:
    """WAT declares and defines an item in one place (an import is its declaration and its
    only definition): the same answer as go to definition (decision 37)."""
    doc = snap.early()
    occ = navigation.occurrence_at(doc, _offset(snap, position, encoding))
    return _location(snap, navigation.definition(doc, occ.key) if occ is not None else None, encoding)


# --- call hierarchy ----------------------------------------------------------------------


def _label(name: str | None, word: str, index: int) -> str:
    return f"${name}" if name else f"{word} {index}"


def _call_item(
    snap: Snapshot, module: int, m: Module, index: int, encoding: Encoding
) -> types.CallHierarchyItem:
    item: types.CallHierarchyItem = _CONVERTER.structure(
        _call_json(snap, module, m, index, encoding), types.CallHierarchyItem
    )
    return item


def _call_json(snap: Snapshot, module: int, m: Module, index: int, encoding: Encoding) -> dict[str, Any]:
    """A function's call hierarchy item in LSP's JSON shape (answers with thousands of calls
    are sent as JSON text: lsprotocol objects cost 0.1 s for 5,000 callers)."""
    f = m.funcs[index]
    detail = f"import {f.import_.module}.{f.import_.name}" if f.import_ is not None else f"func {index}"
    sel = f.name_span or f.span
    return {
        "name": _label(f.name, "func", index),
        "kind": int(types.SymbolKind.Function),
        "uri": snap.uri,
        "range": lsp_range(snap.index, f.span.start, f.span.end, encoding),
        "selectionRange": lsp_range(snap.index, sel.start, sel.end, encoding),
        "detail": detail,
        "data": {"module": module, "func": index},
    }


def prepare_call_hierarchy(
    snap: Snapshot, position: types.Position, encoding: Encoding
) -> list[types.CallHierarchyItem] | None:
    """The function named or called under the cursor."""
    doc = snap.analysis()
    occ = navigation.occurrence_at(doc, _offset(snap, position, encoding))
    if occ is None or occ.key.space != "func":
        return None
    m = navigation.module_of(doc, occ.key)
    if m is None or not 0 <= occ.key.item < len(m.funcs):
        return None
    return [_call_item(snap, occ.key.module, m, occ.key.item, encoding)]


def _data(item: Any, field: str) -> tuple[int, int] | None:
    data = getattr(item, "data", None)
    if not isinstance(data, dict):
        return None
    module, index = data.get("module"), data.get(field)
    if type(module) is not int or type(index) is not int:
        return None
    return module, index


def _calls(snap: Snapshot, item: Any) -> tuple[Document, call_hierarchy.ModuleCalls, int, int] | None:
    found = _data(item, "func")
    if found is None:
        return None
    doc = snap.analysis()
    mc = call_hierarchy.module_calls(doc, found[0])
    if mc is None or not 0 <= found[1] < len(mc.module.funcs):
        return None
    return doc, mc, found[0], found[1]


def _ranges(snap: Snapshot, spans: tuple[Span, ...], encoding: Encoding) -> list[dict[str, Any]]:
    return [lsp_range(snap.index, s.start, s.end, encoding) for s in spans]


def incoming_calls(snap: Snapshot, item: types.CallHierarchyItem, encoding: Encoding) -> RawResult | None:
    """The functions calling the item's function, then the items outside function bodies
    that refer to it (element segments, initializers, exports, start). Nothing calls those.
    As JSON text."""
    with no_cyclic_gc():  # thousands of small acyclic objects: a collection would rescan the version
        return _incoming(snap, item, encoding)


def _incoming(snap: Snapshot, item: types.CallHierarchyItem, encoding: Encoding) -> RawResult | None:
    if _site(snap, item) is not None:
        return RawResult("[]")
    found = _calls(snap, item)
    if found is None:
        return None
    _, mc, module, func = found
    calls = [
        {
            "from": _call_json(snap, module, mc.module, c.func, encoding),
            "fromRanges": _ranges(snap, c.spans, encoding),
        }
        for c in call_hierarchy.incoming(mc, func)
        if 0 <= c.func < len(mc.module.funcs)
    ]
    calls += [
        {
            "from": _site_json(snap, module, mc.module, c.site, encoding),
            "fromRanges": _ranges(snap, c.spans, encoding),
        }
        for c in call_hierarchy.site_callers(mc.module, func)
    ]
    return RawResult(json.dumps(calls, ensure_ascii=False))


def outgoing_calls(snap: Snapshot, item: types.CallHierarchyItem, encoding: Encoding) -> RawResult | None:
    """What the item's function calls; for an item outside function bodies, the functions
    it refers to. As JSON text."""
    with no_cyclic_gc():
        return _outgoing(snap, item, encoding)


def _outgoing(snap: Snapshot, item: types.CallHierarchyItem, encoding: Encoding) -> RawResult | None:
    site = _site(snap, item)
    if site is not None:
        module, m, s = site
        pairs = [(c.func, c.spans) for c in call_hierarchy.site_callees(m, s)]
    else:
        found = _calls(snap, item)
        if found is None:
            return None
        _, mc, module, func = found
        m = mc.module
        pairs = [(c.func, c.spans) for c in call_hierarchy.outgoing(mc, func)]
    calls = [
        {"to": _call_json(snap, module, m, f, encoding), "fromRanges": _ranges(snap, spans, encoding)}
        for f, spans in pairs
        if 0 <= f < len(m.funcs)
    ]
    return RawResult(json.dumps(calls, ensure_ascii=False))


# An item outside function bodies: its symbol kind (as document symbols give the item's
# kind; an export is the module's interface, `start` runs when it is made) and its detail.
_SITE_KINDS = {
    "elem": (types.SymbolKind.Array, "element segment"),
    "global": (types.SymbolKind.Variable, "global initializer"),
    "table": (types.SymbolKind.Array, "table initializer"),
    "export": (types.SymbolKind.Interface, "export"),
    "start": (types.SymbolKind.Constructor, "start function"),
}


def _site_json(
    snap: Snapshot, module: int, m: Module, site: call_hierarchy.Site, encoding: Encoding
) -> dict[str, Any]:
    """The call hierarchy item of an item outside function bodies, in LSP's JSON shape."""
    kind, detail = _SITE_KINDS[site.kind]
    if site.kind == "export":
        name = f"export {json.dumps(m.exports[site.index].name, ensure_ascii=False)}"
    elif site.kind == "start":
        name = "start"
    else:
        names: dict[str, list[Any]] = {"elem": m.elems, "global": m.globals, "table": m.tables}
        name = _label(names[site.kind][site.index].name, site.kind, site.index)
    if site.kind == "elem":
        detail = f"{m.elems[site.index].mode} {detail}"
    rng = lsp_range(snap.index, site.span.start, site.span.end, encoding)
    return {
        "name": name,
        "kind": int(kind),
        "uri": snap.uri,
        "range": rng,
        "selectionRange": rng,
        "detail": detail,
        "data": {"module": module, "site": site.kind, "index": site.index},
    }


def _site(snap: Snapshot, item: Any) -> tuple[int, Module, call_hierarchy.Site] | None:
    """The item outside function bodies a hierarchy item stands for (None for a function's
    item, or one that is not there any more)."""
    data = getattr(item, "data", None)
    kind = data.get("site") if isinstance(data, dict) else None
    found = _data(item, "index")
    if found is None or kind not in call_hierarchy.SITE_KINDS:
        return None
    module, index = found
    m = navigation.module_of(snap.analysis(), Key(module, "func", -1, 0))
    site = call_hierarchy.site_of(m, kind, index) if m is not None else None
    return (module, m, site) if m is not None and site is not None else None


# --- type hierarchy ----------------------------------------------------------------------


def _type_item(
    snap: Snapshot, module: int, m: Module, index: int, encoding: Encoding
) -> types.TypeHierarchyItem:
    td = m.types[index]
    rng = convert.range_(snap.index, td.span.start, td.span.end, encoding)
    kind = types.SymbolKind.Struct if isinstance(td.comp, StructType) else types.SymbolKind.Class
    final = "" if td.final else "sub "
    return types.TypeHierarchyItem(
        name=_label(td.name, "type", index),
        kind=kind,
        uri=snap.uri,
        range=rng,
        selection_range=rng,
        detail=f"{final}{comp_kind(td.comp)}",
        data={"module": module, "type": index},
    )


def prepare_type_hierarchy(
    snap: Snapshot, position: types.Position, encoding: Encoding
) -> list[types.TypeHierarchyItem] | None:
    """The type named under the cursor (its definition or any use of it)."""
    doc = snap.analysis()
    occ = navigation.occurrence_at(doc, _offset(snap, position, encoding))
    if occ is None or occ.key.space != "type":
        return None
    m = navigation.module_of(doc, occ.key)
    if m is None or not type_hierarchy.is_type(m, occ.key.item):
        return None
    return [_type_item(snap, occ.key.module, m, occ.key.item, encoding)]


def _related(
    snap: Snapshot, item: types.TypeHierarchyItem, encoding: Encoding, up: bool
) -> list[types.TypeHierarchyItem] | None:
    found = _data(item, "type")
    if found is None:
        return None
    module, index = found
    m = navigation.module_of(snap.analysis(), Key(module, "type", -1, index))
    if m is None:
        return None
    related = type_hierarchy.supertypes(m, index) if up else type_hierarchy.subtypes(m, index)
    return [_type_item(snap, module, m, t, encoding) for t in related]


def supertypes(
    snap: Snapshot, item: types.TypeHierarchyItem, encoding: Encoding
) -> list[types.TypeHierarchyItem] | None:
    return _related(snap, item, encoding, True)


def subtypes(
    snap: Snapshot, item: types.TypeHierarchyItem, encoding: Encoding
) -> list[types.TypeHierarchyItem] | None:
    return _related(snap, item, encoding, False)
