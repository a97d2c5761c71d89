"""References (`analysis/ide/references.py`) in process: every occurrence the resolver finds, with
its exact span, item, role and binary index, in every index space.

The texts below are written with `[` `]` around each occurrence the resolver must find and
nowhere else (WAT uses no brackets), so one assertion checks every span of a module: the text
without brackets, analysed, must give back the same brackets. Over stdio: `tests/server/test_references.py`.
"""

from __future__ import annotations

from wat_lsp.analysis.document import Document, analyse
from wat_lsp.analysis.ide import references
from wat_lsp.analysis.ide.references import Key, Occurrence
from wat_lsp.analysis.opcodes import IMM_SPACE, Imm, lookup, optional_index_present

Row = tuple[str, str, int, int, str, int]  # token, space, owner, item, role, number


def _strip(marked: str) -> str:
    return marked.replace("[", "").replace("]", "")


def _mark(text: str, occs: list[Occurrence]) -> str:
    data = text.encode()
    out: list[bytes] = []
    last = 0
    for o in occs:
        out += [data[last : o.start], b"[", data[o.start : o.end], b"]"]
        last = o.end
    return b"".join([*out, data[last:]]).decode()


def _occurrences(marked: str) -> tuple[Document, list[Occurrence]]:
    """The document and all its occurrences, after checking their spans against the brackets."""
    text = _strip(marked)
    doc = analyse(text.encode())
    occs = references.Resolver(doc).occurrences()
    assert _mark(text, occs) == marked
    return doc, occs


def _rows(doc: Document, occs: list[Occurrence]) -> list[Row]:
    return [
        (doc.data[o.start : o.end].decode(), o.key.space, o.key.owner, o.key.item, o.role, o.number)
        for o in occs
    ]


MODULE = """(module
  (type [$t] (func (param $x i32) (result i32)))
  (type [$s] (struct (field [$a] i32) (field [$b] (mut i64))))
  (import "m" "f" (func [$imp] (type [$t])))
  (import "m" "g" (global [$ig] i32))
  (global [$g] (mut i32) (global.get [$ig]))
  (table [$tb] 2 funcref)
  (memory [$m] 1)
  (tag [$e] (param i32))
  (elem [$el] (table [$tb]) (i32.const 0) func [$imp] [$f])
  (data [$d] (memory [$m]) (i32.const 0) "x")
  (export "f" (func [$f]))
  (export "t" (table [0]))
  (func [$f] (type [$t]) (param [$p] i32) (result i32) (local [$l] i32) (local [$r] (ref null [$s]))
    (local.set [$l] (global.get [$g]))
    (global.set [1] (local.get [1]))
    (local.set [$r] (struct.new [$s] (local.get [$p]) (i64.const 0)))
    (struct.set [$s] [$b] (local.get [$r]) (i64.const 1))
    (drop (struct.get [1] [0] (local.get [2])))
    (drop (i32.load [$m] (i32.const 0)))
    (data.drop [$d])
    (elem.drop [0])
    (drop (call_indirect [$tb] (type [$t]) (i32.const 0) (i32.const 0)))
    (drop (call [$imp] (local.tee [$l] (i32.const 2))))
    (local.get [$p])))"""


def test_every_index_space_declarations_and_uses() -> None:
    """Declarations (module fields, imports, params, locals, fields), `$name` and numeric uses
    in every space; a parameter named in a type definition declares no local; export names
    are strings."""
    doc, occs = _occurrences(MODULE)
    assert _rows(doc, occs) == [
        ("$t", "type", -1, 0, "decl", 0),
        ("$s", "type", -1, 1, "decl", 1),
        ("$a", "field", 1, 0, "decl", 0),
        ("$b", "field", 1, 1, "decl", 1),
        ("$imp", "func", -1, 0, "decl", 0),
        ("$t", "type", -1, 0, "use", 0),
        ("$ig", "global", -1, 0, "decl", 0),
        ("$g", "global", -1, 1, "decl", 1),
        ("$ig", "global", -1, 0, "read", 0),
        ("$tb", "table", -1, 0, "decl", 0),
        ("$m", "memory", -1, 0, "decl", 0),
        ("$e", "tag", -1, 0, "decl", 0),
        ("$el", "elem", -1, 0, "decl", 0),
        ("$tb", "table", -1, 0, "use", 0),
        ("$imp", "func", -1, 0, "use", 0),
        ("$f", "func", -1, 1, "use", 1),
        ("$d", "data", -1, 0, "decl", 0),
        ("$m", "memory", -1, 0, "use", 0),
        ("$f", "func", -1, 1, "use", 1),
        ("0", "table", -1, 0, "use", 0),
        # the function: index 1 after the import; its locals are owned by it
        ("$f", "func", -1, 1, "decl", 1),
        ("$t", "type", -1, 0, "use", 0),
        ("$p", "local", 1, 0, "decl", 0),
        ("$l", "local", 1, 1, "decl", 1),
        ("$r", "local", 1, 2, "decl", 2),
        ("$s", "type", -1, 1, "use", 1),
        ("$l", "local", 1, 1, "write", 1),
        ("$g", "global", -1, 1, "read", 1),
        ("1", "global", -1, 1, "write", 1),
        ("1", "local", 1, 1, "read", 1),
        ("$r", "local", 1, 2, "write", 2),
        ("$s", "type", -1, 1, "use", 1),
        ("$p", "local", 1, 0, "read", 0),
        ("$s", "type", -1, 1, "use", 1),
        ("$b", "field", 1, 1, "use", 1),
        ("$r", "local", 1, 2, "read", 2),
        ("1", "type", -1, 1, "use", 1),
        ("0", "field", 1, 0, "use", 0),
        ("2", "local", 1, 2, "read", 2),
        ("$m", "memory", -1, 0, "use", 0),
        ("$d", "data", -1, 0, "use", 0),
        ("0", "elem", -1, 0, "use", 0),
        ("$tb", "table", -1, 0, "use", 0),
        ("$t", "type", -1, 0, "use", 0),
        ("$imp", "func", -1, 0, "use", 0),
        ("$l", "local", 1, 1, "write", 1),
        ("$p", "local", 1, 0, "read", 0),
    ]
    assert all(o.named == (doc.data[o.start : o.start + 1] == b"$") for o in occs)
    assert {o.key.module for o in occs} == {0}


def test_all_occurrences_of_one_item() -> None:
    """`Index.of` gives every occurrence of an item, named and numeric, declaration included,
    in text order: the resolver's, whole and by range."""
    doc, occs = _occurrences(MODULE)

    def of(token: str) -> list[tuple[int, str, str]]:
        """(line, token, role) of each occurrence of the item `token` declares."""
        decl = next(o for o in occs if o.role == "decl" and doc.data[o.start : o.end] == token.encode())
        return [
            (doc.data.count(b"\n", 0, o.start), doc.data[o.start : o.end].decode(), o.role)
            for o in references.index(doc).of(decl.key)
        ]

    assert of("$p") == [(13, "$p", "decl"), (16, "$p", "read"), (24, "$p", "read")]
    assert of("$l") == [(13, "$l", "decl"), (14, "$l", "write"), (15, "1", "read"), (23, "$l", "write")]
    assert of("$g") == [(5, "$g", "decl"), (14, "$g", "read"), (15, "1", "write")]
    assert of("$s") == [
        (2, "$s", "decl"),
        (13, "$s", "use"),
        (16, "$s", "use"),
        (17, "$s", "use"),
        (18, "1", "use"),
    ]
    assert of("$a") == [(2, "$a", "decl"), (18, "0", "use")]
    assert of("$b") == [(2, "$b", "decl"), (17, "$b", "use")]
    assert of("$f") == [(9, "$f", "use"), (11, "$f", "use"), (13, "$f", "decl")]
    assert of("$imp") == [(3, "$imp", "decl"), (9, "$imp", "use"), (23, "$imp", "use")]
    assert of("$tb") == [(6, "$tb", "decl"), (9, "$tb", "use"), (12, "0", "use"), (22, "$tb", "use")]
    assert of("$el") == [(9, "$el", "decl"), (21, "0", "use")]
    assert of("$d") == [(10, "$d", "decl"), (20, "$d", "use")]
    assert of("$m") == [(7, "$m", "decl"), (10, "$m", "use"), (19, "$m", "use")]
    assert of("$e") == [(8, "$e", "decl")]
    assert of("$t") == [(1, "$t", "decl"), (3, "$t", "use"), (13, "$t", "use"), (22, "$t", "use")]
    for o in occs:
        assert references.index(doc).of(o.key) == [p for p in occs if p.key == o.key]
    at = doc.data.index(b"(func $f")
    assert references.in_range(doc, at, len(doc.data)) == [o for o in occs if o.start >= at]


LABELS = """(module
  (func [$f] (param [$p] i32) (result i32)
    (block [$l]
      (loop [$l]
        (br [$l])
        (br [1])
        (block [$x]
          (br_if [$l] (i32.const 0))
          (br_table [$x] [$l] [2] (i32.const 0)))
        (br [0]))
      (br [0]))
    block [$o]
      block [$o]
        br [$o]
      end [$o]
      br [$o]
    end
    (if (i32.const 0) (then (br [0])))
    i32.const 0
    if [$i]
      br [$i]
    else [$i]
      br [0]
    end [$i]
    (local.get [$p])))"""


def test_labels_with_shadowing() -> None:
    """A label is its block (the item: the block's instruction index in the body); a `$name`
    resolves to the innermost block of that name, a number by depth; `end $l` and `else $l`
    repeat their block's label; the number is the relative depth (-1: none)."""
    doc, occs = _occurrences(LABELS)
    rows = [r for r in _rows(doc, occs) if r[1] == "label"]
    assert rows == [
        ("$l", "label", 0, 0, "decl", -1),
        ("$l", "label", 0, 1, "decl", -1),
        ("$l", "label", 0, 1, "use", 0),  # the loop's `$l` shadows the block's
        ("1", "label", 0, 0, "use", 1),
        ("$x", "label", 0, 4, "decl", -1),
        ("$l", "label", 0, 1, "use", 1),
        ("$x", "label", 0, 4, "use", 0),
        ("$l", "label", 0, 1, "use", 1),
        ("2", "label", 0, 0, "use", 2),
        ("0", "label", 0, 1, "use", 0),
        ("0", "label", 0, 0, "use", 0),
        ("$o", "label", 0, 14, "decl", -1),
        ("$o", "label", 0, 15, "decl", -1),
        ("$o", "label", 0, 15, "use", 0),
        ("$o", "label", 0, 15, "use", -1),
        ("$o", "label", 0, 14, "use", 0),
        ("0", "label", 0, 21, "use", 0),
        ("$i", "label", 0, 25, "decl", -1),
        ("$i", "label", 0, 25, "use", 0),
        ("$i", "label", 0, 25, "use", -1),
        ("0", "label", 0, 25, "use", 0),
        ("$i", "label", 0, 25, "use", -1),
    ]
    labels = [o for o in occs if o.key.space == "label"]

    def lines(first: Occurrence) -> list[tuple[int, str]]:
        return [
            (doc.data.count(b"\n", 0, o.start), doc.data[o.start : o.end].decode())
            for o in references.index(doc).of(first.key)
        ]

    assert lines(labels[0]) == [(2, "$l"), (5, "1"), (8, "2"), (10, "0")]  # `(block $l`
    assert lines(labels[1]) == [(3, "$l"), (4, "$l"), (7, "$l"), (8, "$l"), (9, "0")]  # `(loop $l`
    inner_o = [o.key for o in occs if o.key.space == "label" and o.key.item == 15]
    assert inner_o == [Key(0, "label", 0, 15)] * 3


CATCHES = """(module
  (tag [$e] (param i32))
  (tag [$e2])
  (func
    (block [$h] (result i32)
      (try_table (result i32) (catch [$e] [$h]) (catch_ref [$e2] 1) (catch_all [0]) (catch_all_ref [$h])
        (throw [$e] (i32.const 1))))
    (drop)))"""

LEGACY = """(module
  (tag [$x])
  (func [$f] (param [$p] i32)
    (try (do (call [$f] (local.get [$p]))) (catch [$x] (call [$f] (i32.const 1))) (catch_all))
    (block [$out] (try (do (nop)) (delegate [$out])))
    (block [$b] try [$t] catch [$x] br [$t] catch_all end [$t])))"""


def test_catch_clauses() -> None:
    """A clause's tag, then its label, resolved from outside the `try_table` (`1` here is the
    function's own label, which has no block to point to); `catch_all` clauses have only a
    label. The module need not validate (the clauses pass the wrong types to `$h`)."""
    doc, occs = _occurrences(CATCHES)
    assert _rows(doc, occs)[2:] == [
        ("$h", "label", 0, 0, "decl", -1),
        ("$e", "tag", -1, 0, "use", 0),
        ("$h", "label", 0, 0, "use", 0),
        ("$e2", "tag", -1, 1, "use", 1),
        ("0", "label", 0, 0, "use", 0),
        ("$h", "label", 0, 0, "use", 0),
        ("$e", "tag", -1, 0, "use", 0),
    ]
    assert [d.code for d in doc.diagnostics] == ["type-mismatch"] * 3


def test_legacy_try_catch_and_delegate() -> None:
    """A legacy `catch $x` names a tag; `delegate $l` resolves outside its own `try`; a `try`
    is a block for `br` and `end $t`."""
    doc, occs = _occurrences(LEGACY)
    assert _rows(doc, occs) == [
        ("$x", "tag", -1, 0, "decl", 0),
        ("$f", "func", -1, 0, "decl", 0),
        ("$p", "local", 0, 0, "decl", 0),
        ("$f", "func", -1, 0, "use", 0),
        ("$p", "local", 0, 0, "read", 0),
        ("$x", "tag", -1, 0, "use", 0),
        ("$f", "func", -1, 0, "use", 0),
        ("$out", "label", 0, 8, "decl", -1),
        ("$out", "label", 0, 8, "use", 0),
        ("$b", "label", 0, 13, "decl", -1),
        ("$t", "label", 0, 14, "decl", -1),
        ("$x", "tag", -1, 0, "use", 0),
        ("$t", "label", 0, 14, "use", 0),
        ("$t", "label", 0, 14, "use", -1),
    ]


OPTIONAL = """(module
  (table [$t0] 1 funcref)
  (table [$t1] 1 funcref)
  (memory [$m0] 1)
  (memory [$m1] 1)
  (elem [$el] func)
  (data [$d] "")
  (func
    (table.init [$el] (i32.const 0) (i32.const 0) (i32.const 0))
    (table.init [$t1] [$el] (i32.const 0) (i32.const 0) (i32.const 0))
    (table.init [1] [0] (i32.const 0) (i32.const 0) (i32.const 0))
    (table.copy (i32.const 0) (i32.const 0) (i32.const 0))
    (table.copy [$t1] [$t0] (i32.const 0) (i32.const 0) (i32.const 0))
    (memory.init [$d] (i32.const 0) (i32.const 0) (i32.const 0))
    (memory.init [$m1] [$d] (i32.const 0) (i32.const 0) (i32.const 0))
    (memory.copy [$m1] [0] (i32.const 0) (i32.const 0) (i32.const 0))
    (drop (i32.load [$m1] offset=4 (i32.const 0)))
    (drop (i32.load [1] (i32.const 0)))
    (drop (i32.load (i32.const 0)))
    (drop (table.get [1] (i32.const 0)))
    (drop (table.get (i32.const 0)))))"""


def test_optional_table_and_memory_indices() -> None:
    """An optional table or memory index is there when there are more index tokens than the
    immediates after it need (`IMM_SPACE`, `optional_index_present`): `table.init $el` names
    the segment, `table.init 1 0` the table and the segment."""
    doc, occs = _occurrences(OPTIONAL)
    uses = [r for r in _rows(doc, occs) if r[4] == "use"]
    assert uses == [
        ("$el", "elem", -1, 0, "use", 0),
        ("$t1", "table", -1, 1, "use", 1),
        ("$el", "elem", -1, 0, "use", 0),
        ("1", "table", -1, 1, "use", 1),
        ("0", "elem", -1, 0, "use", 0),
        ("$t1", "table", -1, 1, "use", 1),
        ("$t0", "table", -1, 0, "use", 0),
        ("$d", "data", -1, 0, "use", 0),
        ("$m1", "memory", -1, 1, "use", 1),
        ("$d", "data", -1, 0, "use", 0),
        ("$m1", "memory", -1, 1, "use", 1),
        ("0", "memory", -1, 0, "use", 0),
        ("$m1", "memory", -1, 1, "use", 1),
        ("1", "memory", -1, 1, "use", 1),
        ("1", "table", -1, 1, "use", 1),
    ]
    init, copy, load = lookup("table.init"), lookup("memory.copy"), lookup("i32.load")
    assert init is not None and copy is not None and load is not None
    assert [references.imm_spaces(init, n) for n in (1, 2, 3)] == [
        ("elem",),
        ("table", "elem"),
        ("table", "elem", None),
    ]
    assert [references.imm_spaces(copy, n) for n in (0, 2)] == [(), ("memory", "memory")]
    assert references.imm_spaces(load, 1) == ("memory",)
    assert IMM_SPACE[Imm.TABLE_OPT] == "table" and IMM_SPACE[Imm.MEMORY_OPT] == "memory"
    assert not optional_index_present([Imm.ELEM], 1) and optional_index_present([Imm.ELEM], 2)


UNRESOLVED = """(module $a
  (type [$s] (sub (struct (field [$v] i32))))
  (type [$u] (sub [$s] (struct (field [$v] i32) (field [$w] i32))))
  (import "m" "t" (table [$it] 1 funcref))
  (import "m" "m" (memory [$im] 1))
  (import "m" "e" (tag [$ie]))
  (func [$f] (param (ref [$u])) (result i32) (local (ref null [0]))
    (call $nope) (local.get 5) (global.get 0) (struct.get [$u] [$v] (local.get [0])))
  (func [$g] (result (ref null [$s])) (ref.null [$s]))
  (start [$f])
  (export "e" (tag [$ie])) (export "m" (memory [0])))
(module $b
  (func [$f] (call [$f]) (call [0]))
  (func (try (do (call [$f])) (catch $x) (catch_all))
    (block [$out] (try (do (nop)) (delegate [$out])))))"""


def test_heap_types_imports_scripts_and_what_does_not_resolve() -> None:
    """Heap types and supertypes name types; a field name belongs to its type (`$v` twice);
    imports declare; each module of a script is its own scope (`Key.module`); unknown names
    and out-of-range numbers are no occurrence. (A module's own name is no index.)"""
    doc, occs = _occurrences(UNRESOLVED)
    rows = _rows(doc, occs)
    assert [r for r in rows if r[1] == "field"] == [
        ("$v", "field", 0, 0, "decl", 0),
        ("$v", "field", 1, 0, "decl", 0),
        ("$w", "field", 1, 1, "decl", 1),
        ("$v", "field", 1, 0, "use", 0),
    ]
    assert [(r[0], r[1], r[3]) for r in rows if r[1] == "type"] == [
        ("$s", "type", 0),
        ("$u", "type", 1),
        ("$s", "type", 0),
        ("$u", "type", 1),
        ("0", "type", 0),
        ("$u", "type", 1),
        ("$s", "type", 0),
        ("$s", "type", 0),
    ]
    assert [(doc.data[o.start : o.end].decode(), o.key) for o in occs if o.key.module == 1] == [
        ("$f", Key(1, "func", -1, 0)),
        ("$f", Key(1, "func", -1, 0)),
        ("0", Key(1, "func", -1, 0)),
        ("$f", Key(1, "func", -1, 0)),
        ("$out", Key(1, "label", 1, 5)),
        ("$out", Key(1, "label", 1, 5)),
    ]
    assert references.index(doc).of(Key(0, "func", -1, 0)) != references.index(doc).of(Key(1, "func", -1, 0))


AFTER_ERROR = """(module
  (global [$g] i32 (i32.const 0))
  (func [$a] (param [$p] i32) (drop (i32.add (local.get [$p]) 1x)) (drop (global.get [$g])))
  (func [$b] (param [$q] i32) (drop (local.get [$q])) (call [$a] (global.get [$g])) (call [$c]))
  (func [$c] (call [$b] (i32.const 0))))"""

BETWEEN_FIELDS = """(module
  (global [$g] i32 (i32.const 0))
  (func [$a] (param [$p] i32) (i32.add (local.get [$p]) (global.get [$g] ))) (i32.const
  (func [$b] (param [$q] i32) (drop (local.get [$q])) (call [$a] (global.get [$g])) (br_if 0 ( )))"""


def test_text_after_a_syntax_error() -> None:
    """A syntax error in one function, or an unclosed form between module fields, leaves the
    names after it resolved."""
    doc, occs = _occurrences(AFTER_ERROR)
    assert "syntax" in {d.code for d in doc.diagnostics}
    assert [(r[0], r[1], r[3], r[4]) for r in _rows(doc, occs)][-5:] == [
        ("$a", "func", 0, "use"),
        ("$g", "global", 0, "read"),
        ("$c", "func", 2, "use"),
        ("$c", "func", 2, "decl"),
        ("$b", "func", 1, "use"),
    ]
    doc, occs = _occurrences(BETWEEN_FIELDS)
    assert "syntax" in {d.code for d in doc.diagnostics}
    q = [o for o in occs if doc.data[o.start : o.end] == b"$q"]
    assert [(o.key.space, o.key.owner, o.role) for o in q] == [("local", 1, "decl"), ("local", 1, "read")]
    assert len({o.key.module for o in occs}) == 1


def test_quoted_names_are_byte_spans() -> None:
    """`$"é"` and `$"\\c3\\a9"` spell the same name, so the same item; spans are byte offsets."""
    marked = '(module (func [$"é"] (param [$"ü x"] i32) (call [$"\\c3\\a9"] (local.get [$"ü x"]))))'
    doc, occs = _occurrences(marked)
    assert _rows(doc, occs) == [
        ('$"é"', "func", -1, 0, "decl", 0),
        ('$"ü x"', "local", 0, 0, "decl", 0),
        ('$"\\c3\\a9"', "func", -1, 0, "use", 0),
        ('$"ü x"', "local", 0, 0, "read", 0),
    ]
    assert [(o.start, o.end) for o in occs][:1] == [(14, 19)]
