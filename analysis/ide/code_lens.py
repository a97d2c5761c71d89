"""Code lenses: a reference count above each function, type, global, table, memory and tag.

Listing is a walk over the model's items (no occurrence index: the index of a 13 MB module
costs seconds the first time); each count is made when the editor resolves the lens, from
the occurrence index (`references`). A reference is every occurrence but the declaration:
calls, `ref.func`, exports, element segments, type uses and so on, `$name` and number alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide import navigation
from wat_lsp.analysis.ide.references import Key, Occurrence
from wat_lsp.analysis.model import Func, Span

SPACES = ("func", "type", "global", "table", "memory", "tag")


@dataclass(frozen=True, slots=True)
class Lens:
    key: Key
    span: Span  # where the lens sits: the item's `$name`, else its opening
    has_locals: bool = False  # a function declaring locals: it also gets a coalesce-locals lens
    has_body: bool = False  # a defined function: it also gets a "Show control flow" lens


def func_lens(data: bytes, number: int, f: Func) -> Lens:
    span = f.name_span or Span(f.span.start, f.span.start + 1)
    return Lens(Key(number, "func", -1, f.index), span, _declares_locals(data, f), f.import_ is None)


def lenses(doc: Document, skip: frozenset[int] = frozenset()) -> list[Lens]:
    """Every lens of the document, in text order; those of the first module's functions whose
    index is in `skip` left out (the server keeps them from version to version)."""
    out: list[Lens] = []
    for number, sm in enumerate(doc.modules):
        if sm.read is None or sm.kind != "text":
            continue
        m = sm.read.module
        data = doc.data
        for f in m.funcs:
            if number or f.index not in skip:
                out.append(func_lens(data, number, f))
        seqs: tuple[tuple[str, list[object]], ...] = (
            ("type", [t for t in m.types if not t.implicit]),
            ("global", list(m.globals)),
            ("table", list(m.tables)),
            ("memory", list(m.memories)),
            ("tag", list(m.tags)),
        )
        for space, items in seqs:
            for item in items:
                span = getattr(item, "span")  # noqa: B009  (every item kind has one)
                index = getattr(item, "index")  # noqa: B009
                out.append(Lens(Key(number, space, -1, index), Span(span.start, span.start + 1)))
    out.sort(key=lambda lens: lens.span.start)
    return out


def _declares_locals(data: bytes, f: Func) -> bool:
    """Whether a defined function's header has a `(local`: read from the text, because a
    function an edit moved shifts its locals and body when they are first read (`relocate`),
    which for thousands of functions costs seconds."""
    if f.import_ is not None:
        return False
    end = f.body_span.start if f.body_span is not None else f.span.end
    return data.find(b"(local", f.span.start, end) >= 0


def references(doc: Document, key: Key) -> list[Occurrence]:
    """The references a lens counts: every occurrence of the item but its declaration."""
    if key.space not in SPACES or navigation.module_of(doc, key) is None:
        return []
    return [o for o in navigation.occurrences(doc, key) if o.role != "decl"]
