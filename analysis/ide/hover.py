"""Hover text: what a name denotes, and what an instruction does at its place in the body.

The operand stack before an instruction and the initialisation state of the locals there are
the validator's own: `BodyValidator` runs over the function and stops before the instruction
(it iterates the body with `for ... in enumerate(body)`, so a list that yields only a prefix
when iterated, but indexes like the whole body, stops it without any change to its loop).
Liveness is `analysis.liveness`'s, walked back from the end of the instruction's basic block
(with the catch handlers a call or throw inside a `try_table` may reach).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from wat_lsp.analysis.cfg import CFG
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide import navigation
from wat_lsp.analysis.ide.references import Key, Occurrence
from wat_lsp.analysis.liveness import THROWS, Liveness, compute_liveness
from wat_lsp.analysis.model import Func, Instr, Module, Span, ValType
from wat_lsp.analysis.subtyping import TypeTable, defaultable
from wat_lsp.analysis.validate import ConstSite, const_sites, module_context
from wat_lsp.analysis.validate_body import BodyValidator, Val

_SNIPPET = 240  # longest source text quoted for a declaration


@dataclass(slots=True)
class State:
    """The validator's state before one instruction."""

    stack: list[Val]  # the operands of the innermost block, bottom first
    polymorphic: bool  # after `unreachable`, `br`, ...: the stack is anything
    inits: list[bool]  # per local: set under the 1a rule (defaultable locals always are)


class _Probe(BodyValidator):
    state: State | None = None

    def _finish(self) -> None:
        frame = self.frames[-1]
        self.state = State(list(self.stack[frame.height :]), frame.unreachable, list(self.inits.flags))
        super()._finish()


def state_before(module: Module, func: Func, index: int) -> State | None:
    """The operand stack and local initialisation just before `func.body[index]`."""
    if func.import_ is not None or not 0 <= index < len(func.body):
        return None
    probe = _Probe(module_context(module), [], partial=False)
    probe.run_until(func, index)
    return probe.state


def live_around(func: Func, lv: Liveness, index: int) -> tuple[int, int]:
    """Bitsets of the locals live before and after `func.body[index]`: `liveness`'s own walk
    back from the end of its block, so inside a `try_table` a call or throw makes live what
    the catch handlers it may reach read (the CFG's catch edges), as for dead stores."""
    cfg: CFG = lv.cfg
    if not 0 <= index < len(cfg.block_of):
        return 0, 0
    b = cfg.blocks[cfg.block_of[index]]
    throw = lv.throw_live(b.index)
    events = lv.block_events(b.index)  # the accesses (and throws) liveness itself walked

    def back(live: int, start: int, end: int) -> int:
        for i, is_get, x in reversed(events):
            if not start <= i < end:
                continue
            if x == THROWS:
                live |= throw
            elif is_get:
                live |= 1 << x
            else:
                live &= ~(1 << x)
        return live

    after = back(lv.live_out[b.index], index + 1, b.end)
    return back(after, index, index + 1), after


def instr_at(func: Func, offset: int) -> int | None:
    """The instruction whose mnemonic (or block keyword) and immediates hold `offset`."""
    return _instr_in(func.body, offset)


def _instr_in(body: list[Instr], offset: int) -> int | None:
    # The instruction starting last at or before `offset` (of those starting there, the last
    # in the body), in one pass: sorting the body by start cost 0.2 s on 200,000 instructions,
    # and the code actions at the cursor ask three times.
    best = best_start = -1
    for i, ins in enumerate(body):
        s = ins.start
        if best_start <= s <= offset:
            best, best_start = i, s
    if best < 0:
        return None
    return best if offset <= body[best].end else None


def const_at(m: Module, offset: int) -> tuple[ConstSite, int] | None:
    """The constant expression (global or table initializer, segment offset or item) with
    an instruction whose mnemonic and immediates hold `offset`, and that instruction."""
    for site in const_sites(m):
        instrs = site.instrs
        if instrs and min(i.ostart for i in instrs) <= offset <= max(i.oend for i in instrs):
            index = _instr_in(instrs, offset)
            if index is not None:
                return site, index
    return None


def const_state_before(m: Module, site: ConstSite, index: int) -> State | None:
    """The operand stack just before instruction `index` of a constant expression."""
    if not 0 <= index < len(site.instrs):
        return None
    probe = _Probe(module_context(m), [], partial=False)
    probe.run_const_until(site.instrs, site.expected, site.what, site.globals_visible, index)
    return probe.state


def _code(text: str) -> str:
    return f"```wat\n{text}\n```"


def _quote(doc: Document, start: int, end: int) -> str:
    text = doc.data[start:end].decode("utf-8", "replace")
    text = text if len(text) <= _SNIPPET else text[:_SNIPPET].rsplit(" ", 1)[0] + " …"
    return _code(text)


def name_text(doc: Document, occ: Occurrence, offset: int) -> str | None:
    """Markdown for a name or numeric index: what it is, its index, its type; for a local at an
    instruction, whether it is initialised there and whether its value is live."""
    key = occ.key
    m = navigation.module_of(doc, key)
    if m is None:
        return None
    types = TypeTable(m)
    word = navigation.SPACE_WORDS[key.space]
    func = navigation.func_of(doc, key)
    if key.space == "local" and func is not None:
        return _local_text(doc, m, func, key, occ, types)
    if key.space == "label" and func is not None:
        ins = func.body[key.item]
        name = f"${ins.label}" if ins.label else "(unnamed)"
        depth = f"; relative depth {occ.number} here" if occ.number >= 0 else ""
        return f"{_code(f'{ins.op.name} {name}')}\nlabel of a `{ins.op.name}`{depth}"
    if key.space == "func" and key.item < len(m.funcs):
        f = m.funcs[key.item]
        params = " ".join(
            f"(param {'$' + p.name + ' ' if p.name else ''}{types.show(p.type)})" for p in f.params
        )
        results = " ".join(f"(result {types.show(r)})" for r in f.results)
        sig = " ".join(s for s in (f"${f.name}" if f.name else "", params, results) if s)
        kind = "imported function" if f.import_ is not None else "function"
        text = f"{_code(f'(func {sig})'.replace('(func )', '(func)'))}\n{kind} index {key.item}"
        return _with_doc(doc, f.span, text)
    if key.space == "global" and key.item < len(m.globals):
        g = m.globals[key.item]
        t = f"(mut {types.show(g.type)})" if g.mutable else types.show(g.type)
        name = f"${g.name} " if g.name else ""
        return _with_doc(doc, g.span, f"{_code(f'(global {name}{t})')}\nglobal index {key.item}")
    if key.space == "field" and 0 <= key.owner < len(m.types):
        td = m.types[key.owner]
        fspan = td.field_spans[key.item]
        return f"{_quote(doc, fspan.start, fspan.end)}\nfield index {key.item} of type `{types.type_name(td.index)}`"
    span = navigation.definition(doc, key)
    if span is None:
        return None
    text = f"{_quote(doc, span.start, span.end)}\n{word} index {key.item}"
    return _with_doc(doc, span, text) if key.space == "type" else text


_COMMENTS = frozenset({"comment", "block_comment"})


def doc_comment(doc: Document, span: Span) -> str | None:
    """The comments directly above the field at `span` (`;;` lines, or a `(; ;)` block, with no
    blank line between them and the field, and no code before them on their line), without
    their delimiters; None when there are none. Read from the tree, so `;;` in a string is
    not a comment."""
    node = doc.tree.root_node.descendant_for_byte_range(span.start, span.start)
    while node is not None and node.start_byte == span.start and node.parent is not None:
        if node.parent.start_byte != span.start:
            break
        node = node.parent
    if node is None:
        return None
    texts: list[str] = []
    row = node.start_point.row
    prev = node.prev_sibling
    while prev is not None and prev.type in _COMMENTS and row - prev.end_point.row <= 1:
        line_start = doc.data.rfind(b"\n", 0, prev.start_byte) + 1
        if doc.data[line_start : prev.start_byte].strip():
            break  # a comment after code on its line belongs to that code
        raw = doc.data[prev.start_byte : prev.end_byte].decode("utf-8", "replace")
        if prev.type == "comment":
            texts.append(raw[2:].removeprefix(" ").rstrip())
        else:
            if texts:
                break  # a block comment above line comments is not part of their run
            texts.append("\n".join(x.strip() for x in raw[2:-2].strip().split("\n")))
            break
        row = prev.start_point.row
        prev = prev.prev_sibling
    text = "\n".join(reversed(texts)).strip("\n")
    return text or None


def _with_doc(doc: Document, span: Span, text: str) -> str:
    comment = doc_comment(doc, span)
    return text if comment is None else f"{text}\n\n---\n\n{comment}"


def _local_text(doc: Document, m: Module, func: Func, key: Key, occ: Occurrence, types: TypeTable) -> str:
    decl = func.all_locals[key.item]
    kind = "param" if decl.is_param else "local"
    name = f"${decl.name} " if decl.name else ""
    lines = [_code(f"({kind} {name}{types.show(decl.type)})"), f"{kind} index {decl.index}"]
    if occ.role in ("read", "write") and func.import_ is None:
        index = instr_at(func, occ.start)
        if index is not None:
            lines.extend(_local_at(m, func, index, key.item, decl.type))
    return "\n\n".join(lines)


def _local_at(m: Module, func: Func, index: int, x: int, t: ValType) -> list[str]:
    out: list[str] = []
    op = func.body[index].op.name
    if not defaultable(t):
        state = state_before(m, func, index)
        if state is not None and x < len(state.inits):
            initialized = "initialized" if state.inits[x] else "**not initialized**"
            out.append(
                f"before this `{op}`: {initialized} (non-defaultable: a `local.set` must dominate reads)"
            )
    if x < 1024:  # liveness bitsets are per local; huge functions would make this slow
        before, after = live_around(func, compute_liveness(func), index)
        if op == "local.get":
            out.append("live here (read by this `local.get`)")
        elif op in ("local.set", "local.tee"):
            out.append(
                "the value stored here is read later (live)"
                if after >> x & 1
                else "the value stored here is never read (dead store)"
            )
        else:
            out.append("live here" if before >> x & 1 else "dead here")
    return out


def instr_text(doc: Document, m: Module, func: Func, index: int) -> str:
    """Markdown for an instruction: its type from the opcode table (or the rule that types it)
    and the operand stack before it."""
    return _instr_text(m, func, func.body[index], state_before(m, func, index))


def const_instr_text(m: Module, site: ConstSite, index: int) -> str:
    """`instr_text` for an instruction of a constant expression."""
    return _instr_text(m, None, site.instrs[index], const_state_before(m, site, index))


def _instr_text(m: Module, func: Func | None, ins: Instr, state: State | None) -> str:
    op = ins.op
    types = TypeTable(m)
    if op.params is not None and op.results is not None:
        sig: str | None = f"[{' '.join(op.params)}] -> [{' '.join(op.results)}]"
    else:
        sig = _derived_sig(m, func, ins, types)
    lines = [_code(op.name), f"`{sig}`" if sig is not None else f"typed by the `{op.typing}` rule"]
    lines.extend(const_lines(ins))
    if state is not None:
        stack = types.show_list(state.stack)
        lines.append(
            f"operand stack before: `{stack}`" + (" (unreachable: polymorphic)" if state.polymorphic else "")
        )
    return "\n\n".join(lines)


_FLOAT_FORMATS = {"f32.const": (32, "<f", "<I"), "f64.const": (64, "<d", "<Q")}


def const_lines(ins: Instr) -> list[str]:
    """For a constant: its value in decimal and hex; for a float also its IEEE bits. The
    immediate is the bit pattern `analysis.literals` decoded."""
    name = ins.op.name
    imm = ins.imms[0] if ins.imms else None
    if name in ("i32.const", "i64.const") and isinstance(imm, int):
        bits = 32 if name == "i32.const" else 64
        signed = imm - (1 << bits) if imm >> (bits - 1) else imm
        unsigned = f" (unsigned {imm})" if signed < 0 else ""
        return [f"value: `{signed}`{unsigned} = `0x{imm:0{bits // 4}x}`"]
    if name in _FLOAT_FORMATS and isinstance(imm, int):
        bits, ffmt, ifmt = _FLOAT_FORMATS[name]
        value = struct.unpack(ffmt, struct.pack(ifmt, imm))[0]
        shown = _float_text(value, imm, bits)
        return [
            f"value: `{shown}` = `{_hex_float(value) if value == value else shown}`, bits `0x{imm:0{bits // 4}x}`"
        ]
    if name == "v128.const" and isinstance(imm, bytes) and len(imm) == 16:
        lanes = " ".join(f"0x{int.from_bytes(imm[i : i + 4], 'little'):08x}" for i in range(0, 16, 4))
        return [f"bits as i32x4: `{lanes}`"]
    return []


def _float_text(value: float, bits_value: int, bits: int) -> str:
    """The shortest decimal that reads back as the same float of width `bits`."""
    if value != value:
        payload = bits_value & ((1 << (23 if bits == 32 else 52)) - 1)
        sign = "-" if bits_value >> (bits - 1) else ""
        return f"{sign}nan:0x{payload:x}"
    if bits == 64 or value in (float("inf"), float("-inf")):
        return repr(value)
    for digits in range(1, 10):  # 9 significant digits always round-trip an f32
        text = repr(float(f"{value:.{digits}g}"))
        if struct.pack("<f", float(text)) == struct.pack("<f", value):
            return text
    return repr(value)


def _hex_float(value: float) -> str:
    """`float.hex` without its trailing zeros (`0x1.8p+0`, `0x1p-1`)."""
    if value != value or value in (float("inf"), float("-inf")):
        return repr(value)
    mantissa, exp = value.hex().split("p")
    return f"{mantissa.rstrip('0').rstrip('.')}p{exp}"


def _derived_sig(m: Module, func: Func | None, ins: Instr, types: TypeTable) -> str | None:
    """The type of instructions typed by their immediates, where one type says it all."""
    name = ins.op.name
    imm = ins.imms[0] if ins.imms else None
    if not isinstance(imm, int) or imm < 0:
        return None
    decls = func.all_locals if func is not None else []
    if name == "local.get" and imm < len(decls):
        return f"[] -> [{types.show(decls[imm].type)}]"
    if name == "local.set" and imm < len(decls):
        return f"[{types.show(decls[imm].type)}] -> []"
    if name == "local.tee" and imm < len(decls):
        t = types.show(decls[imm].type)
        return f"[{t}] -> [{t}]"
    if name in ("global.get", "global.set") and imm < len(m.globals):
        t = types.show(m.globals[imm].type)
        return f"[] -> [{t}]" if name == "global.get" else f"[{t}] -> []"
    if name in ("call", "return_call") and imm < len(m.funcs):
        f = m.funcs[imm]
        return f"{types.show_list([p.type for p in f.params])} -> {types.show_list(list(f.results))}"
    return None


def plain_text(markdown: str) -> str:
    """The hover's markdown as plain text, for clients that ask for it (`hover.contentFormat`
    with `plaintext` first, as Emacs eglot does without markdown-mode): fences dropped around
    their lines, kept verbatim; elsewhere code spans and `**` emphasis unwrapped."""
    out: list[str] = []
    fenced = False
    for line in markdown.split("\n"):
        if line.startswith("```") and (fenced or line[3:].strip().isidentifier() or line == "```"):
            fenced = not fenced
            continue
        out.append(line if fenced else _unmark(line))
    return "\n".join(out)


def _unmark(line: str) -> str:
    """`line` with CommonMark code spans (a run of n backticks closed by a run of exactly n)
    replaced by their text, and `**` outside them dropped; one pass, linear."""
    parts: list[str] = []
    i, n = 0, len(line)
    while i < n:
        tick = line.find("`", i)
        if tick < 0:
            parts.append(line[i:].replace("**", ""))
            break
        parts.append(line[i:tick].replace("**", ""))
        run = tick
        while run < n and line[run] == "`":
            run += 1
        width = run - tick
        close = run
        while True:
            close = line.find("`" * width, close)
            if close < 0 or close + width >= n or line[close + width] != "`":
                break
            while close < n and line[close] == "`":  # a longer run closes nothing
                close += 1
        if close < 0:
            parts.append(line[tick:run])  # an unclosed run is literal text
            i = run
            continue
        body = line[run:close]
        if len(body) > 2 and body[0] == body[-1] == " " and body.strip():
            body = body[1:-1]
        parts.append(body)
        i = close + width
    return "".join(parts)
