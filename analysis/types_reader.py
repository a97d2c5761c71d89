"""Reading value, reference, heap, field and function types from the CST."""

from __future__ import annotations

from collections.abc import Callable

from tree_sitter import Node
from wat_lsp.analysis import cst
from wat_lsp.analysis.literals import parse_id, parse_index
from wat_lsp.analysis.model import (
    REF_SHORTHANDS,
    UNRESOLVED,
    FieldType,
    RefType,
    Span,
    StorageType,
    ValType,
)

# Reports a diagnostic: (code, message, span).
Report = Callable[[str, str, Span], None]


class TypeNames:
    """Resolves type references (`$t` or a number) in the type index space."""

    def __init__(
        self, data: bytes, names: dict[str, int], report: Report, cache: dict[bytes, ValType] | None = None
    ) -> None:
        self.data = data
        self.names = names
        self.outer_report = report
        self.reported = 0
        # value types already read, by their text (for the same `names`): locals and
        # params repeat a few types thousands of times, and equal types share one object
        self.cache: dict[bytes, ValType] = cache if cache is not None else {}

    def report(self, code: str, message: str, span: Span) -> None:
        self.reported += 1
        self.outer_report(code, message, span)

    def index(self, node: Node, space: str = "type") -> int:
        return resolve_index(self.data, node, self.names, space, self.report)

    def heap_type(self, node: Node) -> str | int:
        if node.type == "abs_heap_type":
            return cst.text(self.data, node)
        return self.index(node)

    def ref_type(self, node: Node) -> RefType:
        kids = cst.named(node)
        tokens = cst.tokens(node)
        if not kids or (len(kids) == 1 and "ref" not in tokens):
            word = cst.text(self.data, node if not kids else kids[0])
            return RefType(True, REF_SHORTHANDS.get(word, "any"))
        nullable = "null" in tokens
        exact = "exact" in tokens
        heap: str | int = UNRESOLVED
        for kid in kids:
            if kid.type in ("abs_heap_type", "identifier", "integer"):
                heap = self.heap_type(kid)
            elif kid.type in ("exact_heap_type", "exact"):
                exact = True
                inner = cst.named(kid)
                if inner:
                    heap = self.heap_type(inner[-1])
        return RefType(nullable, heap, exact)

    def val_type(self, node: Node) -> ValType:
        kind = node.type
        if kind in ("num_type", "ref_type") and not node.has_error:
            raw = self.data[node.start_byte : node.end_byte]
            hit = self.cache.get(raw)
            if hit is None:
                before = self.reported
                hit = cst.text(self.data, node) if kind == "num_type" else self.ref_type(node)
                if self.reported == before:  # a type with a diagnostic is read again each time
                    self.cache[raw] = hit
            return hit
        if kind == "num_type":
            return cst.text(self.data, node)
        if kind == "ref_type":
            return self.ref_type(node)
        if node.type in ("value_type", "val_type"):
            kids = cst.named(node)
            if kids:
                return self.val_type(kids[0])
        return cst.text(self.data, node)

    def storage_type(self, node: Node) -> StorageType:
        if node.type == "packed_type":
            return cst.text(self.data, node)
        return self.val_type(node)

    def field_type(self, node: Node) -> FieldType:
        """`(mut t)` or a bare storage type, possibly wrapped in a `field_type` node."""
        mutable = False
        while node.type in ("field_type", "mut_type", "mut_field_type"):
            mutable = mutable or cst.has_token(node, "mut")
            kids = cst.named(node)
            if not kids:
                return FieldType("i32", mutable)
            node = kids[0]
        return FieldType(self.storage_type(node), mutable)


def resolve_index(data: bytes, node: Node, names: dict[str, int], space: str, report: Report) -> int:
    """An index (`$name` or number) in one index space; UNRESOLVED (reported) if unknown."""
    raw = cst.text(data, node)
    if node.type == "identifier":
        name, err = parse_id(raw)
        if err is not None:
            report("malformed-literal", err, cst.span(node))
            return UNRESOLVED
        index = names.get(name)
        if index is None:
            report("unknown-name", f"unknown {space} `{raw}`", cst.span(node))
            return UNRESOLVED
        return index
    value, err = parse_index(raw)
    if err is not None:
        report("malformed-literal", err, cst.span(node))
        return UNRESOLVED
    return value
