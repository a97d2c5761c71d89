-- wat-lsp for Neovim: starts the `wat-lsp` language server for `wat` and `wast` buffers.
--
--   require('wat_lsp').setup({ cmd = { 'wat-lsp' }, severity = { ['unused-local'] = 'hint' } })
--
-- Uses `vim.lsp.start` (Neovim >= 0.8), which reuses a client with the same name and root;
-- on 0.7, where only `vim.lsp.start_client` exists, this module keeps one client per root
-- itself.

local M = {}

local defaults = {
  name = 'wat-lsp',
  cmd = { 'wat-lsp' },
  filetypes = { 'wat', 'wast' },
  -- The first directory upwards holding one of these is the root; else the file's directory.
  root_markers = { '.git' },
  -- Per diagnostic code: 'error' | 'warning' | 'information' | 'hint' | 'off'. Served to the
  -- server as section `wat-lsp` of `workspace/configuration`.
  severity = {},
  -- Start tree-sitter highlighting when a `wat` parser is installed (Neovim >= 0.8; the
  -- grammar is ABI 15, which Neovim loads from 0.11). Off: leave highlighting alone.
  highlight = true,
  settings = nil,
  init_options = nil,
  capabilities = nil,
  on_attach = nil,
  handlers = nil,
}

M.config = vim.deepcopy(defaults)

-- Client ids by root directory, for Neovim 0.7 (0.8+ lets `vim.lsp.start` reuse clients).
local clients_by_root = {}

local function dirname(path)
  return vim.fn.fnamemodify(path, ':h')
end

local function has_marker(dir, markers)
  for _, marker in ipairs(markers) do
    local path = dir .. '/' .. marker
    if vim.fn.isdirectory(path) == 1 or vim.fn.filereadable(path) == 1 then
      return true
    end
  end
  return false
end

--- The root for a file: the nearest ancestor directory holding a root marker, else its directory.
function M.root_dir(path, markers)
  local start = dirname(vim.fn.fnamemodify(path, ':p'))
  local dir = start
  while true do
    if has_marker(dir, markers or M.config.root_markers) then
      return dir
    end
    local parent = dirname(dir)
    if parent == dir then
      return start
    end
    dir = parent
  end
end

--- The settings object the client serves for `workspace/configuration`.
function M.settings()
  local settings = vim.deepcopy(M.config.settings or {})
  local own = settings['wat-lsp'] or {}
  own.severity = vim.tbl_extend('force', own.severity or {}, M.config.severity or {})
  if next(own.severity) == nil then
    own.severity = vim.empty_dict() -- `{}` in JSON, not `[]`
  end
  settings['wat-lsp'] = own
  return settings
end

local function client_config(root)
  local c = M.config
  local settings = M.settings()
  -- Neovim answers `workspace/configuration` from `settings` but before 0.8 does not say it
  -- can; the server reads the same object from initialization options, whatever the client.
  local capabilities = vim.tbl_deep_extend('force', c.capabilities or vim.lsp.protocol.make_client_capabilities(),
    { workspace = { configuration = true } })
  return {
    name = c.name,
    cmd = c.cmd,
    root_dir = root,
    settings = settings,
    init_options = c.init_options or settings['wat-lsp'],
    capabilities = capabilities,
    on_attach = function(client, bufnr)
      -- Completion with <C-x><C-o>: Neovim sets this itself only from 0.10 on.
      if vim.bo[bufnr].omnifunc == '' then
        vim.bo[bufnr].omnifunc = 'v:lua.vim.lsp.omnifunc'
      end
      if c.on_attach then
        c.on_attach(client, bufnr)
      end
    end,
    handlers = c.handlers,
  }
end

local function is_live(id)
  local client = id and vim.lsp.get_client_by_id(id)
  return client ~= nil and not client.is_stopped()
end

--- Start (or reuse) the server for buffer `bufnr` and attach it. Returns the client id.
function M.attach(bufnr)
  if bufnr == nil or bufnr == 0 then
    bufnr = vim.api.nvim_get_current_buf()
  end
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' or vim.bo[bufnr].buftype ~= '' then
    return nil
  end
  local root = M.root_dir(name)
  if vim.lsp.start then
    return vim.lsp.start(client_config(root), { bufnr = bufnr })
  end
  local id = clients_by_root[root]
  if not is_live(id) then
    id = vim.lsp.start_client(client_config(root))
    if id == nil then
      return nil
    end
    clients_by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

local function start_highlighting(bufnr)
  if M.config.highlight and vim.treesitter.start then
    -- No parser for `wat` (or one this Neovim cannot load): keep the regex syntax, if any.
    pcall(vim.treesitter.start, bufnr, 'wat')
  end
end

--- Configure and register the FileType autocommand; buffers already open are attached too.
function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(defaults), opts or {})
  -- Lists replace, they do not merge by index.
  for _, key in ipairs({ 'cmd', 'filetypes', 'root_markers' }) do
    if opts and opts[key] then
      M.config[key] = opts[key]
    end
  end
  local group = vim.api.nvim_create_augroup('wat_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = M.config.filetypes,
    callback = function(args)
      start_highlighting(args.buf)
      M.attach(args.buf)
    end,
  })
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.tbl_contains(M.config.filetypes, vim.bo[buf].filetype) then
      start_highlighting(buf)
      M.attach(buf)
    end
  end
end

return M
