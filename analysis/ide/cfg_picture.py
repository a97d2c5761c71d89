"""A picture of one function's control flow and liveness: a graph model, DOT and SVG.

The blocks and their edges are `analysis.cfg`'s; each edge is labelled here by how control
takes it (fall-through, `if`, `br`, `br_if` taken or not, `br_table` entries, `br_on_*`,
`try_table` catch clauses, `return`), found from the last instruction of its block with the
same target rule as `build_cfg` (a loop's header, any other block's `end`, the function's
exit past the outermost label). Live-in and live-out locals are `analysis.liveness`'s. The
1a rule (non-defaultable locals) is the validator's own `LocalInits`: a recording subclass
notes where a set makes a local initialized, the `end` (or `else`) where that set stops
counting, and the reads the rule rejects.

Everything is loops over the flat body (no recursion over nesting). The SVG layout is our
own ([decision 40](../../docs/decisions/0040-cfg-picture-own-svg-layout.md)): blocks top to
bottom in body order, the next block's fall-through as a short arrow, every other edge as an
orthogonal path in a lane beside the column (forward edges on the right, back edges on the
left), lanes packed by interval so the picture stays narrow.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from wat_lsp.analysis.cfg import CFG, build_cfg
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.liveness import compute_liveness
from wat_lsp.analysis.model import Catch, Func, Instr, LocalDecl, Module
from wat_lsp.analysis.opcodes import Flag
from wat_lsp.analysis.validate import module_context
from wat_lsp.analysis.validate_body import BodyValidator, LocalInits

EXIT = -1  # the destination of edges leaving the function
MAX_BLOCKS = 2000  # a bigger picture is unreadable and slow to lay out
MAX_LINES = 12  # instructions shown per block before the middle is elided
MAX_TEXT = 60  # characters of one instruction's text
MAX_LIVE = 12  # local names listed in a live set before "+N more"

_START = Flag.BLOCK_START.value
_END = Flag.BLOCK_END.value
_BRANCH = Flag.BRANCH.value
_UNCOND = Flag.UNCONDITIONAL.value


class PictureError(Exception):
    """No picture can be drawn (unknown function, imported, unreadable body): the message
    says why."""


@dataclass(slots=True)
class Line:
    """One instruction shown in a block (`index` -1: a line standing for elided ones)."""

    index: int
    text: str
    notes: tuple[str, ...] = ()


@dataclass(slots=True)
class Block:
    index: int
    start: int  # first instruction index
    end: int  # one past the last
    lines: list[Line]
    live_in: list[str]
    live_out: list[str]
    reachable: bool


@dataclass(slots=True)
class Edge:
    src: int
    dst: int  # a block index or EXIT
    kinds: list[str]  # how control takes it, e.g. ["br_table 0", "br_table default"]
    catch: bool = False  # a `try_table` catch edge (taken by an exception)


@dataclass(slots=True)
class Picture:
    title: str  # the function, as `$name` or `func N`
    blocks: list[Block]
    edges: list[Edge]
    precise: bool  # False: legacy `try`/`resume` edges are not modelled one by one
    notes: list[str] = field(default_factory=list)  # per-function remarks (1a errors count)


# --- finding the function -------------------------------------------------------------------


def _text_modules(doc: Document) -> list[tuple[Module, set[int]]]:
    return [(sm.read.module, sm.read.broken) for sm in doc.modules if sm.read is not None]


def _func_title(func: Func) -> str:
    return f"${func.name}" if func.name else f"func {func.index}"


def find_function(doc: Document, name: str | None = None, offset: int | None = None) -> tuple[Module, Func]:
    """The function named `name` (`$f`, `f` or an index) in the first module that has it, or
    the one around byte `offset`. Raises `PictureError` with a message for people."""
    mods = _text_modules(doc)
    if not mods:
        raise PictureError("the document has no module that could be read")
    found: tuple[Module, Func, set[int]] | None = None
    if offset is not None:
        for m, broken in mods:
            if m.span.start <= offset <= m.span.end:
                for f in m.funcs:
                    if f.import_ is None and f.span.start <= offset < f.span.end:
                        found = (m, f, broken)
        if found is None:
            raise PictureError("no function body at this position")
    else:
        want = (name or "").strip()
        if not want:
            raise PictureError("no function given")
        bare = want[1:] if want.startswith("$") else want
        for m, broken in mods:
            k = int(want) if want.isdigit() else m.names.get("func", {}).get(bare, -1)
            if 0 <= k < len(m.funcs):
                found = (m, m.funcs[k], broken)
                break
        if found is None:
            names = [_func_title(f) for m, _ in mods for f in m.funcs if f.import_ is None]
            known = ", ".join(names[:10]) + (f", ... ({len(names)} in all)" if len(names) > 10 else "")
            raise PictureError(f"no function {want}" + (f"; functions: {known}" if names else ""))
    m, f, broken = found
    if f.import_ is not None:
        raise PictureError(f"function {_func_title(f)} is imported: it has no body")
    if f.index in broken:
        raise PictureError(
            f"the body of function {_func_title(f)} could not be read completely (syntax errors): fix them first"
        )
    return m, f


# --- the 1a rule, recorded ------------------------------------------------------------------


class _RecordingInits(LocalInits):
    __slots__ = ("ended", "sets")

    def __init__(self) -> None:
        super().__init__()
        self.sets: list[tuple[int, int]] = []  # (instruction, local) that made a local initialized
        self.ended: list[tuple[int, int]] = []  # (instruction, local) where such a set stops counting

    def set(self, x: int, at: int) -> None:
        before = len(self.undo)
        super().set(x, at)
        if len(self.undo) > before:
            self.sets.append((at, x))

    def reset_to(self, height: int, start: int, kind: str, end_index: int) -> None:
        self.ended.extend((end_index, x) for x in reversed(self.undo[height:]))
        super().reset_to(height, start, kind, end_index)


class _Recorder(BodyValidator):
    def __init__(self, module: Module) -> None:
        super().__init__(module_context(module), [])
        self.inits = self.rec = _RecordingInits()
        self.bad_reads: list[tuple[int, int]] = []  # (instruction, local) rejected by 1a

    def uninitialized(self, ins: Instr, x: int) -> None:
        self.bad_reads.append((self.i, x))
        super().uninitialized(ins, x)


def _local_name(decls: list[LocalDecl], x: int) -> str:
    d = decls[x] if 0 <= x < len(decls) else None
    return f"${d.name}" if d is not None and d.name else str(x)


def init_notes(module: Module, func: Func) -> tuple[dict[int, list[str]], int]:
    """Per instruction index, the 1a notes on it; and the number of reads the rule rejects."""
    rec = _Recorder(module)
    rec.run_function(func)
    decls = func.all_locals
    notes: dict[int, list[str]] = {}
    for i, x in rec.rec.sets:
        notes.setdefault(i, []).append(f"1a: {_local_name(decls, x)} set")
    for i, x in rec.rec.ended:
        notes.setdefault(i, []).append(f"1a: {_local_name(decls, x)} set ends")
    for i, x in rec.bad_reads:
        notes.setdefault(i, []).append(f"1a error: {_local_name(decls, x)} read before set")
    return notes, len(rec.bad_reads)


# --- edges ----------------------------------------------------------------------------------


def _depths(ins: Instr) -> list[int]:
    if ins.op.name == "br_table":
        imm = ins.imms[0] if ins.imms else ()
        return [d for d in imm if isinstance(d, int)] if isinstance(imm, tuple) else []
    return [ins.imms[0]] if ins.imms and isinstance(ins.imms[0], int) else []


def _labelled_edges(module: Module, func: Func, cfg: CFG) -> list[Edge]:
    """Every edge of `cfg` with how control takes it, plus edges to EXIT. One forward walk
    with a stack of open block starts, as `build_cfg` does."""
    body = func.body
    n = len(body)
    kinds: dict[tuple[int, int], list[str]] = {}
    catch_pairs: set[tuple[int, int]] = set()
    stack: list[int] = []
    tries: list[tuple[int, int, list[tuple[int, str]]]] = []  # (try_table, its end, (target, label))
    # an `if`'s `end` -> its `else` (an `else` points at the `end`, as its `if` does)
    else_of = {ins.match: j for j, ins in enumerate(body) if ins.op.name == "else"}

    def add(a: int, b: int, kind: str) -> None:
        ks = kinds.setdefault((a, b), [])
        if kind not in ks:
            ks.append(kind)

    def target(depth: int) -> int:
        """The block a branch of `depth` goes to; EXIT for the function label, -2 unknown."""
        if depth < 0:
            return -2
        if depth >= len(stack):
            return EXIT
        s = stack[-1 - depth]
        if body[s].op.name == "loop":
            return cfg.block_of[s]
        m = body[s].match
        return cfg.block_of[m] if 0 <= m < n else -2

    def tag_name(tag: int | None) -> str:
        if tag is None:
            return ""
        t = module.tags[tag] if 0 <= tag < len(module.tags) else None
        return f" ${t.name}" if t is not None and t.name else f" {tag}"

    for b in cfg.blocks:
        for i in range(b.start, b.end):
            ins = body[i]
            bits = ins.op.bits
            name = ins.op.name
            if name == "try_table":
                catches: list[tuple[int, str]] = []
                for imm in ins.imms:
                    if isinstance(imm, tuple):
                        for c in imm:
                            if isinstance(c, Catch):
                                t = target(c.label)
                                if t >= 0:
                                    catches.append((t, f"{c.kind}{tag_name(c.tag)}"))
                tries.append((i, ins.match, catches))
            if bits & _START:
                stack.append(i)
            if i == b.end - 1:
                nxt = cfg.block_of[i + 1] if i + 1 < n else EXIT
                if bits & _BRANCH and name != "try_table":
                    ds = _depths(ins)
                    for k, d in enumerate(ds):
                        t = target(d)
                        if t == -2:
                            continue
                        if name == "br_table":
                            add(b.index, t, "br_table default" if k == len(ds) - 1 else f"br_table {k}")
                        else:
                            add(b.index, t, name if bits & _UNCOND else f"{name} taken")
                    if not bits & _UNCOND:
                        add(b.index, nxt, f"{name} not taken")
                elif name == "if":
                    add(b.index, nxt, "if true")
                    e = else_of.get(ins.match, -1)
                    if e + 1 < n and e >= 0:
                        add(b.index, cfg.block_of[e + 1], "if false")
                    elif e < 0:
                        add(b.index, cfg.block_of[ins.match] if 0 <= ins.match < n else EXIT, "if false")
                elif name == "else":
                    if 0 <= ins.match < n:
                        add(b.index, cfg.block_of[ins.match], "then done")
                elif bits & _UNCOND:
                    if name.startswith("return"):
                        add(b.index, EXIT, name)
                else:
                    add(b.index, nxt, "fallthrough")
            if bits & _END and stack:
                stack.pop()
    for t_start, t_end, catches in tries:
        lo = cfg.block_of[t_start]
        hi = cfg.block_of[t_end] if 0 <= t_end < n else len(cfg.blocks)
        for k in range(lo, hi):
            for t, label in catches:
                add(k, t, label)
                catch_pairs.add((k, t))
    by_src: dict[int, list[tuple[int, list[str]]]] = {}
    for (a, d), ks in kinds.items():
        by_src.setdefault(a, []).append((d, ks))
    edges: list[Edge] = []
    for b in cfg.blocks:
        succs = set(b.succs)
        seen = set()
        for d, ks in by_src.get(b.index, ()):
            if d == EXIT or d in succs:
                is_catch = (b.index, d) in catch_pairs and all(k.startswith("catch") for k in ks)
                edges.append(Edge(b.index, d, ks, is_catch))
                seen.add(d)
        edges.extend(Edge(b.index, d, ["edge"]) for d in b.succs if d not in seen)
    return edges


# --- the model ------------------------------------------------------------------------------


def _instr_text(data: bytes, ins: Instr) -> str:
    text = " ".join(data[ins.start : ins.end].decode("utf-8", "replace").split())
    if not text.startswith(ins.op.name):  # a folded form's implicit `end` spans its `)`
        text = ins.op.name + (f" ${ins.label}" if ins.label and ins.op.name == "end" else "")
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _lines(data: bytes, func: Func, start: int, end: int, notes: dict[int, list[str]]) -> list[Line]:
    """The block's instructions; a long block keeps its head, its tail and every instruction
    with a 1a note, the gaps shown as one line each."""
    body = func.body
    if end - start <= MAX_LINES:
        keep = set(range(start, end))
    else:
        keep = set(range(start, start + MAX_LINES // 2)) | set(range(end - MAX_LINES // 2, end))
        keep |= {i for i in notes if start <= i < end}
    out: list[Line] = []
    prev = start - 1
    for i in sorted(keep):
        if i > prev + 1:
            k = i - prev - 1
            out.append(Line(-1, f"… {k} instruction{'s' if k > 1 else ''}"))
        out.append(Line(i, _instr_text(data, body[i]), tuple(notes.get(i, ()))))
        prev = i
    return out


def _names(decls: list[LocalDecl], bits: int) -> list[str]:
    out: list[str] = []
    x = 0
    count = 0
    while bits:
        if bits & 1:
            if len(out) < MAX_LIVE:
                out.append(_local_name(decls, x))
            count += 1
        bits >>= 1
        x += 1
    if count > MAX_LIVE:
        out.append(f"+{count - MAX_LIVE} more")
    return out


def picture(doc: Document, module: Module, func: Func) -> Picture:
    """The graph model of `func` (in `module` of `doc`)."""
    cfg = build_cfg(func)
    if len(cfg.blocks) > MAX_BLOCKS:
        raise PictureError(
            f"function {_func_title(func)} has {len(cfg.blocks)} basic blocks; pictures are limited to {MAX_BLOCKS}"
        )
    lv = compute_liveness(func, cfg)
    notes, bad = init_notes(module, func)
    decls = func.all_locals
    blocks = [
        Block(
            b.index,
            b.start,
            b.end,
            _lines(doc.data, func, b.start, b.end, notes),
            _names(decls, lv.live_in[b.index]),
            _names(decls, lv.live_out[b.index]),
            cfg.reachable[b.index] if b.index < len(cfg.reachable) else True,
        )
        for b in cfg.blocks
    ]
    remarks = []
    if bad:
        remarks.append(f"{bad} read{'s' if bad > 1 else ''} rejected by the 1a rule")
    if not cfg.precise:
        remarks.append("legacy try/delegate or resume handlers: edges approximate")
    return Picture(_func_title(func), blocks, _labelled_edges(module, func, cfg), cfg.precise, remarks)


def picture_of(doc: Document, name: str | None = None, offset: int | None = None) -> Picture:
    m, f = find_function(doc, name, offset)
    return picture(doc, m, f)


# --- DOT ------------------------------------------------------------------------------------


def _dot_str(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def _block_text(b: Block) -> list[str]:
    """The lines of a block's box, shared by DOT and SVG."""
    head = f"B{b.index}" + ("" if b.reachable else " (unreachable)")
    out = [head, f"live in: {' '.join(b.live_in) or '-'}"]
    for ln in b.lines:
        out.append("  " + ln.text + "".join(f"  [{n}]" for n in ln.notes))
    out.append(f"live out: {' '.join(b.live_out) or '-'}")
    return out


def _node(k: int) -> str:
    return "exit" if k == EXIT else f"b{k}"


def to_dot(p: Picture) -> str:
    title = p.title + "".join(f"\\n{_dot_str(r)}" for r in p.notes)
    out = [
        f'digraph "{_dot_str(p.title)}" {{',
        f'  label="{title}";',
        '  labelloc="t";',
        '  node [shape=box, fontname="monospace"];',
        '  edge [fontname="monospace", fontsize=10];',
    ]
    for b in p.blocks:
        label = "".join(_dot_str(t) + "\\l" for t in _block_text(b))
        style = "" if b.reachable else ", style=dashed"
        out.append(f'  b{b.index} [label="{label}"{style}];')
    if any(e.dst == EXIT for e in p.edges):
        out.append('  exit [label="exit", shape=oval];')
    for e in p.edges:
        style = ", style=dashed" if e.catch else ""
        out.append(f'  {_node(e.src)} -> {_node(e.dst)} [label="{_dot_str(", ".join(e.kinds))}"{style}];')
    out.append("}")
    return "\n".join(out) + "\n"


# --- SVG ------------------------------------------------------------------------------------

_CH_W = 7.2  # width of a character of 12px monospace
_LINE_H = 15
_PAD = 6
_GAP = 34  # vertical space between boxes
_LANE = 16  # horizontal space between edge lanes


def _lanes(spans: list[tuple[int, int]]) -> list[int]:
    """A lane per vertical span (y ranges), the lowest free one: overlapping spans never share."""
    order = sorted(range(len(spans)), key=lambda k: (spans[k][0], spans[k][1]))
    ends: list[int] = []  # per lane, where its last span ends
    out = [0] * len(spans)
    for k in order:
        lo, hi = spans[k]
        for lane, end in enumerate(ends):
            if end < lo:
                ends[lane] = hi
                out[k] = lane
                break
        else:
            out[k] = len(ends)
            ends.append(hi)
    return out


def to_svg(p: Picture) -> str:
    """Blocks in body order in one column; the fall-through to the next block straight down,
    every other edge an orthogonal path in a lane at the side (back edges on the left)."""
    boxes = [_block_text(b) for b in p.blocks]
    has_exit = any(e.dst == EXIT for e in p.edges)
    width = max([len(t) for lines in boxes for t in lines] + [len(p.title) + 4, 20]) * _CH_W + 2 * _PAD
    heights = [len(lines) * _LINE_H + 2 * _PAD for lines in boxes] + (
        [_LINE_H + 2 * _PAD] if has_exit else []
    )
    top = (2 + len(p.notes)) * _LINE_H
    ys: list[float] = []
    y = float(top)
    for h in heights:
        ys.append(y)
        y += h + _GAP
    total_h = y
    slot = {b.index: k for k, b in enumerate(p.blocks)}
    exit_slot = len(p.blocks)

    def where(node: int) -> int:
        return exit_slot if node == EXIT else slot[node]

    straight: list[Edge] = []
    side_r: list[tuple[Edge, int, int]] = []
    side_l: list[tuple[Edge, int, int]] = []
    for e in p.edges:
        a, d = where(e.src), where(e.dst)
        if d == a + 1 and not e.catch:
            straight.append(e)
        elif d > a:
            side_r.append((e, a, d))
        else:
            side_l.append((e, d, a))
    lanes_r = _lanes([(a, d) for _, a, d in side_r])
    lanes_l = _lanes([(a, d) for _, a, d in side_l])
    n_l = max(lanes_l, default=-1) + 1
    n_r = max(lanes_r, default=-1) + 1
    longest = max([len(", ".join(e.kinds)) for e in p.edges] + [0])
    x0 = _PAD + (n_l * _LANE + longest * _CH_W * 0.85 + 10 if n_l else 0)
    x1 = x0 + width
    total_w = x1 + n_r * _LANE + longest * _CH_W * 0.85 + 20
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w:.0f}" height="{total_h:.0f}" '
        f'viewBox="0 0 {total_w:.0f} {total_h:.0f}" font-family="monospace" font-size="12">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>',
        f'<rect width="{total_w:.0f}" height="{total_h:.0f}" fill="white"/>',
        f'<text x="{_PAD}" y="{_LINE_H}" font-weight="bold">{html.escape(p.title)}</text>',
    ]
    for k, note in enumerate(p.notes):
        out.append(f'<text x="{_PAD}" y="{(k + 2) * _LINE_H}" fill="#a00">{html.escape(note)}</text>')
    for k, (b, lines) in enumerate(zip(p.blocks, boxes, strict=True)):
        dash = "" if b.reachable else ' stroke-dasharray="4 3"'
        out.append(
            f'<rect x="{x0:.1f}" y="{ys[k]:.1f}" width="{width:.1f}" height="{heights[k]}" '
            f'fill="#f7f7f2" stroke="#333"{dash}/>'
        )
        for j, t in enumerate(lines):
            ty = ys[k] + _PAD + (j + 1) * _LINE_H - 3
            if j == 0:
                style = ' font-weight="bold"'
            elif j == 1 or j == len(lines) - 1:
                style = ' fill="#06c"'
            elif "1a error" in t:
                style = ' fill="#c00"'
            elif "[1a" in t:
                style = ' fill="#960"'
            else:
                style = ""
            out.append(
                f'<text x="{x0 + _PAD:.1f}" y="{ty:.1f}" xml:space="preserve"{style}>{html.escape(t)}</text>'
            )
    if has_exit:
        k = exit_slot
        out.append(
            f'<ellipse cx="{x0 + width / 2:.1f}" cy="{ys[k] + heights[k] / 2:.1f}" rx="40" '
            f'ry="{heights[k] / 2:.1f}" fill="#eee" stroke="#333"/>'
        )
        out.append(
            f'<text x="{x0 + width / 2:.1f}" y="{ys[k] + heights[k] / 2 + 4:.1f}" text-anchor="middle">exit</text>'
        )

    def label(x: float, y: float, e: Edge, anchor: str) -> str:
        return (
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="10" text-anchor="{anchor}" fill="#555" '
            'stroke="white" stroke-width="3" paint-order="stroke">'
            f"{html.escape(', '.join(e.kinds))}</text>"
        )

    def stroke(e: Edge) -> str:
        return ' stroke-dasharray="5 3" stroke="#a40"' if e.catch else ' stroke="#333"'

    cx = x0 + width / 2
    for e in straight:
        a = where(e.src)
        y_from, y_to = ys[a] + heights[a], ys[a + 1]
        out.append(
            f'<path d="M{cx:.1f},{y_from:.1f} V{y_to:.1f}" fill="none"{stroke(e)} marker-end="url(#arrow)"/>'
        )
        out.append(label(cx + 6, (y_from + y_to) / 2 + 4, e, "start"))
    out_count: dict[int, int] = {}  # per slot: side edges leaving it so far (their rows differ)
    in_count: dict[int, int] = {}
    for side, lanes in ((side_r, lanes_r), (side_l, lanes_l)):
        right = side is side_r
        for (e, _, _), lane in zip(side, lanes, strict=True):
            src, dst = where(e.src), where(e.dst)
            k_out = out_count[src] = out_count.get(src, -1) + 1
            k_in = in_count[dst] = in_count.get(dst, -1) + 1
            y_from = max(ys[src] + heights[src] - _PAD - k_out * 12, ys[src] + _PAD)
            y_to = min(ys[dst] + _PAD + 4 + k_in * 6, ys[dst] + heights[dst] - _PAD)
            edge_x = x1 if right else x0
            x = x1 + (lane + 1) * _LANE if right else x0 - (lane + 1) * _LANE
            out.append(
                f'<path d="M{edge_x:.1f},{y_from:.1f} H{x:.1f} V{y_to:.1f} H{edge_x:.1f}" fill="none"{stroke(e)} '
                'marker-end="url(#arrow)"/>'
            )
            # beyond every lane, on the row where the edge leaves its block
            if right:
                out.append(label(x1 + n_r * _LANE + 6, y_from + 3, e, "start"))
            else:
                out.append(label(x0 - n_l * _LANE - 6, y_from + 3, e, "end"))
    out.append("</svg>")
    return "\n".join(out) + "\n"
