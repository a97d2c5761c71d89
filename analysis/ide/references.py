"""Every occurrence of an indexed item in a document: declarations, `$name` uses and numeric uses.

One tree-sitter query finds the tokens that can be indices (C-level traversal, no recursion over
nesting); the syntax around a token gives its index space, and the Module model resolves it:
module-level names through `Module.names`, locals through the enclosing function's
declarations, fields through the type named just before them, and labels through the depths
the body reader resolved (`Instr.imms`) mapped onto the blocks open at that instruction. So a
shadowed label resolves exactly as the reader resolved it.

An item is a `Key`: (module number in the document, space, owner, index), where the owner is
the function for locals and labels, the type for fields, and -1 otherwise; a label's index is
its block's instruction index in the function body. Export names are strings, not references.
"""

from __future__ import annotations

import bisect
import functools
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from tree_sitter import Node
from wat_lsp.analysis.document import Document, no_cyclic_gc
from wat_lsp.analysis.ide import function_cache
from wat_lsp.analysis.labels import label_depths
from wat_lsp.analysis.literals import parse_id, parse_u64
from wat_lsp.analysis.model import Func, Instr, Module
from wat_lsp.analysis.opcodes import (
    IMM_SPACE,
    ONE_INDEX_OR_INTEGER,
    Flag,
    Imm,
    OpInfo,
    lookup,
    optional_index_present,
)
from wat_lsp.analysis.queries import DeepQuery, pieces


class Key(NamedTuple):
    module: int  # position in `Document.modules`
    space: str  # 'func' 'type' 'field' 'local' 'label' 'global' 'table' 'memory' 'tag' 'elem' 'data'
    owner: int  # function index (local, label), type index (field), else -1
    item: int  # index in the space; a label: its block's instruction index in the body


class Occurrence(NamedTuple):
    start: int
    end: int
    key: Key
    named: bool  # a `$name` (else a number)
    role: str  # 'decl' | 'read' | 'write' | 'use'
    number: int  # the index the binary format has here (a label: its relative depth); -1: none


def _key(module: int, space: str, owner: int, index: int) -> Key:
    return tuple.__new__(Key, (module, space, owner, index))


_IDX = "[(identifier) (integer)]"
_BLOCKS = ("block_instr", "if_instr", "try_table_instr", "try_instr",
           "folded_block", "folded_if", "folded_try_table", "folded_try")  # fmt: skip
_DECL_FIELDS = {"func": "func", "global": "global", "table": "table", "memory": "memory", "tag": "tag",
                "elem": "elem", "data": "data", "type_field": "type", "param": "local", "local": "local",
                "field_decl": "field"}  # fmt: skip
_USES = {"type_use": "type", "exact_heap_type": "type", "sub_type": "type", "cont_type": "type",
         "describes_clause": "type", "descriptor_clause": "type", "start": "func", "elem_list": "func",
         "inline_elem": "func", "table_use": "table", "memory_use": "memory", "legacy_catch": "tag",
         "delegate_clause": "label"}  # fmt: skip


def _query_text() -> str:
    # an instruction's name only when it has number or `$name` immediates (a third of them don't)
    lines = [f"({n} op: (instr_name) @op {_IDX})" for n in ("plain_instr", "folded_instr")]
    lines += [f"({n} {_IDX} @imm)" for n in ("plain_instr", "folded_instr")]
    lines += [f"({n} name: (identifier) @decl.{s})" for n, s in _DECL_FIELDS.items()]
    lines += [
        f'(import_desc kind: "{k}" name: (identifier) @decl.{k})'
        for k in ("func", "table", "memory", "global", "tag")
    ]
    lines += [
        f'(export_desc kind: "{k}" {_IDX} @use.{k})' for k in ("func", "table", "memory", "global", "tag")
    ]
    lines += [f"({n} {_IDX} @use.{s})" for n, s in _USES.items()]
    lines += [
        "(ref_type heap: [(identifier) (integer)] @use.type)",
        "(elem (integer) @use.table)",
        "(data (integer) @use.memory)",
        "(try_instr target: (_) @use.label)",
        f"(try_instr {_IDX} @try)",
        f"(catch_clause {_IDX} @catch)",
        f"(on_clause {_IDX} @on)",
        "[(catch_clause) (on_clause)] @clause",
    ]
    lines += [f"({b} label: (identifier) @decl.label)" for b in _BLOCKS]
    lines += [f"({b} end_label: (identifier) @endlabel)" for b in _BLOCKS if not b.startswith("folded")]
    lines += ["(if_instr else_label: (identifier) @endlabel)"]
    return "\n".join(lines)


@functools.cache
def _query() -> DeepQuery:
    return DeepQuery(_query_text())


# The kinds that take one number token.
_ONE = ONE_INDEX_OR_INTEGER | {Imm.F32, Imm.F64, Imm.HEAP_TYPE}
_WRITES = frozenset({"local.set", "local.tee", "global.set"})


def imm_spaces(op: OpInfo, n: int) -> tuple[str | None, ...]:
    return _imm_spaces(op.name, n)


@functools.cache
def _imm_spaces(name: str, n: int) -> tuple[str | None, ...]:
    """The index space of each of an instruction's `n` `$name`/integer immediate tokens (None:
    a plain number), by the rule the body reader applies: an optional table or memory index
    is present when there are more number tokens than the kinds after it require."""
    out: list[str | None] = []
    op = lookup(name)
    kinds = op.imms if op is not None else ()
    for i, kind in enumerate(kinds):
        left = n - len(out)
        if left <= 0:
            break
        if kind in (Imm.TABLE_OPT, Imm.MEMORY_OPT):
            if optional_index_present(kinds[i + 1 :], left):
                out.append(IMM_SPACE[kind])
        elif kind in (Imm.LABELS_DEFAULT, Imm.V128, Imm.SHUFFLE):
            out.extend([IMM_SPACE.get(kind)] * left)
        elif kind in _ONE:
            out.append(IMM_SPACE.get(kind))
    out.extend([None] * (n - len(out)))
    return tuple(out)


@dataclass(slots=True)
class _Labels:
    """A function's instructions in text order, and the blocks its label immediates target."""

    starts: list[int]
    order: list[int]
    targets: dict[int, list[tuple[int, int]]]  # instr index -> (block instr index or -1, depth)


@functools.lru_cache(maxsize=4096)  # names come from the user's text: bounded
def _indexing_op(name: bytes) -> OpInfo | None:
    """The instruction named `name` when some immediate of it can be an index (not for the
    `i32.const 1`s, which are most instructions with number tokens)."""
    op = lookup(name.decode("utf-8", "replace"))
    return op if op is not None and any(k in IMM_SPACE for k in op.imms) else None


# Immediates that are numbers only: an instruction with no other kind (`i32.const 1`,
# `i32.add`, `drop`) and no block structure holds no occurrence in its text.
_NUMBERS = frozenset({Imm.I32, Imm.I64, Imm.F32, Imm.F64})


@functools.cache
def _numbers_only(name: str) -> bool:
    op = lookup(name)
    return (
        op is not None
        and not op.flags & (Flag.BLOCK_START | Flag.BLOCK_ELSE | Flag.BLOCK_END)
        and all(k in _NUMBERS for k in op.imms)
    )


def numbers_only(f: Func) -> bool:
    """Whether no instruction of `f`'s body can hold an occurrence (no index, label, type
    or block): then the body's text holds none, and the query need not walk it."""
    return all(_numbers_only(name) for name in {ins.op.name for ins in f.body})


@functools.cache
def _structure(name: str) -> int:
    """1: opens a block, 2: closes one, 4: has label immediates (bits; by name, because
    testing enum flags per instruction is slow)."""
    op = lookup(name)
    if op is None:
        return 0
    bits = 1 if op.flags & Flag.BLOCK_START else 0
    bits |= 2 if op.flags & Flag.BLOCK_END else 0
    bits |= (
        4 if any(k in (Imm.LABEL, Imm.LABELS_DEFAULT, Imm.CATCHES, Imm.ON_CLAUSES) for k in op.imms) else 0
    )
    return bits


def _labels(func: Func) -> _Labels:
    body = func.body
    starts = [ins.start for ins in body]
    order = sorted(range(len(body)), key=starts.__getitem__)
    targets: dict[int, list[tuple[int, int]]] = {}
    open_: list[int] = []
    structure = _structure
    for i, ins in enumerate(body):
        bits = structure(ins.op.name)
        if not bits:
            continue
        if bits & 2 and open_:
            open_.pop()  # `delegate` resolves its label outside its own `try`
        if bits & 4:
            depths = label_depths(ins)
            if depths:
                n = len(open_)
                targets[i] = [(open_[n - 1 - d] if 0 <= d < n else -1, d) for d in depths]
        if bits & 1:
            open_.append(i)
    return _Labels([starts[i] for i in order], order, targets)


@dataclass(slots=True)
class _ModuleInfo:
    number: int
    module: Module
    func_starts: list[int]
    funcs: list[Func]
    type_starts: list[int]
    types: list[int]
    local_names: dict[int, dict[str, int]] = field(default_factory=dict)
    labels: dict[int, _Labels] = field(default_factory=dict)

    def func_at(self, offset: int) -> Func | None:
        i = bisect.bisect_right(self.func_starts, offset) - 1
        if i >= 0 and offset < self.funcs[i].span.end:
            return self.funcs[i]
        return None

    def type_at(self, offset: int) -> int | None:
        i = bisect.bisect_right(self.type_starts, offset) - 1
        if i >= 0 and offset < self.module.types[self.types[i]].span.end:
            return self.types[i]
        return None

    def locals_of(self, func: Func) -> dict[str, int]:
        names = self.local_names.get(func.index)
        if names is None:
            names = {}
            for d in func.all_locals:
                if d.name is not None:
                    names.setdefault(d.name, d.index)
            self.local_names[func.index] = names
        return names

    def labels_of(self, func: Func) -> _Labels:
        info = self.labels.get(func.index)
        if info is None:
            info = self.labels[func.index] = _labels(func)
        return info

    def count(self, space: str) -> int:
        m = self.module
        seq: dict[str, Sequence[object]] = {
            "func": m.funcs,
            "type": m.types,
            "global": m.globals,
            "table": m.tables,
            "memory": m.memories,
            "tag": m.tags,
            "elem": m.elems,
            "data": m.datas,
        }
        return len(seq.get(space, ()))


def _module_info(number: int, module: Module) -> _ModuleInfo:
    funcs = sorted(module.funcs, key=lambda f: f.span.start)
    types = sorted(
        (t.index for t in module.types if not t.implicit), key=lambda i: module.types[i].span.start
    )
    return _ModuleInfo(
        number,
        module,
        [f.span.start for f in funcs],
        funcs,
        [module.types[i].span.start for i in types],
        types,
    )


@dataclass(slots=True)
class _Clause:
    """A catch or on clause, as the resolver meets it."""

    end: int
    is_on: bool
    kind: str | None  # `catch`, `catch_ref`, `catch_all`, `catch_all_ref` (on clauses: None)
    owner: tuple[int, int, int]  # (module, function, instruction) holding it
    rank: int  # among its instruction's clauses that hold a label, before it
    kids: int = 0  # index tokens counted so far


class Resolver:
    """Turns the query's tokens into occurrences, for the whole document or a byte range."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.data = doc.data
        self.modules = [
            _module_info(n, sm.read.module) for n, sm in enumerate(doc.modules) if sm.read is not None
        ]
        self.module_starts = [mi.module.span.start for mi in self.modules]
        # The last ranges asked for: hover, definition, highlight and rename all ask for the
        # function or field around the cursor (a 100,000-level function: a second each).
        self._recent: dict[tuple[int, int | None], list[Occurrence]] = {}
        self._keyed: dict[tuple[int, int], dict[Key, list[Occurrence]]] = {}
        self._recent_lock = threading.Lock()  # both workers ask

    def module_at(self, offset: int) -> _ModuleInfo | None:
        if len(self.modules) == 1:
            only = self.modules[0]
            return only if only.module.span.start <= offset <= only.module.span.end else None
        i = bisect.bisect_right(self.module_starts, offset) - 1
        if i >= 0 and offset <= self.modules[i].module.span.end:
            return self.modules[i]
        return None

    def occurrences(self, start: int = 0, end: int | None = None) -> list[Occurrence]:
        with self._recent_lock:
            recent = self._recent.get((start, end))
        if recent is not None:
            return list(recent)
        with no_cyclic_gc():  # a million small acyclic objects: see `no_cyclic_gc`
            found = self._occurrences(start, end)
        if start or end is not None:  # (the whole document's are kept by the index)
            with self._recent_lock:
                while len(self._recent) >= 2:
                    del self._recent[next(iter(self._recent))]
                self._recent[start, end] = found
        return list(found)

    def of_key(self, start: int, end: int, key: Key) -> list[Occurrence]:
        """The occurrences of `key` in [start, end), grouped once per range (a rewrite at every
        token of a function asks for its items' occurrences again and again)."""
        with self._recent_lock:
            keyed = self._keyed.get((start, end))
        if keyed is None:
            keyed = _by_key(self.occurrences(start, end))
            with self._recent_lock:
                while len(self._keyed) >= 2:
                    del self._keyed[next(iter(self._keyed))]
                self._keyed[start, end] = keyed
        return list(keyed.get(key, ()))

    def function_occurrences(self, f: Func, start: int, end: int, broken: bool) -> list[Occurrence]:
        """The occurrences starting in function field [start, end) (`f`, read without a syntax
        error unless `broken`): when its body can hold none (`numbers_only`), its header's
        and what follows the body only. The query walks down every level of a body; 100,000
        nested folded operands (`(i32.add (i32.add ...) (i32.const 1))`) gave 200,000
        captures of `i32.const` that resolve to nothing."""
        body = f.body_span
        if broken or body is None or not start <= body.start <= body.end <= end or not numbers_only(f):
            return _within(self.occurrences(start, end), start, end)
        return _within(self.occurrences(start, body.start), start, body.start) + _within(
            self.occurrences(body.end, end), body.end, end
        )

    def _occurrences(self, start: int, end: int | None) -> list[Occurrence]:
        found_by_name: dict[str, list[Node]] = {}
        for piece in pieces(self.doc.tree.root_node, start, end):
            for name, found in _query().captures(piece, start, end).items():
                found_by_name.setdefault(name, []).extend(found)
        keys: list[int] = []
        caps: list[str] = []
        nodes: list[Node] = []
        for name, found in found_by_name.items():
            late = name == "try"  # a legacy `catch` tag: only what no other pattern claimed
            keys.extend(n.start_byte * 2 + late for n in found)
            caps.extend([name] * len(found))
            nodes.extend(found)
        order = sorted(range(len(keys)), key=keys.__getitem__)
        return list(self._resolve(keys, caps, nodes, order))

    def _resolve(
        self, keys: list[int], caps: list[str], nodes: list[Node], order: list[int]
    ) -> Iterator[Occurrence]:
        data = self.data
        group: list[Node] = []
        op: OpInfo | None = None
        op_start = -1
        prev = -1
        clause: _Clause | None = None  # the catch or on clause the tokens are in
        ranks: dict[tuple[int, int, int], int] = {}  # clauses so far by (module, function, instruction)
        place: tuple[_Clause, int] | None = None
        for k in order:
            start, cap, node = keys[k] >> 1, caps[k], nodes[k]
            if cap == "clause":  # before its tokens (it starts at its `(`)
                clause = self._clause(node, clause, ranks)
                continue
            if cap in ("catch", "on") and clause is not None and start < clause.end:
                place = (clause, clause.kids)  # this token's clause, and the token's rank in it
                clause.kids += 1
            else:
                place = None
            if start == prev:
                continue  # claimed by an earlier (more specific) pattern
            prev = start
            if cap == "imm":
                if op is not None:
                    group.append(node)
                continue
            if group:
                yield from self._instr(op, op_start, group)
                group = []
            if cap == "op":
                op = _indexing_op(data[start : node.end_byte])
                op_start = start
                continue
            occ = self._token(cap, node, place)
            if occ is not None:
                yield occ
        if group:
            yield from self._instr(op, op_start, group)

    # --- one token --------------------------------------------------------------------

    def _text(self, node: Node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def _index(self, mi: _ModuleInfo, space: str, node: Node) -> int | None:
        """A module-level index written as `node` (None: it does not resolve)."""
        text = self._text(node)
        if node.type == "identifier":
            name, err = parse_id(text)
            return None if err is not None else mi.module.names.get(space, {}).get(name)
        value, err = parse_u64(text)
        return value if err is None and value < mi.count(space) else None

    def _occ(self, key: Key, node: Node, role: str, number: int) -> Occurrence:
        return tuple.__new__(
            Occurrence, (node.start_byte, node.end_byte, key, node.type == "identifier", role, number)
        )

    def _clause(
        self, node: Node, previous: _Clause | None, ranks: dict[tuple[int, int, int], int]
    ) -> _Clause:
        """A catch or on clause met in text order, with its rank among the clauses of its
        instruction that hold a label (`previous` now has all its tokens counted): what the
        clause's tokens need, found without `Node.parent`, which walks down from the root
        (nested `try_table`s made each catch cost the depth)."""
        if previous is not None and (not previous.is_on or previous.kids == 2):
            ranks[previous.owner] = ranks.get(previous.owner, 0) + 1
        owner = (-1, -1, -1)
        mi = self.module_at(node.start_byte)
        func = mi.func_at(node.start_byte) if mi is not None else None
        if mi is not None and func is not None:
            labels = mi.labels_of(func)
            i = bisect.bisect_right(labels.starts, node.start_byte) - 1
            owner = (mi.number, func.index, labels.order[i] if i >= 0 else -1)
        is_on = node.type == "on_clause"
        return _Clause(node.end_byte, is_on, self._kind(node), owner, ranks.get(owner, 0))

    def _token(self, cap: str, node: Node, place: tuple[_Clause, int] | None = None) -> Occurrence | None:
        mi = self.module_at(node.start_byte)
        if mi is None:
            return None
        kind, _, space = cap.partition(".")
        if kind == "decl":
            return self._decl(mi, space, node)
        if kind == "use" and space != "label":
            index = self._index(mi, space, node)
            return None if index is None else self._occ(_key(mi.number, space, -1, index), node, "use", index)
        if cap in ("use.label", "endlabel", "catch", "on"):
            return self._nested_label_or_tag(mi, cap, node, place)
        if cap == "try":  # the tag after a legacy `catch`
            index = self._index(mi, "tag", node)
            return None if index is None else self._occ(_key(mi.number, "tag", -1, index), node, "use", index)
        return None

    def _decl(self, mi: _ModuleInfo, space: str, node: Node) -> Occurrence | None:
        at = node.start_byte
        if space == "local":
            func = mi.func_at(at)
            index = self._local(mi, func, node) if func is not None else None
            if func is None or index is None or not func.all_locals[index].span.start <= at:
                return None  # a parameter of a type definition or a block type
            return self._occ(_key(mi.number, "local", func.index, index), node, "decl", index)
        if space == "field":
            type_index = mi.type_at(at)
            name, err = parse_id(self._text(node))
            if type_index is None or err is not None:
                return None
            fi = mi.module.types[type_index].field_names.get(name)
            return (
                None if fi is None else self._occ(_key(mi.number, "field", type_index, fi), node, "decl", fi)
            )
        if space == "label":
            func = mi.func_at(at)
            if func is None:
                return None
            labels = mi.labels_of(func)
            i = bisect.bisect_right(labels.starts, at) - 1
            block = labels.order[i] if i >= 0 else -1
            if block < 0 or not func.body[block].op.flags & Flag.BLOCK_START:
                return None
            return self._occ(_key(mi.number, "label", func.index, block), node, "decl", -1)
        index = self._index(mi, space, node)
        return None if index is None else self._occ(_key(mi.number, space, -1, index), node, "decl", index)

    def _nested_label_or_tag(
        self, mi: _ModuleInfo, cap: str, node: Node, place: tuple[_Clause, int] | None = None
    ) -> Occurrence | None:
        """Labels outside plain immediates (`end $l`, `delegate $l`, catch and on clauses) and
        the tags of catch and on clauses (`place`: the token's clause and rank in it, else
        found from the tree)."""
        if cap in ("catch", "on"):
            if place is not None:
                first, kind = place[1] == 0, place[0].kind
            else:
                parent = node.parent
                kids = (
                    [c for c in parent.named_children if c.type in ("identifier", "integer")]
                    if parent
                    else []
                )
                first = bool(kids) and kids[0].start_byte == node.start_byte
                kind = self._kind(parent) if parent is not None else None
            has_tag = cap == "on" or "all" not in (kind or "")
            if first and has_tag:
                index = self._index(mi, "tag", node)
                return (
                    None
                    if index is None
                    else self._occ(_key(mi.number, "tag", -1, index), node, "use", index)
                )
        func = mi.func_at(node.start_byte)
        if func is None:
            return None
        labels = mi.labels_of(func)
        i = bisect.bisect_right(labels.starts, node.start_byte) - 1
        if i < 0:
            return None
        owner = labels.order[i]
        ins = func.body[owner]
        if cap == "endlabel":  # `end $l` / `else $l`: repeats the label of its block
            name = ins.op.name
            block = ins.match if name == "end" else -1
            if name == "else" and 0 <= ins.match < len(func.body):
                block = func.body[ins.match].match  # `else` links to `end`, `end` to the start
            if not 0 <= block < len(func.body):
                return None
            return self._occ(_key(mi.number, "label", func.index, block), node, "use", -1)
        targets = labels.targets.get(owner, [])
        # Which of the instruction's label tokens this is: count those before it.
        nth = place[0].rank if place is not None else self._label_position(ins, node)
        if not 0 <= nth < len(targets) or targets[nth][0] < 0:
            return None
        block, depth = targets[nth]
        return self._occ(_key(mi.number, "label", func.index, block), node, "use", depth)

    def _kind(self, node: Node) -> str | None:
        kind = node.child_by_field_name("kind")
        return self._text(kind) if kind is not None else None

    def _label_position(self, ins: Instr, node: Node) -> int:
        """The rank of label token `node` among the label tokens of `ins` (clauses of a
        `try_table` or `resume`: one label each, in order)."""
        parent = node.parent
        if parent is None or parent.type not in ("catch_clause", "on_clause"):
            return 0
        rank = 0
        sibling = parent.prev_named_sibling
        while sibling is not None and sibling.type == parent.type:
            if (
                parent.type == "catch_clause"
                or sum(1 for c in sibling.named_children if c.type in ("identifier", "integer")) == 2
            ):
                rank += 1
            sibling = sibling.prev_named_sibling
        return rank

    # --- an instruction's immediates ------------------------------------------------------

    def _instr(self, op: OpInfo | None, op_start: int, nodes: list[Node]) -> Iterator[Occurrence]:
        if op is None:
            return
        mi = self.module_at(op_start)
        if mi is None:
            return
        spaces = imm_spaces(op, len(nodes))
        func: Func | None = None
        last_type: int | None = None
        label_rank = 0
        for node, space in zip(nodes, spaces, strict=True):
            if space is None:
                continue
            if space == "local" or space == "label":
                func = func or mi.func_at(op_start)
                if func is None:
                    continue
            if space == "local":
                assert func is not None
                index = self._local(mi, func, node)
                if index is not None:
                    yield self._occ(
                        _key(mi.number, "local", func.index, index),
                        node,
                        "write" if op.name in _WRITES else "read",
                        index,
                    )
                continue
            if space == "label":
                assert func is not None
                occ = self._imm_label(mi, func, op_start, node, label_rank)
                label_rank += 1
                if occ is not None:
                    yield occ
                continue
            if space == "field":
                occ = self._field(mi, last_type, node)
                if occ is not None:
                    yield occ
                continue
            index = self._index(mi, space, node)
            if space == "type":
                last_type = index
            if index is not None:
                role = "write" if op.name in _WRITES else "read" if space == "global" else "use"
                yield self._occ(_key(mi.number, space, -1, index), node, role, index)

    def _local(self, mi: _ModuleInfo, func: Func, node: Node) -> int | None:
        text = self._text(node)
        if node.type == "identifier":
            name, err = parse_id(text)
            return None if err is not None else mi.locals_of(func).get(name)
        value, err = parse_u64(text)
        return value if err is None and value < len(func.params) + len(func.locals) else None

    def _field(self, mi: _ModuleInfo, type_index: int | None, node: Node) -> Occurrence | None:
        if type_index is None:
            return None
        td = mi.module.types[type_index]
        text = self._text(node)
        if node.type == "identifier":
            name, err = parse_id(text)
            index = td.field_names.get(name) if err is None else None
        else:
            value, err = parse_u64(text)
            index = value if err is None and value < len(td.field_spans) else None
        return (
            None
            if index is None
            else self._occ(_key(mi.number, "field", type_index, index), node, "use", index)
        )

    def _imm_label(
        self, mi: _ModuleInfo, func: Func, op_start: int, node: Node, rank: int
    ) -> Occurrence | None:
        labels = mi.labels_of(func)
        i = bisect.bisect_left(labels.starts, op_start)
        if i >= len(labels.starts) or labels.starts[i] != op_start:
            return None
        targets = labels.targets.get(labels.order[i], [])
        if rank >= len(targets) or targets[rank][0] < 0:
            return None
        block, depth = targets[rank]
        return self._occ(_key(mi.number, "label", func.index, block), node, "use", depth)


@dataclass(slots=True)
class FuncOccurrences:
    """One function's occurrences, at the offsets it had when they were found."""

    occurrences: list[Occurrence]
    by_key: dict[Key, list[Occurrence]]


def _by_key(occs: list[Occurrence]) -> dict[Key, list[Occurrence]]:
    out: dict[Key, list[Occurrence]] = {}
    for o in occs:
        out.setdefault(o.key, []).append(o)
    return out


def reaching(occs: list[Occurrence], start: int, end: int) -> list[Occurrence]:
    """Those of `occs` (in text order) that reach into [start, end) or end at `start`."""
    lo = bisect.bisect_left(occs, start, key=lambda o: o.start)
    while lo > 0 and occs[lo - 1].end >= start:
        lo -= 1
    hi = bisect.bisect_left(occs, end, lo, key=lambda o: o.start)
    return [o for o in occs[lo:hi] if o.end >= start]


def shifted(occs: list[Occurrence], delta: int) -> list[Occurrence]:
    if not delta:
        return occs
    new = tuple.__new__
    return [new(Occurrence, (o.start + delta, o.end + delta, o.key, o.named, o.role, o.number)) for o in occs]


@dataclass(slots=True)
class Index:
    """All occurrences of a document: those of each function field (found function by
    function and kept from version to version, see `pieces`) and those outside them (the
    whole document's when it has no `function_cache.Layout`), in text order."""

    resolver: Resolver
    layout: function_cache.Layout | None
    outside: list[Occurrence]
    outside_by_key: dict[Key, list[Occurrence]]
    funcs: list[tuple[FuncOccurrences, int]]  # per function of `layout`: occurrences, how far it moved

    def function_occurrences(self, i: int) -> list[Occurrence]:
        """The occurrences in the `i`th function field of the layout, where it is now."""
        found, origin = self.funcs[i]
        assert self.layout is not None
        return shifted(found.occurrences, self.layout.starts[i] - origin)

    def in_range(self, start: int, end: int) -> list[Occurrence]:
        """The occurrences that reach into [start, end) or end at `start`, in text order: a
        lookup, not a query (which walks down to the range through every enclosing node)."""
        out = reaching(self.outside, start, end)
        lay = self.layout
        if lay is not None:
            i = bisect.bisect_left(lay.ends, start)
            while i < len(lay.starts) and lay.starts[i] < end:
                out += reaching(self.function_occurrences(i), start, end)
                i += 1
            out.sort(key=lambda o: o.start)  # (stable: the regions do not overlap)
        return out

    def of(self, key: Key) -> list[Occurrence]:
        """Every occurrence of `key`, in text order (a lookup per function, not a walk)."""
        out = list(self.outside_by_key.get(key, ()))
        if self.layout is not None:
            starts = self.layout.starts
            for i, (found, origin) in enumerate(self.funcs):
                here = found.by_key.get(key)
                if here:
                    out += shifted(here, starts[i] - origin)
            out.sort(key=lambda o: o.start)
        return out


_PIECES: function_cache.Cache[FuncOccurrences] = function_cache.Cache()


def build_index(doc: Document) -> Index:
    with no_cyclic_gc():  # the analysis is millions of objects: a full collection costs seconds
        resolver = Resolver(doc)
        lay = function_cache.layout(doc)
        if lay is None:
            occs = resolver.occurrences()
            return Index(resolver, None, occs, _by_key(occs), [])

        def compute(missing: list[int]) -> list[FuncOccurrences]:
            if len(missing) > function_cache.WHOLE_QUERY:
                occs = resolver.occurrences()
                starts = [o.start for o in occs]
                parts = [
                    occs[bisect.bisect_left(starts, lay.starts[i]) : bisect.bisect_left(starts, lay.ends[i])]
                    for i in missing
                ]
            else:
                read = doc.modules[0].read  # (a layout is of one text module)
                broken = read.broken if read is not None else set()
                parts = [
                    resolver.function_occurrences(
                        lay.funcs[i], lay.starts[i], lay.ends[i], lay.funcs[i].index in broken
                    )
                    for i in missing
                ]
            return [FuncOccurrences(p, _by_key(p)) for p in parts]

        funcs = _PIECES.results(lay, None, compute)
        outside: list[Occurrence] = []
        data = doc.data
        for a, b in lay.gaps(len(data)):
            if data[a:b].strip():
                outside += _within(resolver.occurrences(a, b), a, b)
        return Index(resolver, lay, outside, _by_key(outside), funcs)


def _within(occs: list[Occurrence], start: int, end: int) -> list[Occurrence]:
    return [o for o in occs if start <= o.start < end]


_lock = threading.Lock()
_cache: list[tuple[Document, Index | Resolver]] = []


def _cached(doc: Document, kind: type[Index] | type[Resolver]) -> Index | Resolver | None:
    for d, value in _cache:
        if d is doc and isinstance(value, kind):
            return value
    return None


def _remember(doc: Document, value: Index | Resolver) -> None:
    _cache.insert(0, (doc, value))
    del _cache[4:]  # the last versions of the open documents: each holds a whole analysis


def clear() -> None:
    """Forget the cached indexes and resolvers (a document was closed: `release`)."""
    with _lock:
        _cache.clear()


def index(doc: Document) -> Index:
    """The document's occurrences, computed once per analysed version (built outside the lock:
    the other worker's range requests must not wait seconds for it)."""
    with _lock:
        found = _cached(doc, Index)
    if isinstance(found, Index):
        return found
    built = build_index(doc)
    with _lock:
        found = _cached(doc, Index)
        if isinstance(found, Index):
            return found
        _remember(doc, built)
    return built


def resolver(doc: Document) -> Resolver:
    """A resolver for ranges of the document (the whole index may not be needed)."""
    with _lock:
        found = _cached(doc, Index)
        if isinstance(found, Index):
            return found.resolver
        found = _cached(doc, Resolver)
        if isinstance(found, Resolver):
            return found
        built = Resolver(doc)
        _remember(doc, built)
        return built


def cached_index(doc: Document) -> Index | None:
    """The document's index if it has been built (else None: building it costs the whole
    document)."""
    with _lock:
        found = _cached(doc, Index)
    return found if isinstance(found, Index) else None


def in_range(doc: Document, start: int, end: int) -> list[Occurrence]:
    """The occurrences between two offsets (and those reaching into them)."""
    idx = cached_index(doc)
    if idx is not None:
        return idx.in_range(start, end)
    return resolver(doc).occurrences(start, end)
