"""Block-end inlay hints on plain code, in process: a plain `end` gets what it closes, an
`end $l` names its block already, a block on one line gets nothing."""

from __future__ import annotations

from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.ide.inlay_hints import Hint, Options, hints

TEXT = b"""(module
  (func (param i32)
    block $a
      loop
        br 1
      end
    end $a
    local.get 0
    if
      nop
    else
      nop
    end
    block end))
"""

ENDS = Options(types=False, indices=False, block_ends=True)


def test_plain_ends() -> None:
    doc = analyse(TEXT)
    # The test module has a block nothing branches to (a `removable-block` hint); nothing else.
    assert [d.code for d in doc.diagnostics] == ["removable-block"]
    loop_end = TEXT.index(b"end\n") + 3
    if_end = TEXT.index(b"end\n", TEXT.index(b"else")) + 3
    assert hints(doc, 0, len(TEXT), ENDS) == [Hint(loop_end, "loop", False), Hint(if_end, "if", False)]


def test_only_ends_in_the_range() -> None:
    doc = analyse(TEXT)
    loop_end = TEXT.index(b"end\n") + 3
    assert hints(doc, 0, loop_end, ENDS) == [Hint(loop_end, "loop", False)]
    assert hints(doc, loop_end, len(TEXT), ENDS) == [
        Hint(TEXT.index(b"end\n", TEXT.index(b"else")) + 3, "if", False)
    ]


def test_damaged_text_at_every_offset() -> None:
    """Every hint kind on the text with one byte gone, or a `(` typed, at each offset: hints
    inside the text, no exception."""
    every = Options(types=True, indices=True, block_ends=True)
    for k in range(len(TEXT)):
        for damaged in (TEXT[:k] + TEXT[k + 1 :], TEXT[:k] + b"(" + TEXT[k:]):
            doc = analyse(damaged)
            for h in hints(doc, 0, len(damaged), every):
                assert 0 <= h.offset <= len(damaged) and h.label
