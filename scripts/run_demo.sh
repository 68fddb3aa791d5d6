#!/usr/bin/env bash
# `make run`: compile the KJV demo model (models/kjv: a small Llama trained on
# the King James Bible) and its SentencePiece tokenizer into a generation
# plan, and let it write text with `llmrun --prompt`. Then a quick numeric
# check: a tiny generated MLP, compiled and run, against numpy.
set -euo pipefail
BUILD=${1:-build}
LLMC=$BUILD/bin/llmc
LLMRUN=$BUILD/bin/llmrun
PLAN=$BUILD/kjv.plan

# Recompile only when the model, the tokenizer or the compiler changed.
if [ ! -f "$PLAN" ] || [ models/kjv/kjv.onnx -nt "$PLAN" ] ||
   [ models/kjv/tokenizer.model -nt "$PLAN" ] || [ "$LLMC" -nt "$PLAN" ]; then
  echo "== llmc compile models/kjv/kjv.onnx -o $PLAN --tokenizer models/kjv/tokenizer.model --max-batch 16 --max-num-tokens 128"
  "$LLMC" compile models/kjv/kjv.onnx -o "$PLAN" --tokenizer models/kjv/tokenizer.model \
    --max-batch 16 --max-num-tokens 128
else
  echo "== $PLAN is up to date (models/kjv/kjv.onnx + tokenizer.model)"
fi

echo
echo "== llmrun $PLAN --prompt ... --temperature 0 --repetition-penalty 1.2 (greedy)"
"$LLMRUN" "$PLAN" --max-tokens 60 --temperature 0 --repetition-penalty 1.2 \
  --prompt "The LORD is my shepherd;" \
  --prompt "And Jesus said unto them,"
echo
echo "== llmrun $PLAN --prompt ... --temperature 0.7 --top-p 0.9 --seed 2 (sampled)"
"$LLMRUN" "$PLAN" --max-tokens 60 --temperature 0.7 --top-p 0.9 --seed 2 \
  --prompt "In the beginning" \
  --prompt "And God said,"

echo
echo "== numeric check: a tiny MLP compiled by llmc and run by llmrun vs numpy"
DEMO=$BUILD/demo
/usr/bin/python3 scripts/make_demo_model.py "$DEMO"
"$LLMC" compile "$DEMO/demo.onnx" -o "$DEMO/demo.plan"
"$LLMRUN" "$DEMO/demo.plan" --exec --input "x=$DEMO/x.pb" --output-dir "$DEMO/out" >/dev/null
/usr/bin/python3 - "$DEMO" <<'PY'
import sys, numpy as np, onnx
from onnx import numpy_helper
d = sys.argv[1]
t = onnx.TensorProto(); t.ParseFromString(open(d + "/out/probs.pb", "rb").read())
got, ref = numpy_helper.to_array(t), np.load(d + "/reference.npy")
err = np.abs(got - ref).max()
print("output 'probs' %s: max abs difference from the numpy reference %.3g" % (got.shape, err))
sys.exit(0 if err < 1e-5 else 1)
PY
