"""Signature help: the type of the folded instruction around the cursor, its operands as
parameters, and which operand the cursor is at.

Where the cursor is comes from the text, as for completion, read by the same lexer
(`halftyped`): from the outermost error-free instruction holding the cursor (one statement of
a long function), else from where the module field around the cursor starts, into the stack
of open forms, counting in each the folded instructions already complete in it (the operands
before the cursor). The innermost open instruction form is the one shown (a form without a
keyword yet, `(`, is its next operand; a `(type ...)`, `(param ...)` ... inside it are its
immediates), except inside a block's body (`then`, a `block`'s contents), which has no
operands.

Types: a `fixed` instruction's are the opcode table's. Every other instruction is typed by
the validator's rule for its family (`OpInfo.typing`), run on the instruction as the reader
read it (immediates resolved: names, labels, type uses), in the state the validator has just
before it (so `br $l` sees the labels around it): a probe records the types the rule expects
to pop and what it leaves on the stack, with the operand stack emptied and made polymorphic
first, so that the rule sees no actual operand. A rule that cannot type the instruction (an
unknown name) or expects an operand it does not name (`drop`, `select` without a type: the
type comes from the stack) gives no signature. The instruction comes from the document's
analysis; when the reader did not read it (the form is unclosed), from an analysis of the text
with the forms open at the cursor closed there (documents up to `REPAIR_LIMIT` bytes).

Operands are labelled with the names their types come from where a family says so
(`_NAMED`): a called function's parameters (`(param $a i32)`), a struct's fields
(`(field $x i32)`); other instructions show `[params] -> [results]`, as hover does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from tree_sitter import Tree
from wat_lsp.analysis.document import Document, analyse
from wat_lsp.analysis.ide import halftyped
from wat_lsp.analysis.model import UNRESOLVED, Func, Instr, Module, StructType, ValType
from wat_lsp.analysis.opcodes import OPCODES, Flag, OpInfo
from wat_lsp.analysis.subtyping import TypeTable
from wat_lsp.analysis.validate import module_context
from wat_lsp.analysis.validate_body import BodyValidator, Frame, Val


@dataclass(frozen=True, slots=True)
class Signature:
    """One signature: `label` and its parameters as [start, end) indices into it."""

    label: str
    params: tuple[tuple[int, int], ...]
    active: int  # the parameter the cursor is at (may be past the last one)


REPAIR_LIMIT = 1 << 18  # bytes: larger documents are not re-analysed with their forms closed (~90 ms)
MAX_PARAMS = 1000  # operands at most: an instruction with more gets no signature
_HEAD = 120  # characters of an instruction's immediates quoted in the label at most

# Forms that hold an instruction's immediates: the cursor inside one is still at the instruction.
_IMMEDIATE_FORMS = frozenset({"type", "param", "result", "ref", "exact", "mut", "on", "catch", "catch_ref",
                              "catch_all", "catch_all_ref"})  # fmt: skip
# Typing families whose operands are named after something: where the names come from.
_NAMED = {"call": "func", "return_call": "func", "call_ref": "type", "return_call_ref": "type",
          "call_indirect": "type_use", "return_call_indirect": "type_use", "struct.new": "fields",
          "struct.new_desc": "fields"}  # fmt: skip
_NOT_OPERAND = Flag.BLOCK_ELSE | Flag.BLOCK_END

# --- where the cursor is -------------------------------------------------------------------


@dataclass(slots=True)
class Form:
    """An open `(` before the cursor: its keyword (None until one is typed) and how many
    complete folded instructions it holds."""

    start: int
    keyword: str | None = None
    operands: int = 0


def open_forms(data: bytes, start: int, offset: int) -> list[Form] | None:
    """The forms open at `offset`, reading from `start` (outermost first); None when the
    cursor is in a comment or a string."""
    stack: list[Form] = []
    for kind, tok_start, end in halftyped.tokens(data, start, offset):
        if kind == "open":
            stack.append(Form(tok_start))
        elif kind == "close":
            if stack:
                closed = stack.pop()
                op = OPCODES.get(closed.keyword or "")
                if stack and op is not None and not op.flags & _NOT_OPERAND:
                    stack[-1].operands += 1
        elif kind == "inside":
            return None
        elif kind == "word" and stack and stack[-1].keyword is None:
            stack[-1].keyword = data[tok_start:end].decode("utf-8", "replace")
    return stack


def instruction_form(forms: Sequence[Form]) -> tuple[Form, OpInfo] | None:
    """The innermost open folded instruction the cursor is at, with its opcode."""
    for form in reversed(forms):
        if form.keyword is None or form.keyword in _IMMEDIATE_FORMS:
            continue  # a new operand being typed, or the instruction's own immediates
        op = OPCODES.get(form.keyword)
        if op is None or op.flags & _NOT_OPERAND:
            return None  # `then`, `func`, ...: a body, not operands
        if op.flags & Flag.BLOCK_START and op.typing != "if":
            return None  # a block's contents are its body (its params come from before it)
        return form, op
    return None


def _scan_start(data: bytes, tree: Tree, offset: int) -> int | None:
    """Where the lexing starts: at the statement around the cursor when the walk finds the
    module field holding it, else where `halftyped.scan_start` says; None when the budget cut
    the field (the form the cursor is in may have opened before the cut)."""
    start, _, _, cut = halftyped.scan_start(data, tree, offset, statement=True)
    return None if cut else start


# --- the instruction as read ------------------------------------------------------------------


def _funcs(doc: Document) -> Iterator[tuple[Module, Func]]:
    for sm in doc.modules:
        if sm.read is not None:
            for f in sm.read.module.funcs:
                yield sm.read.module, f


def find_instr(doc: Document, ostart: int) -> tuple[Module, Func, int] | None:
    """The folded instruction whose `(` is at `ostart`, in the function around it."""
    for m, f in _funcs(doc):
        if f.import_ is None and f.span.start <= ostart < f.span.end:
            body = f.body
            for i, ins in enumerate(body):
                if ins.ostart == ostart and ins.folded:
                    return m, f, i
            return None
    return None


def _repaired(data: bytes, offset: int, forms: Sequence[Form]) -> bytes:
    """The text with every form open at the cursor closed there."""
    return data[:offset] + b")" * len(forms) + data[offset:]


# --- typing ------------------------------------------------------------------------------------


class _TooMany(Exception):
    """More operands than a signature shows (`array.new_fixed $a 4000000000`)."""


class _Probe(BodyValidator):
    """Runs the rule of `body[stop]` in the state before it and records its operand types
    (each pop from below the emptied stack as a chunk, in pop order), its results (what it
    leaves on the stack) and whether it could type it."""

    def __init__(self, m: Module, stop: int) -> None:
        super().__init__(module_context(m), [], partial=True)
        self.stop = stop
        self.pops: list[list[Val]] | None = None
        self.outcome: tuple[list[Val], list[Val]] | None = None
        self.typed = True
        self.frame_results: list[Val] | None = None
        self.popped = 0

    def _record(self, expected: Sequence[Val]) -> None:
        if self.pops is not None:
            self.pops.append(list(expected))
            self.popped += len(expected)
            if self.popped > MAX_PARAMS:
                raise _TooMany

    # Only what comes from below the emptied stack is an operand: a rule may pop values and
    # push them back (`br_table` checks each label's types so), and pop them again later.
    def pop_vals(self, expected: Sequence[Val], what: str | None = None) -> list[Val]:
        below = len(expected) - (len(self.stack) - self.frames[-1].height)
        if below > 0:
            self._record(expected[:below])
        return super().pop_vals(expected, what)

    def pop1(self, expected: Val, what: str | None = None) -> Val:
        if len(self.stack) <= self.frames[-1].height:
            self._record((expected,))
        return super().pop1(expected, what)

    def polymorphic(self) -> None:
        if self.pops is not None:
            self.typed = False
        super().polymorphic()

    def push_frame(self, kind: str, params: Sequence[ValType], results: Sequence[ValType]) -> Frame:
        if self.pops is not None:  # `if`: its results are the block's
            self.frame_results = list(results)
            return self.frames[-1]
        return super().push_frame(kind, params, results)

    def _finish(self) -> None:
        body = self.body
        if not 0 <= self.stop < len(body):
            return
        ins = body[self.stop]
        frame = self.frames[-1]
        frame.height, frame.unreachable = len(self.stack), True
        height = len(self.stack)
        self.i, self.ins, self.pops = self.stop, ins, []
        rule = getattr(self, "t_" + ins.op.typing.replace(".", "__"), None)
        if rule is None:
            return
        rule(ins)
        results = self.frame_results if self.frame_results is not None else self.stack[height:]
        params = [t for chunk in reversed(self.pops) for t in chunk]
        if self.typed:
            self.outcome = (params, list(results))


def instr_types(m: Module, func: Func, index: int) -> tuple[list[Val], list[Val]] | None:
    """Operand and result types of `func.body[index]` by its family's rule, or None."""
    if func.import_ is not None or not 0 <= index < len(func.body):
        return None
    probe = _Probe(m, index)
    try:
        probe.run_until(func, index)
    except _TooMany:
        return None
    return probe.outcome


# --- the label ---------------------------------------------------------------------------------


def _head(data: bytes, ins: Instr, named: bool) -> str:
    """The instruction as written, white space collapsed; for a named signature without the
    inline `(param ...)`/`(result ...)` of its type use (the label lists those)."""
    text = " ".join(data[ins.start : ins.end].decode("utf-8", "replace").split())
    if named:
        cut = min((i for i in (text.find(" (param"), text.find(" (result")) if i >= 0), default=len(text))
        text = text[:cut]
    return text.replace("( ", "(").replace(" )", ")") if len(text) <= _HEAD else text[:_HEAD] + " …"


def _names(m: Module, ins: Instr, source: str, params: Sequence[Val]) -> list[str | None]:
    """Names of the leading operands (None: unnamed), from what `_NAMED` says they come from;
    the operands after them are the instruction's own."""
    imm = ins.imms[0] if ins.imms else None
    if source in ("type", "type_use"):  # function types keep no parameter names; the last
        return [None] * (len(params) - 1)  # operand is the table index or the reference
    if source == "func" and isinstance(imm, int) and 0 <= imm < len(m.funcs):
        return [p.name for p in m.funcs[imm].params]
    if source == "fields" and isinstance(imm, int) and 0 <= imm < len(m.types):
        td = m.types[imm]
        if isinstance(td.comp, StructType):
            by_index = {i: n for n, i in td.field_names.items()}
            return [by_index.get(i) for i in range(len(td.comp.fields))]
    return []


class _Label:
    def __init__(self, head: str) -> None:
        self.text = head
        self.params: list[tuple[int, int]] = []

    def param(self, text: str) -> None:
        self.text += " "
        self.params.append((len(self.text), len(self.text) + len(text)))
        self.text += text


def _label(
    head: str, m: Module | None, ins: Instr | None, params: Sequence[Val], results: Sequence[Val], typing: str
) -> Signature:
    types = TypeTable(m) if m is not None else None
    show = types.show if types is not None else str
    label = _Label(head)
    source = _NAMED.get(typing)
    if source is None or ins is None or m is None:
        label.text += " ["
        for k, t in enumerate(params):
            start = len(label.text)
            label.text += ("" if k == 0 else " ") + show(t)
            label.params.append((start + (k > 0), len(label.text)))
        label.text += "] -> [" + " ".join(show(t) for t in results) + "]"
        return Signature(label.text, tuple(label.params), 0)
    names = _names(m, ins, source, params)
    word = "field" if source == "fields" else "param"
    for k, t in enumerate(params):
        name = names[k] if k < len(names) else None
        # operands beyond the callee's (a table index, a reference, a descriptor): a bare type
        label.param(f"({word} {'$' + name + ' ' if name else ''}{show(t)})" if k < len(names) else show(t))
    for t in results:
        label.text += f" (result {show(t)})"
    return Signature(label.text, tuple(label.params), 0)


def _fixed(op: OpInfo) -> Signature:
    return _label(op.name, None, None, list(op.params or ()), list(op.results or ()), "fixed")


# --- the whole request -------------------------------------------------------------------------


def signature_help(
    data: bytes, tree: Tree, offset: int, analysis: Callable[[], Document]
) -> Signature | None:
    """The signature of the folded instruction around `offset`, or None. `analysis` gives the
    document's analysis (asked for only when the opcode table alone does not type it)."""
    if not 0 <= offset <= len(data):
        return None
    start = _scan_start(data, tree, offset)
    forms = open_forms(data, start, offset) if start is not None else None
    found = instruction_form(forms) if forms else None
    if forms is None or found is None:
        return None
    form, op = found
    if op.typing == "fixed":
        return dataclasses.replace(_fixed(op), active=form.operands)
    doc = analysis()
    at = find_instr(doc, form.start)
    if at is None and len(data) <= REPAIR_LIMIT:
        repaired = _repaired(data, offset, forms)
        doc = analyse(repaired)
        at = find_instr(doc, form.start)
    if at is None:
        return None
    m, func, index = at
    ins = func.body[index]
    if ins.op is not op:
        return None
    typed = instr_types(m, func, index)
    if typed is None or None in typed[0] or None in typed[1]:
        return None  # the types come from the stack (`drop`), or the rule could not tell
    if any(isinstance(i, int) and i == UNRESOLVED for i in ins.imms):
        return None
    sig = _label(_head(doc.data, ins, op.typing in _NAMED), m, ins, typed[0], typed[1], op.typing)
    return dataclasses.replace(sig, active=form.operands)
