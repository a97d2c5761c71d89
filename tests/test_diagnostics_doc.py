"""docs/diagnostics.md documents every code, and its examples do what the page says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from wat_lsp.analysis.diagnostics import CODES, Severity
from wat_lsp.analysis.document import analyse

DOC = (Path(__file__).resolve().parents[1] / "docs" / "diagnostics.md").read_text()
SECTIONS = dict(re.findall(r"^### `([a-z0-9-]+)`\n(.*?)(?=^##|\Z)", DOC, re.M | re.S))


def examples(kind: str) -> list[tuple[str, str]]:
    return [
        (code, block)
        for code, body in SECTIONS.items()
        for block in re.findall(rf"```wat {kind}\n(.*?)```", body, re.S)
    ]


def test_every_code_is_documented() -> None:
    assert sorted(set(CODES) - set(SECTIONS)) == []


def test_every_code_has_a_bad_example_or_says_why_not() -> None:
    without = sorted(set(CODES) - {code for code, _ in examples("bad")})
    assert without == ["invalid-utf8"]  # the page is UTF-8: it cannot show invalid UTF-8


@pytest.mark.parametrize(("code", "text"), examples("bad"), ids=lambda v: v if "\n" not in v else "")
def test_bad_example_gives_its_code(code: str, text: str) -> None:
    assert code in {d.code for d in analyse(text.encode()).diagnostics}


@pytest.mark.parametrize(("code", "text"), examples("good"), ids=lambda v: v if "\n" not in v else "")
def test_good_example_is_clean(code: str, text: str) -> None:
    diags = analyse(text.encode()).diagnostics
    assert [d for d in diags if d.severity == Severity.ERROR] == []
    assert code not in {d.code for d in diags}
