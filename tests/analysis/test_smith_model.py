"""The Module model against the binary, on random modules from `wasm-tools smith`.

For every module of a fixed-seed smith corpus (GC, exceptions, tail calls, SIMD, relaxed
SIMD, multi-memory, memory64, `--export-everything`; see
`tests.oracles.wasmtools.DEFAULT_SMITH_CONFIG`), printed by `wasm-tools print` both plain and
folded (`--fold-instructions`), `analyse()` of the text must give no diagnostic and a model
whose counts equal what the binary holds, decoded independently by
`tests.oracles.binary_counts`:

* types (rec groups flattened; printed modules always write `(type ...)` uses, so the reader
  appends no implicit type and the counts are equal);
* functions, imported and defined;
* per defined function: parameters, declared locals, and the instruction sequence: our flat
  `Func.body` (block starts, `else`, `catch*`, `end`, no final `end`) has the binary's
  operators minus the body's final `end`, and instruction `i` has the binary opcode of
  operator `i` (so folded and plain text give the same sequence, in execution order).

A second, smaller corpus switches on what smith can emit beyond WebAssembly 3.0 and the
main corpus leaves off (compact imports, custom descriptors, threads, wide arithmetic, custom
page sizes), to exercise the text forms they bring (`(import "m" (item ...) ...)`, `exact`,
`shared`, `(pagesize N)`). The binary decoder does not read compact import groups, so those
binaries are first rewritten with ordinary imports (`_plain_imports`, a binary-level rewrite
that does not involve our text reader).

Corpora and folded prints are cached (`tests.oracles.wasmtools.cache_dir()`); the test is
split in chunks so that `pytest -n 2` spreads it. A failure names the seed, the function and
the first differing instruction, with our mnemonic and the binary opcode's name around it;
reproduce with `wasmtools.smith(seed, seed_bytes=SEED_BYTES, **config)`. Counts compared per
chunk are written to `.pytest_cache/d/smith_model/`.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from wat_lsp.analysis.diagnostics import Severity
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.model import Func
from wat_lsp.analysis.opcodes import BY_CODE, uleb128

from tests.oracles import binary_counts, wasmtools

try:
    wasmtools.wasm_tools_exe()
except FileNotFoundError:  # pragma: no cover
    pytest.skip("wasm-tools is not installed", allow_module_level=True)

# 16 KiB of seed bytes and at least 3 functions: real code in every module (with 4 KiB most
# modules have no function at all). Shared with other tests that use the same corpus.
SEED_BYTES = 16384


@dataclass(frozen=True)
class Corpus:
    name: str
    modules: int
    chunk: int
    config: dict[str, bool | int | str]
    first_seed: int = 0


CORPORA = (
    Corpus("wasm3", 1000, 100, {"min_funcs": 3}),
    Corpus("ext", 200, 100, {
        "min_funcs": 3,
        "compact_imports_enabled": True,
        "custom_descriptors_enabled": True,
        "threads_enabled": True,
        "wide_arithmetic_enabled": True,
        "custom_page_sizes_enabled": True,
        "max_memories": 4,
    }, first_seed=100_000),
)  # fmt: skip
FORMS = ("plain", "folded")
MAX_PROBLEMS = 8  # per chunk, in the failure message


def _params() -> list[object]:
    out: list[object] = []
    for c in CORPORA:
        for start in range(c.first_seed, c.first_seed + c.modules, c.chunk):
            for form in FORMS:
                out.append(pytest.param(c, start, form, id=f"{c.name}-{start}-{form}"))
    return out


# ------------------------------------------------------------------- folded prints


def _fold_dir() -> Path:
    d = wasmtools.cache_dir() / f"print-fold-{wasmtools.version()}"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _folded(d: Path, wasm: bytes) -> str:
    path = d / f"{hashlib.sha256(wasm).hexdigest()[:24]}.wat"
    try:
        return path.read_text("utf-8")
    except FileNotFoundError:
        pass
    text = wasmtools.print_wasm(wasm, fold=True)
    tmp = path.with_name(f".{path.name}.{id(text)}.tmp")
    tmp.write_text(text, "utf-8")
    tmp.replace(path)
    return text


# ------------------------------------------------------- compact imports, rewritten


def _raw_name(s: binary_counts._Reader) -> bytes:
    start = s.pos
    s.name()
    return bytes(s.data[start : s.pos])


def _raw_extern(s: binary_counts._Reader) -> bytes:
    start = s.pos
    binary_counts._extern_type(s, "", "")
    return bytes(s.data[start : s.pos])


def _plain_imports(wasm: bytes) -> bytes:
    """The same module with compact import groups written as ordinary imports.

    Compact import section (proposal): an entry `mod "" 0x7F vec(name externtype)` gives
    each item its own type, `mod "" 0x7E externtype vec(name)` one type for all items.
    """
    r = binary_counts._Reader(wasm, 8)
    out = bytearray(wasm[:8])
    while r.pos < len(wasm):
        sec_start = r.pos
        sid = r.byte()
        size = r.uleb()
        end = r.pos + size
        if sid != 2:
            out += wasm[sec_start:end]
            r.pos = end
            continue
        s = binary_counts._Reader(wasm, r.pos, end)
        entries: list[bytes] = []
        for _ in range(s.uleb()):
            module = _raw_name(s)
            name = _raw_name(s)
            flag = wasm[s.pos] if s.pos < end else -1
            if name == b"\0" and flag == 0x7F:
                s.pos += 1
                for _ in range(s.uleb()):
                    item = _raw_name(s)
                    entries.append(module + item + _raw_extern(s))
            elif name == b"\0" and flag == 0x7E:
                s.pos += 1
                ext = _raw_extern(s)
                for _ in range(s.uleb()):
                    entries.append(module + _raw_name(s) + ext)
            else:
                entries.append(module + name + _raw_extern(s))
        body = uleb128(len(entries)) + b"".join(entries)
        out += bytes([2]) + uleb128(len(body)) + body
        r.pos = end
    return bytes(out)


# ------------------------------------------------------------------ the comparison


def _op_name(code: tuple[int, ...]) -> str:
    info = BY_CODE.get(code)
    return info.name if info is not None else "0x" + "_".join(f"{c:02x}" for c in code)


def _binary_opcodes(wasm: bytes, offsets: list[int]) -> list[tuple[int, ...]]:
    out: list[tuple[int, ...]] = []
    for off in offsets:
        b = wasm[off]
        if b in (0xFB, 0xFC, 0xFD, 0xFE):
            r = binary_counts._Reader(wasm, off + 1)
            out.append((b, r.uleb()))
        else:
            out.append((b,))
    return out


def _line(text: bytes, offset: int) -> int:
    return text.count(b"\n", 0, offset) + 1


def _compare_body(f: Func, codes: list[tuple[int, ...]], text: bytes) -> str | None:
    """The first difference between our body and the binary's operators, or None."""
    body = f.body
    for i, (ins, code) in enumerate(zip(body, codes, strict=False)):
        if code == ins.op.code or code == ins.op.alt_code:
            continue
        lo = max(0, i - 3)
        ours = " ".join(x.op.name for x in body[lo : i + 4])
        theirs = " ".join(_op_name(c) for c in codes[lo : i + 4])
        return (
            f"instruction {i} (line {_line(text, ins.start)}): ours `{ins.op.name}`, "
            f"binary `{_op_name(code)}`; from {lo}: ours [{ours}] binary [{theirs}]"
        )
    if len(body) != len(codes):
        i = min(len(body), len(codes))
        extra = body[i : i + 4] if len(body) > i else []
        where = f" (line {_line(text, extra[0].start)})" if extra else ""
        return (
            f"{len(body)} instructions, binary has {len(codes)}; from {i}{where}: ours "
            f"[{' '.join(x.op.name for x in extra)}] binary "
            f"[{' '.join(_op_name(c) for c in codes[i : i + 4])}]"
        )
    return None


@dataclass
class Tally:
    modules: int = 0
    functions: int = 0
    defined: int = 0
    locals: int = 0
    instructions: int = 0


def _check_module(wasm: bytes, text: str, tally: Tally) -> list[str]:
    data = text.encode("utf-8")
    info = binary_counts.decode_module(wasm, collect_offsets=True)
    counts = binary_counts.counts_of(info)
    doc = analyse(data)
    problems: list[str] = []
    for d in [d for d in doc.diagnostics if d.severity == Severity.ERROR][:3]:  # warnings: liveness
        problems.append(f"line {_line(data, d.span.start)}: {d.severity.name.lower()}[{d.code}] {d.message}")
    read = [m for m in doc.modules if m.read is not None]
    if len(read) != 1 or read[0].read is None:
        return [*problems, f"{len(read)} modules read, expected 1"]
    m = read[0].read.module
    if len(m.types) != counts.num_types:
        problems.append(f"{len(m.types)} types, binary has {counts.num_types}")
    imported = [f for f in m.funcs if f.import_ is not None]
    defined = [f for f in m.funcs if f.import_ is None]
    if (len(imported), len(defined)) != (counts.num_imported_funcs, counts.num_defined_funcs):
        problems.append(
            f"functions: {len(imported)} imported + {len(defined)} defined, binary has "
            f"{counts.num_imported_funcs} + {counts.num_defined_funcs}"
        )
        return problems
    tally.modules += 1
    tally.functions += len(m.funcs)
    for f, fc in zip(defined, counts.functions, strict=True):
        where = (
            f"func {fc.index}" + (f" ${f.name}" if f.name else "") + f" (line {_line(data, f.span.start)})"
        )
        if f.index != fc.index:
            problems.append(f"{where}: our index is {f.index}")
            continue
        if len(f.params) != fc.num_params:
            problems.append(f"{where}: {len(f.params)} params, binary has {fc.num_params}")
        if len(f.locals) != fc.num_locals:
            problems.append(f"{where}: {len(f.locals)} locals, binary has {fc.num_locals}")
        assert fc.operator_offsets is not None
        codes = _binary_opcodes(wasm, fc.operator_offsets[:-1])  # without the final `end`
        assert len(codes) == fc.num_operators_text
        diff = _compare_body(f, codes, data)
        if diff is not None:
            problems.append(f"{where}: {diff}")
        tally.defined += 1
        tally.locals += len(f.locals)
        tally.instructions += len(codes)
    return problems


def _corpus(c: Corpus, start: int) -> list[tuple[int, bytes, str]]:
    n = min(c.chunk, c.first_seed + c.modules - start)
    return wasmtools.smith_corpus(n, start, seed_bytes=SEED_BYTES, options=c.config)


def _record(request: pytest.FixtureRequest, key: str, tally: Tally) -> None:
    cache = getattr(request.config, "cache", None)
    if cache is None:
        return
    d = cache.mkdir("smith_model")
    (d / f"{key}.json").write_text(json.dumps(tally.__dict__))


@pytest.mark.parametrize(("corpus", "start", "form"), _params())
def test_model_matches_binary(corpus: Corpus, start: int, form: str, request: pytest.FixtureRequest) -> None:
    modules = _corpus(corpus, start)
    texts: list[str]
    if form == "plain":
        texts = [wat for _, _, wat in modules]
    else:
        d = _fold_dir()
        with ThreadPoolExecutor(max_workers=4) as pool:
            texts = list(pool.map(lambda item: _folded(d, item[1]), modules))
    tally = Tally()
    failures: list[str] = []
    for (seed, wasm, _), text in zip(modules, texts, strict=True):
        binary = _plain_imports(wasm) if corpus.config.get("compact_imports_enabled") else wasm
        problems = _check_module(binary, text, tally)
        if problems:
            failures.append(f"seed {seed} ({form}): " + "; ".join(problems[:4]))
    _record(request, f"{corpus.name}-{start}-{form}", tally)
    assert tally.modules == len(modules) or failures
    assert not failures, (
        f"{len(failures)} of {len(modules)} modules differ (smith seed_bytes={SEED_BYTES}, "
        f"config {corpus.config}):\n" + "\n".join(failures[:MAX_PROBLEMS])
    )


def test_plain_imports_rewrite() -> None:
    """The compact-imports rewrite gives the binary of the same module written plainly."""
    compact = wasmtools.parse(
        '(module (type (func)) (import "m" (item "a" (func (type 0))) '
        '(item "b" (global i32))) (import "n" (item "c") (item "d") '
        "(func (type 0))) (func (type 0)))"
    )
    plain = wasmtools.parse(
        '(module (type (func)) (import "m" "a" (func (type 0))) '
        '(import "m" "b" (global i32)) (import "n" "c" (func (type 0))) '
        '(import "n" "d" (func (type 0))) (func (type 0)))'
    )
    assert compact != plain
    assert _plain_imports(compact) == plain
    assert _plain_imports(plain) == plain


def test_compact_imports_read() -> None:
    """Both compact import forms (`wasm-tools print` writes them) give one import per item."""
    text = (
        '(module (type $t (func)) (import "m" (item "a" (func $f (type $t))) (item "b" (global $g i32)))'
        ' (import "n" (item "c") (item "d") (func (type $t))) (func (type $t) call $f global.get $g drop))'
    )
    doc = analyse(text.encode())
    assert doc.diagnostics == []
    read = doc.modules[0].read
    assert read is not None
    m = read.module
    imports = [(f.import_.module, f.import_.name) for f in m.funcs if f.import_ is not None]
    assert imports == [("m", "a"), ("n", "c"), ("n", "d")]
    assert [(g.import_.module, g.import_.name) for g in m.globals if g.import_ is not None] == [("m", "b")]
    assert m.names["func"] == {"f": 0} and m.names["global"] == {"g": 0}
    assert m.funcs[3].body[0].imms == (0,)
    counts = binary_counts.count_module(_plain_imports(wasmtools.parse(text)))
    assert (counts.num_imported_funcs, counts.num_defined_funcs) == (3, 1)
    # A shared description stands for several imports: it cannot be named (as wasm-tools says).
    bad = analyse(b'(module (type (func)) (import "n" (item "c") (item "d") (func $h (type 0))))')
    assert [d.code for d in bad.diagnostics] == ["malformed"]
