"""What one edit may cost in a big document: memory given back (the model has no reference
cycles, which only the cyclic collector could free, and never once frozen), a bounded number
of diagnostics for one misplaced parenthesis, and the cap on what a document shows."""

from __future__ import annotations

import gc
import json
from collections.abc import Sequence

from tree_sitter import Tree
from wat_lsp.analysis.diagnostics import Diagnostic
from wat_lsp.analysis.document import Document, analyse
from wat_lsp.analysis.incremental import DocumentAnalysis
from wat_lsp.analysis.syntax import parse
from wat_lsp.server.config import MAX_DIAGNOSTICS, Configuration, parse_settings
from wat_lsp.server.diagnostics import pushed_diagnostics
from wat_lsp.server.documents import open_snapshot

FUNC = """  (func $f{n} (param $p i32) (result i32)
    (local $x i32)
    (local.set $x (i32.add (local.get $p) (global.get $g)))
    (block $b (br_if $b (i32.eqz (local.get $x))) (local.set $x (call $f0 (local.get $x))))
    (i32.load (local.get $x)))
"""
HEAD = "(module\n  (type $t (func (param i32) (result i32)))\n  (memory 1)\n  (global $g (mut i32) (i32.const 0))\n"


def module(functions: int) -> str:
    return HEAD + "".join(FUNC.format(n=n) for n in range(functions)) + ")\n"


def test_reading_makes_no_cyclic_garbage() -> None:
    text = module(50).encode()
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        doc = analyse(text)
        incremental = DocumentAnalysis()
        incremental.update(text, doc.tree)
        edited = text.replace(b"(i32.eqz", b"(i32.eqz (i32.eqz", 1)
        incremental.document(edited, parse(edited))
        del doc, incremental
        gc.collect()
        kinds = {type(o).__name__ for o in gc.garbage}
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was:
            gc.enable()
    assert not kinds & {"Instr", "Func", "Module", "BodyReader", "TypeNames", "list", "LocalDecl"}, kinds


def test_a_missing_parenthesis_gives_a_few_diagnostics() -> None:
    text = module(300)
    at = text.index("(func $f10 ")
    broken = (text[:at] + text[at + 1 :]).encode()
    diags = analyse(broken).diagnostics
    assert len(diags) < 30, [d.message for d in diags]
    outside = [d for d in diags if "outside the module" in d.message]
    assert len(outside) == 1
    assert outside[0].message == (
        "`(func ...)` is outside the module (a `(` missing or a `)` too many before it?): "
        "it and what follows are not analysed"
    )
    assert analyse(broken).modules == []  # nothing read (decision 49)
    assert broken[outside[0].span.start : outside[0].span.end] == b"(func"
    # The same from the server's incremental analysis, and back again once restored.
    analysis = DocumentAnalysis()
    doc = analyse(text.encode())

    def update(data: bytes, tree: Tree) -> Sequence[Diagnostic]:
        result = analysis.update(data, tree)
        return result.diagnostics if isinstance(result, Document) else result

    assert update(text.encode(), doc.tree) == doc.diagnostics
    assert update(broken, analyse(broken).tree) == diags
    assert update(text.encode(), doc.tree) == doc.diagnostics


def _errors(n: int) -> str:
    return "(module\n" + "".join(f"  (func (drop (local.get {k})))\n" for k in range(n)) + ")\n"


def test_published_diagnostics_are_capped() -> None:
    snap = open_snapshot("file:///x.wat", 1, _errors(30))
    all_items, _ = pushed_diagnostics(snap, "utf-16", {}, limit=0)
    assert len(all_items) == 30
    items, _ = pushed_diagnostics(snap, "utf-16", {}, limit=10)
    assert items[:10] == all_items[:10]
    last = json.loads(items[10])
    assert len(items) == 11
    assert last["message"] == "20 more diagnostics not shown (`maxDiagnostics`: 10)"
    assert last["severity"] == 3 and last["code"] == "more-diagnostics"
    assert last["range"]["start"] == {"line": 32, "character": 0}


def test_the_cap_keeps_errors_before_warnings() -> None:
    text = "(module\n  (func (local i32) (local i32) (local i32))\n  (func (drop (local.get 5))))\n"
    snap = open_snapshot("file:///x.wat", 1, text)
    items = [json.loads(t) for t in pushed_diagnostics(snap, "utf-16", {}, limit=1)[0]]
    assert [d["severity"] for d in items] == [1, 3]
    assert items[0]["code"] == "unknown-index"


def test_max_diagnostics_setting() -> None:
    assert parse_settings({}, "x").settings.limit == MAX_DIAGNOSTICS == 1000
    assert parse_settings({"maxDiagnostics": 0}, "x").settings.limit == 0
    parsed = parse_settings({"maxDiagnostics": -3, "severity": {"never-read": "off"}}, "x")
    assert parsed.settings.limit == MAX_DIAGNOSTICS and parsed.settings.severity == {"never-read": None}
    assert parsed.problems == (
        "x: `maxDiagnostics` must be a whole number, 0 for no limit, got -3 (ignored)",
    )
    config = Configuration()
    assert config.set_initialization_options({"maxDiagnostics": 50}) == (True, ())
    assert config.set_workspace({"severity": {}}) == (False, ())
    assert config.current.limit == 50
    assert config.set_workspace({"maxDiagnostics": 7})[0]
    assert config.current.limit == 7


def _updated(analysis: DocumentAnalysis, data: bytes) -> Sequence[Diagnostic]:
    result = analysis.update(data, parse(data))
    return result.diagnostics if isinstance(result, Document) else result


def test_restoring_a_parenthesis_reads_only_what_changed() -> None:
    text = module(100).encode()
    analysis = DocumentAnalysis()
    _updated(analysis, text)
    assert analysis.last_mode == "full"
    for at in (text.index(b"(func $f3 "), text.index(b"(local.get $p)", text.index(b"$f60 "))):
        broken = text[:at] + text[at + 1 :]
        assert _updated(analysis, broken) == analyse(broken).diagnostics
        assert analysis.last_mode == "analyse"
        assert _updated(analysis, text) == analyse(text).diagnostics
        assert analysis.last_mode == "incremental"  # the state before the break was kept


def test_editing_locals_rereads_only_the_function() -> None:
    text = module(100).encode()
    analysis = DocumentAnalysis()
    _updated(analysis, text)
    at = text.index(b"(local $x i32)", text.index(b"$f40 "))
    edits = [
        text[:at] + b"(local $x i64)" + text[at + 14 :],  # an error in the body now
        text[:at] + b"(local $x (i32)" + text[at + 14 :],  # a parenthesis typed
        text[:at] + b"(local $x i32) (local $y f32)" + text[at + 14 :],
        text,
    ]
    for data in edits:
        assert _updated(analysis, data) == analyse(data).diagnostics
        assert analysis.last_mode == "incremental", data[at : at + 30]


def test_undoing_a_parenthesis_that_restructured_the_tree_is_incremental() -> None:
    text = module(40).encode()
    analysis = DocumentAnalysis()
    _updated(analysis, text)
    at = text.index(b"(func $f5 ") + 5  # `(func( $f5`: the header is not what it was
    typed = text[:at] + b"(" + text[at:]
    assert _updated(analysis, typed) == analyse(typed).diagnostics
    assert analysis.last_mode == "full"
    completed = text[:at] + b"()" + text[at:]  # the state before the `(` is tried too
    assert _updated(analysis, completed) == analyse(completed).diagnostics
    assert _updated(analysis, text) == analyse(text).diagnostics
    assert analysis.last_mode == "incremental"


def test_an_edit_inside_one_body_shifts_what_follows() -> None:
    text = (
        module(30)[:-3] + '  (func $bad (result i32) (i64.const 1))\n  (export "x" (func $nope))\n'
        '  (start $f3)\n  (export "dup" (func $f2))\n)\n'
    ).encode()
    at = text.index(b"  (func $f5 ")  # a duplicate export after the edit, related to this one before it
    text = text[:at] + b'  (export "dup" (func $f1))\n' + text[at:]
    analysis = DocumentAnalysis()
    _updated(analysis, text)
    at = text.index(b"(global.get $g)", text.index(b"$f7 "))
    for new in (
        text[:at] + b"(i32.const 123456)" + text[at + 15 :],  # longer
        text[:at] + b"(i32.const 1)" + text[at + 15 :],  # shorter
        text[:at] + b"(global.get $nope)" + text[at + 15 :],
        text,
    ):
        assert _updated(analysis, new) == analyse(new).diagnostics
        assert analysis.last_mode == "incremental"
        assert (
            analysis.document(new, parse(new)).modules[0].read.module  # type: ignore[union-attr]
            == analyse(new).modules[0].read.module  # type: ignore[union-attr]
        )
