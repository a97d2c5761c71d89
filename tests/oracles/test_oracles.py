"""Fast checks of the oracle helpers themselves (a handful of modules)."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest

from . import binary_counts, wasmtools
from .binary_counts import count_module, decode_module, dump_function_operators

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import genwat  # noqa: E402
import peers  # noqa: E402

# --------------------------------------------------------------------- wasm-tools


def test_validate_ok_and_errors() -> None:
    assert wasmtools.validate("(module (func (result i32) i32.const 1))").ok
    r = wasmtools.validate("(module (func) (func (local (ref any)) local.get 0 drop))")
    assert not r.ok and r.stage == "validate"
    assert r.func_index == 1
    assert r.local_index == 0
    assert r.reason.startswith("uninitialized local")
    assert r.offset is not None
    r = wasmtools.validate("(module (func (result i32) i64.const 1))")
    assert r.reason == "type mismatch: expected i32, found i64"
    r = wasmtools.validate("(module\n  (func i32.cnst 1))")
    assert r.stage == "parse" and (r.line, r.column) == (2, 9)


def test_validate_func_index_counts_imports() -> None:
    r = wasmtools.validate('(module (import "m" "f" (func)) (func (result i32) i64.const 1))')
    assert r.func_index == 1


def test_parse_print_roundtrip() -> None:
    wasm = wasmtools.parse("(module (func $f (param $x i32) (result i32) local.get $x))")
    assert wasm[:4] == b"\0asm"
    text = wasmtools.print_wasm(wasm)
    assert "local.get $x" in text
    assert wasmtools.parse(text) == wasm


def test_smith_deterministic_and_valid() -> None:
    a = wasmtools.smith(3)
    assert a == wasmtools.smith(3)
    assert a != wasmtools.smith(4)
    assert wasmtools.validate(a).ok


def test_smith_corpus_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAT_LSP_ORACLE_CACHE", str(tmp_path))
    corpus = wasmtools.smith_corpus(6, start_seed=10, max_funcs=5)
    assert [s for s, _, _ in corpus] == list(range(10, 16))
    files = sorted(p.name for p in tmp_path.rglob("*.wasm"))
    assert len(files) == 6
    again = wasmtools.smith_corpus(6, start_seed=10, max_funcs=5)
    assert again == corpus
    for _, wasm, wat in corpus:
        assert wat.startswith("(module")
        assert wasmtools.parse(wat) == wasm or wasmtools.validate(wat).ok


# ------------------------------------------------------------------ binary counts

_COUNTS_WAT = """
(module
  (rec (type $a (struct)) (type $b (sub (struct (field i32)))))
  (type $f (func (param i32) (result i32)))
  (import "m" "g" (func (type $f)))
  (import "m" "h" (func (param i64)))
  (func (type $f) (local i64 i64) (local $x f32)
    local.get 0
    if (result i32)
      i32.const 1
    else
      i32.const 2
    end
  )
  (func (param i32 i32)
    block $l
      (br_table $l $l (local.get 0))
    end
    try_table (catch_all 0)
    end
  )
)
"""


def test_binary_counts_exact() -> None:
    c = count_module(wasmtools.parse(_COUNTS_WAT))
    # the rec group of 2 flattened, $f, and the implicit (func (param i64)) and
    # (func (param i32 i32)) of the inline type uses
    assert c.num_types == 5
    assert c.num_rec_groups == 4
    assert c.num_imported_funcs == 2 and c.num_defined_funcs == 2
    f0, f1 = c.functions
    assert (f0.index, f0.num_params, f0.num_locals) == (2, 1, 3)
    # local.get, if, i32.const, else, i32.const, end, final end
    assert f0.num_operators == 7 and f0.num_operators_text == 6
    # block, local.get, br_table, end, try_table, end, final end
    assert (f1.num_params, f1.num_locals, f1.num_operators) == (2, 0, 7)


def test_binary_counts_match_dump_on_smith() -> None:
    for _, wasm, _ in wasmtools.smith_corpus(25, start_seed=1000, seed_bytes=16384):
        info = decode_module(wasm, collect_offsets=True)
        mine = [(f.index, f.num_locals, f.operator_offsets) for f in info.functions]
        assert mine == dump_function_operators(wasmtools.dump(wasm))


@pytest.mark.skipif(not os.environ.get("WAT_LSP_SLOW_ORACLES"), reason="set WAT_LSP_SLOW_ORACLES=1 (~10 s)")
def test_binary_counts_match_dump_many() -> None:
    """The full check done when the decoder was written: 1,000 smith modules."""
    for _, wasm, _ in wasmtools.smith_corpus(1000):
        info = decode_module(wasm, collect_offsets=True)
        mine = [(f.index, f.num_locals, f.operator_offsets) for f in info.functions]
        assert mine == dump_function_operators(wasmtools.dump(wasm))


def test_binary_counts_rejects_garbage() -> None:
    with pytest.raises(binary_counts.DecodeError):
        decode_module(b"\0asm\x01\0\0\0\x0a\x05\x01\x03\x00\xff\x0b")


# ------------------------------------------------------------------------ wasmtime

_RUN_WAT = """
(module
  (type $s (struct (field i32)))
  (tag $e (param i32))
  (import "env" "log" (func $log (param i32)))
  (global $g (export "g") (mut i32) (i32.const 5))
  (global $r (export "r") (mut anyref) (ref.i31 (i32.const 9)))
  (memory (export "mem") 1)
  (func (export "add") (param i32 i32) (result i32)
    (call $log (local.get 0))
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (i32.store (i32.const 8) (local.get 1))
    (i32.add (local.get 0) (local.get 1)))
  (func (export "refs") (param (ref null $s)) (result anyref i32 f32 v128)
    (struct.new $s (i32.const 1)) (ref.is_null (local.get 0))
    (f32.const -0.5) (v128.const i32x4 1 2 3 4))
  (func (export "i31") (param (ref i31)) (result i32) (i31.get_s (local.get 0)))
  (func (export "needs_struct") (param (ref $s)))
  (func (export "throws") (param i32) (throw $e (local.get 0)))
  (func (export "spin") (loop (br 0)))
  (func (export "div") (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
)
"""


def test_run_exports() -> None:
    from .wasmtime_run import diff_outcomes, run_exports

    out = run_exports(wasmtools.parse(_RUN_WAT))
    add = out["add"].calls
    assert add[0].status == "ok" and add[0].values == ("i32:0",)
    assert add[0].host_calls == ("env.log(i32:0)",)
    assert add[1].args == ("i32:1", "i32:-1") and add[1].values == ("i32:0",)
    refs = out["refs"].calls[0]
    assert refs.args == ("null",)
    assert refs.values == ("ref.struct", "i32:1", "f32:0xbf000000", "v128:01000000020000000300000004000000")
    assert out["i31"].calls[1].values == ("i32:11",)
    assert out["needs_struct"].calls[0].status == "skipped"
    assert out["throws"].calls[1].status == "exception"
    assert out["throws"].calls[1].values == ("i32:1",)
    assert out["spin"].calls[0].trap == "out_of_fuel"
    assert out["div"].calls[0].trap == "integer_division_by_zero"
    assert out["div"].calls[1].values == ("i32:1",)
    assert out["g"].value == "i32:7"
    assert out["r"].value == "ref.i31:9"
    assert out["mem"].size == 65536 and len(out["mem"].digest) == 64
    again = run_exports(wasmtools.parse(_RUN_WAT))
    assert again == out and diff_outcomes(out, again) == []
    changed = run_exports(wasmtools.parse(_RUN_WAT.replace("(i32.const 1)))\n", "(i32.const 2)))\n")))
    assert any(d.startswith("g value") for d in diff_outcomes(out, changed))


def test_run_exports_smith_deterministic() -> None:
    from .wasmtime_run import UnsupportedModule, run_exports

    ran = 0
    for _, wasm, _ in wasmtools.smith_corpus(12, start_seed=0, max_imports=0):
        try:
            a = run_exports(wasm)
        except UnsupportedModule:
            continue
        assert run_exports(wasm) == a
        ran += 1
    assert ran >= 10


# ------------------------------------------------------------------------- bench


def test_genwat_valid_and_deterministic() -> None:
    buf = io.StringIO()
    n = genwat.generate(buf, functions=60, seed=5)
    text = buf.getvalue()
    assert n == 60 and text.count("\n  (func ") == 60
    assert wasmtools.validate(text).ok
    buf2 = io.StringIO()
    genwat.generate(buf2, functions=60, seed=5)
    assert buf2.getvalue() == text
    c = count_module(wasmtools.parse(text))
    assert c.num_defined_funcs == 60 and c.num_types == 17
    for needle in (
        "br_on_cast ",
        "br_on_cast_fail",
        "call_ref",
        "call_indirect",
        "br_table",
        "ref.test",
        "array.len",
        "struct.set",
        "i64.load",
        "(i32.add (",
    ):
        assert needle in text


def test_genwat_size() -> None:
    buf = io.StringIO()
    genwat.generate(buf, size=genwat.parse_size("300KB"), seed=1)
    assert abs(len(buf.getvalue()) - 300 * 1024) < 20_000
    assert wasmtools.validate(buf.getvalue()).ok


def test_genwat_single_function() -> None:
    buf = io.StringIO()
    genwat.generate_single_function(buf, locals_=700, seed=2)
    wasm = wasmtools.parse(buf.getvalue())
    assert wasmtools.validate(wasm).ok
    c = count_module(wasm)
    assert c.num_defined_funcs == 1 and c.functions[0].num_locals == 700
    from .wasmtime_run import run_exports

    out = run_exports(wasm)
    assert out["big"].calls[0].status == "ok"


def test_genwat_module_runs() -> None:
    from .wasmtime_run import run_exports

    buf = io.StringIO()
    genwat.generate(buf, functions=80, seed=3)
    out = run_exports(wasmtools.parse(buf.getvalue()))
    assert out["main"].calls[0].status == "ok"


def test_peers_run_peer() -> None:
    r = peers.run_peer([sys.executable, "-c", "b = bytearray(80 << 20); b[::4096] = b'x' * len(b[::4096])"])
    assert r.ok and r.peak_rss_bytes > 80 << 20 and r.seconds > 0
    r = peers.run_peer([sys.executable, "-c", "raise SystemExit(3)"])
    assert r.returncode == 3 and not r.ok
    r = peers.run_peer([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5)
    assert r.timed_out and r.seconds < 10
    r = peers.run_peer(
        [sys.executable, "-c", "import sys; print(sys.stdin.read()[::-1])"], stdin=b"abc", capture_stdout=True
    )
    assert r.stdout.strip() == b"cba"
