"""What the serving tests share (test_server.py, test_operations.py,
test_semantics.py, soak.py), python stdlib only: the checks' failure list,
`llmrun PLAN --port P` on a free loopback port, its shutdown, plain HTTP
requests and plan compiles.
"""
import http.client
import json
import os
import signal
import socket
import subprocess
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KJV = os.path.join(ROOT, "models", "kjv")

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None, headers=None, timeout=60, raw=None):
    """(status, {header: value}, payload bytes); `raw` is sent as the body
    instead of `body` as JSON."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    conn.request(method, path, body=data, headers=h)
    resp = conn.getresponse()
    payload = resp.read()
    conn.close()
    return resp.status, dict(resp.getheaders()), payload


def start_server(llmrun, plan, extra=(), timeout=60, on_loading=None, log=None, **popen):
    """Starts `llmrun PLAN --port P [extra]` and waits until GET /health
    answers 200. Its stderr (unless `popen` sends it elsewhere) is read all
    along into `lines` so a long log never fills the pipe. Each non-200
    answer while it starts goes to `on_loading(status, payload)`. When it
    does not come up, it is killed and the test exits with its log (`log()`,
    by default the lines). Returns (server, port, lines, reader)."""
    port = free_port()
    popen.setdefault("stderr", subprocess.PIPE)
    server = subprocess.Popen([llmrun, plan, "--port", str(port)] + list(extra),
                              text=True, **popen)
    lines, reader = [], None
    if server.stderr is not None:
        reader = threading.Thread(target=lambda: lines.extend(server.stderr), daemon=True)
        reader.start()
    deadline = time.time() + timeout
    while True:
        try:
            # The server listens before it loads the plan: 503 "loading".
            status, _, payload = request(port, "GET", "/health", timeout=5)
            if status == 200:
                return server, port, lines, reader
            if on_loading:
                on_loading(status, payload)
        except OSError:
            pass
        if time.time() > deadline or server.poll() is not None:
            server.kill()
            server.wait()
            if reader:
                reader.join(5)
            raise SystemExit("server did not come up: " + (log() if log else "".join(lines)))
        time.sleep(0.1)


def stop_server(server, reader=None, sig=signal.SIGTERM, wait=30):
    """Sends `sig` (none when None) and waits up to `wait` s; kills it after
    that. Returns the exit status, or "timeout" when it had to be killed."""
    if sig is not None and server.poll() is None:
        server.send_signal(sig)
    try:
        rc = server.wait(wait)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
        rc = "timeout"
    if reader:
        reader.join(5)
    return rc


def compile_plan(llmc, model, plan, *flags, timeout=300):
    """`llmc compile MODEL -o PLAN FLAGS...`; raises when it fails."""
    subprocess.run([llmc, "compile", model, "-o", plan] + list(flags), check=True,
                   timeout=timeout)


def compile_kjv(llmc, plan, *flags, timeout=300):
    """models/kjv with its tokenizer."""
    compile_plan(llmc, os.path.join(KJV, "kjv.onnx"), plan,
                 "--tokenizer", os.path.join(KJV, "tokenizer.model"), *flags,
                 timeout=timeout)


def report(name, log, started):
    """The test's exit status: with failures, the server's `log` and their
    count; else that `name` passed."""
    if failures:
        print(log)
        print("%d failures" % len(failures))
        return 1
    print("%s: all checks passed in %.1f s" % (name, time.time() - started))
    return 0
