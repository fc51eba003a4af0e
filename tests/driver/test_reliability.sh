#!/usr/bin/env bash
# test_reliability.sh: hostile input and faults as a user meets them (docs/reliability.md):
#   1. every expected-error file, run with `zy run`, exits 1 or 2 (never a signal, a hang
#      or an internal error) and prints FILE:LINE:COL: error with the source line;
#   2. --check-nans names the op, the line and the call chain, and exits 2;
#   3. a save killed with SIGKILL half-way leaves the previous checkpoint intact.
# Usage: test_reliability.sh PATH/TO/zy   (run from the repository root)
set -u
zy=$(realpath "$1")
root=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL $1"; [[ -f $tmp/out ]] && sed 's/^/    /' "$tmp/out" | head -15; }

# 1. The hostile-input corpus through the driver, each with a time limit.
for f in tests/errors/*.zy tests/syntax/*.zy tests/nans/*.zy; do
  [[ $f == tests/nans/stable_ops.zy ]] && continue
  grep -q '^fn main' "$f" || continue # test blocks only: `zy test` checks those
  opts=()
  [[ $f == tests/nans/* ]] && opts=(--check-nans)
  # From a scratch directory: some of them write files where they run.
  (cd "$tmp" && timeout 120 "$zy" run "${opts[@]}" "$root/$f") >"$tmp/out" 2>&1
  status=$?
  if [[ $status != 1 && $status != 2 ]]; then fail "$f: exit status $status, expected 1 or 2"; continue; fi
  # The first error names this file (or a module it imports) with a line and column.
  if ! grep -qE '^[^ ]+\.zyh?:[0-9]+:[0-9]+: error: ' "$tmp/out"; then fail "$f: no located error"; continue; fi
  if ! grep -qE '^ *[0-9]+ \| ' "$tmp/out"; then fail "$f: the source line is not shown"; continue; fi
  pass
done

# 2. --check-nans: op, line, call chain, status 2; without it the program runs.
"$zy" run --check-nans tests/nans/log_of_zero_traced.zy >"$tmp/out" 2>&1
[[ $? == 2 ]] && pass || fail "check-nans exit status"
for want in "tests/nans/log_of_zero_traced.zy:3:15: error: --check-nans: \`log\` made -inf" \
            "log_of_zero_traced.zy:5:15: note: in this call to \`score\`" \
            "log_of_zero_traced.zy:8:11: note: in this call to \`model\`"; do
  grep -qF -- "$want" "$tmp/out" && pass || fail "check-nans output lacks: $want"
done
"$zy" run tests/nans/log_of_zero_traced.zy >"$tmp/out" 2>&1
[[ $? == 0 ]] && grep -qF -- "-inf" "$tmp/out" && pass || fail "without --check-nans the program runs"
"$zy" run --check-nans --executor=reference tests/nans/exp_overflow_traced.zy >"$tmp/out" 2>&1
[[ $? == 2 ]] && grep -qF "exp_overflow_traced.zy:2:16: error: --check-nans: \`exp\` made inf" "$tmp/out" && pass ||
  fail "check-nans on the reference executor"

# 3. A save killed half-way: the old checkpoint is still there, whole and loadable.
cat >"$tmp/save.zy" <<'ZY'
# Saves a tree of about 16 MB whose every element is the number given after `--`.
fn main() {
    let v = float(args()[0])
    let tree = {a: full([1000, 1000], v), b: full([1000, 1000], v), c: full([1000, 1000], v), d: full([1000, 1000], v)}
    save(tree, args()[1])
}
ZY
cat >"$tmp/check.zy" <<'ZY'
# Loads the checkpoint and checks every element is the number given after `--`.
fn main() {
    let v = float(args()[0])
    let t = load(args()[1])
    for name in ["a", "b", "c", "d"] {
        assert t[name].shape == [1000, 1000]
    }
    assert float(min(t.a)) == v and float(max(t.d)) == v
    print("intact")
}
ZY
ckpt=$tmp/model.safetensors
"$zy" run "$tmp/save.zy" -- 1.0 "$ckpt" >"$tmp/out" 2>&1 && pass || fail "first save"
ZY_TEST_STALL_WRITE=60 "$zy" run "$tmp/save.zy" -- 2.0 "$ckpt" >"$tmp/out" 2>&1 &
pid=$!
for _ in $(seq 1 600); do grep -q "stalled mid-write" "$tmp/out" && break; sleep 0.1; done
partial=$(ls "$tmp"/model.safetensors.tmp-* 2>/dev/null | head -1)
if [[ -n $partial && $(stat -c %s "$partial") -gt 1000000 ]]; then pass; else fail "the save did not stall with a partly written temporary file"; fi
kill -9 $pid
wait $pid 2>/dev/null
[[ $? == 137 ]] && pass || fail "the stalled save was not killed by SIGKILL"
"$zy" run "$tmp/check.zy" -- 1.0 "$ckpt" >"$tmp/out" 2>&1
[[ $? == 0 ]] && grep -q intact "$tmp/out" && pass || fail "the old checkpoint is not intact after the kill"
# The next save (not interrupted) replaces it whole.
"$zy" run "$tmp/save.zy" -- 3.0 "$ckpt" >"$tmp/out" 2>&1 && pass || fail "save after the kill"
"$zy" run "$tmp/check.zy" -- 3.0 "$ckpt" >"$tmp/out" 2>&1
[[ $? == 0 ]] && pass || fail "the new checkpoint after the kill"

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
