"""`unused-item`: a function, type, table, memory, global, tag or passive element or data
segment that nothing refers to: no instruction, export, start, segment, type or other field
(`uses`). A name starting with `$_` opts out. Active segments act when the module is
instantiated and declarative ones declare `ref.func` targets: never reported. A type in a
recursion group with others is not reported (removing it would change the group), nor an
item used only by itself or by another unused item: the lint counts references, it does not
trace reachability. A module with no export and no start function has no entry point: the
lint says nothing there."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from wat_lsp.analysis.lints.common import Candidate, head_span, lint, shown_name
from wat_lsp.analysis.model import Module, Span

CODE = "unused-item"


class _Item(Protocol):
    @property
    def index(self) -> int: ...
    @property
    def name(self) -> str | None: ...
    @property
    def span(self) -> Span: ...


_WHAT = {"func": "function", "type": "type", "table": "table", "memory": "memory", "global": "global",
         "tag": "tag", "elem": "element segment", "data": "data segment"}  # fmt: skip


def _candidate(space: str, index: int, name: str | None, span: Span, imported: bool) -> Candidate:
    what = _WHAT[space]
    how = "imported but never used" if imported else "never used"
    return Candidate(
        lint(
            CODE,
            f"{what} {shown_name(name, index)} is {how}",
            span,
            unnecessary=True,
            space=space,
            index=index,
        ),
        (space, index),
    )


def candidates(module: Module, data: bytes) -> list[Candidate]:
    if not module.exports and module.start is None:
        # Nothing can be used from outside: a fragment (a snippet, a test), where everything
        # would be "unused". Entry points make the question meaningful.
        return []
    out: list[Candidate] = []

    def add(space: str, items: Sequence[_Item]) -> None:
        for x in items:
            name = x.name
            if name is not None and name.startswith("_"):
                continue
            at = getattr(x, "name_span", None) or head_span(data, x.span)
            out.append(_candidate(space, x.index, name, at, getattr(x, "import_", None) is not None))

    groups = module.rec_groups
    add("type", [t for t in module.types if not t.implicit and 0 <= t.rec_group < len(groups)
                 and groups[t.rec_group].count == 1])  # fmt: skip
    add("func", module.funcs)
    add("table", module.tables)
    add("memory", module.memories)
    add("global", module.globals)
    add("tag", module.tags)
    add("elem", [e for e in module.elems if e.mode == "passive"])
    add("data", [d for d in module.datas if d.mode == "passive"])
    return out
