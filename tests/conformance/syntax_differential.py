"""The syntax differential against `wasm-tools parse`: token-level mutants of real modules,
and whether each reads, for us and for wasm-tools.

Sources are the text modules of the vendored spec suite and `wasm-tools smith` modules printed
plain and folded. A mutant deletes, duplicates or swaps tokens; inserts a keyword, an
instruction name, a type or a parenthesis; or splits or joins lines inside strings and
comments. Each mutant is a module *body* (its fields), wrapped as `(module BODY)` for us and
given to wasm-tools as `(module quote "BODY")`, which `wasm-tools wast` wraps the same way:
hundreds of them in one `wasm-tools wast` script of `assert_malformed` commands, whose failures
(one per line number) are the bodies that wasm-tools reads. One process per mutant cost 120 ms
of CPU on the shared machine; a script of 500 costs about that in all. `direct_verdicts` runs
`wasm-tools parse` itself, to check that the two agree and to get its message.

"Reads" for us: no diagnostic with a code in `READ_CODES`. wasm-tools' `parse` resolves names
and checks the text rules (duplicate names, inline type uses, labels) while it encodes, so our
name and text-rule codes count too; validation codes (typing, index ranges, limits) do not.

Disagreements are looked up in `syntax_known_differences.toml`: each entry says which side
rejects, the spec text that decides it, and patterns matching our first reading diagnostic
or wasm-tools' message. A disagreement no entry matches is undecided.
"""

from __future__ import annotations

import random
import re
import subprocess
import tempfile
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tree_sitter import Node
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.opcodes import OPCODES
from wat_lsp.analysis.syntax import parse

from tests import corpus
from tests.oracles import wasmtools

HERE = Path(__file__).resolve().parent
KNOWN = HERE / "syntax_known_differences.toml"

# Our codes that mean "the text does not read" (docs/diagnostics.md: the reading group).
READ_CODES = frozenset(
    {
        "syntax",
        "invalid-utf8",
        "unknown-name",
        "duplicate-name",
        "malformed-literal",
        "malformed",
        "unknown-instruction",
    }
)

# What an insertion may add: structural keywords, types and parentheses (instruction names
# come from the opcode table).
KEYWORDS = (
    "module", "type", "rec", "sub", "final", "func", "struct", "array", "field", "mut", "ref", "null",
    "param", "result", "local", "import", "export", "table", "memory", "global", "tag", "elem", "data",
    "start", "offset", "item", "declare", "block", "loop", "if", "then", "else", "end", "try_table",
    "try", "do", "catch", "catch_ref", "catch_all", "catch_all_ref", "delegate",
)  # fmt: skip
TYPES = (
    "i32", "i64", "f32", "f64", "v128", "i8", "i16", "funcref", "externref", "anyref", "eqref",
    "i31ref", "structref", "arrayref", "nullref", "exnref",
    "(ref func)", "(ref null extern)", "(ref $t)", "(ref 0)",
)  # fmt: skip
INSTRUCTIONS = tuple(OPCODES)

_TOKEN = re.compile(
    rb"(?P<ws>\s+)|(?P<lc>;;[^\n]*)|(?P<bc>\(;)|(?P<open>\()|(?P<close>\))"
    rb'|(?P<str>"(?:[^"\\\n]|\\.)*")|(?P<atom>[^\s()";]+)|(?P<other>.)',
    re.S,
)
_BLOCK_COMMENT = re.compile(rb"\(;|;\)")


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # open, close, str, lc, bc, atom, other
    start: int
    end: int


def tokens(data: bytes) -> list[Token]:
    """The tokens of `data`, comments included (white space is not a token)."""
    out: list[Token] = []
    pos = 0
    n = len(data)
    while pos < n:
        m = _TOKEN.match(data, pos)
        if m is None:  # pragma: no cover - `other` matches any byte
            break
        kind = m.lastgroup or "other"
        end = m.end()
        if kind == "bc":
            depth = 1
            end = n
            for c in _BLOCK_COMMENT.finditer(data, m.end()):
                depth += 1 if c.group() == b"(;" else -1
                if depth == 0:
                    end = c.end()
                    break
        if kind != "ws":
            out.append(Token(kind, pos, end))
        pos = end
    return out


# --- sources ---------------------------------------------------------------------------------


def _modules(root: Node) -> Iterator[Node]:
    """The text modules at the top and directly inside script commands (`assert_invalid`,
    `assert_trap`, ...): the latter are well-formed, many of them invalid."""
    for node in root.named_children:
        if node.type == "module":
            yield node
        else:
            yield from (c for c in node.named_children if c.type == "module")


def _bodies(data: bytes) -> Iterator[bytes]:
    """The bodies of the text modules of a document (after `module` and its name)."""
    tree = parse(data)
    for node in _modules(tree.root_node):
        if node.has_error:
            continue
        start = None
        for c in node.children:
            if c.type in ("(", "module") or (c.type == "identifier" and start is None):
                continue
            start = c.start_byte
            break
        if start is None:
            continue
        body = data[start : node.end_byte - 1]
        if body.lstrip().startswith((b"definition", b"binary", b"quote", b"instance")):
            continue
        yield body


def spec_sources(max_bytes: int = 3000) -> list[bytes]:
    """Distinct module bodies of the spec suite's core files, at most `max_bytes` long."""
    seen: set[bytes] = set()
    out: list[bytes] = []
    for path in corpus.core_files():
        for body in _bodies(path.read_bytes()):
            if len(body) <= max_bytes and body.strip() and body not in seen:
                seen.add(body)
                out.append(body)
    return out


def smith_sources(seeds: Iterable[int], max_bytes: int = 20000) -> list[bytes]:
    """The bodies of `wasm-tools smith` modules printed plain and folded."""
    out: list[bytes] = []
    for _seed, _folded, text in wasmtools.smith_texts(seeds):
        for body in _bodies(text):
            if len(body) <= max_bytes:
                out.append(body)
    return out


# --- mutants ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mutant:
    source: int  # index in the sources
    operator: str
    body: bytes

    def module(self) -> bytes:
        # the line break: a body ending in a line comment leaves the `)` out of it, as
        # wasm-tools' `(module quote ...)` does
        return b"(module " + self.body + b"\n)"


def _insertion(rng: random.Random) -> bytes:
    kind = rng.randrange(4)
    if kind == 0:
        return rng.choice(KEYWORDS).encode()
    if kind == 1:
        return rng.choice(INSTRUCTIONS).encode()
    if kind == 2:
        return rng.choice(TYPES).encode()
    return rng.choice((b"(", b")"))


def mutate(body: bytes, rng: random.Random) -> tuple[str, bytes] | None:
    """One random mutation of `body`: (operator, mutated body), or None when the operator
    drawn has nothing to apply to."""
    toks = tokens(body)
    if not toks:
        return None
    op = rng.choice(("delete", "duplicate", "swap", "insert", "insert", "split", "join"))
    i = rng.randrange(len(toks))
    t = toks[i]
    if op == "delete":
        return op, body[: t.start] + body[t.end :]
    if op == "duplicate":
        return op, body[: t.end] + b" " + body[t.start : t.end] + body[t.end :]
    if op == "swap":
        if i + 1 >= len(toks):
            return None
        u = toks[i + 1]
        return op, body[: t.start] + body[u.start : u.end] + body[t.end : u.start] + body[
            t.start : t.end
        ] + body[u.end :]
    if op == "insert":
        at = t.start if rng.random() < 0.5 else t.end
        return op, body[:at] + b" " + _insertion(rng) + b" " + body[at:]
    if op == "split":  # a line break inside a string or a comment
        inside = [x for x in toks if x.kind in ("str", "lc", "bc") and x.end - x.start > 2]
        if not inside:
            return None
        x = rng.choice(inside)
        at = rng.randrange(x.start + 1, x.end - 1)
        return op, body[:at] + b"\n" + body[at:]
    # join: a line break after a line comment, or inside a block comment or a string, goes
    breaks = [k for k in range(len(body)) if body[k] == 0x0A]
    if not breaks:
        return None
    k = rng.choice(breaks)
    return op, body[:k] + b" " + body[k + 1 :]


def mutants(sources: Sequence[bytes], count: int, seed: int) -> list[Mutant]:
    """`count` mutants of `sources` (round robin from a random start), for `seed`; one in
    eight gets a second mutation."""
    rng = random.Random(seed)
    out: list[Mutant] = []
    tries = 0
    while len(out) < count and tries < count * 10:
        tries += 1
        s = rng.randrange(len(sources))
        got = mutate(sources[s], rng)
        if got is None:
            continue
        op, body = got
        if rng.random() < 0.125:
            again = mutate(body, rng)
            if again is not None:
                op, body = f"{op}+{again[0]}", again[1]
        out.append(Mutant(s, op, body))
    return out


# --- verdicts --------------------------------------------------------------------------------


def first_read_error(module: bytes) -> str | None:
    """Our first diagnostic saying `module` does not read ("code: message"), or None."""
    doc = analyse(module)
    for d in doc.diagnostics:
        if d.code in READ_CODES:
            return f"{d.code}: {d.message}"
    return None


def _wast_string(body: bytes) -> bytes:
    out = bytearray(b'"')
    for b in body:
        if 0x20 <= b < 0x7F and b not in (0x22, 0x5C):
            out.append(b)
        else:
            out += b"\\%02x" % b
    out += b'"'
    return bytes(out)


_FAILED = re.compile(rb"failed directive on .*?:(\d+):\d+")


def _wast_batch(bodies: Sequence[bytes]) -> list[bool]:
    """Whether wasm-tools reads each body, from one `wasm-tools wast` run."""
    lines = [b"(assert_malformed (module quote " + _wast_string(b) + b') "")' for b in bodies]
    with tempfile.NamedTemporaryFile(suffix=".wast") as f:
        f.write(b"\n".join(lines) + b"\n")
        f.flush()
        proc = subprocess.run(
            [wasmtools.wasm_tools_exe(), "wast", "--color", "never", f.name],
            capture_output=True,
            timeout=600,
            check=False,
        )
    accepted = {int(m.group(1)) for m in _FAILED.finditer(proc.stderr)}
    if proc.returncode != 0 and not accepted:
        raise RuntimeError(f"wasm-tools wast failed: {proc.stderr[:2000].decode('utf-8', 'replace')}")
    return [k + 1 in accepted for k in range(len(bodies))]


def wasm_tools_verdicts(bodies: Sequence[bytes], batch: int = 400, jobs: int = 2) -> list[bool]:
    """Whether `wasm-tools` reads each body as a module, in batches on `jobs` threads."""
    chunks = [bodies[k : k + batch] for k in range(0, len(bodies), batch)]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(_wast_batch, chunks))
    return [v for chunk in results for v in chunk]


def direct_verdict(module: bytes) -> tuple[bool, str]:
    """`wasm-tools parse` of the module itself: (reads, its message)."""
    proc = subprocess.run(
        [wasmtools.wasm_tools_exe(), "parse", "-o", "/dev/null", "-"],
        input=module,
        capture_output=True,
        timeout=120,
        check=False,
    )
    message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    return proc.returncode == 0, message[0] if message else ""


# --- known differences -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Known:
    id: str
    rejects: str  # "us" or "wasm-tools": who rejects the text the other reads
    reason: str  # the spec text that decides
    ours: re.Pattern[str] | None  # our first reading diagnostic ("code: message")
    theirs: re.Pattern[str] | None  # wasm-tools parse's message
    text: re.Pattern[bytes] | None  # the mutant's text


def known_differences(path: Path = KNOWN) -> list[Known]:
    data = tomllib.loads(path.read_text("utf-8"))
    out: list[Known] = []
    for e in data.get("difference", []):

        def pat(key: str, entry: dict[str, str] = e) -> re.Pattern[str] | None:
            return re.compile(entry[key]) if key in entry else None

        text = re.compile(e["text"].encode()) if "text" in e else None
        out.append(Known(e["id"], e["rejects"], e["reason"], pat("ours"), pat("theirs"), text))
    return out


@dataclass(frozen=True, slots=True)
class Disagreement:
    mutant: Mutant
    ours: str | None  # our first reading diagnostic (None: we read it)
    theirs: str  # wasm-tools parse's message ("" when it reads it)
    known: str | None  # the id of the known difference that covers it

    def describe(self) -> str:
        who = "we reject" if self.ours is not None else "wasm-tools rejects"
        what = self.ours if self.ours is not None else self.theirs
        return f"{who} ({self.mutant.operator}): {what}\n    {self.mutant.module()[:300]!r}"


def classify(mutant: Mutant, ours: str | None, known: Sequence[Known]) -> Disagreement:
    """A disagreement with wasm-tools' message and the known difference that covers it."""
    _reads, theirs = direct_verdict(mutant.module())
    rejects = "us" if ours is not None else "wasm-tools"
    for k in known:
        if k.rejects != rejects:
            continue
        if k.ours is not None and (ours is None or not k.ours.search(ours)):
            continue
        if k.theirs is not None and not k.theirs.search(theirs):
            continue
        if k.text is not None and not k.text.search(mutant.module()):
            continue
        return Disagreement(mutant, ours, theirs, k.id)
    return Disagreement(mutant, ours, theirs, None)


@dataclass(slots=True)
class Outcome:
    total: int
    agree: int
    disagreements: list[Disagreement]

    @property
    def undecided(self) -> list[Disagreement]:
        return [d for d in self.disagreements if d.known is None]


def _judge(ms: Sequence[Mutant], jobs: int) -> list[tuple[Mutant, str | None, bool]]:
    theirs = wasm_tools_verdicts([m.body for m in ms], jobs=jobs)
    return [(m, first_read_error(m.module()), t) for m, t in zip(ms, theirs, strict=True)]


def run(sources: Sequence[bytes], count: int, seed: int, jobs: int = 2) -> Outcome:
    """The unmutated `sources` and `count` mutants of those both sides read, for `seed`,
    judged by us and by wasm-tools."""
    originals = [Mutant(k, "original", b) for k, b in enumerate(sources) if _has_field(b)]
    judged = _judge(originals, jobs)
    readable = [m.body for m, ours, theirs in judged if ours is None and theirs]
    ms = [m for m in mutants(readable, count, seed) if _has_field(m.body)]
    judged += _judge(ms, jobs)
    known = known_differences()
    disagreements: list[Disagreement] = []
    agree = 0
    for m, ours, they_read in judged:
        if (ours is None) == they_read:
            agree += 1
        else:
            disagreements.append(classify(m, ours, known))
    return Outcome(len(judged), agree, disagreements)


def _has_field(body: bytes) -> bool:
    """Not only comments and annotations: `(module quote)` of an empty body is an error for wasm-tools
    ("expected at least one module field") where `wasm-tools parse` reads `(module)`, so the
    batch would not say what `parse` says (empty modules are another item of issue 13)."""
    return any(t.kind == "open" and body[t.start + 1 : t.start + 2] != b"@" for t in tokens(body))
