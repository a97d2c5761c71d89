"""`check`'s diagnostics of a one-module text read a piece at a time: the whole tree never lives.

`analyse` keeps the document's tree (9 bytes a source byte) and every function's body while it
reads, validates and lints, 22 bytes a source byte in all; `check` needs only the diagnostics
([decision 50](../docs/decisions/0050-check-reads-a-function-at-a-time.md)). Here:

1. *Plan.* The top-level fields are found by their keyword and the depth of parentheses
   (C-speed counts), and a function's body by a pattern matching its header: guesses, which
   the parses below verify.
2. *Context.* The fields are parsed a few dozen at a time with the function bodies left out
   (tree-sitter's included ranges): each function as `(func $f (param ...) ... )`. The one
   reader reads the module context from these nodes (`ModuleReader.read_context`), then the
   trees go.
3. *Bodies.* Runs of functions are parsed whole, ~1 MB at a time; each function's node must
   have the span and header the context saw. Then, function by function: the body read
   (`read_function_body`), validated, liveness and the function lints, its use counts kept for
   the module lints; then the body is dropped.

The diagnostics equal `analyse(data).diagnostics`, in the same order: they are made by the
same functions and gathered as `document._analyse` gathers them. Anything the plan cannot
verify, or any text where `analyse` would do more than read one module (syntax errors,
illegal bytes, annotations, scripts, several modules, `module quote`, bare fields), gives
None: the caller analyses the whole document. `tests/analysis/test_streaming.py` compares both.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from tree_sitter import Node, Parser
from wat_lsp.analysis import cst
from wat_lsp.analysis.diagnostics import Diagnostic, by_span
from wat_lsp.analysis.document import analyse, error_starts, has_error_in, liveness_report, no_cyclic_gc
from wat_lsp.analysis.lexical import nothing_to_report
from wat_lsp.analysis.lints import mut_never_set
from wat_lsp.analysis.lints.registry import CODES as lint_codes
from wat_lsp.analysis.lints.registry import module_lints
from wat_lsp.analysis.lints.uses import UseKey, func_uses, module_uses
from wat_lsp.analysis.model import Func
from wat_lsp.analysis.reader import _INSTR_KINDS, ModuleReader, _header, read_function_body
from wat_lsp.analysis.syntax import new_parser, parse_ranges
from wat_lsp.analysis.validate import CoreOnly, ModuleContext, validate_function, validate_module_fields

# A field keyword after `(`; those at depth one (inside `(module`) start the fields.
_FIELD = re.compile(rb"\((func|type|rec|import|export|table|memory|global|elem|data|start|tag)(?=[\s()])")
# A function's header: `(func`, then names, comments and the forms that come before the first
# instruction, three parentheses deep at most (`(param (ref null (exact $t)))`). Where it stops
# early (a comment inside a form, a quoted name), the body parse finds a header that differs.
_ATOM = rb'(?:[^()";]|"(?:[^"\\\n]|\\.)*")'
_FORM3 = rb"\(" + _ATOM + rb"*\)"
_FORM2 = rb"\((?:" + _ATOM + rb"|" + _FORM3 + rb")*\)"
_HEAD_FORM = rb"\((?:export|import|type|param|result|local)(?=[\s()])(?:" + _ATOM + rb"|" + _FORM2 + rb")*\)"
_HEADER = re.compile(rb"\(func(?:\s|\$[^\s()\";]+|;;[^\n]*|\(;(?:[^;]|;(?!\)))*;\)|" + _HEAD_FORM + rb")*")
_BLANK = b" \t\r\n"
_FIELDS_A_PARSE = 32  # tree-sitter finds a token's range from the first one: few ranges a parse
_RUN_BYTES = 1 << 20  # the text of a run of functions parsed at once (its tree ~9 times that)
_FUNC_KINDS = cst.kind_ids(("func",))
# What `analyse` makes last, for functions and modules holding no error: liveness and the lints.
LATE_CODES = frozenset({"unused-local", "never-read", "dead-store"}) | lint_codes


@dataclass(slots=True)
class _Field:
    start: int
    end: int  # where the next field starts (or the module's `)`)
    body: tuple[int, int] | None = None  # (end of the header, the closing `)`): left out of step 2


def _plan(data: bytes) -> tuple[int, list[_Field]] | None:
    """The module's closing `)` and its top-level fields, or None when they are not found."""
    close = len(data) - 1
    while close >= 0 and data[close] in _BLANK:
        close -= 1
    if close < 0 or data[close] != 0x29:
        return None
    count = data.count
    starts: list[tuple[int, bool]] = []
    depth = prev = last = 0
    for m in _FIELD.finditer(data, 0, close):
        p = m.start()
        depth += count(b"(", prev, p) - count(b")", prev, p)
        prev = p
        if depth != 1:
            continue
        line = max(data.rfind(b"\n", last, p) + 1, last)
        if data.find(b";;", line, p) >= 0:
            continue  # commented out, most likely (else the parse disagrees)
        starts.append((p, m.group(1) == b"func"))
        last = p
    fields: list[_Field] = []
    for k, (p, is_func) in enumerate(starts):
        f = _Field(p, starts[k + 1][0] if k + 1 < len(starts) else close)
        fields.append(f)
        if not is_func:
            continue
        j = f.end - 1
        while data[j] in _BLANK:
            j -= 1
        line = max(data.rfind(b"\n", p, j) + 1, p)
        if data[j] != 0x29 or data[j - 1] == 0x3B or data.find(b";;", line, j) >= 0:
            continue  # its end is unsure: read whole in both steps
        head = _HEADER.match(data, p, j)
        h = head.end() if head is not None else j
        if h < j and data.find(b"(import", p, h) < 0:  # (an import's header is all of it)
            f.body = (h, j)
    return (close, fields) if fields else None


class _ContextReader(ModuleReader):
    """The reader of step 2: a function read without its body has its token separation checked
    in step 3, where its whole node is (the check looks at the body's top level too)."""

    def __init__(self, data: bytes, node: Node, deferred: set[int]) -> None:
        super().__init__(data, node)
        self.deferred = deferred

    def _check_glue(self, field_node: Node) -> None:
        if field_node.start_byte not in self.deferred:
            super()._check_glue(field_node)

    def check_glue_now(self, field_node: Node) -> list[Node]:
        """The deferred check; `cst.named(field_node)`, found on the way."""
        kids: list[Node] = []
        self.check_glue_listing(field_node, kids)
        return kids


@dataclass(slots=True)
class _Defined:
    func: Func
    start: int
    end: int
    header: list[tuple[int, int, int]]  # (kind id, start, end) of the header's nodes


def _header_key(kids: list[Node]) -> list[tuple[int, int, int]]:
    """Kind and span of a function's header nodes, from its named children."""
    out: list[tuple[int, int, int]] = []
    for c in kids:
        k = c.kind_id
        if k in _INSTR_KINDS:
            break
        out.append((k, c.start_byte, c.end_byte))
    return out


def _context(
    parser: Parser, data: bytes, close: int, fields: list[_Field]
) -> tuple[_ContextReader, list[_Defined]] | None:
    """Step 2: the module context read from trees without bodies; the defined functions."""
    frame = parse_ranges(parser, data, [(0, fields[0].start), (close, len(data))])
    top = cst.named(frame.root_node)
    if frame.root_node.has_error or len(top) != 1 or top[0].type != "module":
        return None
    if any(c.type != "identifier" for c in cst.named(top[0])):
        return None
    nodes: list[Node] = []
    for a in range(0, len(fields), _FIELDS_A_PARSE):
        group = fields[a : a + _FIELDS_A_PARSE]
        spans: list[tuple[int, int]] = []
        at = group[0].start
        for f in group:
            if f.body is not None:
                spans.append((at, f.body[0]))
                at = f.body[1]
        spans.append((at, group[-1].end))
        root = parse_ranges(parser, data, spans).root_node
        got = cst.named(root)
        if root.has_error or [n.start_byte for n in got] != [f.start for f in group]:
            return None
        for n, f in zip(got, group, strict=True):
            if f.body is not None and (n.kind_id not in _FUNC_KINDS or n.end_byte != f.body[1] + 1):
                return None
        nodes += got
    reader = _ContextReader(data, top[0], {f.start for f in fields if f.body is not None})
    reader.read_context(nodes)
    by_index = {f.index: f for f in reader.module.funcs}
    defined = [
        _Defined(by_index[d.index], d.node.start_byte, d.node.end_byte, _header_key(_header(d.node)))
        for d in reader.declared
        if d.space == "func" and d.import_node is None
    ]
    reader.declared, reader.type_nodes = [], []  # (their nodes hold the trees)
    return reader, defined


def _runs(defined: list[_Defined], fields: list[_Field]) -> list[list[_Defined]]:
    """The defined functions in runs of adjacent fields, each run ~`_RUN_BYTES` of text."""
    at = {d.start: d for d in defined}
    runs: list[list[_Defined]] = []
    run: list[_Defined] = []
    for f in fields:
        d = at.get(f.start)
        if d is None or (run and d.end - run[0].start > _RUN_BYTES):
            if run:
                runs.append(run)
            run = []
        if d is not None:
            run.append(d)
    if run:
        runs.append(run)
    return runs


class _Bodies:
    """Step 3's state: what each function adds, gathered as `document._analyse` gathers it."""

    def __init__(self, reader: _ContextReader, late: bool) -> None:
        self.reader = reader
        self.late = late
        self.module = reader.module
        self.types = len(self.module.types)
        self.ctx = ModuleContext(self.module)  # (not `module_context`, whose cache would keep it)
        self.checks = validate_module_fields(self.ctx)  # `validation`'s module-level part
        self.known = error_starts(reader.diags + self.checks)  # errors known before any body
        self.tn = reader._types()
        self.valid: list[Diagnostic] = []
        self.notes: list[CoreOnly] = []
        self.lives: list[tuple[Func, list[Diagnostic]]] = []
        self.uses: Counter[UseKey] = Counter()

    def run(self, parser: Parser, data: bytes, run: list[_Defined]) -> bool:
        """Reads and checks the functions of `run` from one parse; False if the parse disagrees
        with the plan. Each step runs over the whole run before the next (per function, the
        interpreter's caches went cold: 20% more time)."""
        reader, module = self.reader, self.module
        root = parse_ranges(parser, data, [(run[0].start, run[-1].end)]).root_node
        got = cst.named(root)
        if root.has_error or [(n.start_byte, n.end_byte) for n in got] != [(d.start, d.end) for d in run]:
            return False
        marks: list[int] = []
        for node, d in zip(got, run, strict=True):
            marks.append(len(reader.diags))
            kids = reader.check_glue_now(node) if d.start in reader.deferred else cst.named(node)
            if _header_key(kids) != d.header:
                return False
            read_function_body(reader, d.func, node, self.tn, kids)
        del got, root  # the tree
        if len(module.types) != self.types:
            return False  # a body added a type: the context validated against lacks it
        marks.append(len(reader.diags))
        broken, ctx, notes = reader.broken, self.ctx, self.notes
        owns = [
            validate_function(module, d.func, ctx, partial=d.func.index in broken, core_only=notes)
            for d in run
        ]
        for k, d in enumerate(run):
            f, own = d.func, owns[k]
            self.valid += own
            if self.late and f.index not in broken and not has_error_in(self.known, f.span.start, f.span.end):
                errors = error_starts(reader.diags[marks[k] : marks[k + 1]] + own)
                live = liveness_report(f, f.span.start, f.span.end, errors)
                if live:
                    self.lives.append((f, live))
        for d in run:
            if self.late:
                self.uses.update(func_uses(d.func))
            d.func.body = []  # what the module lints need of it is counted
        return True

    def diagnostics(self, data: bytes) -> list[Diagnostic]:
        module = self.module
        module.funcs.sort(key=lambda f: f.index)  # (as `ModuleReader.read` leaves them)
        checked = self.checks + self.valid
        checked.sort(key=by_span)
        diags = self.reader.diags + checked
        errors = error_starts(diags)
        for f, live in self.lives:  # (an error outside a function could start inside it)
            if not has_error_in(errors, f.span.start, f.span.end):
                diags += live
        if self.late and not has_error_in(errors, module.span.start, module.span.end):
            counts = module_uses(module)
            counts.update(self.uses)
            diags += module_lints(module, data, counts)
            mut_never_set.clear()  # (its cache of the last module would keep the model alive)
        diags.sort(key=by_span)
        return diags


def stream_diagnostics(data: bytes, late: bool = True) -> list[Diagnostic] | None:
    """`analyse(data).diagnostics`, reading a function at a time; None where this cannot be
    sure of giving exactly that (the caller analyses the whole document). Without `late`,
    those of `LATE_CODES` are not made (a `check` that would not show them)."""
    if not nothing_to_report(data):
        return None
    plan = _plan(data)
    if plan is None:
        return None
    close, fields = plan
    parser = new_parser()
    context = _context(parser, data, close, fields)
    if context is None:
        return None
    reader, defined = context
    bodies = _Bodies(reader, late)
    for run in _runs(defined, fields):
        if not bodies.run(parser, data, run):
            return None
    return bodies.diagnostics(data)


def check_diagnostics(data: bytes, late: bool = True) -> list[Diagnostic]:
    """`analyse(data).diagnostics`, a function at a time where `stream_diagnostics` can;
    without `late`, those of `LATE_CODES` may be left out."""
    with no_cyclic_gc():
        found = stream_diagnostics(data, late)
    return found if found is not None else analyse(data).diagnostics
