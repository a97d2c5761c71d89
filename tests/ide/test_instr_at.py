"""`hover.instr_at` (one pass over the body) answers what its definition by a sort of the body
by start gives, at every offset of functions with folded, plain and nested code; and the
rewrites' listing (`rewrites.available`, which finds the path to the cursor once) lists what
each rewrite says on its own."""

from __future__ import annotations

import bisect
import sys
from pathlib import Path

from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.ide import hover
from wat_lsp.analysis.ide.rewrites import base
from wat_lsp.analysis.ide.rewrites.registry import REWRITES, available
from wat_lsp.analysis.model import Func

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
try:
    import pathological
finally:
    sys.path.remove(str(ROOT / "bench"))

TEXT = """(module (memory 1) (type $t (func (param i32) (result i32)))
  (func $f (param $p i32) (result i32) (local $x i32)
    (local.set $x (i32.add (local.get $p) (i32.const 1)))
    block $b (result i32) i32.const 2 br_if $b (local.get $x) end drop
    (if (result i32) (local.get $x) (then (i32.load offset=4 (i32.const 8))) (else (i32.const 3)))
    (loop $l (br_if $l (i32.eqz (local.tee $x (i32.const 0)))))
    (return_call $g (i32.const 7)))
  (func $g (param i32) (result i32) local.get 0))
"""


def _by_sort(func: Func, offset: int) -> int | None:
    order = sorted(range(len(func.body)), key=lambda i: func.body[i].start)
    starts = [func.body[i].start for i in order]
    k = bisect.bisect_right(starts, offset) - 1
    if k < 0:
        return None
    i = order[k]
    return i if offset <= func.body[i].end else None


def test_instr_at_is_the_last_start_before_the_offset() -> None:
    for text in (TEXT, pathological.folded_operands(50).text, pathological.nested_plain(30).text):
        doc = analyse(text.encode())
        assert doc.modules[0].read is not None
        for func in doc.modules[0].read.module.funcs:
            for offset in range(func.span.start - 1, func.span.end + 2):
                assert hover.instr_at(func, offset) == _by_sort(func, offset), (func.index, offset)


def test_rewrites_listed_with_one_path_are_those_that_apply() -> None:
    doc = analyse(TEXT.encode())
    for offset in range(0, len(TEXT), 3):
        listed = [r.name for r in available(doc, offset)]
        each = [r.name for r in REWRITES.values() if r.applies(doc, offset)]
        assert listed == each, offset
    assert getattr(base._paths, "memo", None) is None  # nothing kept after a listing
