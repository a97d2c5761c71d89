"""A whole document (.wat or .wast script): parse, split into modules, read each one.

A .wat file is one module, written as `(module ...)` or as bare fields. A .wast script holds
many modules, some inside assertions: `assert_malformed` and `assert_invalid` modules are
expected to fail, so their own diagnostics are not the document's errors; instead the
document reports a disagreement when we find such a module acceptable.

Liveness diagnostics (`unused-local`, `never-read`, `dead-store`) and the function lints come
last: for each function of a module meant to be valid whose own text holds no error (see
`liveness_report`); then the module lints (`lints.registry`) of such modules holding no error.
"""

from __future__ import annotations

import bisect
import contextlib
import gc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from tree_sitter import Node, Tree
from wat_lsp.analysis import cancel, cst
from wat_lsp.analysis.diagnostics import Diagnostic, Severity, by_span, make
from wat_lsp.analysis.lexical import lexical_diagnostics
from wat_lsp.analysis.lints.registry import func_lints, module_lints
from wat_lsp.analysis.literals import parse_string
from wat_lsp.analysis.liveness import func_diagnostics
from wat_lsp.analysis.model import Func, Span
from wat_lsp.analysis.reader import ModuleReader, ReadResult
from wat_lsp.analysis.syntax import ClosedEarly, closed_early, parse, parse_prefix, syntax_diagnostics
from wat_lsp.analysis.tokens import tokens
from wat_lsp.analysis.validate import CoreOnly, validation

BINARY_MAGIC = b"\0asm"
MODULE_NODES = ("module", "module_binary", "module_quote", "module_instance")
# Codes that the text format itself (not validation) decides: `assert_malformed` territory.
MALFORMED_CODES = frozenset({"syntax", "unknown-name", "duplicate-name", "malformed-literal",
                             "malformed", "unknown-instruction", "invalid-utf8"})  # fmt: skip


@dataclass(slots=True)
class ScriptModule:
    kind: str  # 'text' | 'binary' | 'quote' | 'instance'
    span: Span
    expect: str | None = None  # the enclosing assertion, e.g. 'assert_invalid'
    read: ReadResult | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # valid with every feature on, invalid under WebAssembly 3.0 (`core_rules`): not shown;
    # an `assert_invalid` of it fails as expected (issue 13, item 5)
    core_only: list[CoreOnly] = field(default_factory=list)

    @property
    def expects_failure(self) -> bool:
        return self.expect in ("assert_malformed", "assert_invalid")


@dataclass(frozen=True, slots=True)
class FuncTexts:
    """A one-module document's function fields as `incremental` keeps them: bytes objects
    shared from version to version while their text does not change, so that a cache keyed
    by them (`ide.function_cache`) finds its entries by identity instead of hashing and
    comparing 13 MB of text after each keystroke."""

    funcs: list[tuple[int, bytes]]  # (function index, its field's text) of defined functions, in text order
    context: tuple[bytes, ...]  # the text between function fields and every field's header


@dataclass(slots=True)
class Document:
    data: bytes
    tree: Tree
    modules: list[ScriptModule]
    diagnostics: list[Diagnostic]  # everything the document should show, sorted
    texts: FuncTexts | None = field(default=None, compare=False, repr=False)  # set by `incremental`


def is_binary(data: bytes) -> bool:
    return data.startswith(BINARY_MAGIC)


def _utf8_diagnostics(data: bytes) -> list[Diagnostic]:
    try:
        data.decode("utf-8")
        return []
    except UnicodeDecodeError as e:
        return [
            make(
                "invalid-utf8",
                f"invalid UTF-8 at byte {e.start}: the text format is UTF-8",
                Span(e.start, e.end),
            )
        ]


@contextlib.contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """See `_no_cyclic_gc`."""
    with _no_cyclic_gc():
        yield


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Reading allocates millions of small acyclic objects; the cyclic collector would
    rescan them again and again (40% of the time on a 13 MB module) and finds nothing.

    When the block leaves many new objects behind (a full read of a big module), they are
    moved to the permanent generation (`gc.freeze`): otherwise the next full collection,
    triggered by whatever allocates next (a request building its answer), scans them all
    once more (~1 s on 13 MB). Acyclic objects are still freed by reference counting."""
    with paused_gc(freeze_after=_FREEZE_AFTER):
        yield


_FREEZE_AFTER = 500_000


@contextlib.contextmanager
def paused_gc(freeze_after: int | None = None) -> Iterator[None]:
    """The cyclic collector off while a request builds objects it keeps for a while, some in
    cycles (the fold rewrites' trees of 100,000 nested blocks made ten full collections,
    1.2 s of 1.6), and back on after: what is left, garbage cycles included, goes through the
    young generations once, as usual; or, past `freeze_after` net new tracked objects, into
    the permanent generation (`_no_cyclic_gc`)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if freeze_after is not None and gc.get_count()[0] > freeze_after:
                gc.freeze()
            gc.enable()


def text_diagnostics(data: bytes, tree: Tree) -> list[Diagnostic]:
    """Encoding, syntax and lexical diagnostics of the whole text (cheap unless it has errors)."""
    diags = _utf8_diagnostics(data)
    bad_bytes = {d.span.start for d in diags}
    diags += [
        d
        for d in syntax_diagnostics(tree, data) + lexical_diagnostics(tree, data)
        if d.span.start not in bad_bytes
    ]  # one message for one undecodable byte
    return diags


def analyse(data: bytes, tree: Tree | None = None) -> Document:
    """Parse (or reuse `tree`) and read every module in the document."""
    with _no_cyclic_gc():
        return _analyse(data, tree)


def _analyse(data: bytes, tree: Tree | None) -> Document:
    if tree is None:
        tree = parse(data)
    shown = tree  # the tree the Document keeps (the caller's), whatever is read below
    root = tree.root_node
    if root.has_error or root.named_child_count > 1:
        early = closed_early(data)
        if early is not None:
            return Document(
                data, shown, [], closed_early_diagnostics(data, early, parse_prefix(data, early.end, tree))
            )
    modules = _torn_assertions(data, tree)
    if modules:
        tree = parse(_blanked(data, [m.span for m in modules]))
    diags = text_diagnostics(data, tree)
    root = tree.root_node
    nodes = cst.named(root)
    reach: dict[int, int] = {}  # id(module) -> end of the assertion holding only it
    bare = [n for n in nodes if not (n.type in _CONTAINERS or _is_wast_command(n))]
    if bare and len(bare) < len(nodes):
        # Fields beside a module or script commands: not a module of bare fields but a
        # parenthesis missing (or one too many) before them, which closed the module early.
        # Read as a module of their own, they would refer to nothing (one `(` deleted near
        # the top of a big module gave 400,000 diagnostics), and reading the module before
        # them costs as much as the text it holds, at every keystroke until the parenthesis
        # is back. So nothing is read: the syntax errors, and one diagnostic where the
        # fields outside start.
        diags.append(_outside(data, bare))
        diags.sort(key=by_span)
        return Document(data, shown, [], diags)
    for node in nodes:
        if node.type in MODULE_NODES:
            modules.append(_script_module(data, node, None))
        elif node.type in ("assertion", "wast_assertion"):
            kind_node = node.child_by_field_name("kind")
            kind = cst.text(data, kind_node) if kind_node is not None else (cst.keyword(node) or "")
            inside = [_script_module(data, inner, kind) for inner in _modules_in(node)]
            modules.extend(inside)
            if len(inside) == 1:  # its errors anywhere in the assertion are its failure's
                reach[id(inside[0])] = node.end_byte
        elif node.type in ("thread", "wast_thread"):
            for inner in _modules_in(node):
                modules.append(_script_module(data, inner, None))
    if bare:
        reader = ModuleReader(data, root)
        result = reader.read(bare)
        modules.insert(0, ScriptModule("text", cst.span(root), None, result, *_checked(result)))
    if diags:
        diags = _into_expected_failures(diags, modules, reach)
    if not diags and not modules and _holds_nothing(root):
        diags.append(_empty(Span(0, 0), "the text"))
    for m in modules:
        diags.extend(_module_report(m))
    errors = error_starts(diags)
    linted: list[ScriptModule] = []
    for m in modules:
        if m.read is not None and liveness_applies(m):
            broken = m.read.broken
            for f in m.read.module.funcs:
                if f.index not in broken:
                    cancel.interlude()
                    diags.extend(liveness_report(f, f.span.start, f.span.end, errors))
            if not has_error_in(errors, m.span.start, m.span.end):
                linted.append(m)
    for m in linted:  # after every function's: as `incremental` adds them
        assert m.read is not None
        diags.extend(module_lints(m.read.module, data))
    diags.sort(key=by_span)
    modules.sort(key=lambda m: m.span.start)
    return Document(data, shown, modules, diags)


_CONTAINERS = frozenset({*MODULE_NODES, "assertion", "wast_assertion", "thread", "wast_thread"})


def _into_expected_failures(
    diags: list[Diagnostic], modules: list[ScriptModule], reach: dict[int, int]
) -> list[Diagnostic]:
    """Moves the text's diagnostics (syntax, lexical, encoding) that start inside a module a
    script expects to fail, or after it in the assertion that holds only it (`reach`: where
    tree-sitter's recovery put a missing `)`), into that module's own: they are that module's
    failure, which the script asks for, not an error of the script (see `_module_report`).
    The rest is returned."""
    diags.sort(key=lambda d: d.span.start)
    starts = [d.span.start for d in diags]
    moved = [False] * len(diags)
    for m in modules:
        if not m.expects_failure:
            continue
        lo = bisect.bisect_left(starts, m.span.start)
        hi = bisect.bisect_left(starts, max(m.span.end, reach.get(id(m), 0)), lo)
        for k in range(lo, hi):
            if not moved[k]:
                m.diagnostics.append(diags[k])
                moved[k] = True
    return [d for d, gone in zip(diags, moved, strict=True) if not gone]


_EXPECT_FAILURE = (b"(assert_malformed", b"(assert_invalid")


def _torn_assertions(data: bytes, tree: Tree) -> list[ScriptModule]:
    """`assert_malformed`/`assert_invalid` forms whose syntax error tore the tree: the form as
    the parentheses of the text delimit it is not one node (tree-sitter's recovery closed it
    early, or took what follows into it). Each is a failing module of its own, its span the
    whole form, its diagnostics the syntax errors inside; the caller reads the rest of the
    text with these forms blanked out, so nothing of them cascades (decision 31)."""
    root = tree.root_node
    if not root.has_error or not any(k in data for k in _EXPECT_FAILURE):
        return []
    whole = {(n.start_byte, n.end_byte) for n in root.children if n.type in ("assertion", "wast_assertion")}
    torn: list[ScriptModule] = []
    syntax: list[Diagnostic] | None = None
    for start, end, word in _top_level_forms(data):
        if word not in ("assert_malformed", "assert_invalid") or (start, end) in whole:
            continue
        if syntax is None:
            syntax = syntax_diagnostics(tree, data)
        inside = [d for d in syntax if start <= d.span.start < end]
        if inside:  # a tear is a syntax error (else the form would be one node)
            torn.append(ScriptModule("text", Span(start, end), word, None, inside))
    return torn


def _top_level_forms(data: bytes) -> Iterator[tuple[int, int, str]]:
    """The closed top-level forms of the text, by its parentheses (strings and comments passed
    over): (start, end, the keyword after the `(`)."""
    depth = 0
    start = 0
    word = ""
    for kind, tok_start, tok_end in tokens(data, 0, len(data)):
        if kind == "open":
            if depth == 0:
                start, word = tok_start, ""
            depth += 1
        elif kind == "close" and depth > 0:
            depth -= 1
            if depth == 0:
                yield start, tok_end, word
        elif kind == "word" and depth == 1 and not word:
            word = data[tok_start:tok_end].decode("ascii", "replace")


def _blanked(data: bytes, spans: list[Span]) -> bytes:
    """`data` with the bytes of `spans` turned to spaces (line breaks kept): what is left
    parses at its own offsets."""
    out = bytearray(data)
    for span in spans:
        piece = out[span.start : span.end]
        out[span.start : span.end] = bytes(b if b in (0x0A, 0x0D) else 0x20 for b in piece)
    return bytes(out)


def _holds_nothing(root: Node) -> bool:
    """Only comments and white space: what wasm-tools calls no meaningful token (an
    annotation is one)."""
    return all(c.type in _COMMENTS for c in root.children)


_COMMENTS = frozenset({"comment", "block_comment"})


def _empty(span: Span, what: str) -> Diagnostic:
    """A text, or a quoted module, with no module field (comments and white space at most): the
    spec reads it as an empty module, wasm-tools rejects it; an empty file is more likely a
    mistake than meant (decision 31)."""
    return make(
        "empty-module",
        f"{what} holds no module field: an empty module is valid WebAssembly, "
        "but wasm-tools rejects it (expected at least one module field)",
        span,
    )


def closed_early_diagnostics(data: bytes, early: ClosedEarly, tree: Tree) -> list[Diagnostic]:
    """The diagnostics of a text whose module its parentheses close early (`syntax.closed_early`),
    given `tree`, the text up to the module's end parsed alone (`syntax.parse_prefix`): that
    text's, and one where the fields outside start; nothing after is parsed or read, so a
    parenthesis deleted or typed in a big module costs what comes before it
    ([decision 49](../docs/decisions/0049-a-module-closed-early.md))."""
    # `text_diagnostics` of the text up to the module's end, where every `(` is closed
    text = data[: early.end]
    diags = _utf8_diagnostics(text)
    bad_bytes = {d.span.start for d in diags}
    diags += [
        d
        for d in syntax_diagnostics(tree, text, opened=[]) + lexical_diagnostics(tree, text)
        if d.span.start not in bad_bytes
    ]
    at = early.field
    diags.append(
        make(
            "syntax",
            f"`({early.word} ...)` is outside the module (a `(` missing or a `)` too many before it?): "
            "it and what follows are not analysed",
            Span(at, at + 1 + len(early.word)),
        )
    )
    diags.sort(key=by_span)
    return diags


def _outside(data: bytes, bare: list[Node]) -> Diagnostic:
    first = bare[0]
    word = cst.keyword(first) or first.type
    more = f" and the {len(bare) - 1} after it are" if len(bare) > 1 else " is"
    return make(
        "syntax",
        f"`({word} ...)` is outside the module (a `(` missing or a `)` too many before it?): "
        f"this field{more} not analysed",
        Span(first.start_byte, first.start_byte + 1 + len(word)),
    )


def liveness_applies(m: ScriptModule) -> bool:
    """Whether `m`'s functions get liveness diagnostics: a text module read into a model that
    is meant to be valid (not expected to fail, not only judged on a custom section)."""
    return (
        m.kind == "text"
        and m.read is not None
        and (m.expect is None or not (m.expects_failure or m.expect.endswith("_custom")))
    )


def error_starts(diags: Iterable[Diagnostic]) -> list[int]:
    """Where the errors among `diags` start, sorted (for `liveness_report`)."""
    return sorted(d.span.start for d in diags if d.severity == Severity.ERROR)


def has_error_in(errors: list[int], start: int, end: int) -> bool:
    """Whether an error of `error_starts` starts in [start, end)."""
    k = bisect.bisect_left(errors, start)
    return k < len(errors) and errors[k] < end


def liveness_report(f: Func, start: int, end: int, errors: list[int]) -> list[Diagnostic]:
    """The liveness diagnostics and function lints (`lints.registry`) of function `f` (its field spanning [start, end)), or none when
    an error starts inside the field: the analysis would be unreliable there, and the error is
    what to fix first. `document.analyse` and `incremental` both decide by this."""
    if f.import_ is not None or has_error_in(errors, start, end):
        return []
    return func_diagnostics(f) + func_lints(f)


_WAST_COMMANDS = frozenset({"register", "invoke", "get", "wast_register", "wast_invoke", "wast_get",
                            "action", "wait", "wast_wait", "either", "script", "input", "output",
                            "meta", "wast_const", "wast_result"})  # fmt: skip


def is_wast_command(node: Node) -> bool:
    """A script command (`invoke`, `assert_*`, ...) rather than a module field."""
    return _is_wast_command(node)


def _is_wast_command(node: Node) -> bool:
    return node.type in _WAST_COMMANDS or node.type.startswith(("wast_", "assert"))


def _modules_in(node: Node) -> list[Node]:
    """Modules directly inside an assertion or thread (also inside its action, e.g. a trap)."""
    out: list[Node] = []
    stack = list(reversed(cst.named(node)))
    while stack:
        n = stack.pop()
        if n.type in MODULE_NODES:
            out.append(n)
        elif n.type in ("thread", "wast_thread", "assertion", "wast_assertion"):
            stack.extend(reversed(cst.named(n)))
    return out


def _checked(result: ReadResult) -> tuple[list[Diagnostic], list[CoreOnly]]:
    """The reader's diagnostics, then validation's (which skips what the reader reported);
    validation's `CoreOnly` notes."""
    valid = validation(result.module, result.broken)
    return result.diagnostics + valid.diagnostics, valid.core_only


def _script_module(data: bytes, node: Node, expect: str | None) -> ScriptModule:
    if node.type == "module":
        result = ModuleReader(data, node).read()
        return ScriptModule("text", cst.span(node), expect, result, *_checked(result))
    if node.type == "module_quote":
        return _quote_module(data, node, expect)
    kind = "binary" if node.type == "module_binary" else "instance"
    return ScriptModule(kind, cst.span(node), expect)


def _quote_module(data: bytes, node: Node, expect: str | None) -> ScriptModule:
    """`(module quote "...")`: the strings' contents are the module's fields."""
    pieces: list[tuple[int, Span]] = []  # (offset in inner text, literal span)
    inner = bytearray()
    diags: list[Diagnostic] = []
    for s in cst.named(node):
        if s.type != "string":
            continue
        value, err = parse_string(cst.text(data, s))
        if err is not None:
            diags.append(make("malformed-literal", err, cst.span(s)))
        pieces.append((len(inner), cst.span(s)))
        inner += value + b" "
    text = bytes(inner)
    tree = parse(text)
    inner_diags = _utf8_diagnostics(text) + syntax_diagnostics(tree, text) + lexical_diagnostics(tree, text)
    fields = cst.named(tree.root_node)
    nested = [f for f in fields if f.type in MODULE_NODES or _is_wast_command(f)]
    # The text may be a whole `(module ...)` or bare fields, not a mix or a script.
    if len(fields) == 1 and fields[0].type == "module":
        result = ModuleReader(text, fields[0]).read()
    else:
        for f in nested:
            inner_diags.append(make("syntax", "a quoted module holds module fields only", cst.span(f)))
        fields = [f for f in fields if f not in nested]
        result = ModuleReader(text, tree.root_node).read(fields)
    checked, core_only = _checked(result)
    inner_diags.extend(checked)
    if not inner_diags and _holds_nothing(tree.root_node):
        diags.append(_empty(cst.span(node), "the quoted text"))

    def to_outer(span: Span) -> Span:
        for start, lit in reversed(pieces):
            if span.start >= start:
                return lit
        return cst.span(node)

    for d in inner_diags:
        diags.append(Diagnostic(d.code, d.message, to_outer(d.span), d.severity))
    return ScriptModule("quote", cst.span(node), expect, None, diags, core_only)


def _module_report(m: ScriptModule) -> list[Diagnostic]:
    """What a module contributes to the document's diagnostics."""
    if m.expect is not None and m.expect.endswith("_custom"):
        return []  # only a custom section or annotation is judged: not ours to report
    if m.expect == "assert_malformed":
        if any(
            (d.code in MALFORMED_CODES and d.severity == Severity.ERROR) or d.code == "empty-module"
            for d in m.diagnostics
        ):
            return []  # wasm-tools rejects an empty module as malformed (decision 31)
        if m.kind in ("binary", "instance"):
            return []  # binary modules are not decoded here
        return [
            make(
                "expectation",
                "the script expects this module to be malformed, but wat-lsp reads it without error",
                m.span,
            )
        ]
    if m.expect == "assert_invalid":
        if any(d.severity == Severity.ERROR for d in m.diagnostics) or m.kind in ("binary", "instance"):
            return []
        if m.core_only:
            # Invalid only with a proposal off (item 5: out of scope): the failure the
            # script, written for WebAssembly 3.0, expects.
            return []
        return [
            make(
                "expectation",
                "the script expects this module to be invalid, but wat-lsp validates it without error",
                m.span,
            )
        ]
    return list(m.diagnostics)
