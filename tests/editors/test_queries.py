"""The tree-sitter queries shipped for other editors compile against our grammar: the grammar's
own (grammar/queries, used by Neovim and as the source of the others) and Helix's
(editors/helix/queries), and Helix's generated ones are up to date."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tree_sitter import Language, Parser, Query, QueryCursor

from wat_lsp import _grammar

ROOT = Path(__file__).resolve().parents[2]
HELIX = ROOT / "editors" / "helix"
QUERY_FILES = sorted(
    [*(ROOT / "grammar" / "queries").glob("*.scm"), *(HELIX / "queries" / "wat").glob("*.scm")]
)


def test_every_editor_query_is_listed() -> None:
    assert [p.relative_to(ROOT).as_posix() for p in QUERY_FILES] == [
        "editors/helix/queries/wat/highlights.scm",
        "editors/helix/queries/wat/indents.scm",
        "editors/helix/queries/wat/locals.scm",
        "editors/helix/queries/wat/textobjects.scm",
        "grammar/queries/folds.scm",
        "grammar/queries/highlights.scm",
        "grammar/queries/locals.scm",
    ]


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_query_compiles(path: Path) -> None:
    """Every node type, field and anonymous token the query names exists in the grammar (else
    `Query` raises), and it has patterns."""
    query = Query(Language(_grammar.language()), path.read_text())
    assert query.pattern_count > 0


def test_helix_wast_inherits_wat() -> None:
    """`.wast` scripts use the same grammar: Helix's `wast` queries are `; inherits: wat`."""
    wast = sorted((HELIX / "queries" / "wast").glob("*.scm"))
    assert [p.name for p in wast] == [p.name for p in sorted((HELIX / "queries" / "wat").glob("*.scm"))]
    assert {p.read_text() for p in wast} == {"; inherits: wat\n"}


def test_helix_queries_are_generated() -> None:
    done = subprocess.run([sys.executable, str(HELIX / "make_queries.py"), "--check"], capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr


SAMPLE = b"""(module
  (type $t (func))
  (func $f (param i32) (local i32) ;; c
    (drop (i32.const 1))))
(assert_invalid (module) "x")
"""


def test_helix_indents_and_textobjects_match() -> None:
    """Each capture of Helix's own queries (indents, text objects) finds its nodes in a sample."""
    language = Language(_grammar.language())
    tree = Parser(language).parse(SAMPLE)
    counts: dict[str, int] = {}
    for name in ("indents.scm", "textobjects.scm"):
        query = Query(language, (HELIX / "queries" / "wat" / name).read_text())
        counts.update({k: len(v) for k, v in QueryCursor(query).captures(tree.root_node).items()})
    # indent: every parenthesized form (module, type, (func), func, param, local, drop,
    # i32.const, the assertion and its module)
    assert counts == {
        "indent": 10,
        "outdent": 10,
        "function.around": 1,
        "class.around": 1,
        "parameter.around": 2,
        "comment.inside": 1,
        "comment.around": 1,
        "test.around": 1,
    }
