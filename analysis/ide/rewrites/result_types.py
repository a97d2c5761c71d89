"""Add a missing result type (wasm-language-tools' `add_result_types`): a function, `block`,
`loop` or `if` that declares no results but ends with values on the stack (the validator's
"N values too many" at its end) gets `(result T...)` with the types the validator found
there. Unlike wasm-language-tools, it is offered only where the result makes the construct
valid: not where a branch (or `return`) to it carries no values now and would need them
after, not where a `(type $t)` fixes the signature, not for an `if` without `else` or whose
arms end with different types, and not where the types are unknown (unreachable code)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from tree_sitter import Node
from wat_lsp.analysis import cst
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide.hover import instr_at
from wat_lsp.analysis.ide.rewrites.base import Rewrite, enclosing, func_at, path_to
from wat_lsp.analysis.labels import block_labels, label_depths
from wat_lsp.analysis.model import BlockType, Func, Module, RefType, Span, ValType
from wat_lsp.analysis.opcodes import Flag
from wat_lsp.analysis.subtyping import TypeTable
from wat_lsp.analysis.validate import module_context
from wat_lsp.analysis.validate_body import BodyValidator, Frame, Val
from wat_lsp.passes.edits import TextEdit

# What may come before a function's results: they go after the last of these.
_HEAD = frozenset({"identifier", "inline_export", "inline_import", "param", "result"})


class _Ends(BodyValidator):
    """The validator, keeping what is on the stack at the end of each frame (and arm), by
    the index of the block start (-1: the function)."""

    def __init__(self, m: Module) -> None:
        super().__init__(module_context(m), [])
        self.ends: dict[int, list[list[Val]]] = {}

    def check_frame_end(self, frame: Frame, span: Span, desc: str | None = None) -> None:
        left: list[Val] = list(self.stack[frame.height :]) if not frame.unreachable else [None]
        self.ends.setdefault(frame.start, []).append(left)
        super().check_frame_end(frame, span, desc)


def _function(doc: Document, offset: int) -> tuple[Module, Func] | None:
    # only where the validator found values left over at the end of something in it
    return func_at(doc, offset, lambda d: d.code == "stack-height")


def _types(m: Module, arms: Sequence[list[Val]]) -> list[ValType] | None:
    """The types every arm ends with, when they agree and are all known."""
    first = arms[0] if arms else []
    if not first or any(a != first for a in arms) or any(t is None for t in first):
        return None
    shown = TypeTable(m)
    if any(shown.show(t) == "a reference" for t in first):
        return None
    # an exact reference (what `struct.new` gives) is written as the plain one: it holds the
    # value and needs no custom-descriptors support
    return [
        dataclasses.replace(t, exact=False) if isinstance(t, RefType) else t for t in first if t is not None
    ]


def _to_function(f: Func) -> bool:
    """Whether a branch or `return` targets the function's own label (or a tail call needs its
    results as they are)."""
    depth = 0
    for ins in f.body:
        flags = ins.op.flags
        if flags & Flag.BLOCK_END:
            depth -= 1
        if ins.op.name.startswith("return"):
            return True
        if any(d == depth for d in label_depths(ins)):
            return True
        if flags & Flag.BLOCK_START:
            depth += 1
    return False


def _func_head_end(doc: Document, f: Func) -> int | None:
    """Where a function's results go: after its name, exports, import and params; None with a
    `(type ...)` use (its type says the results)."""
    path = path_to(doc, f.span.start)
    node: Node | None = next((n for n in reversed(path) if n.type == "func" and n.is_named), None)
    if node is None or node.start_byte != f.span.start:
        return None
    at = None
    for c in cst.children(node):
        if c.type == "type_use":
            return None
        if (c.type == "func" and not c.is_named) or c.type in _HEAD:
            at = c.end_byte
        elif c.is_named:
            break
    return at


def _edits(doc: Document, offset: int) -> list[TextEdit]:
    found = _function(doc, offset)
    if found is None:
        return []
    m, f = found
    i = instr_at(f, offset)
    body = f.body
    if i is not None and body[i].op.flags & Flag.BLOCK_END and 0 <= body[i].match < i:
        i = body[i].match  # an `end` (where the validator reports): its block
    elif i is not None and not body[i].op.flags & Flag.BLOCK_START:
        blocks = enclosing(f, i)  # an instruction or `else`: the block around it
        i = blocks[0] if blocks else None
    ends = _Ends(m)
    ends.run_function(dataclasses.replace(f, body=list(body)))
    shown = TypeTable(m)
    if i is None:  # the function
        if f.results or _to_function(f):
            return []
        types = _types(m, ends.ends.get(-1, []))
        at = _func_head_end(doc, f) if types else None
    else:
        ins = body[i]
        bt = ins.imms[0] if ins.imms else None
        if not isinstance(bt, BlockType) or bt.type_idx is not None or bt.results:
            return []
        if ins.op.name not in ("block", "loop", "if", "try_table"):
            return []
        arms = ends.ends.get(i, [])
        if ins.op.name == "if" and len(arms) != 2:
            return []  # no `else`: the arm that is not written could not give the values
        if ins.op.name != "loop" and i in block_labels(body).targeted:
            return []
        types = _types(m, arms)
        at = ins.end if types else None
    if types is None or at is None:
        return []
    return [TextEdit(at, at, " (result " + " ".join(shown.show(t) for t in types) + ")")]


ADD_RESULT_TYPES = Rewrite.by_edits(
    "add_result_types", "Add the missing result types", _edits, same_binary=False
)
