#!/bin/sh
# train_then_load.sh ZY EXAMPLE CHECKPOINT PATTERN: trains EXAMPLE at its small size
# (which saves CHECKPOINT), evaluates the checkpoint in a second process with
# `-- --load CHECKPOINT`, and checks that the line matching PATTERN (the held-out
# metric) is the same in both runs. Either run failing (an assertion on the metric
# included) fails the test with that run's exit status.
zy=$1 example=$2 checkpoint=$3 pattern=$4
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
rm -f "$checkpoint"
"$zy" run "$example" -- --small >"$out" || { status=$?; cat "$out"; exit $status; }
cat "$out"
trained=$(grep -e "$pattern" "$out")
"$zy" run "$example" -- --load "$checkpoint" >"$out" || { status=$?; cat "$out"; exit $status; }
cat "$out"
loaded=$(grep -e "$pattern" "$out")
echo "trained: $trained"
echo "loaded:  $loaded"
if [ -z "$trained" ] || [ "$trained" != "$loaded" ]; then
    echo "the loaded checkpoint's metric differs from the trained model's (or is missing)" >&2
    exit 1
fi
