-- nvim-lspconfig's older format (`require('lspconfig').wat_lsp.setup({})`), for its
-- `lua/lspconfig/configs/` (earlier `server_configurations/`) directory. The Neovim 0.11+
-- format is ../lsp/wat_lsp.lua.
local util = require('lspconfig.util')

return {
  default_config = {
    cmd = { 'wat-lsp' },
    filetypes = { 'wat', 'wast' },
    root_dir = function(fname)
      return util.root_pattern('.git')(fname)
    end,
    single_file_support = true,
    settings = { ['wat-lsp'] = { severity = vim.empty_dict() } },
  },
  docs = {
    description = [[
wat-lsp: a language server for the WebAssembly text format (`.wat` modules, `.wast` scripts):
diagnostics as the spec and engines validate (non-nullable locals' 1a rule included), quick
fixes, hover with the operand stack, definition, references, rename, completion, semantic
tokens, inlay hints and wasm-opt-style passes as code actions.

Install the server (Python 3.11+): `pip install .` in a checkout puts `wat-lsp` on `PATH`.
]],
  },
}
