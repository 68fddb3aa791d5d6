#!/usr/bin/python3
"""Serving throughput: llmrun's HTTP server with continuous batching vs one
request at a time, under the same streaming load, in one run.

    /usr/bin/python3 bench/serve_compare.py --build build \
        [--model models/kjv/kjv.onnx] [--concurrency 32] [--requests 96] \
        [--prompt-len 8:64] [--output-len 32:96] [--max-batch 32]

1. Compiles MODEL into a generation plan (`llmc compile --max-batch B
   --max-num-tokens 128 --max-seq-len 512`), or takes --plan.
2. Starts `llmrun PLAN --port P` on 127.0.0.1 twice, one after the other:
   with its defaults (continuous batching, up to the plan's batch) and with
   `--max-num-seqs 1` (one request at a time, same plan).
3. Runs llmc-serve-bench against each with CONCURRENCY streaming clients and
   the same seeded request mix (token-id prompts, ignore_eos, greedy),
   --require-clean.
Prints both summaries and the ratio of output tokens/s. Nothing here is a
test; docs/performance.md has the numbers.
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

from bench_common import ROOT, import_serving_common, vocab_size

serving = import_serving_common()


def serve_and_bench(args, plan, vocab, server_flags, log_path):
    port = serving.free_port()
    llmrun = os.path.join(args.build, "bin", "llmrun")
    bench = os.path.join(args.build, "bin", "llmc-serve-bench")
    with open(log_path, "w") as log:
        server = subprocess.Popen([llmrun, plan, "--host", "127.0.0.1", "--port", str(port)]
                                  + server_flags, stderr=log, stdout=log)
        try:
            cmd = [bench, "--port", str(port), "--wait-ready", "60",
                   "--concurrency", str(args.concurrency), "--requests", str(args.requests),
                   "--prompt-len", args.prompt_len, "--output-len", args.output_len,
                   "--vocab", str(vocab), "--seed", str(args.seed),
                   "--timeout", str(args.timeout), "--require-clean", "--json"]
            p = subprocess.run(cmd, capture_output=True, text=True,
                               timeout=args.timeout + 120)
            if p.returncode != 0:
                raise SystemExit("llmc-serve-bench failed (%d): %s\n%s"
                                 % (p.returncode, p.stderr.strip(), p.stdout[-2000:]))
            return json.loads(p.stdout)
        finally:
            serving.stop_server(server, wait=60)


def row(name, s):
    return ("| %s | %d | %.1f | %.2f | %.0f / %.0f | %.1f / %.1f | %.0f / %.0f |"
            % (name, s["clean"], s["output_tokens_per_s"], s["requests_per_s"],
               s["ttft_ms"]["p50"], s["ttft_ms"]["p99"], s["itl_ms"]["p50"], s["itl_ms"]["p99"],
               s["e2e_ms"]["p50"], s["e2e_ms"]["p99"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "kjv", "kjv.onnx"))
    ap.add_argument("--plan", default=None, help="an already compiled plan of MODEL")
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--requests", type=int, default=96)
    ap.add_argument("--prompt-len", default="8:64")
    ap.add_argument("--output-len", default="32:96")
    ap.add_argument("--max-batch", type=int, default=32)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--cpu", default=None, help="llmc compile --cpu (default: llmc's)")
    ap.add_argument("--keep", default=None, help="directory for the plan and logs")
    args = ap.parse_args()

    work = args.keep or tempfile.mkdtemp(prefix="llmc-servebench-")
    os.makedirs(work, exist_ok=True)
    plan = args.plan
    compile_s = 0.0
    if not plan:
        plan = os.path.join(work, "model.plan")
        cmd = [os.path.join(args.build, "bin", "llmc"), "compile", args.model, "-o", plan,
               "--max-batch", str(args.max_batch), "--max-num-tokens", "128",
               "--max-seq-len", "512"]
        if args.cpu:
            cmd += ["--cpu", args.cpu]
        t0 = time.time()
        subprocess.run(cmd, check=True, timeout=1800)
        compile_s = time.time() - t0
    vocab = vocab_size(args.model)

    batched = serve_and_bench(args, plan, vocab, [], os.path.join(work, "batched.log"))
    single = serve_and_bench(args, plan, vocab, ["--max-num-seqs", "1"],
                             os.path.join(work, "single.log"))

    print("model: %s; %d streaming clients, %d requests, prompts %s tokens, max_tokens %s "
          "(uniform, seed %d, ignore_eos, greedy); plan compiled in %.1f s"
          % (os.path.relpath(args.model, ROOT) if args.model.startswith(ROOT) else args.model,
             args.concurrency, args.requests, args.prompt_len, args.output_len, args.seed,
             compile_s))
    print()
    print("| server | clean requests | output tok/s | requests/s | TTFT p50 / p99 ms "
          "| ITL p50 / p99 ms | end-to-end p50 / p99 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(row("llmrun (continuous batching)", batched))
    print(row("llmrun --max-num-seqs 1", single))
    print()
    print("output tokens/s, batched / one at a time: %.2fx"
          % (batched["output_tokens_per_s"] / single["output_tokens_per_s"]))


if __name__ == "__main__":
    main()
