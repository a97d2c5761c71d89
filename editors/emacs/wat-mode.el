;;; wat-mode.el --- Major mode for the WebAssembly text format, with wat-lsp -*- lexical-binding: t; -*-

;; Copyright (C) the wat-lsp authors
;; License: Apache-2.0 (see LICENSE at the top of the wat-lsp repository)
;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1"))
;; Keywords: languages, wasm

;;; Commentary:

;; `wat-mode' edits WebAssembly text: modules (.wat) and spec scripts (.wast).
;;
;; - Font-lock follows the categories of the tree-sitter queries shipped with wat-lsp
;;   (grammar/queries/highlights.scm): keywords, control keywords, script directives,
;;   types, instruction names, numbers, strings, `offset='/`align=', annotations, and
;;   `$names' by role (function, type, parameter, label, module).  Like the grammar, it
;;   knows no opcode list: any other bare word is an instruction name.
;; - Comments: `;;' to the end of the line and `(; ... ;)' blocks, which nest.
;; - Indentation as wat-lsp's formatter lays code out: two spaces per open parenthesis
;;   and per plain block (`block' ... `end'); a line that starts with `)' lines up with
;;   its opening line.
;; - Language server: registered with eglot (`M-x eglot', or `eglot-ensure' in
;;   `wat-mode-hook') and, when lsp-mode is loaded, with lsp-mode (`M-x lsp').
;;   The command is `wat-mode-server-command'.

;;; Code:

(defgroup wat nil
  "WebAssembly text format."
  :group 'languages
  :prefix "wat-mode-")

(defcustom wat-mode-indent-offset 2
  "Columns of indentation per open parenthesis."
  :type 'integer
  :safe #'integerp)

(defcustom wat-mode-server-command '("wat-lsp")
  "The wat-lsp language server command (program and arguments).
For eglot and lsp-mode; read each time a server starts."
  :type '(repeat string))

(defvar wat-mode-syntax-table
  (let ((table (make-syntax-table)))
    ;; Every `idchar' of the spec is a symbol constituent, so `$a.b' and `i32.add' are one
    ;; symbol each, and `offset=4' too.
    (dolist (c (string-to-list "!#$%&'*+-./:<=>?@^_`|~"))
      (modify-syntax-entry c "_" table))
    (modify-syntax-entry ?\" "\"" table)
    (modify-syntax-entry ?\\ "\\" table)
    ;; `;;' starts a line comment (style a), ended by a newline.  `(;' starts a nested
    ;; block comment (style c: the flag on `(' and `)' marks both two-character
    ;; delimiters) that `;)' ends.
    (modify-syntax-entry ?\; ". 123" table)
    (modify-syntax-entry ?\n ">" table)
    (modify-syntax-entry ?\( "()1nc" table)
    (modify-syntax-entry ?\) ")(4nc" table)
    table)
  "Syntax table of `wat-mode'.")

(defconst wat-mode--idchars "[:alnum:]!#$%&'*+./:<=>?@\\\\^_`|~-"
  "The spec's `idchar' as the inside of a bracket expression.")

(defconst wat-mode--id (concat "\\$[" wat-mode--idchars "]+")
  "A `$name' (the quoted form `$\"...\"' is left to the string face).")

(defconst wat-mode--keywords
  '("module" "definition" "instance" "binary" "quote"
    "type" "rec" "sub" "final" "func" "struct" "array" "cont" "field"
    "param" "result" "local"
    "import" "export" "table" "memory" "global" "tag" "elem" "data" "start"
    "offset" "item" "declare" "pagesize" "shared"
    "describes" "descriptor" "exact" "on" "switch"
    "mut" "ref" "null"
    "if" "then" "else" "loop" "block" "end"
    "try_table" "try" "do" "catch" "catch_ref" "catch_all" "catch_all_ref" "delegate")
  "Keywords: highlights.scm's @keyword and its variants.")

(defconst wat-mode--directives
  '("register" "invoke" "get" "either" "thread" "wait"
    "assert_return" "assert_trap" "assert_exhaustion" "assert_malformed" "assert_invalid"
    "assert_unlinkable" "assert_exception" "assert_suspension" "assert_malformed_custom"
    "assert_invalid_custom")
  "Script commands of .wast files (highlights.scm: @keyword.directive).")

(defconst wat-mode--types
  '("i32" "i64" "f32" "f64" "v128" "i8" "i16"
    "any" "eq" "i31" "none" "nofunc" "noextern" "extern" "exn" "noexn" "nocont"
    "funcref" "externref" "anyref" "eqref" "i31ref" "structref" "arrayref" "nullref"
    "nullfuncref" "nullexternref" "exnref" "nullexnref" "contref" "nullcontref"
    "i8x16" "i16x8" "i32x4" "i64x2" "f32x4" "f64x2")
  "Built-in types: value, packed, heap and reference types, SIMD shapes.
`func', `struct', `array' and `cont' are keywords and heap types: keywords here.")

(defconst wat-mode--number
  (concat "\\_<[+-]?"
          "\\(?:0x[0-9a-fA-F_]*\\(?:\\.[0-9a-fA-F_]*\\)?\\(?:[pP][+-]?[0-9_]+\\)?"
          "\\|[0-9][0-9_]*\\(?:\\.[0-9_]*\\)?\\(?:[eE][+-]?[0-9_]+\\)?"
          "\\|inf\\|nan\\(?::0x[0-9a-fA-F_]+\\)?\\)\\_>")
  "Integer and float literals (highlights.scm: @number, @number.float).")

(defun wat-mode--face (new old)
  "NEW if Emacs defines that face (Emacs 29 added several), else OLD."
  (if (facep new) new old))

(defun wat-mode--named (heads face)
  "Font-lock rule: the `$name' right after `(HEAD' for each of HEADS, in FACE."
  `(,(concat "(\\(?:" (regexp-opt heads) "\\)\\_>[ \t\n]+\\(" wat-mode--id "\\)")
    1 ',face))

(defvar wat-mode-font-lock-keywords
  (let ((number (wat-mode--face 'font-lock-number-face 'font-lock-constant-face))
        (property (wat-mode--face 'font-lock-property-use-face 'font-lock-variable-name-face))
        (label 'font-lock-constant-face))
    ;; The first rule to match a piece of text gives its face, so roles come first.
    `(;; (@name ...) annotations: @attribute
      (,(concat "(\\(@[" wat-mode--idchars "]*\\)") 1 font-lock-preprocessor-face)
      ;; definitions and uses with a known role
      ,(wat-mode--named '("func") 'font-lock-function-name-face)
      ,(wat-mode--named '("type") 'font-lock-type-face)
      ,(wat-mode--named '("module" "instance") 'font-lock-constant-face)
      ,(wat-mode--named '("param") 'font-lock-variable-name-face)
      (,(concat "(ref\\(?:[ \t\n]+null\\)?[ \t\n]+\\(" wat-mode--id "\\)") 1 font-lock-type-face)
      (,(concat "(sub\\(?:[ \t\n]+final\\)?[ \t\n]+\\(" wat-mode--id "\\)") 1 font-lock-type-face)
      (,(concat "\\_<\\(?:block\\|loop\\|if\\|try_table\\|try\\|end\\|else\\)[ \t]+\\("
                wat-mode--id "\\)")
       1 ,label)
      (,(concat "\\_<" (regexp-opt wat-mode--directives) "\\_>") . font-lock-preprocessor-face)
      (,(concat "\\_<" (regexp-opt wat-mode--keywords) "\\_>") . font-lock-keyword-face)
      (,(concat "\\_<" (regexp-opt wat-mode--types) "\\_>") . font-lock-type-face)
      ("\\_<\\(offset\\|align\\)=" 1 ,property)
      (,wat-mode--number . ,number)
      (,wat-mode--id . font-lock-variable-name-face)
      ;; any other bare word is an instruction name: @function.builtin
      ("\\_<[a-z][a-z0-9_.]*\\_>" . font-lock-builtin-face)))
  "Font-lock keywords of `wat-mode'.")

;; Plain (unfolded) block instructions indent their bodies as the formatter does:
;;   block $b          if            try_table (catch $e 0)
;;     local.get 0       nop           call $f
;;   end               else          end
;;                       nop
;;                     end
(defconst wat-mode--plain-open "\\(?:block\\|loop\\|if\\|try_table\\|try\\)\\_>"
  "A bare word that opens a plain block: its following lines go one level in.")

(defconst wat-mode--plain-middle "\\(?:else\\|catch\\|catch_all\\|catch_ref\\|catch_all_ref\\)\\_>"
  "A bare word that ends a part of a plain block and starts the next.")

(defconst wat-mode--plain-close "\\(?:end\\|delegate\\)\\_>"
  "A bare word that closes a plain block.")

(defun wat-mode--plain-extra (depth)
  "Columns the current line gets from plain blocks open at paren DEPTH.
Read from the nearest line above that starts at the same depth (not in a
comment or string), trusting its indentation: indenting top down makes it right."
  (save-excursion
    (let ((here (point)) found)
      (beginning-of-line)
      (while (and (not found) (zerop (forward-line -1)))
        (let ((state (syntax-ppss (line-beginning-position))))
          (cond ((< (car state) depth) (setq found 'none))  ; the list's opening line: none open
                ((and (= (car state) depth) (not (nth 3 state)) (not (nth 4 state))
                      (progn (back-to-indentation) (not (looking-at-p "$\\|;;\\|(;"))))
                 (setq found (point))))))
      (if (not (integerp found))
          0
        (goto-char found)
        (let ((extra (- (current-column) (* wat-mode-indent-offset depth))))
          (when (looking-at-p (concat wat-mode--plain-open "\\|" wat-mode--plain-middle))
            (setq extra (+ extra wat-mode-indent-offset)))
          (goto-char here)
          (back-to-indentation)
          (when (looking-at-p (concat wat-mode--plain-close "\\|" wat-mode--plain-middle))
            (setq extra (- extra wat-mode-indent-offset)))
          (max extra 0))))))

(defun wat-mode-indent-line ()
  "Indent the current line: paren depth, plus the plain blocks open there."
  (interactive)
  (let* ((state (save-excursion (syntax-ppss (line-beginning-position))))
         (in-text (or (nth 3 state) (nth 4 state)))
         (target
          (unless in-text
            (save-excursion
              (back-to-indentation)
              (if (looking-at-p ")")
                  (* wat-mode-indent-offset (max (1- (car state)) 0))
                (+ (* wat-mode-indent-offset (car state))
                   (wat-mode--plain-extra (car state))))))))
    ;; Inside a string or block comment the author's layout stays.
    (when target
      (if (<= (current-column) (current-indentation))
          (indent-line-to target)
        (save-excursion (indent-line-to target))))))

;;;###autoload
(define-derived-mode wat-mode prog-mode "WAT"
  "Major mode for the WebAssembly text format (.wat modules and .wast scripts)."
  :syntax-table wat-mode-syntax-table
  (setq-local comment-start ";; ")
  (setq-local comment-end "")
  (setq-local comment-start-skip "\\(?:;;+\\|(;\\)[ \t]*")
  (setq-local comment-end-skip "[ \t]*\\(?:;)\\|\n\\)")
  (setq-local comment-use-syntax t)
  (setq-local indent-line-function #'wat-mode-indent-line)
  (setq-local indent-tabs-mode nil)
  (setq-local parse-sexp-ignore-comments t)
  (setq-local font-lock-defaults '(wat-mode-font-lock-keywords)))

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.was?t\\'" . wat-mode))

(defun wat-mode--server-contact (&optional _interactive)
  "The server command for eglot, read when a server starts."
  wat-mode-server-command)

;;;###autoload
(with-eval-after-load 'eglot
  (defvar eglot-server-programs)
  (add-to-list 'eglot-server-programs '(wat-mode . wat-mode--server-contact)))

(declare-function lsp-register-client "lsp-mode" (client))
(declare-function make-lsp-client "lsp-mode" (&rest args))
(declare-function lsp-stdio-connection "lsp-mode" (command &optional test-command))
(declare-function lsp-activate-on "lsp-mode" (&rest languages))
(defvar lsp-language-id-configuration)

;;;###autoload
(with-eval-after-load 'lsp-mode
  (add-to-list 'lsp-language-id-configuration '(wat-mode . "wat"))
  (lsp-register-client
   (make-lsp-client :new-connection (lsp-stdio-connection (lambda () wat-mode-server-command))
                    :activation-fn (lsp-activate-on "wat")
                    :server-id 'wat-lsp)))

(provide 'wat-mode)
;;; wat-mode.el ends here
