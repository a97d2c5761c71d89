"""The annotations that mean something to a module, checked as `wasm-tools` checks them.

Inside a module, `wasm-tools` parses five annotations instead of skipping them: `@name`,
`@custom`, `@producers`, `@metadata.code.branch_hint` and `@dylink.0`. Their contents must
have the right shape, and each may appear only where its parser looks for it; anywhere else
it is an unexpected token. Other annotations are skipped, wherever they are. The grammar
keeps every annotation as one opaque token (an extra), so this module reads the token's
text and judges its place from its neighbours in the tree. The rules, from the `wast` crate:

* `(@name "s")`: one UTF-8 string, right after a definition's keyword and optional `$id`
  (module, func, param, local, type, global, memory, table, tag, elem, data, an import's
  item, a struct field, a block label); a param, local or field so named declares one type.
* `(@custom "name" (before|after SECTION)? "bytes"*)`, module level only; `before first`
  and `after last` place it at either end.
* `(@producers (language|sdk|processed-by "name" "version")*)`, module level only.
* `(@metadata.code.branch_hint "\\00")` or `"\\01"`: right before an instruction, at most
  one per instruction. In a function a hint on anything but `if` or `br_if` gets the warning
  `branch-hint-target`: `wasm-tools validate` accepts it, its `wast` runner (which reads the
  hint section) and the spec's custom-section rules do not.
* `(@dylink.0 ...)`: module level only; its contents are not checked here.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node, Tree
from wat_lsp.analysis import cst
from wat_lsp.analysis.diagnostics import Diagnostic, make
from wat_lsp.analysis.literals import parse_string
from wat_lsp.analysis.model import Span

# The ids `wasm-tools` registers while it parses a module.
NAME = "name"
CUSTOM = "custom"
PRODUCERS = "producers"
BRANCH_HINT = "metadata.code.branch_hint"
DYLINK = "dylink.0"
KNOWN = frozenset({NAME, CUSTOM, PRODUCERS, BRANCH_HINT, DYLINK})
_MODULE_LEVEL = frozenset({CUSTOM, PRODUCERS, DYLINK})

# Definitions that take a `(@name ...)` after their keyword and optional `$id`.
_NAMED = frozenset({
    "module", "func", "param", "local", "type_field", "global", "memory", "table", "tag",
    "elem", "data", "import_desc", "field_decl", "block_instr", "if_instr", "try_table_instr",
    "try_instr", "folded_block", "folded_if", "folded_try_table", "folded_try",
})  # fmt: skip
_ONE_TYPE = frozenset({"param", "local", "field_decl"})
_INSTRUCTIONS = frozenset({
    "plain_instr", "block_instr", "if_instr", "try_table_instr", "try_instr", "folded_instr",
    "folded_block", "folded_if", "folded_try_table", "folded_try",
})  # fmt: skip
_TRIVIA = frozenset({"comment", "block_comment"})
_SECTIONS = frozenset({
    "type", "import", "func", "table", "memory", "global", "export", "start", "elem", "code",
    "data", "tag",
})  # fmt: skip
_PRODUCER_FIELDS = frozenset({"language", "sdk", "processed-by"})
_MODULE_CONTAINERS = frozenset({"assertion", "wast_assertion", "thread", "wast_thread"})

_ID = re.compile(rb'\(@([^\s()";]+|"(?:[^"\\\n]|\\.)*")')
_TOKEN = re.compile(
    rb'(?P<ws>\s+|;;[^\n]*|\(;.*?;\))|(?P<lp>\()|(?P<rp>\))|(?P<str>"(?:[^"\\\n]|\\.)*")|(?P<atom>[^\s()";]+)',
    re.S,
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # 'lp' | 'rp' | 'str' | 'atom' | 'bad'
    text: bytes
    span: Span


@dataclass(frozen=True, slots=True)
class Site:
    """An annotation token with its parent and its siblings (the parent's children)."""

    leaf: Node
    parent: Node
    siblings: list[Node]
    index: int


def find_annotations(tree: Tree, starts: list[int]) -> list[Site]:
    """The annotation tokens that start at one of `starts` (sorted offsets of `(@`), each
    with its neighbours. The walk enters only nodes that hold one of `starts`, each once, so
    it is linear at any depth (`Node.parent` and `descendant_for_byte_range` are not: they
    walk down from the root, every time)."""
    if not starts:
        return []
    wanted = set(starts)
    out: list[Site] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        kids = node.children
        for i, c in enumerate(kids):
            if c.type == "annotation":
                if c.start_byte in wanted:
                    out.append(Site(c, node, kids, i))
            elif c.child_count:
                k = bisect.bisect_left(starts, c.start_byte)
                if k < len(starts) and starts[k] < c.end_byte:
                    stack.append(c)
    out.sort(key=lambda site: site.leaf.start_byte)
    return out


def annotation_id(data: bytes, leaf: Node) -> str | None:
    m = _ID.match(data, leaf.start_byte)
    return m.group(1).decode("utf-8", "replace") if m is not None else None


def _tokens(data: bytes, start: int, end: int, base: int) -> Iterator[Token]:
    """The tokens of an annotation's body, from `start` to its closing parenthesis (excluded)."""
    at = start
    while at < end:
        m = _TOKEN.match(data, at, end)
        if m is None:
            yield Token("bad", data[at : at + 1], Span(base + at, base + at + 1))
            return
        kind = m.lastgroup or "ws"
        if kind != "ws":
            yield Token(kind, m.group(), Span(base + m.start(), base + m.end()))
        at = m.end()


def module_spans(tree: Tree, data: bytes) -> list[tuple[int, int]]:
    """Where the text's modules are: `(module ...)` forms, at the top or in script commands;
    the whole text when it is a module's bare fields (a `.wat` file, a quoted module). Not
    the modules of `assert_malformed_custom`-like assertions: the script expects their custom
    sections to be wrong, and the core spec keeps such modules."""
    root = tree.root_node
    out: list[tuple[int, int]] = []
    other = False
    for node in root.named_children:
        if node.type == "module":
            out.append((node.start_byte, node.end_byte))
        elif node.type in _MODULE_CONTAINERS:
            other = True
            kind_node = node.child_by_field_name("kind")
            kind = cst.text(data, kind_node) if kind_node is not None else (cst.keyword(node) or "")
            if not kind.endswith("_custom"):
                out.extend((n.start_byte, n.end_byte) for n in node.named_children if n.type == "module")
        elif node.type.startswith(("module_", "wast_")) or node.type in ("register", "invoke", "get"):
            other = True
    if not out and not other:
        return [(root.start_byte, root.end_byte)]
    return out


def check_annotation(
    data: bytes, site: Site, ident: str, module_level: str, base: int = 0
) -> list[Diagnostic]:
    """Diagnostics for one annotation with a `KNOWN` id, inside a module whose fields have
    the parent node type `module_level`."""
    out: list[Diagnostic] = []
    leaf = site.leaf
    span = Span(base + leaf.start_byte, base + leaf.end_byte)
    placed = _placement(data, site, ident, module_level)
    if placed is not None:
        out.append(make("malformed", placed, span))
        return out
    body_start = leaf.start_byte + 2 + len(ident.encode())
    body_end = leaf.end_byte - 1 if data[leaf.end_byte - 1 : leaf.end_byte] == b")" else leaf.end_byte
    toks = list(_tokens(data, body_start, body_end, base))
    err = _CONTENTS[ident](toks) if ident in _CONTENTS else None
    if err is not None:
        message, where = err
        out.append(make("malformed", f"`@{ident}` annotation: {message}", where or span))
    return out


def _previous(site: Site, data: bytes) -> Iterator[Node]:
    """Siblings before the annotation, nearest first, without comments and skipped annotations."""
    for k in range(site.index - 1, -1, -1):
        prev = site.siblings[k]
        if not _skipped(prev, data):
            yield prev


def _skipped(node: Node, data: bytes) -> bool:
    return node.type in _TRIVIA or (node.type == "annotation" and annotation_id(data, node) not in KNOWN)


def _following(site: Site, data: bytes) -> Iterator[Node]:
    """Siblings after the annotation, nearest first, without comments and skipped annotations."""
    for k in range(site.index + 1, len(site.siblings)):
        nxt = site.siblings[k]
        if not _skipped(nxt, data):
            yield nxt


def _placement(data: bytes, site: Site, ident: str, module_level: str) -> str | None:
    """Why the annotation may not stand where it is (None when it may)."""
    parent = site.parent
    ptype = parent.type
    after = next(_following(site, data), None)
    if ident != BRANCH_HINT and after is not None and after.type == "identifier":
        return f"`@{ident}` stands before the `$id`: the `$id` comes first"
    if ident in _MODULE_LEVEL:
        if ptype in ("module", module_level):
            return None
        return f"`@{ident}` is a module field: it may stand only among the module's fields"
    if ident == NAME:
        if ptype in _NAMED and all(not p.is_named or p.type == "identifier" for p in _previous(site, data)):
            if ptype in _ONE_TYPE:
                types = [
                    n
                    for n in site.siblings
                    if n.is_named and n.type != "identifier" and not _skipped(n, data)
                ]
                if len(types) != 2:  # the type and this annotation
                    return "`@name` names one parameter, local or field: declare one type after it"
            return None
        return "`@name` may stand only right after a definition's keyword and `$id`"
    if ident == BRANCH_HINT:
        if _hinted_node(site, data) is None:
            return "`@metadata.code.branch_hint` must precede an instruction"
        prev = next(_previous(site, data), None)
        if prev is not None and prev.type == "annotation" and annotation_id(data, prev) == BRANCH_HINT:
            return "duplicate `@metadata.code.branch_hint`: one hint per instruction"
        return None
    return None


def _hinted_node(site: Site, data: bytes) -> Node | None:
    """The instruction a branch hint stands before (over other hints: a duplicate is reported
    on its own), or None."""
    for nxt in _following(site, data):
        if nxt.type == "annotation" and annotation_id(data, nxt) == BRANCH_HINT:
            continue
        return nxt if nxt.type in _INSTRUCTIONS else None
    return None


Problem = tuple[str, Span | None]


def _utf8_string(tok: Token) -> Problem | None:
    if tok.kind != "str":
        return "expected a string", tok.span
    value, err = parse_string(tok.text.decode("utf-8", "surrogateescape"))
    if err is not None:
        return err, tok.span
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return "malformed UTF-8 encoding", tok.span
    return None


def _bytes_string(tok: Token) -> Problem | None:
    if tok.kind != "str":
        return "expected a string", tok.span
    _, err = parse_string(tok.text.decode("utf-8", "surrogateescape"))
    return (err, tok.span) if err is not None else None


def _name(toks: list[Token]) -> Problem | None:
    if not toks:
        return "expected a string", None
    bad = _utf8_string(toks[0])
    if bad is not None:
        return bad
    if len(toks) > 1:
        return "expected `)` after the name", toks[1].span
    return None


def _custom(toks: list[Token]) -> Problem | None:
    if not toks:
        return "expected the section's name, a string", None
    bad = _utf8_string(toks[0])
    if bad is not None:
        return bad
    i = 1
    if i < len(toks) and toks[i].kind == "lp":
        words = []
        j = i + 1
        while j < len(toks) and toks[j].kind == "atom":
            words.append(toks[j].text.decode("ascii", "replace"))
            j += 1
        if j >= len(toks) or toks[j].kind != "rp" or not _placement_words(words):
            return (
                "expected a placement: `(before first)`, `(after last)`, or `before`/`after` "
                "and a section (type, import, func, table, memory, global, export, start, elem, "
                "code, data, tag)",
                toks[i].span,
            )
        i = j + 1
    for tok in toks[i:]:
        bad = _bytes_string(tok)
        if bad is not None:
            return bad
    return None


def _placement_words(words: list[str]) -> bool:
    if len(words) != 2 or words[0] not in ("before", "after"):
        return False
    if words[1] in _SECTIONS:
        return True
    return (words[0], words[1]) in (("before", "first"), ("after", "last"))


def _producers(toks: list[Token]) -> Problem | None:
    i = 0
    while i < len(toks):
        if toks[i].kind != "lp":
            return "expected `(` and a field: `language`, `sdk` or `processed-by`", toks[i].span
        field = toks[i + 1] if i + 1 < len(toks) else None
        if (
            field is None
            or field.kind != "atom"
            or field.text.decode("ascii", "replace") not in _PRODUCER_FIELDS
        ):
            return "expected one of `language`, `sdk`, `processed-by`", (field or toks[i]).span
        for k in (2, 3):
            tok = toks[i + k] if i + k < len(toks) else None
            if tok is None:
                return "expected a string (a name, then a version)", field.span
            bad = _utf8_string(tok)
            if bad is not None:
                return bad
        close = toks[i + 4] if i + 4 < len(toks) else None
        if close is None or close.kind != "rp":
            return "expected `)` after the name and version", (close or field).span
        i += 5
    return None


def _branch_hint(toks: list[Token]) -> Problem | None:
    if not toks or toks[0].kind != "str":
        return "expected a string", toks[0].span if toks else None
    if len(toks) > 1:
        return "expected one string", toks[1].span
    value, err = parse_string(toks[0].text.decode("utf-8", "surrogateescape"))
    if err is not None:
        return err, toks[0].span
    if value not in (b"\x00", b"\x01"):
        return 'invalid value for branch hint: expected "\\00" (unlikely) or "\\01" (likely)', toks[0].span
    return None


_CONTENTS = {NAME: _name, CUSTOM: _custom, PRODUCERS: _producers, BRANCH_HINT: _branch_hint}


def annotation_diagnostics(tree: Tree, data: bytes, sites: list[Site], base: int = 0) -> list[Diagnostic]:
    """Diagnostics for the `KNOWN` annotations among `sites` that stand inside a module."""
    known = [(site, ident) for site in sites if (ident := annotation_id(data, site.leaf)) in KNOWN]
    if not known:
        return []
    spans = module_spans(tree, data)
    root = tree.root_node
    whole = len(spans) == 1 and spans[0] == (root.start_byte, root.end_byte)
    bare = whole and not any(n.type == "module" for n in root.named_children)
    module_level = "source_file" if bare else "module"
    funcs = _func_spans(tree) if any(ident == BRANCH_HINT for _, ident in known) else []
    out: list[Diagnostic] = []
    for site, ident in known:
        at = site.leaf.start_byte
        if not any(s <= at < e for s, e in spans):
            continue
        found = check_annotation(data, site, ident, module_level, base)
        out.extend(found)
        if ident == BRANCH_HINT and not found and any(s <= at < e for s, e in funcs):
            target = _hinted_node(site, data)
            op = _mnemonic(target, data) if target is not None else None
            if op not in (None, "if", "br_if"):
                out.append(
                    make(
                        "branch-hint-target",
                        f"a branch hint on `{op}`: only `if` and `br_if` take one",
                        Span(base + at, base + site.leaf.end_byte),
                    )
                )
    return out


def _func_spans(tree: Tree) -> list[tuple[int, int]]:
    """Functions of the text's modules (top-level, in script commands, or bare fields)."""
    out = []
    stack = list(tree.root_node.named_children)
    while stack:
        node = stack.pop()
        if node.type == "func":
            out.append((node.start_byte, node.end_byte))
        elif node.type == "module" or node.type in _MODULE_CONTAINERS:
            stack.extend(node.named_children)
    return out


def _mnemonic(node: Node, data: bytes) -> str | None:
    op = node.child_by_field_name("op")
    return cst.text(data, op) if op is not None else cst.keyword(node)
