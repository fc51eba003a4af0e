; folds.scm: the regions an editor may fold (Neovim's foldexpr with nvim-treesitter).
[
  (function_definition)
  (test_declaration)
  (block)
  (record)
  (list)
  (list_comprehension)
  (arguments)
  (parameters)
] @fold
