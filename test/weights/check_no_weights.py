#!/usr/bin/python3
"""Weight-stripped plans end to end (docs/plan-format.md, "Weight-stripped
plans"):

    /usr/bin/python3 test/weights/check_no_weights.py --build BUILD_DIR [--keep DIR]

1. an MLP with its weights in ONNX external data, compiled with and without
   `--no-weights`: `llmrun --exec
   --weights model.onnx` gives bit-identical outputs to the full plan;
   `--random-weights 1` gives finite outputs, twice the same; the stripped
   plan is small; `llmc inspect` lists the stripped weights;
2. bad inputs, each a one-line error and a non-zero exit: no weight flag,
   a model with other values (checksum), a missing initializer, an external
   data path escaping the model folder, truncated external data;
3. generation plans (test/peer/models llama_gqa, made external data, and
   llama_int4, inline MatMulNBits codes): `--batch` with `--weights` gives
   the same tokens as the full plan; `--random-weights` runs, twice the same;
   the rotary tables the compiler computes are kept, reported not verbatim.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PEER_MODELS = os.path.join(ROOT, "test", "peer", "models")
GEN_ARGS = ["--max-batch", "4", "--max-num-tokens", "16", "--max-seq-len", "64"]
KEEP_BELOW = ["--keep-weights-below", "1024"]  # the test models are tiny

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(cmd, expect_ok=True):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=300)
    if expect_ok and p.returncode != 0:
        sys.exit("command failed (%d): %s\n%s" % (p.returncode, " ".join(cmd), p.stderr))
    return p


def expect_error(cmd, needle, what):
    p = run(cmd, expect_ok=False)
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    ok = (p.returncode not in (0, None) and p.returncode < 128 and len(lines) == 1
          and needle in lines[0] and lines[0].startswith("llmrun: error:"))
    check(ok, "%s: one-line error containing %r (rc %d: %s)"
          % (what, needle, p.returncode, " | ".join(lines)))


def make_mlp(path, rng, external=True, rename=None):
    """x[2,64] -> MatMul w1[64,128] + b1 -> Relu -> MatMul w2[128,32]
    -> MatMul Transpose(w3t)[32,16] -> y (b1 is small: it stays in the plan)."""
    w = {"w1": rng.standard_normal((64, 128)).astype(np.float32) * 0.1,
         "b1": rng.standard_normal((128,)).astype(np.float32) * 0.1,
         "w2": rng.standard_normal((128, 32)).astype(np.float32) * 0.1,
         "w3t": rng.standard_normal((16, 32)).astype(np.float32) * 0.1}
    inits = [numpy_helper.from_array(v, (rename or {}).get(k, k)) for k, v in w.items()]
    n = lambda k: (rename or {}).get(k, k)
    nodes = [helper.make_node("MatMul", ["x", n("w1")], ["h1"]),
             helper.make_node("Add", ["h1", n("b1")], ["h2"]),
             helper.make_node("Relu", ["h2"], ["h3"]),
             helper.make_node("MatMul", ["h3", n("w2")], ["h4"]),
             helper.make_node("Transpose", [n("w3t")], ["w3"], perm=[1, 0]),
             helper.make_node("MatMul", ["h4", "w3"], ["y"])]
    graph = helper.make_graph(
        nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 16])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    if external:
        onnx.save_model(model, path, save_as_external_data=True,
                        all_tensors_to_one_file=True,
                        location=os.path.basename(path) + ".data", size_threshold=0)
    else:
        onnx.save_model(model, path)


def set_location(model_path, location):
    m = onnx.load(model_path, load_external_data=False)
    for t in m.graph.initializer:
        for e in t.external_data:
            if e.key == "location":
                e.value = location
    onnx.save_model(m, model_path)


def read_pb(path):
    t = TensorProto()
    t.ParseFromString(open(path, "rb").read())
    return numpy_helper.to_array(t)


def externalize(src, dst):
    m = onnx.load(src)
    onnx.save_model(m, dst, save_as_external_data=True, all_tensors_to_one_file=True,
                    location=os.path.basename(dst) + ".data", size_threshold=0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--keep")
    args = ap.parse_args()
    llmc = os.path.join(args.build, "bin", "llmc")
    llmrun = os.path.join(args.build, "bin", "llmrun")
    work = args.keep or tempfile.mkdtemp(prefix="no_weights_")
    os.makedirs(work, exist_ok=True)
    rng = np.random.default_rng(0)

    # --- 1. --exec on an MLP with external data -----------------------------
    mdir = os.path.join(work, "mlp")
    os.makedirs(mdir, exist_ok=True)
    model = os.path.join(mdir, "mlp.onnx")
    make_mlp(model, np.random.default_rng(1))
    full, stripped = os.path.join(work, "mlp.plan"), os.path.join(work, "mlp.nw.plan")
    run([llmc, "compile", model, "-o", full])
    p = run([llmc, "compile", model, "-o", stripped, "--no-weights"] + KEEP_BELOW)
    print("  " + p.stderr.strip())
    fs, ss = os.path.getsize(full), os.path.getsize(stripped)
    print("  mlp plan: %d bytes, stripped %d bytes" % (fs, ss))
    check(ss + 40000 < fs, "the stripped plan is smaller by the stripped weights")
    info = json.loads(run([llmc, "inspect", "--json", stripped]).stdout)
    names = sorted(w["initializer"] for w in info["stripped_weights"])
    check(names == ["w1", "w2", "w3t"], "inspect lists w1, w2, w3t as stripped (got %s)" % names)
    check(info["format_version"] == 2, "a stripped plan is format version 2")
    check(json.loads(run([llmc, "inspect", "--json", full]).stdout)["format_version"] == 1,
          "a full plan stays format version 1")
    text = run([llmc, "inspect", stripped]).stdout
    check("stripped weights: 3" in text and "plan bytes:" in text, "inspect text")

    x = os.path.join(work, "x.pb")
    open(x, "wb").write(numpy_helper.from_array(
        rng.standard_normal((2, 64)).astype(np.float32), "x").SerializeToString())
    outs = {}
    for tag, plan, extra in [("full", full, []), ("onnx", stripped, ["--weights", model]),
                             ("rand1", stripped, ["--random-weights", "1"]),
                             ("rand1b", stripped, ["--random-weights", "1"]),
                             ("rand2", stripped, ["--random-weights", "2"])]:
        d = os.path.join(work, "out_" + tag)
        p = run([llmrun, plan, "--exec", "--input", "x=" + x, "--output-dir", d] + extra)
        if tag.startswith("rand"):
            check("--random-weights" in p.stderr and len(p.stderr.strip().splitlines()) == 1,
                  "%s: one-line notice" % tag)
        outs[tag] = open(os.path.join(d, "y.pb"), "rb").read()
    check(outs["full"] == outs["onnx"], "--exec --weights: bit-identical to the full plan")
    r1 = read_pb(os.path.join(work, "out_rand1", "y.pb"))
    check(np.all(np.isfinite(r1)) and np.any(r1 != 0), "--random-weights 1: finite, non-zero")
    check(outs["rand1"] == outs["rand1b"], "--random-weights 1 twice: the same outputs")
    check(outs["rand1"] != outs["rand2"], "--random-weights 2 differs from 1")

    # --- 2. bad inputs -------------------------------------------------------
    base = [llmrun, stripped, "--exec", "--input", "x=" + x, "--output-dir",
            os.path.join(work, "out_bad")]
    expect_error(base, "--random-weights", "no weight flag")
    expect_error(base, "--weights", "no weight flag names --weights")
    expect_error([llmrun, full, "--exec", "--input", "x=" + x, "--output-dir",
                  os.path.join(work, "out_bad"), "--weights", model],
                 "holds all its weights", "--weights on a full plan")
    other = os.path.join(work, "other")
    os.makedirs(other, exist_ok=True)
    make_mlp(os.path.join(other, "mlp.onnx"), np.random.default_rng(2))
    expect_error(base + ["--weights", os.path.join(other, "mlp.onnx")],
                 "' does not match the plan (checksum mismatch",
                 "a model with other values")
    renamed = os.path.join(work, "renamed")
    os.makedirs(renamed, exist_ok=True)
    make_mlp(os.path.join(renamed, "mlp.onnx"), np.random.default_rng(1),
             rename={"w2": "w2_renamed"})
    expect_error(base + ["--weights", os.path.join(renamed, "mlp.onnx")],
                 "no initializer 'w2'", "a missing initializer")
    esc = os.path.join(work, "escape", "inner")
    os.makedirs(esc, exist_ok=True)
    shutil.copy(model, os.path.join(esc, "mlp.onnx"))
    shutil.copy(model + ".data", os.path.join(work, "escape", "mlp.onnx.data"))
    set_location(os.path.join(esc, "mlp.onnx"), "../mlp.onnx.data")
    expect_error(base + ["--weights", os.path.join(esc, "mlp.onnx")],
                 "escapes the model folder", "external data path with '..'")
    os.symlink(os.path.join(work, "escape", "mlp.onnx.data"),
               os.path.join(esc, "link.data"))
    set_location(os.path.join(esc, "mlp.onnx"), "link.data")
    expect_error(base + ["--weights", os.path.join(esc, "mlp.onnx")],
                 "escapes the model folder", "external data symlink leaving the folder")
    trunc = os.path.join(work, "trunc")
    os.makedirs(trunc, exist_ok=True)
    shutil.copy(model, os.path.join(trunc, "mlp.onnx"))
    data = open(model + ".data", "rb").read()
    open(os.path.join(trunc, "mlp.onnx.data"), "wb").write(data[: len(data) // 2])
    expect_error(base + ["--weights", os.path.join(trunc, "mlp.onnx")],
                 "is truncated", "truncated external data")
    expect_error(base + ["--weights", os.path.join(work, "x.pb")],
                 "", "a TensorProto instead of a model")
    expect_error(base + ["--weights", os.path.join(work, "nonexistent.onnx")],
                 "cannot open ONNX model", "a missing model file")

    # --- 3. generation plans: --batch ---------------------------------------
    reqs = os.path.join(work, "requests.jsonl")
    with open(reqs, "w") as f:
        for i in range(3):
            ids = [int(v) for v in rng.integers(1, 100, size=5 + 7 * i)]
            f.write(json.dumps({"id": "r%d" % i, "prompt_ids": ids, "max_tokens": 8,
                                "temperature": 0}) + "\n")
    for name, external in [("llama_gqa", True), ("llama_int4", False)]:
        gdir = os.path.join(work, name)
        os.makedirs(gdir, exist_ok=True)
        src = os.path.join(gdir, name + ".onnx")
        if external:
            externalize(os.path.join(PEER_MODELS, name + ".onnx"), src)
        else:
            shutil.copy(os.path.join(PEER_MODELS, name + ".onnx"), src)
        gfull, gnw = os.path.join(work, name + ".plan"), os.path.join(work, name + ".nw.plan")
        run([llmc, "compile", src, "-o", gfull] + GEN_ARGS)
        p = run([llmc, "compile", src, "-o", gnw, "--no-weights"] + GEN_ARGS + KEEP_BELOW)
        print("  " + p.stderr.strip())
        # The rotary cos/sin tables are computed by the compiler: kept.
        check("not verbatim initializers: buffer" in p.stderr,
              "%s: computed weights are reported as not verbatim" % name)
        print("  %s plan: %d bytes, stripped %d bytes" %
              (name, os.path.getsize(gfull), os.path.getsize(gnw)))
        nstripped = len(json.loads(run([llmc, "inspect", "--json", gnw]).stdout)["stripped_weights"])
        check(nstripped > 0, "%s: %d weights stripped" % (name, nstripped))
        results = {}
        for tag, plan, extra in [("full", gfull, []), ("onnx", gnw, ["--weights", src]),
                                 ("rand", gnw, ["--random-weights", "1"]),
                                 ("rand_b", gnw, ["--random-weights", "1"])]:
            out = os.path.join(work, "%s_%s.jsonl" % (name, tag))
            run([llmrun, plan, "--batch", reqs, "-o", out] + extra)
            results[tag] = [json.loads(l).get("output_ids") for l in open(out)]
        check(results["full"] == results["onnx"] and results["full"][0],
              "%s --batch --weights: the same tokens as the full plan" % name)
        check(all(r is not None for r in results["rand"]) and results["rand"] == results["rand_b"],
              "%s --batch --random-weights 1: runs, twice the same" % name)

    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("all weight-stripped plan checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
