#!/usr/bin/env bash
# test_aot.sh: `zy compile` as a user meets it (docs/compile.md): shared objects built from
# the examples, called from C, checked against `zy run`.
# Usage: test_aot.sh MODE PATH/TO/zy REPO_ROOT, MODE one of
#   inference      examples/c_inference: the C program prints what `zy run` prints, to 1e-5;
#                  the library needs only libc, libm and OpenBLAS and exports only its API
#   threads        one library called from 4 threads x 10,000 calls, bit for bit as alone
#   training       examples/c_training --small: the C program trains through the exported
#                  step; its losses and accuracies match `zy run`'s, and the loss falls
#   training-full  the same on all 60,000 images for 10 epochs (ctest -L slow)
#   training-mpi   examples/c_training/train_mpi.c --small as 2 MPI processes, each on half
#                  of every batch (the step in two halves, gradients averaged with
#                  MPI_Allreduce): its losses and accuracies match zy run's on one process
#   steps          each kind of C step (scatter-add, i32 and batched f64 matmul, GEMV,
#                  copies, scans: nested, capturing, nn.lstm; vmap of grad, hessian, custom rules, checkpointing;
#                  debug.print, argsort, while_loop) on small entries of tests/aot/steps.zy, against zy run
#   errors         located errors for bad --arg specs, unknown entries or parameters, and
#                  entries that cannot be exported; a label out of range reported by the
#                  library's error, and not checked with --no-check-labels
set -u
mode=$1 zy=$2 root=$3
source "$root/tests/support/harness.sh"

# The library's dependencies and exported symbols: only libc, libm, OpenBLAS; only zy_NAME*.
check_library() { # check_library LIB ENTRY
  local needed
  needed=$(readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
  # (ld-linux is glibc's loader, which provides the thread-local error pointer.)
  if [[ -z $(echo "$needed" | tr ' ' '\n' | grep -vxE 'libc.so.6|libm.so.6|libopenblas.so.0|ld-linux-x86-64.so.2|') ]]
  then pass; else fail "$1 needs: $needed"; fi
  local symbols
  symbols=$(nm -D --defined-only "$1" | awk '{print $3}' | sort | tr '\n' ' ')
  if [[ $symbols == "zy_$2 zy_$2_error zy_$2_run " ]]; then pass; else fail "$1 exports: $symbols"; fi
  if ldd "$1" | grep -q "libstdc++\|libLLVM\|libmvec\|libz\b"; then fail "$1 loads more than it should: $(ldd "$1")"; else pass; fi
}

# Numbers equal to a relative/absolute tolerance, line by line (awk: no Python needed).
same_numbers() { # same_numbers NAME FILE1 FILE2 TOLERANCE
  if awk -v tol="$4" 'NR == FNR { a[FNR] = $0; n = FNR; next }
      { d = $0 - a[FNR]; if (d < 0) d = -d; s = a[FNR] < 0 ? -a[FNR] : a[FNR]; if (d > tol * (s > 1 ? s : 1)) bad = 1; m = FNR }
      END { exit (bad || m != n || n == 0) }' "$2" "$3"; then pass; else
    fail "$1: the numbers differ by more than $4"; paste "$2" "$3" | sed 's/^/    /' | head -20
  fi
}

# same_epochs WHAT C.TXT ZY.TXT EPOCHS: the `epoch N: mean loss L, test accuracy A` lines
# of a C training program and of zy run: EPOCHS of them on each side, the losses equal
# to f32 rounding and the accuracies closely (the same step on the same batches).
# Leaves the columns in c.loss, zy.loss, c.acc and zy.acc.
same_epochs() {
  loss() { sed -n 's/.*mean loss \([0-9.]*\),.*/\1/p' "$1"; }
  accuracy() { sed -n 's/.*test accuracy \([0-9.]*\)$/\1/p' "$1"; }
  loss "$2" >c.loss; loss "$3" >zy.loss; accuracy "$2" >c.acc; accuracy "$3" >zy.acc
  [[ $(wc -l <c.loss) == "$4" && $(wc -l <zy.loss) == "$4" ]] && pass || fail "$1: not $4 epochs on both sides"
  same_numbers "$1: mean losses" zy.loss c.loss 2e-3
  same_numbers "$1: test accuracies" zy.acc c.acc 5e-3
}

case $mode in
inference | threads)
  src=$root/examples/c_inference
  run "zy run model.zy" "$zy" run "$src/model.zy" -- model.safetensors
  cp "$tmp/out" zy.txt
  run "zy compile predict" "$zy" compile "$src/model.zy" --entry predict --arg "x=f32[1, 784]" \
    --params model.safetensors -o "$tmp/libpredict.so"
  [[ -f predict.h ]] && pass || fail "predict.h was not written beside the library"
  if [[ $mode == inference ]]; then
    run "cc main.c" cc -std=c11 -Wall -Wextra -Werror "$src/main.c" -I. -L. -lpredict -o main
    run "./main" env LD_LIBRARY_PATH=. ./main
    cp "$tmp/out" c.txt
    [[ $(wc -l <c.txt) == 10 ]] && pass || fail "main printed $(wc -l <c.txt) lines, not 10"
    same_numbers "C against zy run" zy.txt c.txt 1e-5
    check_library libpredict.so predict
    # The header states every shape, and the library rejects a NULL tensor with a message.
    grep -q "0  x  f32\[1, 784\]" predict.h && grep -q "0  out  f32\[1, 10\]" predict.h && pass || fail "predict.h lacks the shapes"
    cat >null.c <<'C'
#include "predict.h"
#include <stdio.h>
#include <string.h>
int main(void) {
  float out[10];
  if (zy_predict(NULL, out) == 0) return 1;
  printf("%s\n", zy_predict_error());
  return strstr(zy_predict_error(), "input 0 (`x`, f32[1, 784]) is NULL") ? 0 : 1;
}
C
    run "a NULL input is an error" sh -c "cc null.c -I. -L. -lpredict -o null && LD_LIBRARY_PATH=. ./null"
  else
    run "cc threads.c" cc -std=c11 -O2 -Wall -Wextra -Werror "$root/tests/aot/threads.c" -I. -L. -lpredict -lpthread -o threads
    # With OpenBLAS's own threads (concurrent calls queue on its pool) and without them.
    for blas_threads in "" 1; do
      run "4 threads x 10,000 calls, OPENBLAS_NUM_THREADS=$blas_threads" env LD_LIBRARY_PATH=. OPENBLAS_NUM_THREADS=$blas_threads ./threads
      grep -q "0 results differ from single-threaded calls, 0 failures" out && pass || fail "threads: $(cat out)"
    done
  fi
  ;;
training | training-full)
  src=$root/examples/c_training
  small=--small
  [[ $mode == training-full ]] && small=
  run "zy run mlp.zy -- init" "$zy" run "$src/mlp.zy" -- init .
  run "zy compile train_step" "$zy" compile "$src/mlp.zy" --entry train_step --arg params=@init.safetensors \
    --arg state=@state.safetensors --arg "x=f32[128,784]" --arg "y=i32[128]" -o libtrain_step.so
  run "zy compile predict" "$zy" compile "$src/mlp.zy" --entry predict --arg params=@init.safetensors \
    --arg "x=f32[1000,784]" -o libpredict.so
  check_library libtrain_step.so train_step
  run "cc train.c" cc -std=c11 -O2 -Wall -Wextra -Werror "$src/train.c" -I. -L. -ltrain_step -lpredict -lz -o train
  run "./train" env LD_LIBRARY_PATH=. ./train init.safetensors state.safetensors $small
  grep '^epoch' out >c.txt
  run "zy run mlp.zy -- train" "$zy" run "$src/mlp.zy" -- train . $small
  grep '^epoch' out >zy.txt
  sed 's/^/    C:  /' c.txt
  sed 's/^/    Zy: /' zy.txt
  same_epochs "C against zy run" c.txt zy.txt "$([[ -n $small ]] && echo 2 || echo 10)"
  awk 'NR == 1 { first = $1 } { last = $1 } END { exit !(last < first) }' c.loss && pass || fail "the loss did not fall"
  bound=$([[ -n $small ]] && echo 0.7 || echo 0.87)
  awk -v b="$bound" 'END { exit !($1 > b) }' c.acc && pass || fail "the final test accuracy is not above $bound"
  ;;
training-mpi)
  # train_mpi.c as 2 MPI processes, 64 rows of each batch of 128 apiece, against zy run
  # of the whole batch on one process (docs/dist.md, "From C").
  src=$root/examples/c_training
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  run "zy run mlp.zy -- init" "$zy" run "$src/mlp.zy" -- init .
  run "zy compile grad_step" "$zy" compile "$src/mlp.zy" --entry grad_step --arg params=@init.safetensors \
    --arg "x=f32[64,784]" --arg "y=i32[64]" -o libgrad_step.so
  run "zy compile apply_step" "$zy" compile "$src/mlp.zy" --entry apply_step --arg params=@init.safetensors \
    --arg state=@state.safetensors --arg grads=@init.safetensors -o libapply_step.so
  run "zy compile predict" "$zy" compile "$src/mlp.zy" --entry predict --arg params=@init.safetensors \
    --arg "x=f32[1000,784]" -o libpredict.so
  run "mpicc train_mpi.c" mpicc -std=c11 -O2 -Wall -Wextra -Werror "$src/train_mpi.c" -I. -L. -lgrad_step -lapply_step \
    -lpredict -lz -o train_mpi
  run "mpirun -np 2 ./train_mpi" env LD_LIBRARY_PATH=. mpirun --oversubscribe -np 2 ./train_mpi init.safetensors \
    state.safetensors --small
  grep '^epoch' out >c.txt
  run "zy run mlp.zy -- train" "$zy" run "$src/mlp.zy" -- train . --small
  grep '^epoch' out >zy.txt
  sed 's/^/    C, 2 processes: /' c.txt
  sed 's/^/    Zy, 1 process:  /' zy.txt
  # Rank 0 alone prints: 2 epoch lines, not 4.
  same_epochs "2 C processes against zy run" c.txt zy.txt 2
  ;;
steps)
  # Each kind of C step against zy run (the JIT), to 1e-6 (f32 sums may be reordered).
  f=$root/tests/aot/steps.zy
  run "zy run steps.zy -- lstm_init" "$zy" run "$f" -- lstm_init
  while read -r entry args; do
    run "zy compile $entry" "$zy" compile "$f" --entry "$entry" $args -o "lib$entry.so"
    run "cc run_entry.c for $entry" cc -std=c11 -Wall -Wextra -Werror -DENTRY="$entry" -include "$entry.h" \
      "$root/tests/aot/run_entry.c" -L. -l"$entry" -o "run_$entry"
    run "run_$entry" env LD_LIBRARY_PATH=. "./run_$entry"
    cp out "c_$entry.txt"
    run "zy run steps.zy -- $entry" "$zy" run "$f" -- "$entry"
    same_numbers "$entry: C against zy run" out "c_$entry.txt" 1e-6
  done <<'ENTRIES'
gather_grad --arg table=f32[5,3] --arg idx=i32[7]
int_matmul --arg a=i32[4,6] --arg b=i32[6,3]
batched --arg a=f64[2,3,4] --arg b=f64[2,5,4]
row --arg a=f32[1,9] --arg w=f32[9,4]
echo --arg x=f32[3,2]
running_total --arg xs=f32[5,4]
rnn --arg w=f32[3,3] --arg h0=f32[2,3] --arg xs=f32[6,2,3]
nested --arg xs=f32[4,3]
lstm_run --arg params=@lstm.safetensors --arg xs=f32[5,2,3]
per_example --arg w=f32[4,3] --arg xs=f32[6,4] --arg ys=i32[6]
curvature --arg x=f64[5]
custom_rules --arg x=f32[6]
remat --arg w=f32[3] --arg xs=f32[11,3]
printing --arg x=f32[3,2]
sorting --arg x=f32[4,20] --arg k=i32[50]
while_loops --arg n=i32[6] --arg a=f64[3]
ENTRIES
  # debug.print from the library: exactly these lines, as zy run prints them, in program
  # order (each step of the scan), before the outputs.
  cat >want_printing.txt <<'LINES'
x = tensor([[-0.5, -0.13], [0.24, -0.4], [-0.03, 0.34]], f32[3, 2]), sum tensor(-0.48, f32[])
step: c = tensor([0, 0], f32[2])
step: c = tensor([-0.5, -0.13], f32[2])
step: c = tensor([-0.26, -0.53], f32[2])
i32 tensor([[-5, -1], [2, -4], [0, 3]], i32[3, 2]) bool tensor([[false, false], [true, false], [false, true]], bool[3, 2]) {braces}
LINES
  head -5 c_printing.txt >c_lines.txt
  if cmp -s want_printing.txt c_lines.txt; then pass; else fail "printing: the library printed"; diff want_printing.txt c_printing.txt | sed 's/^/    /'; fi
  "$zy" run "$f" -- printing | head -5 >zy_lines.txt
  if cmp -s want_printing.txt zy_lines.txt; then pass; else fail "printing: zy run printed"; diff want_printing.txt zy_lines.txt | sed 's/^/    /'; fi
  ;;
errors)
  f=$root/tests/aot/entries.zy
  expect() { # expect NAME STATUS TEXT -- ARGS...: zy compile ARGS fails with STATUS and TEXT
    local name=$1 status=$2 text=$3
    shift 4
    "$zy" compile "$@" >"$tmp/out" 2>&1
    local got=$?
    if [[ $got == "$status" ]] && grep -qF -- "$text" "$tmp/out"; then pass; else
      fail "$name: status $got (expected $status), output:"; sed 's/^/    /' "$tmp/out"; echo "    expected: $text"
    fi
  }
  expect "int result" 1 "entries.zy:3:1: error: the result of \`with_count\` holds int at \`1\`; the C ABI returns tensors only" -- "$f" --entry with_count --arg "x=f32[3]"
  expect "untraceable" 1 "error: \`branchy\` did not trace to one graph" -- "$f" --entry branchy --arg "x=f32[3]"
  expect "eager entry calling a traced function" 1 "error: \`eager_outer\` did not trace to one graph: it takes no tensors, needs a tensor's value (an \`if\` on one, int(x), printing it) or returns a function; \`zy compile\` exports traced functions only (it runs eagerly, and only \`double\`, which it calls, traces)" -- "$f" --entry eager_outer --arg "x=f32[3]"
  [[ -e libeager_outer.so ]] && fail "a library was written for eager_outer" || pass
  expect "unknown entry" 64 "command line:1:$((${#f} + 21)): error: \`$f\` has no function \`doubel\` (did you mean \`double\`?)" -- "$f" --entry doubel --arg "x=f32[3]"
  expect "unknown parameter" 64 "error: \`double\` has no parameter \`y\` (did you mean \`x\`?); its parameters are \`x\`" -- "$f" --entry double --arg "y=f32[3]"
  expect "bad dimension" 64 "error: expected a dimension (a non-negative integer), found \`q\`" -- "$f" --entry double --arg "x=f32[3,q]"
  expect "bad dtype" 64 "error: expected a dtype (f32, f64, i32 or bool) or \`@CHECKPOINT\`, found \`f33\`" -- "$f" --entry double --arg "x=f33[3]"
  expect "unclosed shape" 64 "error: expected \`]\` to close the shape" -- "$f" --entry double --arg "x=f32[3"
  expect "no type" 64 "error: expected PARAM=SPEC (as in \`x=f32[1, 784]\`), found \`x\`" -- "$f" --entry double --arg x
  expect "missing --arg" 64 "error: \`double\` takes \`x\`: give its type with --arg x=f32[...]" -- "$f" --entry double
  expect "missing checkpoint" 64 "error: cannot load the checkpoint: nope.safetensors: cannot open" -- "$f" --entry double --arg x=@nope.safetensors
  expect "given twice" 64 "error: the parameter \`x\` is given twice" -- "$f" --entry double --arg "x=f32[3]" --arg "x=f32[4]"
  expect "--params twice" 64 "error: \`--params\` is given twice" -- "$f" --entry double --params a.safetensors --arg "x=f32[3]" --params b.safetensors
  expect "-o after --output" 64 "error: \`-o\` is given twice" -- "$f" --entry double --arg "x=f32[3]" --output liba.so -o libb.so
  expect "no entry" 64 "needs \`--entry NAME\`" -- "$f"
  expect "syntax error in FILE" 1 "error:" -- "$root/tests/syntax/bad_character.zy" --entry f --arg "x=f32[3]"
  # A good entry still compiles, and the caret of a bad spec sits under the bad text.
  run "zy compile keywords" "$zy" compile "$f" --entry keywords --arg "int=f32[2]" --arg "double=f32[2]" -o libkeywords.so
  grep -qF "int zy_keywords(const float *int_, const float *double_, float *out);" keywords.h && pass ||
    fail "C keywords as parameter names: $(grep '^int' keywords.h)"
  run "zy compile double" "$zy" compile "$f" --entry double --arg "x=f32[2,3]" -o libdouble.so
  check_library libdouble.so double
  # A failed write (the output is a directory) leaves the earlier header and no temporaries.
  mkdir -p adir
  expect "output is a directory" 1 "error: cannot write \`adir\`: Is a directory" -- "$f" --entry double --arg "x=f32[5]" -o adir
  grep -qF "f32[2, 3]" double.h && pass || fail "a failed zy compile replaced double.h: $(grep -m1 'input 0' double.h)"
  [[ -z $(ls -a | grep -F '.tmp-') ]] && pass || fail "temporaries left behind: $(ls -a | grep -F '.tmp-')"
  "$zy" compile "$f" --entry double --arg "x=f32[3,q]" >out 2>&1
  caret=$(grep -n '\^' out | head -1 | cut -d: -f2-)
  line=$(grep -F 'zy compile' out | head -1)
  [[ ${line:$(( ${#caret} - 1 )):1} == q ]] && pass || fail "the caret is not under the q: $(cat out)"
  # A label out of range is the call's error (checked by default, docs/compile.md), and
  # not checked with --no-check-labels (then the call succeeds: a wrong loss, but fast).
  labels=(--entry labelled_loss --arg "logits=f32[7,3]" --arg "labels=i32[7]")
  run "zy compile labelled_loss" "$zy" compile "$f" "${labels[@]}" -o liblabelled_loss.so
  check_library liblabelled_loss.so labelled_loss
  run "cc run_entry.c for labelled_loss" cc -std=c11 -Wall -Wextra -Werror -DENTRY=labelled_loss \
    -include labelled_loss.h "$root/tests/aot/run_entry.c" -L. -llabelled_loss -o run_checked
  message="the call failed: zy_labelled_loss: cross_entropy: label 4 at index [2] is out of range for 3 classes (expected 0 <= label < 3)"
  if env LD_LIBRARY_PATH=. ./run_checked >out 2>&1; then fail "a label out of range was not reported: $(cat out)"
  elif grep -qxF "$message" out; then pass; else fail "the label error: $(cat out)"; fi
  mkdir -p unchecked
  run "zy compile --no-check-labels" "$zy" compile "$f" "${labels[@]}" --no-check-labels -o unchecked/liblabelled_loss.so
  grep -qF "Labels are not checked" unchecked/labelled_loss.h && pass || fail "the header does not say labels are unchecked"
  run "cc run_entry.c, unchecked" cc -std=c11 -Wall -Wextra -Werror -DENTRY=labelled_loss \
    -include unchecked/labelled_loss.h "$root/tests/aot/run_entry.c" -Lunchecked -llabelled_loss -o run_unchecked
  run "run_unchecked" env LD_LIBRARY_PATH=unchecked ./run_unchecked
  [[ $(wc -l <out) == 1 ]] && pass || fail "run_unchecked printed: $(cat out)"
  ;;
*) echo "unknown mode $mode"; exit 2 ;;
esac
finish "$mode"
