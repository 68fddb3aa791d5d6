// Shared pieces of the ONNX Runtime peer scripts (ort_run.js, ort_generate.js):
// one-line errors, locating onnxruntime-node, trailing flags and the session
// settings every reference run uses.
'use strict';

const path = require('path');

// A failing script prints one line `<tool>: <message>` and exits 1.
function makeFail(tool) {
  return (msg) => {
    process.stderr.write(tool + ': ' + String(msg).split('\n')[0].trim() + '\n');
    process.exit(1);
  };
}

// onnxruntime-node from $LLMC_ORT_DIR/node_modules (scripts/setup_ort.sh),
// else next to these scripts.
function loadOrt(fail) {
  const base = process.env.LLMC_ORT_DIR || __dirname;
  const dir = path.join(base, 'node_modules', 'onnxruntime-node');
  try {
    return require(dir);
  } catch (e) {
    fail(`cannot load onnxruntime-node from ${dir} (run scripts/setup_ort.sh): ${e.message}`);
  }
}

// Pops `--flag value` pairs named in `defaults` off the end of argv (which
// keeps `positional` entries); --opt is a string, the others numbers.
function parseTrailingFlags(argv, positional, defaults) {
  const flags = Object.assign({}, defaults);
  while (argv.length > positional && argv[argv.length - 2] in flags) {
    const value = argv.pop();
    const flag = argv.pop();
    flags[flag] = flag === '--opt' ? value : Number(value);
  }
  return flags;
}

// CPU EP, sequential, `--opt` graph optimization level, `--threads` intra-op
// threads (deterministic references use 'disabled' and 1).
async function createSession(ort, model, flags, fail) {
  try {
    return await ort.InferenceSession.create(model, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: flags['--opt'],
      intraOpNumThreads: flags['--threads'],
      interOpNumThreads: 1,
      executionMode: 'sequential',
      logSeverityLevel: 3,
    });
  } catch (e) {
    fail(`cannot load ${model}: ${e.message}`);
  }
}

module.exports = { makeFail, loadOrt, parseTrailingFlags, createSession };
