"""`check`'s function-at-a-time path (`analysis/streaming.py`) against `analyse`: the same
diagnostics, in the same order, with the same data (decision 50).

Kept for as long as both paths exist (issue 14). Inputs: a sample of the spec suite's modules
(top-level ones and those inside assertions, each as a file of its own: valid, invalid and
malformed ones), `wasm-tools smith` modules printed plain and folded, the GC modules, a
generated module, and the bad inputs every path must survive. Where the fast path declines
(None), `check` analyses the whole document; the test also counts how many it took, so that
a plan that declines everything fails here.

`WAT_LSP_BIG_CHECK=1` adds a 60 MB module through `wat-lsp check` (a minute or more).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from wat_lsp.analysis import cst
from wat_lsp.analysis.diagnostics import Diagnostic, Severity
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.streaming import LATE_CODES, check_diagnostics, stream_diagnostics
from wat_lsp.analysis.syntax import parse

from tests.corpus import core_files
from tests.oracles import wasmtools
from wat_lsp.checking import CheckOptions, late_shown

ROOT = Path(__file__).resolve().parents[2]
SMITH = 30  # seeds, each printed plain and folded
SPEC_EVERY = 3  # one spec module in this many (~1,700 of ~5,100)


def _key(diags: list[Diagnostic]) -> list[tuple[Diagnostic, dict[str, object]]]:
    return [(d, d.data) for d in diags]  # (`data` is left out of `Diagnostic` equality)


def _same(data: bytes, check: bool = True) -> bool:
    """Asserts that the fast path, where it applies, equals `analyse` (and `check`'s entry
    point too), and without the late codes equals `analyse`'s others; whether it applied."""
    want = analyse(data).diagnostics
    got = stream_diagnostics(data)
    if got is not None:
        assert _key(got) == _key(want)
        early = stream_diagnostics(data, late=False)
        assert early is not None
        assert _key(early) == _key([d for d in want if d.code not in LATE_CODES])
    if check:
        assert _key(check_diagnostics(data)) == _key(want)
    return got is not None


def _spec_modules() -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    k = 0
    for path in core_files():
        data = path.read_bytes()
        stack = [parse(data).root_node]
        while stack:
            node = stack.pop()
            for c in cst.named(node):
                if c.type == "module":
                    if k % SPEC_EVERY == 0:
                        out.append((f"{path.name}@{c.start_byte}", data[c.start_byte : c.end_byte] + b"\n"))
                    k += 1
                elif c.type in ("assertion", "wast_assertion", "thread", "wast_thread"):
                    stack.append(c)
    return out


def test_spec_modules() -> None:
    modules = _spec_modules()
    fast = sum(_same(text) for _, text in modules)
    assert len(modules) > 1500
    assert fast > len(modules) * 9 // 10, (fast, len(modules))


def _smith_texts() -> list[tuple[str, bytes]]:
    try:
        wasmtools.wasm_tools_exe()
    except FileNotFoundError:  # pragma: no cover
        from tests.tools import missing_tool

        missing_tool("wasm-tools is not installed")
    return [
        (f"smith {seed} {'folded' if fold else 'plain'}", text)
        for seed, fold, text in wasmtools.smith_texts(range(SMITH))
    ]


def test_smith_modules() -> None:
    texts = _smith_texts()
    fast = 0
    for name, text in texts:
        try:
            fast += _same(text)
        except AssertionError as e:
            raise AssertionError(name) from e
    assert fast >= len(texts) * 9 // 10, (fast, len(texts))


def test_gc_and_example_modules() -> None:
    paths = sorted((ROOT / "tests" / "gc_modules").glob("*.wat")) + sorted((ROOT / "examples").glob("*.wat"))
    assert paths
    fast = sum(_same(p.read_bytes()) for p in paths)
    assert fast >= len(paths) // 2, (fast, len(paths))


def _generated(size: int, seed: int) -> bytes:
    """The bench's generated module (`bench/genwat.py`)."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from genwat import generate
    finally:
        sys.path.remove(str(ROOT / "bench"))
    out = io.StringIO()
    generate(out, size=size, seed=seed)
    return out.getvalue().encode()


def test_generated_module_in_several_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bench's generated module (warnings and hints, no error), its functions read in
    runs of a few KB so that many runs and parses are compared, and with an error in it."""
    from wat_lsp.analysis import streaming

    monkeypatch.setattr(streaming, "_RUN_BYTES", 4096)
    data = _generated(150_000, 3)
    assert _same(data)
    broken = data.replace(b"local.get", b"local.get 4294967295 drop local.get", 1)
    assert _same(broken)
    assert any(d.code == "unknown-index" for d in analyse(broken).diagnostics)


FIELDS_OUTSIDE = b"""(module
  (func $a (result i32) i32.const 1) (func $b (export "b") (result i32) call $a)
  (type $t (func))
  ;; (func $commented)
  (func $c (type $t) (local i32) (; a comment ;) nop)
  (func $d (param $x i32) (result i32) ;; a comment in the header
    (local $y i32) local.get $x)
  (func $e (param (ref null (exact $t))))
  (func $f (import "m" "f") (param i32))
  (func $g (param i32) (result i32) local.get 0 local.get 0 i32.add) ;; trailing
  (elem declare func $a)
  (start $c)
)
"""


@pytest.mark.parametrize(
    "text",
    [
        FIELDS_OUTSIDE,
        FIELDS_OUTSIDE.replace(b"(func $e", b'(func $e (export "()")'),  # parentheses in a string
        FIELDS_OUTSIDE.replace(b"(start $c)", b"(start $c) (func $h)"),  # the last field on a line
        FIELDS_OUTSIDE.replace(
            b"local.get $x", b"local.get $x)\n  (func $i"
        ),  # a field inside a body's guess
        FIELDS_OUTSIDE.replace(b")\n)\n", b")\n) ;; end\n"),  # after the module's `)`
        FIELDS_OUTSIDE + b"(module)\n",  # two modules
        FIELDS_OUTSIDE.replace(b"i32.add", b'i32.add (@custom "x" "y")'),  # an annotation
        FIELDS_OUTSIDE.replace(b"nop", b"nopp"),  # an unknown instruction
        FIELDS_OUTSIDE.replace(b"local.get 0 local.get 0", b"local.get 0local.get 0"),  # glued tokens
        FIELDS_OUTSIDE.replace(b"call $a", b"call $nowhere"),
        FIELDS_OUTSIDE.replace(b"(local i32)", b"(local i32) (local $x (ref $t))"),  # non-defaultable
        FIELDS_OUTSIDE.replace(b"i32.const 1", b"(block (result i32) i32.const 1) (block (param i32))"),
        FIELDS_OUTSIDE.replace(
            b"i32.const 1", b"i32.const 1 call_indirect (param i64)"
        ),  # a type added by a body
        FIELDS_OUTSIDE.replace(b"(start $c)", b"(start $c) (start $c)"),
        FIELDS_OUTSIDE.replace(b"(func $a", b"(func $b"),  # duplicate name
        FIELDS_OUTSIDE.replace(b"$a (result i32)", b"$a (result i32) (result i64)"),
        FIELDS_OUTSIDE.replace(b"(module", b"(module $m"),
        FIELDS_OUTSIDE.replace(b"(module\n", b";; head\n(module (; c ;)\n"),
        FIELDS_OUTSIDE.replace(b"(module\n", b"(module (func $first)\n"),  # a field on `(module`'s line
        FIELDS_OUTSIDE.replace(b"local.get $x", b'local.get $x "\xff"'),  # invalid UTF-8
        FIELDS_OUTSIDE.replace(b"(local $y i32)", b"(local $y i32) (local $y i64)"),
        FIELDS_OUTSIDE.replace(b" ;; a comment in the header\n", b"\n  (param i32) ;; late\n"),
        FIELDS_OUTSIDE[:-3],  # a missing `)`
        b"(func $f nop)\n(func $g)\n",  # bare fields
        b"(module)\n",
        b"",
    ],
)
def test_fields(text: bytes) -> None:
    _same(text)


def test_fast_path_taken_for_an_ordinary_module() -> None:
    assert stream_diagnostics(FIELDS_OUTSIDE) is not None


def test_huge_index_and_deep_nesting() -> None:
    assert _same(b"(module\n  (func (local i32) local.get 4294967295 drop)\n)\n")
    assert _same(b"(module\n  (func (local i32) (drop (local.get 4294967295)))\n)\n")
    depth = 100_000
    deep = b"(module\n  (func\n" + b"block\n" * depth + b"end\n" * depth + b"  )\n)\n"
    assert _same(deep, check=False)


def test_check_parallel_and_whole_print_the_same(tmp_path: Path) -> None:
    """`check -j 2` prints what `-j 1` prints, and what the whole-document path prints."""
    for name, text in _smith_texts()[:16] + _spec_modules()[::40]:
        (tmp_path / (name.replace(" ", "-").replace("@", "-") + ".wat")).write_bytes(text)
    for options in (
        ["--min-severity", "hint"],
        ["--min-severity", "error"],  # no liveness or lint made (`late_shown`)
        ["--min-severity", "error", "--severity", "unused-local=error", "--output-format", "json"],
    ):
        outs = []
        for jobs, env in (("1", {}), ("2", {}), ("1", {"WAT_LSP_CHECK": "whole"})):
            r = subprocess.run(
                [sys.executable, "-P", "-m", "wat_lsp", "check", "-j", jobs, *options, str(tmp_path)],
                capture_output=True,
                env={**os.environ, **env},
                cwd=tmp_path,
            )
            assert r.returncode in (0, 1) and not r.stderr, r.stderr[-2000:]
            outs.append(r.stdout)
        assert b"Found " in outs[0] or b"unused-local" in outs[0]
        assert outs[0] == outs[1] == outs[2], options


def test_late_shown() -> None:
    assert late_shown(CheckOptions())
    assert not late_shown(CheckOptions(min_severity=Severity.ERROR))
    assert late_shown(CheckOptions(min_severity=Severity.ERROR, overrides={"dead-store": Severity.ERROR}))
    assert not late_shown(CheckOptions(overrides=dict.fromkeys(LATE_CODES)))


def test_invalid_utf8_goes_the_whole_way() -> None:
    data = b'(module\n  (func (export "\xff\xfe") nop)\n)\n'
    assert stream_diagnostics(data) is None
    assert [d.code for d in check_diagnostics(data)] == [d.code for d in analyse(data).diagnostics]


@pytest.mark.skipif(
    not os.environ.get("WAT_LSP_BIG_CHECK"), reason="set WAT_LSP_BIG_CHECK=1 (a minute or more)"
)
def test_60_mb_module_through_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "big.wat"
    path.write_bytes(_generated(60_000_000, 0))
    outs = []
    for env in ({}, {"WAT_LSP_CHECK": "whole"}):
        r = subprocess.run(
            [sys.executable, "-P", "-m", "wat_lsp", "check", "--output-format", "json", str(path)],
            capture_output=True,
            env={**os.environ, **env},
            cwd=tmp_path,
        )
        assert r.returncode in (0, 1) and not r.stderr, r.stderr[-2000:]
        outs.append(r.stdout)
    assert outs[0] == outs[1]
