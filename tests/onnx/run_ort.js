// run_ort.js: runs an ONNX model exported by `zy export` in ONNX Runtime (CPU) and compares
// its outputs with what `zy run` computed.
//
//   node run_ort.js MODEL.onnx CASE.safetensors [TOLERANCE]
//
// CASE holds the model's inputs under `input.NAME` (or `input` for a model with one input)
// and Zy's outputs under `output.NAME` (or `output`), as a Zy program saved them. For each
// output it prints the relative difference max|ort - zy| / max(max|zy|, tiny) and exits 1
// when one is above TOLERANCE (default 1e-5), when shapes or dtypes differ, or integer and
// bool outputs are not equal.
'use strict';
const fs = require('fs');
const path = require('path');

let ort;
try {
  ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));
} catch (e) {
  console.error('run_ort: onnxruntime-node is not installed: run tools/setup (npm ci --ignore-scripts --prefix tests/onnx)');
  console.error(String(e.message || e));
  process.exit(2);
}

// safetensors: an 8-byte little-endian header length, a JSON header, the data.
function readSafetensors(file) {
  const bytes = fs.readFileSync(file);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  const data = bytes.subarray(8 + headerLength);
  const tensors = {};
  const types = {F32: ['float32', Float32Array], F64: ['float64', Float64Array], I32: ['int32', Int32Array],
                 BOOL: ['bool', Uint8Array]};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [type, Array] = types[info.dtype] || [];
    if (!type) throw new Error(`${file}: ${name} has dtype ${info.dtype}, which this test does not read`);
    const [begin, end] = info.data_offsets;
    const copy = new Uint8Array(data.subarray(begin, end)); // aligned for the typed array
    let values = new Array(copy.buffer, 0, (end - begin) / Array.BYTES_PER_ELEMENT);
    if (type === 'bool') values = Uint8Array.from(values);
    tensors[name] = {type, dims: info.shape, values};
  }
  return tensors;
}

function fields(tensors, prefix) {
  const out = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (name === prefix) out[''] = t;
    else if (name.startsWith(prefix + '.')) out[name.slice(prefix.length + 1)] = t;
  }
  return out;
}

async function main() {
  const [modelFile, caseFile, toleranceText] = process.argv.slice(2);
  if (!modelFile || !caseFile) {
    console.error('usage: node run_ort.js MODEL.onnx CASE.safetensors [TOLERANCE]');
    process.exit(64);
  }
  const tolerance = toleranceText ? Number(toleranceText) : 1e-5;
  const testCase = readSafetensors(caseFile);
  const session = await ort.InferenceSession.create(modelFile, {executionProviders: ['cpu']});
  const inputs = fields(testCase, 'input'), expected = fields(testCase, 'output');
  const feeds = {};
  for (const name of session.inputNames) {
    const key = session.inputNames.length === 1 && inputs[''] ? '' : name;
    const t = inputs[key];
    if (!t) throw new Error(`${caseFile} has no input for the model's input ${name}`);
    feeds[name] = new ort.Tensor(t.type, t.type === 'bool' ? Array.from(t.values, (v) => v !== 0) : t.values, t.dims);
  }
  const results = await session.run(feeds);
  let failed = false;
  for (const name of session.outputNames) {
    const key = name === 'out' ? '' : name.replace(/^out\./, '');
    const want = expected[key], got = results[name];
    if (!want) throw new Error(`${caseFile} has no output for the model's output ${name}`);
    const sameShape = JSON.stringify(Array.from(got.dims)) === JSON.stringify(want.dims);
    if (got.type !== want.type || !sameShape) {
      console.log(`${name}: ONNX Runtime gives ${got.type}[${got.dims}], Zy ${want.type}[${want.dims}]`);
      failed = true;
      continue;
    }
    let maxDiff = 0, scale = 0;
    for (let i = 0; i < want.values.length; ++i) {
      const a = Number(got.data[i]), b = Number(want.values[i]);
      if (Number.isNaN(a) !== Number.isNaN(b)) maxDiff = Infinity;
      else if (!Number.isNaN(a)) maxDiff = Math.max(maxDiff, a === b ? 0 : Math.abs(a - b));
      scale = Math.max(scale, Number.isFinite(b) ? Math.abs(b) : 0);
    }
    const exact = want.type !== 'float32' && want.type !== 'float64';
    const relative = maxDiff / Math.max(scale, 1e-30);
    const ok = exact ? maxDiff === 0 : relative <= tolerance;
    console.log(`${name}: ${want.type}[${want.dims}] ${exact ? `max difference ${maxDiff}` : `relative difference ${relative.toExponential(2)}`}` +
                (ok ? '' : exact ? ' (must be equal)' : ` (> ${tolerance})`));
    failed = failed || !ok;
  }
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error('run_ort: ' + (e.stack || e));
  process.exit(2);
});
