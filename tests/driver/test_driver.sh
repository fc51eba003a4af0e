#!/usr/bin/env bash
# test_driver.sh: the `zy` command as a user meets it: help, version, exit statuses, the
# rendering of errors, the AST printer, and `zy test` failing when it should.
# Usage: test_driver.sh PATH/TO/zy   (run from the repository root)
set -u
zy=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

check() { # check NAME EXPECTED_STATUS COMMAND... ; stdout+stderr land in $tmp/out
  local name=$1 want=$2
  shift 2
  "$@" >"$tmp/out" 2>&1
  local got=$?
  if [[ $got == "$want" ]]; then passed=$((passed + 1)); else
    failed=$((failed + 1))
    echo "FAIL $name: exit status $got, expected $want"
    sed 's/^/    /' "$tmp/out" | head -20
  fi
}
contains() { # contains NAME TEXT: the last command's output contains TEXT
  if grep -qF -- "$2" "$tmp/out"; then passed=$((passed + 1)); else
    failed=$((failed + 1))
    echo "FAIL $1: output lacks: $2"
    sed 's/^/    /' "$tmp/out" | head -20
  fi
}

check version 0 "$zy" --version
contains version "zy 0.1.0"
check help 0 "$zy" --help
for sub in run test repl compile help; do contains "help lists $sub" "  $sub"; done
check "help run" 0 "$zy" help run
contains "help run" "--emit=ast"
check "run --help" 0 "$zy" run --help
check "repl --help" 0 "$zy" repl --help
check "help --help" 0 "$zy" help --help
check "no command" 64 "$zy"
check "unknown command" 64 "$zy" frobnicate
contains "unknown command" "unknown command \`frobnicate\`"
check "run without file" 64 "$zy" run
check "unknown stage" 64 "$zy" run --emit=bogus examples/fashion_mlp.zy
check "emit without stage" 64 "$zy" run examples/fashion_mlp.zy --emit
check "missing file" 1 "$zy" run "$tmp/nope.zy"
contains "missing file" "cannot open"
check "directory" 1 "$zy" run examples
contains "directory" "is a directory"
# A device would be read without end; a pipe is read once while the driver reads the
# program twice (it was an internal error, exit 70).
check "device" 1 timeout 20 "$zy" run /dev/zero
contains "device" "\`/dev/zero\` is a device, not a file"
check "pipe" 1 "$zy" run <(echo 'fn main() { print(1) }')
contains "pipe" "is a pipe, not a file"
check "repl at end of input" 0 "$zy" repl </dev/null
check "compile needs an entry" 64 "$zy" compile x.zy
contains "compile needs an entry" "needs \`--entry NAME\`"

# A traced step called with a new key each time is traced once: keys are runtime data.
cat > "$tmp/keys.zy" <<'ZY'
fn step(key, x) = nn.dropout(key, x, 0.5)
fn main() {
    for i in 0..5 { let y = step(random.fold_in(random.key(0), i), ones([8])) }
}
ZY
check "keys do not retrace" 0 "$zy" run --log-compiles "$tmp/keys.zy"
if [[ $(grep -c "tracing \`step\`" "$tmp/out") == 1 ]]; then passed=$((passed + 1)); else
  failed=$((failed + 1)); echo "FAIL keys do not retrace: step was traced other than once"; cat "$tmp/out"; fi

# A syntax error: location, source line, caret, note, summary, exit status 1.
check "syntax error" 1 "$zy" run tests/syntax/unclosed_call.zy
contains "syntax error" "tests/syntax/unclosed_call.zy:4:1: error: expected \`)\` to close the call opened at 2:14, found \`}\`"
contains "syntax error shows the line" " 2 |     let y = g(x, 2"
contains "syntax error has a caret" "   |              ^"
contains "syntax error summary" "1 error found"

# The AST printer's output parses back to the same tree.
check "emit ast" 0 "$zy" run --emit=ast examples/fashion_mlp.zy
cp "$tmp/out" "$tmp/printed.zy"
check "printed ast parses" 0 "$zy" run --emit=ast "$tmp/printed.zy"
if cmp -s "$tmp/out" "$tmp/printed.zy"; then passed=$((passed + 1)); else
  failed=$((failed + 1)); echo "FAIL printing the printed program changed it"; fi
check "emit ast-tree" 0 "$zy" run --emit=ast-tree examples/fashion_mlp.zy
contains "ast-tree has spans" "(fn linear @10:1"

# 10,000 nested parentheses through the driver: an error, not a crash.
{ printf 'fn f() = '; printf '(%.0s' {1..10000}; printf '1'; printf ')%.0s' {1..10000}; echo; } > "$tmp/deep.zy"
check "deep nesting" 1 "$zy" run "$tmp/deep.zy"
contains "deep nesting" "nested more than 200 deep"
head -c 200000 /dev/urandom > "$tmp/junk.zy"
check "binary junk" 1 "$zy" run "$tmp/junk.zy"

# `zy test` must fail when an expectation is wrong, missing or malformed.
printf 'fn f(x) = g(x 2)\n# expect error: 1:15: expected `)`\n' > "$tmp/right.zy"
check "zy test passes a right expectation" 0 "$zy" test "$tmp/right.zy"
contains "zy test summary" "1 passed, 0 failed"
printf 'fn f(x) = g(x 2)\n# expect error: 1:14: expected `)`\n' > "$tmp/wrong_place.zy"
check "zy test fails a wrong position" 1 "$zy" test "$tmp/wrong_place.zy"
contains "zy test names the difference" "unexpected error at 1:15"
printf 'fn f(x) = x\n# expect error: 1:1: something\n' > "$tmp/no_error.zy"
check "zy test fails a missing error" 1 "$zy" test "$tmp/no_error.zy"
contains "zy test names the missing error" "missing error at 1:1"
printf 'fn f(x) = x\n# expect error: oops\n' > "$tmp/malformed.zy"
check "zy test fails a malformed expectation" 1 "$zy" test "$tmp/malformed.zy"
check "zy test on a missing path" 64 "$zy" test "$tmp/nothing-here"

# The JIT's options.
printf 'fn f(x, w) = relu(x @ w + 1.0)\nfn main() {\n    print(f(ones([2, 3]), ones([3, 4])))\n}\n' > "$tmp/jit.zy"
check "run --emit=llvm" 0 "$zy" run --emit=llvm "$tmp/jit.zy"
contains "run --emit=llvm prints the kernels" "define void @zy_g"
contains "run --emit=llvm runs the program" "tensor([[4, 4, 4, 4], [4, 4, 4, 4]], f32[2, 4])"
check "run --check-jit" 0 "$zy" run --check-jit --log-jit "$tmp/jit.zy"
contains "run --log-jit reports the compile" "zy: compiled a graph of"
check "run --executor=reference" 0 "$zy" run --executor=reference "$tmp/jit.zy"
contains "the reference executor gives the same" "tensor([[4, 4, 4, 4], [4, 4, 4, 4]], f32[2, 4])"
check "run --executor=foo" 64 "$zy" run --executor=foo "$tmp/jit.zy"
contains "an unknown executor is named" "unknown executor \`foo\`; it is jit or reference"
check "run --threads=0" 64 "$zy" run --threads=0 "$tmp/jit.zy"
check "test --threads=1" 0 "$zy" test --threads=1 "$tmp/jit.zy"

# Each command's help names its manual page, and the page is there.
for sub in run test ir repl help; do
  check "help $sub" 0 "$zy" help "$sub"
  page=$(sed -n 's/^The manual page: //p' "$tmp/out")
  if [[ -n $page && -f $page ]]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL help $sub names a manual page that exists: '$page'"; fi
done
check "help repl" 0 "$zy" help repl
contains "help repl lists the commands" ":type EXPR, :ir EXPR"

echo "driver: $passed passed, $failed failed"
[[ $failed == 0 ]]
