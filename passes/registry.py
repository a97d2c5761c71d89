"""The pass registry: name -> description and the function that runs the pass.

A pass takes an analysed document and returns text edits against its bytes; `run_passes`
chains passes, re-analysing the text between them. Names follow `wasm-opt` where it has
the pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from wat_lsp.analysis.diagnostics import Severity
from wat_lsp.analysis.document import Document, analyse
from wat_lsp.passes import (
    coalesce_locals,
    fix_lints,
    fixup_non_nullable_locals,
    local_subtyping,
    remove_dead_stores,
    remove_unused_locals,
    reorder_locals,
)
from wat_lsp.passes.edits import TextEdit, apply_edits

PassFn = Callable[[Document], list[TextEdit]]


@dataclass(frozen=True, slots=True)
class PassInfo:
    name: str
    description: str
    run: PassFn


_ALL = (
    PassInfo(
        fixup_non_nullable_locals.NAME, fixup_non_nullable_locals.DESCRIPTION, fixup_non_nullable_locals.run
    ),
    PassInfo(remove_unused_locals.NAME, remove_unused_locals.DESCRIPTION, remove_unused_locals.run),
    PassInfo(remove_dead_stores.NAME, remove_dead_stores.DESCRIPTION, remove_dead_stores.run),
    PassInfo(coalesce_locals.NAME, coalesce_locals.DESCRIPTION, coalesce_locals.run),
    PassInfo(reorder_locals.NAME, reorder_locals.DESCRIPTION, reorder_locals.run),
    PassInfo(local_subtyping.NAME, local_subtyping.DESCRIPTION, local_subtyping.run),
)
PASSES: dict[str, PassInfo] = {p.name: p for p in _ALL}
# Passes that fix lints: run by name (`--pass fix-lints`), not listed with the transformations
# above (nor in the server's "Run <pass>" menu); they remove valid code, so not in FIX_PASSES.
LINT_PASSES: dict[str, PassInfo] = {
    fix_lints.NAME: PassInfo(fix_lints.NAME, fix_lints.DESCRIPTION, fix_lints.run)
}

# Passes whose edits fix error diagnostics, with the code each fixes: what `wat-lsp --fix`
# applies (skipping those whose code `--severity` turns off).
FIX_PASS_CODES: dict[str, str] = {fixup_non_nullable_locals.NAME: fixup_non_nullable_locals.CODE}
FIX_PASSES: tuple[str, ...] = tuple(FIX_PASS_CODES)


def fix_passes(overrides: Mapping[str, Severity | None]) -> list[str]:
    """The fix passes whose code `overrides` does not turn off (None: off), as `--fix` and the
    server's fix-all run them."""
    return [
        name for name, code in FIX_PASS_CODES.items() if not (code in overrides and overrides[code] is None)
    ]


class UnknownPass(KeyError):
    pass


def get_pass(name: str) -> PassInfo:
    try:
        return PASSES[name] if name in PASSES else LINT_PASSES[name]
    except KeyError:
        raise UnknownPass(name) from None


def run_passes(data: bytes, names: Sequence[str]) -> bytes:
    """`data` after each named pass in turn (each sees the previous one's output)."""
    infos = [get_pass(n) for n in names]
    for info in infos:
        edits = info.run(analyse(data))
        if edits:
            data = apply_edits(data, edits)
    return data
