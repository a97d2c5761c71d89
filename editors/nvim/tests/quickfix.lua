-- End-to-end check of editors/nvim in a real Neovim, driven by tests/editors/test_nvim.py:
--
--   nvim --headless --clean -u editors/nvim/tests/quickfix.lua
--
-- with WAT_LSP_TEST (a JSON file: runtime path, server command, files, output path, timeout).
-- It opens a file with an `uninitialized-local` error, waits for the diagnostic, asks for code
-- actions, applies the quick fix through Neovim's LSP client and waits until the server
-- publishes no diagnostics for the edited version. With `severity` and `expect_severity` it
-- only checks that the plugin's `severity` setting reaches the server. Everything seen is
-- written as JSON to the output path; any Lua error is written there too, with its traceback.

local spec = vim.fn.json_decode(table.concat(vim.fn.readfile(os.getenv('WAT_LSP_TEST')), '\n'))
vim.opt.runtimepath:prepend(spec.runtimepath)
vim.opt.swapfile = false

local result = { steps = {}, server_log = {}, published = {} }

-- `vim.lsp.get_clients` since 0.10, `get_active_clients` before.
local function all_clients()
  return (vim.lsp.get_clients or vim.lsp.get_active_clients)()
end

local function step(name)
  table.insert(result.steps, name)
end

local function finish()
  vim.fn.writefile({ vim.fn.json_encode(result) }, spec.out)
  vim.lsp.stop_client(all_clients(), true)
  vim.cmd('qall!')
end

-- Seen before Neovim's own handlers, so the test can compare the raw LSP values.
local function record(method, into)
  local original = vim.lsp.handlers[method]
  if original == nil then
    return -- this Neovim does not know the method
  end
  vim.lsp.handlers[method] = function(err, params, ctx, config)
    if err == nil then
      into(params, ctx)
    end
    return original(err, params, ctx, config)
  end
end

record('textDocument/publishDiagnostics', function(params)
  table.insert(result.published, { uri = params.uri, version = params.version, diagnostics = params.diagnostics })
end)
-- Neovim 0.11+ pulls diagnostics (`textDocument/diagnostic`) from servers that offer them;
-- a pull answer counts as a publish for the buffer version the request was made at.
record('textDocument/diagnostic', function(report, ctx)
  if report == nil then
    return
  end
  local uri = ctx.params.textDocument.uri
  local items = report.items
  if report.kind == 'unchanged' then
    for i = #result.published, 1, -1 do
      if result.published[i].uri == uri then
        items = result.published[i].diagnostics
        break
      end
    end
  end
  table.insert(result.published, { uri = uri, version = ctx.version, diagnostics = items or {}, pulled = true })
end)
record('window/logMessage', function(params)
  table.insert(result.server_log, { type = params.type, message = params.message })
end)

local function wait(what, predicate)
  if not vim.wait(spec.timeout_ms, predicate, 20) then
    error(string.format('timed out after %d ms waiting for %s', spec.timeout_ms, what), 2)
  end
end

local function buf_clients(buf)
  local ids = {}
  if vim.lsp.get_clients then
    for _, client in ipairs(vim.lsp.get_clients({ bufnr = buf })) do
      table.insert(ids, client.id)
    end
  else
    for id in pairs(vim.lsp.buf_get_clients(buf)) do
      table.insert(ids, id)
    end
  end
  table.sort(ids)
  return ids
end

local function buffer_text(buf)
  local text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
  if vim.bo[buf].eol then
    text = text .. '\n'
  end
  return text
end

-- The last diagnostics the server published for `buf` and whether they are for its current
-- version (a server may publish without a version; then any publish after our edit counts).
local function last_published(buf)
  local uri = vim.uri_from_bufnr(buf)
  for i = #result.published, 1, -1 do
    local p = result.published[i]
    if p.uri == uri then
      return p
    end
  end
  return nil
end

local function open(path)
  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  local buf = vim.api.nvim_get_current_buf()
  wait('a client attached to ' .. path, function()
    return #buf_clients(buf) > 0
  end)
  return buf
end

local function run()
  require('wat_lsp').setup({ cmd = spec.cmd, severity = spec.severity })
  step('setup')

  local buf = open(spec.file)
  result.filetype = vim.bo[buf].filetype
  result.commentstring = vim.bo[buf].commentstring
  step('attached')

  if spec.format then
    -- Format the buffer through Neovim's client: textDocument/formatting, edits applied.
    if vim.lsp.buf.format then
      vim.lsp.buf.format({ bufnr = buf, async = false, timeout_ms = spec.timeout_ms })
    else
      vim.lsp.buf.formatting_sync(nil, spec.timeout_ms)
    end
    result.text = buffer_text(buf)
    result.ok = true
    return
  end

  if spec.expect_severity then
    -- Only the settings: the server reads `severity` from `workspace/configuration`, which
    -- may come after a first publish with the defaults.
    wait('a diagnostic with severity ' .. spec.expect_severity, function()
      local p = last_published(buf)
      for _, d in ipairs(p and p.diagnostics or {}) do
        if d.code == 'uninitialized-local' and d.severity == spec.expect_severity then
          return true
        end
      end
      return false
    end)
    result.final_published = last_published(buf).diagnostics
    result.ok = true
    return
  end

  wait('diagnostics', function()
    return #vim.diagnostic.get(buf) > 0
  end)
  result.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(result.diagnostics, {
      lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
      severity = d.severity, code = d.code, message = d.message, source = d.source,
    })
  end
  step('diagnostics')

  local client = vim.lsp.get_client_by_id(buf_clients(buf)[1])
  result.offset_encoding = client.offset_encoding
  result.omnifunc = vim.bo[buf].omnifunc
  local lsp_diagnostic = nil
  for _, d in ipairs(last_published(buf).diagnostics) do
    if d.code == 'uninitialized-local' then
      lsp_diagnostic = d
    end
  end
  assert(lsp_diagnostic, 'no uninitialized-local diagnostic was published')
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = lsp_diagnostic.range,
    context = { diagnostics = { lsp_diagnostic }, only = { 'quickfix' } },
  }
  local responses, err = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', params, spec.timeout_ms)
  assert(responses, 'codeAction request failed: ' .. tostring(err))
  local response = responses[client.id]
  assert(response and not response.error, 'codeAction error: ' .. vim.inspect(response))
  result.actions = {}
  local chosen = nil
  for _, action in ipairs(response.result or {}) do
    table.insert(result.actions, { title = action.title, kind = action.kind })
    if action.title == spec.fix_title then
      chosen = action
    end
  end
  assert(chosen, 'no code action titled ' .. spec.fix_title .. ': ' .. vim.inspect(result.actions))
  step('code actions')

  -- Completion just after the `$` of `local.get $s`: the function's params and locals.
  local at = { line = lsp_diagnostic.range.start.line, character = lsp_diagnostic.range.start.character + 11 }
  local completions = vim.lsp.buf_request_sync(buf, 'textDocument/completion',
    { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = at }, spec.timeout_ms)
  local answer = completions and completions[client.id]
  assert(answer and not answer.error and answer.result, 'completion failed: ' .. vim.inspect(completions))
  result.completion = {}
  for _, item in ipairs(answer.result.items or answer.result) do
    table.insert(result.completion, item.label)
  end
  step('completion')

  if chosen.edit == nil then
    -- The server resolves actions lazily when the client says it can (Neovim does).
    local resolved = vim.lsp.buf_request_sync(buf, 'codeAction/resolve', chosen, spec.timeout_ms)
    local answer = resolved and resolved[client.id]
    assert(answer and not answer.error and answer.result, 'codeAction/resolve failed: ' .. vim.inspect(resolved))
    chosen = answer.result
    step('resolved')
  end
  assert(chosen.edit, 'the quick fix has no edit: ' .. vim.inspect(chosen))
  vim.lsp.util.apply_workspace_edit(chosen.edit, client.offset_encoding)
  step('applied')

  local applied_version = vim.lsp.util.buf_versions[buf]
  result.applied_version = applied_version
  wait('diagnostics of the fixed version', function()
    local p = last_published(buf)
    return p ~= nil and p.version ~= nil and p.version >= applied_version
  end)
  result.final_version = last_published(buf).version
  result.final_published = last_published(buf).diagnostics
  result.final_diagnostics = #vim.diagnostic.get(buf)
  result.text = buffer_text(buf)
  step('fixed')

  -- More buffers under the same root share its client; a `.wast` is served too; a file
  -- under another root (a directory holding `.git`) gets its own client.
  result.other = {}
  for _, path in ipairs(spec.others) do
    local other = open(path)
    wait('diagnostics for ' .. path, function()
      return last_published(other) ~= nil
    end)
    table.insert(result.other, {
      path = path,
      filetype = vim.bo[other].filetype,
      clients = buf_clients(other),
      diagnostics = last_published(other).diagnostics,
    })
  end
  result.clients = buf_clients(buf)
  result.roots = {}
  for _, client in ipairs(all_clients()) do
    table.insert(result.roots, { id = client.id, root_dir = client.config.root_dir })
  end
  step('others')
  result.ok = true
end

vim.api.nvim_create_autocmd('VimEnter', {
  once = true,
  callback = function()
    vim.schedule(function()
      local ok, err = xpcall(run, debug.traceback)
      if not ok then
        result.ok = false
        result.error = err
      end
      finish()
    end)
  end,
})
