#!/usr/bin/env bash
# test_dist.sh: data-parallel jobs as a user runs them (docs/dist.md), under Open MPI's
# mpirun with 2 processes, against 1.
# Usage: test_dist.sh MODE PATH/TO/zy REPO_ROOT, MODE one of
#   train     tests/dist/train.zy alone and as 2 processes (each checks after every step
#             that all hold the same parameters, bit for bit): the same parameters to
#             rtol 1e-4 in f32 and 1e-10 in f64 (the summation order differs); and
#             `zy run --np 2` as the shortcut for mpirun
#   faults    a process killed with SIGKILL mid-training, and one stopping with an error:
#             the job ends non-zero within 30 s, naming the rank and the error; the
#             checkpoint rank 0 was writing every step still loads
#   example   examples/fashion_mlp.zy --small, unchanged, as 2 processes
set -u
mode=$1 zy=$2 root=$3
source "$root/tests/support/harness.sh"
# Open MPI refuses to run as root (CI does) unless told; --oversubscribe lets 2 processes
# share fewer cores.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun=(mpirun --oversubscribe -np 2)

case $mode in
train)
  for spec in "f32 1e-4 1e-6" "f64 1e-10 1e-12"; do
    read -r dtype rtol atol <<<"$spec"
    run "$dtype alone" "$zy" run "$root/tests/dist/train.zy" -- "$dtype" 64 "one_$dtype.safetensors"
    run "$dtype as 2 processes" "${mpirun[@]}" "$zy" run "$root/tests/dist/train.zy" -- "$dtype" 64 "two_$dtype.safetensors"
    # Only rank 0 printed.
    if [[ $(grep -c "processes, 64 steps" "$tmp/out") == 1 ]]; then pass; else fail "$dtype: not one line of output"; cat "$tmp/out"; fi
    run "$dtype: 1 and 2 processes agree" "$zy" run "$root/tests/dist/same.zy" -- "one_$dtype.safetensors" "two_$dtype.safetensors" "$rtol" "$atol"
    echo "$dtype: $(cat "$tmp/out")"
  done
  run "zy run --np 2" "$zy" run --np 2 "$root/tests/dist/train.zy" -- f32 8 np.safetensors
  if grep -q "^2 processes, 8 steps" "$tmp/out"; then pass; else fail "--np 2 did not run 2 processes"; cat "$tmp/out"; fi
  ;;
faults)
  # SIGKILL to rank 1 while rank 0 saves a checkpoint after every step.
  "${mpirun[@]}" "$zy" run "$root/tests/dist/train.zy" -- f32 1000000 final.safetensors ckpt.safetensors >"$tmp/kill.out" 2>&1 &
  job=$!
  for _ in $(seq 600); do [[ -s ckpt.safetensors ]] && break; sleep 0.1; done
  victim=""
  for pid in $(pgrep -P "$job"); do
    if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx OMPI_COMM_WORLD_RANK=1; then victim=$pid; fi
  done
  if [[ -n $victim && -s ckpt.safetensors ]]; then
    sleep 0.5
    start=$(date +%s%N)
    kill -9 "$victim"
    # The job must end by itself; after 60 s the test stops it (and fails).
    for _ in $(seq 600); do kill -0 "$job" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$job" 2>/dev/null && kill -9 "$job"
    wait "$job"
    status=$?
    ms=$((($(date +%s%N) - start) / 1000000))
    echo "killed rank 1: the job exited with $status after ${ms} ms"
    if [[ $status != 0 ]] && ((ms < 30000)); then pass; else fail "killed rank 1: exit $status after $ms ms"; cat "$tmp/kill.out"; fi
    run "the checkpoint loads after the kill" "$zy" run "$root/tests/dist/same.zy" -- ckpt.safetensors ckpt.safetensors 0 0
  else
    fail "the job did not start (no checkpoint, or no rank 1 under mpirun $job)"
    cat "$tmp/kill.out"
    kill -9 "$job" 2>/dev/null
  fi

  # An error on rank 1 while rank 0 waits for it in dist.all_reduce.
  start=$(date +%s%N)
  timeout 60 "${mpirun[@]}" "$zy" run "$root/tests/dist/fail.zy" >"$tmp/err.out" 2>&1
  status=$?
  ms=$((($(date +%s%N) - start) / 1000000))
  echo "error on rank 1: the job exited with $status after ${ms} ms"
  if [[ $status != 0 && $status != 124 ]] && ((ms < 30000)); then pass; else fail "error on rank 1: exit $status after $ms ms"; fi
  if grep -q "zy: error on rank 1 of 2" "$tmp/err.out" && grep -q "fail.zy:7:16: error: assertion failed: .*rank 1 gives up at step 3" "$tmp/err.out"; then pass
  else fail "the error does not name rank 1 and the assertion"; cat "$tmp/err.out"; fi
  ;;
example)
  run "fashion_mlp --small as 2 processes" "${mpirun[@]}" "$zy" run "$root/examples/fashion_mlp.zy" -- --small
  grep "test accuracy" "$tmp/out"
  if [[ $(grep -c "^test accuracy" "$tmp/out") == 1 ]]; then pass; else fail "expected one accuracy line (rank 0's)"; cat "$tmp/out"; fi
  ;;
*)
  echo "unknown mode $mode"
  exit 2
  ;;
esac
finish "$mode"
