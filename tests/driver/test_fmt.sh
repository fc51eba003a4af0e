#!/usr/bin/env bash
# test_fmt.sh: `zy fmt` as a user meets it (docs/editors.md).
# Usage: test_fmt.sh PATH/TO/zy REPO_ROOT
#   - the repository's own examples/, stdlib/ and tests/lang/ are formatted (--check);
#   - a copy of examples/ and tests/lang/, made ugly (indentation stripped, every run of
#     spaces doubled outside strings and comments) and then formatted, is the repository's
#     text again, and still passes its tests;
#   - formatting is idempotent; `-` formats standard input; a file with a syntax error is
#     reported (exit 1, located) and left unchanged; --check lists what it would change.
set -u
zy=$1 root=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

if (cd "$root" && "$zy" fmt --check examples stdlib tests/lang) >"$tmp/out" 2>&1; then pass
else fail "the repository is not formatted:"; head -20 "$tmp/out"; fi

# (tests/fixtures too: tests/lang reads its data files through ../fixtures.)
mkdir "$tmp/tests"
cp -r "$root/examples" "$tmp/"
cp -r "$root/tests/lang" "$root/tests/fixtures" "$tmp/tests/"
# Uglify: strip indentation, double each space in code (a line's comment and strings are
# left alone by only touching lines without quotes or #).
find "$tmp/examples" "$tmp/tests/lang" -name '*.zy' | while read -r f; do
  sed -i -e 's/^[[:space:]]*//' -e '/["#]/!s/ /  /g' "$f"
done
if "$zy" fmt "$tmp/examples" "$tmp/tests/lang" >"$tmp/out" 2>&1; then pass; else fail "zy fmt failed"; head -20 "$tmp/out"; fi
if diff -r "$root/examples" "$tmp/examples" >"$tmp/diff" && diff -r "$root/tests/lang" "$tmp/tests/lang" >>"$tmp/diff"; then pass
else fail "formatting the uglified files did not give the repository's text back"; head -30 "$tmp/diff"; fi
if "$zy" fmt --check "$tmp/examples" "$tmp/tests/lang" >"$tmp/out" 2>&1; then pass; else fail "not idempotent"; head "$tmp/out"; fi
if (cd "$tmp" && "$zy" test examples tests/lang) >"$tmp/out" 2>&1; then pass
else fail "the formatted files do not pass their tests"; tail -20 "$tmp/out"; fi

printf 'fn f(x,y)=x+y # add\n' >"$tmp/a.zy"
if [[ $("$zy" fmt - <"$tmp/a.zy") == "fn f(x, y) = x + y  # add" ]]; then pass; else fail "zy fmt - did not format stdin"; fi
if "$zy" fmt --check "$tmp/a.zy" >"$tmp/out" 2>&1; then fail "--check passed an unformatted file"
elif grep -q "a.zy: not formatted" "$tmp/out"; then pass; else fail "--check did not name the file"; cat "$tmp/out"; fi
printf 'fn f(x = \n' >"$tmp/bad.zy"
cp "$tmp/bad.zy" "$tmp/bad.orig"
"$zy" fmt "$tmp/bad.zy" >"$tmp/out" 2>&1
status=$?
if [[ $status == 1 ]] && grep -q "bad.zy:1:" "$tmp/out" && cmp -s "$tmp/bad.zy" "$tmp/bad.orig"; then pass
else fail "a syntax error: exit $status, file changed or error not located"; cat "$tmp/out"; fi

echo "$passed passed, $failed failed"
((failed == 0))
