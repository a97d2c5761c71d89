"""Fold ↔ unfold: between plain instructions (`local.get 0 local.get 1 i32.add`) and folded
ones (`(i32.add (local.get 0) (local.get 1))`), for the instruction at the cursor, the
instructions in a selection, or a whole function; blocks, loops, `if`s (`(then ...)`,
`(else ...)`) and `try_table`s too, with their labels, block types and catch clauses.

Both directions regenerate a region of the text from the function's flat body (`Instr` in
execution order): each instruction's own text (mnemonic and immediates, or a block's header)
is copied, and only the parentheses, `then`/`else`/`end` and the blanks between them change.
The order of the instructions is never changed, so the binary is the same whatever the
grouping; the grouping only has to be readable. Which instructions are a folded instruction's
operands comes from the validator (`_Arity`: how many values each instruction pops and
pushes, counted while the validator runs its own rules): the operands are the trees just
before an instruction that push exactly the values it pops. Where that cannot be told (a
multi-value result split between two instructions, an instruction pushing nothing in
between, types the validator could not find) the instruction takes what it safely can, often
nothing, and the trees before it stay on their own.

Comments in the region are kept: each belongs to the instruction before it on its line, or
else to the next one, and moves with it. A region with an annotation (a branch hint belongs
to the very next instruction) or legacy `try` is left alone. Everything runs on explicit
stacks: 100,000 nested blocks fold and unfold.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import SupportsIndex

from tree_sitter import Node
from wat_lsp.analysis import cst
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide.rewrites.base import COMMENTS, Rewrite, func_at
from wat_lsp.analysis.model import Func, Instr, Module
from wat_lsp.analysis.opcodes import Flag
from wat_lsp.analysis.validate import module_context
from wat_lsp.analysis.validate_body import BodyValidator, Val
from wat_lsp.passes.edits import TextEdit

UNIT = "  "  # one level of indentation in the text made
INLINE = 80  # characters: a folded expression longer than this gets one operand a line
MAX_INDENT = 40  # levels: deeper code is indented no further (the text stays linear in size)
_LEGACY = frozenset({"try", "catch", "catch_all", "delegate"})
# Flag bits as ints: `Flag` arithmetic costs a microsecond, and these loops run per instruction.
_START = Flag.BLOCK_START.value
_ELSE = Flag.BLOCK_ELSE.value
_END = Flag.BLOCK_END.value
_CLAUSE = _ELSE | _END
# What may be left of a region once its instructions and comments are blanked out.
_LEFT = re.compile(rb"\s*(?:(\()|(\))|then\b|else\b|end\b|\$[0-9A-Za-z!#$%&'*+\-./:<=>?@\\^_`|~]+)")

# --- how many values each instruction pops and pushes ------------------------------------


class _Tracked(list[Val]):
    """The validator's operand stack, noting how low it goes."""

    def __init__(self, owner: _Arity) -> None:
        super().__init__()
        self.owner = owner

    def __delitem__(self, key: SupportsIndex | slice) -> None:
        super().__delitem__(key)
        self.owner.lowered(len(self))

    def pop(self, index: SupportsIndex = -1) -> Val:
        v = super().pop(index)
        self.owner.lowered(len(self))
        return v


class _Watched(list[Instr]):
    """A body that, iterated by the validator, tells `_Arity` where each instruction starts
    and ends (the validator has finished one when it asks for the next)."""

    def __init__(self, body: list[Instr], owner: _Arity) -> None:
        super().__init__(body)
        self.owner = owner

    def __iter__(self) -> Iterator[Instr]:
        for ins in list.__iter__(self):
            self.owner.begin()
            yield ins
            self.owner.finish()


class _Arity(BodyValidator):
    """The validator, recording per instruction (values popped, values pushed), or None
    where its rule could not type it. Pops below the stack of unreachable code count (a
    polymorphic stack supplies them); what an unconditional branch discards does not."""

    def __init__(self, m: Module) -> None:
        self.record: list[tuple[int, int] | None] = []
        self._h0 = self._low = self._virtual = 0
        self._tracking = True
        self._cut = False
        self._known = True
        super().__init__(module_context(m), [])
        self.stack = _Tracked(self)

    def lowered(self, height: int) -> None:
        if self._tracking and height < self._low:
            self._low = height

    def begin(self) -> None:
        self._h0 = self._low = len(self.stack)
        self._virtual = 0
        self._cut = False
        self._known = True

    def finish(self) -> None:
        pops = self._h0 - self._low + self._virtual
        pushes = 0 if self._cut else len(self.stack) - self._low
        self.record.append((pops, pushes) if self._known else None)

    def pop_vals(self, expected: object, what: str | None = None) -> list[Val]:
        frame = self.frames[-1]
        n = len(expected)  # type: ignore[arg-type]
        avail = len(self.stack) - frame.height
        if avail < n:
            self._virtual += n - avail
        return super().pop_vals(expected, what)  # type: ignore[arg-type]

    def pop1(self, expected: Val, what: str | None = None) -> Val:
        if len(self.stack) <= self.frames[-1].height:
            self._virtual += 1
        return super().pop1(expected, what)

    def unreachable(self) -> None:
        self._tracking = False
        super().unreachable()
        self._tracking = True
        self._cut = True

    def polymorphic(self) -> None:
        self._known = False
        super().polymorphic()


def arity(m: Module, f: Func) -> list[tuple[int, int] | None]:
    """(pops, pushes) of each instruction of `f`'s body, by the validator's rules."""
    a = _Arity(m)
    a.run_function(dataclasses.replace(f, body=_Watched(f.body, a)))
    return a.record + [None] * (len(f.body) - len(a.record))


# --- the trees of a body ------------------------------------------------------------------


@dataclass(eq=False, slots=True)
class Tree:
    """An instruction with its operands (`kids`), or a block with its arms (each a list of
    trees) and its `if` condition as `kids`; `lo`..`hi` its instructions in execution order,
    `start`..`end` the text they cover."""

    root: int
    lo: int
    hi: int
    start: int
    end: int
    pushes: int = 0
    kids: list[Tree] = field(default_factory=list)
    arms: list[list[Tree]] = field(default_factory=list)
    elses: list[int] = field(default_factory=list)
    # (No link to the tree it is an operand of, nor to its level: without cycles, 100,000
    # blocks' trees are freed by reference counting, not by collections scanning them all.)


@dataclass(slots=True)
class _Level:
    items: list[Tree]
    floor: int = 0  # trees below this have had values taken from them: no longer operands


def _take(level: _Level, pops: int | None) -> list[Tree]:
    """The trees just before an instruction that push the `pops` values it takes."""
    items = level.items
    if pops is None:
        level.floor = len(items)
        return []
    need, k = pops, len(items)
    while need > 0 and k > level.floor and 0 < items[k - 1].pushes <= need:
        need -= items[k - 1].pushes
        k -= 1
    kids = items[k:]
    del items[k:]
    if need:
        level.floor = len(items)  # the rest comes from trees that now push fewer than they say
    return kids


def _place(level: _Level, t: Tree, kids: list[Tree]) -> None:
    t.kids = kids
    for k in kids:
        t.lo = min(t.lo, k.lo)
        t.start, t.end = min(t.start, k.start), max(t.end, k.end)
    level.items.append(t)
    if t.pushes <= 0:
        level.floor = len(level.items)


def forest(f: Func, counts: list[tuple[int, int] | None]) -> list[Tree]:
    """The trees of `f`'s body at its top level (block arms hold theirs), in one pass."""
    body = f.body
    levels = [_Level([])]
    blocks: list[Tree] = []
    for i, ins in enumerate(body):
        flags = ins.op.bits
        a = counts[i]
        if flags & _START:
            t = Tree(i, i, max(ins.match, i), ins.ostart, ins.oend, arms=[[]])
            pops = a[0] if a is not None else None
            t.kids = (
                _take(levels[-1], pops)
                if ins.op.name == "if"
                else _take(levels[-1], 0 if pops == 0 else None)
            )
            blocks.append(t)
            levels.append(_Level(t.arms[0]))
        elif flags & _ELSE and blocks:
            t = blocks[-1]
            t.elses.append(i)
            t.start, t.end = min(t.start, ins.start), max(t.end, ins.end)
            t.arms.append([])
            levels[-1] = _Level(t.arms[-1])
        elif flags & _END and blocks:
            t = blocks.pop()
            levels.pop()
            t.hi = i
            t.pushes = a[1] if a is not None else 0
            t.start, t.end = min(t.start, ins.ostart), max(t.end, ins.oend)
            for arm in t.arms:
                for item in arm:
                    t.start, t.end = min(t.start, item.start), max(t.end, item.end)
            kids, t.kids = t.kids, []
            _place(levels[-1], t, kids)
        else:
            t = Tree(i, i, i, ins.ostart, ins.oend, pushes=a[1] if a is not None else 0)
            _place(levels[-1], t, _take(levels[-1], a[0] if a is not None else None))
    return levels[0].items


def segments(trees: list[Tree]) -> list[list[Tree]]:
    """Trees of one level grouped where their texts interleave (a folded form written around
    instructions the validator gives to different trees): each group is rewritten whole."""
    out: list[list[Tree]] = []
    end = -1
    for t in trees:
        if out and t.start < end:
            out[-1].append(t)
            end = max(end, t.end)
        else:
            out.append([t])
            end = t.end
    return out


# --- regions and their comments -------------------------------------------------------------


@dataclass(slots=True)
class Region:
    """Text `start`..`end` holding exactly the body's instructions `lo`..`hi`."""

    start: int
    end: int
    lo: int
    hi: int
    lead: dict[int, list[str]] = field(default_factory=dict)  # comments before an instruction
    near: set[int] = field(default_factory=set)  # those whose last comment is on its line
    trail: dict[int, list[str]] = field(default_factory=dict)  # comments after it on its line


def _kept(ins: Instr) -> bool:
    """Whether an instruction's text is copied (else/end are written anew)."""
    return not ins.op.bits & _CLAUSE


def _trivia(doc: Document, start: int, end: int) -> list[Node] | None:
    """The comments in [start, end); None if there is an annotation. Only the nodes over the
    range are visited (a function's thousands of statements are skipped to the first)."""
    data = doc.data
    if data.find(b";", start, end) < 0 and data.find(b"(@", start, end) < 0:
        return []  # every comment holds a `;` and every annotation starts `(@` (no walk: a node per level)
    out: list[Node] = []
    top = doc.tree.root_node.descendant_for_byte_range(start, end)
    stack = [top] if top is not None else []
    while stack:
        n = stack.pop()
        if n.end_byte <= start or n.start_byte >= end:
            continue
        if n.type in COMMENTS and n.is_named:
            if n.type == "annotation":
                return None
            out.append(n)
            continue
        cur = n.walk()
        if cur.goto_first_child_for_byte(start) is None:
            continue
        kids: list[Node] = []
        while cur.node is not None and cur.node.start_byte < end:
            kids.append(cur.node)
            if not cur.goto_next_sibling():
                break
        stack.extend(reversed(kids))
    return out


def region(doc: Document, f: Func, lo: int, hi: int) -> Region | None:
    """The region of instructions `lo`..`hi` with its comments given owners, or None when
    its text holds something the rewrite could not write back."""
    body = f.body
    data = doc.data
    if not 0 <= lo <= hi < len(body):
        return None
    start = min(body[i].ostart for i in range(lo, hi + 1))
    end = max(body[i].oend for i in range(lo, hi + 1))
    comments = _trivia(doc, start, end)
    if comments is None:
        return None
    blank = bytearray(data[start:end])
    for i in range(lo, hi + 1):
        ins = body[i]
        if ins.op.name in _LEGACY:
            return None
        if _kept(ins) or data[ins.start : ins.start + 1] not in (b"(", b")"):
            blank[ins.start - start : ins.end - start] = b" " * (ins.end - ins.start)
    r = Region(start, end, lo, hi)
    order = sorted(range(lo, hi + 1), key=lambda i: (body[i].start, i))
    starts = [body[i].start for i in order]
    for c in comments:
        k = bisect.bisect_right(starts, c.start_byte)
        if k > 0 and _kept(body[order[k - 1]]) and c.end_byte <= body[order[k - 1]].end:
            continue  # inside an instruction's text: copied with it
        blank[c.start_byte - start : c.end_byte - start] = b" " * (c.end_byte - c.start_byte)
        _own(r, f, c, data, order, k)
    depth, pos = 0, 0
    while pos < len(blank):
        m = _LEFT.match(blank, pos)
        if m is None:
            if blank[pos:].strip():
                return None
            break
        depth += 1 if m.group(1) else -1 if m.group(2) else 0
        if depth < 0:
            return None
        pos = m.end()
    return r if depth == 0 else None


def _own(r: Region, f: Func, c: Node, data: bytes, order: list[int], k: int) -> None:
    """Give comment `c` to the instruction before it on its line, else to the next one
    (`order[k]`: instructions by text position, `k` the first after `c`)."""
    body = f.body
    text = cst.text(data, c)
    prev = order[k - 1] if k > 0 else None
    if prev is not None and b"\n" not in data[body[prev].end : c.start_byte]:
        r.trail.setdefault(prev, []).append(text)
    elif k < len(order):
        r.lead.setdefault(order[k], []).append(text)
        if c.type == "block_comment" and b"\n" not in data[c.end_byte : body[order[k]].start]:
            r.near.add(order[k])
        else:
            r.near.discard(order[k])
    else:
        r.trail.setdefault(order[-1], []).append(text)


# --- writing -----------------------------------------------------------------------------------

_Item = tuple[str, int, str]
_OPEN_SIDE = frozenset((b" ", b"\t", b"\n", b"\r", b"("))
_CLOSE_SIDE = frozenset(
    (b" ", b"\t", b"\n", b"\r", b")")
)  # (break before: "glue", "space" or "line"; depth; text)


def render(doc: Document, r: Region, items: list[_Item]) -> str:
    data = doc.data
    multiline = b"\n" in data[r.start : r.end] or any(t.startswith(";;") for _, _, t in items)
    line = data.rfind(b"\n", 0, r.start) + 1
    lead = data[line : r.start]
    base = lead if not lead.strip() else re.match(rb"[ \t]*", lead).group()  # type: ignore[union-attr]
    if lead.strip():
        nl = data.find(b"\n", r.start, r.end)
        if nl >= 0:
            base = re.match(rb"[ \t]*", data[nl + 1 : r.end]).group()  # type: ignore[union-attr]
    indent = base.decode("utf-8", "replace")
    out: list[str] = []
    after_line_comment = False
    for k, (brk, depth, text) in enumerate(items):
        if k == 0:
            pass
        elif after_line_comment or (brk == "line" and multiline):
            out.append("\n" + indent + UNIT * min(depth, MAX_INDENT))
        elif brk != "glue":
            out.append(" ")
        out.append(text)
        after_line_comment = text.startswith(";;")
    if after_line_comment:  # what follows the region must not join the comment
        out.append("\n" + indent)
    text = "".join(out)
    # tokens the old text had parentheses between must not touch
    if r.start > 0 and data[r.start - 1 : r.start] not in _OPEN_SIDE and text[:1] not in ("(", ")"):
        text = " " + text
    if (
        r.end < len(data)
        and data[r.end : r.end + 1] not in _CLOSE_SIDE
        and text[-1:] not in ("(", ")", "\n", " ")
    ):
        text += " "
    return text


def _comments(r: Region, i: int, depth: int, brk: str) -> tuple[list[_Item], str]:
    """The comments leading instruction `i`, and the break before the instruction after them."""
    out: list[_Item] = []
    for text in r.lead.get(i, ()):
        out.append((brk, depth, text))
        brk = "line"
    return out, "space" if out and i in r.near else brk


def plain_items(doc: Document, f: Func, r: Region) -> list[_Item]:
    """The region as plain instructions, one a line, blocks indented."""
    body = f.body
    out: list[_Item] = []
    depth = 0
    for i in range(r.lo, r.hi + 1):
        ins = body[i]
        flags = ins.op.bits
        if flags & _CLAUSE:
            depth = max(depth - 1, 0)
        text = ins.op.name if flags & _CLAUSE else doc.data[ins.start : ins.end].decode("utf-8", "replace")
        lead, brk = _comments(r, i, depth, "line")
        out += lead
        out.append((brk, depth, text))
        out += [("space", depth, t) for t in r.trail.get(i, ())]
        if flags & (_START | _ELSE):
            depth += 1
    return out


def _widths(doc: Document, f: Func, r: Region, trees: list[Tree]) -> dict[int, int]:
    """For each expression tree written on one line: its width (post-order, iteratively);
    trees with a block or a comment are absent."""
    body = f.body
    out: dict[int, int] = {}
    stack: list[tuple[Tree, bool]] = [(t, False) for t in trees]
    while stack:
        t, done = stack.pop()
        if not done:
            stack.append((t, True))
            stack.extend((k, False) for k in t.kids)
            stack.extend((k, False) for arm in t.arms for k in arm)
            continue
        ins = body[t.root]
        if t.arms or t.root in r.lead or t.root in r.trail or any(id(k) not in out for k in t.kids):
            continue
        w = ins.end - ins.start + 2 + sum(out[id(k)] + 1 for k in t.kids)
        if w <= INLINE:
            out[id(t)] = w
    return out


@dataclass(slots=True)
class _Put:
    """A tree to write at `depth`, after a break `brk`."""

    tree: Tree
    depth: int
    brk: str


def folded_items(doc: Document, f: Func, r: Region, trees: list[Tree]) -> list[_Item]:
    """`trees` (one level's, in order) written folded: a block's arms one tree a line, an
    expression on one line when it fits."""
    body = f.body
    data = doc.data
    inline = _widths(doc, f, r, trees)
    out: list[_Item] = []
    work: list[_Put | _Item] = [_Put(t, 0, "line") for t in reversed(trees)]

    def text(i: int) -> str:
        return data[body[i].start : body[i].end].decode("utf-8", "replace")

    while work:
        w = work.pop()
        if not isinstance(w, _Put):
            out.append(w)
            continue
        t, depth = w.tree, w.depth
        lead, brk = _comments(r, t.root, depth, w.brk)
        out += lead
        out.append((brk, depth, "(" + text(t.root)))
        later: list[_Put | _Item] = []
        if t.arms:  # a comment after a block's header stays there; after an instruction, after it
            out += [("space", depth + 1, c) for c in r.trail.get(t.root, ())]
        kid_brk = "space" if id(t) in inline or (t.arms and all(id(k) in inline for k in t.kids)) else "line"
        later += [_Put(k, depth + 1, kid_brk) for k in t.kids]
        if t.arms:
            is_if = body[t.root].op.name == "if"
            inner = depth + 2 if is_if else depth + 1
            for n, arm in enumerate(t.arms):
                if is_if and n == 0:
                    later.append(("line", depth + 1, "(then"))
                elif is_if:
                    e = t.elses[n - 1]
                    lead_e, b = _comments(r, e, depth + 1, "line")
                    later += lead_e
                    later.append((b, depth + 1, "(else"))
                    later += [("space", depth + 2, c) for c in r.trail.get(e, ())]
                later += [_Put(k, inner, "line") for k in arm]
                if is_if:
                    later.append(("glue", depth + 1, ")"))
            lead_end, _ = _comments(r, t.hi, depth + 1, "line")
            later += lead_end
            later.append(("glue", depth, ")"))
            later += [("space", depth, c) for c in r.trail.get(t.hi, ())]
        else:
            later.append(("glue", depth, ")"))
            later += [("space", depth, c) for c in r.trail.get(t.root, ())]
        work.extend(reversed(later))
    return out


# --- what to rewrite -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Func:
    m: Module
    f: Func
    trees: list[Tree] | None = None
    by_instr: dict[int, Tree] | None = None  # an instruction's outermost tree at its level
    levels: dict[int, list[Tree]] = field(default_factory=dict)  # a tree's level, by its id
    whole: dict[str, list[TextEdit]] = field(default_factory=dict)  # function-wide edits, by rewrite
    groups: dict[int, list[TextEdit]] = field(default_factory=dict)  # a group's fold edits, by its first tree
    unfolds: dict[int, TextEdit | None] = field(default_factory=dict)  # by the instruction unfolded
    group_of: dict[int, list[Tree]] = field(default_factory=dict)  # a tree's group, by its id
    _starts: tuple[list[int], list[int]] | None = None
    _folded: tuple[list[int], list[int], dict[int, int]] | None = None

    def by_start(self) -> tuple[list[int], list[int]]:
        """The instructions in text order, and their starts."""
        if self._starts is None:
            body = self.f.body
            order = sorted(range(len(body)), key=lambda i: body[i].start)
            self._starts = (order, [body[i].start for i in order])
        return self._starts

    def touched(self, start: int, end: int) -> list[int]:
        """The instructions whose text (mnemonic and immediates) touches `start`..`end`."""
        order, starts = self.by_start()
        body = self.f.body
        k = max(bisect.bisect_right(starts, start) - 1, 0)
        out: list[int] = []
        while k < len(order) and starts[k] <= end:
            if body[order[k]].end >= start:
                out.append(order[k])
            k += 1
        return out

    def folded(self) -> tuple[list[int], list[int], dict[int, int]]:
        """The folded instructions by where their `(` is, those places, and each one's
        innermost folded instruction around it."""
        if self._folded is None:
            body = self.f.body
            order = sorted(
                (i for i, ins in enumerate(body) if ins.folded), key=lambda i: (body[i].ostart, -body[i].oend)
            )
            self._folded = (order, [body[i].ostart for i in order], _parents(self.f))
        return self._folded

    def forest(self) -> list[Tree]:
        if self.trees is None:
            self.trees = forest(self.f, arity(self.m, self.f))
        return self.trees

    def tree_of(self, i: int) -> Tree | None:
        """The tree at its own level that holds instruction `i` (a block's `else` or `end`:
        the block)."""
        if self.by_instr is None:
            by_instr: dict[int, Tree] = {}
            work = [self.forest()]  # levels: the body's top, then blocks' arms
            while work:
                level = work.pop()
                for top in level:
                    self.levels[id(top)] = level
                    stack = [top]  # its operands, and theirs, are at its level
                    while stack:
                        n = stack.pop()
                        by_instr[n.root] = by_instr[n.hi] = top
                        for e in n.elses:
                            by_instr[e] = top
                        stack.extend(n.kids)
                        work.extend(n.arms)
            self.by_instr = by_instr
        return self.by_instr.get(i)


_last: tuple[Document, dict[int, _Func | None]] | None = None  # the functions of the last document


def clear() -> None:
    """Forget the last document's functions (the server, once a document closes)."""
    global _last
    _last = None


def _usable(doc: Document, offset: int) -> _Func | None:
    """The function at `offset` with its trees, kept for the last document asked about (an
    editor asks at each cursor move, a client for `applies` then `edits`)."""
    global _last
    found = func_at(doc, offset)
    if found is None:
        return None
    m, f = found
    if _last is None or _last[0] is not doc:
        _last = (doc, {})
    known = _last[1]
    if id(f) not in known:
        ok = bool(f.body) and not any(ins.op.name in _LEGACY for ins in f.body)
        known[id(f)] = _Func(m, f) if ok else None
    return known[id(f)]


def _well_folded(fn: _Func, t: Tree) -> list[Tree] | None:
    """Whether tree `t` is written folded already, down to its blocks' arms: then those
    blocks (whose arms may still hold plain code), else None."""
    body = fn.f.body
    blocks: list[Tree] = []
    stack = [t]
    while stack:
        n = stack.pop()
        ins = body[n.root]
        if not ins.folded:
            return None
        if any(not (ins.ostart < k.start and k.end <= ins.oend) for k in n.kids):
            return None
        if n.arms:
            blocks.append(n)
        stack.extend(n.kids)
    return blocks


def _fold_group(doc: Document, fn: _Func, group: list[Tree]) -> list[TextEdit]:
    """Edits folding one group of trees, or those inside it that are not folded yet."""
    out: list[TextEdit] = []
    work = [group]
    while work:
        g = work.pop()
        inner = _well_folded(fn, g[0]) if len(g) == 1 else None
        if inner is not None:
            for b in inner:
                for arm in b.arms:
                    work.extend(segments(arm))
            continue
        r = region(doc, fn.f, min(t.lo for t in g), max(t.hi for t in g))
        if r is None:
            continue
        new = render(doc, r, folded_items(doc, fn.f, r, g))
        if new.encode() != doc.data[r.start : r.end]:
            out.append(TextEdit(r.start, r.end, new))
    return out


def _group_of(fn: _Func, t: Tree) -> list[Tree]:
    """The group of its level `t` is in (each level grouped once)."""
    if id(t) not in fn.group_of:
        for g in segments(fn.levels[id(t)]):
            for x in g:
                fn.group_of[id(x)] = g
    return fn.group_of[id(t)]


def _outermost(edits: list[TextEdit]) -> list[TextEdit]:
    """The edits not inside another one, in order."""
    out: list[TextEdit] = []
    for e in sorted(set(edits), key=lambda e: (e.start, -e.end)):
        if out and e.end <= out[-1].end:
            continue
        out.append(e)
    return out


def fold_range(doc: Document, start: int, end: int) -> list[TextEdit]:
    """Fold the instructions the cursor or selection `start`..`end` touches, each with the
    operands it takes (a block with all it holds)."""
    fn = _usable(doc, start)
    if fn is None:
        return []
    hit = fn.touched(start, end)
    if start == end:
        hit = hit[-1:]
    groups: dict[int, list[Tree]] = {}
    for i in hit:
        t = fn.tree_of(i)
        if t is not None:
            g = _group_of(fn, t)
            groups[id(g[0])] = g
    edits: list[TextEdit] = []
    for key, g in groups.items():
        if key not in fn.groups:
            fn.groups[key] = _fold_group(doc, fn, g)
        edits += fn.groups[key]
    return _outermost(edits)


def _whole(doc: Document, offset: int) -> _Func | None:
    """The function, when `offset` is in its body or on its `func` keyword or name."""
    fn = _usable(doc, offset)
    if fn is None:
        return None
    f = fn.f
    head = f.name_span.end if f.name_span is not None else f.span.start + len("(func")
    inside = f.body_span is not None and f.body_span.start <= offset <= f.body_span.end
    return fn if inside or offset <= head else None


def fold_function(doc: Document, offset: int) -> list[TextEdit]:
    fn = _whole(doc, offset)
    if fn is None:
        return []
    if "fold" not in fn.whole:
        edits: list[TextEdit] = []
        for g in segments(fn.forest()):
            edits += _fold_group(doc, fn, g)
        fn.whole["fold"] = edits
    return list(fn.whole["fold"])


def _parents(f: Func) -> dict[int, int]:
    """For each folded instruction, the innermost folded one around it (by their texts)."""
    body = f.body
    folded = sorted(
        (i for i, ins in enumerate(body) if ins.folded), key=lambda i: (body[i].ostart, -body[i].oend)
    )
    out: dict[int, int] = {}
    stack: list[int] = []
    for i in folded:
        while stack and body[stack[-1]].oend <= body[i].ostart:
            stack.pop()
        if stack:
            out[i] = stack[-1]
        stack.append(i)
    return out


def _unfold_target(f: Func, parents: dict[int, int], i: int) -> int:
    """A folded instruction climbed out of operand places (a folded instruction's operands,
    an `if`'s condition must stay folded): the outermost expression around it."""
    while i in parents and i < parents[i]:
        i = parents[i]
    return i


def _unfold_edit(doc: Document, f: Func, i: int) -> TextEdit | None:
    body = f.body
    ins = body[i]
    hi = max(ins.match, i) if ins.op.bits & _START else i
    lo = i
    while lo > 0 and ins.ostart <= body[lo - 1].start and body[lo - 1].end <= ins.oend:
        lo -= 1
    r = region(doc, f, lo, hi)
    if r is None or (r.start, r.end) != (ins.ostart, ins.oend):
        return None
    new = render(doc, r, plain_items(doc, f, r))
    return TextEdit(r.start, r.end, new) if new.encode() != doc.data[r.start : r.end] else None


def unfold_range(doc: Document, start: int, end: int) -> list[TextEdit]:
    """Unfold the folded instructions the cursor or selection touches (an operand with the
    instruction it is an operand of), with everything folded inside them."""
    fn = _usable(doc, start)
    if fn is None:
        return []
    f = fn.f
    body = f.body
    order, starts, parents = fn.folded()
    k = bisect.bisect_right(starts, start) - 1
    inner = order[k] if k >= 0 else None
    while inner is not None and not body[inner].ostart <= start < body[inner].oend:
        inner = parents.get(inner)  # the last form opened before the cursor, or one around it
    targets = [] if inner is None else [_unfold_target(f, parents, inner)]
    if start < end:
        around = []  # the forms around the selection's start, then those starting inside it
        while inner is not None:
            around.append(inner)
            inner = parents.get(inner)
        k = bisect.bisect_left(starts, start)
        while k < len(order) and starts[k] < end:
            around.append(order[k])
            k += 1
        # not those holding the whole selection (a block it is in), unless nothing else is
        targets = [
            _unfold_target(f, parents, i)
            for i in around
            if not (body[i].ostart < start and end < body[i].oend)
        ] or targets
    for i in targets:
        if i not in fn.unfolds:
            fn.unfolds[i] = _unfold_edit(doc, f, i)
    return _outermost([e for e in (fn.unfolds[i] for i in dict.fromkeys(targets)) if e is not None])


def unfold_function(doc: Document, offset: int) -> list[TextEdit]:
    fn = _whole(doc, offset)
    if fn is None:
        return []
    if "unfold" not in fn.whole:
        f = fn.f
        parents = _parents(f)
        tops = [i for i, ins in enumerate(f.body) if ins.folded and i not in parents]
        fn.whole["unfold"] = [e for e in (_unfold_edit(doc, f, i) for i in tops) if e is not None]
    return list(fn.whole["unfold"])


# Up to this many instructions a function's fold and unfold are worked out in full to list
# them (about 30 µs an instruction, once a version); above it, listing looks at the
# instructions only, as an editor lists rewrites at every cursor move: a menu entry may then
# resolve to "nothing to change" where the text cannot be written back (comments in odd places).
EXACT_LISTING = 500


def _cheap(doc: Document, offset: int) -> _Func | None:
    """The function, when it is too big to work its edits out for listing, and holds no
    annotation or legacy `try` (where regions are often refused)."""
    fn = _usable(doc, offset)
    if fn is None or len(fn.f.body) <= EXACT_LISTING:
        return None
    f = fn.f
    return fn if doc.data.find(b"(@", f.span.start, f.span.end) < 0 else None


def _outermost_folded(f: Func, offset: int) -> Instr | None:
    """The outermost folded instruction whose text holds `offset`, in one pass."""
    best: Instr | None = None
    for ins in f.body:
        if ins.folded and ins.ostart <= offset < ins.oend and (best is None or ins.ostart < best.ostart):
            best = ins
    return best


def _fold_applies(doc: Document, offset: int) -> bool:
    fn = _cheap(doc, offset)
    if fn is None:
        return bool(fold_range(doc, offset, offset))
    body, data = fn.f.body, doc.data
    at: Instr | None = None  # the instruction starting last at or before the cursor, touching it
    for ins in body:
        if ins.start <= offset <= ins.end and (at is None or ins.start >= at.start):
            at = ins
    if at is None:
        return False
    if not at.folded:
        return True
    # Folded already: there is work only where plain code is written inside it.
    outer = _outermost_folded(fn.f, offset)
    assert outer is not None
    return any(
        not ins.folded
        and outer.ostart <= ins.start < outer.oend
        and not (ins.op.bits & _CLAUSE and data[ins.start : ins.start + 1] in (b"(", b")"))
        for ins in body
    )


def _unfold_applies(doc: Document, offset: int) -> bool:
    fn = _cheap(doc, offset)
    if fn is None:
        return bool(unfold_range(doc, offset, offset))
    return _outermost_folded(fn.f, offset) is not None


FOLD = Rewrite(
    "fold",
    "Fold into nested instructions",
    _fold_applies,
    lambda doc, offset: fold_range(doc, offset, offset),
    in_range=fold_range,
)
UNFOLD = Rewrite(
    "unfold",
    "Unfold into a plain instruction sequence",
    _unfold_applies,
    lambda doc, offset: unfold_range(doc, offset, offset),
    in_range=unfold_range,
)


def _has(doc: Document, offset: int, folded: bool) -> bool:
    """Whether the function has a folded (or a plain) instruction, so that the function-wide
    rewrite has edits, without writing them: an editor lists rewrites at every cursor move.
    A function with an annotation (`(@`) in its text is asked the long way (its regions may be
    refused)."""
    fn = _whole(doc, offset)
    if fn is None:
        return False
    f, data = fn.f, doc.data
    if data.find(b"(@", f.span.start, f.span.end) >= 0:
        return bool(unfold_function(doc, offset) if folded else fold_function(doc, offset))
    for ins in f.body:
        if ins.folded:
            if folded:
                return True
        elif not folded and not (ins.op.bits & _CLAUSE and data[ins.start : ins.start + 1] in (b"(", b")")):
            return True
    return False


FOLD_FUNCTION = Rewrite(
    "fold_function",
    "Fold every instruction of the function",
    lambda doc, offset: _has(doc, offset, False),
    fold_function,
)
UNFOLD_FUNCTION = Rewrite(
    "unfold_function",
    "Unfold every instruction of the function",
    lambda doc, offset: _has(doc, offset, True),
    unfold_function,
)
# Offered wherever code can be folded or unfolded: tests about other actions leave them out.
TITLES = frozenset(r.title for r in (FOLD, UNFOLD, FOLD_FUNCTION, UNFOLD_FUNCTION))
