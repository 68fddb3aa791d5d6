#!/usr/bin/env bash
# `make run`: generate the demo model, compile it to a plan, inspect the plan,
# run it on the CPU and compare with the numpy reference.
set -euo pipefail
BUILD=${1:-build}
DEMO=$BUILD/demo
/usr/bin/python3 scripts/make_demo_model.py "$DEMO"
echo "== llmc compile $DEMO/demo.onnx -o $DEMO/demo.plan"
"$BUILD/bin/llmc" compile "$DEMO/demo.onnx" -o "$DEMO/demo.plan"
echo "== llmc inspect $DEMO/demo.plan"
"$BUILD/bin/llmc" inspect "$DEMO/demo.plan"
echo "== llmrun $DEMO/demo.plan --exec --input x=$DEMO/x.pb --output-dir $DEMO/out"
"$BUILD/bin/llmrun" "$DEMO/demo.plan" --exec --input "x=$DEMO/x.pb" --output-dir "$DEMO/out"
/usr/bin/python3 - "$DEMO" <<'PY'
import sys, numpy as np, onnx
from onnx import numpy_helper
d = sys.argv[1]
t = onnx.TensorProto(); t.ParseFromString(open(d + "/out/probs.pb", "rb").read())
got, ref = numpy_helper.to_array(t), np.load(d + "/reference.npy")
err = np.abs(got - ref).max()
print("output 'probs' %s, first row: %s" % (got.shape, np.array2string(got[0, :6], precision=4)))
print("max abs difference from the numpy reference: %.3g" % err)
sys.exit(0 if err < 1e-5 else 1)
PY
