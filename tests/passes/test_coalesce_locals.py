"""coalesce-locals: exact edits, validity, same behaviour, and at least wasm-opt's result."""

from __future__ import annotations

import random
import re
import subprocess
from pathlib import Path

from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.liveness import Interference, compute_liveness, dead_stores
from wat_lsp.passes import coalesce_locals
from wat_lsp.passes.registry import run_passes

from tests.oracles import wasmtime_run, wasmtools
from tests.oracles.binary_counts import decode_module
from tests.tools import need_wasm_opt

ROOT = Path(__file__).resolve().parents[2]


def coalesce(src: str) -> str:
    return run_passes(src.encode(), ["coalesce-locals"]).decode()


def check(src: str, expected: str) -> None:
    """Exact output, which validates and runs as the input does."""
    out = coalesce(src)
    assert out == expected
    assert wasmtools.validate(out.encode()).ok, wasmtools.validate(out.encode()).message
    before = wasmtime_run.run_exports(wasmtools.parse(src))
    assert not wasmtime_run.diff_outcomes(before, wasmtime_run.run_exports(wasmtools.parse(out)))


# ------------------------------------------------------------------ exact edits

NAMED = """(module
  (func $f (export "f") (param $p i32) (result i32)
    (local $a i32) (local $b i32) (local $c i32) ;; three
    (local.set $a (i32.add (local.get $p) (i32.const 1)))
    (local.set $b (local.get $a))  ;; copy
    (local.set $c (i32.mul (local.get $b) (i32.const 3)))
    (local.get $c)))
"""


def test_folded_named_copies_merge_into_the_param() -> None:
    check(
        NAMED,
        """(module
  (func $f (export "f") (param $p i32) (result i32)
    ;; three
    (local.set $p (i32.add (local.get $p) (i32.const 1)))
    ;; copy
    (local.set $p (i32.mul (local.get $p) (i32.const 3)))
    (local.get $p)))
""",
    )


PLAIN = """(module
  (func $sum (export "sum") (param i32) (result i32)
    (local i32 i32 i64 i32)
    i32.const 0
    local.set 1
    block
      loop
        local.get 0
        i32.eqz
        br_if 1
        local.get 1
        local.get 0
        i32.add
        local.set 2 ;; copy below
        local.get 2
        local.set 1
        local.get 0
        i32.const 1
        i32.sub
        local.set 4
        local.get 4
        local.set 0
        br 0
      end
    end
    local.get 1)
)
"""


def test_plain_numeric_loop() -> None:
    """Copies on the loop's back edge go; the unused i64 goes; 4 joins the param, 2 joins 1."""
    check(
        PLAIN,
        """(module
  (func $sum (export "sum") (param i32) (result i32)
    (local i32)
    i32.const 0
    local.set 1
    block
      loop
        local.get 0
        i32.eqz
        br_if 1
        local.get 1
        local.get 0
        i32.add
        local.set 1 ;; copy below
        local.get 0
        i32.const 1
        i32.sub
        local.set 0
        br 0
      end
    end
    local.get 1)
)
""",
    )


APART = """(module
  (func $apart (export "apart") (param $p i32) (result i32) (local $a i32) (local $b i32) (local $c i32)
    (local.set $a (i32.mul (local.get $p) (i32.const 3)))
    (local.set $b (i32.add (local.get $p) (i32.const 5)))
    (local.set $c (i32.sub (local.get $a) (local.get $b)))
    (i32.mul (local.get $c) (local.get $b)))
  (func $tees (export "tees") (param i32) (result i32)
    (local i64 i32 i32 f32) (local $n i32)
    local.get 0
    local.tee 2
    local.set 3
    (local.set $n (local.tee 2 (i32.add (local.get 3) (i32.const 1))))
    (local.set 2 (i32.const 4))
    (local.set 3 (call $side))
    local.get $n
    local.get 2
    i32.add)
  (func $side (result i32) (i32.const 11))
)
"""


def test_interfering_locals_stay_apart_and_tees() -> None:
    """$a and $b are live together, so they keep two slots ($b takes the param's, which is
    dead by then). In $tees a copy chain through a tee goes whole, a dead tee leaves its
    operand, a dead set of a call becomes `drop`, and numeric indices are renumbered."""
    check(
        APART,
        """(module
  (func $apart (export "apart") (param $p i32) (result i32) (local $a i32)
    (local.set $a (i32.mul (local.get $p) (i32.const 3)))
    (local.set $p (i32.add (local.get $p) (i32.const 5)))
    (local.set $a (i32.sub (local.get $a) (local.get $p)))
    (i32.mul (local.get $a) (local.get $p)))
  (func $tees (export "tees") (param i32) (result i32)
    (local $n i32)
    (local.set $n (i32.add (local.get 0) (i32.const 1)))
    (local.set 0 (i32.const 4))
    (drop (call $side))
    local.get $n
    local.get 0
    i32.add)
  (func $side (result i32) (i32.const 11))
)
""",
    )


BRANCHES = """(module
  (type $node (struct (field i32)))
  (tag $e)
  (func $g (param i32) (if (local.get 0) (then (throw $e))))
  (func $try (export "try") (param $p i32) (result i32) (local $a i32) (local $b i32) (local $c i32)
    (local.set $a (i32.const 7))
    (block $h
      (try_table (catch_all $h)
        (local.set $b (i32.add (local.get $a) (i32.const 1)))
        (call $g (local.get $p))
        (local.set $a (local.get $b))
        (local.set $c (i32.const 3))
        (return (local.get $c))))
    (local.get $a))
  (func $branches (export "br") (param $p i32) (param $q i32) (result i32) (local $t i32) (local $u i32) (local $v i64)
    (if (local.get $p)
      (then (local.set $t (i32.mul (local.get $q) (i32.const 2))))
      (else (local.set $t (i32.const 9))))
    (local.set $u (i32.add (local.get $t) (local.get $q)))
    (i32.add (local.get $u) (local.get $t)))
)
"""


def test_branches_and_try_table() -> None:
    """In $try, the handler reads $a when $g throws, so $a = 7 stays and $a, $b stay apart
    ($c joins the param); the copy into $a after the call is dead, as nothing after it can
    throw. In $branches both arms store into the slot of $p."""
    check(
        BRANCHES,
        """(module
  (type $node (struct (field i32)))
  (tag $e)
  (func $g (param i32) (if (local.get 0) (then (throw $e))))
  (func $try (export "try") (param $p i32) (result i32) (local $a i32) (local $b i32)
    (local.set $a (i32.const 7))
    (block $h
      (try_table (catch_all $h)
        (local.set $b (i32.add (local.get $a) (i32.const 1)))
        (call $g (local.get $p))
        (local.set $p (i32.const 3))
        (return (local.get $p))))
    (local.get $a))
  (func $branches (export "br") (param $p i32) (param $q i32) (result i32)
    (if (local.get $p)
      (then (local.set $p (i32.mul (local.get $q) (i32.const 2))))
      (else (local.set $p (i32.const 9))))
    (local.set $q (i32.add (local.get $p) (local.get $q)))
    (i32.add (local.get $q) (local.get $p)))
)
""",
    )


def test_store_before_a_throw_in_a_try_table_is_live() -> None:
    src = b"""(module (func $g) (func (result i32) (local $a i32) (local $b i32)
      (block $h (try_table (catch_all $h) (local.set $a (i32.const 2)) (call $g)
        (local.set $a (i32.const 3)) (local.set $b (i32.const 1))) (return (local.get $b)))
      (local.get $a)))"""
    read = analyse(src).modules[0].read
    assert read is not None
    f = read.module.funcs[1]
    # `$a = 2` is read when $g throws; `$a = 3` is not: nothing after it can throw
    assert [(f.body[i].op.name, f.body[i - 1].imms) for i in dead_stores(f, compute_liveness(f))] == [
        ("local.set", (3,))
    ]


NON_NULLABLE = """(module
  (type $node (struct (field i32)))
  (func $nn (export "nn") (param $p i32) (result i32) (local $x (ref $node)) (local $y (ref $node)) (local $z (ref null $node))
    (local.set $x (struct.new $node (local.get $p)))
    (local.set $y (local.get $x))   ;; copy of a non-nullable local
    (local.set $z (local.get $y))
    (local.set $x (struct.new $node (i32.const 5)))  ;; dead: x is not read again
    (struct.get $node 0 (local.get $y)))
  (func $needed (export "needed") (param $p i32) (result i32) (local $x (ref $node)) (local $y (ref $node))
    (local.set $x (struct.new $node (i32.const 0)))  ;; dead, but the 1a rule needs it
    (if (local.get $p)
      (then (local.set $x (struct.new $node (i32.const 1))))
      (else (local.set $x (struct.new $node (i32.const 2)))))
    (local.set $y (struct.new $node (i32.add (struct.get $node 0 (local.get $x)) (i32.const 1))))
    (struct.get $node 0 (local.get $y)))
)
"""


def test_non_nullable_locals() -> None:
    """Non-nullable locals merge; a dead store to one goes (as `drop`) when every get still
    follows a set, and stays when the 1a rule needs it."""
    check(
        NON_NULLABLE,
        """(module
  (type $node (struct (field i32)))
  (func $nn (export "nn") (param $p i32) (result i32) (local $x (ref $node))
    (local.set $x (struct.new $node (local.get $p)))
    ;; copy of a non-nullable local
    (drop (struct.new $node (i32.const 5)))  ;; dead: x is not read again
    (struct.get $node 0 (local.get $x)))
  (func $needed (export "needed") (param $p i32) (result i32) (local $x (ref $node))
    (local.set $x (struct.new $node (i32.const 0)))  ;; dead, but the 1a rule needs it
    (if (local.get $p)
      (then (local.set $x (struct.new $node (i32.const 1))))
      (else (local.set $x (struct.new $node (i32.const 2)))))
    (local.set $x (struct.new $node (i32.add (struct.get $node 0 (local.get $x)) (i32.const 1))))
    (struct.get $node 0 (local.get $x)))
)
""",
    )


def test_names_fall_back_to_indices_and_zero_values() -> None:
    """A merged `$name` reference to an unnamed kept local becomes its new index. $b copies
    1 and joins it; $a holds its zero while 1 is stored with another value, so it stays."""
    src = """(module
  (func (export "z") (param $p i32) (result i32) (local i32) (local $a i32) (local $b i32)
    (local.set $b (local.get 1))
    (local.set 1 (i32.add (local.get $p) (local.get $b)))
    (i32.add (local.get 1) (local.get $a))))
"""
    check(
        src,
        """(module
  (func (export "z") (param $p i32) (result i32) (local i32) (local $a i32)
    (local.set 1 (i32.add (local.get $p) (local.get 1)))
    (i32.add (local.get 1) (local.get $a))))
""",
    )


def test_unreachable_code_and_untouched_functions() -> None:
    unreachable = """(module (func (export "u") (result i32) (local $a i32) (local $b i32)
  (local.set $a (i32.const 1)) (return (local.get $a)) (local.set $b (i32.const 2)) (local.get $b)))
"""
    check(
        unreachable,
        """(module (func (export "u") (result i32) (local $a i32)
  (local.set $a (i32.const 1)) (return (local.get $a)) (local.set $a (i32.const 2)) (local.get $a)))
""",
    )
    invalid = b"(module (func (local $a i32) (local $b i32) (local.set $a (i32.const 1)) (i64.const 1)))"
    assert run_passes(invalid, ["coalesce-locals"]) == invalid
    legacy = b"(module (tag $e) (func (local $a i32) (local $b i32) (try (do) (catch $e))))"
    assert run_passes(legacy, ["coalesce-locals"]) == legacy


def test_result_counts() -> None:
    doc = analyse(APART.encode())
    read = doc.modules[0].read
    assert read is not None
    got = [coalesce_locals.func_result(doc, f) for f in read.module.funcs]
    assert [(r.locals_before, r.locals_after, r.copies_removed, r.dead_stores_removed) for r in got if r] == [
        (3, 1, 0, 0),
        (5, 1, 2, 2),
        (0, 0, 0, 0),
    ]


# ---------------------------------------------------------------- interference


def test_interference_is_sparse_adjacency_and_pair_copies() -> None:
    g = Interference()
    g.add(3, 40_000)
    g.add(40_000, 3)
    g.add(5, 5)
    g.add_copy(9, 2, 2)
    g.add_copy(2, 9)
    assert g.edges() == {(3, 40_000)} and g.interferes(40_000, 3) and not g.interferes(3, 4)
    assert g.neighbors(3) == {40_000} and g.neighbors(5) == set()
    assert g.copies == {(2, 9): 3}


# ------------------------------------------------------------------- comments


def test_comments_survive_byte_for_byte() -> None:
    src = """;; head
(module (; m ;)
  ;; before
  (func $f (export "f") (param $p i32) (; params ;) (result i32)
    (local $a i32) ;; a
    (local $b i32) (; b ;) (local $c i32)
    (; first ;) (local.set $a (; value: ;) (i32.add (local.get $p) (i32.const 2))) ;; set a
    (local.set $b ;; inside
      (local.get $a)) (; copy ;)
    local.get $b ;; plain
    local.set $c
    (local.get $c) (; last ;))
  ;; after
)
"""
    out = coalesce(src)
    for comment in re.findall(r";;[^\n]*|\(;.*?;\)", src):
        assert out.count(comment) == src.count(comment), comment
    assert wasmtools.validate(out.encode()).ok
    assert out.count("local.set") == 1 and "(local $" not in out


# Each thing coalesce-locals deletes leaves the comments written inside it where it was.


def test_a_removed_copy_keeps_its_comment() -> None:
    check(
        """(module
  (func (export "copy") (param $p i32) (result i32) (local $a i32)
    (local.set $a (; c ;) (local.get $p)) ;; a copy
    (i32.add (local.get $a) (i32.const 1))))
""",
        """(module
  (func (export "copy") (param $p i32) (result i32)
    (; c ;) ;; a copy
    (i32.add (local.get $p) (i32.const 1))))
""",
    )


def test_a_removed_dead_store_keeps_its_comment() -> None:
    check(
        """(module
  (func (export "dead") (param i32) (result i32) (local i32 i32)
    (local.set 2 (; c ;) (i32.const 1)) ;; dead
    (local.set 2 (i32.add (local.get 0) (i32.const 2)))
    (local.get 2)))
""",
        """(module
  (func (export "dead") (param i32) (result i32)
    (; c ;) ;; dead
    (local.set 0 (i32.add (local.get 0) (i32.const 2)))
    (local.get 0)))
""",
    )


def test_a_removed_declaration_keeps_its_comment() -> None:
    check(
        """(module
  (func (export "decl") (param $p i64) (result i64)
    (local $unused i64 (; c ;)) (local $b i64)
    (local.set $b (local.get $p))
    (local.get $b)))
""",
        """(module
  (func (export "decl") (param $p i64) (result i64)
    (; c ;)
    (local.get $p)))
""",
    )


def test_comments_between_a_removed_store_and_its_index_stay() -> None:
    # a dead set becoming `drop`, a dead folded tee (a `;;` comment: the line break stays)
    # and a dead plain tee going
    check(
        """(module
  (func (export "h") (param $p i32) (result i32) (local $a i32) (local $b i32)
    (local.set (; s ;) $a (i32.add (local.get $p) (i32.const 1)))
    (drop (local.tee ;; t
      $b (local.get $p)))
    local.get $p
    local.tee (; u ;)$b
    drop
    (local.set $a (i32.const 5))
    (local.get $a)))
""",
        """(module
  (func (export "h") (param $p i32) (result i32)
    (drop (; s ;) (i32.add (local.get $p) (i32.const 1)))
    (drop ;; t
      (local.get $p))
    local.get $p
    (; u ;)
    drop
    (local.set $p (i32.const 5))
    (local.get $p)))
""",
    )


def test_a_kept_line_comment_still_ends_its_line() -> None:
    # in a removed declaration, and in a removed copy with code after it on the same line
    check(
        """(module
  (func (export "line") (result f32) (local $x f32)
    (local f32 ;; c
      f64) (local.set $x (f32.const 1.5))
    (local.get $x))
  (func (export "inline") (param $p i32) (result i32) (local $a i32)
    (local.set $a ;; d
      (local.get $p)) (i32.add (local.get $a) (i32.const 3))))
""",
        """(module
  (func (export "line") (result f32) (local $x f32)
    ;; c
    (local.set $x (f32.const 1.5))
    (local.get $x))
  (func (export "inline") (param $p i32) (result i32)
    ;; d
    (i32.add (local.get $p) (i32.const 3))))
""",
    )


def test_comments_put_anywhere_in_smith_modules_survive() -> None:
    """Comments put at random around and inside the declarations and local accesses of smith
    modules (between `(`, mnemonic and index too) all survive, the output validates, and the
    pass removes as many locals as without them."""
    rng = random.Random(1)
    kinds = [";; c{}\n", "(; b{} ;)", "(; multi\nline {} ;)"]
    outs: list[bytes] = []
    for seed, _fold, data in wasmtools.smith_texts(range(40)):
        read = analyse(data).modules[0].read
        assert read is not None
        spots: set[int] = set()
        for f in read.module.funcs:
            spots.update(p for d in f.locals for p in (d.span.start, d.span.end))
            spots.update(
                p
                for ins in f.body
                if ins.op.name.startswith("local.")
                for p in (ins.ostart, ins.start, ins.start + len(ins.op.name), ins.end, ins.oend)
            )
        comments = [rng.choice(kinds).format(k) for k in range(10)]
        parts, last = [], 0
        for p, c in zip(sorted(rng.sample(sorted(spots), min(len(spots), 10))), comments, strict=False):
            parts += [data[last:p], f" {c} ".encode()]
            last = p
        src = b"".join(parts) + data[last:]
        out = run_passes(src, ["coalesce-locals"])
        if out == src:
            continue
        assert all(out.count(c.strip().encode()) == src.count(c.strip().encode()) for c in comments), seed
        plain = run_passes(data, ["coalesce-locals"])
        assert [f.num_locals for f in decode_module(wasmtools.parse(out)).functions] == [
            f.num_locals for f in decode_module(wasmtools.parse(plain)).functions
        ], seed
        outs.append(out)
    assert len(outs) >= 15
    assert all(r.ok for r in wasmtools.validate_many(outs))


# ------------------------------------------------------------------ oracles


def test_smith_modules_validate_and_behave_the_same() -> None:
    changed = compared = 0
    for seed, fold, text in wasmtools.smith_texts(range(30)):
        out = run_passes(text, ["coalesce-locals"])
        if out == text:
            continue
        changed += 1
        assert wasmtools.validate(out).ok, (seed, fold, wasmtools.validate(out).message)
        diffs = wasmtime_run.runs_the_same(text, out)
        if diffs is None:
            continue
        compared += 1
        assert not diffs, seed
    assert changed >= 10 and compared >= 5


_COPY = re.compile(r"^\s*local\.get \S+\s*\n\s*local\.(?:set|tee) ", re.M)


def _single_function(locals_: int) -> str:
    import io
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import genwat
    finally:
        sys.path.remove(str(ROOT / "bench"))
    out = io.StringIO()
    genwat.generate_single_function(out, locals_=locals_, seed=3)
    return out.getvalue()


def test_no_more_locals_than_wasm_opt(tmp_path: Path) -> None:
    wasm_opt = need_wasm_opt()
    fewer = 0
    for k, src in enumerate((NAMED, PLAIN, APART, BRANCHES, NON_NULLABLE, _single_function(300))):
        ours = decode_module(wasmtools.parse(coalesce(src))).functions
        (tmp_path / f"{k}.wasm").write_bytes(wasmtools.parse(src))
        subprocess.run(
            [
                wasm_opt,
                "--all-features",
                "--coalesce-locals",
                str(tmp_path / f"{k}.wasm"),
                "-o",
                str(tmp_path / f"{k}.out.wasm"),
            ],
            capture_output=True,
            check=True,
            timeout=60,
        )
        theirs = decode_module((tmp_path / f"{k}.out.wasm").read_bytes()).functions
        pairs = [(a.num_locals, b.num_locals) for a, b in zip(ours, theirs, strict=True)]
        assert all(a <= b for a, b in pairs), (k, pairs)
        fewer += sum(a < b for a, b in pairs)
        copies = [
            len(_COPY.findall(wasmtools.print_wasm(w)))
            for w in (wasmtools.parse(coalesce(src)), (tmp_path / f"{k}.out.wasm").read_bytes())
        ]
        assert copies[0] <= copies[1], (k, copies)  # copies left: at most wasm-opt's
    assert fewer >= 2  # wasm-opt keeps a slot for unused locals of a type nothing else has
