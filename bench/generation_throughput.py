#!/usr/bin/python3
"""Generation throughput: continuous batching vs one request at a time, and
ONNX Runtime's greedy KV-cache loop as the peer, in one run.

    /usr/bin/python3 bench/generation_throughput.py --build build \
        [--model models/kjv/kjv.onnx] [--requests 16] [--max-tokens 64] [--cpu x86-64-v2]

1. Compiles MODEL into a generation plan (`llmc compile`, --max-batch 16).
2. Makes REQUESTS greedy requests with prompts of 8..64 random in-vocab ids
   (seeded) and MAX_TOKENS new tokens each (ignore_eos, so every request
   generates the same amount).
3. `llmrun --batch` with all requests in flight (continuous batching) and
   with `--max-num-seqs 1` (one at a time, same plan, same process setup):
   generated tokens/s from llmrun's closing summary; the outputs must be equal.
4. ONNX Runtime 1.30 (test/peer/ort_generate.js: batch 1, one request after
   another, all graph optimizations, 1 thread): generated tokens / wall time
   of the node process (includes its session creation, ~0.1 s), and how many
   requests got exactly llmc's tokens.
Prints a markdown table. Nothing here is a test; docs/performance.md has the
numbers. The plan's kernels are single-threaded, like the ORT session.
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time

from bench_common import ROOT, vocab_size

SUMMARY = re.compile(r"(\d+) generated tokens in ([\d.]+) s: ([\d.]+) generated tok/s.*?(\d+) steps, (\d+) preemptions")


def run_llmrun(build, plan, requests, out, extra):
    cmd = [os.path.join(build, "bin", "llmrun"), plan, "--batch", requests, "-o", out] + extra
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit("llmrun failed: " + p.stderr.strip())
    m = SUMMARY.search(p.stderr)
    if not m:
        raise SystemExit("no summary in llmrun output: " + p.stderr.strip())
    return {"tokens": int(m.group(1)), "seconds": float(m.group(2)),
            "tok_s": float(m.group(3)), "steps": int(m.group(4))}


def read_outputs(path):
    with open(path) as f:
        return {r["id"]: r["output_ids"] for r in map(json.loads, f)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "kjv", "kjv.onnx"))
    ap.add_argument("--requests", type=int, default=16)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--cpu", default=None, help="llmc compile --cpu (default: llmc's)")
    ap.add_argument("--keep", default=None, help="directory for the plan and outputs")
    args = ap.parse_args()

    work = args.keep or tempfile.mkdtemp(prefix="llmc-genbench-")
    os.makedirs(work, exist_ok=True)
    plan = os.path.join(work, "model.plan")
    compile_cmd = [os.path.join(args.build, "bin", "llmc"), "compile", args.model, "-o", plan,
                   "--max-batch", "16", "--max-num-tokens", "128", "--max-seq-len", "512"]
    if args.cpu:
        compile_cmd += ["--cpu", args.cpu]
    t0 = time.time()
    subprocess.run(compile_cmd, check=True)
    compile_s = time.time() - t0

    vocab = vocab_size(args.model)
    rng = random.Random(7)
    reqs = []
    for i in range(args.requests):
        n = rng.randint(8, 64)
        reqs.append({"id": "r%d" % i, "prompt_ids": [rng.randrange(3, vocab) for _ in range(n)],
                     "max_tokens": args.max_tokens, "temperature": 0, "ignore_eos": True})
    req_path = os.path.join(work, "requests.jsonl")
    with open(req_path, "w") as f:
        for r in reqs:
            f.write(json.dumps(r) + "\n")

    together = run_llmrun(args.build, plan, req_path, os.path.join(work, "together.jsonl"), [])
    alone = run_llmrun(args.build, plan, req_path, os.path.join(work, "alone.jsonl"),
                       ["--max-num-seqs", "1"])
    out_together = read_outputs(os.path.join(work, "together.jsonl"))
    if out_together != read_outputs(os.path.join(work, "alone.jsonl")):
        raise SystemExit("batched and one-at-a-time outputs differ")

    ort = None
    ort_js = os.path.join(ROOT, "test", "peer", "ort_generate.js")
    ort_out = os.path.join(work, "ort.json")
    t0 = time.time()
    p = subprocess.run(["node", ort_js, args.model, req_path, ort_out, "--opt", "all", "--threads", "1"],
                       capture_output=True, text=True)
    ort_wall = time.time() - t0
    if p.returncode == 0:
        with open(ort_out) as f:
            ort_results = json.load(f)
        agree = sum(1 for r in ort_results if r["output_ids"] == out_together[r["id"]])
        ort = {"tok_s": args.requests * args.max_tokens / ort_wall, "agree": agree}
    else:
        print("ONNX Runtime peer not run: " + p.stderr.strip(), file=sys.stderr)

    print("model: %s, %d requests, prompts 8..64 tokens, %d new tokens each; plan compiled in %.1f s"
          % (os.path.relpath(args.model, ROOT), args.requests, args.max_tokens, compile_s))
    print()
    print("| run | steps | generated tok/s | vs one at a time |")
    print("|---|---:|---:|---:|")
    print("| llmc, %d requests in flight (continuous batching) | %d | %.1f | %.2fx |"
          % (args.requests, together["steps"], together["tok_s"], together["tok_s"] / alone["tok_s"]))
    print("| llmc, one at a time (--max-num-seqs 1) | %d | %.1f | 1.00x |" % (alone["steps"], alone["tok_s"]))
    if ort:
        print("| ONNX Runtime 1.30, one at a time (1 thread, all optimizations) | - | %.1f | %.2fx |"
              % (ort["tok_s"], ort["tok_s"] / alone["tok_s"]))
        print()
        print("llmc batched / ORT: %.2fx; ORT greedy tokens equal to llmc's for %d of %d requests"
              % (together["tok_s"] / ort["tok_s"], ort["agree"], args.requests))


if __name__ == "__main__":
    main()
