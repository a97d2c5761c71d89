"""The body reader's fast decoding paths change nothing: every file of the spec suite, the GC
modules and small `genwat` modules read with `body.FAST_PATHS` off (every instruction through
the general decoder, no block-type cache) give the same model (each function's instructions
with immediates, spans, labels and links; globals, segments, the whole module) and the same
diagnostics as the normal read.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from wat_lsp.analysis import body
from wat_lsp.analysis.document import Document, analyse
from wat_lsp.analysis.model import Instr

from tests.corpus import case_id, core_files, proposal_files

ROOT = Path(__file__).resolve().parents[2]


def _genwat(seed: int, functions: int) -> bytes:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import genwat
    finally:
        sys.path.remove(str(ROOT / "bench"))
    out = io.StringIO()
    genwat.generate(out, functions=functions, seed=seed)
    return out.getvalue().encode()


def _cases() -> Iterator[tuple[str, Path | tuple[int, int]]]:
    for path in core_files() + proposal_files():
        yield case_id(path), path
    for path in sorted((ROOT / "tests" / "gc_modules").glob("*.wat")):
        yield f"gc_modules/{path.name}", path
    for seed, functions in ((0, 40), (1, 60), (2, 120)):
        yield f"genwat-{seed}-{functions}", (seed, functions)


CASES = dict(_cases())


def _shown(ins: Instr) -> tuple[object, ...]:
    return (ins.op.name, ins.imms, ins.start, ins.end, ins.ostart, ins.oend, ins.match, ins.label)


def _general(data: bytes) -> Document:
    body.FAST_PATHS = False
    try:
        return analyse(data)
    finally:
        body.FAST_PATHS = True


def test_the_switch_changes_the_path() -> None:
    """With the switch off the fast paths are not taken (else the comparison proves nothing)."""
    taken: list[str] = []
    fast = body.BodyReader._plain_words

    def spy(self: body.BodyReader, node: object) -> object:
        taken.append("plain")
        return fast(self, node)  # type: ignore[arg-type]

    data = b"(module (func (local i32) local.get 0 drop (block (result i32) (i32.const 1)) drop))"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(body.BodyReader, "_plain_words", spy)
        analyse(data)
        assert taken
        taken.clear()
        _general(data)
        assert not taken


@pytest.mark.parametrize("name", list(CASES))
def test_general_decoder_reads_the_same(name: str) -> None:
    source = CASES[name]
    data = source.read_bytes() if isinstance(source, Path) else _genwat(*source)
    fast = analyse(data)
    general = _general(data)
    assert len(fast.modules) == len(general.modules)
    functions = 0
    for a, b in zip(fast.modules, general.modules, strict=True):
        assert (a.kind, a.span, a.expect) == (b.kind, b.span, b.expect)
        assert (a.read is None) == (b.read is None)
        if a.read is None or b.read is None:
            continue
        for fa, fb in zip(a.read.module.funcs, b.read.module.funcs, strict=True):
            assert [_shown(i) for i in fa.body] == [_shown(i) for i in fb.body], f"function {fa.index}"
            functions += 1
        assert a.read.module == b.read.module
        assert a.diagnostics == b.diagnostics
    assert fast.diagnostics == general.diagnostics
    if name.startswith(("gc_modules", "genwat")):
        assert functions > 0
