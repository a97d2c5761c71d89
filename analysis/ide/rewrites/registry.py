"""The rewrites, in menu order, and which apply at an offset."""

from __future__ import annotations

from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide.rewrites import (
    br_if,
    empty_groups,
    export_as,
    exports,
    fold,
    imports,
    indices,
    local_types,
    mem_arg,
    omitted_idx,
    packing,
    ref_types,
    remove_mut,
    result_types,
    return_call,
    type_uses,
)
from wat_lsp.analysis.ide.rewrites.base import Rewrite, one_path

REWRITES: dict[str, Rewrite] = {
    r.name: r
    for r in (
        local_types.SPLIT,
        local_types.JOIN,
        br_if.BR_IF_TO_IF_BR,
        br_if.IF_BR_TO_BR_IF,
        return_call.MERGE_TO_RETURN_CALL,
        ref_types.EXPAND_REF_TYPE,
        ref_types.SIMPLIFY_REF_TYPE,
        exports.EXTRACT_EXPORT,
        exports.INLINE_EXPORT,
        indices.CONVERT_IDX,
        fold.FOLD,
        fold.UNFOLD,
        fold.FOLD_FUNCTION,
        fold.UNFOLD_FUNCTION,
        omitted_idx.ADD_OMITTED_IDX,
        result_types.ADD_RESULT_TYPES,
        indices.NAME_TO_IDX,
        type_uses.INLINE_FUNC_TYPE,
        imports.INLINE_EXTERN_TYPE,
        imports.EXPAND_COMPACT_IMPORT,
        empty_groups.CLEAN_NO_TYPES,
        export_as.EXPORT_AS,
        remove_mut.REMOVE_MUT,
        mem_arg.FIX_INVALID_MEM_ARG,
        packing.FIX_PACKING,
        packing.FIX_PACKING_U,
    )
}


def available(doc: Document, offset: int, end: int | None = None) -> list[Rewrite]:
    """The rewrites that would change something at `offset` (or in the selection from
    `offset` to `end`)."""
    with one_path():
        return [r for r in REWRITES.values() if r.applies_in(doc, offset, offset if end is None else end)]
