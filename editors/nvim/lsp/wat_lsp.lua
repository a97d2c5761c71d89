---@brief
---
--- wat-lsp: a language server for the WebAssembly text format (`.wat` modules, `.wast` scripts):
--- diagnostics as the spec and engines validate (non-nullable locals' 1a rule included),
--- quick fixes, hover with the operand stack, definition, references, rename, completion,
--- semantic tokens, inlay hints and wasm-opt-style passes as code actions.
---
--- Install the server (Python 3.11+): `pip install .` in a checkout puts `wat-lsp` on `PATH`.
---
--- Per-code severities (`error`, `warning`, `information`, `hint`, `off`) are read from the
--- `wat-lsp` settings section:
--- ```lua
--- vim.lsp.config('wat_lsp', {
---   settings = { ['wat-lsp'] = { severity = { ['unused-local'] = 'hint' } } },
--- })
--- ```

---@type vim.lsp.Config
return {
  cmd = { 'wat-lsp' },
  filetypes = { 'wat', 'wast' },
  root_markers = { '.git' },
  settings = { ['wat-lsp'] = { severity = vim.empty_dict() } },
}
