"""Hand-written modules for the proposals that real files use, one list per proposal.

Each entry is a whole module; whether it is valid is not written here: the oracle,
`wasm-tools validate --features all`, says (`tests/analysis/test_proposals.py`). Each list
holds valid and invalid modules, at least 30.
"""

from __future__ import annotations

# Types shared by the stack-switching modules.
_FT = "(type $ft (func (param i32) (result i32))) (type $ct (cont $ft))"
_F0 = "(type $f0 (func)) (type $c0 (cont $f0))"
_TAGS = "(tag $e (param i32) (result i32)) (tag $t0)"


def _ss(body: str, head: str = _FT + " " + _TAGS) -> str:
    return f"(module {head} {body})"


STACK_SWITCHING: list[str] = [
    _ss(""),
    _ss("(func (param (ref $ct)) (result (ref $ct)) (local.get 0))"),
    _ss("(func (param (ref null $ct)) (result contref) (local.get 0))"),
    _ss("(func (param contref) (result (ref null $ct)) (local.get 0))"),
    _ss("(func (result nullcontref) (ref.null nocont))"),
    _ss("(func (result (ref null $ct)) (ref.null nocont))"),
    _ss("(func (result contref) (ref.null cont))"),
    _ss("(func (result (ref null $ct)) (ref.null cont))"),
    _ss("(func (param (ref $ct)) (result funcref) (local.get 0))"),
    _ss("(type $bad (cont 0))", head="(type (func))"),
    _ss("(type $bad (cont $ct))"),
    _ss("(type $bad (cont 99))"),
    _ss(
        "(elem declare func $g) (func $g (param i32) (result i32) (local.get 0)) "
        "(func (result (ref $ct)) (cont.new $ct (ref.func $g)))"
    ),
    _ss("(func (param (ref null $ft)) (result (ref $ct)) (cont.new $ct (local.get 0)))"),
    _ss("(func (param (ref $f0)) (result (ref $ct)) (cont.new $ct (local.get 0)))", head=_FT + " " + _F0),
    _ss("(func (param (ref $ft)) (result (ref $ct)) (cont.new $ft (local.get 0)))"),
    _ss(
        "(func (param (ref $ct)) (result (ref $c0)) (cont.bind $ct $c0 (i32.const 1) (local.get 0)))",
        head="(type $ft (func (param i32))) (type $ct (cont $ft)) " + _F0,
    ),
    _ss(
        "(func (param (ref $ct)) (result (ref $c0)) (cont.bind $ct $c0 (local.get 0)))",
        head="(type $ft (func (param i32))) (type $ct (cont $ft)) " + _F0,
    ),
    _ss(
        "(func (param (ref $c0)) (result (ref $ct)) (cont.bind $c0 $ct (local.get 0)))",
        head="(type $ft (func (param i32))) (type $ct (cont $ft)) " + _F0,
    ),
    _ss("(func (param (ref null $ct)) (result i32) (resume $ct (i32.const 1) (local.get 0)))"),
    _ss("(func (param (ref $ct)) (result i32) (resume $ct (local.get 0)))"),
    _ss("(func (param (ref $ct)) (result i64) (resume $ct (i32.const 1) (local.get 0)))"),
    _ss(
        "(func (param (ref $ct)) (result i32) (block $l (result i32 (ref $ct)) "
        "(return (resume $ct (on $e $l) (i32.const 1) (local.get 0)))))"
    ),
    _ss(
        "(func (param (ref $ct)) (result i32) (drop (block $l (result (ref $ct)) "
        "(return (resume $ct (on $e $l) (i32.const 1) (local.get 0))))) (i32.const 0))"
    ),
    _ss(
        "(func (param (ref $ct)) (result i32) (block $l (result i32) "
        "(return (resume $ct (on $e $l) (i32.const 1) (local.get 0)))))"
    ),
    _ss(
        "(func (param (ref $ct)) (result i32) (block $l (result i32 (ref $ct)) "
        "(return (resume $ct (on $e $l) (on $e $l) (i32.const 1) (local.get 0)))))"
    ),
    _ss("(func (param (ref $ct)) (result i32) (resume $ct (on $t0 switch) (i32.const 1) (local.get 0)))"),
    _ss("(func (param (ref $ct)) (result i32) (resume $ct (on $e switch) (i32.const 1) (local.get 0)))"),
    _ss("(func (param (ref $ct)) (result i32) (resume $ct (on $nope switch) (i32.const 1) (local.get 0)))"),
    _ss("(func (param (ref $ct)) (result i32) (resume $ct (on $t0 5) (i32.const 1) (local.get 0)))"),
    _ss("(func (result i32) (suspend $e (i32.const 1)))"),
    _ss("(func (result i32) (suspend $e))"),
    _ss("(func (suspend $t0))"),
    _ss("(func (result i64) (suspend $e (i32.const 1)))"),
    _ss("(func (param (ref $ct)) (result i32) (resume_throw $ct $t0 (local.get 0)))"),
    _ss("(func (param (ref $ct)) (result i32) (resume_throw $ct $e (i32.const 1) (local.get 0)))"),
    _ss("(func (param (ref $ct) exnref) (result i32) (resume_throw_ref $ct (local.get 1) (local.get 0)))"),
    _ss("(func (param (ref $ct) i32) (result i32) (resume_throw_ref $ct (local.get 1) (local.get 0)))"),
    _ss("(func (throw $e (i32.const 1)))"),
    _ss("(func (throw $t0))"),
    _ss("(func (block (try_table (catch $e 0) (nop))))"),
    # switch: a continuation whose last parameter is a continuation, a tag without params
    "(module (rec (type $fs (func (param i32 (ref null $cs)) (result i32))) (type $cs (cont $fs))) "
    "(tag $sw (result i32)) "
    "(func (param (ref $cs)) (result i32) (switch $cs $sw (i32.const 1) (local.get 0))))",
    "(module (rec (type $fs (func (param i32 (ref null $cs)) (result i32))) (type $cs (cont $fs))) "
    "(tag $sw (result i64)) "
    "(func (param (ref $cs)) (result i32) (switch $cs $sw (i32.const 1) (local.get 0))))",
    "(module (rec (type $fs (func (param i32 (ref null $cs)) (result i32))) (type $cs (cont $fs))) "
    "(tag $sw (param i32) (result i32)) "
    "(func (param (ref $cs)) (result i32) (switch $cs $sw (i32.const 1) (local.get 0))))",
    _ss("(tag $sw (result i32)) (func (param (ref $ct)) (result i32) (switch $ct $sw (local.get 0)))"),
    _ss("(func (param (ref $ct)) (result i32) (call_ref $ct (i32.const 1) (local.get 0)))"),
    _ss("(global (ref null $ct) (ref.null $ct))"),
    _ss("(table 1 (ref null $ct))"),
    _ss("(func (param (ref $ct)) (result i32) (ref.test (ref $ct) (local.get 0)))"),
    _ss("(func (param anyref) (result i32) (ref.test (ref $ct) (local.get 0)))"),
    "(module (type $ft (func)) (type $ct (sub (cont $ft))) (type $ct2 (sub $ct (cont $ft))))",
    "(module (type $ft (func)) (type $ct (cont $ft)) (type $ct2 (sub $ct (cont $ft))))",
    "(module (tag (result i32)))",
    "(module (tag (param i32) (result i32 i64)))",
]

# More stack switching: casts, `switch` handler tags, continuation subtyping.
STACK_SWITCHING += [
    _ss("(func (param contref) (result i32) (ref.test (ref cont) (local.get 0)))"),
    _ss("(func (param contref) (result i32) (ref.test (ref null nocont) (local.get 0)))"),
    _ss("(func (param contref) (result contref) (ref.cast (ref null $ct) (local.get 0)))"),
    _ss(
        "(func (param contref) (result contref) (block (result contref) "
        "(br_on_cast 0 contref (ref $ct) (local.get 0))))"
    ),
    _ss("(func (param anyref) (result anyref) (ref.cast anyref (local.get 0)))"),
    _ss("(func (param contref) (result i32) (ref.is_null (local.get 0)))"),
    _ss("(func (param contref) (result i32) (ref.eq (local.get 0) (local.get 0)))"),
    _ss("(func (param (ref null $ct)) (result (ref $ct)) (ref.as_non_null (local.get 0)))"),
    "(module (type $fr (func (result anyref))) (type $cr (cont $fr)) (tag $t (result anyref)) "
    "(func (param (ref $cr)) (result anyref) (resume $cr (on $t switch) (local.get 0))))",
    "(module (type $fr (func (result anyref))) (type $cr (cont $fr)) (tag $t (result i31ref)) "
    "(func (param (ref $cr)) (result anyref) (resume $cr (on $t switch) (local.get 0))))",
    "(module (type $fr (func (result i31ref))) (type $cr (cont $fr)) (tag $t (result anyref)) "
    "(func (param (ref $cr)) (result anyref) (resume $cr (on $t switch) (local.get 0))))",
    "(module (type $f0 (func)) (type $c0 (cont $f0)) (tag $t (param i32)) "
    "(func (param (ref $c0)) (resume $c0 (on $t switch) (local.get 0))))",
    _ss("(func (param (ref null $c0)) (call_ref $c0 (local.get 0)))", head=_F0),
    _ss("(func (result (ref $c0)) (cont.new $c0 (ref.null nofunc)))", head=_F0),
    _ss("(type $s (shared (cont $f0)))", head=_F0),
    _ss("(func (param (ref $c0)) (result (ref $c0)) (cont.bind $c0 $c0 (local.get 0)))", head=_F0),
    _ss("(func (param (ref $c0)) (resume $c0 (on $t0 0) (local.get 0)))", head=_F0 + " (tag $t0)"),
]

MEMORY_CONTROL: list[str] = [
    "(module (memory 1) (func (memory.discard (i32.const 0) (i32.const 0))))",
    "(module (memory 1) (func (param i32 i32) (memory.discard (local.get 0) (local.get 1))))",
    "(module (memory 1) (func i32.const 0 i32.const 65536 memory.discard))",
    "(module (memory i64 1) (func (memory.discard (i64.const 0) (i64.const 0))))",
    "(module (memory i64 1) (func (memory.discard (i64.const 0) (i32.const 0))))",
    "(module (memory i64 1) (func (memory.discard (i32.const 0) (i64.const 0))))",
    "(module (memory 1) (func (memory.discard (i64.const 0) (i64.const 0))))",
    "(module (memory 1) (memory $m 1) (func (memory.discard $m (i32.const 0) (i32.const 0))))",
    "(module (memory 1) (memory $m 1) (func (memory.discard 1 (i32.const 0) (i32.const 0))))",
    "(module (memory 1) (memory i64 1) (func (memory.discard 1 (i64.const 0) (i64.const 0))))",
    "(module (memory 1) (memory i64 1) (func (memory.discard 1 (i32.const 0) (i32.const 0))))",
    "(module (memory 1) (func (memory.discard 1 (i32.const 0) (i32.const 0))))",
    "(module (memory 1) (func (memory.discard $nope (i32.const 0) (i32.const 0))))",
    "(module (func (memory.discard (i32.const 0) (i32.const 0))))",
    "(module (memory 1 1 shared) (func (memory.discard (i32.const 0) (i32.const 0))))",
    "(module (memory 1) (func (result i32) (memory.discard (i32.const 0) (i32.const 0))))",
    "(module (memory 1) (func (memory.discard (i32.const 0))))",
    "(module (memory 1) (func (memory.discard)))",
    "(module (memory 1) (func (memory.discard (i32.const 0) (i32.const 0) (i32.const 0))))",
    "(module (memory 1) (func (memory.discard (f32.const 0) (i32.const 0))))",
    "(module (memory 1 (pagesize 1)) (func (memory.discard (i32.const 0) (i32.const 0))))",
    "(module (memory 1) (global i32 (memory.discard (i32.const 0) (i32.const 0))))",
    '(module (import "m" "mem" (memory 1)) (func (memory.discard (i32.const 0) (i32.const 0))))',
    '(module (import "m" "mem" (memory i64 1)) (func (memory.discard (i64.const 0) (i64.const 0))))',
    "(module (memory 1) (func (block (memory.discard (i32.const 0) (i32.const 0)))))",
    "(module (memory 1) (func unreachable memory.discard))",
    "(module (memory 1) (func (param i64) (memory.discard (i32.wrap_i64 (local.get 0)) (i32.const 8))))",
    "(module (memory 1) (func (drop (memory.discard (i32.const 0) (i32.const 0)))))",
    "(module (memory 0) (func (memory.discard (i32.const 0) (i32.const 0))))",
    "(module (memory 1) (func (memory.discard 0 (i32.const 0) (i32.const 0))))",
    "(module (memory 1) (func (memory.discard 0 0 (i32.const 0) (i32.const 0))))",
    "(module (memory 1) (func (memory.discard offset=4 (i32.const 0) (i32.const 0))))",
]

_D = "(module (memory 1) (data (i32.const 0) {}))"
NUMERIC_DATA: list[str] = [
    _D.format("(i8 1 2) (i16 3 4) (f32 1.5)"),
    _D.format("(i8 255 -128 0x7f)"),
    _D.format("(i8 256)"),
    _D.format("(i8 -129)"),
    _D.format("(i16 65535 -32768)"),
    _D.format("(i16 65536)"),
    _D.format("(i32 4294967295 -2147483648)"),
    _D.format("(i32 4294967296)"),
    _D.format("(i64 -1 0xffffffffffffffff)"),
    _D.format("(i64 0x1_0000_0000_0000_0000)"),
    _D.format("(f32 1.5 -0.0 inf -inf nan nan:0x1)"),
    _D.format("(f32 0x1p128)"),
    _D.format("(f32 0x1p127 1e38)"),
    _D.format("(f64 nan:0x1 inf -0x1p3 1e308)"),
    _D.format("(f64 1e309)"),
    _D.format("(f32 nan:0x800000)"),
    _D.format("(v128 i32x4 1 2 3 4)"),
    _D.format("(v128 i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)"),
    _D.format("(v128 i8x16 1)"),
    _D.format("(v128 1 2)"),
    _D.format("(v128 i64x2 1 2 i32x4 1 2 3 4)"),
    _D.format("(v128 f32x4 1.5 2 3 4)"),
    _D.format("(v128 i32x4 1.5 2 3 4)"),
    _D.format('"ab" (i8) "c"'),
    _D.format("(i8 1.5)"),
    _D.format("(u8 1)"),
    _D.format("(i8 $x)"),
    _D.format("(f32 i32x4)"),
    _D.format("(i8 1) (memory 0)"),
    _D.format("(i32 1) (i32)"),
    _D.format("(i8 1_0)"),
    _D.format("(i8 +1 -0)"),
    "(module (memory (data (i8 1 2) (i16 3))))",
    "(module (memory i64 (data (i64 1 2))))",
    "(module (memory (data (i32 1)) 1))",
    "(module (memory 0) (data (i32.const 0) (f64 1)))",
    "(module (memory 1) (data $d (i8 1)) (func (data.drop $d)))",
    "(module (data (i8 1)))",
    '(module (memory 1) (data (memory 0) (offset (i32.const 8)) (i16 1) "x"))',
    "(module (memory i64 1) (data (i64.const 0) (i64 1)))",
    "(module (memory i64 1) (data (i32.const 0) (i64 1)))",
]

_BH = '(@metadata.code.branch_hint "{}")'
_IF = "(if (local.get 0) (then))"


def _bh(body: str) -> str:
    return f"(module (func (param i32) {body}))"


BRANCH_HINTS: list[str] = [
    _bh(_BH.format("\\01") + " " + _IF),
    _bh(_BH.format("\\00") + " " + _IF),
    _bh(_BH.format("\\02") + " " + _IF),
    _bh(_BH.format("\\00\\00") + " " + _IF),
    _bh(_BH.format("") + " " + _IF),
    _bh(_BH.format("\\u{1}") + " " + _IF),
    _bh(_BH.format("\\01") + " nop"),
    _bh(_BH.format("\\01") + " (block (br_if 0 (local.get 0)))"),
    _bh("(block (local.get 0) " + _BH.format("\\01") + " (br_if 0))"),
    _bh("local.get 0 " + _BH.format("\\01") + " if end"),
    _bh("local.get 0 " + _BH.format("\\00") + " if nop else nop end"),
    "(module " + _BH.format("\\01") + " (func))",
    "(module (func " + _BH.format("\\01") + "))",
    _bh("nop " + _BH.format("\\01")),
    _bh(_BH.format("\\01") + " (local i32) nop"),
    "(module (func " + _BH.format("\\01") + " (param i32) nop))",
    _bh("(@metadata.code.branch_hint 1) " + _IF),
    _bh("(@metadata.code.branch_hint) " + _IF),
    _bh('(@metadata.code.branch_hint "\\01" "\\01") ' + _IF),
    _bh('(@metadata.code.branch_hint "\\01" x) ' + _IF),
    _bh('(@metadata.code.foo "\\01\\02") ' + _IF),
    _bh("(@metadata.code.foo 1 2 (x)) nop"),
    _bh(_BH.format("\\01") + " " + _BH.format("\\01") + " " + _IF),
    _bh(_BH.format("\\01") + " (@foo) " + _IF),
    _bh(_BH.format("\\01") + " (;c;) " + _IF),
    _bh(_BH.format("\\01") + " ;; c\n " + _IF),
    _bh("(if " + _BH.format("\\01") + " (local.get 0) (then))"),
    _bh(_BH.format("\\00") + " (if (local.get 0) (then " + _BH.format("\\01") + "))"),
    _bh("(if (local.get 0) (then " + _BH.format("\\01") + " nop))"),
    "(module (global i32 " + _BH.format("\\01") + " (i32.const 0)))",
    _bh(_BH.format("\\01") + " (local.get 0) (drop)"),
    _bh("(block " + _BH.format("\\01") + ")"),
    _bh("(block $l " + _BH.format("\\01") + " (br_if $l (local.get 0)))"),
    _bh("(loop " + _BH.format("\\01") + " (br_if 0 (local.get 0)))"),
    _bh(_BH.format("\\01") + " (if (i32.const 0) (then))"),
    _bh(_BH.format("\\01") + " (if (local.get 0) (then)) " + _BH.format("\\00") + " " + _IF),
    '(module (@metadata.code.branch_hint "\\01"))',
    _bh(_BH.format("\\01") + " (if (then))"),
]

ANNOTATIONS: list[str] = [
    '(module (@name "m"))',
    '(module $m (@name "m"))',
    '(module (@name "m") $m)',
    '(module (@name "m") (@name "n"))',
    '(module (@name "m") (func))',
    '(module (func) (@name "m"))',
    '(module (func (@name "f")))',
    '(module (func $f (@name "f")))',
    '(module (func (@name "f") $f))',
    '(module (func (export "x") (@name "f")))',
    '(module (func (@name "f") (@name "g")))',
    '(module (func nop (@name "f")))',
    '(module (func (param (@name "p") i32)))',
    '(module (func (param $p (@name "p") i32)))',
    '(module (func (param (@name "p") i32 i64)))',
    '(module (func (local $l (@name "l") i32) (local (@name "m") i64)))',
    '(module (global (@name "g") i32 (i32.const 0)))',
    '(module (memory (@name "g") 1))',
    '(module (table (@name "g") 1 funcref))',
    '(module (type (@name "t") (func)))',
    '(module (rec (type $t (@name "t") (func))))',
    '(module (tag (@name "t")))',
    '(module (data (@name "d") ""))',
    '(module (elem $e (@name "e") func))',
    '(module (import "a" "b" (func (@name "f"))))',
    '(module (type (struct (field (@name "x") i32))))',
    '(module (type (struct (field $a (@name "a") i32) (field $b i64))))',
    '(module (type (struct (field (@name "a") i32 i64))))',
    '(module (type $t (@name "t") (sub (func))))',
    '(module (rec (@name "r") (type (func))))',
    '(module (func $f (@name "f") (export "x") (param i32)))',
    '(module (global $g (@name "g") (import "a" "b") i32))',
    '(module (func (try_table $l (@name "l"))))',
    '(module (func (local (@name "a") i32) (local (@name "b") i32)))',
    '(module (@custom "a" (after import)) (@custom "a" (before tag)) (@custom "a" (after start)))',
    '(module (@producers (language "a" "b") ;; c\n (sdk "x" "y")))',
    '(module (func (block (@name "b"))))',
    '(module (func (loop $l (@name "l"))))',
    '(module (func block $l (@name "l") end))',
    '(module (func (block $l (@name "l") (@name "m"))))',
    "(module (@name m))",
    "(module (@name))",
    '(module (@name "a" "b"))',
    '(module (@name "\\ff"))',
    '(module (@name "\\u{1F600}"))',
    '(module (@custom "x" (after func) "a" "b"))',
    '(module (@custom "x" (before first)))',
    '(module (@custom "x" (after last)))',
    '(module (@custom "x" (after data)) (@custom "x" (before type)))',
    '(module (@custom "x" (after foo)))',
    '(module (@custom "x" (after first)))',
    '(module (@custom "x" (before)))',
    "(module (@custom))",
    "(module (@custom x))",
    '(module (@custom "x" 1))',
    '(module (@custom "x" "\\ff"))',
    '(module (@custom "\\ff"))',
    '(module (@custom "" ""))',
    '(module (@custom "x" (after func) (after code)))',
    '(module (@custom "x" "a" (after code)))',
    '(module (func (@custom "x")))',
    '(module (@name "m") (@custom "x"))',
    '(module (@custom "x") (@name "m"))',
    '(module (@producers (language "wat" "1.0")))',
    '(module (@producers (language "wat" "1.0") (processed-by "x" "2") (sdk "s" "3")))',
    '(module (@producers (language "a" "1") (language "a" "2")))',
    '(module (@producers (language "wat")))',
    '(module (@producers (foo "wat" "1")))',
    "(module (@producers))",
    '(module (@producers "x"))',
    '(module (@producers (language "wat" "1.0" "x")))',
    '(module (@producers (language wat "1.0")))',
    '(module (@producers (language "wat" "1.0")) (@producers (sdk "a" "b")))',
    '(module (func (@producers (language "wat" "1.0"))))',
    '(module (func) (@producers (language "wat" "1.0")))',
    '(module (@producers (processed-by "\\ff" "1")))',
    "(module (@producers ()))",
    '(module (@foo "anything" (at all) 1 2))',
    "(module (func (@foo (@name 1)) nop))",
]

# Handlers on loops and blocks, `resume_throw`, `switch` over recursive types, tags with
# results used as exceptions, continuation subtyping and the `cont`/`nocont` heap types.
_E = "(tag $e (param i32) (result i32)) (tag $t0) (tag $x (param i32))"


def _m(body: str, head: str = _FT + " " + _F0 + " " + _E) -> str:
    return f"(module {head} {body})"


STACK_SWITCHING += [
    _m("(func (param (ref $ct)) (result i32) (resume_throw $ct $x (i32.const 1) (local.get 0)))"),
    _m("(func (param (ref $ct)) (result i32) (resume_throw $ct $x (local.get 0)))"),
    _m("(func (param (ref $ct)) (result i32) (resume_throw $ct $t0 (on $e 0) (local.get 0)))"),
    _m(
        "(func (param (ref $ct)) (result i32) (loop $l (result i32) (resume $ct (on $t0 $l) (i32.const 1) (local.get 0))))"
    ),
    _m(
        "(func (param (ref $c0)) (loop $l (param (ref $c0)) (resume $c0 (on $t0 $l) (local.get 0)) (unreachable)) )"
    ),
    _m(
        "(func (param (ref $c0)) (local.get 0) (loop $l (param (ref $c0)) (resume $c0 (on $t0 $l)) (unreachable)))"
    ),
    _m(
        "(func (param (ref $c0)) (block $l (result (ref null $c0)) (resume $c0 (on $t0 $l) (local.get 0)) (unreachable)) (drop))"
    ),
    _m(
        "(func (param (ref $c0)) (block $l (result (ref $ct)) (resume $c0 (on $t0 $l) (local.get 0)) (unreachable)) (drop))"
    ),
    _m(
        "(func (param (ref $c0)) (block $l (result contref) (resume $c0 (on $t0 $l) (local.get 0)) (unreachable)) (drop))"
    ),
    _m(
        "(func (param (ref $c0)) (block $l (result i32 (ref $ct)) (resume $c0 (on $e $l) (local.get 0)) (unreachable)) (drop) (drop))"
    ),
    _m(
        "(func (param (ref $c0)) (block $l (result i32 (ref $c0)) (resume $c0 (on $e $l) (local.get 0)) (unreachable)) (drop) (drop))"
    ),
    _m("(func (param (ref $c0)) (resume $c0 (on 99 0) (local.get 0)))"),
    _m("(func (param (ref $c0)) (resume $c0 (on $t0 9) (local.get 0)))"),
    _m("(func (suspend 99))"),
    _m("(func (suspend $x))"),
    _m("(func (result i32) (suspend $x (i32.const 0)) (i32.const 0))"),
    _m("(func (param (ref $c0)) (switch $c0 $t0 (local.get 0)))"),
    _m("(func (param (ref $ct)) (result i32) (switch $ct $e (i32.const 1) (local.get 0)))"),
    "(module (rec (type $fs (func (param (ref null $cs)))) (type $cs (cont $fs))) (tag $sw) (func (param (ref $cs)) (switch $cs $sw (local.get 0))))",
    "(module (rec (type $fs (func (param (ref null $cs)))) (type $cs (cont $fs))) (tag $sw) (func (param (ref $cs)) (switch $cs $sw (local.get 0)) (unreachable)))",
    "(module (rec (type $fs (func (param i64 (ref null $cs)) (result i64))) (type $cs (cont $fs))) (tag $sw (result i64)) (func (param (ref $cs)) (result i64) (switch $cs $sw (i64.const 1) (local.get 0))))",
    "(module (rec (type $fs (func (param i64 (ref null $cs)) (result i64))) (type $cs (cont $fs))) (tag $sw (result i64)) (func (param (ref $cs)) (result i64) (switch $cs $sw (i64.const 1) (local.get 0)) (drop) (i64.const 0)))",
    "(module (type $f1 (func (param i32))) (type $f2 (func (param i32) (result i32))) (rec (type $fs (func (param (ref null $c2)) (result i32))) (type $c2 (cont $fs))) (tag $sw (result i32)) (func (param (ref $c2)) (result i32) (switch $c2 $sw (local.get 0))))",
    "(module (type $ft (sub (func (param i32)))) (type $ft2 (sub $ft (func (param i32)))) (type $ct (sub (cont $ft))) (type $ct2 (sub $ct (cont $ft2))))",
    "(module (type $ft (sub (func))) (type $ft2 (sub (func (param i32)))) (type $ct (sub (cont $ft))) (type $ct2 (sub $ct (cont $ft2))))",
    "(module (type $ft (func)) (type $ct (cont $ft)) (func (param (ref $ct)) (result (ref null cont)) (local.get 0)))",
    "(module (type $ft (func)) (type $ct (cont $ft)) (func (param (ref $ct)) (result (ref null any)) (local.get 0)))",
    "(module (type $ft (func)) (type $ct (cont $ft)) (func (param (ref null nocont)) (result (ref null $ct)) (local.get 0)))",
    "(module (type $ft (func)) (type $ct (cont $ft)) (func (param nullcontref) (result nullfuncref) (local.get 0)))",
    "(module (type $ft (func)) (type $ct (cont $ft)) (global $g (mut contref) (ref.null nocont)) (func (global.set $g (ref.null $ct))))",
    "(module (type $ft (func)) (type $ct (cont $ft)) (table 1 contref) (func (param (ref $ct)) (table.set (i32.const 0) (local.get 0))))",
    "(module (type $ft (func)) (type $ct (cont $ft)) (elem declare func $f) (func $f) (global (ref $ct) (cont.new $ct (ref.func $f))))",
    "(module (type $ft (func)) (type $ct (cont $ft)) (func (param (ref $ct)) (drop (cont.bind $ct $ct (local.get 0)))))",
    "(module (type $ft (func)) (type $ct (cont $ft)) (func (param (ref $ct)) (result (ref $ft)) (local.get 0)))",
    "(module (type $ft (func)) (type $ct (cont $ft)) (tag $t (type $ft)) (func (param (ref $ct)) (resume $ct (on $t switch) (local.get 0))))",
    "(module (type $ft (func)) (type $ct (cont $ft)) (tag $t (result i32)) (func (param (ref $ct)) (block (result i32 (ref $ct)) (resume $ct (on $t 0) (local.get 0)) (unreachable)) (drop) (drop)))",
    "(module (type $ft (func)) (type $ct (cont $ft)) (type $ft1 (func (param i32))) (type $ct1 (cont $ft1)) (tag $t (result i32)) (func (param (ref $ct)) (block (result (ref $ct1)) (resume $ct (on $t 0) (local.get 0)) (unreachable)) (drop)))",
    "(module (type $ft (func)) (type $ct (cont $ft)) (type $ft1 (func (param i64))) (type $ct1 (cont $ft1)) (tag $t (result i32)) (func (param (ref $ct)) (block (result (ref $ct1)) (resume $ct (on $t 0) (local.get 0)) (unreachable)) (drop)))",
    '(module (type $ft (func)) (type $ct (cont $ft)) (import "m" "t" (tag (result i32))))',
    "(module (type $ft (func)) (type $ct (cont $ft)) (tag $t (result i32)) (func (try_table (catch $t 0))))",
    "(module (type $ft (func)) (type $ct (cont $ft)) (tag $t (result i32)) (func (block (try_table (catch $t 0)))))",
    '(module (type $ft (func)) (type $ct (cont $ft)) (tag $t (result i32)) (export "t" (tag $t)))',
    # Tags with results in modules without a continuation type: valid (every feature on), but
    # never an exception.
    '(module (import "m" "t" (tag (result i32))))',
    '(module (tag $t (result i32)) (export "t" (tag $t)))',
    "(module (tag $t (result i32)) (func (block (result exnref) (try_table (catch_all_ref 0)) (unreachable)) (drop)))",
    "(module (tag $t (result i32)) (func (try_table (catch $t 0))))",
    "(module (tag $t (param i32) (result i64)) (func (throw $t (i32.const 0))))",
]
