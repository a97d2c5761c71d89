;;; wat-mode-test.el --- End-to-end check of wat-mode and eglot -*- lexical-binding: t; -*-

;;; Commentary:

;; Driven by tests/editors/test_emacs.py:
;;
;;   emacs --batch -l editors/emacs/tests/wat-mode-test.el
;;
;; with WAT_LSP_TEST naming a JSON file: load path, server command, files, probes, output
;; path, timeout.  Part one runs the mode alone (faces, comment syntax, indentation); part
;; two opens a file with an `uninitialized-local' error under eglot, waits for flymake's
;; diagnostic, applies the quick fix through eglot's code actions, asks for a hover and,
;; when the server formats, runs `eglot-format-buffer'.  Batch Emacs runs no idle timers,
;; so the harness sends changes itself (`eglot--signal-textDocument/didChange') and
;; restarts flymake while it waits.  What it sees is written as JSON to the output path; an
;; error is written there too, with its backtrace.

;;; Code:

(require 'cl-lib)
(require 'json)
(require 'subr-x)

(defvar wat-test--spec
  (let ((json-object-type 'plist) (json-array-type 'list) (json-key-type 'keyword))
    (json-read-file (getenv "WAT_LSP_TEST"))))

(defvar wat-test--result (list :steps nil))

(defun wat-test--get (key) (plist-get wat-test--spec key))

(defun wat-test--put (key value)
  (setq wat-test--result (plist-put wat-test--result key value)))

(defun wat-test--step (name)
  (wat-test--put :steps (append (plist-get wat-test--result :steps) (list name))))

(defun wat-test--finish ()
  (let ((json-encoding-pretty-print nil))
    (with-temp-file (wat-test--get :out)
      (insert (json-encode wat-test--result)))))

(defun wat-test--wait (what predicate &optional poke)
  "Wait until PREDICATE holds, reading the server's output; call POKE now and then."
  (let ((deadline (+ (float-time) (/ (wat-test--get :timeout_ms) 1000.0)))
        (next-poke 0))
    (while (not (funcall predicate))
      (when (> (float-time) deadline)
        (error "Timed out after %d ms waiting for %s" (wat-test--get :timeout_ms) what))
      (when (and poke (> (float-time) next-poke))
        (funcall poke)
        (setq next-poke (+ (float-time) 0.3)))
      (accept-process-output nil 0.05))))

;;; Part one: the mode alone.

(defun wat-test--faces (text)
  "Each run of TEXT with a face after font-lock, as (STRING FACE)."
  (with-temp-buffer
    (insert text)
    (wat-mode)
    (font-lock-ensure)
    (let ((pos (point-min)) runs)
      (while (< pos (point-max))
        (let ((next (next-single-property-change pos 'face nil (point-max)))
              (face (get-text-property pos 'face)))
          (when face
            (push (vector (buffer-substring-no-properties pos next)
                        (format "%s" (if (consp face) (car face) face)))
                  runs))
          (setq pos next)))
      (nreverse runs))))

(defun wat-test--syntax (text offsets)
  "For each 0-based OFFSET into TEXT: (IN-COMMENT IN-STRING) by `syntax-ppss'."
  (with-temp-buffer
    (insert text)
    (wat-mode)
    (mapcar (lambda (offset)
              (let ((state (syntax-ppss (+ 1 offset))))
                (vector (if (nth 4 state) t :json-false) (if (nth 3 state) t :json-false))))
            offsets)))

(defun wat-test--indent (text)
  "TEXT re-indented by `indent-region' in `wat-mode'."
  (with-temp-buffer
    (insert text)
    (wat-mode)
    (indent-region (point-min) (point-max))
    (buffer-substring-no-properties (point-min) (point-max))))

(defun wat-test--mode ()
  (add-to-list 'load-path (wat-test--get :load_path))
  (require 'wat-mode)
  (wat-test--put :faces (wat-test--faces (wat-test--get :face_text)))
  (wat-test--put :syntax (wat-test--syntax (wat-test--get :syntax_text)
                                           (wat-test--get :syntax_offsets)))
  (wat-test--put :indented (wat-test--indent (wat-test--get :indent_text)))
  (wat-test--put :auto_mode
                 (mapcar (lambda (name) (format "%s" (assoc-default name auto-mode-alist
                                                                    #'string-match)))
                         '("a.wat" "b.wast" "c.wasm")))
  (wat-test--step "mode"))

;;; Part two: eglot.

(defun wat-test--language-id (server)
  "The language id SERVER was started with (eglot 1.9's accessor; later eglots keep a list)."
  (cond ((fboundp 'eglot--language-id) (eglot--language-id server))
        ((fboundp 'eglot--languages) (cdr (car (eglot--languages server))))))

(defun wat-test--uninit ()
  "The flymake diagnostics of the current buffer from `uninitialized-local'."
  (cl-remove-if-not (lambda (d) (string-match-p "uninitialized-local" (flymake-diagnostic-text d)))
                    (flymake-diagnostics)))

(cl-defun wat-test--eglot ()
  (require 'eglot)
  (wat-test--put :eglot_version (if (boundp 'eglot-version) eglot-version
                                  (ignore-errors (package-get-version))))
  ;; The plain-text hover path: eglot offers markdown first only with markdown-mode.
  (when (fboundp 'gfm-view-mode) (fmakunbound 'gfm-view-mode))
  (setq wat-mode-server-command (wat-test--get :cmd))
  ;; As a user's .dir-locals.el would set it (editors/emacs/README.md).
  (when (wat-test--get :severity)
    (setq-default eglot-workspace-configuration
                  `(:wat-lsp (:severity ,(wat-test--get :severity)))))
  (find-file (wat-test--get :file))
  (wat-test--put :major_mode (format "%s" major-mode))
  (apply #'eglot (eglot--guess-contact))
  (wat-test--wait "eglot to manage the buffer" (lambda () (bound-and-true-p eglot--managed-mode)))
  (let ((server (eglot-current-server)))
    (wat-test--put :language_id (wat-test--language-id server))
    (wat-test--put :hover_formats
                   (plist-get (plist-get (plist-get (eglot-client-capabilities server)
                                                    :textDocument)
                                         :hover)
                              :contentFormat))
    (wat-test--step "managed")
    (when (wat-test--get :severity)
      ;; Only the setting: the server asks for it after `initialized' and publishes again.
      (wat-test--wait "a warning" (lambda ()
                                    (cl-some (lambda (d) (eq (flymake-diagnostic-type d) 'eglot-warning))
                                             (wat-test--uninit)))
                      #'flymake-start)
      (wat-test--put :types (mapcar (lambda (d) (format "%s" (flymake-diagnostic-type d)))
                                    (flymake-diagnostics)))
      (eglot-shutdown server)
      (cl-return-from wat-test--eglot))
    ;; Flymake shows the diagnostic.
    (wat-test--wait "flymake's uninitialized-local diagnostic" #'wat-test--uninit #'flymake-start)
    (let* ((diag (car (wat-test--uninit)))
           (beg (flymake-diagnostic-beg diag))
           (end (flymake-diagnostic-end diag)))
      (wat-test--put :diagnostic
                     (list :text (flymake-diagnostic-text diag)
                           :type (format "%s" (flymake-diagnostic-type diag))
                           :line (line-number-at-pos beg) :column (save-excursion
                                                                    (goto-char beg)
                                                                    (current-column))
                           :string (buffer-substring-no-properties beg end)))
      (wat-test--step "diagnostic")
      ;; Hover on the local whose read is the error.
      (goto-char (+ beg (length "local.get $")))
      (let ((hover (jsonrpc-request server :textDocument/hover
                                    (eglot--TextDocumentPositionParams))))
        (wat-test--put :hover (plist-get hover :contents))
        (wat-test--put :hover_shown (substring-no-properties
                                     (eglot--hover-info (plist-get hover :contents)))))
      (wat-test--step "hover")
      ;; The quick fix, chosen by title from eglot's menu as a user would.
      (let ((actions (eglot-code-actions beg end "quickfix")))
        (wat-test--put :actions (mapcar (lambda (a) (plist-get a :title)) actions)))
      (cl-letf (((symbol-function 'completing-read)
                 (lambda (&rest _) (wat-test--get :fix_title))))
        (eglot-code-actions beg end "quickfix" t))
      (wat-test--put :text (buffer-substring-no-properties (point-min) (point-max)))
      (wat-test--step "fixed")
      ;; The server gets the edit and publishes no errors for the new text (hints such as
      ;; `removable-block` may stay).
      (eglot--signal-textDocument/didChange)
      (wat-test--wait "no errors after the fix"
                      (lambda () (cl-notany (lambda (d) (memq (flymake-diagnostic-type d) '(eglot-error :error)))
                                            (flymake-diagnostics)))
                      #'flymake-start)
      (wat-test--step "clean")
      ;; Formatting, when the server offers it.
      (wat-test--put :formatting (if (eglot--server-capable :documentFormattingProvider)
                                     t :json-false))
      (when (and (eglot--server-capable :documentFormattingProvider) (wat-test--get :format_text))
        (erase-buffer)
        (insert (wat-test--get :format_text))
        (eglot--signal-textDocument/didChange)
        (eglot-format-buffer)
        (wat-test--put :formatted (buffer-substring-no-properties (point-min) (point-max)))
        (wat-test--step "formatted"))
      (set-buffer-modified-p nil)
      (eglot-shutdown server))))

(defvar lsp-session-file)
(defvar lsp-auto-guess-root)
(defvar lsp-diagnostics-provider)
(defvar lsp-restart)
(defvar lsp-enable-file-watchers)
(defvar lsp-enable-snippet)
(defvar lsp-headerline-breadcrumb-enable)
(defvar lsp-keep-workspace-alive)
(declare-function lsp "lsp-mode")
(declare-function lsp-buffer-language "lsp-mode")
(declare-function lsp-workspaces "lsp-mode")
(declare-function lsp--workspace-print "lsp-mode")
(declare-function lsp-workspace-shutdown "lsp-mode")

(defun wat-test--lsp-mode ()
  "The same file under lsp-mode (its packages activated, as an init file would)."
  (package-initialize)
  (require 'lsp-mode)
  (setq wat-mode-server-command (wat-test--get :cmd))
  (setq lsp-session-file (locate-user-emacs-file "lsp-session")  ; under the test's HOME
        lsp-auto-guess-root t lsp-diagnostics-provider :flymake lsp-restart 'ignore
        lsp-enable-file-watchers nil lsp-enable-snippet nil lsp-headerline-breadcrumb-enable nil
        lsp-keep-workspace-alive nil)
  (find-file (wat-test--get :file))
  (wat-test--put :major_mode (format "%s" major-mode))
  (wat-test--put :language_id (lsp-buffer-language))
  (lsp)
  (wat-test--step "started")
  (wat-test--wait "lsp-mode's diagnostic" (lambda () (flymake-diagnostics)) #'flymake-start)
  (wat-test--put :workspaces (mapcar (lambda (w) (car (split-string (lsp--workspace-print w) ":")))
                                     (lsp-workspaces)))
  (wat-test--put :diagnostics (mapcar #'flymake-diagnostic-text (flymake-diagnostics)))
  (set-buffer-modified-p nil))

(condition-case err
    (let ((debug-on-error nil))
      (wat-test--mode)
      (when (wat-test--get :cmd)
        (if (equal (wat-test--get :client) "lsp-mode") (wat-test--lsp-mode) (wat-test--eglot)))
      (wat-test--put :ok t))
  (error (wat-test--put :error (error-message-string err))))
(wat-test--finish)
(kill-emacs 0)

;;; wat-mode-test.el ends here
