"""The lints' quick fixes (`analysis/lints/`): one function per code from a diagnostic to text
edits, and the `fix-lints` pass applying every one the document reports.

Fixes apply where the lints are shown (code that validates), and only where the edit is sure
to keep the module valid: an unused item goes when no numeric reference to a later item of
its space would shift (`references`), a catch clause when no comment or string is in the
`try_table`'s text. `wat-lsp --fix` does not run this pass (it fixes errors); `--pass
fix-lints` does ([decision 38](../docs/decisions/0038-lints.md)).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from wat_lsp.analysis.diagnostics import Diagnostic
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide import references
from wat_lsp.analysis.lints import (
    mut_never_set,
    removable_block,
    tee_dropped,
    try_table_catches,
    unreachable_code,
    unused_item,
)
from wat_lsp.analysis.model import Func, Instr, Module, Span
from wat_lsp.passes.edits import TextEdit, removal, sort_edits
from wat_lsp.passes.removals import ID_PATTERN, removal_keeping_comments
from wat_lsp.passes.targets import func_at, module_at

NAME = "fix-lints"
DESCRIPTION = (
    "apply the quick fix of every lint shown (unreachable code, unused items, mut, tee, catches, blocks)"
)

Fixer = Callable[[Document, Diagnostic], list[TextEdit]]
_END_LABEL = re.compile(rb"[ \t]*" + ID_PATTERN)
_DROP_OPEN = re.compile(rb"\(\s*drop\s*")
_CLOSE = re.compile(rb"\s*\)")


def _instr(doc: Document, diag: Diagnostic, name: str | tuple[str, ...]) -> tuple[Func, Instr] | None:
    fn = func_at(doc, diag.span, diag.data.get("func"), valid_only=True)
    i = diag.data.get("instr")
    if fn is None or not isinstance(i, int) or not 0 <= i < len(fn.body):
        return None
    ins = fn.body[i]
    names = (name,) if isinstance(name, str) else name
    return (fn, ins) if ins.op.name in names else None


def _edit(doc: Document, s: int, e: int) -> list[TextEdit]:
    edit = removal_keeping_comments(doc, s, e)
    return [edit] if edit is not None else []


def unreachable_fix(doc: Document, diag: Diagnostic) -> list[TextEdit]:
    if diag.data.get("removable") is not True:
        return []
    if func_at(doc, diag.span, diag.data.get("func"), valid_only=True) is None:
        return []
    return _edit(doc, diag.span.start, diag.span.end)


_SPACES = {"func": "funcs", "type": "types", "table": "tables", "memory": "memories", "global": "globals",
           "tag": "tags", "elem": "elems", "data": "datas"}  # fmt: skip


def _item(module: Module, space: str, index: int) -> object | None:
    items: list[object] = {
        "func": module.funcs, "type": module.types, "table": module.tables, "memory": module.memories,
        "global": module.globals, "tag": module.tags, "elem": module.elems, "data": module.datas,
    }.get(space, [])  # type: ignore[assignment]  # fmt: skip
    return items[index] if 0 <= index < len(items) else None


def unused_item_fix(doc: Document, diag: Diagnostic) -> list[TextEdit]:
    space, index = diag.data.get("space"), diag.data.get("index")
    m = module_at(doc, diag.span)
    if m is None or m.read is None or not isinstance(space, str) or not isinstance(index, int):
        return []
    item = _item(m.read.module, space, index)
    span = getattr(item, "span", None)
    if not isinstance(span, Span) or span.start == span.end:
        return []
    # Removing it shifts the indices after it: only where every later item is named where used
    # (the occurrence index tells; a whole-document build, not needed for the last item).
    mod = doc.modules.index(m)
    last = index == len(getattr(m.read.module, _SPACES[space])) - 1
    for o in [] if last else references.index(doc).in_range(m.span.start, m.span.end):
        k = o.key
        if k.module == mod and k.space == space and k.item > index and not o.named and o.role != "decl":
            return []
    return _edit(doc, span.start, span.end)


def _drop_mut(data: bytes, s: int, e: int) -> TextEdit | None:
    text = data[s:e]
    if not (text.startswith(b"(") and text.endswith(b")")):
        return None
    inner = mut_never_set._MUT.sub(b"", text[:-1], count=1).strip()
    try:
        return TextEdit(s, e, inner.decode("utf-8"))
    except UnicodeDecodeError:
        return None


def mut_fix(doc: Document, diag: Diagnostic) -> list[TextEdit]:
    """Drop the `mut` of a global, or of a field in every declaration of its family."""
    t, k = diag.data.get("type"), diag.data.get("field")
    if not isinstance(t, int) or not isinstance(k, int):
        edit = _drop_mut(doc.data, diag.span.start, diag.span.end)
        return [edit] if edit is not None else []
    m = module_at(doc, diag.span)
    if m is None or m.read is None:
        return []
    module = m.read.module
    family = mut_never_set.field_family(module, t, k)
    if family is None:
        return []
    last = _FAMILY_EDITS[0] if _FAMILY_EDITS else None
    if last is None or last[0] is not doc.data:
        last = (doc.data, {})
        _FAMILY_EDITS[:] = [last]
    got = last[1].get(id(family))
    if got is None or got[0] is not family:
        spans = mut_never_set.family_spans(doc.data, module, family)
        edits = [_drop_mut(doc.data, at.start, at.end) for at in spans or ()]
        ok = bool(edits) and None not in edits
        got = last[1][id(family)] = (family, sort_edits(e for e in edits if e is not None) if ok else [])
    return list(got[1])


# A family's edits for the last text: `fix-lints` asks once per declaration of the family.
_FAMILY_EDITS: list[tuple[bytes, dict[int, tuple[list[tuple[int, int]], list[TextEdit]]]]] = []


def clear() -> None:
    """Forget the last text's field edits (the server, once a document closes)."""
    _FAMILY_EDITS.clear()


def no_catch_fix(doc: Document, diag: Diagnostic) -> list[TextEdit]:
    found = _instr(doc, diag, "try_table")
    if found is None or not doc.data.startswith(b"try_table", found[1].start):
        return []
    return [TextEdit(found[1].start, found[1].start + len("try_table"), "block")]


def _clauses(data: bytes, ins: Instr) -> list[Span] | None:
    """The spans of a `try_table`'s catch clauses, from its text (None: a comment or string
    in it, which a scan of parentheses could misread)."""
    text = data[ins.start : ins.end]
    if b";" in text or b'"' in text:
        return None
    out: list[Span] = []
    depth = 0
    start = 0
    for k, c in enumerate(text):
        if c == 0x28:
            if depth == 0:
                start = k
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0 and text[start + 1 : k].lstrip().startswith(b"catch"):
                out.append(Span(ins.start + start, ins.start + k + 1))
    return out


def catch_fix(doc: Document, diag: Diagnostic) -> list[TextEdit]:
    found = _instr(doc, diag, "try_table")
    k = diag.data.get("clause")
    if found is None or not isinstance(k, int):
        return []
    clauses = _clauses(doc.data, found[1])
    have = try_table_catches.catches(found[1].imms)
    if clauses is None or have is None or len(clauses) != len(have) or not 0 <= k < len(clauses):
        return []
    return [removal(doc.data, *clauses[k])]


def tee_fix(doc: Document, diag: Diagnostic) -> list[TextEdit]:
    found = _instr(doc, diag, "local.tee")
    if found is None:
        return []
    fn, tee = found
    i = diag.data["instr"]
    data = doc.data
    if not isinstance(i, int) or i + 1 >= len(fn.body) or not data.startswith(b"local.tee", tee.start):
        return []
    drop = fn.body[i + 1]
    edits = [TextEdit(tee.start, tee.start + len("local.tee"), "local.set")]
    if not drop.folded:
        if drop.ostart < tee.ostart:
            return []
        edits.append(removal(data, drop.start, drop.end))
        return edits
    # `(drop (local.tee ...))`: the drop's parentheses go, the tee's form stays.
    opening = _DROP_OPEN.fullmatch(data, drop.ostart, tee.ostart)
    closing = _CLOSE.fullmatch(data, tee.oend, drop.oend)
    if opening is None or closing is None:
        return []
    return [TextEdit(drop.ostart, tee.ostart, ""), *edits, TextEdit(tee.oend, drop.oend, "")]


def block_fix(doc: Document, diag: Diagnostic) -> list[TextEdit]:
    found = _instr(doc, diag, ("block", "loop"))
    if found is None:
        return []
    fn, ins = found
    if not 0 <= ins.match < len(fn.body):
        return []
    end = fn.body[ins.match]
    data = doc.data
    if ins.folded:
        if data[end.start : end.end] != b")" or data[ins.ostart : ins.ostart + 1] != b"(":
            return []
        after = ins.end
        while after < len(data) and data[after] in b" \t":
            after += 1
        tail_start = end.start
        while tail_start > after and data[tail_start - 1] in b" \t":
            tail_start -= 1
        return [TextEdit(ins.ostart, after, ""), TextEdit(tail_start, end.end, "")]
    if not data.startswith(b"end", end.start):
        return []
    stop = end.end
    label = _END_LABEL.match(data, stop)
    if label is not None:
        stop = label.end()
    return [removal(data, ins.start, ins.end), removal(data, end.start, stop)]


# code -> (quick fix title, fixer)
FIXERS: dict[str, tuple[str, Fixer]] = {
    unreachable_code.CODE: ("Remove the unreachable code", unreachable_fix),
    unused_item.CODE: ("Remove the unused item", unused_item_fix),
    mut_never_set.CODE: ("Make it immutable", mut_fix),
    try_table_catches.NO_CATCH: ("Make it a `block`", no_catch_fix),
    try_table_catches.UNREACHABLE: ("Remove the clause that never matches", catch_fix),
    tee_dropped.CODE: ("Use `local.set`", tee_fix),
    removable_block.CODE: ("Remove the block, keeping its contents", block_fix),
}


def fix_all(doc: Document, codes: frozenset[str] | None = None) -> list[TextEdit]:
    """Every shown lint's fix (of `codes`, else of every lint), each diagnostic's edits
    taken whole or not at all: none overlapping an edit taken before it."""
    taken: list[TextEdit] = []
    starts: list[int] = []  # the taken edits' ranges, sorted (they never overlap)
    ends: list[int] = []
    for d in doc.diagnostics:
        entry = FIXERS.get(d.code)
        if entry is None or (codes is not None and d.code not in codes):
            continue
        edits = entry[1](doc, d)
        if not edits or any(_overlaps(starts, ends, e) for e in edits):
            continue
        taken.extend(edits)
        for e in edits:
            k = bisect.bisect_left(starts, e.start)
            starts.insert(k, e.start)
            ends.insert(k, e.end)
    return sort_edits(taken)


def _overlaps(starts: list[int], ends: list[int], e: TextEdit) -> bool:
    """Whether `e` overlaps or touches a taken range (touching ones are left for a second run:
    the order of an insertion against a neighbouring edit would be unclear)."""
    k = bisect.bisect_right(starts, e.end)  # the last range starting at or before e.end
    return k > 0 and ends[k - 1] >= e.start


def fix_all_of(code: str) -> Callable[[Document], list[TextEdit]]:
    """`fix_all` of one code (the quick fixes' "fix every ..." entry)."""
    return lambda doc: fix_all(doc, frozenset({code}))


def run(doc: Document) -> list[TextEdit]:
    return fix_all(doc)
