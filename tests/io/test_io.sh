#!/usr/bin/env bash
# test_io.sh: files and progress bars as a user meets them from the shell:
#  - progress(...) with `bar.set(loss = l)` writes plain lines (no \r redraws) with the
#    running metric when stderr is not a terminal;
#  - a save that fails (a bad tree, or the disk refusing the write half way) reports the
#    file and the reason, exits 2, and leaves the previous checkpoint whole and loadable,
#    with no temporary file behind.
# Usage: test_io.sh PATH/TO/zy
set -u
zy=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
check() { # check NAME EXPECTED_STATUS COMMAND... ; stdout in $tmp/out, stderr in $tmp/err
  local name=$1 want=$2
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [[ $got == "$want" ]]; then passed=$((passed + 1)); else
    failed=$((failed + 1))
    echo "FAIL $name: exit status $got, expected $want"
    sed 's/^/    /' "$tmp/out" "$tmp/err" | head -20
  fi
}
expect() { # expect NAME FILE TEXT: FILE (out or err) has a line that is exactly TEXT
  if grep -qxF -- "$3" "$tmp/$2"; then passed=$((passed + 1)); else
    failed=$((failed + 1))
    echo "FAIL $1: $2 lacks the line: $3"
    sed 's/^/    /' "$tmp/$2" | head -20
  fi
}
ok() { # ok NAME CONDITION-STATUS
  if [[ $2 == 0 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $1"; fi
}

# ------------------------------------------------------------------ progress, not a terminal
cat > "$tmp/bar.zy" <<'ZY'
fn main() {
    let bar = progress(range(20), label = "demo")
    for i in bar {
        bar.set(loss = 0.5 * float(i), step = i + 1)
    }
    print("done")
    # Integers as they are, past a double's 53 bits too.
    let ints = progress([1], label = "ints")
    for i in ints {
        ints.set(big = 9223372036854775807, odd = 9007199254740993)
    }
}
ZY
check "progress runs" 0 "$zy" run "$tmp/bar.zy"
expect "progress: stdout is the program's" out "done"
ok "progress: one line per 10%, eleven in all" $([[ $(grep -c '^demo' "$tmp/err") == 11 ]]; echo $?)
ok "progress: integer metrics exactly" $(grep -qE '^ints 100% 1/1 .*, big 9223372036854775807, odd 9007199254740993$' "$tmp/err"; echo $?)
ok "progress: no carriage returns off a terminal" $(! grep -q $'\r' "$tmp/err"; echo $?)
ok "progress: no escape codes off a terminal" $(! grep -q $'\x1b' "$tmp/err"; echo $?)
# The count, then the metrics as the loop body last set them (ETA and rate vary).
ok "progress: first line" $(grep -qE '^demo   0% 1/20 elapsed 00:00, eta 00:00, [0-9.]+ it/s, loss 0, step 1$' "$tmp/err"; echo $?)
ok "progress: half way" $(grep -qE '^demo  50% 10/20 elapsed [0-9:]+, eta [0-9:]+, [0-9.]+ it/s, loss 4.5, step 10$' "$tmp/err"; echo $?)
ok "progress: last line" $(grep -qE '^demo 100% 20/20 elapsed [0-9:]+, eta 00:00, [0-9.]+ it/s, loss 9.5, step 20$' "$tmp/err"; echo $?)

# ------------------------------------------------------------------ a failed save keeps the old file
cat > "$tmp/save_good.zy" <<'ZY'
fn main() {
    save({w: reshape(arange(6, dtype = f32), [2, 3])}, args()[0])
}
ZY
cat > "$tmp/save_bad_tree.zy" <<'ZY'
fn main() {
    save({w: zeros([2, 3]), name: "not a tensor"}, args()[0])
}
ZY
cat > "$tmp/save_big.zy" <<'ZY'
fn main() {
    save({w: zeros([1000, 1000])}, args()[0])
}
ZY
cat > "$tmp/load.zy" <<'ZY'
fn main() {
    let p = load(args()[0])
    assert p.w.shape == [2, 3]
    assert_close(p.w, reshape(arange(6, dtype = f32), [2, 3]), rtol = 0.0, atol = 0.0)
    print("the first checkpoint")
}
ZY
ckpt="$tmp/model.safetensors"
check "save a checkpoint" 0 "$zy" run "$tmp/save_good.zy" -- "$ckpt"
cp "$ckpt" "$tmp/first.safetensors"
check "save of a bad tree fails" 1 "$zy" run "$tmp/save_bad_tree.zy" -- "$ckpt"
ok "save of a bad tree names the leaf" $(grep -qF "cannot save the leaf \`name\`: it is str" "$tmp/err"; echo $?)
ok "save of a bad tree leaves the file as it was" $(cmp -s "$ckpt" "$tmp/first.safetensors"; echo $?)
# A write the system refuses half way (a 64 KiB file-size limit, 4 MB of data): EFBIG
# with SIGXFSZ ignored, as a full disk would give ENOSPC.
check "save refused half way fails" 2 bash -c "trap '' XFSZ; ulimit -f 64; exec \"\$0\" run \"\$1\" -- \"\$2\"" \
  "$zy" "$tmp/save_big.zy" "$ckpt"
ok "the refused save names the file and the reason" $(grep -qF "model.safetensors: cannot write: File too large" "$tmp/err"; echo $?)
ok "the refused save leaves the file as it was" $(cmp -s "$ckpt" "$tmp/first.safetensors"; echo $?)
ok "no temporary file is left" $([[ -z $(ls "$tmp" | grep -F '.tmp-') ]]; echo $?)
check "the previous checkpoint still loads" 0 "$zy" run "$tmp/load.zy" -- "$ckpt"
expect "the previous checkpoint's values" out "the first checkpoint"

echo "io: $passed passed, $failed failed"
[[ $failed == 0 ]]
