#!/usr/bin/python3
"""Writes the demo model for `make run`: one pre-norm transformer MLP block
(LayerNorm -> MatMul -> Gelu -> MatMul -> residual Add -> Softmax) with seeded
random weights, an input tensor, and the numpy reference output."""
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(7)
    seq, hidden, ffn = 8, 64, 256
    gamma = rng.uniform(0.5, 1.5, hidden).astype(np.float32)
    beta = rng.normal(0, 0.1, hidden).astype(np.float32)
    w1 = rng.normal(0, 0.1, (hidden, ffn)).astype(np.float32)
    b1 = rng.normal(0, 0.1, ffn).astype(np.float32)
    w2 = rng.normal(0, 0.1, (ffn, hidden)).astype(np.float32)

    nodes = [
        helper.make_node("LayerNormalization", ["x", "gamma", "beta"], ["ln"], name="ln", axis=-1, epsilon=1e-5),
        helper.make_node("MatMul", ["ln", "w1"], ["h0"], name="up_proj"),
        helper.make_node("Add", ["h0", "b1"], ["h1"], name="up_bias"),
        helper.make_node("Gelu", ["h1"], ["h2"], name="gelu", domain=""),
        helper.make_node("MatMul", ["h2", "w2"], ["h3"], name="down_proj"),
        helper.make_node("Add", ["x", "h3"], ["res"], name="residual"),
        helper.make_node("Softmax", ["res"], ["probs"], name="softmax", axis=-1),
    ]
    graph = helper.make_graph(
        nodes, "demo_block",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [seq, hidden])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [seq, hidden])],
        [numpy_helper.from_array(gamma, "gamma"), numpy_helper.from_array(beta, "beta"),
         numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"),
         numpy_helper.from_array(w2, "w2")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)],
                              producer_name="llmc-demo")
    model.ir_version = 8
    onnx.save(model, os.path.join(out_dir, "demo.onnx"))

    x = rng.normal(0, 1, (seq, hidden)).astype(np.float32)
    with open(os.path.join(out_dir, "x.pb"), "wb") as f:
        f.write(numpy_helper.from_array(x, "x").SerializeToString())

    # numpy reference of the same block
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    ln = (x - mean) / np.sqrt(var + 1e-5) * gamma + beta
    h1 = ln @ w1 + b1
    from math import erf
    h2 = 0.5 * h1 * (1 + np.vectorize(erf)(h1 / np.sqrt(2)))
    res = x + h2.astype(np.float32) @ w2
    e = np.exp(res - res.max(-1, keepdims=True))
    probs = (e / e.sum(-1, keepdims=True)).astype(np.float32)
    np.save(os.path.join(out_dir, "reference.npy"), probs)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "build/demo")
