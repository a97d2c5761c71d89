"""Function bodies and constant expressions: CST instructions to a flat `Instr` list.

Folded and plain forms give the same sequence. The walk keeps an explicit work stack, so a
body nested 100,000 blocks deep reads without recursion. Labels resolve to relative depths
while walking, because a label's scope is exactly the span between its block start and `end`
in execution order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tree_sitter import Node, TreeCursor
from wat_lsp.analysis import cst
from wat_lsp.analysis.immediates import (
    CONTEXT_FREE,
    MEMARG,
    OPS,
    FastImmediates,
    ImmCache,
    Immediates,
    check_type_use_order,
)
from wat_lsp.analysis.lexical import glue_diagnostic
from wat_lsp.analysis.literals import parse_id
from wat_lsp.analysis.model import (
    UNRESOLVED,
    BlockType,
    Catch,
    Immediate,
    Instr,
    Module,
    Span,
    ValType,
)
from wat_lsp.analysis.opcodes import OpInfo, lookup
from wat_lsp.analysis.syntax import language
from wat_lsp.analysis.types_reader import Report, TypeNames, resolve_index

# CST node types that are instructions.
PLAIN = "plain_instr"
FOLDED = "folded_instr"
BLOCKS = frozenset({"block_instr", "if_instr", "try_table_instr", "try_instr"})
FOLDED_BLOCKS = frozenset({"folded_block", "folded_if", "folded_try_table", "folded_try"})
INSTR_NODES = frozenset({PLAIN, FOLDED}) | BLOCKS | FOLDED_BLOCKS

# False sends every instruction through the general path (`_expand`, `Immediates`), with no
# fast decoding and no cache of block types: only tests set it, to check that the fast paths
# give the same model and diagnostics.
FAST_PATHS = True


@dataclass(slots=True)
class _Emit:
    """A deferred instruction: emitted when popped (after a folded form's operands)."""

    op: OpInfo
    imms: tuple[Immediate, ...]
    start: int
    end: int
    ostart: int
    oend: int
    label: str | None = None
    push_label: bool = False


@dataclass(slots=True)
class _Close:
    """The `end` (or `delegate`) of a block: pops its label."""

    op: OpInfo
    start: int
    end: int
    imms: tuple[Immediate, ...] = ()
    delegate_node: Node | None = None


@dataclass(slots=True)
class _Clause:
    """`else`/`catch`/`catch_all` between arms of a block."""

    op: OpInfo
    start: int
    end: int
    tag_node: Node | None = None


_Work = Node | Instr | _Emit | _Close | _Clause


class BodyReader(FastImmediates):
    """Reads instruction sequences of one function (or a constant expression)."""

    def __init__(
        self,
        data: bytes,
        module: Module,
        report: Report,
        local_names: dict[str, int] | None = None,
        cache: ImmCache | None = None,
    ) -> None:
        self.data = data
        self.module = module
        self._counter = _Counter(report)
        self.local_names = local_names or {}
        cache = cache or ImmCache()
        # `TypeNames` reports through the counter, not through a method of this reader: a
        # bound method would make a cycle holding the body it reads, which only the cyclic
        # collector frees (and never once `gc.freeze` moved it to the permanent generation).
        self.types = TypeNames(data, module.names.get("type", {}), self._counter, cache.types)
        self.labels: list[str | None] = []
        self.out: list[Instr] = []
        self.open: list[int] = []  # indices in `out` of open block starts
        # per open block: its else/catch instructions (`_NONE` until it has one: most have none)
        self.clauses: list[list[int]] = []
        self.broken = False  # an instruction could not be read (unknown, bad immediates)
        self._cache = cache.by_code
        self._locals: dict[object, tuple[Immediate, ...]] = {}  # this function's local indices
        self._texts = cache.texts

    def report(self, code: str, message: str, span: Span) -> None:
        self._counter(code, message, span)

    @property
    def reported(self) -> int:
        """How many diagnostics this reader made."""
        return self._counter.count

    # --- the walk -------------------------------------------------------------------

    def read(self, nodes: list[Node], function_label: bool = True) -> list[Instr]:
        self.labels = [None] if function_label else []
        stack: list[_Work] = list(reversed(nodes))
        if not stack:
            return self.out
        first = stack[-1]
        assert isinstance(first, Node)
        cur = first.walk()  # one cursor for the children of every instruction
        clean = not any(n.has_error for n in nodes)  # then no node below has one either
        out = self.out
        pop = stack.pop
        classes = _KIND_CLASS if FAST_PATHS else _NO_KIND_CLASS
        while stack:
            item = pop()
            cls = type(item)  # (exact types: cheaper than a chain of `isinstance`)
            if cls is Node:
                node: Node = item  # type: ignore[assignment]
                kind = classes.get(node.kind_id)
                if kind is None or (not clean and node.has_error):  # other blocks, trivia, errors
                    self._expand(node, stack)
                elif kind == _BLOCK:
                    self._block_fast(node, cur, stack)
                else:
                    instr = self._plain_words(node) if kind == _PLAIN else self._folded_words(node)
                    if instr is None:
                        instr = self._instr_fast(node, kind, cur, stack)
                    if instr is not None:
                        out.append(instr)
            elif cls is Instr:
                out.append(item)  # type: ignore[arg-type]
            elif cls is _Close:
                self._close(item)  # type: ignore[arg-type]
            elif cls is _Emit:
                self._emit(item)  # type: ignore[arg-type]
            else:
                self._clause(item)  # type: ignore[arg-type]
        while self.open:  # only after syntax errors: keep structure well-formed
            at = len(self.data) if not self.out else self.out[-1].end
            end_op = lookup("end")
            assert end_op is not None
            self._close(_Close(end_op, at, at))
        return self.out

    def _expand(self, node: Node, stack: list[_Work]) -> None:
        kind = node.type
        if kind == PLAIN:
            item, _ = self._instr_item(node, False)
            if item is not None:
                self._emit(item)
        elif kind == FOLDED:
            # `( op imm* folded* )`: the operands run first, then the instruction
            item, operands = self._instr_item(node, True)
            if item is not None:
                stack.append(item)
            stack.extend(reversed(operands))
        elif kind in BLOCKS or kind in FOLDED_BLOCKS:
            self._expand_block(node, stack)
        # anything else (errors, trivia) was reported by the syntax pass

    def _instr_fast(self, node: Node, folded: int, cur: TreeCursor, stack: list[_Work]) -> Instr | None:
        """`_instr_item` for a node without errors, appending a folded form's instruction
        and operands to `stack`; the plain instruction is returned. One cursor pass over the
        children: the hot loop of reading, kept to as few calls into tree-sitter as can be."""
        data = self.data
        classes = _CHILD_CLASS
        op_node: Node | None = None
        op_end = 0
        imm_nodes: list[Node] = []
        operands: list[Node] = []
        glued: list[int] | None = None
        prev_end = -1
        cur.reset(node)
        more = cur.goto_first_child()
        if folded == _FOLDED and more:  # past the `(`, which nothing is glued to
            more = cur.goto_next_sibling()
        while more:
            c = cur.node
            assert c is not None
            kid = c.kind_id
            if kid in _PARENTHESISED:  # nothing is glued to a parenthesis: no offsets read
                if kid not in _PAREN_IDS:
                    operands.append(c)
                prev_end = -1
                more = cur.goto_next_sibling()
                continue
            k = classes[kid]
            start = c.start_byte
            if (
                start == prev_end
                and k != _TRIVIA
                and data[start] not in _PARENS
                and data[start - 1] not in _PARENS
            ):
                if glued is None:
                    glued = []
                glued.append(start)
            prev_end = c.end_byte
            if k == _OPNAME and op_node is None:
                op_node = c
                op_end = prev_end
            elif k == _INSTR:
                operands.append(c)
            elif k >= _OPNAME:  # an immediate, or a second mnemonic
                imm_nodes.append(c)
            elif k == _TRIVIA:
                prev_end = -1  # a comment separates tokens
            more = cur.goto_next_sibling()
        if glued is not None:
            for start in glued:
                self.report("syntax", cst.GLUE_MESSAGE, Span(start, start + 1))
        instr = None
        if op_node is not None:
            op_start = op_node.start_byte
            entry = OPS.get(data[op_start:op_end])
            if entry is None:
                name = data[op_start:op_end].decode("utf-8", "replace")
                self.report("unknown-instruction", f"unknown instruction `{name}`", Span(op_start, op_end))
                self.broken = True
            else:
                op, plan = entry
                end = op_end
                imms: tuple[Immediate, ...] | None = ()
                if imm_nodes or plan is not None:
                    if imm_nodes:
                        end = imm_nodes[-1].end_byte
                    imms = self._fast_imms(plan, imm_nodes) if plan is not None else None
                    if imms is None:
                        imms = Immediates(self, op, imm_nodes, Span(op_start, end)).read()
                elif op.imms:
                    imms = Immediates(self, op, imm_nodes, Span(op_start, end)).read()
                if imms is None:
                    self.broken = True
                elif folded == _FOLDED:
                    instr = Instr(op, imms, op_start, end, node.start_byte, node.end_byte)
                else:
                    instr = Instr(op, imms, op_start, end, op_start, end)
        if folded != _FOLDED:
            return instr
        if instr is not None:
            stack.append(instr)
        if operands:
            operands.reverse()
            stack.extend(operands)
        return None

    def _plain_words(self, node: Node) -> Instr | None:
        """A plain instruction read from its text alone, when that is safe, without
        touching its children: when the node (free of errors) has one child per white-space
        separated word, each word is one token and no two tokens touch. Immediates are
        decoded by `_word_imm`; anything it cannot be sure of goes to `_instr_fast`."""
        start = node.start_byte
        end = node.end_byte
        text = self.data[start:end]
        hit = self._texts.get(text)
        if hit is not None:
            op, imms, count, _, _ = hit
            return Instr(op, imms, start, end, start, end) if node.child_count == count else None
        words = text.split()
        if node.child_count != len(words):
            return None
        instr = self._words(words, start, end, start, end)
        if instr is not None and instr.op.name in CONTEXT_FREE:
            self._texts[text] = (instr.op, instr.imms, len(words), 0, end - start)
        return instr

    def _folded_words(self, node: Node) -> Instr | None:
        """`_plain_words` for a folded instruction without operands, `(i32.const 1)`: its
        text inside the parentheses holds no parenthesis (no operand, no block comment) and
        no `;` (no line comment), and there is one child per word besides the two
        parentheses."""
        ostart = node.start_byte
        oend = node.end_byte
        data = self.data
        # `find`, not a slice: an instruction with operands holds them all (100,000 nested
        # operands: 2.4 MB), and its first operand's `(` comes soon after the mnemonic
        if data.find(b"(", ostart + 1, oend - 1) >= 0 or data.find(b";", ostart + 1, oend - 1) >= 0:
            return None
        inner = data[ostart + 1 : oend - 1]
        hit = self._texts.get(inner)
        if hit is not None:
            op, imms, count, lead, size = hit
            if node.child_count != count + 2:
                return None
            return Instr(op, imms, ostart + 1 + lead, ostart + 1 + size, ostart, oend)
        words = inner.split()
        if not words or node.child_count != len(words) + 2:
            return None
        lead = len(inner) - len(inner.lstrip())
        size = len(inner.rstrip())
        instr = self._words(words, ostart + 1 + lead, ostart + 1 + size, ostart, oend)
        if instr is not None and instr.op.name in CONTEXT_FREE:
            self._texts[inner] = (instr.op, instr.imms, len(words), lead, size)
        return instr

    def _words(self, words: list[bytes], start: int, end: int, ostart: int, oend: int) -> Instr | None:
        entry = OPS.get(words[0])
        if entry is None:
            return None
        op, plan = entry
        imms: tuple[Immediate, ...] | None = None
        n = len(words)
        if n == 1 and not op.imms:
            imms = ()
        elif plan is None:
            return None
        elif plan[0] is MEMARG:
            if n > 3:
                return None
            offset = align = b""
            i = 1
            if i < n and words[i].startswith(b"offset="):
                offset = words[i]
                i += 1
            if i < n and words[i].startswith(b"align="):
                align = words[i]
                i += 1
            if i != n:
                return None
            # `offset=` and `align=` words are those tokens: no other starts so
            imms = self._memarg_cached(plan[1], offset, align)  # type: ignore[arg-type]
        elif n == 2 and len(plan) == 1:
            imms = self._word_imm(plan[0], words[1], UNRESOLVED)
        elif n == len(plan) + 1:
            imms = self._fast_each(plan, words[1:], self._word_imm)
        if imms is None:
            return None
        return Instr(op, imms, start, end, ostart, oend)

    def _block_fast(self, node: Node, cur: TreeCursor, stack: list[_Work]) -> None:
        """`_expand_block` for a `block` or `loop`, plain or folded, without errors: the
        grammar fixes its children (keyword, label, block type, instructions, `end` and its
        label), so one cursor pass sorts them by kind id. Nested blocks are read at a few
        times the cost of a plain instruction, rather than through the general path's two
        passes, field names and node type strings (100,000 nested blocks: 0.65 -> 0.3 s)."""
        data = self.data
        folded = node.kind_id in _FOLDED_BLOCK_IDS
        opword: Node | None = None
        label: str | None = None
        label_text: Node | None = None
        head_end = 0
        bt_nodes: list[Node] = []
        body: list[Node] = []
        close_start = close_end = -1
        end_label: Node | None = None
        glued_at: int | None = None
        prev_end = -1
        cur.reset(node)
        more = cur.goto_first_child()
        while more:
            c = cur.node
            assert c is not None
            k = c.kind_id
            if k in _TRIVIA_KINDS or k in _PAREN_IDS:  # (no token is glued to a parenthesis)
                prev_end = -1
                more = cur.goto_next_sibling()
                continue
            at = c.start_byte
            if (
                glued_at is None
                and at == prev_end
                and 0 < at < len(data)
                and data[at] not in _PARENS
                and data[at - 1] not in _PARENS
            ):
                glued_at = at
            prev_end = c.end_byte
            if k in _INSTR_KIND_IDS:
                body.append(c)
            elif k == _IDENTIFIER:
                if close_start >= 0:  # `end $l`
                    end_label = c
                    close_end = prev_end
                elif label_text is None and not bt_nodes and not body:
                    label_text = c
                    label = parse_id(data[at:prev_end].decode("utf-8", "replace"))[0]
                    head_end = prev_end
            elif k in _BLOCK_TYPE_IDS:
                bt_nodes.append(c)
                head_end = prev_end
            elif k == _END_KW:
                close_start, close_end = at, prev_end
            elif k in _BLOCK_KWS and opword is None:
                opword = c
                head_end = prev_end
            more = cur.goto_next_sibling()
        if glued_at is not None:
            self.report("syntax", cst.GLUE_MESSAGE, Span(glued_at, glued_at + 1))
        if end_label is not None:
            self._end_label(end_label, label)
        if opword is None:
            return
        op = _BLOCK_OPS[opword.kind_id]
        end = node.end_byte
        if folded:
            close_start, close_end = end - 1, end
        elif close_start < 0:
            close_start = close_end = end
        stack.append(_Close(_END_OP, close_start, close_end))
        imms = (self._block_type_of(bt_nodes, True),) if bt_nodes else _NO_BLOCK_TYPE_IMMS
        ostart = node.start_byte if folded else opword.start_byte
        oend = end if folded else head_end
        self._open_block(op, imms, opword.start_byte, head_end, ostart, oend, label)
        if body and body[0].kind_id in _PLAIN_KIND_IDS:
            self._leading_plain(body, cur, stack)
        elif body:
            body.reverse()
            stack.extend(body)

    def _end_label(self, node: Node, label: str | None) -> None:
        """`end $l` / `else $l`: must repeat the block's label."""
        name = parse_id(cst.text(self.data, node))[0]
        if label is None or name != label:
            self.report("malformed", f"mismatching label `{cst.text(self.data, node)}`", cst.span(node))

    def _expand_block(self, node: Node, stack: list[_Work]) -> None:
        """Block-like forms, plain or folded: emit the start now, queue the rest."""
        folded = node.type in FOLDED_BLOCKS
        # One cursor pass: the token-separation check, and each child with its kind id and
        # (when it may have one) field name, as `child_by_field_name` and
        # `field_name_for_child` each walk the children again.
        data = self.data
        plain = not node.has_error  # then no child is MISSING and the extras are trivia
        glued_at: int | None = None
        prev_end = -1
        children: list[tuple[Node, int, str | None]] = []
        opword: Node | None = None
        label_node: Node | None = None
        cur = node.walk()
        more = cur.goto_first_child()
        while more:
            c = cur.node
            assert c is not None
            k = c.kind_id
            if k in _TRIVIA_KINDS:
                prev_end = -1
            else:
                if plain:
                    at = c.start_byte
                    if (
                        glued_at is None
                        and at == prev_end
                        and 0 < at < len(data)
                        and data[at] not in _PARENS
                        and data[at - 1] not in _PARENS
                    ):
                        glued_at = at
                    prev_end = c.end_byte
                fname = cur.field_name if k in _FIELD_KINDS else None
                children.append((c, k, fname))
                if fname == "kind" and opword is None:
                    opword = c
                elif fname == "label" and label_node is None:
                    label_node = c
            more = cur.goto_next_sibling()
        if not plain:
            glue = glue_diagnostic(cst.fresh(node), data)
            glued_at = glue.span.start if glue is not None else None
        if glued_at is not None:
            self.report("syntax", cst.GLUE_MESSAGE, Span(glued_at, glued_at + 1))
        keyword = cst.text(self.data, opword) if opword is not None else None
        if keyword is None:
            for c, _, _ in children:
                if not c.is_named and c.type in ("block", "loop", "if", "try_table", "try"):
                    keyword = c.type
                    opword = c
                    break
        op = lookup(keyword or "block")
        if op is None or opword is None:
            return
        label: str | None = None
        bt_nodes: list[Node] = []
        catches: list[Catch] = []
        body: list[_Work] = []
        conditions: list[Node] = []
        end_kw = lookup("end")
        assert end_kw is not None
        close = _Close(end_kw, node.end_byte - 1 if folded else node.end_byte, node.end_byte)
        head_end = opword.end_byte
        started = False  # past the block type and catches: in the body
        instrs = _INSTR_KIND_IDS
        into = conditions if folded and keyword == "if" else body
        for c, k, field_name in children:
            if k in instrs:  # what the checks below do for an instruction
                started = True
                into.append(c)
                continue
            if c == opword or c.type == "(" or (c.type == ")" and folded):
                continue
            t = c.type
            if not started:
                if c == label_node or (t == "identifier" and label is None and not bt_nodes):
                    label = parse_id(cst.text(self.data, c))[0]
                    head_end = c.end_byte
                    continue
                if t in ("type_use", "param", "result"):
                    bt_nodes.append(c)
                    head_end = c.end_byte
                    continue
                if t == "catch_clause":
                    catches.append(self._catch(c))
                    head_end = c.end_byte
                    continue
                started = True
            if folded and keyword == "if" and t in INSTR_NODES:
                conditions.append(c)
            elif t in INSTR_NODES:
                body.append(c)
            elif t in ("then_clause", "do_clause"):
                body.extend(k for k in cst.named(c) if k.type in INSTR_NODES)
            elif t == "else_clause" or (t == "else" and not c.is_named):
                else_op = lookup("else")
                assert else_op is not None
                body.append(_Clause(else_op, c.start_byte, c.start_byte + 4 if folded else c.end_byte))
                if t == "else_clause":
                    body.extend(k for k in cst.named(c) if k.type in INSTR_NODES)
            elif t in ("legacy_catch", "legacy_catch_all", "catch", "catch_all") and keyword == "try":
                cop = lookup("catch_all" if "all" in t else "catch")
                assert cop is not None
                idx = cst.named(c)
                tag_node = idx[0] if idx and idx[0].type in ("identifier", "integer") else None
                body.append(_Clause(cop, c.start_byte, (tag_node or c).end_byte, tag_node))
                if c.is_named:
                    body.extend(k for k in cst.named(c) if k.type in INSTR_NODES)
            elif t in ("delegate_clause", "delegate"):
                if any(isinstance(b, _Clause) for b in body):
                    self.report("malformed", "`delegate` cannot follow `catch` clauses", cst.span(c))
                dop = lookup("delegate")
                assert dop is not None
                target = c.child_by_field_name("target") if c.is_named else node.child_by_field_name("target")
                if target is None and c.is_named:
                    target = next(iter(cst.named(c)), None)
                close = _Close(dop, c.start_byte, (target or c).end_byte, delegate_node=target)
            elif t == "end" and not c.is_named:
                close = _Close(end_kw, c.start_byte, c.end_byte)
            elif t in ("identifier", "integer"):
                if field_name in ("end_label", "else_label"):
                    self._end_label(c, label)
                    if field_name == "end_label":
                        close.end = c.end_byte
                elif field_name == "target":
                    continue
                elif body and isinstance(body[-1], _Clause) and body[-1].tag_node is None:
                    # the tag index after a plain legacy `catch`
                    body[-1].tag_node = c
                    body[-1].end = c.end_byte
        imms: list[Immediate] = [self._block_type_of(bt_nodes, plain)]
        if keyword == "try_table":
            imms.append(tuple(catches))
        start = _Emit(
            op,
            tuple(imms),
            opword.start_byte,
            head_end,
            node.start_byte,
            node.end_byte,
            label,
            push_label=True,
        )
        if not folded:
            start.ostart, start.oend = start.start, start.end
        stack.append(close)
        if conditions or not plain or not FAST_PATHS:
            stack.extend(reversed(body))
            stack.append(start)
            stack.extend(reversed(conditions))
            return
        self._emit(start)
        self._leading_plain(body, cur, stack)

    def _leading_plain(self, body: Sequence[_Work], cur: TreeCursor, stack: list[_Work]) -> None:
        """What `read` would do next with a block's `body` (free of errors) after its start,
        without the round trip through the stack: the leading plain instructions and clauses
        now, the rest queued."""
        out = self.out
        i = 0
        for item in body:
            if isinstance(item, Node):
                if item.kind_id not in _PLAIN_KIND_IDS:
                    break
                instr = self._plain_words(item) or self._instr_fast(item, _PLAIN, cur, stack)
                if instr is not None:
                    out.append(instr)
            elif isinstance(item, _Clause):
                self._clause(item)
            else:
                break
            i += 1
        if i < len(body):
            stack.extend(reversed(body[i:]))

    def _emit(self, item: _Emit) -> None:
        if item.push_label:
            self._open_block(item.op, item.imms, item.start, item.end, item.ostart, item.oend, item.label)
        else:
            self.out.append(Instr(item.op, item.imms, item.start, item.end, item.ostart, item.oend))

    def _open_block(
        self,
        op: OpInfo,
        imms: tuple[Immediate, ...],
        start: int,
        end: int,
        ostart: int,
        oend: int,
        label: str | None,
    ) -> None:
        self.labels.append(label)
        self.open.append(len(self.out))
        self.clauses.append(_NONE)
        self.out.append(Instr(op, imms, start, end, ostart, oend, label=label))

    def _clause(self, item: _Clause) -> None:
        imms: tuple[Immediate, ...] = ()
        if item.tag_node is not None:
            imms = (self._index(item.tag_node, "tag"),)
        if self.clauses:
            if self.clauses[-1] is _NONE:
                self.clauses[-1] = [len(self.out)]
            else:
                self.clauses[-1].append(len(self.out))
        self.out.append(Instr(item.op, imms, item.start, item.end, item.start, item.end))

    def _close(self, item: _Close) -> None:
        if not self.open:
            return
        start = self.open.pop()
        clauses = self.clauses.pop()
        self.labels.pop()
        imms = item.imms
        if item.delegate_node is not None:
            imms = (self._label(item.delegate_node),)
        index = len(self.out)
        self.out.append(Instr(item.op, imms, item.start, item.end, item.start, item.end, start))
        self.out[start].match = index
        for i in clauses:  # clauses of this block link to its end
            self.out[i].match = index

    # --- one instruction -----------------------------------------------------------------

    def _instr_item(self, node: Node, folded: bool) -> tuple[_Emit | None, list[Node]]:
        """The instruction of a plain or folded form, and a folded form's operands.

        One pass over the children (the hot loop of reading): it also checks that tokens
        are separated, which the grammar cannot express.
        """
        data = self.data
        op_node: Node | None = None
        imm_nodes: list[Node] = []
        operands: list[Node] = []
        prev_end = -1
        damaged = False
        for c in node.children:
            start = c.start_byte
            if (
                start == prev_end
                and data[start] not in _PARENS
                and data[start - 1] not in _PARENS
                and not c.is_extra
                and not c.is_missing
            ):
                self.report("syntax", "missing white space between tokens", Span(start, start + 1))
            prev_end = c.end_byte
            t = c.type
            if t == "instr_name" and op_node is None:
                op_node = c
            elif t in INSTR_NODES:
                operands.append(c)
            elif c.is_error:
                damaged = True
            elif not damaged and c.is_named and t not in cst.TRIVIA and not c.is_missing:
                # (past an ERROR the parser's recovery, not the author, chose what is
                # an immediate: the syntax error is the one diagnostic there)
                imm_nodes.append(c)
            elif c.is_extra:
                prev_end = -1  # a comment separates tokens
        if op_node is None:
            return None, operands
        name = data[op_node.start_byte : op_node.end_byte].decode("utf-8", "replace")
        op = lookup(name)
        if op is None:
            self.report("unknown-instruction", f"unknown instruction `{name}`", cst.span(op_node))
            self.broken = True
            return None, operands
        end = imm_nodes[-1].end_byte if imm_nodes else op_node.end_byte
        if imm_nodes or op.imms:
            imms = Immediates(self, op, imm_nodes, Span(op_node.start_byte, end)).read()
            if imms is None:
                self.broken = True
                return None, operands
        else:
            imms = ()
        if not folded:
            return _Emit(op, imms, op_node.start_byte, end, op_node.start_byte, end), operands
        return _Emit(op, imms, op_node.start_byte, end, node.start_byte, node.end_byte), operands

    # --- shared pieces -------------------------------------------------------------------

    def _index(self, node: Node, space: str) -> int:
        if space == "local":
            return resolve_index(self.data, node, self.local_names, space, self.report)
        return resolve_index(self.data, node, self.module.names.get(space, {}), space, self.report)

    def _label(self, node: Node) -> int:
        raw = cst.text(self.data, node)
        if node.type == "identifier":
            name = parse_id(raw)[0]
            for depth, label in enumerate(reversed(self.labels)):
                if label == name:
                    return depth
            self.report("unknown-name", f"unknown label `{raw}`", cst.span(node))
            return UNRESOLVED
        return resolve_index(self.data, node, {}, "label", self.report)

    def _catch(self, node: Node) -> Catch:
        kind_node = node.child_by_field_name("kind")
        kind = cst.text(self.data, kind_node) if kind_node is not None else (cst.keyword(node) or "catch")
        idx = [k for k in cst.named(node) if k.type in ("identifier", "integer")]
        # Catch labels are resolved from inside the try_table's scope minus its own label:
        # the label stack at this point is the enclosing one, which is what the spec means.
        if kind in ("catch", "catch_ref"):
            tag = self._index(idx[0], "tag") if idx else UNRESOLVED
            label = self._label(idx[1]) if len(idx) > 1 else UNRESOLVED
            return Catch(kind, tag, label)
        return Catch(kind, None, self._label(idx[0]) if idx else UNRESOLVED)

    def _block_type_of(self, nodes: list[Node], plain: bool) -> BlockType:
        """`check_type_use_order` and `_block_type` of a block's type use; one without
        errors or diagnostics is kept by its text (blocks repeat a few types)."""
        if not nodes:
            return _NO_BLOCK_TYPE
        key = self.data[nodes[0].start_byte : nodes[-1].end_byte] if plain and FAST_PATHS else None
        cache = self._cache.get(_BLOCK_TYPE)
        if cache is None:
            cache = self._cache[_BLOCK_TYPE] = {}
        if key is not None:
            hit = cache.get(key)
            if hit is not None:
                return hit[0]  # type: ignore[return-value]
        before = self.reported
        check_type_use_order(nodes, self.report)
        bt = self._block_type(nodes)
        if key is not None and self.reported == before:
            cache[key] = (bt,)
        return bt

    def _block_type(self, nodes: list[Node]) -> BlockType:
        type_idx: int | None = None
        params: list[ValType] = []
        results: list[ValType] = []
        for n in nodes:
            if n.type == "type_use":
                kids = cst.named(n)
                if kids:
                    type_idx = self.types.index(kids[0])
            elif n.type == "param":
                for k in cst.named(n):
                    if k.type != "identifier":
                        params.append(self.types.val_type(k))
                    else:
                        self.report("malformed", "a block parameter cannot be named", cst.span(k))
            elif n.type == "result":
                results.extend(self.types.val_type(k) for k in cst.named(n))
        # an empty `(param)` or `(result)` is still an inline type, which must match
        clauses = any(n.type != "type_use" for n in nodes)
        if type_idx is not None and type_idx != UNRESOLVED and clauses:
            ft = self.module.func_type(type_idx)
            if ft is not None and (ft.params, ft.results) != (tuple(params), tuple(results)):
                self.report(
                    "malformed",
                    "inline function type does not match `(type ...)`",
                    Span(nodes[0].start_byte, nodes[-1].end_byte),
                )
                clauses = False  # typed by the `(type ...)`, as encoded: no follow-on errors
        if type_idx is not None and type_idx != UNRESOLVED and not clauses:
            ft = self.module.func_type(type_idx)
            if ft is not None:
                params, results = list(ft.params), list(ft.results)
        return BlockType(type_idx, tuple(params), tuple(results))


_PARENS = frozenset(b"()")

# --- tables of the fast path -------------------------------------------------------------

# What a child of a plain or folded instruction is, by kind id
_TOKEN, _INSTR, _TRIVIA, _OPNAME, _IMM = range(5)
_PLAIN, _FOLDED = 1, 2


def _child_classes() -> list[int]:
    lang = language()
    out: list[int] = []
    for i in range(lang.node_kind_count):
        name = lang.node_kind_for_id(i)
        if not lang.node_kind_is_named(i):
            out.append(_TOKEN)
        elif name == "instr_name":
            out.append(_OPNAME)
        elif name in INSTR_NODES:
            out.append(_INSTR)
        elif name in cst.TRIVIA:
            out.append(_TRIVIA)
        else:
            out.append(_IMM)
    return out


_CHILD_CLASS = _child_classes()
_TRIVIA_KINDS = cst.kind_ids(cst.TRIVIA)
# children of a block that can be fields: `kind` (anonymous keywords), `label`,
# `end_label`, `else_label`, `target` (indices)
_FIELD_KINDS = cst.kind_ids(("identifier", "integer")) | frozenset(
    i for i in range(language().node_kind_count) if not language().node_kind_is_named(i)
)
_INSTR_KIND_IDS = cst.kind_ids(INSTR_NODES)
_PLAIN_KIND_IDS = cst.kind_ids((PLAIN,))
_KIND_CLASS = dict.fromkeys(cst.kind_ids((PLAIN,)), _PLAIN) | dict.fromkeys(cst.kind_ids((FOLDED,)), _FOLDED)
_NO_KIND_CLASS: dict[int, int] = {}  # with FAST_PATHS off: every instruction is expanded
# `block` and `loop` (`_block_fast`): their kind ids, keywords and children's kinds
_BLOCK = 3
_FOLDED_BLOCK_IDS = cst.kind_ids(("folded_block",))
_KIND_CLASS |= dict.fromkeys(cst.kind_ids(("block_instr", "folded_block")), _BLOCK)
_IDENTIFIER = language().id_for_node_kind("identifier", True)
_BLOCK_TYPE_IDS = cst.kind_ids(("type_use", "param", "result"))
_END_KW = language().id_for_node_kind("end", False)
_PAREN_IDS = frozenset(language().id_for_node_kind(k, False) for k in "()")
_PARENTHESISED = _PAREN_IDS | cst.kind_ids(FOLDED_BLOCKS | {FOLDED})  # a token or a folded form
_BLOCK_KWS = frozenset(language().id_for_node_kind(k, False) for k in ("block", "loop"))


def _op(name: str) -> OpInfo:
    op = lookup(name)
    assert op is not None
    return op


_BLOCK_OPS = {language().id_for_node_kind(k, False): _op(k) for k in ("block", "loop")}
_END_OP = _op("end")


class _Counter:
    """A report function that counts what it passes on."""

    __slots__ = ("count", "outer")

    def __init__(self, outer: Report) -> None:
        self.outer = outer
        self.count = 0

    def __call__(self, code: str, message: str, span: Span) -> None:
        self.count += 1
        self.outer(code, message, span)


_NONE: list[int] = []  # a block's clauses while it has none (shared: never appended to)
_BLOCK_TYPE = object()  # cache of block types by text
_NO_BLOCK_TYPE = BlockType(None, (), ())
_NO_BLOCK_TYPE_IMMS = (_NO_BLOCK_TYPE,)  # one tuple for every block without a type: see `uses`
