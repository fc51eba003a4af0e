# harness.sh: what the shell tests share, sourced after they read their arguments.
#
#   source "$root/tests/support/harness.sh"
#
# It makes a scratch directory ($tmp, removed at exit) and runs the test in it, and
# keeps the counts: `pass`, `fail WHAT`, `run NAME COMMAND...` (the command must exit 0;
# its output is in $tmp/out and shown when it fails, or always when show_output=1), and
# `finish [MODE]`, the last line of a test: prints the counts, and fails when a check
# failed or none ran (a test that checks nothing must not pass).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
passed=0 failed=0
show_output=${show_output:-0}
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
run() {
  local name=$1
  shift
  if "$@" >"$tmp/out" 2>&1; then
    pass
    if ((show_output)); then sed 's/^/    /' "$tmp/out"; fi
  else
    fail "$name: exit status $?"
    sed 's/^/    /' "$tmp/out" | head -40
  fi
}
finish() {
  echo "${1:+$1: }$passed passed, $failed failed"
  ((failed == 0 && passed > 0))
}
