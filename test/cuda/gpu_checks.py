#!/usr/bin/python3
"""The CUDA runtime on a real GPU: llmrun --device cuda against --device cpu.

    /usr/bin/python3 test/cuda/gpu_checks.py --build BUILD_DIR [--keep DIR]

Compiles the repo's test models with `llmc compile --target cpu,sm_80,sm_89,
sm_90` (and one with `--target sm_90` alone: a plan without CPU code) and
runs each plan on both devices (docs/cuda-runtime.md):
  * --exec plans (test/Tools/Inputs/schedule.mlir, the tiny Llama of
    test/Transforms/Inputs/tiny_llama.onnx, test/peer/models/gpt2.onnx with
    fixed shapes) on the same seeded random inputs: every fp32 output within
    ||cuda - cpu|| / ||cpu|| < 1e-5 (2-norm over the tensor), integer and
    bool outputs exactly;
  * generation plans (test/peer/models/llama_gqa.onnx, gpt2.onnx) with
    `--batch` greedy requests: the same output_ids token for token.

With --fake-driver PATH (ctest cuda_fake_plans, no GPU needed) only the
CUDA side runs, on the fake libcuda.so.1 of test/cuda/fake_driver as an
sm_90 device: every plan must load its sm_90 PTX and run all its launches
without a driver error (the fake rejects any copy or launch argument outside
its live allocations, so this checks the runtime against the compiler's real
launch schedules); values are not compared, the fake executes nothing.

Prints "SKIP: <reason>" and exits 77 (ctest's SKIP_RETURN_CODE) when there is
no GPU (nvidia-smi absent or listing none); exits 1 on any mismatch or tool
failure. The fake-driver gtests (runtime/unittests/cuda) check the launch
plumbing without a GPU but cannot execute PTX: this script is the only check
of the numbers.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile

import numpy as np
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SKIP = 77
REL_TOL = 1e-5
TARGETS = "cpu,sm_80,sm_89,sm_90"


def llama_shapes(past, layers, kv, dh, s=5, p=3):
    args = ["--input-shape", f"input_ids=1x{s}",
            "--input-shape", f"attention_mask=1x{s + p}",
            "--input-shape", f"position_ids=1x{s}"]
    for l in range(layers):
        for k in ("key", "value"):
            args += ["--input-shape", f"{past}.{l}.{k}=1x{kv}x{p}x{dh}"]
    return args


EXEC_MODELS = [
    ("schedule", [os.path.join(ROOT, "test/Tools/Inputs/schedule.mlir")]),
    # No CPU code in the plan: it runs on CUDA only (the CPU reference is
    # compiled separately).
    ("schedule_sm90_only", [os.path.join(ROOT, "test/Tools/Inputs/schedule.mlir"),
                            "--target", "sm_90"]),
    ("tiny_llama", [os.path.join(ROOT, "test/Transforms/Inputs/tiny_llama.onnx")]
     + llama_shapes("past_key_values", 2, 2, 8)),
    ("gpt2", [os.path.join(ROOT, "test/peer/models/gpt2.onnx")]
     + llama_shapes("past_key_values", 2, 4, 16)),
]
GEN_MODELS = [
    ("llama_gqa_gen", [os.path.join(ROOT, "test/peer/models/llama_gqa.onnx")]),
    ("gpt2_gen", [os.path.join(ROOT, "test/peer/models/gpt2.onnx")]),
]
GEN_ARGS = ["--max-batch", "4", "--max-num-tokens", "16", "--max-seq-len", "64"]
REQUESTS = [[1, 2, 3, 4, 5], [7, 8, 9], [11], [3, 1, 4, 1, 5, 9, 2, 6]]


def no_gpu_reason():
    smi = shutil.which("nvidia-smi")
    if not smi:
        return "no GPU (nvidia-smi not found)"
    r = subprocess.run([smi, "-L"], capture_output=True, text=True)
    if r.returncode != 0 or "GPU" not in r.stdout:
        return "no GPU (nvidia-smi -L: %s)" % (r.stderr or r.stdout).strip()[:200]
    return None


def run(cmd, what, env=None):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (what, r.returncode, r.stderr.strip()[-2000:]))
    return r


def random_inputs(spec, rng, work):
    """Seeded inputs for `llmc inspect --json`'s input list: floats
    N(0, 1), attention masks ones, position ids 0.., other ints in [0, 8)."""
    files = []
    for t in spec:
        dims = [int(d) for d in t["dims"].strip("[]").split(",") if d]
        if t["dtype"].startswith("float"):
            a = rng.standard_normal(dims).astype(np.float32)
        elif "mask" in t["name"]:
            a = np.ones(dims, dtype=np.int64)
        elif "position" in t["name"]:
            a = np.broadcast_to(np.arange(dims[-1], dtype=np.int64), dims).copy()
        else:
            a = rng.integers(0, 8, size=dims, dtype=np.int64)
        if t["dtype"] == "int32":
            a = a.astype(np.int32)
        path = os.path.join(work, "in_%d.pb" % len(files))
        with open(path, "wb") as f:
            f.write(numpy_helper.from_array(a, t["name"]).SerializeToString())
        files.append("%s=%s" % (t["name"], path))
    return files


def read_outputs(folder):
    out = {}
    for name in sorted(os.listdir(folder)):
        from onnx import TensorProto
        t = TensorProto()
        with open(os.path.join(folder, name), "rb") as f:
            t.ParseFromString(f.read())
        out[name] = numpy_helper.to_array(t)
    return out


FAKE = None  # --fake-driver: environment of the fake sm_90 device


def fake_log_check(log):
    """Problems in the fake driver's log of one CUDA run."""
    lines = open(log).read().splitlines() if os.path.exists(log) else []
    loads = [l for l in lines if l.startswith("module_load ")]
    launches = sum(l.startswith("launch ") for l in lines)
    problems = []
    if len(loads) != 1 or "target=sm_90" not in loads[0]:
        problems.append("module loads: %s" % loads)
    if launches == 0:
        problems.append("no launches")
    return problems, launches


def cuda_env(name, work):
    if not FAKE:
        return None
    env = dict(os.environ, **FAKE)
    env["LLMC_FAKE_CUDA_LOG"] = os.path.join(work, name + ".fake.log")
    if os.path.exists(env["LLMC_FAKE_CUDA_LOG"]):
        os.remove(env["LLMC_FAKE_CUDA_LOG"])
    return env


def check_exec(llmc, llmrun, name, model_args, work, rng):
    plan = os.path.join(work, name + ".plan")
    plans = {"cpu": plan, "cuda": plan}
    if "--target" in model_args:
        plans["cpu"] = os.path.join(work, name + "_cpu.plan")
        run([llmc, "compile", *model_args, "-o", plan], "llmc compile")
        if not FAKE:
            run([llmc, "compile", *model_args, "-o", plans["cpu"], "--target", "cpu"],
                "llmc compile")
    else:
        run([llmc, "compile", *model_args, "-o", plan, "--target", TARGETS], "llmc compile")
    spec = json.loads(run([llmc, "inspect", plan, "--json"], "llmc inspect").stdout)
    inputs = random_inputs(spec["inputs"], rng, work)
    results = {}
    for device in ("cuda",) if FAKE else ("cpu", "cuda"):
        out = os.path.join(work, name + "_" + device)
        cmd = [llmrun, plans[device], "--exec", "--device", device, "--output-dir", out]
        for i in inputs:
            cmd += ["--input", i]
        env = cuda_env(name, work) if device == "cuda" else None
        run(cmd, "llmrun --device " + device, env)
        results[device] = read_outputs(out)
    if FAKE:
        problems, launches = fake_log_check(env["LLMC_FAKE_CUDA_LOG"])
        return problems, "%d launches on the fake driver, %d outputs" % (
            launches, len(results["cuda"]))
    problems = []
    for out, ref in results["cpu"].items():
        got = results["cuda"].get(out)
        if got is None or got.shape != ref.shape:
            problems.append("%s: missing or shape %s" % (out, None if got is None else got.shape))
        elif ref.dtype.kind == "f":
            rel = np.linalg.norm((got - ref).ravel()) / max(np.linalg.norm(ref.ravel()), 1e-30)
            if not rel < REL_TOL:
                problems.append("%s: relative error %.3g" % (out, rel))
        elif not np.array_equal(got, ref):
            problems.append("%s: integer outputs differ" % out)
    return problems, "%d outputs" % len(results["cpu"])


def check_generation(llmc, llmrun, name, model_args, work):
    plan = os.path.join(work, name + ".plan")
    run([llmc, "compile", *model_args, "-o", plan, "--target", TARGETS] + GEN_ARGS,
        "llmc compile")
    requests = os.path.join(work, name + ".jsonl")
    with open(requests, "w") as f:
        for i, ids in enumerate(REQUESTS):
            f.write(json.dumps({"id": "r%d" % i, "prompt_ids": ids, "max_tokens": 16,
                                "temperature": 0, "ignore_eos": True}) + "\n")
    ids = {}
    for device in ("cuda",) if FAKE else ("cpu", "cuda"):
        out = os.path.join(work, "%s_%s.jsonl" % (name, device))
        env = cuda_env(name, work) if device == "cuda" else None
        run([llmrun, plan, "--batch", requests, "-o", out, "--device", device],
            "llmrun --batch --device " + device, env)
        with open(out) as f:
            results = list(map(json.loads, f))
        ids[device] = {r["id"]: r.get("output_ids") for r in results}
    if FAKE:
        problems, launches = fake_log_check(env["LLMC_FAKE_CUDA_LOG"])
        problems += ["%s: %s" % (r["id"], r.get("error")) for r in results
                     if r.get("finish_reason") == "error"]
        return problems, "%d launches on the fake driver for %d requests" % (
            launches, len(results))
    problems = ["%s: cpu %s, cuda %s" % (k, v, ids["cuda"].get(k))
                for k, v in ids["cpu"].items() if ids["cuda"].get(k) != v]
    return problems, "%d greedy requests" % len(ids["cpu"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--keep", help="work in this folder and keep it")
    ap.add_argument("--fake-driver", help="only the CUDA side, on this fake "
                    "libcuda.so.1 (no GPU needed; values not compared)")
    args = ap.parse_args()
    global FAKE
    if args.fake_driver:
        FAKE = {"LLMC_CUDA_DRIVER": os.path.abspath(args.fake_driver),
                "LLMC_FAKE_CUDA_CC": "9.0"}
        for v in ("LLMC_FAKE_CUDA_INIT_ERROR", "LLMC_FAKE_CUDA_FAIL_LAUNCH"):
            os.environ.pop(v, None)
    why = None if FAKE else no_gpu_reason()
    if why:
        print("SKIP: " + why)
        return SKIP
    llmc = os.path.join(args.build, "bin", "llmc")
    llmrun = os.path.join(args.build, "bin", "llmrun")
    work = args.keep or tempfile.mkdtemp(prefix="llmc_gpu_")
    os.makedirs(work, exist_ok=True)
    rng = np.random.default_rng(1234)
    failures = 0
    try:
        checks = [(n, lambda n=n, a=a: check_exec(llmc, llmrun, n, a, work, rng))
                  for n, a in EXEC_MODELS]
        checks += [(n, lambda n=n, a=a: check_generation(llmc, llmrun, n, a, work))
                   for n, a in GEN_MODELS]
        for name, check in checks:
            try:
                problems, what = check()
            except RuntimeError as e:
                problems, what = [str(e)], ""
            if problems:
                failures += 1
                print("FAIL %s: %s" % (name, "; ".join(problems)))
            else:
                print("ok %s: %s" % (name, what + ("" if FAKE else " equal on cuda and cpu")))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
