;; Modules a script expects to fail, which wat-lsp and wasm-tools both reject: no diagnostic.
;; Read by tests/analysis/test_script_oracle.py (against `wasm-tools wast`) and
;; tests/analysis/test_script_expectations.py (exact diagnostics).

;; `else` outside `if`: a syntax error for us (the spec's instruction grammar has no lone
;; `else`), a validation error for wasm-tools.
(assert_malformed (module (func else)) "else")
(assert_invalid (module (func else)) "else")

;; An element expression `(if)` with no `then`.
(assert_malformed
  (module (table 1 funcref) (elem (i32.const 0) funcref (if)))
  "unexpected token"
)

;; `end` inside a folded block.
(assert_malformed (module (func (block (result i32) (i32.const 0) end))) "unexpected token")

;; Quoted modules: an empty one (wasm-tools: "expected at least one module field"), only
;; comments, and text that does not parse.
(assert_malformed (module quote "") "expected at least one module field")
(assert_malformed (module quote ";; nothing" "(; here ;)") "expected at least one module field")
(assert_malformed (module quote "(func (i32.const))") "expected a i32")

;; A module that reads and validates, which only linking rejects.
(assert_unlinkable
  (module (import "spectest" "no-such-export" (func)))
  "unknown import"
)

;; The errors above stay inside their assertions: this module is still checked.
(module
  (func (export "f") (result i32) (i32.const 1))
)
(assert_return (invoke "f") (i32.const 1))
