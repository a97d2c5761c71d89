"""The docs a newcomer reads stay short, complete and inside the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
ARCHITECTURE = DOCS / "ARCHITECTURE.md"
DECISIONS = DOCS / "decisions"
# Source folders of the package (pyproject's package-dir) and the grammar's Python binding.
PACKAGE_FOLDERS = ("analysis", "passes", "server", "wat_lsp")
# Vendored or generated trees: not our documents.
SKIP = {".git", "node_modules", ".cache", "testsuite", "build", ".venv"}
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")


def modules() -> list[str]:
    """Every module of the package as a repository path; `__init__.py` files are left out (the
    code map says so: they hold docstrings only)."""
    found = [
        p for folder in PACKAGE_FOLDERS for p in (ROOT / folder).rglob("*.py") if p.name != "__init__.py"
    ]
    found += (ROOT / "grammar" / "bindings").rglob("*.c")
    return sorted(p.relative_to(ROOT).as_posix() for p in found if "__pycache__" not in p.parts)


def our_markdown() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.md") if not SKIP & set(p.relative_to(ROOT).parts))


def test_architecture_is_at_most_2000_words() -> None:
    words = len(ARCHITECTURE.read_text(encoding="utf-8").split())  # what `wc -w` counts
    assert words <= 2000, (
        f"docs/ARCHITECTURE.md has {words} words (at most 2,000): move detail to docs/decisions/"
    )


def test_code_map_lists_every_module() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    missing = [m for m in modules() if f"`{m}`" not in text]
    assert not missing, "docs/ARCHITECTURE.md's code map has no line for: " + ", ".join(missing)


def test_code_map_lists_no_module_that_is_gone() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:analysis|passes|server|wat_lsp)/[\w/]+\.py)`", text))
    gone = sorted(m for m in named if not (ROOT / m).is_file())
    assert not gone, "docs/ARCHITECTURE.md names modules that do not exist: " + ", ".join(gone)


def test_every_decision_record_is_in_the_index() -> None:
    index = (DECISIONS / "README.md").read_text(encoding="utf-8")
    linked = set(MARKDOWN_LINK.findall(index))
    records = sorted(p.name for p in DECISIONS.iterdir() if p.name != "README.md")
    assert records, "docs/decisions/ holds no records"
    unlinked = [r for r in records if r not in linked]
    assert not unlinked, "docs/decisions/README.md does not link: " + ", ".join(unlinked)
    badly_named = [r for r in records if not re.fullmatch(r"\d{4}-[a-z0-9-]+\.md", r)]
    assert not badly_named, "decision records are named NNNN-short-title.md: " + ", ".join(badly_named)


def test_no_document_points_outside_the_repository() -> None:
    outside = [
        f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
        for p in our_markdown()
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if "../shared" in line or "/work/" in line
    ]
    assert not outside, "documents point outside the repository:\n" + "\n".join(outside)


def test_relative_links_resolve() -> None:
    broken = []
    for p in our_markdown():
        for target in MARKDOWN_LINK.findall(p.read_text(encoding="utf-8")):
            path = target.split("#", 1)[0]
            if not path or re.match(r"[a-z][a-z0-9+.-]*:", path):  # same page, or a URL
                continue
            if not (p.parent / path).exists():
                broken.append(f"{p.relative_to(ROOT)}: {target}")
    assert not broken, "links to files that do not exist:\n" + "\n".join(broken)
