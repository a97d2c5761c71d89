"""The rules a proposal relaxes, each beside the WebAssembly 3.0 rule it relaxes.

We validate with every feature on, as `wasm-tools validate --features all` does: only the
relaxed rule makes a diagnostic. Where it accepts what the 3.0 rule rejects, the validator
records a `CoreOnly` note instead. A note is never shown; it lets a core script's
`assert_invalid` of such a module (a script written with the proposal off) fail as expected
(`analysis/document.py`). Issue 13, item 5; decision 33.

One function per rule returns a `Verdict` of both rules; `RULES` names them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from wat_lsp.analysis.model import RefType, Span, ValType
from wat_lsp.analysis.subtyping import TypeTable

_CAST, _TAG = "br_on_cast-types", "tag-results"

# rule -> (the proposal that relaxes it, what the WebAssembly 3.0 rule asks)
RULES: dict[str, tuple[str, str]] = {
    _CAST: (
        "custom descriptors (rt1 and rt2 in one type hierarchy)",
        "`br_on_cast`/`br_on_cast_fail`: the target type rt2 matches the operand type rt1",
    ),
    _TAG: (
        "stack switching (a tag may have results, for `suspend`)",
        "a tag's function type has no results",
    ),
}


@dataclass(frozen=True, slots=True)
class CoreOnly:
    """Something valid with every feature on that the WebAssembly 3.0 rule `rule` rejects."""

    rule: str  # a key of RULES
    span: Span
    message: str  # why the 3.0 rule rejects it


@dataclass(frozen=True, slots=True)
class Verdict:
    rule: str  # a key of RULES
    relaxed: str | None  # why it is invalid with every feature on (a diagnostic), or None
    core: str | None  # why the 3.0 rule alone rejects it (a note when `relaxed` is None), or None


def br_on_cast_types(types: TypeTable, op: str, rt1: RefType, rt2: RefType, *, descriptor: bool) -> Verdict:
    """`br_on_cast(_fail)` and custom descriptors' `br_on_cast_desc_eq(_fail)`: rt1 and rt2 in
    one hierarchy (wasmparser's `check_br_on_cast_type_hierarchy` with custom descriptors on);
    under 3.0, rt2 <: rt1. The descriptor variants exist only in the proposal: no 3.0 rule."""
    tops = (types.top(rt1.heap), types.top(rt2.heap))
    if None not in tops and tops[0] != tops[1]:  # None: an unresolved name, reported elsewhere
        why = f"`{op}` casts {types.show(rt1)} to {types.show(rt2)}, which is in another type hierarchy"
        return Verdict(_CAST, why, why)
    if descriptor or types.is_sub(rt2, rt1):
        return Verdict(_CAST, None, None)
    return Verdict(
        _CAST,
        None,
        f"`{op}` casts to {types.show(rt2)}, which is not a subtype of the input type {types.show(rt1)}",
    )


def tag_results(types: TypeTable, results: Sequence[ValType]) -> Verdict:
    """A tag's results: any with stack switching; none under 3.0 (an exception tag)."""
    if not results:
        return Verdict(_TAG, None, None)
    return Verdict(
        _TAG,
        None,
        f"non-empty tag result type: an exception tag has no results, found {types.show_list(results)}",
    )
