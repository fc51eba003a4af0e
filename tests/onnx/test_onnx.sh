#!/usr/bin/env bash
# test_onnx.sh: `zy export` as a user meets it (docs/onnx.md): ONNX models that pass
# onnx.checker (Debian's python3-onnx, full check) and give, in ONNX Runtime (the npm
# package onnxruntime-node, run by node), the outputs `zy run` gives to 1e-5 relative.
# Usage: test_onnx.sh MODE PATH/TO/zy REPO_ROOT, MODE one of
#   zoo      the examples' models (tests/onnx/zoo.zy: the Fashion-MNIST MLP and CNN, the
#            transformer encoder, the char-RNN's LSTM as an ONNX Scan) with their
#            parameters baked in by --params
#   ops      every primitive, on the inputs where ONNX's semantics differ (tests/onnx/ops.zy)
#   refused  located errors for ops ONNX cannot express and entries that do not trace (the
#            model file is not written), and an output path that cannot be written
set -u
mode=$1 zy=$2 root=$3
here=$root/tests/onnx
show_output=1 # the export summaries, checker lines and differences, for the log
source "$root/tests/support/harness.sh"

# round_trip FILE ENTRY ARGS...: export ENTRY, check it with onnx.checker, run it in ONNX
# Runtime on ENTRY.case.safetensors (written by FILE's main) against Zy's outputs.
round_trip() {
  local file=$1 entry=$2
  shift 2
  run "export $entry" "$zy" export "$file" --entry "$entry" "$@" -o "$entry.onnx"
  run "onnx.checker $entry" /usr/bin/python3 "$here/check_onnx.py" "$entry.onnx"
  run "onnxruntime $entry" node "$here/run_ort.js" "$entry.onnx" "$entry.case.safetensors" 1e-5
}

case $mode in
zoo)
  run "zy run zoo.zy" "$zy" run "$here/zoo.zy"
  round_trip "$here/zoo.zy" mlp --params mlp.params.safetensors --arg "x=f32[4, 784]"
  round_trip "$here/zoo.zy" cnn --params cnn.params.safetensors --arg "x=f32[4, 28, 28, 1]"
  round_trip "$here/zoo.zy" transformer --params transformer.params.safetensors --arg "tokens=i32[4, 10]"
  round_trip "$here/zoo.zy" char_rnn --params char_rnn.params.safetensors --arg "ids=i32[3, 12]"
  # The initializers are the checkpoint's tensors under their paths.
  run "initializer names" /usr/bin/python3 -c '
import onnx, sys
names = sorted(t.name for t in onnx.load("mlp.onnx").graph.initializer)
want = ["p.layers.0.b", "p.layers.0.w", "p.layers.1.b", "p.layers.1.w", "p.out.b", "p.out.w"]
print(names)
sys.exit(names != want)'
  # Params passed at run time instead (`--arg p=@CKPT`): graph inputs named by their paths.
  run "export with params as inputs" "$zy" export "$here/zoo.zy" --entry mlp --arg p=@mlp.params.safetensors \
    --arg "x=f32[4, 784]" -o mlp_inputs.onnx
  run "params as inputs" /usr/bin/python3 -c '
import onnx, sys
names = [i.name for i in onnx.load("mlp_inputs.onnx").graph.input]
print(names)
sys.exit(names[-1] != "x" or "p.layers.0.w" not in names)'
  ;;
ops)
  run "zy run ops.zy" "$zy" run "$here/ops.zy"
  f=$here/ops.zy
  round_trip "$f" unary --arg "x=f32[3, 4]"
  round_trip "$f" binary --arg "a=f32[3, 4]" --arg "b=f32[3, 4]"
  round_trip "$f" integers --arg "a=i32[8]" --arg "b=i32[8]"
  round_trip "$f" reductions --arg "x=f32[2, 3, 4]"
  round_trip "$f" movement --arg "x=f32[2, 3, 4]"
  round_trip "$f" indexing --arg "x=f32[5, 3]" --arg "idx=i32[6]"
  round_trip "$f" sorting --arg "x=f32[3, 4]" --arg "k=i32[8]"
  round_trip "$f" products --arg "a=f32[4, 3]" --arg "b=f32[3, 2]"
  round_trip "$f" sources --arg "x=f32[2]"
  round_trip "$f" cumulative --arg "xs=f32[5, 2]" --arg "w=f32[2, 2]"
  ;;
refused)
  f=$here/refused.zy
  expect() { # expect NAME STATUS TEXT -- ARGS...: zy export ARGS fails with STATUS and TEXT, writing nothing
    local name=$1 status=$2 text=$3
    shift 4
    "$zy" export "$@" -o refused.onnx >"$tmp/out" 2>&1
    local got=$?
    if [[ $got == "$status" ]] && grep -qF -- "$text" "$tmp/out" && [[ ! -e refused.onnx ]]; then pass; else
      fail "$name: exit $got (want $status), wanted the text: $text"; sed 's/^/    /' "$tmp/out"
    fi
  }
  expect erf_inv 1 "refused.zy:4:16: error: \`erf_inv\` has no ONNX equivalent" -- "$f" --entry probit --arg "x=f32[4]"
  expect debug.print 1 "refused.zy:7:5: error: \`debug_print\` has no ONNX equivalent: debug.print cannot print" -- \
    "$f" --entry chatty --arg "x=f32[4]"
  expect while_loop 1 "refused.zy:13:18: error: \`while\` has no ONNX equivalent: while_loop is not exported to ONNX yet" -- \
    "$f" --entry halvings --arg "x=f32[4]"
  expect eager 1 "refused.zy:11:1: error: \`counts\` did not trace to one graph" -- "$f" --entry counts --arg "x=f32[4]"
  expect "no entry" 64 "has no function \`nope\`; its functions are \`chatty\`, \`counts\`, \`doubled\`, \`halvings\`, \`probit\`" -- \
    "$f" --entry nope --arg "x=f32[4]"
  "$zy" export "$f" --entry doubled --arg "x=f32[4]" -o /nonexistent-dir/model.onnx >"$tmp/out" 2>&1
  if [[ $? == 1 ]] && grep -qF "zy: error: /nonexistent-dir/model.onnx: cannot write" "$tmp/out"; then pass; else
    fail "unwritable output"; sed 's/^/    /' "$tmp/out"
  fi
  expect "bad spec" 64 "expected a dtype (f32, f64, i32 or bool)" -- "$f" --entry probit --arg "x=float[4]"
  ;;
*)
  echo "test_onnx.sh: unknown mode $mode" >&2
  exit 64
  ;;
esac

finish "$mode"
