"""A pass code action on one function resolves with that function's edits made alone, exactly
those of the pass over the whole module cut to the function (coalesce-locals: a 10 MB module's
8,000 functions cost 1.4 s for one)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

from wat_lsp.analysis.document import analyse
from wat_lsp.passes import coalesce_locals, targets
from wat_lsp.server import code_actions

from tests.corpus import core_files

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))
import genwat  # noqa: E402

SHARED = """(module
  (func $f (param $p i32) (result i32) (local $a i32) (local $b i32) (local $c i64)
    (local.set $a (local.get $p))
    (local.set $b (i32.add (local.get $a) (i32.const 1)))
    (local.get $b))
  (func $g (result i32) (local $x i32) (local $y i32)
    (local.set $x (i32.const 1)) (local.set $y (i32.const 2)) (i32.add (local.get $x) (local.get $y)))
  (func $broken (local $x i32) (local.get $nowhere)))
"""


def _texts() -> list[bytes]:
    out = io.StringIO()
    genwat.generate(out, size=60_000, seed=11)
    texts = [SHARED.encode(), out.getvalue().encode()]
    texts += [
        p.read_bytes()
        for p in core_files()
        if p.name in ("local_get.wast", "local_set.wast", "br_table.wast")
    ]
    return texts


def test_coalesce_locals_on_one_function_alone_equals_the_module_run_cut_to_it() -> None:
    changed = 0
    for text in _texts():
        doc = analyse(text)
        whole = coalesce_locals.run(doc)
        for m in targets.editable_modules(doc):
            assert m.read is not None
            for f in m.read.module.funcs:
                if f.import_ is None:
                    mine = code_actions._within(code_actions._coalesce_one(doc, f), f.span)
                    assert mine == code_actions._within(whole, f.span), f.name
                    changed += bool(mine)
    assert changed >= 3
