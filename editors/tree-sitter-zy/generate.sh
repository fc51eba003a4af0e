#!/usr/bin/env bash
# generate.sh: regenerate src/parser.c, src/grammar.json and src/node-types.json from
# grammar.js, with the tree-sitter 0.20.7 generator vendored in generator/ (the npm
# package tree-sitter-cli downloads its binary from outside the package registry, which
# this project's machines cannot reach). The generator is built offline with cargo from
# Debian's packaged Rust crates (generator/.cargo/config.toml); node evaluates grammar.js.
#
#   editors/tree-sitter-zy/generate.sh [OUT_DIR]   (default: this directory)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
target=${CARGO_TARGET_DIR:-${TMPDIR:-/tmp}/zy-tree-sitter-generator}
command -v cargo >/dev/null || { echo "generate.sh: needs cargo (Rust) to build the generator" >&2; exit 77; }
crates=(anyhow indexmap lazy-static log regex regex-syntax rustc-hash semver serde serde-derive serde-json smallbitvec aho-corasick)
for c in "${crates[@]}"; do
  [[ -d /usr/share/cargo/registry ]] && ls -d /usr/share/cargo/registry/"${c//-/_}"-* >/dev/null 2>&1 && continue
  ls -d /usr/share/cargo/registry/"$c"-* >/dev/null 2>&1 && continue
  echo "generate.sh: needs Debian's librust-$c-dev (tools/setup installs it)" >&2; exit 77
done
(cd "$here/generator" && cargo build --quiet --release --offline --target-dir "$target")
if [[ "$out" != "$here" ]]; then
  mkdir -p "$out"
  cp "$here/grammar.js" "$out/"
fi
(cd "$out" && "$target/release/tree-sitter-generate-offline" .)
