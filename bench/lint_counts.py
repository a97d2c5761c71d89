"""Counts of each lint over the spec test suite and `wasm-tools smith` modules, with samples to
read and automatic checks for false positives:

- `unused-item` on an item that is exported, or that the occurrence index finds used;
- `unreachable-code` on an instruction the CFG (`analysis/cfg.py`) finds reachable, where
  the CFG is precise;
- `shadowed-label` whose name no enclosing block has;
- the `fix-lints` pass's output for smith modules does not validate (`wasm-tools validate`).

    python bench/lint_counts.py [--smith 200] [--samples 3] [--no-spec]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wat_lsp.analysis.cfg import build_cfg
from wat_lsp.analysis.document import Document, analyse
from wat_lsp.analysis.ide import references
from wat_lsp.analysis.lints.registry import CODES
from wat_lsp.analysis.model import ArrayType, Func, Module, StructType
from wat_lsp.analysis.positions import LineIndex
from wat_lsp.analysis.subtyping import TypeTable
from wat_lsp.passes.edits import apply_edits
from wat_lsp.passes.fix_lints import fix_all
from wat_lsp.passes.targets import func_at, module_at

from tests.corpus import core_files, proposal_files

_SPACES = {"func": "funcs", "type": "types", "table": "tables", "memory": "memories", "global": "globals",
           "tag": "tags", "elem": "elems", "data": "datas"}  # fmt: skip


def suspicious(doc: Document) -> list[str]:
    """What the automatic checks find wrong with the document's lints."""
    out: list[str] = []
    for d in doc.diagnostics:
        if d.code == "unused-item":
            m = module_at(doc, d.span)
            assert m is not None and m.read is not None
            space, index = d.data["space"], d.data["index"]
            assert isinstance(space, str) and isinstance(index, int)
            item = getattr(m.read.module, _SPACES[space])[index]
            if getattr(item, "exports", None) or any(
                ex.kind == space and ex.index == index for ex in m.read.module.exports
            ):
                out.append(f"unused-item on an exported item at {d.span}")
            key = references.Key(doc.modules.index(m), space, -1, index)
            uses = [o for o in references.index(doc).of(key) if o.role != "decl"]
            if uses:
                out.append(f"unused-item with {len(uses)} references at {d.span}")
        elif d.code == "unreachable-code":
            f = func_at(doc, d.span, d.data.get("func"))
            assert isinstance(f, Func)
            cfg = build_cfg(f)
            if cfg.precise:
                for k, ins in enumerate(f.body):
                    inside = d.span.start <= ins.ostart and ins.oend <= d.span.end
                    if inside and cfg.reachable[cfg.block_of[k]]:
                        out.append(f"unreachable-code on reachable `{ins.op.name}` at {ins.start}")
                        break
        elif d.code == "mut-never-set":
            m = module_at(doc, d.span)
            assert m is not None and m.read is not None
            g = d.data.get("index")
            if any(ex.kind == "global" and ex.index == g for ex in m.read.module.exports):
                out.append(f"mut-never-set on an exported global at {d.span}")
            t, k = d.data.get("type"), d.data.get("field")
            if isinstance(t, int) and isinstance(k, int):
                out.extend(_field_written(m.read.module, t, k))
        elif d.code == "shadowed-label":
            inner = doc.data[d.span.start : d.span.end].split()[1:2]
            outer = (
                doc.data[d.related[0].span.start : d.related[0].span.end].split()[1:2] if d.related else []
            )
            if not inner or inner != outer:
                out.append(f"shadowed-label without the same name at {d.span}")
    return out


def _ancestors(table: TypeTable, t: int, k: int) -> set[int]:
    """The canonical ids of `t` and its supertypes that have a field `k`."""
    out: set[int] = set()
    x: int | None = t
    while x is not None and len(out) <= table.n:
        comp = table.module.types[x].comp
        n = len(comp.fields) if isinstance(comp, StructType) else 1 if isinstance(comp, ArrayType) else 0
        if k < n:
            out.add(table.canon[x])
        x = table.super[x]
    return out


def _field_written(module: Module, t: int, k: int) -> list[str]:
    """A write of field `k` through a type sharing an ancestor having that field with `t`
    (a check written apart from the lint's union-find)."""
    table = TypeTable(module)
    mine = _ancestors(table, t, k)
    out: list[str] = []
    for f in module.funcs:
        for ins in f.body:
            name = ins.op.name
            if name in (
                "struct.set",
                "array.set",
                "array.fill",
                "array.copy",
                "array.init_data",
                "array.init_elem",
            ):
                u = ins.imms[0] if ins.imms else None
                field = ins.imms[1] if name == "struct.set" and len(ins.imms) > 1 else 0
                if isinstance(u, int) and field == k and 0 <= u < table.n and mine & _ancestors(table, u, k):
                    out.append(f"mut-never-set on field {k} of type {t} written by `{name}` at {ins.start}")
    return out


def validates(text: bytes) -> bool:
    r = subprocess.run(["wasm-tools", "validate", "--features", "all", "-"], input=text, capture_output=True)
    return r.returncode == 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smith", type=int, default=200, help="smith modules (seeds 0..N-1)")
    ap.add_argument("--samples", type=int, default=3, help="samples to print per code and corpus")
    ap.add_argument("--no-spec", action="store_true")
    args = ap.parse_args()
    rng = random.Random(0)
    corpora: list[tuple[str, list[tuple[str, bytes]]]] = []
    if not args.no_spec:
        corpora.append(("spec", [(str(p.name), p.read_bytes()) for p in core_files() + proposal_files()]))
    if args.smith:
        from tests.oracles import wasmtools

        corpora.append(
            ("smith", [(f"seed {s}", wat.encode()) for s, _w, wat in wasmtools.smith_corpus(args.smith)])
        )
    problems = 0
    for corpus, docs in corpora:
        counts: Counter[str] = Counter()
        found: dict[str, list[str]] = {c: [] for c in sorted(CODES)}
        fix_bad = fix_ok = 0
        t0 = time.process_time()
        for name, data in docs:
            doc = analyse(data)
            lines = LineIndex(data)
            for d in doc.diagnostics:
                if d.code in CODES:
                    counts[d.code] += 1
                    line = lines.position(d.span.start, "utf-8")[0] + 1
                    snippet = data[d.span.start : min(d.span.end, d.span.start + 80)].decode(
                        "utf-8", "replace"
                    )
                    found[d.code].append(f"{name}:{line}: {d.message} | {snippet!r}")
            for s in suspicious(doc):
                problems += 1
                print(f"SUSPICIOUS {corpus} {name}: {s}")
            if corpus == "smith":
                edits = fix_all(doc)
                if edits:
                    if validates(apply_edits(data, edits)):
                        fix_ok += 1
                    else:
                        fix_bad += 1
                        problems += 1
                        print(f"FIX INVALID {name}")
        cpu = time.process_time() - t0
        print(f"\n== {corpus}: {len(docs)} documents, {cpu:.1f} s CPU")
        for code in sorted(CODES):
            print(f"{code:20} {counts[code]:6}")
        if corpus == "smith":
            print(f"fix-lints: {fix_ok} modules fixed and valid, {fix_bad} invalid")
        for code, items in found.items():
            for s in rng.sample(items, min(args.samples, len(items))):
                print(f"  sample {code}: {s}")
    print(f"\n{problems} suspicious findings")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
