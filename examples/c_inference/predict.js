// predict.js: model.zy's `predict`, exported with `zy export`, run by ONNX Runtime from
// Node.js; it prints what `zy run model.zy` and the C program (main.c) print, to f32
// rounding (docs/onnx.md).
//
//     zy run model.zy -- model.safetensors
//     zy export model.zy --entry predict --arg "x=f32[1, 784]" --params model.safetensors -o predict.onnx
//     node predict.js predict.onnx
//
// onnxruntime-node is the one tools/setup installs for the tests (tests/onnx), or any
// installed where Node.js finds it.
'use strict';
const path = require('path');

function onnxRuntime() {
  try {
    return require(path.join(__dirname, '..', '..', 'tests', 'onnx', 'node_modules', 'onnxruntime-node'));
  } catch (e) {
    return require('onnxruntime-node');
  }
}

async function main() {
  const ort = onnxRuntime();
  const session = await ort.InferenceSession.create(process.argv[2] || 'predict.onnx');
  // model.zy's sample(1): element i is ((37 i) mod 101) / 100.
  const x = Float32Array.from({length: 784}, (_, i) => ((37 * i) % 101) / 100);
  const {out} = await session.run({x: new ort.Tensor('float32', x, [1, 784])});
  for (const p of out.data) console.log(p.toExponential(6));
}

main().catch((e) => {
  console.error(`predict.js: ${e.message}`);
  process.exit(1);
});
