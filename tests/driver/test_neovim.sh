#!/usr/bin/env bash
# test_neovim.sh: Neovim (headless) edits a Zy file through `zy lsp` (test_neovim.lua).
# Usage: test_neovim.sh PATH/TO/zy
set -u
zy=$1
here=$(cd "$(dirname "$0")" && pwd)
command -v nvim >/dev/null || { echo "nvim is not installed: tools/setup installs neovim"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'fn model(p, x) {\n    let h = nn.linear(p.out, x, 10)\n    h + missing\n}\n' >"$tmp/model.zy"
HOME=$tmp XDG_CACHE_HOME=$tmp/cache ZY=$zy ZY_FILE=$tmp/model.zy \
  timeout 60 nvim --headless -u NONE -i NONE -c "luafile $here/test_neovim.lua" </dev/null
