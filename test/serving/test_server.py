#!/usr/bin/env python3
"""llmrun's HTTP server (docs/serving.md) end to end, python stdlib only.

Compiles test/peer/models/llama_gqa.onnx into a small generation plan
(--max-batch 4 --max-num-tokens 16), generates for a few prompts with
`llmrun --batch`, then starts `llmrun PLAN --port P` and checks:
  - greedy and seeded completions over HTTP equal --batch's output ids;
  - concurrent requests (more than the plan's batch) all complete and match;
  - streaming yields the same tokens, then `data: [DONE]`;
  - /health, /v1/models, usage and finish_reason;
  - bad requests get the right status and an OpenAI error object;
  - SIGTERM finishes an in-flight request and exits 0.
Then compiles models/kjv with its tokenizer and checks that a text prompt
gives --batch's ids and text, streamed or not.
Usage: test_server.py --build BUILD_DIR
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

from serving_common import (ROOT, check, compile_kjv, compile_plan, report, request,
                            start_server as start_llmrun)

MODEL = os.path.join(ROOT, "test", "peer", "models", "llama_gqa.onnx")


class Client:
    def __init__(self, port):
        self.port = port

    def request(self, method, path, body=None, raw=None, headers=None):
        status, h, payload = request(self.port, method, path, body, headers, raw=raw)
        return status, h.get("Content-Type", ""), payload

    def json(self, method, path, body=None, raw=None):
        status, ctype, payload = self.request(method, path, body, raw)
        return status, json.loads(payload) if payload else None

    def stream(self, body):
        status, h, buf = request(self.port, "POST", "/v1/completions", body)
        events = []
        for block in buf.decode().split("\n\n"):
            if block.strip():
                assert block.startswith("data: "), block
                events.append(block[len("data: "):])
        return status, h.get("Content-Type", ""), events


def start_server(llmrun, plan, extra=()):
    server, port, lines, reader = start_llmrun(llmrun, plan, extra)
    return server, Client(port), lines, reader


def check_text_prompts(llmc, llmrun, tmp):
    plan = os.path.join(tmp, "kjv.plan")
    compile_kjv(llmc, plan, "--max-batch", "4", "--max-num-tokens", "16", timeout=180)
    prompts = ["In the beginning", "And the LORD said unto Moses,"]
    batch_in = os.path.join(tmp, "text.jsonl")
    batch_out = os.path.join(tmp, "text_results.jsonl")
    with open(batch_in, "w") as f:
        for i, p in enumerate(prompts):
            f.write(json.dumps({"id": "t%d" % i, "prompt": p, "max_tokens": 24,
                                "temperature": 0}) + "\n")
    subprocess.run([llmrun, plan, "--batch", batch_in, "-o", batch_out], check=True,
                   timeout=120, stderr=subprocess.DEVNULL)
    with open(batch_out) as f:
        expected = [json.loads(line) for line in f]
    server, client, lines, reader = start_server(llmrun, plan)
    try:
        for p, want in zip(prompts, expected):
            body = {"prompt": p, "max_tokens": 24, "temperature": 0}
            status, resp = client.json("POST", "/v1/completions", body)
            ok = status == 200
            check(ok, "text %r: %s %s" % (p, status, resp))
            if not ok:
                continue
            c = resp["choices"][0]
            check(c["token_ids"] == want["output_ids"] and c["text"] == want["text"],
                  "text %r: %r %s != --batch %r %s" % (p, c["text"], c["token_ids"],
                                                      want["text"], want["output_ids"]))
            check(resp["usage"]["prompt_tokens"] > 0, "text %r: usage %s" % (p, resp["usage"]))
            status, _, events = client.stream(dict(body, stream=True))
            chunks = [json.loads(e) for e in events[:-1]]
            text = "".join(ch["choices"][0]["text"] for ch in chunks)
            check(status == 200 and events[-1] == "[DONE]" and text == want["text"],
                  "text %r streamed: %r != %r" % (p, text, want["text"]))
        server.send_signal(signal.SIGINT)
        check(server.wait(30) == 0, "SIGINT exit status")
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        reader.join(5)
    return "".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--skip-text", action="store_true",
                    help="skip the text-prompt checks on models/kjv (~20 s compile)")
    args = ap.parse_args()
    llmc = os.path.join(args.build, "bin", "llmc")
    llmrun = os.path.join(args.build, "bin", "llmrun")
    start = time.time()
    tmp = tempfile.mkdtemp(prefix="llmc_serving_")
    plan = os.path.join(tmp, "llama_gqa.plan")
    compile_plan(llmc, MODEL, plan, "--max-batch", "4", "--max-num-tokens", "16", timeout=120)

    # Prompts of 3 to 37 tokens (longer than the 16-token step: chunked
    # prefill); one sampled request with a seed.
    requests = []
    for i, n in enumerate([3, 9, 17, 37, 5, 24]):
        ids = [(7 * i + 13 * j + 1) % 200 + 1 for j in range(n)]
        requests.append({"id": "r%d" % i, "prompt_ids": ids,
                         "max_tokens": 10 + i, "temperature": 0})
    requests.append({"id": "seeded", "prompt_ids": [5, 6, 7, 8],
                     "max_tokens": 12, "temperature": 0.9, "top_k": 50,
                     "seed": 1234})
    batch_in = os.path.join(tmp, "requests.jsonl")
    batch_out = os.path.join(tmp, "results.jsonl")
    with open(batch_in, "w") as f:
        for r in requests:
            f.write(json.dumps(r) + "\n")
    subprocess.run([llmrun, plan, "--batch", batch_in, "-o", batch_out],
                   check=True, timeout=120)
    expected = {}
    with open(batch_out) as f:
        for line in f:
            r = json.loads(line)
            expected[r["id"]] = (r["output_ids"], r["finish_reason"])

    def body_of(r, **extra):
        b = {"model": "llama_gqa", "prompt": r["prompt_ids"],
             "max_tokens": r["max_tokens"], "temperature": r["temperature"]}
        for k in ("top_k", "seed"):
            if k in r:
                b[k] = r[k]
        b.update(extra)
        return b

    server, client, lines, reader = start_server(llmrun, plan, ["--max-request-bytes", "65536"])
    try:
        status, models = client.json("GET", "/v1/models")
        check(status == 200 and models["data"][0]["id"] == "llama_gqa",
              "/v1/models: %s %s" % (status, models))

        # Sequential, non-streaming.
        for r in requests:
            status, resp = client.json("POST", "/v1/completions", body_of(r))
            want_ids, want_finish = expected[r["id"]]
            ok = status == 200
            check(ok, "%s: status %s %s" % (r["id"], status, resp))
            if not ok:
                continue
            choice = resp["choices"][0]
            check(choice["token_ids"] == want_ids,
                  "%s: %s != --batch %s" % (r["id"], choice["token_ids"], want_ids))
            check(choice["finish_reason"] == want_finish,
                  "%s: finish_reason %s != %s" % (r["id"], choice["finish_reason"], want_finish))
            u = resp["usage"]
            check(u == {"prompt_tokens": len(r["prompt_ids"]),
                        "completion_tokens": len(want_ids),
                        "total_tokens": len(r["prompt_ids"]) + len(want_ids)},
                  "%s: usage %s" % (r["id"], u))
            check(resp["object"] == "text_completion" and resp["model"] == "llama_gqa",
                  "%s: envelope %s" % (r["id"], resp))

        # Concurrent: every request twice at once (14 > the plan's batch of 4).
        results = {}

        def worker(key, r):
            try:
                results[key] = client.json("POST", "/v1/completions", body_of(r))
            except Exception as e:  # noqa: BLE001
                results[key] = (None, str(e))
        threads = [threading.Thread(target=worker, args=((r["id"], k), r))
                   for k in range(2) for r in requests]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for (rid, k), (status, resp) in sorted(results.items()):
            ok = status == 200 and resp["choices"][0]["token_ids"] == expected[rid][0]
            check(ok, "concurrent %s#%d: %s %s" % (rid, k, status, resp))
        check(len(results) == 2 * len(requests), "concurrent: %d results" % len(results))

        # Streaming.
        for r in requests[2:4] + requests[-1:]:
            status, ctype, events = client.stream(body_of(r, stream=True))
            check(status == 200 and ctype.startswith("text/event-stream"),
                  "stream %s: %s %s" % (r["id"], status, ctype))
            check(events and events[-1] == "[DONE]", "stream %s: no [DONE]: %s" % (r["id"], events[-2:]))
            chunks = [json.loads(e) for e in events[:-1]]
            ids = [t for c in chunks for t in c["choices"][0]["token_ids"]]
            check(ids == expected[r["id"]][0],
                  "stream %s: %s != %s" % (r["id"], ids, expected[r["id"]][0]))
            check(chunks and chunks[-1]["choices"][0]["finish_reason"] == expected[r["id"]][1],
                  "stream %s: last chunk %s" % (r["id"], chunks[-1:]))
        status, _, events = client.stream(body_of(requests[0], stream=True,
                                                  stream_options={"include_usage": True}))
        usage = json.loads(events[-2]).get("usage") if len(events) >= 2 else None
        check(status == 200 and usage and usage["completion_tokens"] == len(expected["r0"][0]),
              "stream include_usage: %s" % events[-2:])

        # Errors: status, OpenAI error object, the field named.
        def expect_error(status_want, method, path, body=None, raw=None, param=None, words=()):
            status, ctype, payload = client.request(method, path, body, raw)
            try:
                err = json.loads(payload)["error"]
                shape = all(k in err for k in ("message", "type", "param", "code"))
            except (ValueError, KeyError, TypeError):
                err, shape = payload, False
            what = "%s %s %s -> %s %s" % (method, path, (raw or json.dumps(body))[:60] if (raw or body) else "", status, err)
            check(status == status_want and shape and "application/json" in ctype, what)
            if shape:
                if param is not None:
                    check(err["param"] == param, what + " (param)")
                for w in words:
                    check(w in err["message"], what + " (message lacks %r)" % w)
        base = {"prompt": [1, 2, 3], "max_tokens": 4}
        expect_error(400, "POST", "/v1/completions", raw="{not json")
        expect_error(400, "POST", "/v1/completions", raw="[1, 2]")
        expect_error(400, "POST", "/v1/completions", dict(base, max_tokens="4"), param="max_tokens")
        expect_error(400, "POST", "/v1/completions", dict(base, max_tokens=0), param="max_tokens")
        expect_error(400, "POST", "/v1/completions", dict(base, temperature=-1), param="temperature")
        expect_error(400, "POST", "/v1/completions", dict(base, stream="yes"), param="stream")
        expect_error(400, "POST", "/v1/completions", {"max_tokens": 4}, param="prompt")
        expect_error(400, "POST", "/v1/completions", dict(base, prompt=[]), param="prompt")
        expect_error(400, "POST", "/v1/completions", dict(base, prompt=[1, 99999]), param="prompt")
        expect_error(400, "POST", "/v1/completions", dict(base, prompt="text"), param="prompt",
                     words=("tokenizer",))
        expect_error(400, "POST", "/v1/completions", dict(base, prompt=[1] * 300), param="prompt",
                     words=("300", "256"))
        expect_error(400, "POST", "/v1/completions", dict(base, response_format={"type": "json_object"}),
                     param="response_format", words=("response_format",))
        expect_error(400, "POST", "/v1/completions", dict(base, tools=[]), param="tools")
        expect_error(400, "POST", "/v1/completions", dict(base, n=17), param="n")
        expect_error(400, "POST", "/v1/completions", dict(base, logprobs=21), param="logprobs")
        # Stop strings need a tokenizer to decode the output (this plan has none).
        expect_error(400, "POST", "/v1/completions", dict(base, stop=["\n"]), param="stop",
                     words=("tokenizer",))
        expect_error(404, "POST", "/v1/completions", dict(base, model="other"), param="model")
        expect_error(404, "GET", "/v1/nothing")
        expect_error(405, "GET", "/v1/completions")
        expect_error(405, "POST", "/health")
        expect_error(413, "POST", "/v1/completions", raw=json.dumps(dict(base, user="x" * 100000)))
        # Still serving after all that.
        status, resp = client.json("POST", "/v1/completions", body_of(requests[0]))
        check(status == 200 and resp["choices"][0]["token_ids"] == expected["r0"][0],
              "after errors: %s %s" % (status, resp))

        # SIGTERM with a request in flight: it completes, then exit 0.
        long_result = {}

        def long_worker():
            long_result["r"] = client.json("POST", "/v1/completions",
                                           {"prompt": [1, 2, 3], "max_tokens": 200,
                                            "temperature": 0, "ignore_eos": True})
        t = threading.Thread(target=long_worker)
        t.start()
        time.sleep(0.3)
        server.send_signal(signal.SIGTERM)
        t.join(60)
        status, resp = long_result.get("r", (None, None))
        check(status == 200 and len(resp["choices"][0]["token_ids"]) == 200,
              "in-flight request across SIGTERM: %s" % (status,))
        try:
            rc = server.wait(30)
        except subprocess.TimeoutExpired:
            rc = "timeout"
        check(rc == 0, "exit status after SIGTERM: %s" % rc)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        reader.join(5)
        err = "".join(lines)
    if not args.skip_text:
        err += check_text_prompts(llmc, llmrun, tmp)
    return report("serving", err, start)


if __name__ == "__main__":
    sys.exit(main())
