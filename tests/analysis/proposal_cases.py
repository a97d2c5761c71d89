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
    _ss("(elem declare func $g) (func $g (param i32) (result i32) (local.get 0)) "
        "(func (result (ref $ct)) (cont.new $ct (ref.func $g)))"),
    _ss("(func (param (ref null $ft)) (result (ref $ct)) (cont.new $ct (local.get 0)))"),
    _ss("(func (param (ref $f0)) (result (ref $ct)) (cont.new $ct (local.get 0)))", head=_FT + " " + _F0),
    _ss("(func (param (ref $ft)) (result (ref $ct)) (cont.new $ft (local.get 0)))"),
    _ss("(func (param (ref $ct)) (result (ref $c0)) (cont.bind $ct $c0 (i32.const 1) (local.get 0)))",
        head="(type $ft (func (param i32))) (type $ct (cont $ft)) " + _F0),
    _ss("(func (param (ref $ct)) (result (ref $c0)) (cont.bind $ct $c0 (local.get 0)))",
        head="(type $ft (func (param i32))) (type $ct (cont $ft)) " + _F0),
    _ss("(func (param (ref $c0)) (result (ref $ct)) (cont.bind $c0 $ct (local.get 0)))",
        head="(type $ft (func (param i32))) (type $ct (cont $ft)) " + _F0),
    _ss("(func (param (ref null $ct)) (result i32) (resume $ct (i32.const 1) (local.get 0)))"),
    _ss("(func (param (ref $ct)) (result i32) (resume $ct (local.get 0)))"),
    _ss("(func (param (ref $ct)) (result i64) (resume $ct (i32.const 1) (local.get 0)))"),
    _ss("(func (param (ref $ct)) (result i32) (block $l (result i32 (ref $ct)) "
        "(return (resume $ct (on $e $l) (i32.const 1) (local.get 0)))))"),
    _ss("(func (param (ref $ct)) (result i32) (drop (block $l (result (ref $ct)) "
        "(return (resume $ct (on $e $l) (i32.const 1) (local.get 0))))) (i32.const 0))"),
    _ss("(func (param (ref $ct)) (result i32) (block $l (result i32) "
        "(return (resume $ct (on $e $l) (i32.const 1) (local.get 0)))))"),
    _ss("(func (param (ref $ct)) (result i32) (block $l (result i32 (ref $ct)) "
        "(return (resume $ct (on $e $l) (on $e $l) (i32.const 1) (local.get 0)))))"),
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
