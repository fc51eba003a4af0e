#!/usr/bin/env bash
# test_embed.sh: the embedding API as a user meets it: install zy into a fresh prefix,
# build examples/embed against it with find_package(zy), run the host program, and
# check that it prints what `zy run` prints for the same model (line for line: the
# parameters' shapes, the MLP's outputs, the loss before and after an SGD step), then
# its errors as values (a shape mismatch located in model.zy, a missing function).
# Usage: test_embed.sh BUILD_DIR SOURCE_DIR [HOST_FLAGS]
# HOST_FLAGS: compile and link flags for the host program (the sanitizer build passes
# its -fsanitize flags, so the host links the runtime an instrumented libzy.so needs).
set -u
build=$1 src=$2 hostflags=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL $1"; [[ -f ${2:-} ]] && sed 's/^/    /' "$2" | head -40; exit 1; }

cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1 || fail "cmake --install" "$tmp/install.log"
[[ -f $tmp/prefix/include/zy/zy.hpp ]] || fail "the header is installed"
[[ -f $tmp/prefix/lib/cmake/zy/zyConfig.cmake ]] || fail "the package config is installed"
[[ -x $tmp/prefix/bin/zy ]] || fail "the zy command is installed"
# Only the public header: the compiler's own headers stay inside the library.
[[ $(find "$tmp/prefix/include" -type f | wc -l) == 1 ]] || fail "only zy.hpp is installed as a header"

cmake -S "$src/examples/embed" -B "$tmp/host" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS="$hostflags" -DCMAKE_EXE_LINKER_FLAGS="$hostflags" >"$tmp/configure.log" 2>&1 || fail "configure examples/embed with find_package(zy)" "$tmp/configure.log"
cmake --build "$tmp/host" >"$tmp/build.log" 2>&1 || fail "build examples/embed" "$tmp/build.log"

model="$src/examples/embed/model.zy"
"$tmp/host/embed_host" "$model" >"$tmp/host.out" 2>&1 || fail "run the host program" "$tmp/host.out"
"$tmp/prefix/bin/zy" run "$model" >"$tmp/zy.out" 2>&1 || fail "zy run the model" "$tmp/zy.out"
lines=$(wc -l <"$tmp/zy.out")
[[ $lines -ge 4 ]] || fail "zy run prints the model's numbers" "$tmp/zy.out"
head -n "$lines" "$tmp/host.out" | diff "$tmp/zy.out" - >"$tmp/diff" || fail "the host prints what zy run prints" "$tmp/diff"
grep -q '^tensor(\[\[' "$tmp/host.out" || fail "the host prints the MLP's outputs" "$tmp/host.out"
grep -q '^loss [0-9]' "$tmp/host.out" || fail "the host prints the loss" "$tmp/host.out"

# The errors, as values with the diagnostic zy would print.
grep -q '^error (status 1):$' "$tmp/host.out" || fail "a shape error has status 1" "$tmp/host.out"
grep -q 'model.zy:5:16: error: parameter `layers.0.w` is f32\[2, 8\] in the params tree but is declared as f32\[3, 8\]' "$tmp/host.out" || fail "the shape error is located in model.zy" "$tmp/host.out"
grep -q '^ *5 | fn mlp' "$tmp/host.out" || fail "the shape error shows the source line" "$tmp/host.out"
grep -q 'has no function `no_such_function` (it has batch, loss, main, mlp, sgd_step)' "$tmp/host.out" || fail "a missing function is named" "$tmp/host.out"
echo "embed: all checks passed"
