"""Run every export of a module in wasmtime and record what is observable.

``run_exports(wasm)`` instantiates the module (GC, function references, exceptions, tail
calls, SIMD, relaxed SIMD (deterministic), multi-memory, memory64 on; NaNs canonicalized so
that results do not depend on how an optimizer rearranged float operations), then calls each
exported function, in export-section order, with a few deterministic argument vectors derived
from its signature, each call with a fresh fuel budget. It records per call the results
(integers and floats as bit patterns, v128 as hex, references as ``null`` or their kind,
i31 values), the trap kind, or the payload of an uncaught exception, plus the calls made to
imported functions. After all calls it records exported globals, a SHA-256 of each exported
memory and a summary of each exported table. Two runs of the same module compare equal.

The Python wasmtime package cannot pass or read GC references through its ``Func`` API, so
calls go through the C API (``wasmtime_func_call``) with raw ``wasmtime_val_t`` values.

Imports are satisfied with defaults where the Python API can build them (functions whose
signature has only numeric / funcref / externref types return zeros or nulls and log their
calls; numeric and funcref/externref globals hold zero/null; memories and 32-bit tables of
funcref/externref; tags with numeric payloads). Anything else raises
:class:`UnsupportedModule`.
"""

from __future__ import annotations

import ctypes
import hashlib
import struct
from collections.abc import Sequence
from ctypes import POINTER, byref
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import wasmtime
from wasmtime import _ffi as ffi

from . import wasmtools
from .binary_counts import FuncType, Import, ModuleInfo, RefType, ValType, decode_module

__all__ = [
    "CallResult",
    "Outcome",
    "UnsupportedModule",
    "diff_outcomes",
    "diff_until_out_of_fuel",
    "engine",
    "run_exports",
]

# wasmtime_valkind_t values (wasmtime/val.h).
_K_I32, _K_I64, _K_F32, _K_F64, _K_V128 = 0, 1, 2, 3, 4
_K_FUNCREF, _K_EXTERNREF, _K_ANYREF, _K_EXNREF = 5, 6, 7, 8
_REF_KINDS = (_K_FUNCREF, _K_EXTERNREF, _K_ANYREF, _K_EXNREF)

DEFAULT_FUEL = 2_000_000
DEFAULT_MEMORY_LIMIT = 256 << 20
MAX_HOST_LOG = 64


class UnsupportedModule(Exception):
    """The module needs an import that cannot be provided with a default, or uses a
    feature this wasmtime does not compile (e.g. custom descriptors)."""


@dataclass(frozen=True, slots=True)
class CallResult:
    """One call. ``status``: "ok", "trap", "exception" (uncaught wasm exception),
    "error" (another wasmtime error) or "skipped" (arguments cannot be made).
    ``values``: results (ok) or exception payload; ``trap``: trap kind or reason."""

    args: tuple[str, ...]
    status: str
    values: tuple[str, ...] = ()
    trap: str = ""
    host_calls: tuple[str, ...] = ()
    # With ``run_exports(isolate=True)``: the exported globals, memories and tables after
    # this call, as ``name=value`` strings.
    state: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one export looks like after the run. ``kind``: "func", "global", "memory",
    "table", "tag", or "instantiate" (key ``"<instantiate>"``, when instantiation failed)."""

    kind: str
    calls: tuple[CallResult, ...] = ()
    value: str = ""
    size: int = 0
    digest: str = ""


@lru_cache(maxsize=4)
def engine(fuel: bool = True) -> wasmtime.Engine:
    c = wasmtime.Config()
    c.wasm_gc = True
    c.gc_support = True
    c.wasm_function_references = True
    c.wasm_reference_types = True
    c.wasm_exceptions = True
    c.wasm_tail_call = True
    c.wasm_simd = True
    c.wasm_relaxed_simd = True
    c.wasm_relaxed_simd_deterministic = True
    c.wasm_multi_memory = True
    c.wasm_memory64 = True
    c.wasm_multi_value = True
    c.wasm_bulk_memory = True
    c.cranelift_nan_canonicalization = True
    c.consume_fuel = fuel
    return wasmtime.Engine(c)


# ------------------------------------------------------------------ value helpers

_I32_ARGS = (1, -1, 7, 0x7FFFFFFF, -0x80000000, 42, 65536, 3)
_I64_ARGS = (1, -1, 0x7FFFFFFFFFFFFFFF, -(1 << 63), 123456789012, 5)
_F32_ARGS = (0x3F800000, 0xBF000000, 0x7F800000, 0x7FC00000, 0x40500000, 0x80000000)
_F64_ARGS = (
    0x3FF0000000000000,
    0xBFE0000000000000,
    0x7FF0000000000000,
    0x7FF8000000000000,
    0x400A000000000000,
    0x8000000000000000,
)


def _hierarchy(info: ModuleInfo, rt: RefType) -> int:
    heap = rt.heap
    if isinstance(heap, int):
        kind = info.types[heap].kind if heap < len(info.types) else "struct"
        return _K_FUNCREF if kind in ("func", "cont") else _K_ANYREF
    if heap in ("func", "nofunc", "cont", "nocont"):
        return _K_FUNCREF
    if heap in ("extern", "noextern"):
        return _K_EXTERNREF
    if heap in ("exn", "noexn"):
        return _K_EXNREF
    return _K_ANYREF


def _make_arg(
    ctx: Any, info: ModuleInfo, vt: ValType, pos: int, argset: int
) -> tuple[ffi.wasmtime_val_t, str] | None:
    v = ffi.wasmtime_val_t()
    raw = (ctypes.c_uint8 * 16).from_buffer(v.of)
    if isinstance(vt, RefType):
        kind = _hierarchy(info, vt)
        v.kind = ffi.wasmtime_valkind_t(kind)
        if vt.nullable:
            return v, "null"
        if kind == _K_ANYREF and vt.heap in ("any", "eq", "i31"):
            n = 0 if argset == 0 else (pos + 1) * 11
            ffi.wasmtime_anyref_from_i31(ctx, n, byref(v.of.anyref))
            return v, f"ref.i31:{n}"
        return None
    if argset == 0:
        ints = {"i32": 0, "i64": 0, "f32": 0, "f64": 0}
    else:
        # Set 1 takes the edge values in parameter order; later sets rotate through them.
        k = pos + argset - 1
        ints = {
            "i32": _I32_ARGS[k % len(_I32_ARGS)] & 0xFFFFFFFF,
            "i64": _I64_ARGS[k % len(_I64_ARGS)] & 0xFFFFFFFFFFFFFFFF,
            "f32": _F32_ARGS[k % len(_F32_ARGS)],
            "f64": _F64_ARGS[k % len(_F64_ARGS)],
        }
    if vt == "v128":
        v.kind = ffi.wasmtime_valkind_t(_K_V128)
        data = bytes(16) if argset == 0 else bytes(((pos + 1) * 17 + i * 13) & 0xFF for i in range(16))
        ctypes.memmove(raw, data, 16)
        return v, "v128:" + data.hex()
    kinds = {"i32": (_K_I32, 4), "i64": (_K_I64, 8), "f32": (_K_F32, 4), "f64": (_K_F64, 8)}
    if vt not in kinds:
        return None
    k, width = kinds[vt]
    v.kind = ffi.wasmtime_valkind_t(k)
    bits = ints[vt]
    ctypes.memmove(raw, bits.to_bytes(width, "little"), width)
    return v, _fmt_bits(vt, bits)


def _fmt_bits(vt: str, bits: int) -> str:
    if vt in ("f32", "f64"):
        return f"{vt}:{bits:#x}"
    width = 32 if vt == "i32" else 64
    signed = bits - (1 << width) if bits >> (width - 1) else bits
    return f"{vt}:{signed}"


def _read_val(ctx: Any, v: ffi.wasmtime_val_t) -> str:
    kind = int(v.kind)
    raw = bytes(v.of)
    if kind == _K_I32:
        return _fmt_bits("i32", int.from_bytes(raw[:4], "little"))
    if kind == _K_I64:
        return _fmt_bits("i64", int.from_bytes(raw[:8], "little"))
    if kind == _K_F32:
        return _fmt_bits("f32", int.from_bytes(raw[:4], "little"))
    if kind == _K_F64:
        return _fmt_bits("f64", int.from_bytes(raw[:8], "little"))
    if kind == _K_V128:
        return "v128:" + raw[:16].hex()
    if kind == _K_FUNCREF:
        return "null" if v.of.funcref.store_id == 0 else "ref.func"
    if kind == _K_EXTERNREF:
        return "null" if v.of.externref.store_id == 0 else "ref.extern"
    if kind == _K_EXNREF:
        return "null" if v.of.exnref.store_id == 0 else "ref.exn"
    if kind == _K_ANYREF:
        ref = v.of.anyref
        if ref.store_id == 0:
            return "null"
        # wasmtime_anyref_is_i31 answers true for every non-null anyref in wasmtime-py 50;
        # i31_get_s does say whether the reference is an i31.
        out = ctypes.c_int32()
        if ffi.wasmtime_anyref_i31_get_s(ctx, byref(ref), byref(out)):
            return f"ref.i31:{out.value}"
        if ffi.wasmtime_anyref_is_struct(ctx, byref(ref)):
            return "ref.struct"
        if ffi.wasmtime_anyref_is_array(ctx, byref(ref)):
            return "ref.array"
        return "ref.any"
    return f"kind{kind}"


def _unroot(v: ffi.wasmtime_val_t) -> None:
    if int(v.kind) in _REF_KINDS:
        ffi.wasmtime_val_unroot(byref(v))


# -------------------------------------------------------------------------- imports

_SIMPLE: dict[str, Any] = {
    "i32": wasmtime.ValType.i32,
    "i64": wasmtime.ValType.i64,
    "f32": wasmtime.ValType.f32,
    "f64": wasmtime.ValType.f64,
}


def _py_valtype(vt: ValType) -> wasmtime.ValType:
    if isinstance(vt, str) and vt in _SIMPLE:
        return _SIMPLE[vt]()  # type: ignore[no-any-return]
    if isinstance(vt, RefType) and vt.nullable and not vt.shared:
        if vt.heap == "func":
            return wasmtime.ValType.funcref()
        if vt.heap == "extern":
            return wasmtime.ValType.externref()
    raise UnsupportedModule(f"import uses type {vt}")


def _zero(vt: ValType) -> Any:
    if isinstance(vt, RefType):
        return None
    return 0.0 if vt in ("f32", "f64") else 0


def _py_value_str(vt: ValType, value: Any) -> str:
    if isinstance(vt, RefType):
        return "null" if value is None else "ref"
    if vt == "f32":
        return _fmt_bits("f32", struct.unpack("<I", struct.pack("<f", value))[0])
    if vt == "f64":
        return _fmt_bits("f64", struct.unpack("<Q", struct.pack("<d", value))[0])
    width = 32 if vt == "i32" else 64
    return _fmt_bits(str(vt), int(value) & ((1 << width) - 1))


class _HostLog:
    def __init__(self) -> None:
        self.entries: list[str] = []
        self.total = 0

    def take(self) -> tuple[str, ...]:
        out = tuple(self.entries)
        if self.total > len(self.entries):
            out += (f"... {self.total} host calls in all",)
        self.entries = []
        self.total = 0
        return out


def _host_func(store: wasmtime.Store, imp: Import, ft: FuncType, log: _HostLog) -> wasmtime.Func:
    pty = wasmtime.FuncType([_py_valtype(t) for t in ft.params], [_py_valtype(t) for t in ft.results])
    label = f"{imp.module}.{imp.name}"
    results = [_zero(t) for t in ft.results]

    def callback(*args: Any) -> Any:
        log.total += 1
        if len(log.entries) < MAX_HOST_LOG:
            shown = ",".join(_py_value_str(t, a) for t, a in zip(ft.params, args, strict=False))
            log.entries.append(f"{label}({shown})")
        if not results:
            return None
        return results[0] if len(results) == 1 else results

    return wasmtime.Func(store, pty, callback)


def _host_definable(info: ModuleInfo, type_index: int) -> FuncType:
    """The function type of a func/tag import, if a host can make a matching item: the
    Python API only builds final function types alone in their rec group."""
    st = info.types[type_index]
    if st.func is None:
        raise UnsupportedModule("import of a non-function type")
    group = sum(1 for t in info.types if t.rec_group == st.rec_group)
    if not st.final or st.supertypes or group != 1:
        raise UnsupportedModule("import type is not a final function type alone in its group")
    return st.func


def _default_imports(store: wasmtime.Store, info: ModuleInfo, log: _HostLog) -> list[Any]:
    externs: list[Any] = []
    for imp in info.imports:
        if imp.kind == "func":
            assert imp.type_index is not None
            ft = _host_definable(info, imp.type_index)
            externs.append(_host_func(store, imp, ft, log))
        elif imp.kind == "global":
            assert imp.valtype is not None
            if imp.shared:
                raise UnsupportedModule("shared global import")
            gt = wasmtime.GlobalType(_py_valtype(imp.valtype), imp.mutable)
            externs.append(wasmtime.Global(store, gt, _zero(imp.valtype)))
        elif imp.kind == "memory":
            if imp.shared:
                raise UnsupportedModule("shared memory import")
            mt = wasmtime.MemoryType(wasmtime.Limits(imp.minimum, imp.maximum), is_64=imp.is64)
            externs.append(wasmtime.Memory(store, mt))
        elif imp.kind == "table":
            assert imp.valtype is not None
            if imp.is64:
                raise UnsupportedModule("64-bit table import")
            tt = wasmtime.TableType(_py_valtype(imp.valtype), wasmtime.Limits(imp.minimum, imp.maximum))
            externs.append(wasmtime.Table(store, tt, None))
        elif imp.kind == "tag":
            assert imp.type_index is not None
            ft = _host_definable(info, imp.type_index)
            pty = wasmtime.FuncType([_py_valtype(t) for t in ft.params], [_py_valtype(t) for t in ft.results])
            externs.append(wasmtime.Tag(store, wasmtime.TagType(pty)))
        else:
            raise UnsupportedModule(f"import kind {imp.kind}")
    return externs


# ---------------------------------------------------------------------------- calls


def _trap_kind(trap: wasmtime.Trap) -> str:
    code = trap.trap_code
    if code is not None:
        return code.name.lower()
    lines = [ln.strip() for ln in trap.message.splitlines() if ln.strip()]
    return lines[-1] if lines else "trap"


def _error_kind(err: wasmtime.WasmtimeError) -> str:
    lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
    return lines[-1] if lines else "error"


def _take_exception(ctx: Any) -> tuple[str, ...] | None:
    exn = ffi.wasmtime_exnref_t()
    if not ffi.wasmtime_context_take_exception(ctx, byref(exn)):
        return None
    values: list[str] = []
    try:
        n = ffi.wasmtime_exnref_field_count(ctx, byref(exn))
        for i in range(n):
            v = ffi.wasmtime_val_t()
            err = ffi.wasmtime_exnref_field(ctx, byref(exn), i, byref(v))
            if err:
                values.append(_error_kind(wasmtime.WasmtimeError._from_ptr(err)))
                continue
            values.append(_read_val(ctx, v))
            _unroot(v)
    finally:
        ffi.wasmtime_exnref_unroot(byref(exn))
    return tuple(values)


def _call(
    store: wasmtime.Store,
    func: wasmtime.Func,
    info: ModuleInfo,
    ft: FuncType,
    argset: int,
    fuel: int,
    log: _HostLog,
) -> CallResult:
    ctx = store._context()
    made: list[tuple[ffi.wasmtime_val_t, str]] = []
    for pos, vt in enumerate(ft.params):
        a = _make_arg(ctx, info, vt, pos, argset)
        if a is None:
            for v, _ in made:
                _unroot(v)
            return CallResult(tuple(s for _, s in made), "skipped", trap=f"cannot make a {vt} argument")
        made.append(a)
    args = (ffi.wasmtime_val_t * max(1, len(made)))(*[v for v, _ in made])
    results = (ffi.wasmtime_val_t * max(1, len(ft.results)))()
    arg_strs = tuple(s for _, s in made)
    store.set_fuel(fuel)
    trap = POINTER(ffi.wasm_trap_t)()
    err = ffi.wasmtime_func_call(
        ctx, byref(func._func), args, len(made), results, len(ft.results), byref(trap)
    )
    for i in range(len(made)):
        _unroot(args[i])
    if err:
        return CallResult(
            arg_strs, "error", trap=_error_kind(wasmtime.WasmtimeError._from_ptr(err)), host_calls=log.take()
        )
    if trap:
        t = wasmtime.Trap._from_ptr(trap)
        payload = _take_exception(ctx)
        if payload is not None:
            return CallResult(arg_strs, "exception", payload, "uncaught exception", host_calls=log.take())
        return CallResult(arg_strs, "trap", trap=_trap_kind(t), host_calls=log.take())
    values = []
    for i in range(len(ft.results)):
        values.append(_read_val(ctx, results[i]))
        _unroot(results[i])
    return CallResult(arg_strs, "ok", tuple(values), host_calls=log.take())


def _global_value(store: wasmtime.Store, g: wasmtime.Global) -> str:
    ctx = store._context()
    v = ffi.wasmtime_val_t()
    ffi.wasmtime_global_get(ctx, byref(g._global), byref(v))
    s = _read_val(ctx, v)
    _unroot(v)
    return s


def _memory_state(store: wasmtime.Store, m: wasmtime.Memory) -> tuple[int, str]:
    size = m.data_len(store)
    data = ctypes.string_at(m.data_ptr(store), size) if size else b""
    return size, hashlib.sha256(data).hexdigest()


def _table_state(store: wasmtime.Store, t: wasmtime.Table, limit: int = 1 << 16) -> tuple[int, str]:
    """Size and a digest of the first `limit` elements."""
    ctx = store._context()
    size = ffi.wasmtime_table_size(ctx, byref(t._table))
    h = hashlib.sha256()
    for i in range(min(size, limit)):
        v = ffi.wasmtime_val_t()
        if ffi.wasmtime_table_get(ctx, byref(t._table), i, byref(v)):
            h.update(_read_val(ctx, v).encode())
            h.update(b";")
            _unroot(v)
    return int(size), h.hexdigest()


def _exported_state(store: wasmtime.Store, info: ModuleInfo, exports: Any) -> tuple[str, ...]:
    out: list[str] = []
    for exp in info.exports:
        item = exports[exp.name]
        if exp.kind == "global":
            out.append(f"{exp.name}={_global_value(store, item)}")
        elif exp.kind in ("memory", "table"):
            # After every call: tables only by their size and first elements, to stay cheap.
            size, digest = (
                _memory_state(store, item) if exp.kind == "memory" else _table_state(store, item, 256)
            )
            out.append(f"{exp.name}={exp.kind}:{size}:{digest}")
    return tuple(out)


def _isolated_call(
    module: wasmtime.Module,
    info: ModuleInfo,
    name: str,
    ft: FuncType,
    argset: int,
    fuel: int,
    memory_limit: int,
) -> CallResult:
    """One call in a fresh store and instance, with the exported state it leaves."""
    store = wasmtime.Store(engine(True))
    store.set_limits(memory_size=memory_limit, table_elements=1 << 20)
    log = _HostLog()
    store.set_fuel(fuel)
    try:
        instance = wasmtime.Instance(store, module, _default_imports(store, info, log))
    except wasmtime.WasmtimeError as e:  # it instantiated once: only resource limits get here
        return CallResult((), "error", trap=f"instantiation: {_error_kind(e)}")
    log.take()
    exports = instance.exports(store)
    func = exports[name]
    assert isinstance(func, wasmtime.Func)
    call = _call(store, func, info, ft, argset, fuel, log)
    return replace(call, state=_exported_state(store, info, exports))


def run_exports(
    wasm: bytes | str,
    *,
    arg_sets: int = 2,
    fuel: int = DEFAULT_FUEL,
    memory_limit: int = DEFAULT_MEMORY_LIMIT,
    isolate: bool = False,
) -> dict[str, Outcome]:
    """Instantiates ``wasm`` and calls every exported function ``arg_sets`` times (argument
    set 0 is all zeros / nulls; set 1 mixes fixed edge values, later sets rotate them).
    Returns one
    :class:`Outcome` per export name, or only ``"<instantiate>"`` when instantiation fails.
    Raises :class:`UnsupportedModule` for imports that cannot be defaulted.

    With ``isolate``, each call gets a fresh instance (so one call's trap or spent state,
    e.g. the fuel global of smith's ``--ensure-termination``, does not decide the next
    one) and records the exported state it leaves in ``CallResult.state``; the global,
    memory and table outcomes are then those right after instantiation."""
    binary = bytes(wasmtime.wat2wasm(wasm)) if isinstance(wasm, str) else wasm
    info = decode_module(binary)
    eng = engine(True)
    try:
        module = wasmtime.Module(eng, binary)
    except wasmtime.WasmtimeError as e:
        raise UnsupportedModule(f"wasmtime cannot compile it: {_error_kind(e)}") from e
    store = wasmtime.Store(eng)
    store.set_limits(memory_size=memory_limit, table_elements=1 << 20)
    log = _HostLog()
    store.set_fuel(fuel)
    try:
        imports = _default_imports(store, info, log)
        instance = wasmtime.Instance(store, module, imports)
    except wasmtime.Trap as t:
        payload = _take_exception(store._context())
        status = "exception" if payload is not None else "trap"
        return {
            "<instantiate>": Outcome(
                "instantiate", (CallResult((), status, payload or (), _trap_kind(t), log.take()),)
            )
        }
    except wasmtime.WasmtimeError as e:
        return {
            "<instantiate>": Outcome(
                "instantiate", (CallResult((), "error", (), _error_kind(e), log.take()),)
            )
        }
    start_calls = log.take()
    exports = instance.exports(store)
    out: dict[str, Outcome] = {}
    for exp in info.exports:
        if exp.kind != "func":
            continue
        func = exports[exp.name]
        assert isinstance(func, wasmtime.Func)
        ft = info.func_type(exp.index)
        if isolate:
            calls = tuple(
                _isolated_call(module, info, exp.name, ft, a, fuel, memory_limit) for a in range(arg_sets)
            )
        else:
            calls = tuple(_call(store, func, info, ft, a, fuel, log) for a in range(arg_sets))
        out[exp.name] = Outcome("func", calls)
    for exp in info.exports:
        item = exports[exp.name]
        if exp.kind == "global":
            assert isinstance(item, wasmtime.Global)
            out[exp.name] = Outcome("global", value=_global_value(store, item))
        elif exp.kind == "memory":
            assert isinstance(item, wasmtime.Memory)
            size, digest = _memory_state(store, item)
            out[exp.name] = Outcome("memory", size=size, digest=digest)
        elif exp.kind == "table":
            assert isinstance(item, wasmtime.Table)
            size, digest = _table_state(store, item)
            out[exp.name] = Outcome("table", size=size, digest=digest)
        elif exp.kind == "tag":
            out[exp.name] = Outcome("tag")
    if start_calls:
        out["<start>"] = Outcome("instantiate", (CallResult((), "ok", host_calls=start_calls),))
    return out


def diff_outcomes(before: dict[str, Outcome], after: dict[str, Outcome]) -> list[str]:
    """Human-readable differences (empty when equal)."""
    diffs: list[str] = []
    for name in sorted(set(before) | set(after)):
        a, b = before.get(name), after.get(name)
        if a == b:
            continue
        if a is None or b is None:
            diffs.append(f"{name}: only in {'after' if a is None else 'before'}")
            continue
        if a.calls != b.calls:
            for i, (ca, cb) in enumerate(zip(a.calls, b.calls, strict=False)):
                if ca != cb:
                    diffs.append(f"{name} call {i}: {ca} != {cb}")
        for attr in ("value", "size", "digest"):
            if getattr(a, attr) != getattr(b, attr):
                diffs.append(f"{name} {attr}: {getattr(a, attr)} != {getattr(b, attr)}")
    return diffs


def runs_the_same(before: bytes, after: bytes) -> list[str] | None:
    """`diff_outcomes` of two text modules' exports, or None when the engine cannot run the
    first (the second is then not even compiled)."""
    try:
        outcome = run_exports(wasmtools.parse(before))
    except UnsupportedModule:
        return None
    return diff_outcomes(outcome, run_exports(wasmtools.parse(after)))


def _out_of_fuel(c: CallResult | None) -> bool:
    return c is not None and c.status == "trap" and c.trap == "out_of_fuel"


def diff_until_out_of_fuel(
    before: dict[str, Outcome], after: dict[str, Outcome], isolated: bool = False
) -> tuple[list[str], bool]:
    """:func:`diff_outcomes`, for runs of two programs that may spend different fuel on the
    same work (a pass adds or removes instructions). Calls are compared in the order they
    were made; from the first call that ran out of fuel in either run on, nothing more can
    be compared (the state it left is partial), so the differences found before it are
    returned with ``True``. For runs with ``isolate=True`` (``isolated``), only that call
    is left out."""
    funcs_a = [(n, o) for n, o in before.items() if o.kind == "func"]
    funcs_b = [(n, o) for n, o in after.items() if o.kind == "func"]
    if [n for n, _ in funcs_a] != [n for n, _ in funcs_b]:
        return diff_outcomes(before, after), False
    diffs: list[str] = []
    partial = False
    for (name, a), (_, b) in zip(funcs_a, funcs_b, strict=True):
        for i in range(max(len(a.calls), len(b.calls))):
            ca = a.calls[i] if i < len(a.calls) else None
            cb = b.calls[i] if i < len(b.calls) else None
            if _out_of_fuel(ca) or _out_of_fuel(cb):
                if not isolated:
                    return diffs, True
                partial = True
                continue
            if ca != cb:
                diffs.append(f"{name} call {i}: {ca} != {cb}")
    rest_a = {n: o for n, o in before.items() if o.kind != "func"}
    rest_b = {n: o for n, o in after.items() if o.kind != "func"}
    return diffs + diff_outcomes(rest_a, rest_b), partial


@dataclass
class _Stats:
    """Counters for a corpus run (used by tests to report coverage)."""

    modules: int = 0
    unsupported: int = 0
    instantiate_failed: int = 0
    calls: dict[str, int] = field(default_factory=dict)

    def add(self, outcomes: dict[str, Outcome]) -> None:
        self.modules += 1
        if "<instantiate>" in outcomes:
            self.instantiate_failed += 1
        for o in outcomes.values():
            for c in o.calls:
                self.calls[c.status] = self.calls.get(c.status, 0) + 1


def corpus_stats(modules: Sequence[bytes]) -> _Stats:
    stats = _Stats()
    for wasm in modules:
        try:
            stats.add(run_exports(wasm))
        except UnsupportedModule:
            stats.modules += 1
            stats.unsupported += 1
    return stats
