#!/usr/bin/env node
// Greedy decoding with ONNX Runtime (onnxruntime-node, CPU EP) over a
// past/present decoder export -- the token-level reference for llmc's
// generation tests (test/peer/generation_ort.py).
//
//   node ort_generate.js MODEL.onnx REQUESTS.json OUT.json [--threads N] [--opt all]
//
// MODEL.onnx has the HF/Optimum signature: inputs input_ids [batch, seq],
// attention_mask [batch, past + seq], position_ids [batch, seq] (optional),
// past_key_values.{i}.key|value [batch, kv_heads, past, head_dim]; outputs
// logits [batch, seq, vocab] and present.{i}.key|value.
//
// REQUESTS.json: a JSON list of {"id": str, "prompt_ids": [int...],
// "max_tokens": int} (a JSONL file of such objects is accepted too).
// OUT.json: a JSON list, in request order, of
//   {"id": str, "output_ids": [int...], "margins": [float...], "min_margin": float}
// output_ids are max_tokens new tokens (no EOS stopping); margins[k] is the
// top-1 minus top-2 logit of the step that chose output_ids[k].
//
// The KV-cache loop per request (batch 1): the first run feeds the whole
// prompt with empty past tensors [1, kv_heads, 0, head_dim]; every later run
// feeds the one token chosen last with the previous run's present.* as
// past_key_values.*; attention_mask is all ones over past + new tokens and
// position_ids are the tokens' positions. Greedy: argmax of the last logits
// row, ties to the lowest id. kv_heads / head_dim come from the inputs'
// metadata (static dims 1 and 3), else from the present outputs' metadata.
//
// Session: CPU EP, graphOptimizationLevel 'disabled', one intra-op thread
// (as ort_run.js); --threads and --opt change them (e.g. to check that a
// reference does not depend on ORT's kernels and fusions). onnxruntime-node is looked up in $LLMC_ORT_DIR/node_modules
// (the DIR given to scripts/setup_ort.sh), else next to this script.
//
// Errors: one line on stderr, exit status 1.
'use strict';

const fs = require('fs');
const common = require('./ort_common');

const fail = common.makeFail('ort_generate');

function readRequests(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    fail(`cannot read ${file}: ${e.message}`);
  }
  let reqs;
  try {
    reqs = JSON.parse(text);
  } catch (e) {
    try {
      reqs = text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
    } catch (e2) {
      fail(`${file}: neither a JSON list nor JSONL: ${e.message}`);
    }
  }
  if (!Array.isArray(reqs)) reqs = [reqs];
  reqs.forEach((r, k) => {
    const what = `${file}: request ${k}`;
    if (!r || typeof r !== 'object') fail(`${what}: not an object`);
    if (!Array.isArray(r.prompt_ids) || r.prompt_ids.length === 0) fail(`${what}: prompt_ids must be a non-empty list`);
    if (!r.prompt_ids.every((t) => Number.isInteger(t) && t >= 0)) fail(`${what}: prompt_ids must be non-negative ints`);
    if (r.max_tokens === undefined) r.max_tokens = 16;
    if (!Number.isInteger(r.max_tokens) || r.max_tokens < 1) fail(`${what}: max_tokens must be an int >= 1`);
    if (r.id === undefined) r.id = `r${k}`;
  });
  return reqs;
}

const PAST = /^past_key_values\.(\d+)\.(key|value)$/;

// [{input, output, kvHeads, headDim, type}] for every past input.
function pastSlots(session) {
  const inMeta = {};
  for (const m of session.inputMetadata || []) inMeta[m.name] = m;
  const outMeta = {};
  for (const m of session.outputMetadata || []) outMeta[m.name] = m;
  const slots = [];
  for (const name of session.inputNames) {
    if (!PAST.test(name)) continue;
    const output = name.replace('past_key_values', 'present');
    if (!session.outputNames.includes(output)) fail(`input '${name}' has no output '${output}'`);
    let kvHeads, headDim, type = 'float32';
    for (const m of [inMeta[name], outMeta[output]]) {
      if (!m || !m.isTensor) continue;
      if (m.type) type = m.type;
      const s = m.shape || [];
      if (s.length === 4) {
        if (kvHeads === undefined && typeof s[1] === 'number' && s[1] > 0) kvHeads = s[1];
        if (headDim === undefined && typeof s[3] === 'number' && s[3] > 0) headDim = s[3];
      }
    }
    if (kvHeads === undefined || headDim === undefined) {
      fail(`cannot find kv_heads/head_dim of '${name}' from the model's metadata (dims 1 and 3 must be static)`);
    }
    slots.push({ input: name, output, kvHeads, headDim, type });
  }
  if (slots.length === 0) fail('the model has no past_key_values.* inputs');
  return slots;
}

function int64Tensor(ort, values, dims) {
  return new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), dims);
}

// (argmax, top1 - top2) of the last row of logits [1, seq, vocab].
function lastRowTop2(logits) {
  const dims = logits.dims.map(Number);
  const vocab = dims[dims.length - 1];
  const rows = logits.data.length / vocab;
  const off = (rows - 1) * vocab;
  const d = logits.data;
  let best = -1, bestV = -Infinity, secondV = -Infinity;
  for (let j = 0; j < vocab; ++j) {
    const v = d[off + j];
    if (Number.isNaN(v)) fail(`NaN in logits at id ${j}`);
    if (v > bestV) {
      secondV = bestV;
      bestV = v;
      best = j;
    } else if (v > secondV) {
      secondV = v;
    }
  }
  return [best, bestV - secondV];
}

async function generate(ort, session, slots, req) {
  const inputs = new Set(session.inputNames);
  const feeds = {};
  for (const s of slots) {
    const Arr = { float32: Float32Array, float16: Uint16Array, float64: Float64Array }[s.type];
    if (!Arr) fail(`input '${s.input}': unsupported type ${s.type}`);
    feeds[s.input] = new ort.Tensor(s.type, new Arr(0), [1, s.kvHeads, 0, s.headDim]);
  }
  let tokens = req.prompt_ids.slice();
  let pos = 0;
  const out = [], margins = [];
  for (let step = 0; step < req.max_tokens; ++step) {
    const n = tokens.length;
    feeds.input_ids = int64Tensor(ort, tokens, [1, n]);
    if (inputs.has('attention_mask')) feeds.attention_mask = int64Tensor(ort, new Array(pos + n).fill(1), [1, pos + n]);
    if (inputs.has('position_ids')) {
      feeds.position_ids = int64Tensor(ort, Array.from({ length: n }, (_, k) => pos + k), [1, n]);
    }
    let res;
    try {
      res = await session.run(feeds);
    } catch (e) {
      fail(`request '${req.id}' step ${step}: run failed: ${e.message}`);
    }
    const [next, margin] = lastRowTop2(res.logits);
    out.push(next);
    margins.push(margin);
    for (const s of slots) {
      const p = res[s.output];
      const dims = p.dims.map(Number);
      if (dims[2] !== pos + n) fail(`request '${req.id}' step ${step}: ${s.output} has ${dims[2]} positions, want ${pos + n}`);
      feeds[s.input] = p;
    }
    pos += n;
    tokens = [next];
  }
  return { id: req.id, output_ids: out, margins, min_margin: Math.min(...margins) };
}

async function main() {
  const argv = process.argv.slice(2);
  const flags = common.parseTrailingFlags(argv, 3, { '--threads': 1, '--opt': 'disabled' });
  if (argv.length !== 3) fail('usage: node ort_generate.js MODEL.onnx REQUESTS.json OUT.json [--threads N] [--opt all]');
  const [model, reqFile, outFile] = argv;
  const reqs = readRequests(reqFile);
  const ort = common.loadOrt(fail);
  const session = await common.createSession(ort, model, flags, fail);
  for (const need of ['input_ids']) {
    if (!session.inputNames.includes(need)) fail(`the model has no input '${need}'`);
  }
  if (!session.outputNames.includes('logits')) fail("the model has no output 'logits'");
  const slots = pastSlots(session);
  const results = [];
  for (const r of reqs) results.push(await generate(ort, session, slots, r));
  fs.writeFileSync(outFile, JSON.stringify(results) + '\n');
  await session.release();
}

main().catch((e) => fail(e && e.message ? e.message : e));
