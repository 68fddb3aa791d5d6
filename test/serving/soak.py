#!/usr/bin/env python3
"""Serving soak: 1,000 concurrent streaming requests against llmrun's HTTP
server, every one complete and error-free, python stdlib only.

Compiles test/peer/models/llama_gqa.onnx (vocab 256) into a small plan,
starts `llmrun PLAN --port P` on 127.0.0.1 and runs llmc-serve-bench with
1,000 clients, two streaming requests each over kept-alive connections
(token-id prompts of 4..24 ids, max_tokens 4..32, ignore_eos), at least
half of the streams open at once (the plan runs 32, the rest wait), with
--require-clean: no request may fail, and every stream must end with usage
and [DONE] carrying exactly max_tokens tokens. Then the server must still
answer /health, give back its connections (open fds and threads near where
they were before the load) and exit 0 on SIGTERM. The server's soft
RLIMIT_NOFILE is raised to the hard one (SKIP when that is too low).
Usage: soak.py --build BUILD_DIR [--clients 1000]
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

from serving_common import ROOT, compile_plan, request, start_server, stop_server

MODEL = os.path.join(ROOT, "test", "peer", "models", "llama_gqa.onnx")


def health(port):
    try:
        return request(port, "GET", "/health", timeout=10)[0] == 200
    except OSError:
        return False


def proc_counts(pid):
    """Open fds and threads of a process (Linux /proc)."""
    fds = len(os.listdir("/proc/%d/fd" % pid))
    with open("/proc/%d/status" % pid) as f:
        threads = next(int(l.split()[1]) for l in f if l.startswith("Threads:"))
    return fds, threads


def raise_nofile():
    # The server holds one socket per client; the usual soft limit is 1024.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--clients", type=int, default=1000)
    args = ap.parse_args()
    llmc = os.path.join(args.build, "bin", "llmc")
    llmrun = os.path.join(args.build, "bin", "llmrun")
    bench = os.path.join(args.build, "bin", "llmc-serve-bench")

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < args.clients + 64:
        print("SKIP: %d clients need %d file descriptors, the hard limit is %d"
              % (args.clients, args.clients + 64, hard))
        return 0

    start = time.time()
    tmp = tempfile.mkdtemp(prefix="llmc_soak_")
    plan = os.path.join(tmp, "llama_gqa.plan")
    compile_plan(llmc, MODEL, plan, "--max-batch", "32", "--max-num-tokens", "128",
                 timeout=120)

    log_path = os.path.join(tmp, "server.log")
    log = open(log_path, "w")
    server, port, _, _ = start_server(llmrun, plan, ["--host", "127.0.0.1"],
                                      log=lambda: open(log_path).read(), stdout=log,
                                      stderr=log, preexec_fn=raise_nofile)
    failures = []
    try:
        before = proc_counts(server.pid)

        cmd = [bench, "--port", str(port), "--concurrency", str(args.clients),
               "--requests", str(2 * args.clients), "--prompt-len", "4:24",
               "--output-len", "4:32", "--vocab", "256", "--seed", "7",
               "--timeout", "90", "--require-clean", "--json"]
        t0 = time.time()
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=150)
        bench_s = time.time() - t0
        summary = json.loads(p.stdout) if p.stdout.strip().startswith("{") else None
        if p.returncode != 0 or not summary:
            failures.append("llmc-serve-bench exit %d: %s" % (p.returncode, p.stderr.strip()))
        if summary:
            print("soak: %d requests, %d clean, %d errors %s, %d incomplete %s in %.1f s, "
                  "%d streams open at most; "
                  "TTFT p50/p99 %.0f/%.0f ms, e2e p99 %.0f ms, %.0f output tok/s"
                  % (summary["requests"], summary["clean"], summary["errors"],
                     json.dumps(summary["error_kinds"]), summary["incomplete"],
                     json.dumps(summary["incomplete_kinds"]), bench_s,
                     summary["peak_open_streams"],
                     summary["ttft_ms"]["p50"], summary["ttft_ms"]["p99"],
                     summary["e2e_ms"]["p99"], summary["output_tokens_per_s"]), flush=True)
            # The point is many streams held at once, not many in sequence.
            if summary["peak_open_streams"] < args.clients // 2:
                failures.append("only %d streams were open at once"
                                % summary["peak_open_streams"])
            if summary["clean"] != 2 * args.clients:
                failures.append("%d of %d requests clean" % (summary["clean"], 2 * args.clients))

        if server.poll() is not None:
            failures.append("the server exited (%d) under load" % server.returncode)
        else:
            if not health(port):
                failures.append("/health does not answer after the load")
            # Connections closed by the clients must be given back (bounded wait).
            after = proc_counts(server.pid)
            for _ in range(100):
                if after[0] <= before[0] + 4 and after[1] <= before[1] + 4:
                    break
                time.sleep(0.1)
                after = proc_counts(server.pid)
            print("server fds %d -> %d, threads %d -> %d (before -> after the load)"
                  % (before[0], after[0], before[1], after[1]))
            if after[0] > before[0] + 4 or after[1] > before[1] + 4:
                failures.append("server kept %d fds / %d threads after the load (had %d / %d)"
                                % (after[0], after[1], before[0], before[1]))
    finally:
        if stop_server(server) == "timeout":
            failures.append("the server did not exit within 30 s of SIGTERM")
        log.close()
    if server.returncode != 0:
        failures.append("server exit status %d after SIGTERM" % server.returncode)
    if failures:
        print("server log (tail):\n" + open(log_path).read()[-3000:])
        for f in failures:
            print("FAIL: " + f)
        return 1
    print("PASS (%.1f s)" % (time.time() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
