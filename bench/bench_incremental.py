"""Incremental benchmark: one-character edits in the middle of a 65 MB module.

    python bench/bench_incremental.py [--size 65MB] [--edits 7] [--full-repeat 3] [--seed 0]

The input is ``bench/genwat.py``'s module of ``--size`` (shared with ``bench_parse.py``).
It is parsed with ``wat_lsp.analysis.syntax.new_parser()`` and read once (the model a
server holds; `analyse` validates it too). Then, for ``--edits`` functions around the middle of the file, two kinds of
one-character edit in an ``i32.const`` operand: a digit replaced by another (byte offsets
after it do not move) and a digit inserted (everything after it moves by one byte). We time:

* ``tree.edit(...)`` with the byte and (row, column) positions, then
  ``parser.parse(new_bytes, old_tree)``: the incremental re-parse;
* finding the function around the edit (``descendant_for_byte_range``, then up to ``func``);
* re-reading that function alone with ``analysis.reader.read_function_body`` against the
  module-level context of the model already read (names, types, signatures);
* validating that function alone (``analysis.validate.validate_function``);

check that the function read again is the old one with exactly that immediate changed, and
compare with a full parse of the edited bytes without the old tree (median of
``--full-repeat``) and with the full read of the module. Times are medians over the edits.

``read_function_body(reader, func, node, type_names)`` takes a ``ModuleReader``; here that is
a fresh reader over the new bytes whose ``module`` is the model already read (so names,
types and signatures resolve as before) -- see ``_reread`` below. After an insertion the
spans of the *other* functions in that model are stale by one byte past the edit; shifting
them (or keeping spans relative to their function) is the document layer's job, not timed.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from bench_parse import ensure_input  # noqa: E402
from tree_sitter import Node, Parser, Point, Tree  # noqa: E402
from wat_lsp.analysis import syntax  # noqa: E402
from wat_lsp.analysis.document import analyse  # noqa: E402
from wat_lsp.analysis.model import Func, Module  # noqa: E402
from wat_lsp.analysis.reader import ModuleReader, read_function_body  # noqa: E402
from wat_lsp.analysis.validate import module_context, validate_function  # noqa: E402

T = TypeVar("T")
_CONST = re.compile(rb"i32\.const (-?\d{1,8})\b")  # room for one more digit


def timed(fn: Callable[..., T], *args: object) -> tuple[float, T]:
    t0 = time.perf_counter()
    value = fn(*args)
    return time.perf_counter() - t0, value


def point(data: bytes, offset: int) -> Point:
    """tree-sitter's (row, column) of a byte offset; the column counts bytes."""
    row = data.count(b"\n", 0, offset)
    return Point(row, offset - (data.rfind(b"\n", 0, offset) + 1))


def edit_site(data: bytes, f: Func) -> int | None:
    """Offset of the last digit of the first `i32.const` operand in `f`'s body."""
    if f.body_span is None:
        return None
    m = _CONST.search(data, f.body_span.start, f.body_span.end)
    return m.end(1) - 1 if m is not None else None


def enclosing_func(tree: Tree, start: int, end: int) -> Node | None:
    node: Node | None = tree.root_node.descendant_for_byte_range(start, end)
    while node is not None and node.type != "func":
        node = node.parent
    return node


def module_node(tree: Tree) -> Node:
    return next(n for n in tree.root_node.named_children if n.type == "module")


def _reread(data: bytes, tree: Tree, module: Module, old: Func, node: Node) -> tuple[Func, ModuleReader]:
    """One function read again from the new text, against the module read before."""
    reader = ModuleReader(data, module_node(tree))
    reader.module = module  # names, types, signatures: unchanged by an edit inside a body
    f = Func(old.index, old.name, old.span, old.name_span, old.type_idx, old.params, old.results, [], [])
    read_function_body(reader, f, node, reader._types())
    return f, reader


KINDS = {
    "replace": "one digit of an i32.const replaced by another (same length)",
    "insert": "one digit inserted after an i32.const operand (everything after moves by 1)",
}
STEPS = ("edit", "reparse", "changed", "locate", "reread", "validate")


def _one_edit(
    kind: str, data: bytes, tree: Tree, parser: Parser, module: Module, ctx: object, f: Func, pos: int
) -> tuple[bytes, dict[str, float], str]:
    """Applies one edit at `pos` (the last digit of an operand in `f`) to a copy of `tree`,
    re-parses, re-reads and validates `f`; checks the result is `f` with one immediate
    changed. Returns the new text, the time of each step and a description."""
    old = data[pos : pos + 1]
    if kind == "replace":
        new = str((int(old) + 1) % 10).encode()
        start, old_end, new_end = pos, pos + 1, pos + 1
        new_data = data[:pos] + new + data[pos + 1 :]
        note = f"`{old.decode()}` -> `{new.decode()}` at byte {pos:,}"
    else:
        start, old_end, new_end = pos + 1, pos + 1, pos + 2
        new_data = data[:start] + b"7" + data[start:]
        note = f"`7` inserted at byte {start:,}"
    old_tree = tree.copy()  # each edit starts from the tree of the unedited text
    at = point(data, start)
    old_at = point(data, old_end)
    new_at = Point(at.row, at.column + (new_end - start))
    t: dict[str, float] = {}
    t["edit"], _ = timed(old_tree.edit, start, old_end, new_end, at, old_at, new_at)
    t["reparse"], new_tree = timed(parser.parse, new_data, old_tree)
    t["changed"], _ = timed(old_tree.changed_ranges, new_tree)
    t["locate"], node = timed(enclosing_func, new_tree, start, new_end)
    assert node is not None and node.start_byte == f.span.start, "edit not inside the function"
    t["reread"], (nf, reader) = timed(_reread, new_data, new_tree, module, f, node)
    t["validate"], vdiags = timed(validate_function, module, nf, ctx)
    assert not reader.diags and not vdiags, (reader.diags[:3], vdiags[:3])
    assert len(nf.body) == len(f.body) and len(nf.locals) == len(f.locals)
    diff = [i for i, (a, b) in enumerate(zip(f.body, nf.body, strict=True)) if a.imms != b.imms]
    assert len(diff) == 1 and nf.body[diff[0]].start <= pos < nf.body[diff[0]].end, diff
    return new_data, t, f"{note} (line {at.row + 1})"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:10.2f} ms"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--size", default="65MB")
    ap.add_argument("--edits", type=int, default=7)
    ap.add_argument("--full-repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    path = ensure_input(args.size, args.seed)
    data = path.read_bytes()
    parser: Parser = syntax.new_parser()
    t_parse, tree = timed(parser.parse, data)
    t_read, doc = timed(analyse, data, tree)
    module = next(m.read.module for m in doc.modules if m.read is not None)
    defined = [f for f in module.funcs if f.import_ is None and f.body_span is not None]
    print(
        f"input: {path.name}, {len(data):,} bytes, {len(defined):,} defined functions, "
        f"{sum(len(f.body) for f in defined):,} instructions, {len(doc.diagnostics)} diagnostics"
    )
    print(f"initial full parse {t_parse:.2f} s, full analyse (read + validate) {t_read:.2f} s")
    t_ctx, ctx = timed(module_context, module)
    print(f"validation context of the module (cached by analyse) {t_ctx:.2f} s")

    # Edits: functions around the middle of the file, each with an i32.const to change.
    middle = len(defined) // 2
    sites: list[tuple[Func, int]] = []
    for f in defined[middle:]:
        pos = edit_site(data, f)
        if pos is not None:
            sites.append((f, pos))
        if len(sites) == args.edits:
            break

    fulls: list[float] = []
    for kind in KINDS:
        rows: dict[str, list[float]] = {k: [] for k in STEPS}
        print(f"\n{kind}: {KINDS[kind]}")
        for f, pos in sites:
            new_data, times, note = _one_edit(kind, data, tree, parser, module, ctx, f, pos)
            for k in STEPS:
                rows[k].append(times[k])
            print(
                f"  func {f.index} ({len(f.body)} instructions), {note}: "
                f"reparse {times['reparse'] * 1000:.2f} ms"
            )
        if not fulls:
            fulls = [timed(parser.parse, new_data)[0] for _ in range(max(1, args.full_repeat))]
        full = statistics.median(fulls)
        med = {k: statistics.median(v) for k, v in rows.items()}
        total = sum(med[k] for k in STEPS if k != "changed")
        print(f"  medians over {len(sites)} edits:")
        print(f"    tree.edit                              {_ms(med['edit'])}")
        print(f"    incremental parse (old tree)           {_ms(med['reparse'])}")
        print(
            f"    full parse (no old tree), median of {len(fulls)} {_ms(full)}"
            f"   -> incremental {full / med['reparse']:,.0f}x faster"
        )
        print(f"    changed_ranges (old vs new tree)       {_ms(med['changed'])}")
        print(f"    find the enclosing func                {_ms(med['locate'])}")
        print(
            f"    re-read that function                  {_ms(med['reread'])}   (full analyse {t_read:.2f} s)"
        )
        print(f"    validate that function                 {_ms(med['validate'])}")
        print(f"    edit + reparse + locate + re-read + validate {_ms(total)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
