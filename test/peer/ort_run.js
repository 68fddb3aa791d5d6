#!/usr/bin/env node
// Runs an ONNX model once with ONNX Runtime (onnxruntime-node, CPU execution
// provider) -- the numerical reference peer for llmc's tests.
//
//   node ort_run.js MODEL.onnx IN_DIR OUT_DIR [--time ITERS] [--threads N] [--opt all]
//
// --time ITERS (benchmarks): after the first run, times ITERS more runs and
// prints {"mean_ms": .., "min_ms": ..} on stdout; --threads and --opt set the
// intra-op thread count and graph optimization level for that use.
//
// Exchange format (both directions; written/read by ort_peer.py):
//   DIR/inputs.json (IN_DIR) or DIR/outputs.json (OUT_DIR) is a JSON list
//     [{"name": str, "dtype": str|int, "dims": [int...], "file": str}, ...]
//   "file" is relative to DIR and holds the tensor's elements as raw
//   little-endian data, row-major, nothing else (bool: one byte 0/1 per
//   element; float16: IEEE half bit patterns). "dtype" is a numpy dtype name
//   (float32 float64 float16 int8 int16 int32 int64 uint8 uint16 uint32
//   uint64 bool) or an ONNX TensorProto.DataType number; outputs.json always
//   uses the numpy name. Outputs are listed in the model's output order and
//   written as OUT_DIR/output_<k>.bin.
//
// Session: CPU EP, graphOptimizationLevel 'disabled' (ORT computes the graph
// as written: no constant folding, no fusions such as LayerNorm/Gelu/attention
// kernels), one intra-op thread (deterministic, CI has 2 shared cores).
//
// onnxruntime-node is looked up in $LLMC_ORT_DIR/node_modules (the DIR given to
// scripts/setup_ort.sh), else next to this script.
//
// Errors: one line on stderr, exit status 1.
'use strict';

const fs = require('fs');
const path = require('path');
const common = require('./ort_common');

const fail = common.makeFail('ort_run');

// ONNX TensorProto.DataType -> ORT-node tensor type (== numpy dtype name).
const ONNX_TYPES = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32',
  7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64',
};
const ONNX_NAMES = { 8: 'string', 14: 'complex64', 15: 'complex128', 16: 'bfloat16' };
const ARRAYS = {
  float32: Float32Array, float64: Float64Array, float16: Uint16Array,
  int8: Int8Array, int16: Int16Array, int32: Int32Array, int64: BigInt64Array,
  uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, uint64: BigUint64Array,
  bool: Uint8Array,
};

function ortType(dtype, what) {
  let t = dtype;
  if (typeof dtype === 'number' || /^[0-9]+$/.test(String(dtype))) {
    const n = Number(dtype);
    t = ONNX_TYPES[n];
    if (t === undefined) {
      fail(`${what}: ONNX element type ${ONNX_NAMES[n] || n} is not supported by onnxruntime-node`);
    }
  }
  if (!(t in ARRAYS)) fail(`${what}: unsupported dtype '${dtype}'`);
  return t;
}

function readInputs(ort, inDir) {
  const manifestPath = path.join(inDir, 'inputs.json');
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  } catch (e) {
    fail(`cannot read ${manifestPath}: ${e.message}`);
  }
  if (!Array.isArray(manifest)) fail(`${manifestPath}: expected a JSON list`);
  const feeds = {};
  for (const entry of manifest) {
    const what = `input '${entry.name}'`;
    const type = ortType(entry.dtype, what);
    const dims = (entry.dims || []).map(Number);
    const count = dims.reduce((a, b) => a * b, 1);
    let bytes;
    try {
      bytes = fs.readFileSync(path.join(inDir, entry.file));
    } catch (e) {
      fail(`${what}: ${e.message}`);
    }
    const Arr = ARRAYS[type];
    if (bytes.length !== count * Arr.BYTES_PER_ELEMENT) {
      fail(`${what}: ${bytes.length} bytes for dims [${dims}] of ${type}`);
    }
    // Copy into a fresh, aligned ArrayBuffer (Buffers may be pooled/unaligned).
    const buf = new Uint8Array(bytes).buffer;
    feeds[entry.name] = new ort.Tensor(type, new Arr(buf, 0, count), dims);
  }
  return feeds;
}

async function main() {
  const argv = process.argv.slice(2);
  const flags = common.parseTrailingFlags(argv, 3, { '--time': 0, '--threads': 1, '--opt': 'disabled' });
  if (argv.length !== 3) {
    fail('usage: node ort_run.js MODEL.onnx IN_DIR OUT_DIR [--time ITERS] [--threads N] [--opt all]');
  }
  const [model, inDir, outDir] = argv;
  const ort = common.loadOrt(fail);
  const feeds = readInputs(ort, inDir);
  const session = await common.createSession(ort, model, flags, fail);
  let results;
  try {
    results = await session.run(feeds);
  } catch (e) {
    fail(`run failed: ${e.message}`);
  }
  fs.mkdirSync(outDir, { recursive: true });
  const manifest = [];
  session.outputNames.forEach((name, k) => {
    const t = results[name];
    if (!t || t.type === 'string' || !(t.type in ARRAYS)) {
      fail(`output '${name}': unsupported type ${t ? t.type : '(missing)'}`);
    }
    const file = `output_${k}.bin`;
    const d = t.data;
    fs.writeFileSync(path.join(outDir, file), Buffer.from(d.buffer, d.byteOffset, d.byteLength));
    manifest.push({ name, dtype: t.type, dims: Array.from(t.dims, Number), file });
  });
  fs.writeFileSync(path.join(outDir, 'outputs.json'), JSON.stringify(manifest, null, 1) + '\n');
  if (flags['--time'] > 0) {
    const times = [];
    for (let i = 0; i < flags['--time']; ++i) {
      const start = process.hrtime.bigint();
      await session.run(feeds);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    process.stdout.write(JSON.stringify({ mean_ms: mean, min_ms: Math.min(...times) }) + '\n');
  }
  await session.release();
}

main().catch((e) => fail(e && e.message ? e.message : e));
