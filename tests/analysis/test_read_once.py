"""The cuts made for 100,000-level documents (issue 17) change nothing:

- an instruction text read once per module (`ImmCache.texts`: no immediate, or numbers only)
  gives each copy the model the general decoder gives it, with its own spans, whatever its
  spacing, and texts that need their context (locals, labels, indices) are not shared;
- `diagnostics.quick` builds the `Diagnostic` the constructor builds;
- `shadowed-label`, skipped on a body without two labelled blocks, still reports when there
  are two.
"""

from __future__ import annotations

from wat_lsp.analysis import body
from wat_lsp.analysis.diagnostics import Diagnostic, Severity, quick
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.model import Instr, Span

_TEXT = b"""(module
  (func $f (param $x i32) (result i32)
    (i32.add (i32.const 1) (i32.const 1))
    drop
    (i32.add ( i32.const  1 ) (i32.const 1))
    drop
    i32.const 1
    i32.const 1
    i32.add
    drop
    (f32.const 1.5) (f32.const 1.5) (f32.add) (drop)
    (local.get $x) (local.get $x) (i32.add) (drop)
    (block $a (block $b (br $a)))
    (block $b (br $b) (br 0))
    nop nop
    (nop) (nop)
    local.get 0))
"""


def _model(fast: bool) -> list[tuple[str, tuple[object, ...], int, int, int, int, int]]:
    was = body.FAST_PATHS
    body.FAST_PATHS = fast
    try:
        doc = analyse(_TEXT)
    finally:
        body.FAST_PATHS = was
    assert doc.diagnostics == [] or all(d.severity == Severity.HINT for d in doc.diagnostics)
    read = doc.modules[0].read
    assert read is not None
    return [_row(ins) for ins in read.module.funcs[0].body]


def _row(ins: Instr) -> tuple[str, tuple[object, ...], int, int, int, int, int]:
    return (ins.op.name, ins.imms, ins.start, ins.end, ins.ostart, ins.oend, ins.match)


def test_texts_read_once_give_each_copy_its_model() -> None:
    fast = _model(True)
    assert fast == _model(False)
    consts = [row for row in fast if row[0] == "i32.const"]
    assert len(consts) == 6
    assert len({(row[2], row[3]) for row in consts}) == 6  # each copy its own span
    spaced = _TEXT.index(b"( i32.const  1 )")
    assert (spaced + 2, spaced + 14, spaced, spaced + 16) in [row[2:6] for row in consts]


def test_quick_is_the_constructor() -> None:
    data: dict[str, object] = {"func": 0, "instr": 3}
    made = Diagnostic("removable-block", "m", Span(1, 2), Severity.HINT, (), (), data)
    fast = quick("removable-block", "m", Span(1, 2), Severity.HINT, data)
    assert fast == made and hash(fast) == hash(made) and repr(fast) == repr(made)
    assert fast.data is data and fast.related == () and fast.tags == ()


def test_shadowed_label_needs_two_labelled_blocks() -> None:
    codes = [d.code for d in analyse(_TEXT).diagnostics]
    assert "shadowed-label" not in codes  # `$b` twice, but side by side
    nested = b"(module (func (block $l (block (block $l (br $l))))))"
    [shadow] = [d for d in analyse(nested).diagnostics if d.code == "shadowed-label"]
    assert shadow.message == "label `$l` shadows the label of an enclosing `block`"
