-- test_neovim.lua: Neovim's built-in LSP client against `zy lsp` (docs/editors.md).
-- Run by tests/driver/test_neovim.sh: nvim --headless -u NONE -c "luafile test_neovim.lua"
-- with ZY (the binary) and ZY_FILE (a file to edit) in the environment. Exits 0 when every
-- check passes; otherwise prints the failures and exits 1.
local failures = {}
local function check(ok, what)
  if not ok then table.insert(failures, what) end
  io.stdout:write((ok and "ok   " or "FAIL ") .. what .. "\n")
end
local function finish()
  io.stdout:write(#failures == 0 and "passed\n" or ("FAILED: " .. #failures .. "\n"))
  vim.cmd(#failures == 0 and "qall!" or "cquit 1")
end

vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("ZY_FILE")))
local buf = vim.api.nvim_get_current_buf()
local client = vim.lsp.start_client({ name = "zy", cmd = { os.getenv("ZY"), "lsp" },
                                      root_dir = vim.fn.fnamemodify(os.getenv("ZY_FILE"), ":h") })
check(client ~= nil, "the client starts zy lsp")
vim.lsp.buf_attach_client(buf, client)

-- The file has an unknown name on line 3 (0-based 2).
local got = vim.wait(10000, function() return #vim.diagnostic.get(buf) > 0 end, 20)
local diags = vim.diagnostic.get(buf)
check(got and #diags == 1, "one diagnostic arrives, got " .. #diags)
if diags[1] then
  check(diags[1].lnum == 2 and diags[1].col == 8, "at line 3, column 9: " .. diags[1].lnum .. ":" .. diags[1].col)
  check(diags[1].message == "unknown name `missing`", "its message: " .. diags[1].message)
end

-- Hover on `nn.linear` (line 2, on `linear`).
local hover = vim.lsp.buf_request_sync(buf, "textDocument/hover",
  { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = 1, character = 16 } }, 5000)
local value = ""
for _, r in pairs(hover or {}) do
  if r.result and r.result.contents then value = r.result.contents.value end
end
check(value:find("nn.linear(p, x", 1, true) ~= nil, "hover shows nn.linear's signature")

-- Go to definition of `nn.linear`: the standard library's file.
local def = vim.lsp.buf_request_sync(buf, "textDocument/definition",
  { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = 1, character = 16 } }, 5000)
local target = ""
for _, r in pairs(def or {}) do
  if r.result and r.result.uri then target = r.result.uri end
end
check(target:match("/nn%.zy$") ~= nil, "definition is in nn.zy: " .. target)

-- Fix the line: the client sends the change, the diagnostic goes away.
vim.api.nvim_buf_set_lines(buf, 2, 3, false, { "    h + 1.0" })
got = vim.wait(10000, function() return #vim.diagnostic.get(buf) == 0 end, 20)
check(got, "the diagnostic clears after the edit")

-- Formatting through the server: the buffer gets the canonical layout.
vim.api.nvim_buf_set_lines(buf, 0, 1, false, { "fn model(p,x) {" })
vim.wait(200)
vim.lsp.buf.formatting_sync(nil, 5000)
check(vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1] == "fn model(p, x) {", "formatting: " ..
      vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1])

vim.lsp.stop_client(client)
finish()
