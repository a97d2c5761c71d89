"""reorder-locals and local-subtyping together over samples of the spec suite and of smith
modules: the outputs validate and, where runnable, behave the same. Each pass has its own
file (`test_reorder_locals.py`, `test_local_subtyping.py`)."""

from __future__ import annotations

import pytest
from wat_lsp.analysis.document import Document, analyse
from wat_lsp.passes.edits import apply_edits
from wat_lsp.passes.registry import PASSES, run_passes

from tests.corpus import ROOT as SPEC_ROOT
from tests.corpus import core_files
from tests.oracles import wasmtime_run, wasmtools
from tests.passes.local_pass_helpers import error_codes

# ------------------------------------------------------------------ spec and smith samples

# Files where the passes change something (every one of those in the suite), and others.
SPEC_SAMPLE = ["array_init_elem.wast", "array_new_elem.wast", "call_ref.wast", "br_if.wast", "func.wast", "if.wast",
               "local_get.wast", "local_set.wast", "local_tee.wast", "loop.wast", "select.wast", "stack.wast",
               "load.wast", "float_exprs1.wast", "local_init.wast", "br_on_null.wast", "br_on_non_null.wast",
               "ref_as_non_null.wast", "struct.wast", "array.wast", "type-subtyping.wast", "br_on_cast.wast"]  # fmt: skip


def _changed_modules(before: Document, after: Document) -> list[bytes]:
    """The text modules of `after` that differ from `before`'s (in scripts: those that must
    validate)."""
    a = [m for m in before.modules if m.kind == "text" and not m.expects_failure]
    b = [m for m in after.modules if m.kind == "text" and not m.expects_failure]
    assert len(a) == len(b)
    old, new = before.data, after.data
    return [
        new[y.span.start : y.span.end]
        for x, y in zip(a, b, strict=True)
        if old[x.span.start : x.span.end] != new[y.span.start : y.span.end]
    ]


@pytest.mark.skipif(not SPEC_ROOT.exists(), reason="spec test suite not available")
def test_spec_sample_outputs_validate() -> None:
    paths = [SPEC_ROOT / n for n in SPEC_SAMPLE if (SPEC_ROOT / n).exists()]
    paths += core_files()[::20]
    changed: list[bytes] = []
    for path in paths:
        data = path.read_bytes()
        doc = analyse(data)
        for name in ("reorder-locals", "local-subtyping"):
            after = analyse(apply_edits(data, PASSES[name].run(doc)))
            assert error_codes(after) == error_codes(doc), (path.name, name)
            changed += _changed_modules(doc, after)
    assert len(changed) >= 15
    bad = [(r.reason, m) for m, r in zip(changed, wasmtools.validate_many(changed), strict=True) if not r.ok]
    assert not bad


def test_smith_sample_outputs_validate() -> None:
    outs: list[bytes] = []
    for _seed, _wasm, wat in wasmtools.smith_corpus(150):
        data = wat.encode()
        doc = analyse(data)
        for name in ("reorder-locals", "local-subtyping"):
            edits = PASSES[name].run(doc)
            if edits:
                outs.append(apply_edits(data, edits))
    assert len(outs) >= 20
    bad = [r.reason for r in wasmtools.validate_many(outs) if not r.ok]
    assert not bad


def test_runnable_smith_sample_behaves_the_same() -> None:
    pairs: list[tuple[bytes, bytes]] = []
    for _seed, _wasm, wat in wasmtools.smith_corpus(50, options=wasmtools.RUNNABLE_SMITH_CONFIG):
        data = wat.encode()
        out = run_passes(data, ["reorder-locals", "local-subtyping"])
        if out != data:
            pairs.append((data, out))
    assert len(pairs) >= 15
    for r in wasmtools.validate_many([o for _, o in pairs]):
        assert r.ok, r.reason
    for data, out in pairs:
        assert not wasmtime_run.diff_outcomes(
            wasmtime_run.run_exports(data.decode()), wasmtime_run.run_exports(out.decode())
        )


# Smith rarely stores into reference locals. Widening every reference local to the top of its
