#!/usr/bin/env python3
"""Parse every .wast of the spec test suite and count ERROR / MISSING nodes.

Usage (from anywhere):

    python3 grammar/check_corpus.py [--testsuite DIR] [--lib SO] [-v] [--all]

* The parser is compiled from grammar/src/parser.c + grammar/src/scanner.c into
  a temporary shared library with the system C compiler (``cc``; falls back to
  ``tree-sitter build``), unless ``--lib`` names an already built one.
* It is loaded with ctypes and handed to py-tree-sitter (0.23 .. 0.26) as a
  ``tree_sitter.Language`` capsule.
* Output: one line per file with a non-zero count (every file with ``--all``):
  ``errors missing path [first error line:col]``, then totals per group: the
  test-suite root, legacy/, custom/ (the goal: zero everywhere) and each
  proposals/<name>/ (reported separately).
* Exit status: 0 when root, legacy/ and custom/ are clean, 1 otherwise.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import tree_sitter

HERE = Path(__file__).resolve().parent
# the suite vendored in the repository, or the copy WAT_LSP_TESTSUITE names (as for the tests)
DEFAULT_TESTSUITE = Path(os.environ.get("WAT_LSP_TESTSUITE") or HERE.parent / "tests" / "testsuite")


def build_library(out: Path) -> None:
    src = HERE / "src"
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if cc:
        subprocess.run(
            [cc, "-shared", "-fPIC", "-O2", "-std=c11", "-I", str(src),
             str(src / "parser.c"), str(src / "scanner.c"), "-o", str(out)],
            check=True,
        )
    else:
        subprocess.run(["tree-sitter", "build", "-o", str(out), str(HERE)], check=True)


def load_language(lib_path: Path) -> tree_sitter.Language:
    lib = ctypes.cdll.LoadLibrary(str(lib_path))
    lib.tree_sitter_wat.restype = ctypes.c_void_p
    ptr = lib.tree_sitter_wat()
    capsule_new = ctypes.pythonapi.PyCapsule_New
    capsule_new.restype = ctypes.py_object
    capsule_new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
    capsule = capsule_new(ptr, b"tree_sitter.Language", None)
    return tree_sitter.Language(capsule)


def count_problems(tree: tree_sitter.Tree) -> tuple[int, int, tuple[int, int] | None]:
    """(#ERROR, #MISSING, (line, col) of the first one), without recursion.

    Only subtrees whose root has_error are entered."""
    errors = missing = 0
    first: tuple[int, int] | None = None
    root = tree.root_node
    if not root.has_error:
        return 0, 0, None
    cursor = root.walk()
    while True:
        node = cursor.node
        descend = False
        if node is not None:
            if node.is_error:
                errors += 1
            if node.is_missing:
                missing += 1
            if (node.is_error or node.is_missing) and first is None:
                first = (node.start_point[0] + 1, node.start_point[1] + 1)
            descend = node.has_error
        if descend and cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return errors, missing, first


def group_of(rel: Path) -> str:
    parts = rel.parts
    if len(parts) == 1:
        return "(root)"
    if parts[0] == "proposals" and len(parts) > 2:
        return f"proposals/{parts[1]}"
    return parts[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--testsuite", type=Path, default=DEFAULT_TESTSUITE)
    ap.add_argument("--lib", type=Path, help="prebuilt parser shared library")
    ap.add_argument("--all", action="store_true", help="print clean files too")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        lib = args.lib
        if lib is None:
            lib = Path(tmp) / "wat.so"
            build_library(lib)
        parser = tree_sitter.Parser(load_language(lib))

        files = sorted(args.testsuite.rglob("*.wast"))
        groups: dict[str, list[int]] = {}
        t_total = 0.0
        nbytes = 0
        for path in files:
            rel = path.relative_to(args.testsuite)
            data = path.read_bytes()
            nbytes += len(data)
            t0 = time.perf_counter()
            tree = parser.parse(data)
            t_total += time.perf_counter() - t0
            err, mis, first = count_problems(tree)
            g = groups.setdefault(group_of(rel), [0, 0, 0, 0])
            g[0] += 1
            g[1] += err
            g[2] += mis
            g[3] += 1 if err or mis else 0
            if err or mis or args.all:
                where = f" first at {first[0]}:{first[1]}" if first else ""
                print(f"{err:6d} {mis:6d}  {rel}{where}")

    print()
    print(f"{'group':28s} {'files':>6s} {'ERROR':>7s} {'MISSING':>8s} {'bad files':>10s}")
    core_bad = 0
    for name in sorted(groups, key=lambda n: (n.startswith("proposals"), n)):
        files_n, err, mis, bad = groups[name]
        print(f"{name:28s} {files_n:6d} {err:7d} {mis:8d} {bad:10d}")
        if not name.startswith("proposals"):
            core_bad += err + mis
    core = [v for k, v in groups.items() if not k.startswith("proposals")]
    prop = [v for k, v in groups.items() if k.startswith("proposals")]
    for label, rows in (("TOTAL root+legacy+custom", core), ("TOTAL proposals", prop)):
        print(f"{label:28s} {sum(r[0] for r in rows):6d} {sum(r[1] for r in rows):7d} "
              f"{sum(r[2] for r in rows):8d} {sum(r[3] for r in rows):10d}")
    print(f"\nparsed {len(files)} files, {nbytes / 1e6:.1f} MB in {t_total:.2f} s")
    return 1 if core_bad else 0


if __name__ == "__main__":
    sys.exit(main())
