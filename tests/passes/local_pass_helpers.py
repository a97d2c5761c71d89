"""What the tests of the local passes share: running a pass, comparing behaviour in wasmtime,
the locals wasm-opt's pass gives, error codes."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from wat_lsp.analysis.diagnostics import Severity
from wat_lsp.analysis.document import Document, analyse
from wat_lsp.analysis.validate import module_context
from wat_lsp.passes.edits import apply_edits
from wat_lsp.passes.registry import PASSES

from tests.oracles import wasmtime_run, wasmtools
from tests.tools import need_wasm_opt


def same_behaviour(before: bytes, after: bytes) -> None:
    assert wasmtools.validate(after).ok, after.decode()
    a = wasmtime_run.run_exports(before.decode())
    assert a and all(c.status == "ok" for o in a.values() for c in o.calls)
    assert not wasmtime_run.diff_outcomes(a, wasmtime_run.run_exports(after.decode()))


def run_pass(src: bytes, name: str) -> bytes:
    return apply_edits(src, PASSES[name].run(analyse(src)))


def wasm_opt_locals(src: bytes, pass_name: str, tmp_path: Path) -> list[tuple[str, str]]:
    exe = need_wasm_opt()
    wasm = tmp_path / "in.wasm"
    wasm.write_bytes(wasmtools.parse(src))
    out = subprocess.run(
        [exe, str(wasm), f"--{pass_name}", "-all", "-S", "-o", "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # Binaryen types struct.new and casts to final types as exact; we never introduce exactness.
    return [
        (m.group(1), re.sub(r"\(exact (\$\S+)\)", r"\1", m.group(2)))
        for m in re.finditer(r"^\s*\(local \$(\S+) (.*)\)$", out, re.M)
    ]


def our_locals(src: bytes) -> list[tuple[str, str]]:
    read = analyse(src).modules[0].read
    assert read is not None
    tt = module_context(read.module).types
    return [(d.name or str(d.index), tt.show(d.type)) for f in read.module.funcs for d in f.locals]


def error_codes(doc: Document) -> list[str]:
    return sorted(d.code for d in doc.diagnostics if d.severity == Severity.ERROR)
