"""The formatter: bytes in, formatted bytes (or the minimal edits) out.

Only white space between tokens changes: every token (strings, numbers, ids, comments,
annotations) is copied byte for byte and none is added, moved past another or dropped, so
the module means what it meant ([decision 29](../../docs/decisions/0029-formatter-moves-only-white-space.md)).

The tree says where the items (module fields, script commands) are and which hold a
syntax error; those are copied verbatim with the white space before and after them. An item without
an error is laid out from a scan of its text into units (`(`, `)`, a run of atoms on one
line, a comment), which is linear and touches a Python object per line rather than per
token; two units cover many lines or tokens each, for speed: lines of plain instructions
(one a line, with `block`/`end` lines among them, re-indented with C string operations)
and a form of a keyword and atoms only (`(param $a i32)`). A form that fits the line width (and holds no line comment and at most one plain
instruction) is printed flat; else its head stays on its first line and its body goes one
element a line, one indent deeper; plain blocks (`block` ... `end`) indent their
instructions. No recursion over nesting depth: forms are laid out from an explicit stack.

The scan, the re-indenting of plain lines and the walk that finds the minimal edits run in C
for ASCII text (`format_scan.c`, [decision 51](../../docs/decisions/0051-formatter-scan-in-c.md)),
giving what the Python code here gives; the Python code does the rest.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from dataclasses import dataclass, fields, replace
from typing import Any

from tree_sitter import Node, Tree
from wat_lsp.analysis import cancel
from wat_lsp.analysis.syntax import parse
from wat_lsp.passes.edits import TextEdit

# Indentation stops growing at this depth: 100,000 nested blocks indented in full would
# make gigabytes of blanks.
MAX_INDENT = 100
WRAP_BEFORE = ("never", "overflow", "multiOnly", "always")
MULTI_LINE = ("never", "overflow", "smart", "wrap", "always")


@dataclass(frozen=True)
class FormatOptions:
    """The settings, named as wasm-language-tools names them (`docs/formatting.md`)."""

    indentWidth: int = 2
    useTabs: bool = False
    printWidth: int = 80
    splitClosingParens: bool = False
    wrapBeforeLocals: str = "overflow"
    wrapBeforeFields: str = "overflow"
    wrapBeforeConstExpr: str = "overflow"
    multiLineLocals: str = "smart"
    multiLineFields: str = "smart"
    ignoreCommentDirective: str = "fmt-ignore"


_CHOICES = {
    "wrapBeforeLocals": WRAP_BEFORE,
    "wrapBeforeFields": WRAP_BEFORE,
    "wrapBeforeConstExpr": WRAP_BEFORE,
    "multiLineLocals": MULTI_LINE,
    "multiLineFields": MULTI_LINE,
}
_ALIASES = {"lineWidth": "printWidth", "tabSize": "indentWidth", "indentSize": "indentWidth"}


def _camel(name: str) -> str:
    parts = re.split(r"[-_]", name)
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def options_from(
    settings: dict[str, Any], base: FormatOptions | None = None
) -> tuple[FormatOptions, list[str]]:
    """`base` with the settings that are valid applied, and a message per one that is not.
    Keys may be camelCase (`printWidth`), snake_case or kebab-case (`print-width`)."""
    opts = base or FormatOptions()
    known = {f.name: f for f in fields(FormatOptions)}
    changes: dict[str, Any] = {}
    errors: list[str] = []
    for raw, value in settings.items():
        key = _camel(str(raw))
        key = _ALIASES.get(key, key)
        if key not in known:
            errors.append(f"unknown format option `{raw}`")
            continue
        default = getattr(FormatOptions(), key)
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, int):
            ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 1000
        else:
            ok = isinstance(value, str)
            if ok and key in _CHOICES:
                value = {"multi-only": "multiOnly", "multi_only": "multiOnly"}.get(value, value)
                ok = value in _CHOICES[key]
        if not ok:
            allowed = " or ".join(_CHOICES.get(key, ()))
            errors.append(
                f"format option `{raw}`: bad value {value!r}" + (f" (expected {allowed})" if allowed else "")
            )
            continue
        changes[key] = value
    return replace(opts, **changes), errors


# ---------------------------------------------------------------------------------------
# Words

# Words that are immediates or parts of a type, never an instruction (the grammar's
# reserved words that do not start an instruction, and the keyword leaves it aliases).
_NOT_INSTR = frozenset(
    [
        "module",
        "definition",
        "instance",
        "binary",
        "quote",
        "type",
        "rec",
        "sub",
        "final",
        "func",
        "struct",
        "array",
        "cont",
        "field",
        "mut",
        "ref",
        "null",
        "exact",
        "describes",
        "descriptor",
        "param",
        "result",
        "local",
        "import",
        "export",
        "table",
        "memory",
        "global",
        "tag",
        "elem",
        "data",
        "start",
        "offset",
        "item",
        "declare",
        "pagesize",
        "shared",
        "then",
        "do",
        "on",
        "register",
        "invoke",
        "get",
        "either",
        "thread",
        "wait",
        "i32",
        "i64",
        "f32",
        "f64",
        "v128",
        "i8",
        "i16",
        "extern",
        "any",
        "eq",
        "i31",
        "none",
        "nofunc",
        "noextern",
        "exn",
        "noexn",
        "nocont",
        "funcref",
        "externref",
        "anyref",
        "eqref",
        "i31ref",
        "structref",
        "arrayref",
        "nullref",
        "nullfuncref",
        "nullexternref",
        "exnref",
        "nullexnref",
        "contref",
        "nullcontref",
        "i8x16",
        "i16x8",
        "i32x4",
        "i64x2",
        "f32x4",
        "f64x2",
        "inf",
        "nan",
    ]
)
_OPENS = frozenset(("block", "loop", "if", "try_table", "try"))
_MIDS = frozenset(("else", "catch", "catch_all"))
_CLOSES = frozenset(("end", "delegate"))


def _is_instr(word: str) -> bool:
    c = word[:1]
    return (
        "a" <= c <= "z"
        and word not in _NOT_INSTR
        and not word.startswith(("offset=", "align=", "nan:", "inf:"))
        and "=" not in word
    )


# Forms that stay on their parent's first line, by the parent's keyword ("" for a folded
# instruction); others start the body.
_TYPE_FORMS = frozenset(("ref", "mut", "shared", "exact"))
_BLOCK_HEAD = frozenset(("type", "param", "result"))
_HEAD_FORMS: dict[str, frozenset[str]] = {
    "func": frozenset(("type", "param", "result", "export", "import", "exact")),
    "block": _BLOCK_HEAD,
    "loop": _BLOCK_HEAD,
    "if": _BLOCK_HEAD,
    "try": _BLOCK_HEAD,
    "try_table": _BLOCK_HEAD | {"catch", "catch_ref", "catch_all", "catch_all_ref"},
    "global": frozenset(("export", "import")) | _TYPE_FORMS,
    "table": frozenset(("export", "import")) | _TYPE_FORMS,
    "memory": frozenset(("export", "import", "pagesize")),
    "tag": frozenset(("export", "import", "type", "param", "result")),
    "data": frozenset(("memory",)),
    "elem": frozenset(("table",)),
    "sub": frozenset(("describes", "descriptor")),
    "field": _TYPE_FORMS,
    "param": _TYPE_FORMS,
    "result": _TYPE_FORMS,
    "local": _TYPE_FORMS,
    "mut": _TYPE_FORMS,
    "ref": _TYPE_FORMS,
    "": frozenset(("type", "param", "result", "on")) | _TYPE_FORMS,
}
_NO_HEAD_FORMS: frozenset[str] = frozenset()
# Forms that follow a plain instruction on its line: its immediates.
_IMMEDIATE_FORMS = frozenset(
    ("type", "param", "result", "on", "catch", "catch_ref", "catch_all", "catch_all_ref")
)
_IMMEDIATE_FORMS |= _TYPE_FORMS
# Forms whose body is a constant expression.
_CONST_HOLDERS = frozenset(("global", "offset", "item", "table"))

# ---------------------------------------------------------------------------------------
# Scanning an item's text into units

_ATOM = r'(?:[^ \t\r\n()";]+|"(?:[^"\\\n]|\\.)*")+'
# Lines of plain instructions, the bulk of a function: one instruction a line, each a
# word `_is_instr` takes (never a block word) and immediates it does not (ids, numbers,
# `offset=`, reserved words), one space apart, no comment, string nor blank line. They are
# one unit, so the scan and the layout do Python work per run of such lines, not per line.
_NOT_INSTR_WORDS = "|".join(sorted(_NOT_INSTR | _OPENS | _MIDS | _CLOSES, key=lambda w: (-len(w), w)))
_BLOCK_WORD = r"(?:try_table|catch_all|delegate|block|catch|else|loop|end|try|if)"
# Possessive and atomic throughout (`*+`, `(?>...)`): a word matches whole or not at all, so
# giving characters back never helps, and not keeping the places to go back to makes the scan
# a third faster. The dotted words come first: most instructions, and never a reserved word.
_LINE_HEAD = (
    r"(?>[a-z][a-z0-9_]*+\.[a-z0-9_.]*+|"
    + _BLOCK_WORD
    + r"(?![a-z0-9_])|(?!(?:"
    + _NOT_INSTR_WORDS
    + r")(?![a-z0-9_]))[a-z][a-z0-9_]*+)"
)
_IMMEDIATE = (
    r"""(?>[$0-9+\-][^ \t\r\n()";]*+|(?:offset|align)=[^ \t\r\n()";]*+|(?:nan|inf):[^ \t\r\n()";]*+|(?:"""
    + "|".join(sorted(_NOT_INSTR, key=lambda w: (-len(w), w)))
    + "))"
)
# (a block comment without `(`, `)` or `;` may end a line: `f64.const 0x1.8p+0 (;=1.5;)`)
_PLAIN_LINE = _LINE_HEAD + r"(?: " + _IMMEDIATE + r")*+(?: \(;[^\n();]*+;\))?+"
# Every line ends where the unit may end (a line followed by anything else is not taken)
_LINE_END = r"(?=[ \t]*+(?:[\n)]|\Z))"
_LINES = _PLAIN_LINE + _LINE_END + r"(?:\n[ \t]*+" + _PLAIN_LINE + _LINE_END + r")*+"
# (a block comment without `(`, `)` or `;` in it is matched whole, others from their `(;`)
_UNIT_TAIL = r"|(" + _ATOM + r"(?:[ \t]+" + _ATOM + r")*)|(;;[^\n]*)|(\(;[^\n();]*;\)|\(;)|(\(@))"
# A form of a keyword and atoms only, one space apart (`(param $a i32)`, `(local.get $x)`):
# one unit rather than three.
_LEAF = r'\([a-z][^ \t\r\n()";]*(?: [^ \t\r\n()";]+)*\)'
_UNIT = re.compile(r"[ \t\r\n]*+(?:(" + _LEAF + r")|(\()(?![;@])|(\))|(" + _LINES + ")" + _UNIT_TAIL)
# After `(` the first run is the keyword: never lines (group 4 cannot match).
_UNIT_AFTER_OPEN = re.compile(r"[ \t\r\n]*+(?:(" + _LEAF + r")|(\()(?![;@])|(\))|((?!))" + _UNIT_TAIL)
_INDENTS = re.compile(r"\n[ \t]+")
# The lines of a `LINES` unit that start or end a plain block.
# Groups: 1 opens a block, 2 is `else`/`catch`, 3 ends one (`_OPENS`, `_MIDS`, `_CLOSES`).
_BLOCK_LINE = re.compile(
    r"^(?:(try_table|block|loop|try|if)|(catch_all|catch|else)|(delegate|end))(?![^ \n])[^\n]*", re.M
)
# The same lines found after their line break (the text split at them), and what each does
# by its first two letters: 1 opens a block, 2 is `else`/`catch`, -1 ends one.
_BLOCK_SPLIT = re.compile(
    r"\n((?:try_table|catch_all|delegate|block|catch|else|loop|end|try|if)(?![^ \n])[^\n]*+)"
)
_BLOCK_KIND = {"tr": 1, "bl": 1, "lo": 1, "if": 1, "ca": 2, "el": 2, "en": -1, "de": -1}
_ATOMS = re.compile(_ATOM)
_BLOCK_COMMENT_MARK = re.compile(r"\(;|;\)")
_ANNOT_MARK = re.compile(r'[()"]|;;[^\n]*|\(;')
_SPACES = re.compile(r"[ \t]{2,}|\t")

# Unit kinds, the scan's group numbers. A `LEAF` is a whole form, its own `close`.
LEAF, OPEN, CLOSE, LINES, RUN, LCOMMENT, BCOMMENT = 1, 2, 3, 4, 5, 6, 7


class _Bad(Exception):
    """The scan met text it does not understand: the item is copied verbatim."""


def _skip_block_comment(text: str, pos: int) -> int:
    depth = 0
    for m in _BLOCK_COMMENT_MARK.finditer(text, pos):
        depth += 1 if m.group() == "(;" else -1
        if depth == 0:
            return m.end()
    raise _Bad


def _skip_annotation(text: str, pos: int) -> int:
    depth = 0
    at = pos
    n = len(text)
    while at < n:
        m = _ANNOT_MARK.search(text, at)
        if m is None:
            break
        g = m.group()
        if g == "(":
            depth += 1
            at = m.end()
        elif g == ")":
            depth -= 1
            at = m.end()
            if depth == 0:
                return at
        elif g == '"':
            s = re.compile(r'"(?:[^"\\]|\\.)*"', re.S).match(text, m.start())
            if s is None:
                raise _Bad
            at = s.end()
        elif g == "(;":
            at = _skip_block_comment(text, m.start())
        else:
            at = m.end()
    raise _Bad


class _Units:
    """An item's text as units, with per-form widths and the forms that must break."""

    __slots__ = ("close", "containers", "hard", "keywords", "kind", "nl", "start", "text", "width")

    def __init__(self, text: str, crlf: bool) -> None:
        if _c_scan is not None and text.isascii():
            got = _c_scan(text, crlf)
            if got is not None:
                (self.kind, self.text, self.nl, self.start, self.close, self.width, self.hard, self.containers,
                 self.keywords) = got  # fmt: skip
                return
        self.scan(text, crlf)

    def scan(self, text: str, crlf: bool) -> None:
        """The scan in Python: what `_format_scan.scan` does where it takes the text."""
        kind: list[int] = []
        txt: list[str] = []
        nl: list[int] = []
        start: list[int] = []
        close: dict[int, int] = {}
        width: dict[int, int] = {}
        hard: set[int] = set()
        # per open form: its unit and the flat width up to and including its `(`
        stack: list[tuple[int, int]] = []
        containers: list[int] = []  # forms whose keyword may make them break although they fit
        keywords: dict[int, str] = {}  # per form (its `(` or its `LEAF`) that has one
        add_kind, add_text, add_nl, add_start = kind.append, txt.append, nl.append, start.append
        match = _UNIT.match
        match_after_open = _UNIT_AFTER_OPEN.match
        indents = _INDENTS.sub
        count = text.count
        pos = 0
        n = len(text)
        acc = 0  # the flat width so far (a space before each unit not after `(` nor a `)`)
        prev_open = True
        while True:
            m = (match_after_open if prev_open else match)(text, pos)
            if m is None:
                if text[pos:].strip(" \t\r\n"):
                    raise _Bad
                break
            g = m.lastindex
            s = m.start(g)  # type: ignore[arg-type]
            e = m.end()
            idx = len(kind)
            if g == LINES:
                t = m.group(LINES)
                if "\n" in t:
                    t = indents("\n", t)
                acc += len(t) + 1
            elif g == RUN:
                t = m.group(RUN)
                if "\t" in t or "  " in t:
                    t = " ".join(_ATOMS.findall(t)) if '"' in t else " ".join(t.split())
                if prev_open:
                    kw = keywords[idx - 1] = t.partition(" ")[0]
                    if kw in _MAY_BREAK:
                        containers.append(idx - 1)
                    acc += len(t)
                else:
                    acc += len(t) + 1
                prev_open = False
            elif g == LEAF:
                t = m.group(LEAF)
                close[idx] = idx
                width[idx] = len(t)
                acc += len(t) if prev_open else len(t) + 1
                kw = keywords[idx] = t[1:-1].partition(" ")[0]
                if kw in _MAY_BREAK:
                    containers.append(idx)
                prev_open = False
            elif g == OPEN:
                acc += 1 if prev_open else 2
                stack.append((idx, acc))
                t = "("
                prev_open = True
            elif g == CLOSE:
                if not stack:
                    raise _Bad
                o, at = stack.pop()
                acc += 1
                close[o] = idx
                width[o] = acc - at + 1
                if o in hard and stack:
                    hard.add(stack[-1][0])
                t = ")"
                prev_open = False
            elif g == LCOMMENT:
                t = m.group(LCOMMENT)
                if crlf:
                    t = t.rstrip("\r")
                if stack:
                    hard.add(stack[-1][0])
                g = LCOMMENT
                acc += len(t) + (0 if prev_open else 1)
                prev_open = False
            else:
                if g == BCOMMENT:
                    t = m.group(BCOMMENT)
                    if t == "(;":
                        e = _skip_block_comment(text, s)
                        t = text[s:e]
                else:
                    e = _skip_annotation(text, s)
                    t = text[s:e]
                if "\n" in t and stack:
                    hard.add(stack[-1][0])
                g = BCOMMENT  # an annotation too: laid out like a block comment
                acc += len(t) + (0 if prev_open else 1)
                prev_open = False
            add_kind(g)
            add_text(t)
            if s == pos:
                add_nl(0)
            else:
                lines = count("\n", pos, s)
                add_nl(2 if lines > 1 else lines)
            add_start(s)
            pos = e
            if pos >= n:
                break
        if stack:
            raise _Bad
        self.kind = kind
        self.text = txt
        self.nl = nl
        self.start = start
        self.close = close
        self.hard = hard
        self.containers = containers
        self.keywords = keywords
        self.width = width

    def has_container(self, o: int) -> bool:
        """Whether the form opened at `o` is or holds a form that may break although it fits."""
        at = bisect_left(self.containers, o)
        return at < len(self.containers) and self.containers[at] <= self.close[o]

    def flat(self, o: int) -> str:
        """The form opened at `o` on one line."""
        kind = self.kind
        text = self.text
        if kind[o] == LEAF:
            return text[o]
        parts = ["("]
        prev_open = True
        for j in range(o + 1, self.close[o] + 1):
            k = kind[j]
            if k == LINES:
                parts.append(" " + text[j].replace("\n", " "))
            else:
                parts.append(text[j] if prev_open or k == CLOSE else " " + text[j])
            prev_open = k == OPEN
        return "".join(parts)


# ---------------------------------------------------------------------------------------
# Elements of a form and their layout

# Element kinds.
E_ATOMS, E_INSTR, E_FORM, E_LCOMMENT, E_BCOMMENT = 1, 2, 3, 4, 5
# Lines of plain instructions in a body (a `LINES` unit): laid out as that many `E_INSTR`
# elements of no block would be, one a line.
E_LINES = 6


# Not frozen (a frozen data class takes four times as long to make, and the layout makes one
# per form of a body), but never changed once made: `_RUNS` shares them.
@dataclass(slots=True, eq=False)
class _El:
    kind: int
    text: str  # atoms, an instruction with its atom immediates, a comment ("" for a form)
    nl: int  # line breaks before it in the source (0, 1, 2 for more)
    form: int = -1  # the opening unit of a form
    attach: bool = False  # a form following an instruction on its line
    block: int = 0  # +1 opens a plain block, -1 ends one, 2 `else`/`catch` (`E_LINES`: its last line)


# Runs already split, by (text, line breaks before, in a body): most lines of a body are
# one of a few thousand instructions. The elements are shared, never changed.
_RUNS: dict[tuple[str, int, bool], tuple[_El, ...]] = {}
_RUNS_LIMIT = 200_000


def _split_run(text: str, nl: int, into: list[_El], body: bool) -> None:
    """A run of atoms as elements: atoms up to the first instruction, then one element per
    instruction with its immediates (in a body; elsewhere the run is one element)."""
    if not body or (" " not in text and not _is_instr(text)):
        # one element, not kept: a function's name and the like, seen once each
        into.append(_El(E_ATOMS, text, nl))
        return
    key = (text, nl, body)
    done = _RUNS.get(key)
    if done is None:
        els: list[_El] = []
        words = _ATOMS.findall(text) if '"' in text else text.split(" ")
        cur: list[str] = []
        for w in words:
            if cur and _is_instr(w):
                _push(cur, els, nl)
                nl = 0
                cur = []
            cur.append(w)
        _push(cur, els, nl)
        if len(_RUNS) >= _RUNS_LIMIT:
            _RUNS.clear()
        done = _RUNS[key] = tuple(els)
    into.extend(done)


def _add_run(text: str, nl: int, els: list[_El], body: bool) -> None:
    """A run's elements appended, merged with atoms before it."""
    n = len(els)
    _split_run(text, nl, els, body)
    if n and els[n - 1].kind == E_ATOMS and els[n].kind == E_ATOMS:
        # atoms are filled over lines whatever lines they were on
        els[n - 1 : n + 1] = [_El(E_ATOMS, els[n - 1].text + " " + els[n].text, els[n - 1].nl)]


def _push(words: list[str], into: list[_El], nl: int) -> None:
    head = words[0]
    if not _is_instr(head):
        into.append(_El(E_ATOMS, " ".join(words), nl))
        return
    block = 1 if head in _OPENS else -1 if head in _CLOSES else 2 if head in _MIDS else 0
    into.append(_El(E_INSTR, " ".join(words), nl, -1, False, block))


@functools.cache
def _line_starts(newline: str, unit: str) -> tuple[list[str], list[str]]:
    """A line break and the indentation of each level, without and with a blank line."""
    lines = [newline + unit * i for i in range(MAX_INDENT + 1)]
    return lines, [newline + line for line in lines]


_BODY_FORMS = frozenset(
    ("func", "global", "table", "offset", "item", "elem", "block", "loop", "if", "then", "else",
     "try_table", "try", "do", "catch", "catch_all")
)  # fmt: skip


_MAY_BREAK = _BODY_FORMS | {"struct"}

# The same scan in C (analysis/ide/format_scan.c) for ASCII items without annotations or
# multi-line block comments (the Python loop per unit was half the formatter's time), and
# `lines_unit`'s re-indenting and `minimal_edits`' walk; each gives what the Python code gives.
try:
    from wat_lsp.analysis.ide import _format_scan
except ImportError:  # (a source tree not built: the Python scan does it all)
    _c_scan = None
    _c_reindent = None
    _c_blank_edits = None
else:
    _format_scan.configure(
        sorted(_NOT_INSTR, key=lambda w: (-len(w), w)),
        sorted(_NOT_INSTR | _OPENS | _MIDS | _CLOSES),
        sorted(_OPENS | _MIDS | _CLOSES),
        sorted(_MAY_BREAK),
    )
    _c_scan = _format_scan.scan
    _c_reindent = _format_scan.reindent
    _c_blank_edits = _format_scan.blank_edits


def _head_forms(kw: str) -> frozenset[str]:
    got = _HEAD_FORMS.get(kw)
    if got is not None:
        return got
    return _HEAD_FORMS[""] if _is_instr(kw) else _NO_HEAD_FORMS


# A frame of the layout stack, a list for speed: its fields by position.
_F_OPEN, _F_LEVEL, _F_KW, _F_ELS, _F_NEXT, _F_DEPTH, _F_LAST_LINE_COMMENT, _F_TRAIL, _F_HEAD, _F_JOIN = range(
    10
)


class _Layout:
    """Lays out one item's units; `out` collects the text."""

    def __init__(self, u: _Units, source: str, opts: FormatOptions, newline: str) -> None:
        self.u = u
        self.source = source
        self.o = opts
        self.nlc = newline
        self.unit = "\t" if opts.useTabs else " " * opts.indentWidth
        self.tabw = opts.indentWidth
        self.out: list[str] = []
        self.col = 0
        self.lines, self.blank_lines = _line_starts(newline, self.unit)

    def newline(self, level: int, blank: bool = False) -> None:
        if level > MAX_INDENT:
            level = MAX_INDENT
        self.out.append((self.blank_lines if blank else self.lines)[level])
        self.col = level * self.tabw

    def write(self, s: str) -> None:
        self.out.append(s)
        self.col += len(s)

    def keyword(self, o: int) -> str:
        return self.u.keywords.get(o, "")

    def ignores(self, el: _El | None) -> bool:
        d = self.o.ignoreCommentDirective
        return el is not None and el.kind == E_LCOMMENT and bool(d) and d in el.text

    def elements(self, o: int) -> tuple[str, list[_El]]:
        """The keyword of the form opened at `o` and the elements after it."""
        u = self.u
        c = u.close[o]
        kind, text, nls = u.kind, u.text, u.nl
        els: list[_El] = []
        if kind[o] == LEAF:
            kw, _, rest = text[o][1:-1].partition(" ")
            if rest:
                _split_run(rest, 0, els, kw in _BODY_FORMS)
            return kw, els
        kw = ""
        i = o + 1
        if i < c and kind[i] == RUN:
            kw, _, rest = text[i].partition(" ")
            if rest:
                _split_run(rest, 0, els, kw in _BODY_FORMS)
            i += 1
        body = kw in _BODY_FORMS
        while i < c:
            k = kind[i]
            if k in (OPEN, LEAF):
                attach = (
                    bool(els)
                    and (els[-1].kind == E_INSTR or (els[-1].kind == E_LINES and els[-1].text[-1] != ")"))
                    and els[-1].block != -1
                    and self.keyword(i) in _IMMEDIATE_FORMS
                )
                els.append(_El(E_FORM, "", nls[i], i, attach))
                i = u.close[i] + 1
                continue
            if k == LINES:
                if body and kw not in _CONST_HOLDERS:
                    t = text[i]
                    last = t[t.rfind("\n") + 1 :].partition(" ")[0]
                    block = 1 if last in _OPENS else -1 if last in _CLOSES else 2 if last in _MIDS else 0
                    els.append(_El(E_LINES, t, nls[i], -1, False, block))
                else:  # as the runs and comments of its lines would be
                    line_nl = nls[i]
                    for line in text[i].split("\n"):
                        run, _, comment = line.partition(" (;")
                        _add_run(run, line_nl, els, body)
                        if comment:
                            els.append(_El(E_BCOMMENT, "(;" + comment, 0))
                        line_nl = 1
            elif k == RUN:
                _add_run(text[i], nls[i], els, body)
            else:
                els.append(_El(E_LCOMMENT if k == LCOMMENT else E_BCOMMENT, text[i], nls[i]))
            i += 1
        return kw, els

    def must_break(self, o: int) -> bool:
        """Whether a form that fits is broken anyway: two plain instructions, a plain
        block, or an option saying so, in it or in a form inside it. Called only for forms
        that fit the line, so the walk is short."""
        opts = self.o
        stack = [o]
        while stack:
            kw, els = self.elements(stack.pop())
            heads = _head_forms(kw)
            instrs = locals_ = fields_ = consts = 0
            for el in els:
                if el.kind == E_INSTR:
                    instrs += 1
                    if el.block:
                        return True
                elif el.kind == E_LINES:
                    if _BLOCK_LINE.search(el.text):
                        return True
                    instrs += el.text.count("\n") + 1
                elif el.kind == E_FORM:
                    k = self.keyword(el.form)
                    if k == "local":
                        locals_ += 1
                    elif k == "field":
                        fields_ += 1
                    elif k not in heads:
                        consts += 1
                    stack.append(el.form)
            if instrs > 1:
                return True
            if kw == "func" and locals_ and _forced(opts.wrapBeforeLocals, opts.multiLineLocals, locals_):
                return True
            if kw == "struct" and fields_ and _forced(opts.wrapBeforeFields, opts.multiLineFields, fields_):
                return True
            if kw in _CONST_HOLDERS and (instrs or consts):
                w = opts.wrapBeforeConstExpr
                if w == "always" or (w == "multiOnly" and instrs + consts > 1):
                    return True
        return False

    def item(self) -> str:
        """Lay out the whole item: its top-level units at indent 0."""
        u = self.u
        tops: list[_El] = []
        i = 0
        n = len(u.kind)
        while i < n:
            k = u.kind[i]
            if k in (OPEN, LEAF):
                tops.append(_El(E_FORM, "", u.nl[i], i))
                i = u.close[i] + 1
                continue
            if k == LINES:
                line_nl = u.nl[i]
                for line in u.text[i].split("\n"):
                    tops.append(_El(E_ATOMS, line, line_nl))
                    line_nl = 1
                i += 1
                continue
            kind = E_LCOMMENT if k == LCOMMENT else E_BCOMMENT if k == BCOMMENT else E_ATOMS
            tops.append(_El(kind, u.text[i], u.nl[i]))
            i += 1
        for j, el in enumerate(tops):
            if j:
                if el.nl or tops[j - 1].kind == E_LCOMMENT:
                    self.newline(0, el.nl > 1)
                else:
                    self.write(" ")
            if el.kind == E_FORM:
                self.form(el.form, 0, 0, j > 0 and self.ignores(tops[j - 1]))
            else:
                self.write(el.text)
        return "".join(self.out)

    def verbatim(self, o: int) -> None:
        u = self.u
        end = u.start[o] + len(u.text[o]) if u.kind[o] == LEAF else u.start[u.close[o]] + 1
        self.write(self.source[u.start[o] : end])

    def form(self, root: int, level: int, root_trail: int, root_ignored: bool = False) -> None:
        """Lay out the form opened at unit `root` at the current column, its body at
        `level` + 1, from an explicit stack of frames."""
        u = self.u
        width = self.o.printWidth
        split = self.o.splitClosingParens
        frames: list[list[Any]] = []

        def open_form(o: int, lvl: int, trail: int, ignored: bool) -> None:
            if ignored:
                self.verbatim(o)
                return
            if (
                o not in u.hard
                and self.col + u.width[o] + trail <= width
                and not (u.has_container(o) and self.must_break(o))
            ):
                self.write(u.flat(o))
                return
            kw, els = self.elements(o)
            self.write("(" + kw)
            head = self.head(kw, els, lvl, trail)
            frames.append(
                [o, lvl, kw, els, head, 0, head > 0 and els[head - 1].kind == E_LCOMMENT, trail, head, None]
            )

        open_form(root, level, root_trail, root_ignored)
        while frames:
            fr = frames[-1]
            els: list[_El] = fr[_F_ELS]
            i: int = fr[_F_NEXT]
            lvl: int = fr[_F_LEVEL]
            if i >= len(els):
                frames.pop()
                if split or fr[_F_LAST_LINE_COMMENT]:
                    self.newline(lvl)
                self.write(")")
                continue
            el = els[i]
            fr[_F_NEXT] = i + 1
            fr[_F_LAST_LINE_COMMENT] = el.kind == E_LCOMMENT
            depth: int = fr[_F_DEPTH]
            kind = el.kind
            if kind == E_INSTR and fr[_F_KW] not in _CONST_HOLDERS:
                # the common case, a plain instruction on a line of its own
                block = el.block
                if block:
                    if block != 1:
                        depth = depth - 1 if depth else 0
                    fr[_F_DEPTH] = depth + 1 if block != -1 else depth
                level = lvl + 1 + depth
                if level > MAX_INDENT:
                    level = MAX_INDENT
                starts = self.blank_lines if el.nl > 1 and i > fr[_F_HEAD] else self.lines
                self.out.append(starts[level] + el.text)
                self.col = level * self.tabw + len(el.text)
                continue
            if kind == E_LINES:
                fr[_F_DEPTH] = self.lines_unit(el, lvl + 1, depth, el.nl > 1 and i > fr[_F_HEAD])
                continue
            child_trail = fr[_F_TRAIL] + 1 if (i == len(els) - 1 and not split) else 0
            prev = els[i - 1] if i else None
            if el.kind == E_FORM and el.attach:
                self.write(" ")
                open_form(el.form, lvl + 1 + depth, child_trail, False)
                continue
            if (
                el.nl == 0
                and prev is not None
                and el.kind in (E_LCOMMENT, E_BCOMMENT)
                and "\n" not in el.text
                and prev.kind != E_LCOMMENT
            ):
                self.write(" " + el.text)  # it followed the previous element on its line
                continue
            if el.kind == E_INSTR and el.block:
                if el.block != 1:
                    depth = max(depth - 1, 0)
                fr[_F_DEPTH] = depth + (1 if el.block in (1, 2) else 0)
            joined = (prev is None or prev.kind != E_LCOMMENT) and self.joins(fr, i, child_trail)
            if joined:
                self.write(" ")
            else:
                self.newline(lvl + 1 + depth, el.nl > 1 and i > fr[_F_HEAD])
            if el.kind == E_FORM and joined and el.form not in u.hard:
                self.write(u.flat(el.form))  # planned to stay on this line, even past the width
            elif el.kind == E_FORM:
                open_form(el.form, lvl + 1 + depth, child_trail, self.ignores(prev))
            elif el.kind == E_ATOMS and self.col + len(el.text) + child_trail > width and " " in el.text:
                self.fill(el.text, lvl + 1 + depth, child_trail)
            else:
                self.write(el.text)

    def lines_unit(self, el: _El, base: int, depth: int, blank: bool) -> int:
        """Writes lines of plain instructions as their `E_INSTR` elements would be, one a
        line at `base` + the block depth; returns the depth after them. Python work is per
        line that starts or ends a block, the rest is copied with its indentation replaced."""
        t = el.text
        if _c_reindent is not None and t.isascii():
            got = _c_reindent(t, self.lines, self.blank_lines, base, depth, blank)
            if got is not None:
                text, depth, level = got
                self.out.append(text)
                self.col = level * self.tabw + len(t) - t.rfind("\n") - 1
                return depth
        out = self.out
        lines = self.lines
        # [lines before the first block line, a block line, the lines after it, ...]; each
        # stretch of lines starts with its line break
        parts = _BLOCK_SPLIT.split("\n" + t)
        level = base + depth
        if level > MAX_INDENT:
            level = MAX_INDENT
        if parts[0]:
            out.append(
                (self.blank_lines if blank else lines)[level] + parts[0][1:].replace("\n", lines[level])
            )
            blank = False
        for j in range(1, len(parts), 2):
            line = parts[j]
            how = _BLOCK_KIND[line[:2]]
            if how == 1:
                level = base + depth
                depth += 1
            else:
                if depth:
                    depth -= 1
                level = base + depth
                if how == 2:
                    depth += 1
            if level > MAX_INDENT:
                level = MAX_INDENT
            out.append((self.blank_lines if blank else lines)[level] + line)
            blank = False
            rest = parts[j + 1]
            if rest:
                level = base + depth
                if level > MAX_INDENT:
                    level = MAX_INDENT
                out.append(rest.replace("\n", lines[level]))
        self.col = level * self.tabw + len(t) - t.rfind("\n") - 1
        return depth

    def head(self, kw: str, els: list[_El], lvl: int, trail: int) -> int:
        """Writes the elements that stay on the form's first line; returns how many."""
        u = self.u
        width = self.o.printWidth
        heads = _head_forms(kw)
        n = len(els)
        i = 0
        while i < n:
            el = els[i]
            last_trail = trail + 1 if i == n - 1 else 0
            if el.kind == E_ATOMS or (el.kind == E_BCOMMENT and el.nl == 0 and "\n" not in el.text):
                if self.col + 1 + len(el.text) + last_trail > width and el.kind == E_ATOMS and " " in el.text:
                    self.fill(el.text, lvl + 1, last_trail)
                elif self.col + 1 + len(el.text) + last_trail > width and i > 0:
                    break
                else:
                    self.write(" " + el.text)
            elif el.kind == E_FORM and not el.attach and self.keyword(el.form) in heads:
                f = el.form
                if f in u.hard or self.col + 1 + u.width[f] + last_trail > width:
                    break
                self.write(" " + u.flat(f))
            elif el.kind == E_LCOMMENT and el.nl == 0:
                self.write(" " + el.text)
                return i + 1
            else:
                break
            i += 1
        return i

    def fill(self, text: str, level: int, trail: int) -> None:
        """Atoms over as many lines as they need, the first after the current column (as
        separate runs of atoms would be laid out: the result is the same either way)."""
        width = self.o.printWidth
        words = _ATOMS.findall(text) if '"' in text else text.split(" ")
        level = min(level, MAX_INDENT)
        fresh = (
            self.col == level * self.tabw
            and bool(self.out)
            and self.out[-1].endswith(self.nlc + self.unit * level)
        )
        last = len(words) - 1
        for j, word in enumerate(words):
            if fresh:
                self.write(word)
                fresh = False
            elif j and self.col + 1 + len(word) + (trail if j == last else 0) > width:
                self.newline(level)
                self.write(word)
            else:
                self.write(" " + word)

    def joins(self, fr: list[Any], i: int, trail: int) -> bool:
        """Whether body element `i` of a broken form goes on the current line."""
        els: list[_El] = fr[_F_ELS]
        el = els[i]
        width = self.o.printWidth
        if i and el.kind == E_ATOMS and els[i - 1].kind == E_ATOMS:
            return self.col + 1 + len(el.text) + trail <= width
        if fr[_F_JOIN] is None:
            fr[_F_JOIN] = self.plan_joins(fr)
        return i in fr[_F_JOIN]

    def plan_joins(self, fr: list[Any]) -> set[int]:
        """Which body elements of a broken form follow their predecessor on its line: the
        locals of a function and fields of a struct by the options, and a constant
        expression by `wrapBeforeConstExpr`. Planned when the first body element is laid
        out, so the column is the end of the head."""
        u = self.u
        o = self.o
        kw: str = fr[_F_KW]
        els: list[_El] = fr[_F_ELS]
        head: int = fr[_F_HEAD]
        width = o.printWidth
        lvl: int = fr[_F_LEVEL]
        out: set[int] = set()
        if kw in _CONST_HOLDERS:
            rest = [j for j in range(head, len(els)) if els[j].kind in (E_INSTR, E_FORM)]
            if rest and rest[0] == head and els[head].kind in (E_INSTR, E_FORM):
                el = els[head]
                w = len(el.text) if el.kind == E_INSTR else u.width[el.form]
                fits = self.col + 1 + w <= width and not (el.kind == E_FORM and el.form in u.hard)
                how = o.wrapBeforeConstExpr
                if how == "never" or (how != "always" and fits and len(rest) == 1):
                    out.add(head)
            return out
        if kw == "func":
            want, wrap, multi = "local", o.wrapBeforeLocals, o.multiLineLocals
        elif kw == "struct":
            want, wrap, multi = "field", o.wrapBeforeFields, o.multiLineFields
        else:
            return out
        group: list[int] = []
        for j in range(head, len(els)):
            el = els[j]
            if el.kind == E_FORM and self.keyword(el.form) == want and el.form not in u.hard:
                if group and group[-1] != j - 1:
                    break
                group.append(j)
            elif group or el.kind != E_FORM:
                break
        if not group:
            return out
        widths = [u.width[els[j].form] for j in group]
        total = sum(widths) + len(widths) - 1
        # the closing parentheses that follow a group ending the form count on its last line
        tail = fr[_F_TRAIL] + 1 if group[-1] == len(els) - 1 and not o.splitClosingParens else 0
        one_line = multi == "never" or (
            multi in ("overflow", "smart") and not (multi == "smart" and len(group) > 1 and els[group[1]].nl)
        )
        first_joins = False
        if group[0] == head:
            if wrap == "never":
                first_joins = True
            elif wrap == "overflow" or (wrap == "multiOnly" and len(group) == 1):
                # only if the whole group fits after the head, whatever way the rest goes
                # (deciding by the first alone would change with the line breaks it makes)
                first_joins = self.col + 1 + total + tail <= width
        start = self.col + 1 if first_joins else min(lvl + 1, MAX_INDENT) * self.tabw
        if first_joins:
            out.add(group[0])
        if len(group) > 1:
            if multi == "never" or (one_line and start + total + tail <= width):
                out.update(group[1:])
            elif multi == "wrap":
                col = start + widths[0]
                for j, w in zip(group[1:], widths[1:], strict=True):
                    if col + 1 + w + (tail if j == group[-1] else 0) <= width:
                        out.add(j)
                        col += 1 + w
                    else:
                        col = min(lvl + 1, MAX_INDENT) * self.tabw + w
        return out


def _forced(wrap: str, multi: str, count: int) -> bool:
    return wrap == "always" or (wrap == "multiOnly" and count > 1) or (multi == "always" and count > 1)


# ---------------------------------------------------------------------------------------
# The document: items from the tree


def _newline_of(data: bytes) -> str:
    crlf = data.count(b"\r\n")
    return "\r\n" if crlf and crlf * 2 >= data.count(b"\n") else "\n"


@dataclass(slots=True)
class _Item:
    start: int  # byte offsets of the item's text
    end: int
    verbatim: bool  # copied with the white space before it
    gap_start: int  # where the white space before it starts
    nl: int  # line breaks before it (0, 1, 2 for more)
    comment: bool  # a line comment: what follows starts a new line
    module: Node | None = None  # a module laid out field by field


def _items(root: Node, data: bytes, opts: FormatOptions, top: bool) -> list[_Item]:
    """The children of `root` as items. A top-level module with an error, or too big to
    ever fit on a line, is laid out field by field (fields with errors copied, and a field
    at a time in memory)."""
    out: list[_Item] = []
    prev_end = 0 if top else root.start_byte
    cur = root.walk()
    more = cur.goto_first_child()
    while more:
        c = cur.node
        assert c is not None
        more = cur.goto_next_sibling()
        if c.start_byte == c.end_byte:
            continue  # MISSING
        nl = data.count(b"\n", prev_end, c.start_byte)
        bad = c.has_error or c.is_error or c.is_missing
        module = None
        if top and c.type == "module" and not c.is_error and (bad or _never_fits(data, c, opts)):
            module = c
        out.append(
            _Item(
                c.start_byte,
                c.end_byte,
                bad and module is None,
                prev_end,
                min(nl, 2),
                c.type == "comment",
                module,
            )
        )
        prev_end = c.end_byte
    return out


def _never_fits(data: bytes, node: Node, opts: FormatOptions) -> bool:
    """More characters than white space could ever fit on a line (a character is at most
    four bytes)."""
    s, e = node.start_byte, node.end_byte
    size = e - s
    if size <= 4 * opts.printWidth:
        return False
    limit = 4 * opts.printWidth
    # (counted in a first stretch, then in the rest only if that did not decide)
    for lo, hi in ((s, min(e, s + 64 * limit)), (s + 64 * limit, e)):
        if lo < hi:
            limit -= hi - lo - sum(data.count(c, lo, hi) for c in (b" ", b"\n", b"\t", b"\r"))
            if limit < 0:
                return True
    return False


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


class _Emitter:
    """The document's text, item by item."""

    def __init__(self, data: bytes, opts: FormatOptions) -> None:
        self.data = data
        self.opts = opts
        self.newline = _newline_of(data)
        self.unit = "\t" if opts.useTabs else " " * opts.indentWidth
        self.out: list[str] = []
        self.ends_in_comment = False  # the text so far ends with a line comment

    def items(self, items: list[_Item], level: int, last_trail: int) -> None:
        opts = self.opts
        directive = opts.ignoreCommentDirective.encode()
        ignore_next = False
        after_comment = False
        after_error = False
        data = self.data
        for j, it in enumerate(items):
            if not j & 63:
                cancel.check()  # the server's formatting of a big module can be cancelled
            if ignore_next and not it.comment:
                it = replace(it, verbatim=True, module=None)
                ignore_next = False
            if it.comment and directive and directive in data[it.start : it.end]:
                ignore_next = True
            trail = last_trail if j == len(items) - 1 else 0
            self.item(it, level, trail, after_comment, after_error)
            after_comment = it.comment
            after_error = items[j].verbatim  # (an item with an error; not one ignored)

    def item(self, it: _Item, level: int, trail: int, after_comment: bool, after_error: bool = False) -> None:
        out = self.out
        data = self.data
        self.ends_in_comment = it.comment
        if it.verbatim:
            out.append(_decode(data[it.gap_start : it.end]))
            return
        if after_error:
            # The white space after an error stays: tree-sitter recovers from an error by
            # costs that count it, and a second run must see the same tree.
            out.append(_decode(data[it.gap_start : it.start]))
        elif out and (it.nl or after_comment):
            out.append((self.newline * 2 if it.nl > 1 else self.newline) + self.unit * level)
        elif out:
            out.append(" ")
        if it.module is not None:
            self.module(it.module)
            return
        text = _decode(data[it.start : it.end])
        out.append(_format_item(text, self.opts, self.newline, level, trail))

    def module(self, node: Node) -> None:
        """A module laid out field by field: its header, its fields at level 1, the `)`."""
        data = self.data
        parts = _items(node, data, self.opts, False)
        header = 0
        for it in parts:
            text = data[it.start : it.end]
            if it.verbatim or it.comment or (header and text[:1] == b"("):
                break
            header += 1
        if header < 2 or data[parts[0].start : parts[0].end] != b"(":
            self.out.append(_decode(data[node.start_byte : node.end_byte]))  # no `(module`: as it is
            return
        self.out.append("(" + " ".join(_decode(data[p.start : p.end]) for p in parts[1:header]))
        last = parts[-1]
        closing = not last.verbatim and data[last.start : last.end] == b")" and len(parts) > header
        body = parts[header : len(parts) - (1 if closing else 0)]
        split = self.opts.splitClosingParens
        self.items(body, 1, 0 if split else 1)
        if closing:
            if body and body[-1].verbatim:  # after an error: as it was (see `item`)
                self.out.append(_decode(data[last.gap_start : last.end]))
            else:
                if split or (body and body[-1].comment):
                    self.out.append(self.newline)
                self.out.append(")")
            self.ends_in_comment = False


def _format_item(text: str, opts: FormatOptions, newline: str, level: int, trail: int) -> str:
    """One item without errors, laid out at `level`; verbatim if the scan fails."""
    if text.startswith(";;"):
        return text.rstrip("\r")
    try:
        units = _Units(text, newline == "\r\n")
    except _Bad:
        return text
    lay = _Layout(units, text, opts, newline)
    if level and units.kind and units.kind[0] in (OPEN, LEAF) and units.close[0] == len(units.kind) - 1:
        lay.col = level * lay.tabw
        lay.form(0, level, trail)
        return "".join(lay.out)
    return lay.item()


def format_text(data: bytes, opts: FormatOptions | None = None, tree: Tree | None = None) -> bytes:
    """`data` formatted. Never raises on any input; text it cannot read stays as it is."""
    opts = opts or FormatOptions()
    if tree is None:
        tree = parse(data)
    em = _Emitter(data, opts)
    items = _items(tree.root_node, data, opts, True)
    em.items(items, 0, 0)
    text = "".join(em.out)
    if items and items[-1].verbatim:
        text += _decode(data[items[-1].end :])
    elif text:  # one line break at the end (a line comment keeps its trailing blanks)
        text = text.rstrip("\r\n" if em.ends_in_comment else " \t\r\n") + em.newline
    return text.encode("utf-8", "surrogateescape")


_BLANKS = re.compile(rb"[ \t\r\n]*")


def _common_prefix(a: bytes, i: int, b: bytes, j: int) -> int:
    """How many bytes `a[i:]` and `b[j:]` share at their start: equal stretches skipped in
    growing steps (compared in C), the first difference in a step found in one step too: the
    highest bit set in the exclusive or of the two stretches read as big-endian numbers."""
    n = 0
    step = 256
    limit = min(len(a) - i, len(b) - j)
    while n < limit:
        k = min(step, limit - n)
        x = a[i + n : i + n + k]
        y = b[j + n : j + n + k]
        if x == y:
            n += k
            step = min(step * 2, 1 << 20)
            continue
        diff = int.from_bytes(x, "big") ^ int.from_bytes(y, "big")
        return n + k - (diff.bit_length() + 7) // 8
    return n


def minimal_edits(old: bytes, new: bytes) -> list[TextEdit]:
    """The edits turning `old` into `new` when they differ in white space only (what the
    formatter makes): one edit per place where the blanks between two tokens differ, so an
    editor keeps cursors and marks. Linear; equal stretches are compared in C. Text that
    differs otherwise gets one edit for the rest."""
    if _c_blank_edits is not None:
        found, rest = _c_blank_edits(old, new)
        edits = list(map(TextEdit._make, found))
        if rest is not None:
            i, old_end, j, new_end = rest
            edits.append(TextEdit(i, old_end, new[j:new_end].decode("utf-8", "surrogateescape")))
        return edits
    edits = []
    i = j = 0
    while True:
        n = _common_prefix(old, i, new, j)
        i += n
        j += n
        if i >= len(old) and j >= len(new):
            return edits
        mo = _BLANKS.match(old, i)
        mn = _BLANKS.match(new, j)
        assert mo is not None and mn is not None  # `*` always matches
        if (mo.end() == i and mn.end() == j) or (mo.end() >= len(old)) != (mn.end() >= len(new)):
            # not a difference of blanks: replace the rest, less the common end
            tail = 0
            while tail < len(old) - i and tail < len(new) - j and old[-1 - tail] == new[-1 - tail]:
                tail += 1
            text = new[j : len(new) - tail].decode("utf-8", "surrogateescape")
            edits.append(TextEdit(i, len(old) - tail, text))
            return edits
        edits.append(TextEdit(i, mo.end(), new[j : mn.end()].decode("ascii")))
        i, j = mo.end(), mn.end()


def format_edits(data: bytes, opts: FormatOptions | None = None, tree: Tree | None = None) -> list[TextEdit]:
    return minimal_edits(data, format_text(data, opts, tree))


def range_edits(
    data: bytes, start: int, end: int, opts: FormatOptions | None = None, tree: Tree | None = None
) -> list[TextEdit]:
    """The formatting edits inside the items the range [start, end] touches (top-level
    items, and the fields of a module), from the start of the first one's line."""
    if tree is None:
        tree = parse(data)
    spans: list[tuple[int, int]] = []
    cur = tree.root_node.walk()
    more = cur.goto_first_child()
    while more:
        c = cur.node
        assert c is not None
        more = cur.goto_next_sibling()
        if c.end_byte < start or c.start_byte > end:
            continue
        if c.type == "module" and c.child_count:
            inner = [f for f in c.children if f.end_byte >= start and f.start_byte <= end and f.type != ")"]
            fields_ = [f for f in inner if f.type not in ("(", "module", "identifier", "definition")]
            if fields_ and len(fields_) == len(inner):
                spans.extend((f.start_byte, f.end_byte) for f in fields_)
                continue
        spans.append((c.start_byte, c.end_byte))
    if not spans:
        return []
    lo = data.rfind(b"\n", 0, spans[0][0]) + 1
    hi = spans[-1][1]
    return [e for e in format_edits(data, opts, tree) if lo <= e.start and e.end <= hi]


# A word that starts or ends a plain block, or the `(`, `)` and tokens to skip, for the
# indentation of one line.
_INDENT_SCAN = re.compile(rb'\(;|;\)|;;[^\n]*|"(?:[^"\\\n]|\\.)*"?|\(|\)|[^ \t\r\n()";]+')
_DEDENT_WORDS = frozenset((b"end", b"else", b"catch", b"catch_all", b"delegate"))


def line_indent_edit(
    data: bytes, offset: int, opts: FormatOptions | None = None, tree: Tree | None = None
) -> list[TextEdit]:
    """The edit re-indenting the line holding `offset` (after a newline or a `)` is typed):
    one level per `(` open before it and per plain block open in the innermost form, one
    less when the line starts with `)`, `end` or `else`. Scans from the top-level item."""
    opts = opts or FormatOptions()
    if tree is None:
        tree = parse(data)
    line = data.rfind(b"\n", 0, offset) + 1
    root = tree.root_node
    top = 0
    cur = root.walk()
    more = cur.goto_first_child()
    while more:
        c = cur.node
        assert c is not None
        if c.start_byte >= line:
            break
        if c.end_byte <= line and c.type != "module":
            top = c.end_byte
        else:
            top = c.start_byte
            break
        more = cur.goto_next_sibling()
    opens: list[int] = []  # per open `(`: the plain blocks open inside it
    blocks = 0
    comment = 0
    after_open = False
    for m in _INDENT_SCAN.finditer(data, top, line):
        t = m.group()
        if t == b"(;":
            comment += 1
        elif t == b";)":
            comment = max(comment - 1, 0)
        elif comment or t.startswith((b";;", b'"')):
            continue
        elif t == b"(":
            opens.append(blocks)
            blocks = 0
            after_open = True
            continue
        elif t == b")":
            blocks = opens.pop() if opens else 0
        elif not after_open:
            if t in (b"block", b"loop", b"if", b"try", b"try_table"):
                blocks += 1
            elif t in (b"end", b"delegate"):
                blocks = max(blocks - 1, 0)
        after_open = False
    if comment:
        return []  # inside a block comment: its lines are its own
    level = len(opens) + blocks
    end_blank = line
    while end_blank < len(data) and data[end_blank] in (32, 9):
        end_blank += 1
    rest = data[end_blank : end_blank + 16]
    first = re.match(rb"[^ \t\r\n()]+", rest)
    if rest.startswith(b")") or (first is not None and first.group() in _DEDENT_WORDS and blocks):
        level -= 1
    unit = "\t" if opts.useTabs else " " * opts.indentWidth
    want = unit * min(max(level, 0), MAX_INDENT)
    if data[line:end_blank] == want.encode():
        return []
    return [TextEdit(line, end_blank, want)]
