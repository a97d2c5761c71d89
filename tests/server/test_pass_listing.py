"""The refactor menu lists a pass only where it may change something (in process, on small
modules): exact titles, and never a pass left out that would have changed the text."""

from __future__ import annotations

import pytest
from lsprotocol import types
from wat_lsp.analysis.ide.rewrites import fold
from wat_lsp.passes.edits import TextEdit
from wat_lsp.passes.registry import PASSES
from wat_lsp.server import code_actions
from wat_lsp.server.documents import open_snapshot

from tests.corpus import ROOT as TESTSUITE

REFACTOR = [types.CodeActionKind.Refactor]


def _titles(text: str, needle: str, lazy: bool = True) -> list[str]:
    snap = open_snapshot("untitled:list.wat", 1, text)
    snap.diagnostics()
    at = text.encode().index(needle.encode())
    req = code_actions.Request(snap, at, at, REFACTOR, "utf-16", lazy, {})
    return [a.title for a in code_actions.list_actions(req) if a.title not in fold.TITLES]


def test_clean_code_lists_nothing() -> None:
    text = "(module (func $f (param i32) (result i32) (local $x i64) (local.set $x (i64.const 1)) (local.get 0) (drop (local.get $x))))"
    assert _titles(text, "(local.get 0)") == []


def test_reorder_only() -> None:
    text = """(module
  (func $f (result i32)
    (local $rare i64) (local $often i32)
    (local.set $often (i32.const 1))
    (drop (local.get $rare))
    (local.get $often)))
"""
    assert _titles(text, "(drop") == ["Run reorder-locals on function `$f`", "Run reorder-locals on module"]


def test_reference_local_lists_local_subtyping() -> None:
    text = """(module
  (func $f (param $p (ref func)) (result funcref)
    (local $r funcref)
    (local.set $r (local.get $p))
    (local.get $r)))
"""
    assert _titles(text, "(local.get $r)") == [
        "Run local-subtyping on function `$f`",
        "Run local-subtyping on module",
    ]


def test_module_entries_follow_other_functions() -> None:
    """The cursor's function has nothing to do; another has an unused local."""
    text = """(module
  (func $clean (result i32) (i32.const 1))
  (func $other (local $u f32)))
"""
    assert _titles(text, "(i32.const 1)") == [
        "Run remove-unused-locals on module",
        "Run coalesce-locals on module",
        "Run reorder-locals on module",
    ]


def test_errors_list_the_fix_and_not_the_passes_needing_valid_code() -> None:
    text = """(module
  (func $f (result i32)
    (local $s (ref func)) (local $x i32) (local $y i32)
    (local.set $x (i32.const 1))
    (drop (local.get $s))
    (i32.const 0)))
"""
    assert _titles(text, "(drop") == [
        "Run fixup-non-nullable-locals on function `$f`",
        "Run fixup-non-nullable-locals on module",
        # (with errors, liveness says nothing: the model tells that `$y` is unused)
        "Run remove-unused-locals on function `$f`",
        "Run remove-unused-locals on module",
        "Run reorder-locals on function `$f`",
        "Run reorder-locals on module",
    ]


@pytest.mark.parametrize(
    "name", ["local_get.wast", "br_table.wast", "select.wast", "call.wast", "ref_func.wast"]
)
def test_what_the_passes_change_is_listed(name: str) -> None:
    """At cursors throughout a spec-suite file, every pass whose edits for the function or
    the module are not empty is listed for it."""
    text = (TESTSUITE / name).read_text(encoding="utf-8")
    data = text.encode()
    snap = open_snapshot("untitled:list.wast", 1, text)
    snap.diagnostics()
    runs: dict[str, list[TextEdit]] = {}
    for at in range(0, len(data), max(1, len(data) // 12)):
        listed = {
            a.title
            for a in code_actions.list_actions(
                code_actions.Request(snap, at, at, REFACTOR, "utf-16", True, {})
            )
        }
        func = code_actions.func_node_at(snap, at)
        for p in PASSES:
            if func is not None:
                found = {"action": "pass-func", "name": p, "at": func.start_byte}
                if code_actions._compute(snap, found, runs):
                    assert f"Run {p} on function {code_actions._func_label(data, func)}" in listed
            if code_actions._compute(snap, {"action": "pass-module", "name": p, "at": at}, runs):
                assert f"Run {p} on module" in listed


def test_damaged_text_at_every_offset() -> None:
    """A text with one byte gone at each offset: the listing answers, lazily or not."""
    text = """(module
  (func $a (param $p i32) (result i32)
    (local $unused i64) (local $x i32) (local $r funcref)
    (local.set $x (i32.const 1))
    (local.get $x))
  (func $b (local $u f32)))
"""
    for k in range(len(text)):
        damaged = text[:k] + text[k + 1 :]
        snap = open_snapshot("untitled:damaged.wat", 1, damaged)
        snap.diagnostics()
        at = min(k, len(damaged))
        for lazy in (True, False):
            actions = code_actions.list_actions(
                code_actions.Request(snap, at, at, REFACTOR, "utf-16", lazy, {})
            )
            assert all(a.title for a in actions)
