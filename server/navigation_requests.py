"""Type definition, declaration, call hierarchy and type hierarchy in lsprotocol shapes, from
`analysis/ide/type_definition`, `call_hierarchy` and `type_hierarchy`.

Hierarchy items carry `{"module": n, "func": i}` or `{"module": n, "type": i}` as their data
(the module's position in the document and the item's index): the follow-up requests find the
item by it in the document's current analysis.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide import call_hierarchy, navigation, type_hierarchy
from wat_lsp.analysis.ide.references import Key
from wat_lsp.analysis.ide.type_definition import type_definition as type_definition_span
from wat_lsp.analysis.model import Module, Span, StructType
from wat_lsp.analysis.positions import Encoding
from wat_lsp.analysis.subtyping import comp_kind
from wat_lsp.server import convert
from wat_lsp.server.documents import Snapshot


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
    doc = snap.analysis()
    occ = navigation.occurrence_at(doc, _offset(snap, position, encoding))
    return _location(snap, type_definition_span(doc, occ.key) if occ is not None else None, encoding)


def declaration(snap: Snapshot, position: types.Position, encoding: Encoding) -> types.Location | None:
    """WAT declares and defines an item in one place (an import is its declaration and its
    only definition): the same answer as go to definition (decision 37)."""
    doc = snap.analysis()
    occ = navigation.occurrence_at(doc, _offset(snap, position, encoding))
    return _location(snap, navigation.definition(doc, occ.key) if occ is not None else None, encoding)


# --- call hierarchy ----------------------------------------------------------------------


def _label(name: str | None, word: str, index: int) -> str:
    return f"${name}" if name else f"{word} {index}"


def _call_item(
    snap: Snapshot, module: int, m: Module, index: int, encoding: Encoding
) -> types.CallHierarchyItem:
    f = m.funcs[index]
    detail = f"import {f.import_.module}.{f.import_.name}" if f.import_ is not None else f"func {index}"
    sel = f.name_span or f.span
    return types.CallHierarchyItem(
        name=_label(f.name, "func", index),
        kind=types.SymbolKind.Function,
        uri=snap.uri,
        range=convert.range_(snap.index, f.span.start, f.span.end, encoding),
        selection_range=convert.range_(snap.index, sel.start, sel.end, encoding),
        detail=detail,
        data={"module": module, "func": index},
    )


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


def _ranges(snap: Snapshot, spans: tuple[Span, ...], encoding: Encoding) -> list[types.Range]:
    return [convert.range_(snap.index, s.start, s.end, encoding) for s in spans]


def incoming_calls(
    snap: Snapshot, item: types.CallHierarchyItem, encoding: Encoding
) -> list[types.CallHierarchyIncomingCall] | None:
    found = _calls(snap, item)
    if found is None:
        return None
    _, mc, module, func = found
    return [
        types.CallHierarchyIncomingCall(
            from_=_call_item(snap, module, mc.module, c.func, encoding),
            from_ranges=_ranges(snap, c.spans, encoding),
        )
        for c in call_hierarchy.incoming(mc, func)
        if 0 <= c.func < len(mc.module.funcs)
    ]


def outgoing_calls(
    snap: Snapshot, item: types.CallHierarchyItem, encoding: Encoding
) -> list[types.CallHierarchyOutgoingCall] | None:
    found = _calls(snap, item)
    if found is None:
        return None
    _, mc, module, func = found
    return [
        types.CallHierarchyOutgoingCall(
            to=_call_item(snap, module, mc.module, c.func, encoding),
            from_ranges=_ranges(snap, c.spans, encoding),
        )
        for c in call_hierarchy.outgoing(mc, func)
        if 0 <= c.func < len(mc.module.funcs)
    ]


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
