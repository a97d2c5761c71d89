"""Operand-stack typing of instruction sequences: function bodies and constant expressions.

The algorithm is the spec's validation algorithm (appendix), as wasmparser implements it:
an operand stack whose entries are value types or `None` (unknown: the spec's bottom type,
produced by popping below a frame's height in unreachable code), and a stack of control
frames, each with its label types, operand height and an `unreachable` flag that makes the
stack polymorphic after `unreachable`, `br`, `br_table`, `return`, `throw`, ... The body is a
flat list with explicit structure (`Instr.match`), so the walk is one loop, never recursive.

Local initialisation (the "1a" rule for non-defaultable locals) is wasmparser's `LocalInits`:
one flag per local plus an undo log; a frame remembers the log height when it opens, and
closing the frame (`end`, and `else`/`catch` closing an arm) unsets every local set since. A
`local.get` of an unset non-defaultable local is reported at each occurrence, in reachable
and unreachable code alike.

Recovery: every rule reports and then carries on with the types the instruction declares
(a mismatched operand is taken as the expected type; an instruction whose types cannot be
known makes the rest of its block polymorphic); at a frame end with the wrong values the
error is reported once and the stack is reset to the frame's results. So every independent
error is reported, and no error causes another.

One typing rule per `OpInfo.typing` family; `fixed` instructions are typed from the opcode
table's `params`/`results` alone.

Passes may observe the typing instead of copying it: with `BodyValidator.stored` set to a
dict, every `local.set`/`local.tee` records the type of the value it stores (the
local-subtyping pass uses this).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeAlias

from wat_lsp.analysis.core_rules import CoreOnly, br_on_cast_types
from wat_lsp.analysis.diagnostics import Diagnostic, Related, make
from wat_lsp.analysis.model import (
    REF_SHORTHANDS,
    UNRESOLVED,
    BlockType,
    Catch,
    Func,
    FuncType,
    Instr,
    LocalDecl,
    MemArg,
    PartialExpr,
    RefType,
    Span,
    ValType,
)
from wat_lsp.analysis.opcodes import Flag, Imm, OpInfo
from wat_lsp.analysis.subtyping import (
    ANY_REF,
    BOT_HEAP,
    NUMERIC,
    TOP_HEAP,
    UNKNOWN_REF,
    defaultable,
    is_packed,
    unpack,
)
from wat_lsp.analysis.validate_context import ModuleContext

Val: TypeAlias = ValType | None  # None: unknown (bottom) when found, "anything" when expected
EXN_REF = RefType(False, "exn")  # what catch_ref / catch_all_ref deliver
EXNREF = RefType(True, "exn")

_BLOCK_WORD = {
    "block": "block", "loop": "loop", "if": "if", "else": "if", "try": "try",
    "catch": "try", "catch_all": "try", "try_table": "try_table",
}  # fmt: skip


_SPACE_WORDS = {
    "func": ("function", "functions"), "elem": ("element segment", "element segments"),
    "data": ("data segment", "data segments"), "memory": ("memory", "memories"),
    "type": ("type", "types"), "table": ("table", "tables"), "global": ("global", "globals"),
    "tag": ("tag", "tags"),
}  # fmt: skip


# --- the opcode table, parsed once -------------------------------------------------------


def _parse_type(text: str) -> ValType:
    if text in NUMERIC or text in ("addr", "elem"):
        return text
    if text in REF_SHORTHANDS:
        return RefType(True, REF_SHORTHANDS[text])
    if text.startswith("(ref ") and text.endswith(")"):
        words = text[5:-1].split()
        return RefType(words[0] == "null", words[-1])
    raise ValueError(f"opcode table type `{text}` is not understood")


_CHECKED_IMMS = frozenset({Imm.LANE, Imm.SHUFFLE, Imm.DATA, Imm.ELEM})


class _Sig:
    """What the validator needs of an opcode, precomputed: its fixed operand/result types
    (with `addr`/`elem` placeholders) and its flags as plain booleans."""

    __slots__ = ("atomic", "check_imms", "const", "fixed", "params", "results", "unconditional")

    def __init__(self, op: OpInfo) -> None:
        self.params: list[ValType] = [_parse_type(t) for t in (op.params or ())]
        self.results: list[ValType] = [_parse_type(t) for t in (op.results or ())]
        self.fixed = op.typing == "fixed"
        self.check_imms = any(k in _CHECKED_IMMS for k in op.imms)
        self.unconditional = bool(op.flags & Flag.UNCONDITIONAL)
        self.const = bool(op.flags & Flag.CONST)
        self.atomic = bool(op.flags & Flag.ATOMIC)


_SIGS: dict[str, _Sig] = {}


def _sig(op: OpInfo) -> _Sig:
    s = _SIGS.get(op.name)
    if s is None:
        s = _SIGS[op.name] = _Sig(op)
    return s


# --- local initialisation ----------------------------------------------------------------


class LocalInits:
    """wasmparser's `LocalInits`: which locals the 1a rule counts as set, as one flag per
    local plus an undo log. A frame remembers the log's `height` when it opens; closing it
    (`end`, or `else`/`catch` closing an arm) undoes every set since (`reset_to`), and
    remembers where each undone set was, for the message of a later read."""

    __slots__ = ("first_nd", "flags", "lost", "undo", "undo_at")

    def __init__(self) -> None:
        self.flags: list[bool] = []  # per local: set (defaultable locals always are)
        self.first_nd = 1 << 62  # the first non-defaultable local: below it, nothing to track
        self.undo: list[int] = []  # locals set since the function started, in order
        self.undo_at: list[int] = []  # the instruction index of each of those sets
        # local -> (set instr, block start instr, arm kind, end instr, set in the other `if`
        # arm or -1) of its last undone set
        self.lost: dict[int, tuple[int, int, str, int, int]] = {}

    def define(self, locals_: Sequence[ValType], nparams: int) -> None:
        """Params are set; a declared local is set when its type is defaultable."""
        flags = self.flags = [True] * (nparams + len(locals_))
        for k, t in enumerate(locals_, nparams):
            if not defaultable(t):
                flags[k] = False
                self.first_nd = min(self.first_nd, k)

    @property
    def height(self) -> int:
        return len(self.undo)

    def set(self, x: int, at: int) -> None:
        """A `local.set`/`local.tee` of local `x` at instruction `at`."""
        if x >= self.first_nd and not self.flags[x]:
            self.flags[x] = True
            self.undo.append(x)
            self.undo_at.append(at)

    def reset_to(self, height: int, start: int, kind: str, end_index: int) -> None:
        """Undo the sets above `height`: the block started at instruction `start` (of `kind`)
        ends, or its arm does, at instruction `end_index`."""
        undo = self.undo
        if len(undo) <= height:
            return
        flags, at, lost = self.flags, self.undo_at, self.lost
        while len(undo) > height:
            idx = undo.pop()
            flags[idx] = False
            other = -1
            if kind == "else":  # set in the `then` arm too?
                prev = lost.get(idx)
                if prev is not None and prev[1] == start and prev[2] == "if":
                    other = prev[0]
            lost[idx] = (at.pop(), start, kind, end_index, other)


# --- frames ------------------------------------------------------------------------------


class Frame:
    __slots__ = ("height", "init_height", "kind", "labels", "params", "results", "start", "unreachable")

    def __init__(
        self,
        kind: str,
        start: int,
        params: Sequence[ValType],
        results: Sequence[ValType],
        height: int,
        init_height: int,
    ) -> None:
        self.kind = kind  # func block loop if else try catch catch_all try_table const
        self.start = start  # index of the block start instruction (-1: function, const)
        self.params = list(params)
        self.results = list(results)
        self.labels = self.params if kind == "loop" else self.results
        self.height = height
        self.init_height = init_height
        self.unreachable = False


# --- the validator -----------------------------------------------------------------------


class _Prefix(list[Instr]):
    """A function body that, iterated, yields only its first `stop` instructions, and indexes
    like the whole body: the validator's `for ... in enumerate(body)` stops before `stop`
    without any change to its loop."""

    def __init__(self, body: list[Instr], stop: int) -> None:
        super().__init__(body)
        self.stop = stop

    def __iter__(self) -> Iterator[Instr]:
        for i in range(min(self.stop, len(self))):
            yield self[i]


class BodyValidator:
    """Validates one instruction sequence. Use `run_function` or `run_const`."""

    def __init__(
        self,
        ctx: ModuleContext,
        diags: list[Diagnostic],
        partial: bool = False,
        core_only: list[CoreOnly] | None = None,
    ) -> None:
        self.ctx = ctx
        self.types = ctx.types
        self.diags = diags
        self.core_only: list[CoreOnly] = [] if core_only is None else core_only
        self.partial = partial  # the reader dropped instructions: no stack-typing errors
        self.stack: list[Val] = []
        self.frames: list[Frame] = []
        self.body: list[Instr] = []
        self.ins: Instr | None = None
        self.i = 0
        self.err_i = -1  # index of the instruction that already has a typing error
        self._last_unknown: tuple[int, str, int] | None = None
        self.func: Func | None = None
        self.local_types: list[ValType] = []
        self.local_decls: list[LocalDecl] = []
        self.inits = LocalInits()
        self.const_mode = False
        self.const_globals = 0  # globals visible to a constant expression
        # Optional hook for passes (local-subtyping): when a dict, each `local.set`/`local.tee`
        # records there, by instruction index, the type of the value it stores (None: unknown).
        self.stored: dict[int, Val] | None = None
        self.results: Sequence[ValType] = ()
        self.end_span = Span(0, 0)
        self.what = "the function"

    # --- entry points -------------------------------------------------------------------

    def run_until(self, func: Func, stop: int) -> None:
        """`run_function` on the instructions before `func.body[stop]`: the state there is
        what `_finish` sees (hover and signature help read it so)."""
        self.run_function(dataclasses.replace(func, body=_Prefix(func.body, stop)))

    def run_const_until(
        self, instrs: list[Instr], expected: ValType | None, what: str, globals_visible: int, stop: int
    ) -> None:
        """`run_const` on the instructions before `instrs[stop]` (as `run_until`)."""
        if isinstance(instrs, PartialExpr):
            expected = None  # as `run_const`: only the instructions themselves
        self.run_const(_Prefix(instrs, stop), expected, what, Span(0, 0), globals_visible)

    def run_function(self, func: Func) -> None:
        self.func = func
        decls = func.all_locals
        self.local_decls = decls
        self.local_types = [d.type for d in decls]
        self.inits.define([d.type for d in decls[len(func.params) :]], len(func.params))
        sig = self.ctx.func_sigs[func.index] if func.index < len(self.ctx.func_sigs) else None
        self.results = sig.results if sig is not None else func.results
        end = func.span.end
        self.end_span = Span(max(end - 1, func.span.start), end)
        self.what = "the function body"
        self._run(func.body, Frame("func", -1, (), self.results, 0, 0))

    def run_const(
        self, instrs: list[Instr], expected: ValType | None, what: str, span: Span, globals_visible: int
    ) -> None:
        self.const_mode = True
        self.const_globals = globals_visible
        self.results = (expected,) if expected is not None else ()
        self.what = what
        self.end_span = span
        frame = Frame("const", -1, (), self.results, 0, 0)
        if expected is None or isinstance(instrs, PartialExpr):
            frame.unreachable = True  # type unknown: only check the instructions themselves
        self._run(instrs, frame)

    def _run(self, body: list[Instr], top: Frame) -> None:
        self.body = body
        self.frames = [top]
        stack = self.stack
        handlers = _handlers()
        sigs = _SIGS
        const_mode = self.const_mode
        for i, ins in enumerate(body):
            self.i = i
            self.ins = ins
            op = ins.op
            s = sigs.get(op.name) or _sig(op)
            if const_mode and not s.const:
                self._non_const(ins)
            if s.fixed:
                if s.check_imms:
                    self._check_imms(ins)
                params = s.params
                n = len(params)
                frame = self.frames[-1]
                h = len(stack)
                if n == 0:
                    pass
                elif h - frame.height >= n and stack[h - n :] == params:
                    del stack[h - n :]
                else:
                    self.pop_vals(params)
                stack.extend(s.results)
            else:
                handler = handlers.get(op.typing)
                if handler is None:
                    self.polymorphic()
                    continue
                handler(self, ins)
            if s.unconditional:
                self.unreachable()
        self._finish()

    def _finish(self) -> None:
        frames = self.frames
        while len(frames) > 1:  # only with a malformed body (the reader closes every block)
            frames.pop()
        top = frames[0]
        self.ins = None
        self.check_frame_end(top, self.end_span, self.what)

    # --- reporting ----------------------------------------------------------------------

    def report(self, code: str, message: str, span: Span | None = None, **kw: Any) -> None:
        if span is None:
            span = self.ins.span if self.ins is not None else self.end_span
        self.diags.append(make(code, message, span, **kw))

    def note_core_only(self, rule: str, message: str) -> None:
        """Valid with every feature on, invalid under WebAssembly 3.0 (`core_rules`): no
        diagnostic, a note."""
        span = self.ins.span if self.ins is not None else self.end_span
        self.core_only.append(CoreOnly(rule, span, message))

    def type_error(self, message: str, span: Span | None = None, code: str = "type-mismatch") -> None:
        """At most one typing error per instruction; none in a partially read body."""
        if self.partial:
            return
        if self.ins is not None:
            if self.err_i == self.i:
                return
            self.err_i = self.i
        self.report(code, message, span)

    def show(self, t: Val) -> str:
        return self.types.show(t)

    def show_list(self, ts: Sequence[Val]) -> str:
        return self.types.show_list(ts)

    # --- the operand stack --------------------------------------------------------------

    def push(self, t: Val) -> None:
        self.stack.append(t)

    def unreachable(self) -> None:
        frame = self.frames[-1]
        del self.stack[frame.height :]
        frame.unreachable = True

    def polymorphic(self) -> None:
        """The instruction's types cannot be known (an unresolved name): the rest of the
        block is typed as unreachable code, so nothing cascades."""
        self.unreachable()

    def pop_vals(self, expected: Sequence[Val], what: str | None = None) -> list[Val]:
        """Pops len(expected) operands, checking each against its expected type (None:
        anything). Returns what was found (None where unknown)."""
        stack = self.stack
        frame = self.frames[-1]
        n = len(expected)
        avail = len(stack) - frame.height
        if avail >= n:
            if n == 0:
                return []
            found = stack[-n:]
            del stack[-n:]
            sub = self.types.is_sub
            for k in range(n):
                a = found[k]
                e = expected[k]
                if a is not e and not sub(a, e):
                    self._mismatch(expected, found, k, what)
                    break
            return found
        found = [None] * (n - avail) + stack[frame.height :]
        del stack[frame.height :]
        if frame.unreachable:
            sub = self.types.is_sub
            for k in range(n - avail, n):
                if not sub(found[k], expected[k]):
                    self._mismatch(expected, found, k, what)
                    break
            return found
        self._missing(expected, avail, what)
        return found

    def pop1(self, expected: Val, what: str | None = None) -> Val:
        stack = self.stack
        frame = self.frames[-1]
        if len(stack) > frame.height:
            a = stack.pop()
            if a is not expected and not self.types.is_sub(a, expected):
                self._mismatch((expected,), [a], 0, what)
            return a
        if not frame.unreachable:
            self._missing((expected,), 0, what)
        return None

    def _who(self, what: str | None) -> str:
        if what is not None:
            return what
        return f"`{self.ins.op.name}`" if self.ins is not None else self.what

    def _mismatch(self, expected: Sequence[Val], found: Sequence[Val], k: int, what: str | None) -> None:
        n = len(expected)
        e = expected[k]
        a = found[k]
        where = f" (operand {k + 1} of {n})" if n > 1 else ""
        if isinstance(e, RefType) and e.heap == TOP_HEAP:
            self.type_error(f"{self._who(what)} expects a reference{where}, found {self.show(a)}")
            return
        self.type_error(f"{self._who(what)} expects {self.show(e)}{where}, found {self.show(a)}")

    def _missing(self, expected: Sequence[Val], avail: int, what: str | None) -> None:
        n = len(expected)
        s = "" if n == 1 else "s"
        kinds = {self.show(e) if e is not None else None for e in expected}
        if kinds == {"a reference"}:
            need = f"{n} reference operand{s}"
        elif len(kinds) == 1 and None not in kinds:
            need = f"{n} operand{s} of type {kinds.pop()}"
        elif kinds == {None}:
            need = f"{n} operand{s}"
        else:
            need = f"{n} operands {self.show_list(expected)}"
        self.type_error(f"{self._who(what)} expects {need}, found {avail}")

    # --- frames -------------------------------------------------------------------------

    def push_frame(self, kind: str, params: Sequence[ValType], results: Sequence[ValType]) -> Frame:
        f = Frame(kind, self.i, params, results, len(self.stack), len(self.inits.undo))
        self.frames.append(f)
        self.stack.extend(params)
        return f

    def describe(self, frame: Frame) -> str:
        if frame.kind in ("func", "const"):
            return self.what
        ins = self.body[frame.start]
        label = f" ${ins.label}" if ins.label else ""
        word = _BLOCK_WORD.get(frame.kind, frame.kind)
        if frame.kind == "if":
            return f"the `then` arm of `if{label}`"
        if frame.kind == "else":
            return f"the `else` arm of `if{label}`"
        if frame.kind in ("catch", "catch_all"):
            return f"the `{frame.kind}` clause of `try{label}`"
        return f"`{word}{label}`"

    def check_frame_end(self, frame: Frame, span: Span, desc: str | None = None) -> None:
        """The values at the end of a frame (or arm) must be exactly its results."""
        stack = self.stack
        results = frame.results
        n = len(results)
        h = frame.height
        avail = len(stack) - h
        if avail == n and (n == 0 or stack[h:] == results):
            del stack[h:]
            return
        if desc is None:
            desc = self.describe(frame)
        if avail == n or (frame.unreachable and avail < n):
            sub = self.types.is_sub
            off = n - avail
            for k in range(avail):
                if not sub(stack[h + k], results[off + k]):
                    found = [None] * off + stack[h:]
                    self.type_error(
                        f"{desc} must end with {self.show_list(results)} on the stack, "
                        f"found {self.show_list(found)}",
                        span,
                    )
                    break
        elif avail > n:
            self.type_error(
                f"{desc} must end with {self.show_list(results)} on the stack, found "
                f"{self.show_list(stack[h:])}: {avail - n} value"
                f"{'s' if avail - n > 1 else ''} too many",
                span,
                "stack-height",
            )
        else:
            self.type_error(
                f"{desc} must end with {self.show_list(results)} on the stack, found "
                f"{self.show_list(stack[h:])}: {n - avail} value"
                f"{'s' if n - avail > 1 else ''} missing",
                span,
                "stack-height",
            )
        del stack[h:]

    def pop_frame(self, end_index: int) -> Frame:
        frame = self.frames.pop()
        if len(self.inits.undo) > frame.init_height:  # (else nothing was set inside to undo)
            self.reset_inits(frame, end_index)
        return frame

    def reset_inits(self, frame: Frame, end_index: int) -> None:
        self.inits.reset_to(frame.init_height, frame.start, frame.kind, end_index)

    def label(self, depth: object) -> Frame | None:
        """The frame a branch targets, or None (reported when out of range)."""
        if not isinstance(depth, int) or depth == UNRESOLVED:
            return None
        frames = self.frames
        if 0 <= depth < len(frames):
            return frames[-1 - depth]
        n = len(frames)
        self.report(
            "unknown-index",
            f"unknown label {depth}: only {n} label{'s are' if n != 1 else ' is'}"
            f" in scope here (0 to {n - 1})",
        )
        return None

    # --- index spaces -------------------------------------------------------------------

    def _unknown(self, space: str, index: int, count: int) -> None:
        key = (self.i, space, index)
        if key == self._last_unknown:
            return  # e.g. `memory.copy` naming the same missing memory twice
        self._last_unknown = key
        what, plural = _SPACE_WORDS.get(space, (space, space + "s"))
        self.report(
            "unknown-index",
            f"unknown {what} {index}: the module has {count} {what if count == 1 else plural}",
        )

    def index_ok(self, space: str, index: object, count: int) -> bool:
        return self.idx(space, index, count) is not None

    def idx(self, space: str, index: object, count: int) -> int | None:
        """`index` when it is in range; None when unresolved (already reported by the reader)
        or out of range (reported here)."""
        if not isinstance(index, int) or index == UNRESOLVED:
            return None
        if 0 <= index < count:
            return index
        self._unknown(space, index, count)
        return None

    def type_index(self, index: object) -> bool:
        return self.index_ok("type", index, self.types.n)

    def check_val(self, t: ValType | None) -> bool:
        """A value type written in the body must only name existing types."""
        if isinstance(t, RefType) and isinstance(t.heap, int) and t.heap != UNRESOLVED:
            return self.type_index(t.heap)
        return True

    def memory(self, index: object) -> str | None:
        x = self.idx("memory", index, len(self.ctx.memories))
        return self.ctx.memories[x] if x is not None else None

    def table(self, index: object) -> tuple[str, RefType] | None:
        x = self.idx("table", index, len(self.ctx.tables))
        return self.ctx.tables[x] if x is not None else None

    def tag(self, index: object) -> FuncType | None:
        x = self.idx("tag", index, len(self.ctx.tag_sigs))
        return self.ctx.tag_sigs[x] if x is not None else None

    def exception_tag(self, index: object) -> FuncType | None:
        """A tag used as an exception: it must have no results (tags with results exist only
        for stack switching's `suspend`), as wasmparser's `exception_tag_at`."""
        sig = self.tag(index)
        if sig is not None and sig.results and isinstance(index, int):
            self.report(
                "type-mismatch",
                f"tag {self.ctx.space_name('tag', index)} has results "
                f"{self.show_list(sig.results)}: only a tag without results is an exception",
            )
        return sig

    def data(self, index: object) -> bool:
        return self.index_ok("data", index, self.ctx.data_count)

    def elem(self, index: object) -> RefType | None:
        x = self.idx("elem", index, len(self.ctx.elem_types))
        return self.ctx.elem_types[x] if x is not None else None

    def _expect_kind(self, index: object, kind: str) -> Any:
        """The composite type at `index` when it is a `kind` type; reports otherwise."""
        if not self.type_index(index):
            return None
        assert isinstance(index, int)
        comp = self.types.comp(index)
        if self.types.kind[index] != kind:
            self.report(
                "type-mismatch",
                f"`{self.ins.op.name if self.ins else ''}` needs a {kind} "
                f"type, but {self.types.type_name(index)} is a {self.types.kind[index]} type",
            )
            return None
        return comp

    def _check_imms(self, ins: Instr) -> None:
        op = ins.op
        for kind, value in zip(op.imms, ins.imms, strict=False):
            if kind is Imm.LANE:
                self.lane(value, op.lane_count)
            elif kind is Imm.SHUFFLE and isinstance(value, bytes | bytearray):
                bad = [b for b in value if b >= 32]
                if bad:
                    self.report(
                        "invalid-lane",
                        f"invalid lane index {bad[0]} in `i8x16.shuffle`: lane indices must be below 32",
                    )
            elif kind is Imm.DATA:
                self.data(value)
            elif kind is Imm.ELEM:
                self.elem(value)

    def lane(self, value: object, count: int) -> None:
        if isinstance(value, int) and count and not 0 <= value < count:
            self.report(
                "invalid-lane",
                f"invalid lane index {value} for `{self.ins.op.name}`: "  # type: ignore[union-attr]
                f"it has {count} lanes (0 to {count - 1})",
            )

    def _non_const(self, ins: Instr) -> None:
        self.report(
            "invalid-constant",
            f"`{ins.op.name}` is not allowed in a constant expression "
            "(only `*.const`, `ref.null`, `ref.func`, `global.get`, `ref.i31`, "
            "`struct.new*`, `array.new`, `array.new_default`, `array.new_fixed`, the "
            "extern/any conversions and integer `add`/`sub`/`mul` are)",
        )

    # ====================================================================================
    # Typing rules, one per `OpInfo.typing` family. `t_x__y` handles family `x.y`.
    # ====================================================================================

    # --- control ------------------------------------------------------------------------

    def block_type(self, bt: object) -> tuple[Sequence[ValType], Sequence[ValType]]:
        if not isinstance(bt, BlockType):
            return (), ()
        if (
            bt.type_idx is not None
            and bt.type_idx != UNRESOLVED
            and self.type_index(bt.type_idx)
            and self.types.func(bt.type_idx) is None
        ):
            self.report(
                "type-mismatch",
                f"a block type must be a function type, but "
                f"{self.types.type_name(bt.type_idx)} is a "
                f"{self.types.kind[bt.type_idx]} type",
            )
        if bt.params or bt.results:
            for t in (*bt.params, *bt.results):
                self.check_val(t)
        return bt.params, bt.results

    def t_block(self, ins: Instr) -> None:
        params, results = self.block_type(ins.imms[0] if ins.imms else None)
        if params:
            self.pop_vals(params)
        self.push_frame(ins.op.name, params, results)

    def t_if(self, ins: Instr) -> None:
        params, results = self.block_type(ins.imms[0] if ins.imms else None)
        self.pop_vals((*params, "i32"))
        self.push_frame("if", params, results)

    def t_try(self, ins: Instr) -> None:
        params, results = self.block_type(ins.imms[0] if ins.imms else None)
        if params:
            self.pop_vals(params)
        self.push_frame("try", params, results)

    def t_try_table(self, ins: Instr) -> None:
        params, results = self.block_type(ins.imms[0] if ins.imms else None)
        if params:
            self.pop_vals(params)
        catches = ins.imms[1] if len(ins.imms) > 1 else ()
        for c in catches if isinstance(catches, tuple) else ():
            if isinstance(c, Catch):
                self.catch_clause(c)
        self.push_frame("try_table", params, results)

    def catch_clause(self, c: Catch) -> None:
        sent: list[ValType] = []
        if c.kind in ("catch", "catch_ref"):
            if c.tag is None or c.tag == UNRESOLVED:
                return
            sig = self.exception_tag(c.tag)
            if sig is None:
                return
            sent = list(sig.params)
        if c.kind in ("catch_ref", "catch_all_ref"):
            sent.append(EXN_REF)
        frame = self.label(c.label)
        if frame is None:
            return
        labels = frame.labels
        if not self.types.is_sub_all(sent, labels):
            tag = f" {self.ctx.space_name('tag', c.tag)}" if c.tag is not None else ""
            self.report(
                "type-mismatch",
                f"`({c.kind}{tag} {c.label})` passes {self.show_list(sent)} to "
                f"the label of {self.describe(frame)}, which expects {self.show_list(labels)}",
            )

    def t_else(self, ins: Instr) -> None:
        frame = self.frames[-1]
        if frame.kind != "if" or len(self.frames) == 1:
            self.report("malformed", "`else` without a matching `if`")
            return
        self.check_frame_end(frame, ins.span)
        self.reset_inits(frame, self.i)
        frame.kind = "else"
        frame.unreachable = False
        frame.init_height = self.inits.height
        self.stack.extend(frame.params)

    def t_catch(self, ins: Instr) -> None:
        frame = self.frames[-1]
        name = ins.op.name
        if frame.kind not in ("try", "catch") or len(self.frames) == 1:
            self.report(
                "malformed",
                f"`{name}` without a matching `try`"
                if frame.kind != "catch_all"
                else f"`{name}` after `catch_all`",
            )
            if frame.kind != "catch_all":
                return
        self.check_frame_end(frame, ins.span)
        self.reset_inits(frame, self.i)
        frame.kind = name
        frame.unreachable = False
        frame.init_height = self.inits.height
        if name == "catch":
            tag = ins.imms[0] if ins.imms else UNRESOLVED
            sig = self.exception_tag(tag) if tag != UNRESOLVED else None
            if sig is not None:
                self.stack.extend(sig.params)
            else:
                frame.unreachable = True  # unknown tag: the caught values are unknown

    t_catch_all = t_catch

    def t_end(self, ins: Instr) -> None:
        if len(self.frames) == 1:
            return  # an `end` without a block (the reader never produces one)
        frame = self.frames[-1]
        stack = self.stack
        h = frame.height
        if len(stack) - h == 0 and not frame.results:  # what `check_frame_end` accepts first
            pass
        else:
            self.check_frame_end(frame, ins.span)
        if frame.kind == "if" and not self.types.is_sub_all(frame.params, frame.results):
            start = self.body[frame.start]
            self.type_error(
                f"`if` without `else` must produce its parameters unchanged "
                f"({self.show_list(frame.params)} -> {self.show_list(frame.results)}): "
                "add an `else` arm",
                start.span,
            )
        self.pop_frame(self.i)
        self.stack.extend(frame.results)

    def t_delegate(self, ins: Instr) -> None:
        if len(self.frames) == 1:
            return
        frame = self.frames[-1]
        if frame.kind != "try":
            self.report("malformed", "`delegate` must close a `try` without `catch` clauses")
        self.check_frame_end(frame, ins.span)
        self.pop_frame(self.i)
        if ins.imms:
            self.label(ins.imms[0])
        self.stack.extend(frame.results)

    def branch_to(self, ins: Instr, frame: Frame) -> str:
        return f"`{ins.op.name}` to the label of {self.describe(frame)}"

    def t_br(self, ins: Instr) -> None:
        frame = self.label(ins.imms[0] if ins.imms else None)
        if frame is not None:
            self.pop_vals(frame.labels, self.branch_to(ins, frame) if frame.labels else None)

    def t_br_if(self, ins: Instr) -> None:
        frame = self.label(ins.imms[0] if ins.imms else None)
        if frame is None:
            self.pop1("i32")
            self.polymorphic()
            return
        self.pop_vals((*frame.labels, "i32"), self.branch_to(ins, frame) if frame.labels else None)
        self.stack.extend(frame.labels)

    def t_br_table(self, ins: Instr) -> None:
        labels = ins.imms[0] if ins.imms else ()
        self.pop1("i32")
        if not labels:
            return
        if not isinstance(labels, tuple):
            return
        seen: dict[object, Frame | None] = {}
        for depth in labels:
            if depth not in seen:
                seen[depth] = self.label(depth)
        frames = [seen[depth] for depth in labels]
        default = frames[-1]
        if default is None or any(f is None for f in frames):
            return
        arity = len(default.labels)
        for f in frames[:-1]:
            assert f is not None
            if len(f.labels) != arity:
                self.type_error(
                    f"`br_table` targets must all take the same number of values: "
                    f"the default label ({self.describe(default)}) takes "
                    f"{self.show_list(default.labels)}, {self.describe(f)} takes "
                    f"{self.show_list(f.labels)}"
                )
                return
            found = self.pop_vals(f.labels)
            self.stack.extend(found)
        self.pop_vals(default.labels)

    def t_br_on_null(self, ins: Instr) -> None:
        frame = self.label(ins.imms[0] if ins.imms else None)
        labels = frame.labels if frame is not None else ()
        found = self.pop_vals((*labels, ANY_REF))
        ref = found[-1]
        self.stack.extend(labels)
        self.push(_non_null(ref))

    def t_br_on_non_null(self, ins: Instr) -> None:
        frame = self.label(ins.imms[0] if ins.imms else None)
        if frame is None:
            self.pop1(ANY_REF)
            self.polymorphic()
            return
        labels = frame.labels
        last = labels[-1] if labels else None
        if not isinstance(last, RefType):
            self.type_error(
                f"`br_on_non_null` needs a label whose last type is a reference, but "
                f"{self.describe(frame)} takes {self.show_list(labels)}"
            )
            self.pop1(ANY_REF)
            self.stack.extend(labels[:-1] if labels else ())
            return
        self.pop_vals((*labels[:-1], RefType(True, last.heap, last.exact)))
        self.stack.extend(labels[:-1])

    def t_br_on_cast(self, ins: Instr) -> None:
        self._br_on_cast(ins, ins.op.name == "br_on_cast_fail", False)

    def t_br_on_cast_desc_eq(self, ins: Instr) -> None:
        self._br_on_cast(ins, ins.op.name == "br_on_cast_desc_eq_fail", True)

    def _br_on_cast(self, ins: Instr, fail: bool, desc: bool) -> None:
        """`br_on_cast(_fail)`, and with `desc` the custom-descriptors variants, which also
        pop a descriptor (on top) that the cast compares with the value's descriptor."""
        depth = ins.imms[0] if ins.imms else None
        rt1 = ins.imms[1] if len(ins.imms) > 1 else None
        rt2 = ins.imms[2] if len(ins.imms) > 2 else None
        if not isinstance(rt1, RefType) or not isinstance(rt2, RefType):
            self.polymorphic()
            return
        if not (self.check_val(rt1) and self.check_val(rt2)):
            self.polymorphic()
            return
        self._not_to_cont(rt2)
        if desc:
            self.pop1(self._cast_descriptor(rt2))
        verdict = br_on_cast_types(self.types, ins.op.name, rt1, rt2, descriptor=desc)
        across = verdict.relaxed is not None  # then reported once, not at the label too
        if verdict.relaxed is not None:
            self.report("type-mismatch", verdict.relaxed)
        elif verdict.core is not None:
            self.note_core_only(verdict.rule, verdict.core)
        frame = self.label(depth)
        if frame is None:
            self.pop1(rt1)
            self.polymorphic()
            return
        labels = frame.labels
        diff = RefType(rt1.nullable and not rt2.nullable, rt1.heap, rt1.exact)
        branch, fallthrough = (diff, rt2) if fail else (rt2, diff)
        last = labels[-1] if labels else None
        if last is None:
            self.type_error(
                f"`{ins.op.name}` needs a label that takes a reference, but {self.describe(frame)} takes []"
            )
        elif not across and not self.types.is_sub(branch, last):
            self.type_error(
                f"`{ins.op.name}` branches with {self.show(branch)}, but the label of "
                f"{self.describe(frame)} expects {self.show(last)}"
            )
        rest = labels[:-1] if labels else ()
        self.pop_vals((*rest, rt1))
        self.stack.extend(rest)
        self.push(None if across else fallthrough)  # across hierarchies: reported once

    def t_return(self, ins: Instr) -> None:
        self.pop_vals(self.results)

    def t_rethrow(self, ins: Instr) -> None:
        frame = self.label(ins.imms[0] if ins.imms else None)
        if frame is not None and frame.kind not in ("catch", "catch_all"):
            self.report(
                "invalid-label",
                f"`rethrow` must target a `catch` or `catch_all` clause, but "
                f"label {ins.imms[0]} is {self.describe(frame)}",
            )

    def t_throw(self, ins: Instr) -> None:
        tag = ins.imms[0] if ins.imms else None
        if not isinstance(tag, int) or tag == UNRESOLVED:
            return
        sig = self.exception_tag(tag)
        if sig is not None:
            self.pop_vals(sig.params)

    # --- calls --------------------------------------------------------------------------

    def call_sig(self, ins: Instr) -> FuncType | None:
        f = self.idx("func", ins.imms[0] if ins.imms else None, len(self.ctx.func_sigs))
        return self.ctx.func_sigs[f] if f is not None else None

    def t_call(self, ins: Instr) -> None:
        sig = self.call_sig(ins)
        if sig is None:
            self.polymorphic()
            return
        self.pop_vals(sig.params)
        self.stack.extend(sig.results)

    def tail_results(self, ins: Instr, sig: FuncType) -> None:
        if not self.types.is_sub_all(sig.results, self.results):
            self.report(
                "type-mismatch",
                f"`{ins.op.name}` returns the callee's results "
                f"{self.show_list(sig.results)}, which do not match the function's results "
                f"{self.show_list(self.results)}",
            )

    def t_return_call(self, ins: Instr) -> None:
        sig = self.call_sig(ins)
        if sig is None:
            return
        self.tail_results(ins, sig)
        self.pop_vals(sig.params)

    def indirect_sig(self, ins: Instr) -> tuple[FuncType | None, str | None]:
        table = ins.imms[0] if ins.imms else None
        bt = ins.imms[1] if len(ins.imms) > 1 else None
        addr: str | None = None
        t = self.table(table)
        if t is not None:
            addr = t[0]
            if not self.types.is_sub(t[1], RefType(True, "func")):
                self.report(
                    "type-mismatch",
                    f"`{ins.op.name}` needs a table of functions, but table "
                    f"{self.ctx.space_name('table', table)} holds {self.show(t[1])}",  # type: ignore[arg-type]
                )
        if not isinstance(bt, BlockType):
            return None, addr
        if bt.type_idx is not None and bt.type_idx != UNRESOLVED:
            if not self.type_index(bt.type_idx):
                return None, addr
            if self.types.func(bt.type_idx) is None:
                self.report(
                    "type-mismatch",
                    f"`{ins.op.name}` needs a function type, but "
                    f"{self.types.type_name(bt.type_idx)} is a {self.types.kind[bt.type_idx]} type",
                )
                return None, addr
        elif bt.type_idx == UNRESOLVED:
            return None, addr
        for v in (*bt.params, *bt.results):
            self.check_val(v)
        return FuncType(bt.params, bt.results), addr

    def t_call_indirect(self, ins: Instr) -> None:
        sig, addr = self.indirect_sig(ins)
        if sig is None:
            self.polymorphic()
            return
        self.pop_vals((*sig.params, addr))
        self.stack.extend(sig.results)

    def t_return_call_indirect(self, ins: Instr) -> None:
        sig, addr = self.indirect_sig(ins)
        if sig is None:
            return
        self.tail_results(ins, sig)
        self.pop_vals((*sig.params, addr))

    def ref_sig(self, ins: Instr) -> tuple[FuncType | None, int]:
        t = ins.imms[0] if ins.imms else None
        ft = self._expect_kind(t, "func")
        return ft, t if isinstance(t, int) else UNRESOLVED

    def t_call_ref(self, ins: Instr) -> None:
        sig, t = self.ref_sig(ins)
        if sig is None:
            self.polymorphic()
            return
        self.pop_vals((*sig.params, RefType(True, t)))
        self.stack.extend(sig.results)

    def t_return_call_ref(self, ins: Instr) -> None:
        sig, t = self.ref_sig(ins)
        if sig is None:
            return
        self.tail_results(ins, sig)
        self.pop_vals((*sig.params, RefType(True, t)))

    # --- parametric ---------------------------------------------------------------------

    def t_drop(self, ins: Instr) -> None:
        self.pop1(None)

    def t_select(self, ins: Instr) -> None:
        types = ins.imms[0] if ins.imms else None
        if types is not None:
            if len(types) != 1:  # type: ignore[arg-type]
                self.report("type-mismatch", f"`select` takes exactly one result type, found {len(types)}")  # type: ignore[arg-type]
                self.pop1("i32")
                self.polymorphic()
                return
            t = types[0]  # type: ignore[index]
            self.check_val(t)
            self.pop_vals((t, t, "i32"))
            self.push(t)
            return
        found = self.pop_vals((None, None, "i32"))
        a, b = found[0], found[1]
        for x in (a, b):
            if isinstance(x, RefType):
                self.type_error(
                    f"`select` without a type works on numbers and vectors only, found "
                    f"{self.show(x)}: write `select (result {self.show(x)})`"
                )
                self.push(x)
                return
        if a is not None and b is not None and a != b:
            self.type_error(
                f"`select` operands must have the same type, found {self.show(a)} and {self.show(b)}"
            )
        self.push(a if a is not None else b)

    # --- variables ----------------------------------------------------------------------

    def local_index(self, ins: Instr) -> int | None:
        x = ins.imms[0] if ins.imms else None
        if not isinstance(x, int) or x == UNRESOLVED:
            return None
        n = len(self.local_types)
        if 0 <= x < n:
            return x
        self.report(
            "unknown-index",
            f"unknown local {x}: the function has {n} local{'s' if n != 1 else ''} (parameters included)",
        )
        return None

    def t_local__get(self, ins: Instr) -> None:
        x = ins.imms[0]
        types = self.local_types
        if type(x) is not int or not 0 <= x < len(types):
            x = self.local_index(ins)
            if x is None:
                self.stack.append(None)
                return
        inits = self.inits
        if x >= inits.first_nd and not inits.flags[x]:
            self.uninitialized(ins, x)
        self.stack.append(types[x])

    def _record_store(self) -> None:
        assert self.stored is not None
        stack = self.stack
        self.stored[self.i] = stack[-1] if len(stack) > self.frames[-1].height else None

    def t_local__set(self, ins: Instr) -> None:
        if self.stored is not None:
            self._record_store()
        x = self.local_index(ins)
        if x is None:
            self.pop1(None)
            return
        self.pop1(self.local_types[x])
        self.inits.set(x, self.i)

    def t_local__tee(self, ins: Instr) -> None:
        if self.stored is not None:
            self._record_store()
        x = self.local_index(ins)
        if x is None:
            self.pop1(None)
            self.push(None)
            return
        t = self.local_types[x]
        self.pop1(t)
        self.inits.set(x, self.i)
        self.push(t)

    def uninitialized(self, ins: Instr, x: int) -> None:
        decl = self.local_decls[x]
        name = f"`${decl.name}`" if decl.name else f"{x}"
        ty = self.show(decl.type)
        related = [Related(decl.span, f"local {name} is declared here with the non-defaultable type `{ty}`")]
        lost = self.inits.lost.get(x)
        if lost is not None:
            set_i, start_i, kind, end_i, other_set = lost
            s = self.body[set_i]
            start = self.body[start_i] if start_i >= 0 else None
            label = f" ${start.label}" if start is not None and start.label else ""
            if other_set >= 0:
                o = self.body[other_set]
                msg = (
                    f"local {name} of type `{ty}` is read before it is set: it is set in both arms "
                    f"of `if{label}`, but a set counts only until the end of its arm, which comes "
                    "before this read (the spec does not merge the arms of an `if`)"
                )
                related.append(Related(o.span, f"`{o.op.name}` of {name} in the `then` arm"))
                related.append(Related(s.span, f"`{s.op.name}` of {name} in the `else` arm"))
                where = f"`if{label}`"
            else:
                where = self._where(start_i, kind)
                msg = (
                    f"local {name} of type `{ty}` is read before it is set: the `{s.op.name}` of it "
                    f"inside {where} counts only until the end of that block, which comes before "
                    "this read"
                )
                if kind == "block" and not label:
                    msg += (
                        " (unnamed blocks count too: Binaryen drops them and accepts this, "
                        "the spec and engines do not)"
                    )
                related.append(Related(s.span, f"`{s.op.name}` of {name}, inside {where}"))
            if 0 <= end_i < len(self.body):
                related.append(Related(self.body[end_i].span, f"{where} ends here"))
        else:
            msg = f"local {name} of type `{ty}` is read before it is set"
            if self.frames[-1].unreachable:
                msg += " (unreachable code is validated too)"
        self.diags.append(
            make(
                "uninitialized-local",
                msg,
                ins.span,
                related=tuple(related),
                data={"func": self.func.index if self.func else -1, "local": x},
            )
        )

    def _where(self, start_i: int, kind: str) -> str:
        if start_i < 0:
            return "the function body"
        ins = self.body[start_i]
        label = f" ${ins.label}" if ins.label else ""
        if kind == "if":
            return f"the `then` arm of `if{label}`"
        if kind == "else":
            return f"the `else` arm of `if{label}`"
        if kind in ("catch", "catch_all"):
            return f"a `{kind}` clause of `try{label}`"
        if kind == "try":
            return f"the body of `try{label}`"
        return f"`{ins.op.name}{label}`"

    def t_global__get(self, ins: Instr) -> None:
        x = ins.imms[0] if ins.imms else None
        count = len(self.ctx.globals)
        if self.const_mode and isinstance(x, int) and self.const_globals <= x < count:
            self.report(
                "unknown-index",
                f"global {self.ctx.space_name('global', x)} is not visible "
                "here: a global's initializer can read only imported and earlier globals",
            )
            self.push(self.ctx.globals[x][0])
            return
        if not self.index_ok("global", x, count):
            self.push(None)
            return
        assert isinstance(x, int)
        t, mutable = self.ctx.globals[x]
        if self.const_mode and mutable:
            self.report(
                "invalid-constant",
                f"a constant expression cannot read the mutable global {self.ctx.space_name('global', x)}",
            )
        self.push(t)

    def t_global__set(self, ins: Instr) -> None:
        x = ins.imms[0] if ins.imms else None
        if not self.index_ok("global", x, len(self.ctx.globals)):
            self.pop1(None)
            return
        assert isinstance(x, int)
        t, mutable = self.ctx.globals[x]
        if not mutable:
            self.report(
                "immutable-global",
                f"global {self.ctx.space_name('global', x)} is immutable: "
                "declare it `(mut ...)` to use `global.set` on it",
            )
        self.pop1(t)

    # --- memory -------------------------------------------------------------------------

    def _subst(self, types: Sequence[ValType], addr: str | None, elem: Val = None) -> list[Val]:
        out: list[Val] = []
        for t in types:
            if t == "addr":
                out.append(addr)
            elif t == "elem":
                out.append(elem)
            else:
                out.append(t)
        return out

    def memarg(self, ins: Instr) -> str | None:
        op = ins.op
        mem = ins.imms[0] if ins.imms else None
        ma = ins.imms[1] if len(ins.imms) > 1 else None
        addr = self.memory(mem)
        if isinstance(ma, MemArg):
            natural = op.natural_align
            if _sig(op).atomic:
                if ma.align != natural:
                    self.report(
                        "invalid-alignment",
                        f"`{op.name}` must be naturally aligned: align={ma.align} is not {natural}",
                    )
            elif natural and ma.align > natural:
                self.report(
                    "invalid-alignment",
                    f"alignment must not be larger than natural: "
                    f"`{op.name}` accesses {natural} byte{'s' if natural > 1 else ''}, "
                    f"align={ma.align}",
                )
            if addr == "i32" and ma.offset >= 1 << 32:
                self.report(
                    "invalid-offset",
                    f"offset={ma.offset} is out of range for a 32-bit memory (at most 4294967295)",
                )
        if Imm.LANE in op.imms and len(ins.imms) > 2:
            self.lane(ins.imms[2], op.lane_count)
        return addr

    def _mem_family(self, ins: Instr) -> None:
        addr = self.memarg(ins)
        s = _sig(ins.op)
        self.pop_vals(self._subst(s.params, addr))
        self.stack.extend(self._subst(s.results, addr))

    t_load = _mem_family
    t_store = _mem_family
    t_atomic = _mem_family

    def t_memory(self, ins: Instr) -> None:
        addr = self.memory(ins.imms[0] if ins.imms else None)
        if ins.op.name == "memory.init" and len(ins.imms) > 1:
            self.data(ins.imms[1])
        s = _sig(ins.op)
        self.pop_vals(self._subst(s.params, addr))
        self.stack.extend(self._subst(s.results, addr))

    def t_memory__copy(self, ins: Instr) -> None:
        dst = self.memory(ins.imms[0] if ins.imms else None)
        src = self.memory(ins.imms[1] if len(ins.imms) > 1 else None)
        n = "i32" if "i32" in (dst, src) else (dst if dst == src else None)
        self.pop_vals((dst, src, n))

    # --- tables -------------------------------------------------------------------------

    def t_table(self, ins: Instr) -> None:
        t = self.table(ins.imms[0] if ins.imms else None)
        addr, elem = (t[0], t[1]) if t is not None else (None, None)
        if ins.op.name == "table.init" and len(ins.imms) > 1:
            seg = self.elem(ins.imms[1])
            if seg is not None and elem is not None and not self.types.is_sub(seg, elem):
                self.report(
                    "type-mismatch",
                    f"`table.init` copies {self.show(seg)} elements into a table of {self.show(elem)}",
                )
        s = _sig(ins.op)
        self.pop_vals(self._subst(s.params, addr, elem))
        self.stack.extend(self._subst(s.results, addr, elem))

    def t_table__copy(self, ins: Instr) -> None:
        dst = self.table(ins.imms[0] if ins.imms else None)
        src = self.table(ins.imms[1] if len(ins.imms) > 1 else None)
        if dst is not None and src is not None and not self.types.is_sub(src[1], dst[1]):
            self.report(
                "type-mismatch",
                f"`table.copy` copies {self.show(src[1])} elements into a table of {self.show(dst[1])}",
            )
        da = dst[0] if dst is not None else None
        sa = src[0] if src is not None else None
        n = "i32" if "i32" in (da, sa) else (da if da == sa else None)
        self.pop_vals((da, sa, n))

    # --- references ---------------------------------------------------------------------

    def t_ref__null(self, ins: Instr) -> None:
        heap = ins.imms[0] if ins.imms else None
        if isinstance(heap, RefType):  # `ref.null (exact $t)`: (ref null (exact $t))
            ok = heap.heap != UNRESOLVED and self.type_index(heap.heap)
            self.push(heap if ok else UNKNOWN_REF)
            return
        if isinstance(heap, int) and (heap == UNRESOLVED or not self.type_index(heap)):
            self.push(UNKNOWN_REF)
            return
        if heap is None:
            self.push(UNKNOWN_REF)
            return
        self.push(RefType(True, heap))  # type: ignore[arg-type]

    def t_ref__func(self, ins: Instr) -> None:
        f = ins.imms[0] if ins.imms else None
        if not self.index_ok("func", f, len(self.ctx.func_sigs)):
            self.push(UNKNOWN_REF)
            return
        assert isinstance(f, int)
        if not self.const_mode and f not in self.ctx.declared_refs:
            self.report(
                "undeclared-ref",
                f"undeclared function reference: {self.ctx.func_name(f)} must "
                "appear in an element segment, export or global initializer to be used with "
                f"`ref.func` in a function body; add `(elem declare func {self.ctx.func_name(f)})`",
            )
        # Custom descriptors: a function's own reference is exact, unless it is an import
        # declared inexactly (whatever is linked there may have a subtype of its type).
        func = self.ctx.module.funcs[f]
        self.push(RefType(False, func.type_idx, func.import_ is None or func.exact_import))

    def t_ref__is_null(self, ins: Instr) -> None:
        self.pop1(ANY_REF)
        self.push("i32")

    def t_ref__as_non_null(self, ins: Instr) -> None:
        self.push(_non_null(self.pop1(ANY_REF)))

    def _cast_target(self, ins: Instr) -> RefType | None:
        rt = ins.imms[0] if ins.imms else None
        if not isinstance(rt, RefType) or not self.check_val(rt) or rt.heap == UNRESOLVED:
            return None
        self._not_to_cont(rt)
        return rt

    def _not_to_cont(self, rt: RefType) -> None:
        """Stack switching: continuations carry no run-time type to test (wasmparser's rule)."""
        if self.types.top(rt.heap) == "cont":
            self.report(
                "type-mismatch",
                f"invalid cast: `{self.ins.op.name if self.ins else ''}` casts to {self.show(rt)}, "
                "but a continuation type cannot be cast to",
            )

    def t_ref__test(self, ins: Instr) -> None:
        rt = self._cast_target(ins)
        top = self.types.top(rt.heap) if rt is not None else None
        self.pop1(RefType(True, top) if top is not None else ANY_REF)
        self.push("i32")

    def t_ref__cast(self, ins: Instr) -> None:
        rt = self._cast_target(ins)
        top = self.types.top(rt.heap) if rt is not None else None
        self.pop1(RefType(True, top) if top is not None else ANY_REF)
        self.push(rt if rt is not None else UNKNOWN_REF)

    def _cast_descriptor(self, rt: RefType | None) -> Val:
        """The descriptor operand of a `*_desc_eq` cast to `rt`: `(ref null y)` for the
        descriptor `y` of `rt`'s type, exact when `rt` is (None when unknown; reported when
        `rt`'s heap type has no descriptor)."""
        if rt is None or rt.heap == UNRESOLVED or rt.heap == BOT_HEAP:
            return None
        if not isinstance(rt.heap, int) or self.types.module.types[rt.heap].descriptor is None:
            self.report(
                "type-mismatch",
                f"`{self.ins.op.name if self.ins else ''}` casts to "
                f"{self.show(rt)}, but type {self.types.heap_str(rt.heap)} has no descriptor: "
                "only a type declared with `(descriptor ...)` can be cast by descriptor",
            )
            return None
        y = self.types.descriptor(rt.heap)
        return RefType(True, y, rt.exact) if y is not None else None

    def t_ref__cast_desc_eq(self, ins: Instr) -> None:
        rt = self._cast_target(ins)
        self.pop1(self._cast_descriptor(rt))
        top = self.types.top(rt.heap) if rt is not None else None
        self.pop1(RefType(True, top) if top is not None else ANY_REF)
        self.push(rt if rt is not None else UNKNOWN_REF)

    def t_ref__get_desc(self, ins: Instr) -> None:
        t = ins.imms[0] if ins.imms else None
        if not self.type_index(t):
            self.pop1(ANY_REF)
            self.push(UNKNOWN_REF)
            return
        assert isinstance(t, int)
        if self.types.module.types[t].descriptor is None:
            self.report(
                "type-mismatch",
                f"`ref.get_desc` needs a type with a descriptor, but "
                f"{self.types.type_name(t)} has no `(descriptor ...)` clause",
            )
        a = self.pop1(RefType(True, t))
        y = self.types.descriptor(t)
        if y is None:
            self.push(UNKNOWN_REF)
            return
        # The descriptor's type is known exactly only when the object's type is exactly `t`.
        self.push(RefType(False, y, a is None or self.types.is_sub(a, RefType(True, t, True))))

    def t_ref__convert(self, ins: Instr) -> None:
        to_any = ins.op.name == "any.convert_extern"
        src, dst = ("extern", "any") if to_any else ("any", "extern")
        a = self.pop1(RefType(True, src))
        if isinstance(a, RefType) and a.heap != BOT_HEAP:
            self.push(RefType(a.nullable, dst))
        else:
            self.push(RefType(False, dst))

    # --- aggregates ---------------------------------------------------------------------

    def _struct(self, ins: Instr) -> tuple[Any, int]:
        t = ins.imms[0] if ins.imms else None
        st = self._expect_kind(t, "struct")
        return st, t if isinstance(t, int) else UNRESOLVED

    def _array(self, ins: Instr, pos: int = 0) -> tuple[Any, int]:
        t = ins.imms[pos] if len(ins.imms) > pos else None
        at = self._expect_kind(t, "array")
        return at, t if isinstance(t, int) else UNRESOLVED

    def _field(self, ins: Instr, st: Any, t: int) -> Any:
        x = ins.imms[1] if len(ins.imms) > 1 else None
        if not isinstance(x, int) or x == UNRESOLVED:
            return None
        n = len(st.fields)
        if 0 <= x < n:
            return st.fields[x]
        self.report(
            "unknown-index",
            f"unknown field {x}: struct {self.types.type_name(t)} has {n} field{'s' if n != 1 else ''}",
        )
        return None

    def t_struct__new(self, ins: Instr) -> None:
        st, t = self._struct(ins)
        if st is None:
            self.polymorphic()
            return
        self._allocation_kind(ins, t, False)
        self.pop_vals([unpack(f.storage) for f in st.fields])
        self.push(_allocated(t))

    def t_struct__new_default(self, ins: Instr) -> None:
        st, t = self._struct(ins)
        if st is None:
            self.push(UNKNOWN_REF)
            return
        self._allocation_kind(ins, t, False)
        self._defaultable_fields(ins, st, t)
        self.push(_allocated(t))

    def t_struct__new_desc(self, ins: Instr) -> None:
        """`struct.new_desc` and `struct.new_default_desc` (custom descriptors): the fields
        (or none) and then an exact reference to the type's descriptor, possibly null."""
        st, t = self._struct(ins)
        if st is None:
            self.polymorphic()
            return
        self._allocation_kind(ins, t, True)
        y = self.types.descriptor(t)
        desc = RefType(True, y, True) if y is not None else None
        if ins.op.name == "struct.new_default_desc":
            self._defaultable_fields(ins, st, t)
            self.pop1(desc)
        else:
            self.pop_vals([*(unpack(f.storage) for f in st.fields), desc])
        self.push(_allocated(t))

    def _allocation_kind(self, ins: Instr, t: int, desc: bool) -> None:
        """A type with a descriptor is allocated by `struct.new(_default)_desc` only, a type
        without one by `struct.new(_default)` only."""
        clause = self.types.module.types[t].descriptor
        if desc and clause is None:
            plain = ins.op.name.removesuffix("_desc")
            self.report(
                "type-mismatch",
                f"`{ins.op.name}` allocates a type with a descriptor, but "
                f"{self.types.type_name(t)} has no `(descriptor ...)` clause: use `{plain}`",
            )
        elif not desc and clause is not None:
            self.report(
                "type-mismatch",
                f"{self.types.type_name(t)} has a descriptor, so `{ins.op.name}` "
                f"cannot allocate it: use `{ins.op.name}_desc` with the descriptor as last operand",
            )

    def _defaultable_fields(self, ins: Instr, st: Any, t: int) -> None:
        for k, f in enumerate(st.fields):
            if not defaultable(unpack(f.storage)):
                self.report(
                    "type-mismatch",
                    f"`{ins.op.name}` needs defaultable fields, but field "
                    f"{k} of {self.types.type_name(t)} has type {self.types.show_storage(f.storage)}",
                )
                break

    def t_struct__get(self, ins: Instr) -> None:
        st, t = self._struct(ins)
        if st is None:
            self.pop1(None)
            self.push(None)
            return
        f = self._field(ins, st, t)
        name = ins.op.name
        if f is not None:
            if name == "struct.get" and is_packed(f.storage):
                self.report(
                    "type-mismatch",
                    f"field {ins.imms[1]} of {self.types.type_name(t)} is packed "
                    f"({f.storage}): read it with `struct.get_s` or `struct.get_u`",
                )
            elif name != "struct.get" and not is_packed(f.storage):
                self.report(
                    "type-mismatch",
                    f"`{name}` reads packed fields only, but field "
                    f"{ins.imms[1]} of {self.types.type_name(t)} is "
                    f"{self.types.show_storage(f.storage)}: use `struct.get`",
                )
        self.pop1(RefType(True, t))
        self.push(unpack(f.storage) if f is not None else None)

    def t_struct__set(self, ins: Instr) -> None:
        st, t = self._struct(ins)
        if st is None:
            self.pop_vals((None, None))
            return
        f = self._field(ins, st, t)
        if f is not None and not f.mutable:
            self.report(
                "immutable-field",
                f"field {ins.imms[1]} of {self.types.type_name(t)} is "
                "immutable: declare it `(mut ...)` to use `struct.set`",
            )
        self.pop_vals((RefType(True, t), unpack(f.storage) if f is not None else None))

    def _elem_val(self, at: Any) -> Val:
        return unpack(at.elem.storage) if at is not None else None

    def _mutable_array(self, ins: Instr, at: Any, t: int) -> None:
        if at is not None and not at.elem.mutable:
            self.report(
                "immutable-field",
                f"array {self.types.type_name(t)} is immutable: declare its "
                f"element `(mut ...)` to use `{ins.op.name}`",
            )

    def _array_ref(self, t: int) -> RefType:
        return RefType(True, t) if t != UNRESOLVED else ANY_REF

    def t_array__new(self, ins: Instr) -> None:
        at, t = self._array(ins)
        self.pop_vals((self._elem_val(at), "i32"))
        self.push(_allocated(t) if at is not None else UNKNOWN_REF)

    def t_array__new_default(self, ins: Instr) -> None:
        at, t = self._array(ins)
        if at is not None and not defaultable(self._elem_val(at)):
            self.report(
                "type-mismatch",
                f"`array.new_default` needs a defaultable element type, but "
                f"{self.types.type_name(t)} holds {self.types.show_storage(at.elem.storage)}",
            )
        self.pop1("i32")
        self.push(_allocated(t) if at is not None else UNKNOWN_REF)

    def t_array__new_fixed(self, ins: Instr) -> None:
        at, t = self._array(ins)
        n = ins.imms[1] if len(ins.imms) > 1 and isinstance(ins.imms[1], int) else 0
        if at is None:
            self.polymorphic()
            return
        e = self._elem_val(at)
        frame = self.frames[-1]
        avail = len(self.stack) - frame.height
        if n <= 10000:
            self.pop_vals([e] * n)
        elif n > avail:  # no huge list, and no loop longer than the stack (the count is a u32)
            if not frame.unreachable:
                need = (
                    "reference operands"
                    if self.show(e) == "a reference"
                    else f"operands of type {self.show(e)}"
                )
                self.type_error(f"`{ins.op.name}` expects {n} {need}, found {avail}")
            for _ in range(avail):
                self.pop1(e)
        else:
            for _ in range(n):
                self.pop1(e)
        self.push(_allocated(t))

    def _numeric_elems(self, ins: Instr, at: Any, t: int) -> None:
        if at is not None and isinstance(self._elem_val(at), RefType):
            self.report(
                "type-mismatch",
                f"`{ins.op.name}` needs an array of numbers or vectors, but "
                f"{self.types.type_name(t)} holds {self.types.show_storage(at.elem.storage)}",
            )

    def _ref_elems(self, ins: Instr, at: Any, t: int, seg: RefType | None) -> None:
        if at is None:
            return
        e = self._elem_val(at)
        if not isinstance(e, RefType):
            self.report(
                "type-mismatch",
                f"`{ins.op.name}` needs an array of references, but "
                f"{self.types.type_name(t)} holds {self.types.show_storage(at.elem.storage)}",
            )
        elif seg is not None and not self.types.is_sub(seg, e):
            self.report(
                "type-mismatch",
                f"`{ins.op.name}`: the element segment holds {self.show(seg)}, "
                f"not a subtype of the array's element type {self.show(e)}",
            )

    def t_array__new_data(self, ins: Instr) -> None:
        at, t = self._array(ins)
        self._numeric_elems(ins, at, t)
        if len(ins.imms) > 1:
            self.data(ins.imms[1])
        self.pop_vals(("i32", "i32"))
        self.push(_allocated(t) if at is not None else UNKNOWN_REF)

    def t_array__new_elem(self, ins: Instr) -> None:
        at, t = self._array(ins)
        seg = self.elem(ins.imms[1]) if len(ins.imms) > 1 else None
        self._ref_elems(ins, at, t, seg)
        self.pop_vals(("i32", "i32"))
        self.push(_allocated(t) if at is not None else UNKNOWN_REF)

    def t_array__get(self, ins: Instr) -> None:
        at, t = self._array(ins)
        name = ins.op.name
        if at is not None:
            packed = is_packed(at.elem.storage)
            if name == "array.get" and packed:
                self.report(
                    "type-mismatch",
                    f"array {self.types.type_name(t)} is packed "
                    f"({at.elem.storage}): read it with `array.get_s` or `array.get_u`",
                )
            elif name != "array.get" and not packed:
                self.report(
                    "type-mismatch",
                    f"`{name}` reads packed arrays only, but "
                    f"{self.types.type_name(t)} holds {self.types.show_storage(at.elem.storage)}: "
                    "use `array.get`",
                )
        self.pop_vals((self._array_ref(t), "i32"))
        self.push(self._elem_val(at))

    def t_array__set(self, ins: Instr) -> None:
        at, t = self._array(ins)
        self._mutable_array(ins, at, t)
        self.pop_vals((self._array_ref(t), "i32", self._elem_val(at)))

    def t_array__fill(self, ins: Instr) -> None:
        at, t = self._array(ins)
        self._mutable_array(ins, at, t)
        self.pop_vals((self._array_ref(t), "i32", self._elem_val(at), "i32"))

    def t_array__copy(self, ins: Instr) -> None:
        dst, td = self._array(ins, 0)
        src, ts = self._array(ins, 1)
        self._mutable_array(ins, dst, td)
        if (
            dst is not None
            and src is not None
            and not self.types.storage_sub(src.elem.storage, dst.elem.storage)
        ):
            self.report(
                "type-mismatch",
                f"`array.copy` copies {self.types.show_storage(src.elem.storage)} "
                f"elements into an array of {self.types.show_storage(dst.elem.storage)}",
            )
        self.pop_vals((self._array_ref(td), "i32", self._array_ref(ts), "i32", "i32"))

    def t_array__init_data(self, ins: Instr) -> None:
        at, t = self._array(ins)
        self._mutable_array(ins, at, t)
        self._numeric_elems(ins, at, t)
        if len(ins.imms) > 1:
            self.data(ins.imms[1])
        self.pop_vals((self._array_ref(t), "i32", "i32", "i32"))

    def t_array__init_elem(self, ins: Instr) -> None:
        at, t = self._array(ins)
        self._mutable_array(ins, at, t)
        seg = self.elem(ins.imms[1]) if len(ins.imms) > 1 else None
        self._ref_elems(ins, at, t, seg)
        self.pop_vals((self._array_ref(t), "i32", "i32", "i32"))

    # --- stack switching ----------------------------------------------------------------

    def _cont(self, index: object) -> FuncType | None:
        """The function type of the continuation type at `index`."""
        ct = self._expect_kind(index, "cont")
        if ct is None:
            return None
        return self.types.func(ct.func_type)

    def _cont_of_ref(self, t: Val) -> FuncType | None:
        if isinstance(t, RefType) and self.types.valid_index(t.heap):
            ct = self.types.cont(t.heap)  # type: ignore[arg-type]
            if ct is not None:
                return self.types.func(ct.func_type)
        return None

    def t_cont__new(self, ins: Instr) -> None:
        t = ins.imms[0] if ins.imms else None
        ct = self._expect_kind(t, "cont")
        if ct is None:
            self.pop1(None)
            self.push(UNKNOWN_REF)
            return
        self.pop1(RefType(True, ct.func_type))
        self.push(RefType(False, t))  # type: ignore[arg-type]

    def t_cont__bind(self, ins: Instr) -> None:
        a = ins.imms[0] if ins.imms else None
        b = ins.imms[1] if len(ins.imms) > 1 else None
        fa = self._cont(a)
        fb = self._cont(b)
        if fa is None or fb is None:
            self.polymorphic()
            return
        if len(fa.params) < len(fb.params):
            self.report(
                "type-mismatch",
                "`cont.bind`: the result continuation takes more arguments than the argument continuation",
            )
            self.polymorphic()
            return
        k = len(fa.params) - len(fb.params)
        if not (
            self.types.is_sub_all(fb.params, fa.params[k:]) and self.types.is_sub_all(fa.results, fb.results)
        ):
            self.report("type-mismatch", "`cont.bind`: the continuation types do not match")
        self.pop_vals((*fa.params[:k], RefType(True, a)))  # type: ignore[arg-type]
        self.push(RefType(False, b))  # type: ignore[arg-type]

    def t_suspend(self, ins: Instr) -> None:
        sig = self.tag(ins.imms[0] if ins.imms else None)
        if sig is None:
            self.polymorphic()
            return
        self.pop_vals(sig.params)
        self.stack.extend(sig.results)

    def _handlers(self, ins: Instr, ft: FuncType, clauses: object) -> None:
        for clause in clauses or ():  # type: ignore[attr-defined]
            tag, depth = clause
            sig = self.tag(tag) if tag != UNRESOLVED else None
            if sig is None:
                continue
            if depth is None:  # (on $tag switch)
                if sig.params:
                    self.report("type-mismatch", "`(on ... switch)` needs a tag without parameters")
                elif not self.types.same_all(sig.results, ft.results):
                    self.report(
                        "type-mismatch",
                        f"switch tag does not match continuation: `(on ... switch)` needs a tag whose "
                        f"results {self.show_list(sig.results)} are the continuation's results "
                        f"{self.show_list(ft.results)}",
                    )
                continue
            frame = self.label(depth)
            if frame is None:
                continue
            labels = frame.labels
            last = labels[-1] if labels else None
            nft = self._cont_of_ref(last)
            if nft is None:
                self.report(
                    "type-mismatch",
                    f"a resume handler label must take a continuation "
                    f"reference last, but {self.describe(frame)} takes {self.show_list(labels)}",
                )
                continue
            if not (
                self.types.is_sub_all(sig.results, nft.params)
                and self.types.is_sub_all(ft.results, nft.results)
            ):
                self.report("type-mismatch", "type mismatch in continuation type of a resume handler")
                continue
            if not self.types.is_sub_all(sig.params, labels[:-1]):
                self.report(
                    "type-mismatch",
                    f"a resume handler passes {self.show_list(sig.params)} and a "
                    f"continuation to {self.describe(frame)}, which expects {self.show_list(labels)}",
                )

    def t_resume(self, ins: Instr) -> None:
        ft = self._cont(ins.imms[0] if ins.imms else None)
        self._resume(ins, ft, ft.params if ft is not None else None, 1)

    def t_resume_throw(self, ins: Instr) -> None:
        ft = self._cont(ins.imms[0] if ins.imms else None)
        sig = self.exception_tag(ins.imms[1]) if len(ins.imms) > 1 else None
        self._resume(ins, ft, sig.params if sig is not None else None, 2)

    def t_resume_throw_ref(self, ins: Instr) -> None:
        self._resume(ins, self._cont(ins.imms[0] if ins.imms else None), (EXNREF,), 1)

    def _resume(self, ins: Instr, ft: FuncType | None, operands: Sequence[Val] | None, handlers: int) -> None:
        """The `resume` family: the handlers at immediate `handlers`, then the operands and
        the continuation popped and the continuation's results pushed."""
        if ft is None or operands is None:
            self.polymorphic()
            return
        self._handlers(ins, ft, ins.imms[handlers] if len(ins.imms) > handlers else ())
        self.pop_vals((*operands, RefType(True, ins.imms[0] if ins.imms else None)))  # type: ignore[arg-type]
        self.stack.extend(ft.results)

    def t_switch(self, ins: Instr) -> None:
        t = ins.imms[0] if ins.imms else None
        ft = self._cont(t)
        sig = self.tag(ins.imms[1]) if len(ins.imms) > 1 else None
        if ft is None or sig is None:
            self.polymorphic()
            return
        if sig.params:
            self.report("type-mismatch", "`switch` needs a tag without parameters")
        other = self._cont_of_ref(ft.params[-1]) if ft.params else None
        if other is None:
            self.report(
                "type-mismatch",
                "`switch` needs a continuation type whose last parameter is a continuation reference",
            )
            self.polymorphic()
            return
        if not (
            self.types.is_sub_all(ft.results, sig.results)
            and self.types.is_sub_all(sig.results, other.results)
        ):
            self.report("type-mismatch", "type mismatch in continuation types of `switch`")
        self.pop_vals((*ft.params[:-1], RefType(True, t)))  # type: ignore[arg-type]
        self.stack.extend(other.params)


_HANDLERS: dict[str, Callable[[BodyValidator, Instr], None]] = {}


def _handlers() -> dict[str, Callable[[BodyValidator, Instr], None]]:
    """`OpInfo.typing` family -> rule: method `t_x__y` handles family `x.y`."""
    if not _HANDLERS:
        for name in dir(BodyValidator):
            if name.startswith("t_"):
                _HANDLERS[name[2:].replace("__", ".")] = getattr(BodyValidator, name)
    return _HANDLERS


def _allocated(t: int) -> RefType:
    """What `struct.new*` and `array.new*` produce: with custom descriptors, an exact
    reference (the object's type is exactly `t`), as wasmparser types them."""
    return RefType(False, t, True)


def _non_null(t: Val) -> Val:
    if isinstance(t, RefType):
        return RefType(False, t.heap, t.exact) if t.nullable else t
    return UNKNOWN_REF
