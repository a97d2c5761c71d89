"""Completion: what may be typed at a position, as a pure function of the text, its syntax tree
and (lazily) the module's names.

Half-typed text rarely parses, so the context comes from the text itself, read by the lexer
of `halftyped` (shared with signature help) from the start of the module field around the
cursor into a stack of open forms (`(func`, `(block $l`, plain `block ... end`, `(local.get`
...), with what each form holds so far. That stack says where the cursor is: after `(` at
module-field level, in a function header, at an instruction or at the immediate an
instruction expects (the opcode table's `OpInfo.imms`, matched against the tokens typed so
far), in a value type, a `(ref ...)`, a type use. Locals and labels come from the same text
(they are in scope by what is written there, complete or not); module-level names (functions,
types, globals ...) come from the document's analysis, asked for only when the context needs
them.

The lexer jumps over runs of complete, error-free instructions before the cursor
(`halftyped.skips`): they only add instructions to the form that holds them. So the work is
the header of the function, the children of the forms around the cursor and the last
instruction's tokens, not the function's text (tests check that the answers equal those of
lexing every token). A field that runs on before the cursor is restarted as `halftyped` says.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from tree_sitter import Node, Tree
from wat_lsp.analysis import model
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide import halftyped
from wat_lsp.analysis.literals import parse_id, parse_u64
from wat_lsp.analysis.model import (
    ABS_HEAP_TOP,
    NUM_TYPES,
    PACKED_TYPES,
    REF_SHORTHANDS,
    ArrayType,
    ContType,
    FuncType,
    Module,
    StorageType,
    StructType,
    ValType,
)
from wat_lsp.analysis.opcodes import IMM_SPACE, OPCODES, Flag, Imm, OpInfo
from wat_lsp.analysis.subtyping import TypeTable

# --- results -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    """One completion. `kind` is what it names: 'instruction', 'keyword', 'valtype',
    'heaptype', or an index space item: 'param', 'local', 'label', 'func', 'type', 'field',
    'global', 'table', 'memory', 'tag', 'elem', 'data'."""

    label: str
    kind: str
    detail: str
    snippet: str | None = None  # the text to insert as an LSP snippet, when the client can
    text: str | None = None  # the plain text to insert, when it is not the label


@dataclass(frozen=True, slots=True)
class Completion:
    """Candidates for the word [start, end) around the cursor (byte offsets; the partially
    typed word, which the chosen candidate replaces)."""

    start: int
    end: int
    items: list[Candidate]
    incomplete: bool  # filtered by the typed prefix or truncated: ask again as typing goes on


LIMIT = 1000  # candidates returned at most (a module may have 10,000 functions)
_IDBYTES = halftyped.IDBYTES
_SPACES = re.compile(r"\s+")

# --- keyword tables ------------------------------------------------------------------------

MODULE_FIELDS = halftyped.MODULE_FIELDS
_HEADER = ("export", "import", "type", "param", "result", "local")
_REF_ABBREVS = tuple(REF_SHORTHANDS)
_ABS_HEAP = tuple(ABS_HEAP_TOP)
_SHAPES = frozenset({"i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2"})
# Words that are immediates, never instruction names.
_NOT_OPS = frozenset({*NUM_TYPES, *PACKED_TYPES, *_REF_ABBREVS, *_ABS_HEAP, *_SHAPES, "inf", "null"})
_BLOCKS = frozenset({"block", "loop", "if", "try_table", "try"})
# Forms whose contents are instructions (plain ones after their own immediates).
_BODIES = frozenset({"block", "loop", "then", "else", "try_table", "do", "offset", "item"})
# After `(` inside a form with this keyword (beyond instructions, where those are allowed).
_AFTER_PAREN: dict[str, tuple[str, ...]] = {
    "param": ("ref",), "result": ("ref",), "local": ("ref",), "mut": ("ref",), "field": ("mut", "ref"),
    "array": ("mut", "ref"), "struct": ("field",), "sub": ("func", "struct", "array", "cont"),
    "rec": ("type",), "import": ("func", "table", "memory", "global", "tag"),
    "export": ("func", "table", "memory", "global", "tag"), "ref": ("exact",),
    "table": ("export", "import", "ref", "elem"), "memory": ("export", "import", "data", "pagesize"),
    "tag": ("export", "import", "type", "param"), "elem": ("table", "offset", "item", "ref"),
    "data": ("memory", "offset"),
}  # fmt: skip
# After `(` in a folded block, beyond its block type and (but in `try`) instructions.
_BLOCK_CLAUSES = {"if": ("then", "else"), "try": ("do", "catch", "catch_all", "delegate"),
                  "try_table": ("catch", "catch_ref", "catch_all", "catch_all_ref")}  # fmt: skip
_TYPE_DEF = ("func", "struct", "array", "sub", "cont")
# Immediate forms, by the immediate kind they write.
_IMM_FORMS: dict[Imm, tuple[str, ...]] = {
    Imm.BLOCK_TYPE: ("type", "param", "result"), Imm.TYPE_USE: ("type", "param", "result"),
    Imm.SELECT_TYPES: ("result",), Imm.REF_TYPE: ("ref",),
    Imm.CATCHES: ("catch", "catch_ref", "catch_all", "catch_all_ref"), Imm.ON_CLAUSES: ("on",),
}  # fmt: skip
_REPEATED = frozenset({Imm.LABELS_DEFAULT, Imm.MEMARG, Imm.BLOCK_TYPE, Imm.TYPE_USE, Imm.CATCHES,
                       Imm.ON_CLAUSES, Imm.V128, Imm.SHUFFLE})  # fmt: skip
_OPTIONAL = frozenset({Imm.LABEL_DEF, Imm.LABEL_ID, Imm.BLOCK_TYPE, Imm.TYPE_USE, Imm.SELECT_TYPES,
                       Imm.CATCHES, Imm.ON_CLAUSES, Imm.TABLE_OPT, Imm.MEMORY_OPT, Imm.MEMARG})  # fmt: skip
_INDEX_KINDS = frozenset(IMM_SPACE)
_NUMBER_KINDS = frozenset({Imm.I32, Imm.I64, Imm.F32, Imm.F64, Imm.U32, Imm.LANE, Imm.V128, Imm.SHUFFLE})
# What a completed immediate of each kind names (None: nothing to list): the index spaces,
# and for types the candidates a heap type, a reference type and a type use take.
_IMM_SPACE: dict[Imm, str] = {**IMM_SPACE, Imm.HEAP_TYPE: "heaptype", Imm.REF_TYPE: "reftype",
                              Imm.TYPE_USE: "typeuse"}  # fmt: skip
# Instructions that need an immediate (a snippet leaves the cursor after the name and a space).
_NEEDS_IMM = _INDEX_KINDS - {Imm.TABLE_OPT, Imm.MEMORY_OPT} | _NUMBER_KINDS | {Imm.REF_TYPE}

# --- the stack of open forms ------------------------------------------------------------------


@dataclass(slots=True)
class _Item:
    """A direct child of a form: a word, a string, or a nested form (`text` its keyword)."""

    kind: str  # 'word' | 'string' | 'form'
    text: str
    start: int
    end: int


@dataclass(slots=True)
class _Decl:
    name: str | None
    type: tuple[int, int] | str  # its text's span (made readable when listed), or the text
    is_param: bool


@dataclass(slots=True)
class _Frame:
    keyword: str | None  # None: right after its `(`
    start: int
    paren: bool  # False: a plain `block`/`loop`/`if`/`try_table`/`try` (closed by `end`)
    items: list[_Item] = field(default_factory=list)
    header: bool = True  # a `func`: no instruction seen yet
    decls: list[_Decl] = field(default_factory=list)  # a `func`: its params and locals, in order
    type_use: str | None = None  # a `func`: the `$t` or index of its `(type ...)`


@dataclass(slots=True)
class _Scan:
    stack: list[_Frame]
    inside: bool  # the cursor is in a comment or a string


def _words_of(text: str) -> str:
    return _SPACES.sub(" ", text).replace("( ", "(").replace(" )", ")").strip()


def _is_op_word(word: str) -> bool:
    """A word that starts an instruction (known or half-typed), not an immediate."""
    return (
        word[:1].isalpha()
        and word[:1].islower()
        and word not in _NOT_OPS
        and "=" not in word
        and not word.startswith("nan")
    )


def _is_index(word: str) -> bool:
    return word.startswith("$") or word[:1].isdigit()


def _is_number(word: str) -> bool:
    return word[:1].isdigit() or word[:1] in "+-" or word in ("inf",) or word.startswith("nan")


def _scan(data: bytes, start: int, end: int, stack: list[_Frame], skips: dict[int, int]) -> _Scan:
    """Read the tokens in [start, end) onto `stack` (no recursion: nesting is the stack); a
    run of complete instructions in `skips` (start -> end) becomes one instruction item."""
    for kind, tok_start, pos in halftyped.tokens(data, start, end, skips, stack):
        if kind == "skip":
            top = stack[-1]
            top.items.append(_Item("form", "nop", tok_start, pos))  # "some instructions"
            if top.paren and top.keyword == "func":
                top.header = False
        elif kind == "open":
            stack.append(_Frame(None, tok_start, True))
        elif kind == "close":
            _close(data, stack, pos)
        elif kind == "inside":
            return _Scan(stack, True)
        elif kind == "str":
            if stack:
                stack[-1].items.append(
                    _Item("string", data[tok_start:pos].decode("utf-8", "replace"), tok_start, pos)
                )
        elif kind == "word" and stack:
            _word(stack, _Item("word", data[tok_start:pos].decode("utf-8", "replace"), tok_start, pos))
    return _Scan(stack, False)


_BLOCK_START, _BLOCK_END = Flag.BLOCK_START.value, Flag.BLOCK_END.value


def _word(stack: list[_Frame], item: _Item) -> None:
    top = stack[-1]
    word = item.text
    if top.paren and top.keyword is None:
        top.keyword = word
        if len(stack) > 1 and stack[-2].keyword == "func" and word not in _HEADER:
            stack[-2].header = False
        return
    if top.keyword == "func" and top.paren:
        if word.startswith("$") and not top.items:
            top.items.append(item)  # the function's name
            return
        top.header = False
    op = OPCODES.get(word)
    if op is not None and _body(stack):
        if op.bits & _BLOCK_START:  # (an int test: `enum.Flag`'s `&` is a method call, per word)
            stack.append(_Frame(word, item.start, False))
            return
        if op.bits & _BLOCK_END and not top.paren:
            stack.pop()  # `end`, `delegate`: its label immediate belongs to the enclosing form
            stack[-1].items.append(item)
            return
    top.items.append(item)


def _close(data: bytes, stack: list[_Frame], end: int) -> None:
    while stack and not stack[-1].paren:
        stack.pop()  # plain blocks left open inside a form end with it
    if not stack:
        return
    done = stack.pop()
    if not stack:
        return
    parent = stack[-1]
    parent.items.append(_Item("form", done.keyword or "", done.start, end))
    if not parent.header or parent.keyword != "func" or not parent.paren:
        return
    if done.keyword in ("param", "local"):
        words = done.items
        is_param = done.keyword == "param"
        if words and words[0].kind == "word" and words[0].text.startswith("$"):
            rest = words[1:]
            parent.decls.append(
                _Decl(words[0].text[1:], (rest[0].start, rest[-1].end) if rest else "?", is_param)
            )
        else:
            parent.decls.extend(_Decl(None, (w.start, w.end), is_param) for w in words)
    elif done.keyword == "type":
        first = done.items[0].text if done.items and done.items[0].kind == "word" else None
        parent.type_use = first


def _body(stack: list[_Frame]) -> bool:
    """Whether the innermost form holds plain instructions."""
    top = stack[-1]
    if not top.paren:
        return True
    kw = top.keyword
    if kw == "func":
        return not _in_import(stack)
    if kw in _BODIES:
        return True
    if kw in ("catch", "catch_all"):  # a legacy `try`'s handler (a `try_table`'s is a clause)
        return _parent_kw(stack) == "try"
    if kw == "global":  # its initializer, after its type
        return _parent_kw(stack) in (None, "module") and _global_typed(top)
    return False


def _parent_kw(stack: list[_Frame], depth: int = 2) -> str | None:
    return stack[-depth].keyword if len(stack) >= depth else None


def _in_import(stack: list[_Frame]) -> bool:
    return _parent_kw(stack) == "import"


def _global_typed(frame: _Frame) -> bool:
    for it in frame.items:
        if it.kind == "form" and it.text in ("mut", "ref", "shared"):
            return True
        if it.kind == "word" and (it.text in NUM_TYPES or it.text in REF_SHORTHANDS):
            return True
    return False


# --- where the scan starts ---------------------------------------------------------------------


def _scan_start(data: bytes, tree: Tree, offset: int) -> tuple[int, list[_Frame], Node | None]:
    """`halftyped.scan_start`, with the forms open at the start as frames."""
    start, containers, node, _ = halftyped.scan_start(data, tree, offset)
    stack = [_Frame("module" if kind == "module" else kind, at, True) for kind, at in containers]
    return start, stack, node


_skips = halftyped.skips
_restart = halftyped.restart


# --- the entry point ----------------------------------------------------------------------------


def word_at(data: bytes, offset: int) -> tuple[int, int]:
    """The partially typed word around `offset`: [start, end) over identifier characters."""
    start = offset
    while start > 0 and data[start - 1] in _IDBYTES:
        start -= 1
    end = offset
    n = len(data)
    while end < n and data[end] in _IDBYTES:
        end += 1
    return start, end


def complete(
    data: bytes,
    tree: Tree,
    offset: int,
    analysis: Callable[[], Document | None],
    snippets: bool = True,
    skip: bool = True,
    previous: Callable[[], Document | None] | None = None,
) -> Completion:
    """What may be written at `offset`: candidates for the word around it. `analysis` is
    called only when module-level names are needed; `previous` (when given, also only then)
    is an earlier analysis whose names are listed after the current one's, those it lacks.
    `skip=False` lexes every token (tests check that skipping complete instructions changes
    nothing)."""
    offset = max(0, min(offset, len(data)))
    start, end = word_at(data, offset)
    prefix = data[start:offset].decode("utf-8", "replace")
    scan_start, stack, field_node = _scan_start(data, tree, start)
    skips = _skips(field_node, start) if field_node is not None and skip else {}
    scan = _scan(data, min(scan_start, start), start, stack, skips)
    if scan.inside:
        return Completion(start, end, [], False)
    ctx = _Context(data, scan.stack, start, analysis, snippets, prefix, previous)
    found = ctx.candidates(prefix)
    items = [c for c in found if c.label.startswith(prefix)]
    incomplete = len(items) != len(found) or ctx.cut
    if len(items) > LIMIT:
        items, incomplete = items[:LIMIT], True
    return Completion(start, end, items, incomplete)


# --- candidates -------------------------------------------------------------------------------


class _Context:
    def __init__(
        self,
        data: bytes,
        stack: list[_Frame],
        offset: int,
        analysis: Callable[[], Document | None],
        snippets: bool,
        prefix: str,
        previous: Callable[[], Document | None] | None,
    ) -> None:
        self.data = data
        self.prefix = prefix  # module-level lists are filtered as they are made (thousands of functions)
        self.cut = False  # some were left out
        self.stack = stack
        self.offset = offset
        self._analysis = analysis
        self.snippets = snippets
        self._module: Module | bool | None = False  # False: not asked yet
        self._previous = previous
        self._modules: list[Module] | None = None

    # --- the module's names, lazily ---

    @property
    def module(self) -> Module | None:
        if self._module is False:
            self._module = _module_at(self._analysis(), self.offset)
        return self._module if isinstance(self._module, Module) else None

    @property
    def modules(self) -> list[Module]:
        """Where module-level names come from: the current analysis, then the earlier one the
        caller passed (`previous`: names the current text may have lost while it does not
        parse)."""
        if self._modules is None:
            current = self.module
            earlier = _module_at(self._previous(), self.offset) if self._previous is not None else None
            self._modules = [m for m in (current, earlier) if m is not None]
        return self._modules

    def show(self, t: ValType | StorageType, m: Module | None = None) -> str:
        m = m if m is not None else self.module
        return _type_table(m).show(t) if m is not None else str(t)

    def show_list(self, ts: Iterable[ValType], m: Module | None = None) -> str:
        return "[" + " ".join(self.show(t, m) for t in ts) + "]"

    # --- dispatch ---

    def candidates(self, prefix: str) -> list[Candidate]:
        stack = self.stack
        if not stack:
            return []
        top = stack[-1]
        if any(f.keyword is not None and f.keyword.startswith("@") for f in stack):
            return []  # inside an annotation
        if top.paren and top.keyword is None:
            return self._after_paren(prefix)
        return self._in_form(prefix)

    def _after_paren(self, prefix: str) -> list[Candidate]:
        stack = self.stack
        parent = stack[-2] if len(stack) >= 2 else None
        if parent is None:
            return _keywords(("module", *MODULE_FIELDS))
        kw = parent.keyword or ""
        grand = _parent_kw(stack, 3)
        if kw == "module" and parent.paren:
            return _keywords(MODULE_FIELDS)
        if kw == "func" and parent.paren:
            if grand in ("type", "sub"):
                return _keywords(("param", "result"))
            out = _keywords(self._header_keywords(parent)) if parent.header else []
            if grand == "import":
                return out
            return out + self._instructions(folded=True)
        if kw == "type" and grand in (None, "module", "rec"):
            return _keywords(_TYPE_DEF)
        if kw == "global" and parent.paren and grand in (None, "module"):
            if _global_typed(parent):
                return self._instructions(folded=True)
            return _keywords(("export", "import", "mut", "ref"))
        if kw == "global" and parent.paren and grand == "import":
            return _keywords(("mut", "ref"))
        if kw in _BLOCKS and parent.paren:
            clauses = _BLOCK_CLAUSES.get(kw, ())
            if kw == "try_table" and _has_instr(parent):
                clauses = ()
            out = _keywords(_unique([c.label for c in self._imm_forms(parent)] + list(clauses)))
            return out if kw == "try" else out + self._instructions(folded=True)
        if kw in ("catch", "catch_all") and grand == "try":
            return self._instructions(folded=True)
        if not parent.paren or kw in _BODIES or kw in OPCODES:
            # plain code, a body, or a folded instruction: the immediate forms the last
            # instruction may still take, and folded instructions
            return self._imm_forms(parent) + self._instructions(folded=True)
        if kw in ("elem", "data"):
            return _keywords(_AFTER_PAREN[kw]) + self._instructions(folded=True)
        return _keywords(_AFTER_PAREN.get(kw, ()))

    def _header_keywords(self, func: _Frame) -> tuple[str, ...]:
        seen = [it.text for it in func.items if it.kind == "form"]
        for i, kw in enumerate(_HEADER):
            if kw in seen[-1:]:
                allowed = _HEADER[i:]
                return allowed if kw not in ("type", "import") else _HEADER[i + 1 :]
        return _HEADER

    def _imm_forms(self, frame: _Frame) -> list[Candidate]:
        """Keywords of the immediate forms the last instruction in `frame` may still take."""
        op, args = _last_op(frame)
        if op is None:
            return []
        out: list[str] = []
        for kind in _expected(op, args)[0]:
            out.extend(k for k in _IMM_FORMS.get(kind, ()) if k not in out)
        return _keywords(tuple(out))

    def _in_form(self, prefix: str) -> list[Candidate]:
        stack = self.stack
        top = stack[-1]
        kw = top.keyword or ""
        parent = _parent_kw(stack)
        items = top.items
        words = [it for it in items if it.kind == "word"]
        if top.paren and kw in ("param", "local"):
            return self._valtypes() if _wants_type(items, prefix) else []
        if top.paren and kw == "result":
            return self._valtypes()
        if top.paren and kw == "mut":
            return self._valtypes(storage=parent in ("field", "array")) if not items else []
        if top.paren and kw == "field" and parent == "struct":
            return self._valtypes(storage=True) if _wants_type(items, prefix) else []
        if top.paren and kw == "array" and parent in ("type", "sub"):
            return self._valtypes(storage=True) if not items else []
        if top.paren and kw == "ref":
            if not items:
                return _keywords(("null",)) + self._heaptypes()
            if len(items) == 1 and items[0].text == "null":
                return self._heaptypes()
            return []
        if top.paren and kw == "exact" and parent == "ref":
            return self._types_of(None) if not items else []
        if top.paren and kw == "type":
            if parent in (None, "module", "rec"):
                return []  # a new type's name
            return self._types_of(FuncType) if not items else []
        if top.paren and kw == "sub":
            return _keywords(("final",)) + self._types_of(None)
        if top.paren and kw == "cont" and parent in ("type", "sub"):
            return self._types_of(FuncType) if not items else []
        if top.paren and parent == "export" and kw in ("func", "table", "memory", "global", "tag"):
            return self._space(kw) if not items else []
        if top.paren and kw == "start":
            return self._space("func") if not items else []
        if top.paren and kw == "table" and parent == "elem":
            return self._space("table") if not items else []
        if top.paren and kw == "memory" and parent == "data":
            return self._space("memory") if not items else []
        if top.paren and kw == "elem" and parent == "table":
            return self._space("func")
        if top.paren and kw == "elem" and parent in (None, "module"):
            if any(w.text == "func" for w in words):
                return self._space("func")
            return (
                _keywords(("declare", "func"))
                if not words or (len(words) == 1 and _is_index(words[0].text))
                else []
            )
        if top.paren and kw in ("catch", "catch_ref", "catch_all", "catch_all_ref") and parent != "try":
            wants_tag = "all" not in kw and not items
            return self._space("tag") if wants_tag else (self._labels(skip=2) if len(items) < 2 else [])
        if top.paren and kw == "on":
            if not items:
                return self._space("tag")
            return self._labels(skip=0) + _keywords(("switch",)) if len(items) == 1 else []
        if top.paren and kw == "delegate" and parent == "try":
            return self._labels(skip=2) if not items else []
        if top.paren and kw == "global" and parent in (None, "module", "import"):
            if not _global_typed(top):
                return [*self._valtypes(), _MUT] if _wants_type(items, prefix) else []
            if parent == "import":
                return []
        if top.paren and kw in OPCODES and not OPCODES[kw].flags & Flag.BLOCK_START:
            return self._immediates(top, OPCODES[kw], items, plain=False)
        if _body(stack):
            op, args = _last_op(top)
            if op is None:
                return self._instructions(folded=False)
            return self._immediates(top, op, args, plain=True)
        return []

    # --- instructions and their immediates ---

    def _instructions(self, folded: bool) -> list[Candidate]:
        """Instruction names; in plain code also the `end`/`else`/`catch` the open block takes."""
        top = self.stack[-1]
        block = top.keyword if not top.paren and not folded else None
        return list(_instruction_list(block, self.snippets))

    def _immediates(self, frame: _Frame, op: OpInfo, args: list[_Item], plain: bool) -> list[Candidate]:
        kinds, complete = _expected(op, args)
        out: list[Candidate] = []
        spaces: list[str] = []
        for kind in kinds:
            space = _IMM_SPACE.get(kind)
            if space is None or space in spaces:
                continue
            if kind is Imm.MEMORY_OPT and all(len(m.memories) < 2 for m in self.modules):
                continue
            spaces.append(space)
            out.extend(self._for_space(space, op, args))
        if complete and plain:
            out.extend(self._instructions(folded=False))
        return out

    def _for_space(self, space: str, op: OpInfo, args: list[_Item]) -> list[Candidate]:
        if space == "label":
            return self._labels(skip=0)
        if space == "local":
            return self._locals()
        if space == "field":
            return self._fields(args)
        if space == "heaptype":
            return self._heaptypes()
        if space == "reftype":
            return self._reftypes()
        if space == "typeuse":
            return [Candidate(f"(type {c.label})", "type", c.detail) for c in self._types_of(FuncType)]
        if space == "type":
            name = op.name
            if name.startswith("struct."):
                return self._types_of(StructType)
            if name.startswith("array."):
                return self._types_of(ArrayType)
            if name in ("call_ref", "return_call_ref"):
                return self._types_of(FuncType)
            if name.startswith("cont.") or name.startswith("resume") or name == "switch":
                return self._types_of(ContType)
            return self._types_of(None)
        return self._space(space)

    # --- function-scoped names, from the text ---

    def _func(self) -> _Frame | None:
        for frame in reversed(self.stack):
            if frame.paren and frame.keyword == "func":
                return frame
        return None

    def _locals(self) -> list[Candidate]:
        func = self._func()
        if func is None:
            return []
        params = [d for d in func.decls if d.is_param]
        locals_ = [d for d in func.decls if not d.is_param]
        if not params and func.type_use is not None:
            params = self._type_params(func.type_use)
        out: list[Candidate] = []
        for i, d in enumerate(params + locals_):
            label = f"${d.name}" if d.name is not None else str(i)
            t = (
                d.type
                if isinstance(d.type, str)
                else _words_of(self.data[d.type[0] : d.type[1]].decode("utf-8", "replace"))
            )
            out.append(Candidate(label, "param" if d.is_param else "local", t))
        return out

    def _type_params(self, ref: str) -> list[_Decl]:
        for m in self.modules:
            index = _resolve(m, "type", ref)
            ft = m.func_type(index) if index is not None else None
            if ft is not None:
                return [_Decl(None, self.show(t, m), True) for t in ft.params]
        return []

    def _labels(self, skip: int) -> list[Candidate]:
        """Labels in scope, innermost first; the innermost `skip` forms do not count (a catch
        clause's labels are outside its `try_table`)."""
        out: list[Candidate] = []
        depth = 0
        stack = self.stack
        frames = stack[: len(stack) - skip] if skip else stack
        for i in range(len(frames) - 1, -1, -1):
            frame = frames[i]
            kw = frame.keyword
            if frame.paren and kw == "func":
                out.append(Candidate(str(depth), "label", f"function body, depth {depth}"))
                break
            if kw not in _BLOCKS:
                continue
            if (
                kw == "if"
                and frame.paren
                and not (i + 1 < len(stack) and stack[i + 1].keyword in ("then", "else"))
            ):
                continue  # a folded `if`'s condition is outside its label
            if (
                kw == "try"
                and frame.paren
                and not (i + 1 < len(stack) and stack[i + 1].keyword in ("do", "catch", "catch_all"))
            ):
                continue
            first = frame.items[0] if frame.items else None
            name = (
                first.text
                if first is not None and first.kind == "word" and first.text.startswith("$")
                else None
            )
            what = f"{kw}, depth {depth}"
            out.append(Candidate(name or str(depth), "label", what))
            depth += 1
        return out

    # --- module-level names, from the analysis ---

    def _space(self, space: str) -> list[Candidate]:
        out: list[Candidate] = []
        seen: set[str] = set()
        prefix = self.prefix
        for m in self.modules:
            for item in _items(m, space):
                name = getattr(item, "name", None)
                label = f"${name}" if name else str(getattr(item, "index", 0))
                if label in seen:
                    continue
                seen.add(label)
                if not label.startswith(prefix):
                    self.cut = True
                    continue
                if len(out) == LIMIT:
                    self.cut = True
                    return out
                out.append(Candidate(label, space, self._detail(space, item, m)))
        return out

    def _detail(self, space: str, item: object, m: Module) -> str:
        if isinstance(item, model.Func):
            ft = m.func_type(item.type_idx)
            params = [p.type for p in item.params] if ft is None else list(ft.params)
            return f"{self.show_list(params, m)} -> {self.show_list(item.results, m)}"
        if isinstance(item, model.Global):
            t = self.show(item.type, m)
            return f"(mut {t})" if item.mutable else t
        if isinstance(item, model.Table):
            addr = "i64 " if item.addr == "i64" else ""
            top = f" {item.limits.max}" if item.limits.max is not None else ""
            return f"{addr}{item.limits.min}{top} {self.show(item.elem_type, m)}"
        if isinstance(item, model.Memory):
            addr = "i64 " if item.addr == "i64" else ""
            top = f" {item.limits.max}" if item.limits.max is not None else ""
            return f"{addr}{item.limits.min}{top}{' shared' if item.shared else ''}"
        if isinstance(item, model.Tag):
            ft = m.func_type(item.type_idx)
            return (
                f"{self.show_list(ft.params, m)} -> {self.show_list(ft.results, m)}"
                if ft is not None
                else "tag"
            )
        if isinstance(item, model.Elem):
            return f"{item.mode} {self.show(item.elem_type, m)}"
        if isinstance(item, model.Data):
            return item.mode
        return space

    def _types_of(self, comp: type | None) -> list[Candidate]:
        out: list[Candidate] = []
        seen: set[str] = set()
        for m in self.modules:
            for td in m.types:
                if td.implicit or (comp is not None and not isinstance(td.comp, comp)):
                    continue
                label = f"${td.name}" if td.name else str(td.index)
                if label not in seen:
                    seen.add(label)
                    out.append(Candidate(label, "type", self._type_detail(td.comp, m)))
        return out

    def _type_detail(self, comp: object, m: Module) -> str:
        if isinstance(comp, FuncType):
            return f"func {self.show_list(comp.params, m)} -> {self.show_list(comp.results, m)}"
        if isinstance(comp, StructType):
            fields = " ".join(_field(self.show(f.storage, m), f.mutable) for f in comp.fields)
            return f"struct {fields}".strip()
        if isinstance(comp, ArrayType):
            return f"array {_field(self.show(comp.elem.storage, m), comp.elem.mutable)}"
        if isinstance(comp, ContType):
            return f"cont {_type_table(m).type_name(comp.func_type)}"
        return "type"

    def _fields(self, args: list[_Item]) -> list[Candidate]:
        ref = next((a.text for a in args if a.kind == "word" and _is_index(a.text)), None)
        for m in self.modules if ref is not None else []:
            index = _resolve(m, "type", ref) if ref is not None else None
            td = m.types[index] if index is not None else None
            if td is None or not isinstance(td.comp, StructType):
                continue
            names = {i: n for n, i in td.field_names.items()}
            return [
                Candidate(
                    f"${names[i]}" if i in names else str(i),
                    "field",
                    _field(self.show(f.storage, m), f.mutable),
                )
                for i, f in enumerate(td.comp.fields)
            ]
        return []

    # --- types ---

    def _valtypes(self, storage: bool = False) -> list[Candidate]:
        out = [Candidate(t, "valtype", "number type" if t != "v128" else "vector type") for t in NUM_TYPES]
        if storage:
            out += [Candidate(t, "valtype", "packed type") for t in PACKED_TYPES]
        out += [Candidate(t, "valtype", f"(ref null {REF_SHORTHANDS[t]})") for t in _REF_ABBREVS]
        return out + self._reftype_forms()

    def _reftype_forms(self) -> list[Candidate]:
        return [
            Candidate("(ref …)", "valtype", "non-null reference", "(ref ${1})", "(ref )"),
            Candidate("(ref null …)", "valtype", "nullable reference", "(ref null ${1})", "(ref null )"),
        ]

    def _reftypes(self) -> list[Candidate]:
        return [
            Candidate(t, "valtype", f"(ref null {REF_SHORTHANDS[t]})") for t in _REF_ABBREVS
        ] + self._reftype_forms()

    def _heaptypes(self) -> list[Candidate]:
        out = [
            Candidate(h, "heaptype", f"abstract heap type ({ABS_HEAP_TOP[h]} hierarchy)") for h in _ABS_HEAP
        ]
        return out + self._types_of(None)


_MUT = Candidate("(mut …)", "keyword", "mutable global", "(mut ${1})", "(mut )")


def _wants_type(items: list[_Item], prefix: str) -> bool:
    """In `(param`, `(local`, `(field`, `(global`: whether a type may come next (not the
    name being typed, not after a name and its type)."""
    if not items:
        return not prefix.startswith("$")
    named = items[0].kind == "word" and items[0].text.startswith("$")
    return not named or len(items) == 1


# The last modules' type tables (building one canonicalises every type), by the module and its
# list of types (a module model is not changed once read; this is only a guard).
_TABLES: list[tuple[Module, object, int, TypeTable]] = []


def _type_table(m: Module) -> TypeTable:
    types = m.types
    for module, seen, count, table in _TABLES:
        if module is m and seen is types and count == len(types):
            return table
    table = TypeTable(m)
    _TABLES.insert(0, (m, types, len(types), table))
    del _TABLES[4:]
    return table


def _unique(words: list[str]) -> list[str]:
    return list(dict.fromkeys(words))


def _field(t: str, mutable: bool) -> str:
    return f"(mut {t})" if mutable else t


def _keywords(words: Iterable[str]) -> list[Candidate]:
    return [Candidate(w, "keyword", "keyword") for w in words]


@functools.cache
def _instruction_list(block: str | None, snippets: bool) -> tuple[Candidate, ...]:
    """Every instruction, in the table's order; the clause keywords of the plain block open
    (`end`, and `else` in an `if`, `catch`/`catch_all`/`delegate` in a `try`) only there."""
    out: list[Candidate] = []
    for name, op in OPCODES.items():
        if op.flags & (Flag.BLOCK_END | Flag.BLOCK_ELSE):
            if block is None:
                continue
            if name == "else" and block != "if":
                continue
            if name in ("catch", "catch_all", "delegate") and block != "try":
                continue
        out.append(_instruction(op, snippets))
    return tuple(out)


def _instruction(op: OpInfo, snippets: bool) -> Candidate:
    if op.params is not None and op.results is not None:
        detail = f"[{' '.join(op.params)}] -> [{' '.join(op.results)}]"
    else:
        detail = f"typed by the `{op.typing}` rule"
    needs = any(k in _NEEDS_IMM for k in op.imms)
    return Candidate(op.name, "instruction", detail, f"{op.name} ${{1}}" if needs and snippets else None)


def _module_at(doc: Document | None, offset: int) -> Module | None:
    """The module of `doc` around `offset` (its only one, if the offset is outside)."""
    if doc is None:
        return None
    found = [sm for sm in doc.modules if sm.read is not None]
    inside = [sm for sm in found if sm.span.start <= offset <= sm.span.end]
    pick = inside[-1] if inside else (found[0] if len(found) == 1 else None)
    return pick.read.module if pick is not None and pick.read is not None else None


def _items(m: Module, space: str) -> Sequence[object]:
    seq: dict[str, Sequence[object]] = {
        "func": m.funcs,
        "global": m.globals,
        "table": m.tables,
        "memory": m.memories,
        "tag": m.tags,
        "elem": m.elems,
        "data": m.datas,
    }
    return seq.get(space, ())


def _resolve(m: Module, space: str, ref: str) -> int | None:
    if ref.startswith("$"):
        name, err = parse_id(ref)
        return None if err is not None else m.names.get(space, {}).get(name)
    value, err = parse_u64(ref)
    count = len(m.types) if space == "type" else 0
    return value if err is None and value < count else None


def _has_instr(frame: _Frame) -> bool:
    """Whether a block form already has body instructions (so no more block type forms)."""
    for it in frame.items:
        if it.kind == "word" and _is_op_word(it.text):
            return True
        if it.kind == "form" and (it.text in OPCODES or it.text in _BLOCKS):
            return True
    return False


def _last_op(frame: _Frame) -> tuple[OpInfo | None, list[_Item]]:
    """The last instruction written in `frame` and the items after it: in plain code the last
    instruction word; otherwise the form's own instruction (a folded or plain block)."""
    items = frame.items
    for i in range(len(items) - 1, -1, -1):
        it = items[i]
        if it.kind == "word" and _is_op_word(it.text):
            args = items[i + 1 :]
            if any(a.kind == "form" and (a.text in OPCODES or a.text in _BLOCKS) for a in args):
                return None, []  # a folded instruction followed: the plain one is done
            op = OPCODES.get(it.text)
            return (op, args) if op is not None else (None, [])
        if it.kind == "form" and (it.text in OPCODES or it.text in _BLOCKS):
            return None, []
    if frame.keyword is not None and frame.keyword in OPCODES:
        return OPCODES[frame.keyword], items
    return None, []


def _matches(kind: Imm, it: _Item) -> bool:
    if it.kind == "form":
        return it.text in _IMM_FORMS.get(kind, ())
    if it.kind != "word":
        return False
    w = it.text
    if kind in (Imm.LABEL_DEF, Imm.LABEL_ID):
        return w.startswith("$")
    if kind is Imm.HEAP_TYPE:
        return _is_index(w) or w in ABS_HEAP_TOP
    if kind is Imm.REF_TYPE:
        return w in REF_SHORTHANDS
    if kind is Imm.MEMARG:
        return w.startswith(("offset=", "align="))
    if kind is Imm.V128:
        return w in _SHAPES or _is_number(w)
    if kind in _INDEX_KINDS:
        return _is_index(w)
    if kind in _NUMBER_KINDS:
        return _is_number(w)
    return False


def _expected(op: OpInfo, args: list[_Item]) -> tuple[list[Imm], bool]:
    """The immediate kinds that may come next after `args`, and whether the instruction may
    be complete: its immediates matched left to right, optional ones possibly skipped (the
    text's rule: a table or memory index is there when the tokens say so)."""
    kinds = op.imms
    n = len(kinds)

    def closure(ps: set[int]) -> set[int]:
        out = set(ps)
        todo = list(ps)
        while todo:
            p = todo.pop()
            if p < n and kinds[p] in _OPTIONAL and p + 1 not in out:
                out.add(p + 1)
                todo.append(p + 1)
        return out

    positions = closure({0})
    for it in args:
        nxt: set[int] = set()
        for p in positions:
            if p < n and _matches(kinds[p], it):
                nxt.add(p + 1)
                if kinds[p] in _REPEATED:
                    nxt.add(p)
        if not nxt:
            return [], True  # something the instruction does not take: leave it be
        positions = closure(nxt)
    expected = [kinds[p] for p in sorted(positions) if p < n]
    return expected, n in positions
