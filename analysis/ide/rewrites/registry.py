"""The rewrites, in menu order, and which apply at an offset."""

from __future__ import annotations

from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide.rewrites import br_if, exports, indices, local_types, ref_types, return_call
from wat_lsp.analysis.ide.rewrites.base import Rewrite

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
        indices.NAME_TO_IDX,
    )
}


def available(doc: Document, offset: int) -> list[Rewrite]:
    """The rewrites that would change something at `offset`."""
    return [r for r in REWRITES.values() if r.applies(doc, offset)]
