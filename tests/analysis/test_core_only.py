"""Every feature on, and the core rules as notes (issue 13, item 5; `analysis/core_rules.py`).

We validate as `wasm-tools validate --features all`: a rule a proposal relaxes makes
diagnostics only in its relaxed form. Where the relaxed form accepts what WebAssembly 3.0
rejects, validation records a `CoreOnly` note, never shown, and a script's `assert_invalid`
of that module fails as expected (a core script is written with the proposal off). Exact
notes, diagnostics, and verdicts against wasm-tools with the feature on and off.
"""

from __future__ import annotations

import pytest
from wat_lsp.analysis.core_rules import RULES
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.validate import validation

from tests.oracles.wasmtools import validate

TAG = "(module (tag (result i32)))"
CAST = (
    "(module (type $t (struct)) (func (param (ref any)) (result (ref null $t))"
    " (block (result (ref any)) (br_on_cast 1 (ref any) (ref null $t) (local.get 0))) (unreachable)))"
)
CAST_FAIL = (
    "(module (type $t (struct)) (func (param structref) (result arrayref)"
    " (block (result structref) (br_on_cast_fail 0 structref arrayref (local.get 0)) (return)) (unreachable)))"
)
CAST_MESSAGE = "`br_on_cast` casts to (ref null $t), which is not a subtype of the input type (ref any)"

# module -> (the feature that relaxes its rule, its notes: rule, text covered, message)
NOTED = {
    TAG: (
        "stack-switching",
        [
            (
                "tag-results",
                "(tag (result i32))",
                "non-empty tag result type: an exception tag has no results, found [i32]",
            )
        ],
    ),
    CAST: (
        "custom-descriptors",
        [("br_on_cast-types", "br_on_cast 1 (ref any) (ref null $t)", CAST_MESSAGE)],
    ),
    CAST_FAIL: (
        "custom-descriptors",
        [
            (
                "br_on_cast-types",
                "br_on_cast_fail 0 structref arrayref",
                "`br_on_cast_fail` casts to arrayref, which is not a subtype of the input type structref",
            )
        ],
    ),
}

# Invalid with every feature on too: the diagnostic, and the rules of its notes.
INVALID = {
    # another hierarchy: the relaxed rule rejects it as well
    "(module (func (param anyref) (result funcref) (block (result funcref)"
    " (br_on_cast 0 anyref funcref (local.get 0)) (unreachable))))": (
        ("type-mismatch", "`br_on_cast` casts anyref to funcref, which is in another type hierarchy"),
        [],
    ),
    # an exception needs a tag without results, stack switching or not
    "(module (tag $y (param i32) (result i32)) (func (throw $y (i32.const 1))))": (
        ("type-mismatch", "tag $y has results [i32]: only a tag without results is an exception"),
        ["tag-results"],  # the tag itself is valid with stack switching
    ),
}


def _notes(src: str) -> list[tuple[str, str, str]]:
    doc = analyse(src.encode())
    read = doc.modules[0].read
    assert read is not None
    checked = validation(read.module, read.broken)
    assert checked.diagnostics == [] and doc.diagnostics == []
    assert [(n.rule, n.span, n.message) for n in checked.core_only] == [
        (n.rule, n.span, n.message) for n in doc.modules[0].core_only
    ]
    return [(n.rule, src[n.span.start : n.span.end], n.message) for n in checked.core_only]


@pytest.mark.parametrize("src", NOTED)
def test_valid_with_every_feature_on_with_a_note(src: str) -> None:
    feature, notes = NOTED[src]
    assert _notes(src) == notes
    assert all(rule in RULES for rule, _, _ in notes)
    assert validate(src).ok
    assert not validate(src, features=f"all,-{feature}").ok


@pytest.mark.parametrize("src", NOTED)
def test_assert_invalid_of_it_fails_as_expected(src: str) -> None:
    quoted = src.replace('"', '\\"')
    for script in (f'(assert_invalid {src} "x")', f'(assert_invalid (module quote "{quoted[8:-1]}") "x")'):
        assert analyse(script.encode()).diagnostics == [], script
    # a module the script expects to be valid gets nothing either
    assert analyse(f'{src}\n(assert_return (invoke "f"))'.encode()).diagnostics == []


def test_assert_invalid_without_a_note_still_disagrees() -> None:
    script = '(assert_invalid (module (tag (param i32))) "x")'
    assert [(d.code, d.message) for d in analyse(script.encode()).diagnostics] == [
        (
            "expectation",
            "the script expects this module to be invalid, but wat-lsp validates it without error",
        )
    ]


@pytest.mark.parametrize("src", INVALID)
def test_invalid_with_every_feature_on(src: str) -> None:
    diagnostic, rules = INVALID[src]
    doc = analyse(src.encode())
    assert [(d.code, d.message) for d in doc.diagnostics] == [diagnostic]
    assert [n.rule for n in doc.modules[0].core_only] == rules
    assert not validate(src).ok


def test_descriptor_casts_have_no_core_rule() -> None:
    """`br_on_cast_desc_eq` exists only in custom descriptors: one hierarchy is its rule and
    there is no WebAssembly 3.0 form to note."""
    src = (
        "(module (rec (type $a (sub (descriptor $b) (struct))) (type $b (sub (describes $a) (struct)))"
        " (type $c (sub $a (descriptor $d) (struct))) (type $d (sub $b (describes $c) (struct))))"
        " (func (param (ref $c)) (result anyref) (block (result (ref null $a))"
        " (br_on_cast_desc_eq 0 (ref $c) (ref null $a) (local.get 0) (ref.null none))) (drop) (unreachable)))"
    )
    doc = analyse(src.encode())
    assert [(d.code, d.message) for d in doc.diagnostics] == []
    assert doc.modules[0].core_only == []
    assert validate(src).ok
