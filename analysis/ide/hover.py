"""Hover text: what a name denotes, and what an instruction does at its place in the body.

The operand stack before an instruction and the initialisation state of the locals there are
the validator's own: `BodyValidator` runs over the function and stops before the instruction
(it iterates the body with `for ... in enumerate(body)`, so a list that yields only a prefix
when iterated, but indexes like the whole body, stops it without any change to its loop).
Liveness is `analysis.liveness`'s, walked back from the end of the instruction's basic block
(with the catch handlers a call or throw inside a `try_table` may reach).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from wat_lsp.analysis.cfg import CFG
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide import navigation
from wat_lsp.analysis.ide.references import Key, Occurrence
from wat_lsp.analysis.liveness import THROWS, Liveness, compute_liveness
from wat_lsp.analysis.model import Func, Instr, Module, ValType
from wat_lsp.analysis.subtyping import TypeTable, defaultable
from wat_lsp.analysis.validate import module_context
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
    order = sorted(range(len(func.body)), key=lambda i: func.body[i].start)
    starts = [func.body[i].start for i in order]
    k = bisect.bisect_right(starts, offset) - 1
    if k < 0:
        return None
    i = order[k]
    return i if offset <= func.body[i].end else None


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
        return f"{_code(f'(func {sig})'.replace('(func )', '(func)'))}\n{kind} index {key.item}"
    if key.space == "global" and key.item < len(m.globals):
        g = m.globals[key.item]
        t = f"(mut {types.show(g.type)})" if g.mutable else types.show(g.type)
        name = f"${g.name} " if g.name else ""
        return f"{_code(f'(global {name}{t})')}\nglobal index {key.item}"
    if key.space == "field" and 0 <= key.owner < len(m.types):
        td = m.types[key.owner]
        fspan = td.field_spans[key.item]
        return f"{_quote(doc, fspan.start, fspan.end)}\nfield index {key.item} of type `{types.type_name(td.index)}`"
    span = navigation.definition(doc, key)
    if span is None:
        return None
    return f"{_quote(doc, span.start, span.end)}\n{word} index {key.item}"


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
    ins = func.body[index]
    op = ins.op
    types = TypeTable(m)
    if op.params is not None and op.results is not None:
        sig: str | None = f"[{' '.join(op.params)}] -> [{' '.join(op.results)}]"
    else:
        sig = _derived_sig(m, func, ins, types)
    lines = [_code(op.name), f"`{sig}`" if sig is not None else f"typed by the `{op.typing}` rule"]
    state = state_before(m, func, index)
    if state is not None:
        stack = types.show_list(state.stack)
        lines.append(
            f"operand stack before: `{stack}`" + (" (unreachable: polymorphic)" if state.polymorphic else "")
        )
    return "\n\n".join(lines)


def _derived_sig(m: Module, func: Func, ins: Instr, types: TypeTable) -> str | None:
    """The type of instructions typed by their immediates, where one type says it all."""
    name = ins.op.name
    imm = ins.imms[0] if ins.imms else None
    if not isinstance(imm, int) or imm < 0:
        return None
    decls = func.all_locals
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
