#!/usr/bin/env bash
# generate.sh: regenerate src/parser.c, src/grammar.json and src/node-types.json from
# grammar.js with the tree-sitter CLI (0.20.x, the version of Debian's libtree-sitter).
# The CLI is not packaged by Debian 12, and the npm package tree-sitter-cli downloads its
# binary from outside the package registry, so it is not part of this project's setup:
# install it where you can (`cargo install tree-sitter-cli --version 0.20.7`) and run
#
#   editors/tree-sitter-zy/generate.sh           regenerate src/ in place
#   editors/tree-sitter-zy/generate.sh --check   fail if src/ is not what grammar.js makes
#
# after changing grammar.js; commit the regenerated src/ with it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v tree-sitter >/dev/null || { echo "generate.sh: needs the tree-sitter CLI on PATH (see the comment at the top)" >&2; exit 1; }
if [[ "${1:-}" == "--check" ]]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cp "$here/grammar.js" "$work/"
  (cd "$work" && tree-sitter generate --no-bindings)
  for f in parser.c grammar.json node-types.json; do
    cmp -s "$work/src/$f" "$here/src/$f" || { echo "generate.sh: src/$f differs from what grammar.js generates" >&2; exit 1; }
  done
  echo "generate.sh: src/ is up to date"
else
  (cd "$here" && tree-sitter generate --no-bindings)
fi
