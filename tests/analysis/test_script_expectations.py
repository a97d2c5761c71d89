"""What a script's expectations make of its modules' diagnostics (decision 7, decision 31):
a module a script expects to fail and that fails gets nothing, whatever stage it fails at
(syntax included), and its errors never leak into the rest of the script; empty modules get
the `empty-module` warning. Exact codes, ranges and messages."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from wat_lsp.analysis import cst
from wat_lsp.analysis.document import Document, analyse
from wat_lsp.analysis.incremental import DocumentAnalysis
from wat_lsp.analysis.literals import parse_string
from wat_lsp.analysis.syntax import parse

from tests.corpus import core_files, proposal_files
from tests.oracles.wasmtools import validate

SCRIPTS = Path(__file__).resolve().parent / "scripts"

EMPTY_TEXT = (
    "the text holds no module field: an empty module is valid WebAssembly, "
    "but wasm-tools rejects it (expected at least one module field)"
)
EMPTY_QUOTE = EMPTY_TEXT.replace("the text", "the quoted text")
NOT_MALFORMED = "the script expects this module to be malformed, but wat-lsp reads it without error"
NOT_INVALID = "the script expects this module to be invalid, but wat-lsp validates it without error"


def messages(text: str) -> list[tuple[str, int, int, str]]:
    return [(d.code, d.span.start, d.span.end, d.message) for d in analyse(text.encode()).diagnostics]


# Malformed modules, not quoted, each failing with a syntax error of ours (and rejected by
# `wasm-tools parse`, checked below).
MALFORMED = [
    "(module (func else))",
    "(module (table 1 funcref) (elem (i32.const 0) funcref (if)))",
    "(module (func (i32.const 1 2 3) end end))",
    "(module (func (if (then) (else) (else))))",
    "(module (type (func (param i32 $x))))",
    "(module (memory 1) (data (i32.const 0) 1 2))",
    "(module (func $f (param $x i32) (local.get $x) (drop) (local $y i32)))",
    "(module (func (block (result i32) (i32.const 0) end)))",
    '(module (func) (export "a" (func 0) (func 0)))',
    "(module (func (i32.const)))",
]

# A module after them, with one type error: what must still be reported, and only that.
AFTER = '(module (func (export "f") (result i32) (i64.const 1)))'
AFTER_ERROR = ("type-mismatch", "the function body must end with [i32] on the stack, found [i64]")


@pytest.mark.parametrize("module", MALFORMED)
def test_wasm_tools_rejects_each(module: str) -> None:
    assert not validate(module)


@pytest.mark.parametrize("module", MALFORMED)
@pytest.mark.parametrize("assertion", ["assert_malformed", "assert_invalid"])
def test_failing_module_gets_nothing_and_stays_inside(assertion: str, module: str) -> None:
    text = f'({assertion} {module} "x")\n{AFTER}\n'
    code, message = AFTER_ERROR
    at = text.rindex("(i64.const 1)") + len("(i64.const 1)")  # the function's `)`
    assert messages(text) == [(code, at, at + 1, message)]


def test_issue_examples_and_own_script() -> None:
    text = (
        '(assert_malformed (module (func else)) "...")\n'
        '(assert_malformed (module (table 1 funcref) (elem (i32.const 0) funcref (if))) "...")\n'
    )
    assert messages(text) == []
    assert messages((SCRIPTS / "expectations.wast").read_text()) == []


def test_unlinkable_module_keeps_its_errors() -> None:
    """`assert_unlinkable` needs a module that reads and validates: its errors are errors."""
    text = '(assert_unlinkable (module (func (i32.const))) "x")\n'
    at = text.index("i32.const")
    assert messages(text) == [("malformed", at, at + len("i32.const"), "`i32.const` expects a number")]


def test_modules_that_read_cleanly_still_disagree() -> None:
    text = '(assert_malformed (module (func)) "x")\n(assert_invalid (module (func)) "x")\n'
    first = text.index("(module")
    second = text.index("(module", first + 1)
    assert messages(text) == [
        ("expectation", first, first + len("(module (func))"), NOT_MALFORMED),
        ("expectation", second, second + len("(module (func))"), NOT_INVALID),
    ]


def test_syntax_error_outside_any_module_is_reported() -> None:
    """Only errors inside the module an assertion expects to fail are that module's."""
    text = '(assert_malformed (module (func else)) "x")\n(module (func else))\n'
    at = text.rindex("else")
    got = messages(text)
    assert [(c, s, e) for c, s, e, _ in got] == [("syntax", at, at + len("else"))]


@pytest.mark.parametrize("text", ["", "   \n\t", ";; a comment\n", "(; a block comment ;)\n;; and a line\n"])
def test_empty_text_warns(text: str) -> None:
    assert messages(text) == [("empty-module", 0, 0, EMPTY_TEXT)]


@pytest.mark.parametrize("text", ["", ";; only this\n"])
def test_empty_text_incremental_equals_full(text: str) -> None:
    data = text.encode()
    got = DocumentAnalysis().update(data, parse(data))
    diags = got.diagnostics if isinstance(got, Document) else got
    assert diags == analyse(data).diagnostics


@pytest.mark.parametrize("text", ["(module)", "(module $m)", '(@custom "x" "")', '(module quote "(@a)")'])
def test_not_empty(text: str) -> None:
    """`(module)` is what the text says, and wasm-tools reads it; an annotation is a token."""
    assert messages(text) == []


def test_empty_quoted_module() -> None:
    text = '(module quote "")\n(module quote ";; c" " (; d ;) ")\n'
    second = text.index("(module quote", 1)
    assert messages(text) == [
        ("empty-module", 0, len('(module quote "")'), EMPTY_QUOTE),
        ("empty-module", second, len(text) - 1, EMPTY_QUOTE),
    ]


def test_empty_quoted_module_is_what_assert_malformed_expects() -> None:
    """wasm-tools rejects it as malformed; the spec reads it as `(module)` (decision 31)."""
    assert messages('(assert_malformed (module quote "") "expected at least one module field")') == []


def _quoted_malformed(path: Path) -> list[str]:
    """The text of each `assert_malformed (module quote ...)` of a script that can be written
    unquoted: valid UTF-8 without string quotes, comments, annotations or control characters,
    parentheses balanced."""
    data = path.read_bytes()
    out: list[str] = []
    for node in parse(data).root_node.named_children:
        if node.type != "assertion" or cst.keyword(node) != "assert_malformed":
            continue
        for q in cst.named(node):
            if q.type != "module_quote":
                continue
            inner = b""
            for s in cst.named(q):
                value, err = parse_string(cst.text(data, s)) if s.type == "string" else (b"", None)
                if err is not None:
                    break
                inner += value + b" "
            else:
                text = inner.decode("utf-8", "replace")
                if _writable(text):
                    out.append(text if text.lstrip().startswith("(module") else f"(module {text})")
    return out


def _writable(text: str) -> bool:
    if any(bad in text for bad in ('"', ";;", "(;", ";)", "(@", "\ufffd")):
        return False
    if any(ord(c) < 32 and c not in " \t\n\r" for c in text):
        return False
    depth = 0
    for c in text:
        depth += (c == "(") - (c == ")")
        if depth < 0:
            return False
    return depth == 0


# The threads proposal's scripts expect these to be malformed only with memory64 off.
FEATURE_DISABLED = {"(module (memory 0x1_0000_0000) )", "(module (memory 0x1_0000_0000 0x1_0000_0000) )",
                    "(module (memory 0 0x1_0000_0000) )"}  # fmt: skip


def test_suite_malformed_modules_unquoted_stay_inside() -> None:
    """Every quoted `assert_malformed` module of the spec suite, written unquoted, is rejected
    with nothing reported, and its syntax errors (however tree-sitter recovers) never reach the
    module after it."""
    modules = [m for p in core_files() + proposal_files() for m in _quoted_malformed(p)]
    assert len(modules) > 900
    code, message = AFTER_ERROR
    accepted: set[str] = set()
    for module in modules:
        text = f'(assert_malformed {module} "x")\n{AFTER}\n'
        at = text.rindex("(i64.const 1)") + len("(i64.const 1)")
        got = messages(text)
        if got and got[0][0] == "expectation":
            accepted.add(module)
            got = got[1:]
        assert got == [(code, at, at + 1, message)], module
    assert accepted == FEATURE_DISABLED


def test_unclosed_assertion_is_the_scripts_error() -> None:
    """A `)` missing after the assertion is not the module's failure: it is reported, and
    what follows is still checked."""
    text = '(assert_malformed (module (func else)) "x"\n(module (func (result i32) (i64.const 0)))\n'
    at = text.rindex("(i64.const 0)") + len("(i64.const 0)")
    assert messages(text) == [
        (
            "syntax",
            0,
            len("(assert_malformed"),
            "`(assert_malformed` on line 1 is never closed: a `)` is missing",
        ),
        ("type-mismatch", at, at + 1, "the function body must end with [i32] on the stack, found [i64]"),
    ]


_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[()]|[^\s()"]+')


def test_mutated_modules_stay_inside() -> None:
    """Small modules of the spec suite with one token deleted, doubled or swapped (seeded),
    inside `assert_malformed` and `assert_invalid`: however tree-sitter recovers (an assertion
    closed early, or the rest of the script taken into it), nothing is reported but an
    `expectation` on the assertion, and the module after it is checked as if alone."""
    rng = random.Random(0)
    modules = []
    for path in core_files()[:120]:
        data = path.read_bytes()
        for node in parse(data).root_node.named_children:
            piece = data[node.start_byte : node.end_byte]
            if node.type == "module" and len(piece) < 600 and b";" not in piece:
                modules.append(piece.decode())
    code, message = AFTER_ERROR
    for _ in range(800):
        toks = _TOKEN.findall(rng.choice(modules))
        where = [k for k, t in enumerate(toks) if t not in "()" and k > 1]
        if not where:  # `(module)`
            continue
        k = rng.choice(where)
        op = rng.randrange(3)
        if op == 0:
            del toks[k]
        elif op == 1:
            toks.insert(k, toks[k])
        else:
            j = rng.choice(where)
            toks[k], toks[j] = toks[j], toks[k]
        for assertion in ("assert_malformed", "assert_invalid"):
            text = f'({assertion} {" ".join(toks)} "x")\n{AFTER}\n'
            at = text.rindex("(i64.const 1)") + len("(i64.const 1)")
            got = messages(text)
            assert [d for d in got if d[0] != "expectation"] == [(code, at, at + 1, message)], text
            assert all(d[2] <= text.index(AFTER) for d in got if d[0] == "expectation"), text


def test_torn_assertion_alone_is_not_empty() -> None:
    """An assertion whose module tears the tree, alone in the script: the text is not empty."""
    torn = '(assert_malformed (module (import "a" funcref (table i64 0 "b"))) "x")\n'
    assert messages(torn) == []
    doc = analyse(torn.encode())
    assert [(m.kind, m.expect, m.span.start, m.span.end) for m in doc.modules] == [
        ("text", "assert_malformed", 0, len(torn) - 1)
    ]
    assert doc.modules[0].diagnostics[0].code == "syntax"
