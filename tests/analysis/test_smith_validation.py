"""Every `wasm-tools smith` module, as `wasm-tools print` writes it, analyses without error.

2,000 modules for fixed seeds 0..1999 with the oracle's default configuration (GC, exceptions,
tail calls, SIMD incl. relaxed, multi-memory, memory64, reference types, extended const ...:
`tests.oracles.wasmtools.DEFAULT_SMITH_CONFIG`). smith only emits valid modules, so the whole
document — syntax, reading and validation — must report zero errors. The corpus is cached on
disk (`$WAT_LSP_ORACLE_CACHE`, by default `/tmp/wat-lsp-oracle-cache`); the seeds are split in
chunks so that `pytest -n 2` spreads them over both workers. `wasm-tools mutate`'s mutants of
smith modules (valid by construction) analyse without error too.
"""

from __future__ import annotations

import pytest
from wat_lsp.analysis.diagnostics import Severity
from wat_lsp.analysis.document import analyse

wasmtools = pytest.importorskip("tests.oracles.wasmtools")
try:
    wasmtools.wasm_tools_exe()
except FileNotFoundError:  # pragma: no cover
    pytest.skip("wasm-tools is not installed", allow_module_level=True)

MODULES = 2000
CHUNK = 100


@pytest.mark.parametrize("start", range(0, MODULES, CHUNK), ids=lambda s: f"seeds{s}-{s + CHUNK - 1}")
def test_smith_modules_analyse_without_errors(start: int) -> None:
    failures = []
    instructions = 0
    for seed, _wasm, wat in wasmtools.smith_corpus(CHUNK, start):
        doc = analyse(wat.encode("utf-8"))
        errors = [d for d in doc.diagnostics if d.severity == Severity.ERROR]
        if errors:
            shown = "; ".join(f"{d.code}@{d.span.start}: {d.message}" for d in errors[:3])
            failures.append(f"seed {seed}: {len(errors)} error(s): {shown}")
        assert len(doc.modules) == 1 and doc.modules[0].read is not None, seed
        instructions += sum(len(f.body) for f in doc.modules[0].read.module.funcs)
    print(
        f"smith seeds {start}..{start + CHUNK - 1}: {CHUNK} modules, {instructions} instructions, "
        f"{len(failures)} with errors"
    )
    assert not failures, f"{len(failures)} of {CHUNK} smith modules get errors:\n" + "\n".join(failures[:10])
    assert instructions > 20 * CHUNK  # the corpus is not degenerate: bodies were validated


def test_binary_mutants_analyse_without_errors() -> None:
    from tests.analysis.test_validate_differential import binary_mutants

    texts = binary_mutants(12, (7,), start=6000)
    assert len(texts) >= 8
    for text in texts:
        errors = [d for d in analyse(text.encode()).diagnostics if d.severity == Severity.ERROR]
        assert errors == [], (text[:2000], [(d.code, d.message) for d in errors[:3]])
