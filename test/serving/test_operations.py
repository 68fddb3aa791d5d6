#!/usr/bin/env python3
"""llmrun's HTTP server, the operations side (docs/serving.md, "Operations"),
python stdlib only, loopback only, every wait bounded.

Compiles models/kjv with its tokenizer and --max-batch 1 (one request runs,
the next waits: a queue to fill), then against servers on free ports checks:
  - GET /metrics parses as Prometheus text; counters and histograms move
    after a request; the running gauge and KV usage return to 0;
  - --api-key: 401 without or with a wrong key on /v1/* and /tokenize,
    /health and /metrics stay open;
  - POST /tokenize and /detokenize round trip;
  - --max-queue 1: with one request running and one waiting, the next gets
    429 with Retry-After;
  - a client that disconnects mid-stream, or while waiting for a
    non-streamed answer, has its request cancelled (KV freed at once);
  - slowloris: a request trickling in a byte at a time is cut after
    --request-timeout while others are served; idle connections close
    after --keep-alive-timeout; --max-connections refuses with 503;
  - one JSON access-log line per request on stderr (X-Request-Id echoed);
  - a client that stops reading a stream is cut after --send-timeout and
    its request cancelled (with --send-buffer-bytes small);
  - SIGTERM with a request longer than --drain-timeout: it is cancelled,
    the server exits 0.
Usage: test_operations.py --build BUILD_DIR [--plan KJV_PLAN]
"""
import argparse
import json
import os
import re
import signal
import socket
import sys
import tempfile
import threading
import time

from serving_common import (check, compile_kjv, report, request,
                            start_server as start_llmrun, stop_server)

KEY = "test-key-123"
AUTH = {"Authorization": "Bearer " + KEY}


def start_server(llmrun, plan, extra=()):
    def loading(status, payload):
        check(status == 503 and json.loads(payload) == {"status": "loading"},
              "/health while starting: %s %s" % (status, payload))
    return start_llmrun(llmrun, plan, extra, on_loading=loading)


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def metrics(port):
    """{name: {labels-string: value}}; checks the text format on the way."""
    status, headers, payload = request(port, "GET", "/metrics")
    check(status == 200 and headers.get("Content-Type", "").startswith("text/plain"),
          "/metrics: %s %s" % (status, headers.get("Content-Type")))
    out, types = {}, {}
    for line in payload.decode().splitlines():
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ")
            types[name] = typ
            continue
        if line.startswith("#") or not line:
            continue
        m = SAMPLE.match(line)
        check(m is not None, "/metrics: bad line %r" % line)
        if m:
            out.setdefault(m.group(1), {})[m.group(2) or ""] = float(m.group(3))
    for name, typ in types.items():
        check(name.startswith("llmc:"), "/metrics: family %s lacks llmc:" % name)
        if typ == "histogram":
            buckets = [v for k, v in out.get(name + "_bucket", {}).items()]
            check(buckets == sorted(buckets) and '+Inf"' in "".join(out[name + "_bucket"])
                  and buckets[-1] == sum(out[name + "_count"].values()),
                  "/metrics: histogram %s malformed" % name)
    return out


def value(m, name, label=""):
    series = m.get(name, {})
    return sum(v for k, v in series.items() if label in k)


def wait_for(cond, seconds, step=0.05):
    end = time.time() + seconds
    while time.time() < end:
        if cond():
            return True
        time.sleep(step)
    return cond()


def raw_request(port, path, body, headers=""):
    data = json.dumps(body)
    return ("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n%s"
            "Content-Length: %d\r\n\r\n%s" % (path, headers, len(data), data)).encode()


def long_body(tokens, stream=False):
    return {"prompt": [1, 2, 3], "max_tokens": tokens, "temperature": 0,
            "ignore_eos": True, "stream": stream}


def check_main_server(llmrun, plan):
    server, port, lines, reader = start_server(
        llmrun, plan, ["--api-key", KEY, "--max-queue", "1", "--request-timeout", "2",
                       "--keep-alive-timeout", "1.5"])
    try:
        # Open endpoints and the key.
        check(request(port, "GET", "/health")[0] == 200, "/health without key")
        before = metrics(port)
        for method, path, body in (("GET", "/v1/models", None),
                                   ("POST", "/v1/completions", {"prompt": [1], "max_tokens": 1}),
                                   ("POST", "/tokenize", {"prompt": "x"}),
                                   ("POST", "/detokenize", {"tokens": [1]})):
            for h in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": KEY}):
                status, _, payload = request(port, method, path, body, h)
                try:
                    err = json.loads(payload)["error"]
                except (ValueError, KeyError):
                    err = None
                check(status == 401 and err and err["code"] == "invalid_api_key",
                      "%s %s with %s: %s %s" % (method, path, h, status, payload[:100]))
        check(request(port, "GET", "/v1/models", headers=AUTH)[0] == 200, "/v1/models with key")

        # /tokenize and /detokenize.
        text = "In the beginning God created the heaven and the earth."
        status, _, payload = request(port, "POST", "/tokenize", {"prompt": text}, AUTH)
        tok = json.loads(payload) if status == 200 else {}
        check(status == 200 and tok.get("count") == len(tok.get("tokens", [])) > 0
              and tok.get("max_model_len", 0) > 0, "/tokenize: %s %s" % (status, payload[:200]))
        status, _, payload = request(port, "POST", "/detokenize",
                                     {"tokens": tok.get("tokens", [])}, AUTH)
        check(status == 200 and json.loads(payload).get("prompt") == text,
              "/detokenize round trip: %s %s" % (status, payload[:200]))
        status, _, _ = request(port, "POST", "/detokenize", {"tokens": [-1]}, AUTH)
        check(status == 400, "/detokenize of -1: %s" % status)

        # A completion moves the counters; X-Request-Id is echoed.
        status, headers, payload = request(port, "POST", "/v1/completions",
                                           {"prompt": [1, 2, 3, 4], "max_tokens": 5,
                                            "temperature": 0, "ignore_eos": True},
                                           dict(AUTH, **{"X-Request-Id": "ops-test-1"}))
        check(status == 200 and headers.get("X-Request-Id") == "ops-test-1",
              "completion: %s %s" % (status, headers))
        after = metrics(port)
        for name, delta in (("llmc:prompt_tokens_total", 4), ("llmc:generation_tokens_total", 5),
                            ("llmc:time_to_first_token_seconds_count", 1),
                            ("llmc:e2e_request_latency_seconds_count", 1),
                            ("llmc:inter_token_latency_seconds_count", 4)):
            check(value(after, name) - value(before, name) == delta,
                  "/metrics %s moved by %s, not %s" % (name, value(after, name) - value(before, name), delta))
        check(value(after, "llmc:request_success_total", 'finished_reason="length"')
              - value(before, "llmc:request_success_total", 'finished_reason="length"') == 1,
              "/metrics request_success_total{length}")
        model = os.path.splitext(os.path.basename(plan))[0]
        check('model_name="%s"' % model in "".join(after["llmc:num_requests_running"]),
              "/metrics model_name label: %s" % after["llmc:num_requests_running"])

        # --max-queue 1 with --max-batch 1: one running (a stream), one
        # waiting (non-streamed), the third gets 429. 1,000 tokens of kjv
        # take over a second, so both are still there meanwhile.
        check(wait_for(lambda: value(metrics(port), "llmc:num_requests_running") == 0, 10),
              "nothing runs before the queue test")
        stream = socket.create_connection(("127.0.0.1", port), timeout=30)
        stream.sendall(raw_request(port, "/v1/completions", long_body(1000, stream=True),
                                   "Authorization: Bearer %s\r\n" % KEY))
        check(wait_for(lambda: value(metrics(port), "llmc:num_requests_running") == 1, 10),
              "the stream runs")
        waiting = socket.create_connection(("127.0.0.1", port), timeout=30)
        waiting.sendall(raw_request(port, "/v1/completions", long_body(1000),
                                    "Authorization: Bearer %s\r\n" % KEY))
        check(wait_for(lambda: value(metrics(port), "llmc:num_requests_waiting") == 1, 10),
              "a second request waits")
        rejected_before = value(metrics(port), "llmc:request_rejected_total")
        status, headers, payload = request(port, "POST", "/v1/completions", long_body(5), AUTH)
        check(status == 429 and headers.get("Retry-After") == "1"
              and json.loads(payload)["error"]["code"] == "queue_full",
              "third request under --max-queue 1: %s %s %s" % (status, headers, payload[:120]))
        check(value(metrics(port), "llmc:request_rejected_total") == rejected_before + 1,
              "request_rejected_total moved")
        check(request(port, "POST", "/tokenize", {"prompt": "x"}, AUTH)[0] == 200,
              "/tokenize is not queued")

        # Disconnects: the stream's client goes away (mid-stream, unless it
        # already ended), then the waiting request's, once it runs (before
        # its 1,000 tokens). A cancelled request counts as "abort" (a
        # finished one as "length") and frees its KV blocks.
        aborted = value(metrics(port), "llmc:request_success_total", "abort")
        stream.close()
        check(wait_for(lambda: value(metrics(port), "llmc:num_requests_waiting") == 0, 5),
              "the waiting request runs once the stream is gone")
        t0 = time.time()
        waiting.close()
        check(wait_for(lambda: value(metrics(port), "llmc:request_success_total", "abort")
                       >= aborted + 1, 5), "the non-streamed request was cancelled")
        check(wait_for(lambda: value(metrics(port), "llmc:num_requests_running") == 0
                       and value(metrics(port), "llmc:kv_cache_usage_perc") == 0, 5),
              "running gauge and KV usage back to 0 after the clients left")
        check(time.time() - t0 < 3, "cancellation took %.1f s" % (time.time() - t0))
        # Mid-stream, for sure: close after the first event.
        aborted = value(metrics(port), "llmc:request_success_total", "abort")
        stream = socket.create_connection(("127.0.0.1", port), timeout=30)
        stream.sendall(raw_request(port, "/v1/completions", long_body(1000, stream=True),
                                   "Authorization: Bearer %s\r\nX-Request-Id: ops-stream\r\n" % KEY))
        got = b""
        while b"data: " not in got:
            chunk = stream.recv(4096)
            if not chunk:
                break
            got += chunk
        stream.close()
        check(wait_for(lambda: value(metrics(port), "llmc:request_success_total", "abort")
                       == aborted + 1
                       and value(metrics(port), "llmc:num_requests_running") == 0
                       and value(metrics(port), "llmc:kv_cache_usage_perc") == 0, 5),
              "a stream closed after its first event is cancelled, KV freed")

        # Slowloris: a byte every 0.25 s; cut after --request-timeout 2 s
        # (408), while another client is served meanwhile.
        slow = socket.create_connection(("127.0.0.1", port), timeout=10)
        t0 = time.time()
        got, served = b"", None
        for i, byte in enumerate(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 40):
            try:
                slow.sendall(bytes([byte]))
            except OSError:
                break
            if i == 4:
                served = request(port, "GET", "/health", timeout=5)[0]
            slow.settimeout(0.25)
            try:
                chunk = slow.recv(4096)
                got += chunk
                if not chunk or got:
                    break
            except socket.timeout:
                pass
            if time.time() - t0 > 8:
                break
        slow.settimeout(5)
        try:
            while True:
                chunk = slow.recv(4096)
                if not chunk:
                    break
                got += chunk
        except OSError:
            pass
        elapsed = time.time() - t0
        slow.close()
        check(b" 408 " in got and 1.5 < elapsed < 5,
              "slowloris: %r after %.1f s" % (got[:60], elapsed))
        check(served == 200, "another client during slowloris: %s" % served)

        # Idle connections close after --keep-alive-timeout 1.5 s: one that
        # never sends, one after a request.
        for after_request in (False, True):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            if after_request:
                s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                s.recv(4096)
            t0 = time.time()
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            elapsed = time.time() - t0
            s.close()
            check(data == b"" and 1.0 < elapsed < 4,
                  "idle (after a request: %s) closed after %.1f s: %r" % (after_request, elapsed, data[:40]))
    finally:
        rc = stop_server(server, reader)
    check(rc == 0, "exit status: %s" % rc)

    # The access log: one JSON line per answered request.
    log = []
    for line in lines:
        if line.startswith("{"):
            try:
                log.append(json.loads(line))
            except ValueError:
                check(False, "access log line not JSON: %r" % line)
    keys = {"time", "method", "path", "status", "duration_ms", "request_id",
            "prompt_tokens", "completion_tokens", "client"}
    check(log and all(keys <= set(r) for r in log), "access log fields: %s" % log[:1])
    mine = [r for r in log if r.get("request_id") == "ops-test-1"]
    check(len(mine) == 1 and mine[0]["status"] == 200 and mine[0]["prompt_tokens"] == 4
          and mine[0]["completion_tokens"] == 5 and mine[0]["path"] == "/v1/completions"
          and mine[0]["client"].startswith("127.0.0.1:"),
          "access log of the completion: %s" % mine)
    check(any(r["status"] == 401 for r in log) and any(r["status"] == 429 for r in log)
          and any(r["status"] == 499 for r in log),
          "access log has 401, 429 and 499 lines: %s" % sorted({r["status"] for r in log}))
    cut = [r for r in log if r.get("request_id") == "ops-stream"]
    check(len(cut) == 1 and cut[0]["status"] == 499 and cut[0]["completion_tokens"] < 1000,
          "access log of the stream closed early: %s" % cut)
    return "".join(lines)


def check_connection_limit_and_drain(llmrun, plan):
    # --max-connections 4: a fifth connection gets 503 at once. (Room for
    # the /metrics polls beside one busy connection below.)
    server, port, lines, reader = start_server(
        llmrun, plan, ["--max-connections", "4", "--keep-alive-timeout", "30",
                       "--drain-timeout", "1", "--no-access-log",
                       "--send-timeout", "1", "--send-buffer-bytes", "4096"])
    try:
        time.sleep(1)  # the start-up health checks' connections end
        held = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(4)]
        time.sleep(0.5)
        third = socket.create_connection(("127.0.0.1", port), timeout=10)
        data = b""
        try:
            while True:
                chunk = third.recv(4096)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        third.close()
        check(data.startswith(b"HTTP/1.1 503") and b"Retry-After: 1" in data,
              "over --max-connections: %r" % data[:80])
        for s in held:
            s.close()
        check(wait_for(lambda: request(port, "GET", "/health", timeout=5)[0] == 200, 5),
              "served again once connections closed")

        # A client that stops reading a stream: with small socket buffers a
        # write blocks, and after --send-timeout 1 s the connection is cut
        # (the stream ends without [DONE]); a request still generating is
        # cancelled.
        stalled = socket.socket()
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        stalled.connect(("127.0.0.1", port))
        stalled.sendall(raw_request(port, "/v1/completions", long_body(1000, stream=True)))
        # Generation goes on while the handler's write blocks; once it ended
        # (cancelled or not), the blocked write has met the timeout within
        # a second more.
        check(wait_for(lambda: value(metrics(port), "llmc:num_requests_running") == 1, 10)
              and wait_for(lambda: value(metrics(port), "llmc:num_requests_running") == 0, 30),
              "the stalled reader's request ends")
        time.sleep(2.5)
        got = b""
        stalled.settimeout(5)
        try:
            while len(got) < (1 << 22):
                chunk = stalled.recv(65536)
                if not chunk:
                    break
                got += chunk
        except OSError:
            pass
        stalled.close()
        check(b"data: " in got and b"[DONE]" not in got and got.count(b"data: ") < 1000,
              "a stalled reader is cut: %d events, [DONE] %s"
              % (got.count(b"data: "), b"[DONE]" in got))

        # SIGTERM with a request longer than --drain-timeout 1 s: cancelled
        # (500), exit 0 within a few seconds.
        result = {}

        def long_worker():
            try:
                result["r"] = request(port, "POST", "/v1/completions", long_body(900))
            except OSError as e:
                result["r"] = (None, None, str(e).encode())
        t = threading.Thread(target=long_worker)
        t.start()
        check(wait_for(lambda: value(metrics(port), "llmc:num_requests_running") == 1, 10),
              "the long request runs")
        t0 = time.time()
        server.send_signal(signal.SIGTERM)
        t.join(20)
        status, _, payload = result.get("r", (None, None, b""))
        check(status == 500 and b"shutting down" in payload,
              "request cut by --drain-timeout: %s %s" % (status, payload[:150]))
        rc = stop_server(server, reader, sig=None, wait=20)
        check(rc == 0 and time.time() - t0 < 8,
              "exit after drain timeout: %s after %.1f s" % (rc, time.time() - t0))
    finally:
        stop_server(server, reader, sig=signal.SIGKILL, wait=5)
    return "".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--plan", help="a kjv plan compiled as below (skips the compile)")
    args = ap.parse_args()
    llmc = os.path.join(args.build, "bin", "llmc")
    llmrun = os.path.join(args.build, "bin", "llmrun")
    start = time.time()
    tmp = tempfile.mkdtemp(prefix="llmc_serving_ops_")
    plan = args.plan or os.path.join(tmp, "kjv.plan")
    if not args.plan:
        compile_kjv(llmc, plan, "--max-batch", "1", "--max-num-tokens", "16")
    err = check_main_server(llmrun, plan)
    err += check_connection_limit_and_drain(llmrun, plan)
    err = "".join(l for l in err.splitlines(True) if '"path":"/metrics"' not in l)
    return report("serving_operations", err, start)


if __name__ == "__main__":
    sys.exit(main())
