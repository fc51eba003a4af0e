#!/usr/bin/env bash
# test_debug_print.sh: debug.print's output, exactly: tests/driver/debug_print.zy must
# print tests/driver/debug_print.out through the JIT (tiered as usual), with every graph
# compiled and checked against the reference executor (--check-jit, which must not print
# twice), and with every op run at once (--eager).
# Usage: test_debug_print.sh PATH/TO/zy REPO_ROOT
set -u
zy=$1 root=$2
dir=$root/tests/driver
failed=0
tmp=$(mktemp)
for flags in "" "--check-jit" "--eager"; do
  # shellcheck disable=SC2086 # the flags are words
  if ! "$zy" run $flags "$dir/debug_print.zy" 2>&1 | diff "$dir/debug_print.out" - >"$tmp"; then
    echo "FAIL zy run $flags debug_print.zy: the output differs from debug_print.out (< expected, > printed):"
    sed "s/^/    /" "$tmp"
    failed=1
  fi
done
rm -f "$tmp"
[[ $failed == 0 ]] && echo "debug.print: 3 runs passed"
exit $failed
