"""Signature help (`analysis/ide/signature_help.py`, `server/signature_help.py`): exact label,
parameters and active parameter at the cursor, on whole and half-typed text; offsets in the
negotiated encoding."""

from __future__ import annotations

import pytest
from lsprotocol import types
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.ide.signature_help import signature_help
from wat_lsp.analysis.syntax import parse
from wat_lsp.server import signature_help as server_signature_help
from wat_lsp.server.documents import open_snapshot

from tests.ide.editing_module import MODULE

Sig = tuple[str, list[str], int] | None


def sig(snippet: str) -> Sig:
    """Signature help at the `|` in `snippet`, put in `$g`'s block: (label, parameter texts,
    active parameter)."""
    text = MODULE.replace("@@", snippet)
    at = text.index("|")
    data = (text[:at] + text[at + 1 :]).encode()
    tree = parse(data)
    found = signature_help(data, tree, at, lambda: analyse(data, tree))
    if found is None:
        return None
    return found.label, [found.label[a:b] for a, b in found.params], found.active


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("(i32.add (local.get 0) |)", ("i32.add [i32 i32] -> [i32]", ["i32", "i32"], 1)),
        ("(i32.add |", ("i32.add [i32 i32] -> [i32]", ["i32", "i32"], 0)),
        (
            "(i32.add (i32.const 1) (i32.const 2) (i32.const 3) |)",
            ("i32.add [i32 i32] -> [i32]", ["i32", "i32"], 3),
        ),
        ("(i32.add (|)", ("i32.add [i32 i32] -> [i32]", ["i32", "i32"], 0)),
        ("(i32.add (i32.const 1) (i32.eqz|)", ("i32.eqz [i32] -> [i32]", ["i32"], 0)),
        (
            "(call $f (i32.const 1) |)",
            ("call $f (param $a i32) (param $b f64) (result i32)", ["(param $a i32)", "(param $b f64)"], 1),
        ),
        (
            "(call $f (i32.const 1) |",
            ("call $f (param $a i32) (param $b f64) (result i32)", ["(param $a i32)", "(param $b f64)"], 1),
        ),  # unclosed: the text repaired
        (
            "(call $f (call $f |",
            ("call $f (param $a i32) (param $b f64) (result i32)", ["(param $a i32)", "(param $b f64)"], 0),
        ),
        ("(call $g |)", ("call $g (param i32) (result i32)", ["(param i32)"], 0)),
        (
            "(return_call $f (i32.const 1) |)",
            ("return_call $f (param $a i32) (param $b f64)", ["(param $a i32)", "(param $b f64)"], 1),
        ),
        (
            "(struct.new $pt (i32.const 1) |)",
            (
                "struct.new $pt (field $x i32) (field $y i64) (result (ref (exact $pt)))",
                ["(field $x i32)", "(field $y i64)"],
                1,
            ),
        ),
        (
            "(call_ref $sig |)",
            ("call_ref $sig (param i32) (ref null $sig) (result i32)", ["(param i32)", "(ref null $sig)"], 0),
        ),
        (
            "(call_indirect (type $sig) (i32.const 0) |)",
            ("call_indirect (type $sig) (param i32) i32 (result i32)", ["(param i32)", "i32"], 1),
        ),
        (
            "(call_indirect $tab (param i32) (result i32) (|)",
            ("call_indirect $tab (param i32) i32 (result i32)", ["(param i32)", "i32"], 0),
        ),
        (
            "(call_indirect (type $sig|) (i32.const 0))",
            ("call_indirect (type $sig) (param i32) i32 (result i32)", ["(param i32)", "i32"], 0),
        ),
        ("(br $out |)", ("br $out [i32] -> []", ["i32"], 0)),
        ("(br_if 0 (i32.const 1) |", ("br_if 0 [i32 i32] -> [i32]", ["i32", "i32"], 1)),
        (
            "(br_table 0 1 |)",
            ("br_table 0 1 [i32 i32] -> []", ["i32", "i32"], 0),
        ),  # labels checked one by one
        (
            "(array.new_fixed $arr 3 |)",
            ("array.new_fixed $arr 3 [i32 i32 i32] -> [(ref (exact $arr))]", ["i32", "i32", "i32"], 0),
        ),
        ("(select (result i32) |)", ("select (result i32) [i32 i32 i32] -> [i32]", ["i32", "i32", "i32"], 0)),
        ("(i32.load offset=4 |)", ("i32.load offset=4 [i32] -> [i32]", ["i32"], 0)),
        ("(global.set $g |)", ("global.set $g [i32] -> []", ["i32"], 0)),
        ("(local.tee 0 |)", ("local.tee 0 [i32] -> [i32]", ["i32"], 0)),
        (
            "(if (result i32) | (then (i32.const 1)) (else (i32.const 2)))",
            ("if (result i32) [i32] -> [i32]", ["i32"], 0),
        ),
        ("(struct.new_default $pt |)", ("struct.new_default $pt [] -> [(ref (exact $pt))]", [], 0)),
        # the stack decides, or nothing to show
        ("(drop |)", None),
        ("(select |)", None),
        ("(call $nope |)", None),
        ("(if (result i32) (i32.const 1) (then |))", None),
        ("(block (i32.const 1) |)", None),
        ("|(i32.add)", None),
        ("(i32.add ;; |\n)", None),
        ("(i32.add (; | ;))", None),
    ],
)
def test_signature_help(snippet: str, expected: Sig) -> None:
    assert sig(snippet) == expected


def test_signature_help_outside_functions() -> None:
    text = "(module (global i32 (i32.add (i32.const 1) )))"
    data = text.encode()
    tree = parse(data)
    found = signature_help(data, tree, text.index(") )") + 2, lambda: analyse(data, tree))
    assert found is not None and (found.label, found.active) == ("i32.add [i32 i32] -> [i32]", 1)


def test_signature_help_offsets_in_the_encoding() -> None:
    text = '(module (func $"é" (param $"ü" i32) (param $b i32)) (func (call $"é" (i32.const 1) )))'
    snap = open_snapshot("untitled:u.wat", 1, text)
    at = text.index("1) )") + 3
    cases = (("utf-16", at, (10, 24)), ("utf-8", len(text[:at].encode()), (11, 26)), ("utf-32", at, (10, 24)))
    for encoding, col, label in cases:
        found = server_signature_help.signature_help(snap, types.Position(0, col), encoding)  # type: ignore[arg-type]
        assert found is not None
        info = found.signatures[0]
        assert info.label == 'call $"é" (param $ü i32) (param $b i32)'
        assert (info.parameters or [])[0].label == label, encoding
        assert found.active_parameter == 1


def test_signature_help_deep_in_a_long_function() -> None:
    """Lexing starts at the statement around the cursor, not 400 KB before it at `(func`."""
    body = "(nop)\n" * 70000
    text = f"(module (func $f (param i32) (result i32) {body}(i32.add (local.get 0) ) ))"
    data = text.encode()
    tree = parse(data)
    found = signature_help(data, tree, text.index("0) )") + 3, lambda: analyse(data, tree))
    assert found is not None and (found.label, found.active) == ("i32.add [i32 i32] -> [i32]", 1)
