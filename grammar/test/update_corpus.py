#!/usr/bin/env python3
"""Rewrite the expected trees in test/corpus/*.txt, *with field names*.

`tree-sitter test --update` writes expected trees without fields; the reader
relies on fields, so the corpus pins them too.  Review the diff after running:

    python3 grammar/test/update_corpus.py [--lib /tmp/wat.so]
"""
import argparse
import re
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from check_corpus import build_library, load_language  # noqa: E402

import tree_sitter  # noqa: E402

HEADER = re.compile(r"^(={3,})\n(.*?)\n\1\n(.*?)\n(-{3,})\n(.*?)(?=^={3,}\n|\Z)", re.S | re.M)


def sexp(node, field=None, depth=0):
    pad = "  " * depth
    head = f"{field}: " if field else ""
    if node.is_missing:
        return f"{pad}{head}(MISSING {node.type})"
    named = []
    for i, child in enumerate(node.children):
        if child.is_named or child.is_missing:
            named.append((node.field_name_for_child(i), child))
    if not named:
        return f"{pad}{head}({node.type})"
    inner = "\n".join(sexp(c, f, depth + 1) for f, c in named)
    return f"{pad}{head}({node.type}\n{inner})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        lib = args.lib or Path(tmp) / "wat.so"
        if not args.lib:
            build_library(lib)
        parser = tree_sitter.Parser(load_language(lib))
        for path in sorted((HERE / "corpus").glob("*.txt")):
            text = path.read_text()
            out = []
            for m in HEADER.finditer(text):
                bar, name, src, dash, _ = m.groups()
                if ":error" in name.splitlines()[1:]:
                    # expected: some ERROR/MISSING; no tree is pinned
                    out.append(f"{bar}\n{name}\n{bar}\n{src}\n{dash}\n\n")
                    continue
                tree = parser.parse(src.encode())
                out.append(f"{bar}\n{name}\n{bar}\n{src}\n{dash}\n\n{sexp(tree.root_node)}\n\n")
            path.write_text("".join(out).rstrip("\n") + "\n")


if __name__ == "__main__":
    main()
