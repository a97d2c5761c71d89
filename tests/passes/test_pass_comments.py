"""Comments and formatting survive every pass byte for byte outside what the pass edits.

Two documents full of line (`;;`) and block (`(; ;)`) comments: inside and around
functions, between params and locals, inside a multi-type local declaration, before and
after instructions, between the operands of folded instructions and between plain ones.
`VALID` gives the liveness and local passes something to do (copies, dead stores, unused
locals, locals declared wider than what they hold, a use order that is not the declaration
order); `UNINITIALIZED` has `uninitialized-local` errors for the fixup. For every pass of
the registry (passes added later included) and for the chain of all of them:

* the edits do not overlap and the bytes between them are the original bytes;
* each edit replaces only instruction text or local declarations: every other
  non-blank byte (module fields, `func`/`param`/`result`, names, types of params, comments)
  is outside the edit ranges, and no insertion lands inside a comment or a token that is
  not an instruction's;
* every comment of the original appears in the output as often as before;
* the output validates with `wasm-tools validate` (for `UNINITIALIZED`, after the fixes
  and the chain; other passes leave its error as it was).
"""

from __future__ import annotations

from collections import Counter

import pytest
from tree_sitter import Node
from wat_lsp.analysis.document import Document, analyse
from wat_lsp.passes.edits import TextEdit, apply_edits, sort_edits
from wat_lsp.passes.registry import FIX_PASSES, PASSES

from tests.oracles import wasmtools

VALID = b""";; a module whose every corner has a comment
(module ;; after the keyword
  (; a block comment (; nested ;) before the types ;)
  (type $t (struct (field (mut i32)))) ;; trailing, after a type
  (global $out (mut i32) (i32.const 0))
  ;; before the function
  (func $f (export "f") (param $p i32) (; between params and results ;) (result i32)
    ;; before the locals
    (local $a i32) ;; $a holds $p
    (local $unused i64 (; inside an unused declaration ;)) (; never used ;) (local $b i32)
    (local i32 (; inside one declaration ;) f64 i32) ;; 4, 5 (unused), 6
    (local $wide anyref) ;; only structs are stored here
    (local $n (ref null $t)) (local $never f32)
    (; before the first instruction ;) (local.set $a (; the value: ;) (local.get $p)) ;; a copy
    (local.set $b (local.get $a))   (; $b copies $a ;)
    (local.set 4 (; inside a dead store ;) (i32.const 1)) ;; dead: overwritten below
    (local.set 4
      ;; between operands
      (i32.add (local.get $b) (; b ;) (i32.const 2)))
    (local.set $wide (struct.new $t (local.get 4)))
    (local.set $n (ref.cast (ref null $t) (local.get $wide))) ;; always set before read
    local.get 6 ;; a plain get of a local still zero
    (; plain ;) drop
    (global.set $out (struct.get $t 0 (local.get $n)))
    (struct.get $t 0 (ref.cast (ref $t) (local.get $wide)))
    ;; before the end
  ) ;; after the function
  (func $g (param i32) (result i32) (local i32 i32 i64) ;; plain code
    local.get 0 ;; the param
    local.set 1 ;; copied
    local.get 1 (; between two instructions ;) local.tee 2
    i32.const 3 ;; three
    i32.add
    local.get 2 i32.mul ;; two on a line
    i32.const 9
    local.set (; between a store and its index ;) 2 (; a dead store in plain code ;)
  )
  (func $h (result i32) (local $x i32) (local $y i32) (local $z i32)
    (local f32 ;; a line comment inside an unused declaration
      f64) (local.set $x (i32.const 0))
    (local.set $z (i32.const 4)) (local.set $y (local.get $z)) (local.set $x (local.get $y)) ;; chain
    (i32.add (local.get $x) (local.get $x)))
) ;; after the module
;; the last line
"""

UNINITIALIZED = b"""(module ;; the fixup's case
  (type $t (struct (field i32)))
  (func (export "f") (result i32) ;; before the locals
    (local $x (; a comment in the type ;) (ref $t)) ;; after the declaration
    (local $y (ref $t)) (; between ;) (local i32)
    (block ;; the set's block
      (local.set $x (struct.new $t (i32.const 3))) (; inside ;)
      (local.set $y (struct.new $t (i32.const 4))))
    (drop (; before a get ;) (local.get $x (; inside a get ;)))
    local.get $y ;; a plain get
    struct.get $t 0)
)
"""

DOCS = {"valid": VALID, "uninitialized": UNINITIALIZED}
CHAIN = "<chain>"


def _walk(root: Node) -> list[Node]:
    """Every node under `root`, without recursion."""
    out: list[Node] = []
    stack = [root]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(node.children)
    return out


def comments(doc: Document) -> list[tuple[int, int]]:
    """Byte ranges of the comments (outermost block comments only)."""
    nodes = [n for n in _walk(doc.tree.root_node) if n.type in ("comment", "block_comment")]
    return sorted((n.start_byte, n.end_byte) for n in nodes)


def comment_texts(doc: Document) -> Counter[bytes]:
    return Counter(doc.data[s:e] for s, e in comments(doc))


def editable_mask(doc: Document) -> bytearray:
    """1 for bytes a pass may replace: instructions (with their folded operands) and local
    declarations. Comments inside them are guarded separately."""
    mask = bytearray(len(doc.data))
    for m in doc.modules:
        if m.read is None:
            continue
        for f in m.read.module.funcs:
            for ins in f.body:
                mask[ins.ostart : ins.oend] = b"\x01" * (ins.oend - ins.ostart)
    for n in _walk(doc.tree.root_node):
        if n.type == "local":
            mask[n.start_byte : n.end_byte] = b"\x01" * (n.end_byte - n.start_byte)
    return mask


def edit_problems(doc: Document, edits: list[TextEdit]) -> list[str]:
    """What is wrong with `edits`, one message per problem."""
    data = doc.data
    mask = editable_mask(doc)
    cs = comments(doc)
    problems: list[str] = []
    for e in sort_edits(edits):
        old = data[e.start : e.end]
        for s, t in cs:
            if e.start < t and s < e.end and data[s:t] not in e.new_text.encode():
                problems.append(f"{e} removes the comment {data[s:t]!r}")
            if e.start == e.end and s < e.start < t:
                problems.append(f"{e} inserts inside the comment {data[s:t]!r}")
        for k in range(e.start, e.end):
            in_comment = any(s <= k < t for s, t in cs)
            if not mask[k] and not data[k : k + 1].isspace() and not in_comment:
                problems.append(f"{e} replaces {old!r}, which is not instruction or local text")
                break
        if e.start == e.end and 0 < e.start < len(data):
            before, after = data[e.start - 1 : e.start], data[e.start : e.start + 1]
            token = (
                not before.isspace()
                and not after.isspace()
                and before != b"("
                and after != b")"
                and before != b")"
                and after != b"("
            )
            if token and not (mask[e.start - 1] and mask[e.start]):
                problems.append(f"{e} inserts inside the token around {data[e.start - 8 : e.start + 8]!r}")
    return problems


def outside_equal(data: bytes, edits: list[TextEdit], out: bytes) -> bool:
    """The bytes between the edit ranges are the original ones, in order, in `out`."""
    pos_in = pos_out = 0
    for e in sort_edits(edits):
        gap = data[pos_in : e.start]
        if out[pos_out : pos_out + len(gap)] != gap:
            return False
        pos_out += len(gap) + len(e.new_text.encode())
        pos_in = e.end
    return out[pos_out:] == data[pos_in:]


def _chain(data: bytes) -> list[tuple[str, Document, list[TextEdit]]]:
    steps = []
    doc = analyse(data)
    for name, info in PASSES.items():
        edits = info.run(doc)
        if edits:
            steps.append((name, doc, edits))
            doc = analyse(apply_edits(doc.data, edits))
    return steps


CASES = [(p, d) for p in [*PASSES, CHAIN] for d in DOCS]


@pytest.mark.parametrize(("pass_name", "doc_name"), CASES, ids=[f"{p}-{d}" for p, d in CASES])
def test_comments_survive(pass_name: str, doc_name: str) -> None:
    data = DOCS[doc_name]
    if pass_name == CHAIN:
        steps = _chain(data)
    else:
        doc = analyse(data)
        edits = PASSES[pass_name].run(doc)
        steps = [(pass_name, doc, edits)] if edits else []
    out = data
    for step_pass, doc, edits in steps:
        problems = edit_problems(doc, edits)
        assert not problems, f"{step_pass}:\n" + "\n".join(problems[:8])
        out = apply_edits(doc.data, edits)
        assert outside_equal(doc.data, edits, out)
    before, after = comment_texts(analyse(data)), comment_texts(analyse(out))
    assert not after - before, f"comments that were not there: {after - before}"
    assert not before - after, f"comments lost: {before - after}"
    if steps:
        result = wasmtools.validate(out)
        if doc_name == "valid" or pass_name in (*FIX_PASSES, CHAIN):
            assert result.ok, (out.decode(), result)
        else:  # a pass that fixes nothing leaves the error it found, and no other
            assert result.reason.startswith("uninitialized local"), (out.decode(), result)


@pytest.mark.parametrize("pass_name", list(PASSES))
def test_every_pass_edits_a_commented_document(pass_name: str) -> None:
    assert any(PASSES[pass_name].run(analyse(d)) for d in DOCS.values()), pass_name


def test_documents_as_intended() -> None:
    assert wasmtools.validate(VALID).ok
    assert analyse(VALID).diagnostics and all(d.severity > 1 for d in analyse(VALID).diagnostics)
    assert {d.code for d in analyse(UNINITIALIZED).diagnostics} == {"uninitialized-local"}
    assert len(comments(analyse(VALID))) == 38
    assert len(comments(analyse(UNINITIALIZED))) == 10


def test_the_checks_catch_bad_edits() -> None:
    doc = analyse(VALID)
    data = VALID
    comment = data.index(b";; a copy")
    func_kw = data.index(b"(func $g") + 1
    param = data.index(b"(param $p i32)")
    get = data.index(b"local.get 6")
    assert edit_problems(doc, [TextEdit(comment, comment + 9, "")])  # a comment removed
    assert edit_problems(doc, [TextEdit(comment + 3, comment + 3, "x")])  # inside a comment
    assert edit_problems(doc, [TextEdit(func_kw, func_kw + 4, "func")])  # not instruction text
    assert edit_problems(doc, [TextEdit(param + 3, param + 3, "x")])  # inside `param`
    assert not edit_problems(doc, [TextEdit(get, get + len("local.get 6"), "i32.const 0")])
    bad = [TextEdit(get, get + 3, "")]
    assert outside_equal(data, bad, apply_edits(data, bad))
    assert not outside_equal(data, bad, data)
    assert comment_texts(analyse(data.replace(b";; a copy", b""))) != comment_texts(doc)
