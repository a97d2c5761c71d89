"""The cheaper paths of whole-document answers on pathological documents (issues 17 and 18):
ranged queries from the fields around the range (`queries.pieces`), folds from the early
document, occurrences of a numbers-only function from its header, the fold rewrites' trees
freed without the cyclic collector, comments found only where a `;` is. Each gives what the
general path gives, exactly."""

from __future__ import annotations

import gc
import io
import sys
from pathlib import Path

from tree_sitter import Node
from wat_lsp.analysis import early, syntax
from wat_lsp.analysis.document import Document, analyse, paused_gc
from wat_lsp.analysis.ide import folding, function_cache, references, semantic_tokens
from wat_lsp.analysis.ide.rewrites import fold
from wat_lsp.analysis.positions import LineIndex

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))
import genwat  # noqa: E402

MODULE = """\
(module
  (type $t (struct (field $x i32)))
  ;; a comment between fields
  (func $imp (import "m" "f") (param i32))
  (global $g (mut i32) (i32.const 0))
  (func $nums (export "nums") (param $p i32) (result i32)
    (local $l i64)
    (i32.add
      (i32.add (i32.const 1) (i32.const 2)) ;; a comment
      (i32.const 3)))
  (func $uses (param $p i32) (result i32)
    (block $b (result i32) (local.get $p)))
  (func $select (result i32)
    (select (result i32) (i32.const 1) (i32.const 2) (i32.const 0)))
  (func $ref (result (ref null $t)) (ref.null $t))
  (func $empty)
  (; a block
     comment ;)
  (func $plain (result f64) f64.const 1.5 f64.const 2 f64.add)
)
"""


def _names(captures: dict[str, list[Node]], start: int, end: int) -> set[tuple[str, int, int]]:
    return {
        (name, n.start_byte, n.end_byte)
        for name, ns in captures.items()
        for n in ns
        if start <= n.start_byte < end
    }


def _ranges(doc: Document) -> list[tuple[int, int]]:
    """Each function field, each gap between them, and a few that cut through fields."""
    lay = function_cache.layout(doc)
    assert lay is not None
    n = len(doc.data)
    return [
        *zip(lay.starts, lay.ends, strict=True),
        *lay.gaps(n),
        (0, n // 3),
        (n // 3, 2 * n // 3),
        (n // 2, n),
        (40, 41),
        (n - 1, n),
    ]


def test_ranged_queries_from_the_fields_equal_those_from_the_root() -> None:
    doc = analyse(MODULE.encode())
    root = doc.tree.root_node
    for start, end in _ranges(doc):
        lexical = semantic_tokens._lexical(doc, start, end)
        assert _names(lexical, start, end) == _names(
            semantic_tokens._query().captures(root, start, end), start, end
        )
        folds = folding._captures(doc, start, end)
        assert _names(folds, start, end) == _names(folding._query().captures(root, start, end), start, end)
    module = doc.tree.root_node.named_children[0]
    assert ("region", module.start_byte, module.end_byte) in _names(folding._captures(doc, 0, 10), 0, 10)


def test_ranged_tokens_and_folds_equal_the_whole_cut_to_the_range() -> None:
    doc = analyse(MODULE.encode())
    index = LineIndex(doc.data)
    n = len(doc.data)
    whole = semantic_tokens._items(doc, references.index(doc).in_range(0, n), 0, n)
    assert len(whole) > 60
    for start, end in _ranges(doc):
        ranged = semantic_tokens._items(doc, references.in_range(doc, start, end), start, end)
        assert ranged == [t for t in whole if start <= t[0] < end]
    assert sorted(folding.folds_by_function(doc, index)) == folding.folds(doc, index)


def _generated(size: int) -> bytes:
    out = io.StringIO()
    genwat.generate(out, size=size, seed=5)
    return out.getvalue().encode()


def test_folds_from_the_early_document_read_no_body() -> None:
    data = _generated(120_000)
    tree = syntax.parse(data)
    doc = early.early_document(data, tree)
    assert doc is not None
    index = LineIndex(data)
    function_cache.clear()
    before = folding.folds_by_function(doc, index)
    assert early.bodies_read(doc) == 0
    function_cache.clear()
    full = analyse(data)
    assert before == folding.folds_by_function(full, index) == folding.folds(full, index)
    assert len(before) > 100


def test_body_start_without_reading_the_body() -> None:
    for text in (MODULE.encode(), _generated(30_000)):
        tree = syntax.parse(text)
        doc = early.early_document(text, tree)
        assert doc is not None and doc.modules[0].read is not None
        full = analyse(text)
        assert full.modules[0].read is not None
        mine = [early.body_start(f) for f in doc.modules[0].read.module.funcs]
        assert early.bodies_read(doc) == 0
        theirs = [
            f.body_span.start if f.body_span is not None else None for f in full.modules[0].read.module.funcs
        ]
        assert mine == theirs
        assert (None in mine) == (text == MODULE.encode())  # (MODULE: an import, and `$empty`)
        # once a body is read, its span is the answer
        f = doc.modules[0].read.module.funcs[-1]
        _ = f.body
        assert early.body_start(f) == theirs[-1]


def test_numbers_only_functions() -> None:
    doc = analyse(MODULE.encode())
    read = doc.modules[0].read
    assert read is not None
    funcs = {f.name: f for f in read.module.funcs}
    verdicts = {name: references.numbers_only(f) for name, f in funcs.items() if f.import_ is None}
    assert verdicts == {
        "nums": True,
        "uses": False,  # a block, a local
        "select": False,  # `(result i32)` may name a type
        "ref": False,  # `ref.null $t`
        "empty": True,
        "plain": True,
    }


def test_occurrences_of_a_numbers_only_function_are_its_headers() -> None:
    doc = analyse(MODULE.encode())
    read = doc.modules[0].read
    assert read is not None
    resolver = references.Resolver(doc)
    for f in read.module.funcs:
        if f.import_ is None:
            s, e = f.span
            general = [o for o in resolver.occurrences(s, e) if s <= o.start < e]
            assert resolver.function_occurrences(f, s, e, False) == general
            assert resolver.function_occurrences(f, s, e, True) == general
    nums = next(f for f in read.module.funcs if f.name == "nums")
    found = resolver.function_occurrences(nums, nums.span.start, nums.span.end, False)
    text = MODULE.encode()
    assert [text[o.start : o.end].decode() for o in found] == ["$nums", "$p", "$l"]
    function_cache.clear()
    references.clear()
    index = references.index(doc)
    lay = function_cache.layout(doc)
    assert lay is not None
    i = lay.funcs.index(nums)
    assert index.function_occurrences(i) == found


def test_comments_of_a_region_found_only_where_a_semicolon_is() -> None:
    text = b"(module (func (result i32) (i32.add (i32.const 1) (i32.const 2)) (drop (i32.const 3) (; c ;)) ;; d\n (i32.const 4)))"
    doc = analyse(text)
    start = text.index(b"(i32.add")
    assert fold._trivia(doc, start, text.index(b" (drop")) == []
    found = fold._trivia(doc, start, len(text) - 2)
    assert found is not None and [text[n.start_byte : n.end_byte] for n in found] == [b"(; c ;)", b";; d"]
    annotated = b"(module (func (@hint x) nop))"
    assert fold._trivia(analyse(annotated), 0, len(annotated)) is None


def test_fold_trees_are_freed_without_the_collector() -> None:
    text = (
        b"(module (func (result i32) "
        + b"(i32.add " * 50
        + b"(i32.const 1)"
        + b" (i32.const 1))" * 50
        + b"))"
    )
    doc = analyse(text)
    read = doc.modules[0].read
    assert read is not None
    f = read.module.funcs[0]
    counts = fold.arity(read.module, f)
    gc.collect()
    trees = fold.forest(f, counts)
    assert len(trees) == 1 and len(trees[0].kids) == 2
    del trees
    assert gc.collect() == 0  # no cycle: reference counting freed them all
    fn = fold._Func(read.module, f)
    for i in range(len(f.body)):
        top = fn.tree_of(i)
        assert top is not None and top in fn.levels[id(top)]
    assert fn.tree_of(0) is fn.forest()[0]


def test_paused_gc_turns_the_collector_back_on_and_freezes_nothing() -> None:
    frozen = gc.get_freeze_count()
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        kept = [[i] for i in range(600_000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen
    del kept
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # (off before: left off)
    finally:
        gc.enable()


def test_innermost_on_a_kept_path_equals_the_walk() -> None:
    from wat_lsp.analysis.ide.rewrites import base

    doc = analyse(MODULE.encode())
    kinds = [
        frozenset({"func"}),
        frozenset({"local", "param"}),
        frozenset({"folded_instr"}),
        frozenset({"module", "func"}),
        frozenset({"import"}),
        frozenset({"i32"}),  # an anonymous keyword never counts
    ]
    text = MODULE.encode()
    for offset in (text.index(b"(i32.const 2)") + 3, text.index(b"$l"), text.index(b"(local.get $p)") + 2, 3):
        with base.one_path():
            paths = [base.path_to(doc, offset), base.path_to(doc, offset)]
        plain = list(paths[0])
        for k in kinds:
            expected = next(
                (i for i in range(len(plain) - 1, -1, -1) if plain[i].is_named and plain[i].type in k), None
            )
            assert (
                base.innermost(paths[0], k)
                == base.innermost(paths[1], k)
                == base.innermost(plain, k)
                == expected
            )
        cut = paths[1]
        del cut[-1]  # a path changed since: walked again
        assert base.innermost(cut, frozenset({"folded_instr", "func"})) == base.innermost(
            list(cut), frozenset({"folded_instr", "func"})
        )


def test_ints_json_is_json_dumps_without_brackets() -> None:
    import json
    from array import array

    for values in ([], [0], [1, -2, 30, 4_000_000_000], list(range(-5, 300, 7))):
        expected = json.dumps(values)[1:-1]
        assert semantic_tokens.ints_json(values) == expected
        assert semantic_tokens.ints_json(array("q", values)) == expected
    assert semantic_tokens.ints_json(array("i", [3, 0, 5, 1, 0])) == "3, 0, 5, 1, 0"
