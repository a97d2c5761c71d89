"""The formatter keeps the meaning: `wasm-tools` makes the same binary (names included) of
the text before and after, every comment and annotation comes out in the same order, the
tokens are the same, and formatting twice changes nothing.

Over the spec suite (root, legacy, custom; every module of a script, through `wasm-tools
json-from-wast`, which `wasm-tools` 1.262 cannot do for legacy exception files: there the
token check stands alone), `wasm-tools smith` modules printed plain and folded, the GC
modules of `tests/gc_modules` and `bench/genwat.py` code. Damaged text (parentheses deleted
or added, truncations, garbage) never makes the formatter raise; what has an error is
copied byte for byte, nothing but white space changes, and formatting twice changes nothing.

Sizes are small by default; `WAT_LSP_FORMAT_SMITH=1000`, `WAT_LSP_FORMAT_DAMAGES=2000` and
`WAT_LSP_FORMAT_SPEC_ALL=1` (every spec file through wasm-tools, not one in four) run the
issue's full corpora.
"""

from __future__ import annotations

import io
import os
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from tree_sitter import Node
from wat_lsp.analysis.ide.format import format_text
from wat_lsp.analysis.syntax import parse

from tests.corpus import case_id, core_files
from tests.oracles import wasmtools

ROOT = Path(__file__).resolve().parents[2]
GC_MODULES = sorted((ROOT / "tests" / "gc_modules").glob("*.wat"))
SMITH = int(os.environ.get("WAT_LSP_FORMAT_SMITH", "30"))
DAMAGES = int(os.environ.get("WAT_LSP_FORMAT_DAMAGES", "300"))
SPEC_ALL = os.environ.get("WAT_LSP_FORMAT_SPEC_ALL", "") not in ("", "0")
TRIVIA = ("comment", "block_comment", "annotation")


def leaves(data: bytes) -> tuple[list[bytes], list[bytes]]:
    """The tokens and the comments and annotations of `data`, in order (a line comment
    without the `\\r` of a CRLF line end)."""
    tokens: list[tuple[int, bytes]] = []
    comments: list[tuple[int, bytes]] = []
    stack: list[Node] = [parse(data).root_node]
    while stack:
        n = stack.pop()
        if n.type in TRIVIA:
            comments.append((n.start_byte, data[n.start_byte : n.end_byte].rstrip(b"\r")))
        elif n.child_count == 0 or n.type in ("string", "identifier"):
            tokens.append((n.start_byte, data[n.start_byte : n.end_byte]))
        else:
            stack.extend(n.children)
    return [t for _, t in sorted(tokens)], [t for _, t in sorted(comments)]


def binaries(script: bytes) -> list[tuple[str, bytes]] | str:
    """Every module of a script as `wasm-tools json-from-wast` encodes it (quoted ones as
    their text), or its error message."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "s.wast"
        path.write_bytes(script)
        cmd = [wasmtools.wasm_tools_exe(), "json-from-wast", str(path), "-o", f"{d}/s.json", "--wasm-dir", d]
        proc = subprocess.run(cmd, capture_output=True, check=False)
        if proc.returncode:
            return proc.stderr.decode("utf-8", "replace")
        return [(p.name, p.read_bytes()) for p in sorted(Path(d).iterdir()) if p.suffix in (".wasm", ".wat")]


def assert_same_meaning(name: str, src: bytes, out: bytes) -> None:
    assert format_text(out) == out, f"{name}: formatting twice changes the text"
    before, after = leaves(src), leaves(out)
    assert after[1] == before[1], f"{name}: comments or annotations differ"
    assert after[0] == before[0], f"{name}: tokens differ"


SPEC = core_files()


@pytest.mark.parametrize("path", SPEC, ids=case_id)
def test_spec_scripts(path: Path) -> None:
    src = path.read_bytes()
    out = format_text(src)
    assert_same_meaning(path.name, src, out)
    if SPEC_ALL or SPEC.index(path) % 4 == 0:
        before = binaries(src)
        if isinstance(before, str):  # legacy exceptions: wasm-tools no longer reads the text
            assert "legacy" in str(path), before
            return
        assert binaries(out) == before


def smith_texts() -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    for seed, wasm, wat in wasmtools.smith_corpus(SMITH, 0):
        out.append((f"smith{seed}", wat.encode()))
        out.append((f"smith{seed}-folded", wasmtools.print_wasm(wasm, fold=True).encode()))
    return out


def genwat_texts() -> list[tuple[str, bytes]]:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import genwat
    finally:
        sys.path.pop(0)
    out: list[tuple[str, bytes]] = []
    for seed in (1, 2):
        f = io.StringIO()
        genwat.generate(f, functions=30, seed=seed)
        out.append((f"genwat-functions30-s{seed}", f.getvalue().encode()))
        f = io.StringIO()
        genwat.generate_single_function(f, locals_=300, seed=seed)
        out.append((f"genwat-locals300-s{seed}", f.getvalue().encode()))
    return out


@pytest.mark.parametrize("which", ["smith", "gc"])
def test_modules(which: str) -> None:
    """smith modules printed plain and folded; the GC modules and genwat code."""
    texts = (
        smith_texts() if which == "smith" else [(p.stem, p.read_bytes()) for p in GC_MODULES] + genwat_texts()
    )
    changed = 0
    for name, src in texts:
        out = format_text(src)
        assert_same_meaning(name, src, out)
        assert wasmtools.parse(out) == wasmtools.parse(src), f"{name}: the binary differs"
        changed += out != src
    assert changed >= len(texts) // 2  # the formatter had something to do


def damage(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    how = rng.randrange(5)
    if how == 0:
        parens = [m.start() for m in re.finditer(rb"[()]", data)]
        at = rng.choice(parens) if parens else at
        return data[:at] + data[at + 1 :]
    if how == 1:
        return data[:at] + rng.choice((b"(", b")")) + data[at:]
    if how == 2:
        return data[:at]
    if how == 3:
        return data[:at] + rng.randbytes(rng.randrange(1, 8)) + data[at:]
    return data[:at] + rng.choice((b'"', b"(;", b";;", b"(@x", b"$", b"end", b"block", b"(func")) + data[at:]


def error_items(data: bytes) -> list[bytes]:
    """The top-level items and module fields holding a syntax error, in order."""
    out: list[bytes] = []
    for c in parse(data).root_node.children:
        if c.type == "module" and c.has_error and not c.is_error:
            out.extend(data[f.start_byte : f.end_byte] for f in c.children if f.has_error or f.is_error)
        elif c.has_error or c.is_error:
            out.append(data[c.start_byte : c.end_byte])
    return out


def _blanks_removed(data: bytes) -> bytes:
    return re.sub(rb"[ \t\r\n]+", b"", data)


def test_damaged_text() -> None:
    rng = random.Random(11)
    sources = [p.read_bytes() for p in SPEC] + [w.encode() for _, _, w in wasmtools.smith_corpus(20, 0)]
    worked = 0
    for n in range(DAMAGES):
        src = rng.choice(sources)
        if len(src) > 12000:
            at = rng.randrange(len(src) - 12000)
            src = src[at : at + 12000]
        bad = damage(rng, src)
        out = format_text(bad)
        assert _blanks_removed(out) == _blanks_removed(bad), f"damage {n}: more than white space changed"
        assert format_text(out) == out, f"damage {n}: formatting twice changes the text"
        assert leaves(out)[1] == leaves(bad)[1], f"damage {n}: comments differ"
        pos = 0
        for item in error_items(bad):
            at = out.find(item, pos)
            assert at >= 0, f"damage {n}: an item with an error changed: {item[:60]!r}"
            pos = at + len(item)
        worked += out != bad
    assert worked >= DAMAGES // 4  # the fields without errors were formatted
