"""The formatter's scan in C (`analysis/ide/format_scan.c`) gives the units the Python scan
gives (`_Units.scan`), field for field, on every item it takes; it takes the common case
(ASCII, no annotation nor multi-line block comment) and leaves the rest to Python, which
also rejects what neither understands. Items of the spec suite, the GC modules, their
damages and CRLF copies, and hand-made edge cases."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from wat_lsp.analysis.ide import format as fmt

from tests.corpus import core_files
from tests.ide.test_format_oracles import GC_MODULES, damage

FIELDS = ("kind", "text", "nl", "start", "close", "width", "hard", "containers", "keywords")

EDGES = [
    "(module)",
    "(func $f\n    local.get 0\n    i32.const 1\n    i32.add)",
    "(func\n  block $l (result i32)\n    i32.const 0 (;c;)\n    br_if $l\n  end\n  drop)",
    "(func  (param  $a\ti32)\n\n\n    local.get  $a\t drop\n  )",
    '(data "a  b"   "c\\"d"  ;; x\n  )',
    '(data "a\x0cb"  c)',
    "(func a\x0cb  c)",
    "(func\n    f32.const nan:0x200000\n    i32.load offset=4 align=2\n    ref.null func\n    i32x)",
    "(func\n    select (result i32)\n    call_indirect $t (type $ft)\n    i32.const 1 ;; one\n    drop)",
    "(func ;; c\n)\r\n",
    "(func) ;;\r\r\n",
    "(global i32 (i32.const 1)) (;a;) (;b;)",
    "(func (; multi\nline ;) nop)",
    '(func (@name "x") nop)',
    "(func (; (; nested ;) ;) nop)",
    "(func nop))",
    "(func (nop)",
    "(func ; nop)",
    '(func "unterminated)',
    "(",
    "(\n",
    "  \n ",
]


def _items(data: bytes) -> list[str]:
    """The texts the formatter scans when it formats `data` (its items without errors)."""
    got: list[str] = []
    keep = fmt._format_item

    def grab(text: str, *_: object) -> str:
        got.append(text)
        return text

    fmt._format_item = grab  # type: ignore[assignment]
    try:
        fmt.format_text(data)
    finally:
        fmt._format_item = keep
    return got


def _compare(text: str, crlf: bool) -> str:
    """ "C" when the C scan took the text (and agreed), "Python" when it left it."""
    assert fmt._c_scan is not None
    got = fmt._c_scan(text, crlf)
    units = fmt._Units.__new__(fmt._Units)
    try:
        units.scan(text, crlf)
    except fmt._Bad:
        assert got is None, f"the C scan took what the Python scan rejects: {text!r}"
        return "Python"
    if got is None:
        return "Python"
    for name, value in zip(FIELDS, got, strict=True):
        assert getattr(units, name) == value, f"{name} differs on {text!r}"
    return "C"


def test_c_scan_is_built() -> None:
    assert fmt._c_scan is not None, "wat_lsp.analysis.ide._format_scan is not built (pip install -e .)"


@pytest.mark.parametrize("text", EDGES)
def test_edge_cases(text: str) -> None:
    for crlf in (False, True):
        _compare(text, crlf)


def test_c_scan_takes_plain_items() -> None:
    assert _compare(EDGES[1], False) == "C"
    assert _compare(EDGES[3], False) == "C"
    assert _compare(EDGES[12], False) == "Python"
    assert _compare(EDGES[13], False) == "Python"


def test_corpus_items() -> None:
    files = core_files()[::3] + GC_MODULES
    if not files:
        pytest.skip("no spec suite")
    rng = random.Random(11)
    texts = [Path(f).read_bytes() for f in files]
    texts += [damage(rng, rng.choice(texts)[:8000]) for _ in range(200)]
    texts += [t.replace(b"\n", b"\r\n") for t in texts[::4]]
    taken = 0
    for data in texts:
        crlf = b"\r\n" in data
        for item in _items(data):
            if item.isascii():
                taken += _compare(item, crlf) == "C"
    assert taken > 1000


REINDENT = [
    "local.get 0",
    "block $b\nlocal.get 0\nbr_if $b\nend",
    "if (;x;)\nnop\nelse\nnop\nend\ndrop",
    "end\nend\nend\ni32.const 1",
    "try\nnop\ncatch $e\ndrop\ncatch_all\nnop\ndelegate 0",
    "try_table\nloop $l\nbr $l\nend\nend",
    "blocks\nifx 1\nend_x\nelse1",
]


@pytest.mark.parametrize("text", REINDENT)
def test_reindent(text: str) -> None:
    """The C `reindent` writes what `_Layout.lines_unit` writes in Python, at every depth,
    indentation (up to the cap), line end and blank line."""
    assert fmt._c_reindent is not None
    for newline in ("\n", "\r\n"):
        for opts in (fmt.FormatOptions(), fmt.FormatOptions(useTabs=True), fmt.FormatOptions(indentWidth=4)):
            for base, depth, blank in (
                (0, 0, False),
                (1, 0, True),
                (2, 3, False),
                (99, 1, True),
                (150, 0, False),
            ):
                results = []
                for use_c in (True, False):
                    lay = fmt._Layout(fmt._Units("x", False), "x", opts, newline)
                    el = fmt._El(fmt.E_LINES, text, 0)
                    keep = fmt._c_reindent
                    if not use_c:
                        fmt._c_reindent = None
                    try:
                        after = lay.lines_unit(el, base, depth, blank)
                    finally:
                        fmt._c_reindent = keep
                    results.append(("".join(lay.out), after, lay.col))
                assert results[0] == results[1], (text, newline, opts, base, depth, blank)


EDIT_PAIRS = [
    (b"", b""),
    (b"(module)", b"(module)\n"),
    (b"(module  (func))", b"(module\n  (func))\n"),
    (b"a  b\tc\n", b"a b c\n"),
    (b"a b", b"a  x"),  # not a difference of blanks: one edit for the rest
    (b"a b c", b"a b"),
    (b"\xc3\xa9 x  y", b"\xc3\xa9 \xff  y"),
    (b"  x", b"x"),
    (b"x", b"x  "),
]


def _edits_both(old: bytes, new: bytes) -> None:
    assert fmt._c_blank_edits is not None
    got = fmt.minimal_edits(old, new)
    keep = fmt._c_blank_edits
    fmt._c_blank_edits = None
    try:
        want = fmt.minimal_edits(old, new)
    finally:
        fmt._c_blank_edits = keep
    assert got == want, (old, new)


@pytest.mark.parametrize(("old", "new"), EDIT_PAIRS)
def test_blank_edits(old: bytes, new: bytes) -> None:
    """The C walk finds the edits the Python walk finds."""
    _edits_both(old, new)
    _edits_both(new, old)


def test_blank_edits_of_formatting() -> None:
    files = core_files()[::7] + GC_MODULES
    if not files:
        pytest.skip("no spec suite")
    for f in files:
        data = Path(f).read_bytes()
        _edits_both(data, fmt.format_text(data))
        _edits_both(data, fmt.format_text(data, fmt.FormatOptions(useTabs=True, printWidth=30)))
