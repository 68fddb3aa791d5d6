#!/usr/bin/python3
"""CPU benchmark: llmc plans vs ONNX Runtime 1.30 on the same models and inputs.

Each model is compiled with `llmc compile`, timed in-process with
`llmc-bench-exec` (plan loaded once, warm-up runs, then timed runs), and timed
with ONNX Runtime in the same run: single-threaded with all graph
optimizations (the fair comparison: llmc's CPU kernels are single-threaded
today) and with ORT's default thread count. Prints a markdown table with the
ratios; nothing here is a test.

  /usr/bin/python3 bench/cpu_vs_ort.py --build build [--iters 20]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "test", "peer"))
import ort_peer  # noqa: E402


def model(nodes, inputs, outputs, inits):
    g = helper.make_graph(nodes, "bench", inputs, outputs, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 20)])
    m.ir_version = 8
    return m


def mlp_block(rng, seq, hidden, ffn):
    w = lambda *s: numpy_helper.from_array(rng.normal(0, 0.05, s).astype(np.float32))
    inits = [w(hidden), w(hidden), w(hidden, ffn), w(ffn, hidden)]
    for t, n in zip(inits, ["g", "b", "w1", "w2"]):
        t.name = n
    nodes = [
        helper.make_node("LayerNormalization", ["x", "g", "b"], ["ln"], axis=-1),
        helper.make_node("MatMul", ["ln", "w1"], ["h"]),
        helper.make_node("Gelu", ["h"], ["a"]),
        helper.make_node("MatMul", ["a", "w2"], ["d"]),
        helper.make_node("Add", ["x", "d"], ["y"]),
    ]
    return model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [seq, hidden])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, [seq, hidden])], inits), \
        {"x": rng.normal(0, 1, (seq, hidden)).astype(np.float32)}


def attention(rng, heads, seq, dim):
    nodes = [
        helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 2, 1]),
        helper.make_node("MatMul", ["q", "kt"], ["s"]),
        helper.make_node("Mul", ["s", "scale"], ["ss"]),
        helper.make_node("Softmax", ["ss"], ["p"], axis=-1),
        helper.make_node("MatMul", ["p", "v"], ["o"]),
    ]
    scale = numpy_helper.from_array(np.array([dim ** -0.5], np.float32), "scale")
    shape = [heads, seq, dim]
    vi = lambda n: helper.make_tensor_value_info(n, TensorProto.FLOAT, shape)
    feeds = {n: rng.normal(0, 1, shape).astype(np.float32) for n in "qkv"}
    return model(nodes, [vi("q"), vi("k"), vi("v")], [vi("o")], [scale]), feeds


CASES = [
    ("mlp seq=32 hidden=256 ffn=1024", lambda r: mlp_block(r, 32, 256, 1024)),
    ("mlp seq=1 hidden=512 ffn=2048 (decode-like)", lambda r: mlp_block(r, 1, 512, 2048)),
    ("attention heads=8 seq=128 dim=64", lambda r: attention(r, 8, 128, 64)),
]


def time_llmc(build, path, feeds, work, iters):
    plan = os.path.join(work, "m.plan")
    subprocess.run([os.path.join(build, "bin", "llmc"), "compile", path, "-o", plan], check=True)
    cmd = [os.path.join(build, "bin", "llmc-bench-exec"), plan, "--iters", str(iters)]
    for name, a in feeds.items():
        pb = os.path.join(work, name + ".pb")
        with open(pb, "wb") as f:
            f.write(numpy_helper.from_array(a, name).SerializeToString())
        cmd += ["--input", "%s=%s" % (name, pb)]
    return json.loads(subprocess.run(cmd, check=True, stdout=subprocess.PIPE).stdout)


def time_ort(path, feeds, work, iters, threads):
    in_dir, out_dir = os.path.join(work, "ort_in"), os.path.join(work, "ort_out")
    os.makedirs(in_dir, exist_ok=True)
    ort_peer._write_inputs(in_dir, feeds)
    cmd = [ort_peer.node_exe(), os.path.join(ROOT, "test", "peer", "ort_run.js"), path, in_dir,
           out_dir, "--time", str(iters), "--threads", str(threads), "--opt", "all"]
    env = dict(os.environ, LLMC_ORT_DIR=ort_peer.ort_dir())
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, env=env).stdout
    return json.loads(out.decode().strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description="llmc vs ONNX Runtime on the CPU")
    ap.add_argument("--build", default="build")
    ap.add_argument("--iters", type=int, default=20)
    args = ap.parse_args()
    ok, why = ort_peer.ort_available()
    if not ok:
        print("cpu_vs_ort: SKIP: " + why)
        return 0
    rng = np.random.default_rng(0)
    print("| model | llmc ms | ORT 1 thread ms | ORT %d threads ms | llmc / ORT-1t | llmc / ORT-%dt |"
          % (os.cpu_count(), os.cpu_count()))
    print("|---|---|---|---|---|---|")
    for name, make in CASES:
        m, feeds = make(rng)
        with tempfile.TemporaryDirectory(prefix="llmc-bench-") as work:
            path = os.path.join(work, "m.onnx")
            onnx.save(m, path)
            ours = time_llmc(args.build, path, feeds, work, args.iters)["mean_ms"]
            ort1 = time_ort(path, feeds, work, args.iters, 1)["mean_ms"]
            ortn = time_ort(path, feeds, work, args.iters, 0)["mean_ms"]
        print("| %s | %.3f | %.3f | %.3f | %.2fx | %.2fx |"
              % (name, ours, ort1, ortn, ours / ort1, ours / ortn), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
