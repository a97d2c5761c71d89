"""Type hierarchy over GC subtyping: a type's declared supertype (`(sub $super ...)`) and the
types that declare it as theirs, across rec groups (any type may name an earlier one).

Only declared subtyping is a hierarchy: structurally equal types in different rec groups
are not each other's super- or subtypes unless declared so, as in the binary format.
"""

from __future__ import annotations

from wat_lsp.analysis.model import Module


def is_type(m: Module, index: int) -> bool:
    return 0 <= index < len(m.types) and not m.types[index].implicit


def supertypes(m: Module, index: int) -> list[int]:
    """The declared supertypes of type `index` that resolve (at most one in wasm 3.0)."""
    if not is_type(m, index):
        return []
    return [s for s in m.types[index].supertypes if isinstance(s, int) and is_type(m, s) and s != index]


def subtypes(m: Module, index: int) -> list[int]:
    """The types declaring `index` among their supertypes, in index order."""
    if not is_type(m, index):
        return []
    return [t.index for t in m.types if not t.implicit and t.index != index and index in t.supertypes]
