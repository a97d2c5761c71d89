"""Completion (`analysis/ide/completion.py`, `server/completion.py`): exact candidate lists for each
context, on whole and on half-typed text; the LSP items (ranges in the negotiated encoding,
snippets); one request over stdio; no exception at any offset of real and damaged documents."""

from __future__ import annotations

import random
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient
from wat_lsp.analysis.document import Document, analyse
from wat_lsp.analysis.ide.completion import Completion, _restart, _scan_start, _skips, complete
from wat_lsp.analysis.model import NUM_TYPES, REF_SHORTHANDS
from wat_lsp.analysis.opcodes import OPCODES, Flag
from wat_lsp.analysis.syntax import parse
from wat_lsp.server.completion import completion, forget
from wat_lsp.server.documents import apply_change, open_snapshot

ROOT = Path(__file__).resolve().parents[2]

MODULE = """(module
  (type $pt (struct (field $x (mut i32)) (field $y i32)))
  (type $arr (array (mut i8)))
  (type $sig (func (param i32) (result i32)))
  (import "env" "log" (func $log (param i32)))
  (global $g (mut i32) (i32.const 0))
  (global $k i32 (i32.const 7))
  (table $tab 1 funcref)
  (memory $mem 1)
  (tag $err (param i32))
  (elem $es func $inc)
  (data $ds "hi")
  (func $inc (type $sig) (param $n i32) (result i32) (local $p (ref null $pt)) (local i64)
    (block $out
      (loop $l
        (br_if $out (i32.eqz (local.get 0)))
        @@))
    (local.get $n))
  (func $t2 (type $sig) (local f32) ##)
)
"""

Row = tuple[str, str, str]


def run(text: str, *, snippets: bool = True) -> Completion:
    """Completion at the `|` in `text` (which has no other `|`)."""
    at = text.index("|")
    data = (text[:at] + text[at + 1 :]).encode()
    tree = parse(data)
    doc: list[Document] = []

    def analysis() -> Document:
        doc.append(analyse(data, tree))
        return doc[-1]

    return complete(data, tree, len(text[:at].encode()), analysis, snippets)


def rows(text: str) -> list[Row]:
    return [(c.label, c.kind, c.detail) for c in run(text).items]


def in_body(cursor: str) -> str:
    """MODULE with `cursor` (holding the `|`) in `$inc`'s loop."""
    return MODULE.replace("@@", cursor).replace("##", "")


def labels(text: str) -> list[str]:
    return [c.label for c in run(text).items]


def instructions(prefix: str = "", *, block: str | None = None) -> list[str]:
    """Every instruction starting with `prefix`, in the table's order; the clauses of the
    plain block `block` too."""
    out = []
    for name, op in OPCODES.items():
        if op.flags & (Flag.BLOCK_END | Flag.BLOCK_ELSE):
            ok = block is not None and (
                name == "end"
                or (name == "else" and block == "if")
                or (name in ("catch", "catch_all", "delegate") and block == "try")
            )
            if not ok:
                continue
        if name.startswith(prefix):
            out.append(name)
    return out


VALTYPES = [*NUM_TYPES, *REF_SHORTHANDS, "(ref …)", "(ref null …)"]
HEAPTYPES = ["any", "eq", "i31", "struct", "array", "none", "func", "nofunc", "extern", "noextern", "exn",
             "noexn", "cont", "nocont"]  # fmt: skip
MODULE_FIELDS = [
    "func",
    "type",
    "import",
    "export",
    "global",
    "memory",
    "table",
    "data",
    "elem",
    "tag",
    "start",
    "rec",
]
LABELS = [
    ("$l", "label", "loop, depth 0"),
    ("$out", "label", "block, depth 1"),
    ("2", "label", "function body, depth 2"),
]
LOCALS = [("$n", "param", "i32"), ("$p", "local", "(ref null $pt)"), ("2", "local", "i64")]


# --- instructions ----------------------------------------------------------------------------


def test_instruction_names_by_prefix_with_types() -> None:
    found = run(in_body("i32.a|"))
    assert [(c.label, c.detail) for c in found.items[:3]] == [
        ("i32.add", "[i32 i32] -> [i32]"),
        ("i32.and", "[i32 i32] -> [i32]"),
        ("i32.atomic.load", "[addr] -> [i32]"),
    ]
    assert labels(in_body("i32.a|")) == instructions("i32.a")
    assert labels(in_body("i32.|")) == instructions("i32.")
    assert found.incomplete  # filtered: ask again when the prefix shrinks
    # the replace range is the whole word, even with the cursor inside it
    text = in_body("local.g|et")
    start = text.index("local.g|")
    found = run(text)
    assert (found.start, found.end) == (start, start + len("local.get"))
    assert [(c.label, c.detail, c.snippet) for c in found.items] == [
        ("local.get", "typed by the `local.get` rule", "local.get ${1}")
    ]


def test_instruction_snippets_only_for_immediates_and_clients_that_take_them() -> None:
    items = {c.label: c for c in run(in_body("|")).items}
    assert items["call"].snippet == "call ${1}"
    assert items["i32.const"].snippet == "i32.const ${1}"
    assert items["ref.null"].snippet == "ref.null ${1}"
    assert items["i32.add"].snippet is None
    assert items["memory.size"].snippet is None  # its memory index is optional
    assert items["i32.load"].snippet is None
    assert all(c.snippet is None for c in run(in_body("|"), snippets=False).items)


def test_instruction_positions() -> None:
    folded = instructions()
    assert labels(in_body("|")) == folded  # in a folded loop: no `end`
    # after a complete instruction, in a plain block (with its `end`), after `(`
    assert labels(in_body("i32.add |")) == folded
    assert labels(in_body("loop i32.add |")) == instructions(block="loop")
    assert labels(in_body("(|")) == folded
    assert labels(in_body("(i32.add (|")) == folded
    assert labels(MODULE.replace("@@", "").replace("##", "(i32.eq|")) == instructions("i32.eq")
    # plain blocks: their clauses
    assert labels(in_body("if else|")) == ["else"]
    assert labels(in_body("try catch_|")) == ["catch_all"]
    assert labels(in_body("block en|")) == ["end"]
    assert labels(in_body("(block en|")) == []  # a folded block ends with `)`
    # in a global's initializer, after its type
    assert labels("(module (global $g i32 (i32.co|)))") == ["i32.const"]


# --- indices -------------------------------------------------------------------------------


def test_locals_params_with_types() -> None:
    assert rows(in_body("local.get |")) == LOCALS
    assert rows(in_body("(local.set |")) == LOCALS
    assert rows(in_body("local.tee $|")) == LOCALS[:2]
    assert rows(in_body("local.get $p|")) == [LOCALS[1]]
    # params from the function's type when it declares none inline
    assert rows(MODULE.replace("@@", "").replace("##", "local.get |")) == [
        ("0", "param", "i32"),
        ("1", "local", "f32"),
    ]


def test_functions_globals_and_module_spaces() -> None:
    assert rows(in_body("call |")) == [
        ("$log", "func", "[i32] -> []"),
        ("$inc", "func", "[i32] -> [i32]"),
        ("$t2", "func", "[i32] -> [i32]"),
    ]
    assert labels(in_body("return_call $i|")) == ["$inc"]
    assert labels(in_body("(ref.func |)")) == ["$log", "$inc", "$t2"]
    assert rows(in_body("global.get |")) == [("$g", "global", "(mut i32)"), ("$k", "global", "i32")]
    assert rows(in_body("(global.set $|")) == [("$g", "global", "(mut i32)"), ("$k", "global", "i32")]
    assert rows(in_body("throw |")) == [("$err", "tag", "[i32] -> []")]
    assert rows(in_body("data.drop |")) == [("$ds", "data", "passive")]
    assert rows(in_body("elem.drop |")) == [("$es", "elem", "passive (ref func)")]
    table = [("$tab", "table", "1 funcref")]
    assert rows(in_body("table.get |"))[:2] == [*table, ("unreachable", "instruction", "[] -> []")]
    assert rows(in_body("table.get $|")) == table
    assert rows(in_body("call_indirect $|")) == table
    assert rows(in_body("call_indirect |"))[:2] == [*table, ("(type $sig)", "type", "func [i32] -> [i32]")]
    assert rows(in_body("table.init $|")) == [*table, ("$es", "elem", "passive (ref func)")]
    assert rows(in_body("(call_indirect (type |")) == [("$sig", "type", "func [i32] -> [i32]")]


def test_memories_only_with_several() -> None:
    assert labels(in_body("i32.load $|")) == []
    two = '(module (memory $a 1) (memory $b i64 2 3) (data $d "") (func i32.load |))'
    assert rows(two)[:2] == [("$a", "memory", "1"), ("$b", "memory", "i64 2 3")]
    assert rows(two.replace("i32.load |", "memory.init $|")) == [
        ("$a", "memory", "1"),
        ("$b", "memory", "i64 2 3"),
        ("$d", "data", "passive"),
    ]
    assert rows(two.replace("i32.load |", "memory.init $a $|")) == [("$d", "data", "passive")]


def test_struct_and_array_types_then_fields() -> None:
    assert rows(in_body("struct.new |")) == [("$pt", "type", "struct (mut i32) i32")]
    assert rows(in_body("(struct.get |")) == [("$pt", "type", "struct (mut i32) i32")]
    assert rows(in_body("struct.get $pt |")) == [("$x", "field", "(mut i32)"), ("$y", "field", "i32")]
    assert rows(in_body("(struct.set $pt $|")) == [("$x", "field", "(mut i32)"), ("$y", "field", "i32")]
    assert rows(in_body("struct.get 0 |")) == [("$x", "field", "(mut i32)"), ("$y", "field", "i32")]
    assert rows(in_body("array.get |")) == [("$arr", "type", "array (mut i8)")]
    assert rows(in_body("array.copy $arr |")) == [("$arr", "type", "array (mut i8)")]
    assert rows(in_body("call_ref |")) == [("$sig", "type", "func [i32] -> [i32]")]


def test_labels_innermost_first() -> None:
    assert rows(in_body("br |")) == LABELS
    assert rows(in_body("(br_if |")) == LABELS
    assert rows(in_body("br_table $l $|")) == LABELS[:2]
    assert rows(in_body("br_on_null |")) == LABELS
    assert rows(in_body("block $z (result i32) (br |")) == [
        ("$z", "label", "block, depth 0"),
        ("$l", "label", "loop, depth 1"),
        ("$out", "label", "block, depth 2"),
        ("3", "label", "function body, depth 3"),
    ]
    # unnamed blocks by depth; a folded `if`'s condition is outside its label, its arms inside
    assert rows("(module (func (block (if $b (br_if |) (then (br 0))))))") == [
        ("0", "label", "block, depth 0"),
        ("1", "label", "function body, depth 1"),
    ]
    assert rows("(module (func (block (if $b (i32.const 0) (then (br |))))))") == [
        ("$b", "label", "if, depth 0"),
        ("1", "label", "block, depth 1"),
        ("2", "label", "function body, depth 2"),
    ]
    # a catch clause's label is outside its try_table; its tag first
    assert rows(in_body("try_table $t (catch |")) == [("$err", "tag", "[i32] -> []")]
    assert rows(in_body("(try_table $t (catch $err |")) == LABELS
    assert rows(in_body("try_table $t (catch_all |")) == LABELS
    # closed blocks are out of scope
    assert rows(in_body("block $gone end br |")) == LABELS


def test_heap_and_reference_types() -> None:
    heap = [*HEAPTYPES, "$pt", "$arr", "$sig"]
    assert labels(in_body("ref.null |")) == heap
    assert labels(in_body("(ref.null $|")) == ["$pt", "$arr", "$sig"]
    assert labels(MODULE.replace("(local i64)", "(local $q (ref |)")) == ["null", *heap]
    assert labels(MODULE.replace("(local i64)", "(local $q (ref null |)")) == heap
    assert labels(in_body("ref.cast |")) == [*REF_SHORTHANDS, "(ref …)", "(ref null …)"]
    details = {c.label: c.detail for c in run(in_body("ref.null |")).items}
    assert details["i31"] == "abstract heap type (any hierarchy)"
    assert details["$pt"] == "struct (mut i32) i32"


# --- module fields, headers, value types ---------------------------------------------------------


def test_keywords_after_paren() -> None:
    assert labels("(|") == ["module", *MODULE_FIELDS]
    assert labels("(module\n  (|\n  (func $f))") == MODULE_FIELDS
    assert labels("(module (func $f) (|))") == MODULE_FIELDS
    assert labels("(module (g|") == ["global"]
    header = ["export", "import", "type", "param", "result", "local"]
    assert labels("(module (func $f (|)))")[:7] == [*header, "unreachable"]
    assert labels("(module (func $f (param i32) (|)))")[:4] == ["param", "result", "local", "unreachable"]
    assert labels("(module (func $f (result i32) (local i32) (|)))")[:2] == ["local", "unreachable"]
    assert labels("(module (func $f (local i32) (p|)))") == []  # no params after locals
    assert labels("(module (func $f (local i32) nop (l|)))") == instructions("l")  # the body has begun
    assert labels('(module (import "a" "b" (func $f (|))))') == header
    assert labels("(module (type $t (|)))") == ["func", "struct", "array", "sub", "cont"]
    assert labels("(module (type $t (func (|))))") == ["param", "result"]
    assert labels("(module (type $t (struct (|))))") == ["field"]
    assert labels("(module (global $g (|)))") == ["export", "import", "mut", "ref"]
    assert labels("(module (rec (|)))") == ["type"]
    assert labels("(module (func (if (|")[:5] == ["type", "param", "result", "then", "else"]
    assert labels("(module (func (try_table (|")[:7] == [
        "type",
        "param",
        "result",
        "catch",
        "catch_ref",
        "catch_all",
        "catch_all_ref",
    ]
    assert labels("(module (func (select (|")[:1] == ["result"]


def test_value_types() -> None:
    assert labels("(module (func (param |)))") == VALTYPES
    assert labels("(module (func (param $x |)))") == VALTYPES
    assert labels("(module (func (param $x i32 |)))") == []
    assert labels("(module (func (param i32 |)))") == VALTYPES
    assert labels("(module (func (param $|)))") == []  # naming it
    assert labels("(module (func (result |)))") == VALTYPES
    assert labels("(module (func (local $x |)))") == VALTYPES
    assert labels("(module (global $g |))") == [*VALTYPES, "(mut …)"]
    assert labels("(module (global $g (mut |)))") == VALTYPES
    storage = [*NUM_TYPES, "i8", "i16", *REF_SHORTHANDS, "(ref …)", "(ref null …)"]
    assert labels("(module (type $s (struct (field $a |))))") == storage
    assert labels("(module (type $s (array |)))") == storage
    ref = {c.label: c for c in run("(module (func (param |)))").items}["(ref …)"]
    assert (ref.snippet, ref.text, ref.detail) == ("(ref ${1})", "(ref )", "non-null reference")
    assert rows("(module (func (result i|))")[:2] == [
        ("i32", "valtype", "number type"),
        ("i64", "valtype", "number type"),
    ]


def test_module_field_references() -> None:
    text = "(module (func $f) (func $g (param i32)) (global $c i32 (i32.const 0)) @@)"
    assert rows(text.replace("@@", "(start |)")) == [
        ("$f", "func", "[] -> []"),
        ("$g", "func", "[i32] -> []"),
    ]
    assert labels(text.replace("@@", '(export "x" (func $|))')) == ["$f", "$g"]
    assert labels(text.replace("@@", '(export "x" (global |))')) == ["$c"]
    assert labels(text.replace("@@", "(elem declare func $f |)")) == ["$f", "$g"]
    assert labels(text.replace("@@", "(table funcref (elem $f |))")) == ["$f", "$g"]


# --- broken text, comments, strings ------------------------------------------------------------


def test_half_typed_text() -> None:
    tail = "\n  (func $c (result i32) i32.const 1)\n)\n"
    head = "(module\n  (global $g (mut i32) (i32.const 0))\n  (func $a (param $x i32) (result i32)\n    local.get $x)\n"
    # an unclosed `(local.get` swallows the next function in the tree; the text still says
    assert rows(head + "  (func $b (param $y i64) (local.get |" + tail) == [("$y", "param", "i64")]
    assert rows(head + "  (func $b (param $y i64) local.get $|" + tail) == [("$y", "param", "i64")]
    assert labels(head + "  (func $b (block $l (br_if |" + tail) == ["$l", "1"]
    assert labels(head + "  (func $b (global.set |" + tail) == ["$g"]
    assert labels(head + "  (|" + tail) == MODULE_FIELDS
    assert labels(head + "  (func $b (|" + tail)[:3] == ["export", "import", "type"]
    assert labels(head + "  (func $b (local $z (ref |" + tail)[:2] == ["null", "any"]
    assert labels(head + "  (func $b i32.add\n i32.e|" + tail) == instructions("i32.e")
    # at the end of a document with no closing parentheses at all
    assert labels("(module (func block $a loop br_table 0 |")[:4] == ["0", "$a", "2", "unreachable"]
    assert labels("(module (func $f (param $p f32) (local.get |") == ["$p"]


def test_a_form_left_open_long_before_restarts_at_a_field() -> None:
    """The scan of a field that runs on (an unclosed form swallowing the module in the tree)
    starts again at the last line opening a module field at the field's indentation."""
    filler = "".join(f"  (func $f{i} (param $p{i} i32) nop)\n" for i in range(2000))
    text = "(module\n  (func $a (local.get \n" + filler + "  (func $z (param $q i32) local.get |)\n)"
    at = text.index("|")
    data = (text[:at] + text[at + 1 :]).encode()
    assert _restart(data, text.index("(func $a"), at) == text.index("(func $z")
    assert _restart(data, text.index("(func $a"), text.index("(func $f3 ")) == text.index("(func $a")  # near
    assert labels(text) == ["$q"]


def test_names_of_an_earlier_analysis_while_the_text_does_not_parse() -> None:
    clean = "(module\n  (func $a)\n  (func $b (param i32))\n  (func $c (param i32)))\n"
    broken = clean.replace("(func $a)", "(func $a (call |")
    # tree-sitter nests `$b` in the unclosed `(call`: the current analysis lost `$a` and `$b`
    assert labels(broken) == ["$c"]
    at = broken.index("|")
    data = (broken[:at] + broken[at + 1 :]).encode()
    tree = parse(data)
    earlier = analyse(clean.encode())
    found = complete(data, tree, at, _const(analyse(data, tree)), previous=_const(earlier))
    assert [(c.label, c.detail) for c in found.items] == [
        ("$c", "[i32] -> []"),
        ("$a", "[] -> []"),
        ("$b", "[i32] -> []"),
    ]
    # through the server: the last clean version it completed in is remembered
    snap = open_snapshot("untitled:e.wat", 1, clean)
    line, col = 1, len("  (func $a")
    assert completion(snap, types.Position(line, col), "utf-16", snippets=False).items == []  # `$a`: a name
    change = types.TextDocumentContentChangePartial(
        range=types.Range(types.Position(line, col), types.Position(line, col)), text=" (call "
    )
    snap = apply_change(snap, change, "utf-16", 2)
    assert snap.tree.root_node.has_error
    items = completion(snap, types.Position(line, col + len(" (call ")), "utf-16", snippets=False).items
    assert [i.label for i in items] == ["$b", "$c", "$a"]  # `(func $a (call )` left open: `$a` lost
    forget("untitled:e.wat")
    snap = apply_change(
        snap,
        types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(0, 0), types.Position(0, 0)), text=" "
        ),
        "utf-16",
        3,
    )
    items = completion(snap, types.Position(line, col + len(" (call ")), "utf-16", snippets=False).items
    assert [i.label for i in items] == ["$b", "$c"]


def test_nothing_in_comments_strings_or_names() -> None:
    assert run(in_body(";; local.get |")).items == []
    assert run(in_body("(; local.get | ;)")).items == []
    assert run(in_body('"local.get |"')).items == []
    assert run("(module (func $|))").items == []  # a new function's name
    assert run("|").items == []
    assert run("(module (@custom |))").items == []
    assert run("(module (func (@metadata.code.branch_hint (|))))").items == []


# --- LSP items ---------------------------------------------------------------------------------


def _position(text: str, offset: int) -> types.Position:
    line = text.count("\n", 0, offset)
    column = offset - (text.rfind("\n", 0, offset) + 1)
    return types.Position(line, len(text[offset - column : offset].encode("utf-16-le")) // 2)


def test_lsp_items_ranges_in_utf16_and_snippets() -> None:
    text = "(module (func $f (param $ete i32)\n  (; 𝔁é ;) local.get $et|e))"
    at = text.index("|")
    text = text[:at] + text[at + 1 :]
    snap = open_snapshot("untitled:c.wat", 1, text)
    found = completion(snap, _position(text, at), "utf-16", snippets=True)
    assert not found.is_incomplete
    (item,) = found.items
    assert (item.label, item.kind, item.detail) == ("$ete", types.CompletionItemKind.Variable, "i32")
    assert item.label_details == types.CompletionItemLabelDetails(description="param")
    # the whole word `$ete` is replaced; the comment's astral character is two UTF-16 units
    start = len("  (; 𝔁é ;) local.get ".encode("utf-16-le")) // 2
    assert item.text_edit == types.TextEdit(
        types.Range(types.Position(1, start), types.Position(1, start + 4)), "$ete"
    )
    start8 = len("  (; 𝔁é ;) local.get ".encode())
    found8 = completion(snap, types.Position(1, start8 + 3), "utf-8", snippets=True)
    assert [i.text_edit for i in found8.items] == [
        types.TextEdit(types.Range(types.Position(1, start8), types.Position(1, start8 + 4)), "$ete")
    ]
    snap = open_snapshot("untitled:c.wat", 1, "(module (func local.g))")
    pos = types.Position(0, len("(module (func local.g"))
    (item,) = completion(snap, pos, "utf-16", snippets=True).items
    assert (item.insert_text_format, item.text_edit) == (
        types.InsertTextFormat.Snippet,
        types.TextEdit(types.Range(types.Position(0, 14), types.Position(0, 21)), "local.get ${1}"),
    )
    assert item.sort_text == "00000" and item.kind == types.CompletionItemKind.Operator
    (item,) = completion(snap, pos, "utf-16", snippets=False).items
    assert (item.insert_text_format, item.text_edit.new_text if item.text_edit else None) == (
        types.InsertTextFormat.PlainText,
        "local.get",
    )


# --- robustness ---------------------------------------------------------------------------------


def _const(doc: Document) -> Callable[[], Document]:
    return lambda: doc


def _files() -> list[Path]:
    return [ROOT / "examples" / "shapes.wat", *sorted((ROOT / "tests" / "gc_modules").glob("*.wat"))]


def test_every_offset_of_real_documents() -> None:
    for path in _files():
        data = path.read_bytes()
        tree = parse(data)
        doc = analyse(data, tree)
        step = 1 if len(data) < 6000 else 29
        for offset in range(0, len(data) + 1, step):
            found = complete(data, tree, offset, _const(doc))
            assert found.start <= offset <= found.end


def test_damaged_documents_never_raise() -> None:
    rng = random.Random(7)
    for path in _files():
        original = path.read_bytes()
        for _ in range(4):
            text = _damaged(rng, original)
            tree = parse(text)
            doc = analyse(text, tree)
            for offset in range(0, len(text) + 1, 23):
                found = complete(text, tree, offset, _const(doc))
                assert found.start <= offset <= found.end


def _damaged(rng: random.Random, original: bytes) -> bytes:
    pieces = [
        b"(",
        b")",
        b"$",
        b".",
        b"(local.get ",
        b'"',
        b";;",
        b"(;",
        b";)",
        b"end ",
        b"block ",
        b"\xff",
        b"(func",
        b"(@a",
        b"br_table ",
        b"(ref null ",
        b"struct.get $",
        b"\r",
        b"\n",
    ]
    data = bytearray(original)
    for _ in range(rng.randint(1, 6)):
        p = rng.randrange(len(data))
        if rng.random() < 0.4:
            del data[p : p + rng.randint(1, 40)]
        else:
            data[p:p] = rng.choice(pieces)
    return bytes(data)


def test_skipping_complete_instructions_changes_nothing() -> None:
    """`_skips` lets the lexer jump over runs of complete instructions; the answers are those
    of lexing every token, on whole and damaged documents (181,177 offsets agreed when this
    was written; here every 7th of fewer documents)."""
    rng = random.Random(11)
    for path in _files():
        original = path.read_bytes()
        for data in (original, _damaged(rng, original)):
            tree = parse(data)
            doc = analyse(data, tree)
            for offset in range(0, len(data) + 1, 7):
                a = complete(data, tree, offset, _const(doc))
                b = complete(data, tree, offset, _const(doc), skip=False)
                assert (a.start, a.end, a.incomplete, a.items) == (b.start, b.end, b.incomplete, b.items), (
                    offset
                )


def test_a_long_function_is_not_lexed_token_by_token() -> None:
    body = "    (local.set $a (i32.add (local.get $a) (i32.const 1)))\n" * 2000
    text = "(module\n  (func $big (param $p i32) (local $a i32)\n" + body + "    (block $b (br |))))"
    at = text.index("|")
    data = (text[:at] + text[at + 1 :]).encode()
    tree = parse(data)
    func = text.index("(func")
    start, _, node = _scan_start(data, tree, at)
    assert start == func and node is not None
    # one run: from the first instruction to the end of the last but one before the cursor's
    first, last = text.index("(local.set"), text.rindex("(local.set")
    assert _skips(node, at) == {first: last - len("\n    ")}
    assert labels(text) == ["$b", "1"]


# --- end to end --------------------------------------------------------------------------------

CONFIG = ClientServerConfig(server_command=[sys.executable, "-m", "wat_lsp", "--stdio"])


@pytest_lsp.fixture(config=CONFIG)
async def snippet_client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    caps = types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(
            completion=types.CompletionClientCapabilities(
                completion_item=types.ClientCompletionItemOptions(snippet_support=True)
            )
        )
    )
    result = await lsp_client.initialize_session(types.InitializeParams(capabilities=caps))
    assert result.capabilities.completion_provider is not None
    assert list(result.capabilities.completion_provider.trigger_characters or []) == ["$", ".", "("]
    yield lsp_client
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_completion_over_stdio(snippet_client: LanguageClient) -> None:
    uri = "untitled:complete.wat"
    text = MODULE.replace("@@", "").replace("##", "")
    snippet_client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wat", 1, text))
    )
    # type `local.get $` in `$t2`, as an editor sends it
    at = text.index("(local f32) ") + len("(local f32) ")
    line = text.count("\n", 0, at)
    col = at - (text.rfind("\n", 0, at) + 1)
    change = types.TextDocumentContentChangePartial(
        range=types.Range(types.Position(line, col), types.Position(line, col)), text="local.get $"
    )
    snippet_client.text_document_did_change(
        types.DidChangeTextDocumentParams(types.VersionedTextDocumentIdentifier(uri=uri, version=2), [change])
    )
    end = col + len("local.get $")
    found = await snippet_client.text_document_completion_async(
        types.CompletionParams(
            types.TextDocumentIdentifier(uri),
            types.Position(line, end),
            context=types.CompletionContext(types.CompletionTriggerKind.TriggerCharacter, "$"),
        )
    )
    assert isinstance(found, types.CompletionList)
    assert [(i.label, i.detail) for i in found.items] == []  # `$t2` has no named locals
    found = await snippet_client.text_document_completion_async(
        types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(line, end - 1))
    )
    assert isinstance(found, types.CompletionList)
    assert [(i.label, i.kind, i.detail, i.text_edit) for i in found.items[:2]] == [
        (
            "0",
            types.CompletionItemKind.Variable,
            "i32",
            types.TextEdit(types.Range(types.Position(line, end - 1), types.Position(line, end)), "0"),
        ),
        (
            "1",
            types.CompletionItemKind.Variable,
            "f32",
            types.TextEdit(types.Range(types.Position(line, end - 1), types.Position(line, end)), "1"),
        ),
    ]
    # an instruction with an immediate, as a snippet for this client
    found = await snippet_client.text_document_completion_async(
        types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(line, col + len("local.g")))
    )
    assert isinstance(found, types.CompletionList)
    assert [(i.label, i.insert_text_format) for i in found.items] == [
        ("local.get", types.InsertTextFormat.Snippet)
    ]
    assert found.items[0].text_edit == types.TextEdit(
        types.Range(types.Position(line, col), types.Position(line, col + len("local.get"))), "local.get ${1}"
    )


@pytest.mark.asyncio
async def test_completion_over_stdio_without_snippets(client: LanguageClient) -> None:
    """The shared fixture's client takes no snippets: instructions come as plain text."""
    uri = "untitled:plain.wat"
    text = "(module (func $f (param $x i32) (local.g)))"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wat", 1, text))
    )
    at = text.index("local.g") + len("local.g")
    found = await client.text_document_completion_async(
        types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(0, at))
    )
    assert isinstance(found, types.CompletionList)
    assert [(i.label, i.insert_text_format, i.text_edit) for i in found.items] == [
        (
            "local.get",
            types.InsertTextFormat.PlainText,
            types.TextEdit(types.Range(types.Position(0, at - 7), types.Position(0, at)), "local.get"),
        )
    ]
