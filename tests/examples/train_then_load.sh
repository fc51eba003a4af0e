#!/bin/sh
# train_then_load.sh ZY EXAMPLE CHECKPOINT PATTERN: trains EXAMPLE at its small size
# (which saves CHECKPOINT), evaluates the checkpoint in a second process with
# `-- --load CHECKPOINT`, and checks that the line matching PATTERN (the held-out
# metric) is the same in both runs. Either run failing (an assertion on the metric
# included) fails the test.
set -e
zy=$1 example=$2 checkpoint=$3 pattern=$4
rm -f "$checkpoint"
trained=$("$zy" run "$example" -- --small | tee /dev/stderr | grep -e "$pattern")
loaded=$("$zy" run "$example" -- --load "$checkpoint" | tee /dev/stderr | grep -e "$pattern")
echo "trained: $trained"
echo "loaded:  $loaded"
if [ "$trained" != "$loaded" ]; then
    echo "the loaded checkpoint's metric differs from the trained model's" >&2
    exit 1
fi
