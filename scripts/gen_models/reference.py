"""The test prompts and the ONNX Runtime greedy reference of the generation
tests, shared by the model generators (common.py) and
test/peer/generation_ort.py. Needs only numpy (no torch, no onnx).

    import reference
    reqs = reference.test_requests(vocab)            # 16 prompts, 24 new tokens each
    refs = reference.ort_references("m.onnx", reqs)  # test/peer/ort_generate.js

A reference is {"id", "output_ids", "margins", "min_margin"}: margins[k] is
ORT's top-1 minus top-2 logit at the step that chose output_ids[k].
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PEER = os.path.join(ROOT, "test", "peer")
ORT_GENERATE = os.path.join(PEER, "ort_generate.js")

MIN_MARGIN = 0.05          # what generation_ort.py requires of the ORT reference
MAX_NEW_TOKENS = 24
# Lengths of the 16 test prompts (all 1..60): the first 8 are the reference
# set, all 16 form the mixed batch of the batch-independence checks.
PROMPT_LENGTHS = [1, 2, 7, 16, 31, 45, 60, 23, 3, 12, 24, 5, 38, 53, 9, 60]


def test_prompts(vocab, seed=0):
    """The 16 test prompts (lists of in-vocabulary ids) for a model's vocab."""
    rng = np.random.default_rng(1000 + seed)
    return [[int(t) for t in rng.integers(0, vocab, n)] for n in PROMPT_LENGTHS]


def test_requests(vocab, max_tokens=MAX_NEW_TOKENS, seed=0):
    return [{"id": "r%d" % k, "prompt_ids": p, "max_tokens": max_tokens}
            for k, p in enumerate(test_prompts(vocab, seed))]


def _ort_peer():
    if PEER not in sys.path:
        sys.path.insert(0, PEER)
    import ort_peer
    return ort_peer


def ort_status():
    """(ok, why): whether node + onnxruntime-node are installed."""
    return _ort_peer().ort_available()


def ort_references(model_path, requests, timeout=600, opt=None, threads=None):
    """Runs test/peer/ort_generate.js on `requests`; returns its result list
    (in request order). Raises RuntimeError when ORT is unavailable or fails.
    opt / threads: ORT's graph optimization level and intra-op threads
    (default: disabled, 1)."""
    ort_peer = _ort_peer()
    ok, why = ort_peer.ort_available()
    if not ok:
        raise RuntimeError("ONNX Runtime unavailable: " + why)
    work = tempfile.mkdtemp(prefix="llmc-ortgen-")
    try:
        req, out = os.path.join(work, "requests.json"), os.path.join(work, "out.json")
        with open(req, "w") as f:
            json.dump(requests, f)
        env = dict(os.environ, LLMC_ORT_DIR=ort_peer.ort_dir())
        cmd = [ort_peer.node_exe(), ORT_GENERATE, os.path.abspath(model_path), req, out]
        if threads:
            cmd += ["--threads", str(threads)]
        if opt:
            cmd += ["--opt", opt]
        try:
            p = subprocess.run(cmd,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise RuntimeError("ort_generate.js timed out after %ds" % timeout)
        if p.returncode != 0:
            lines = p.stderr.decode(errors="replace").strip().splitlines()
            raise RuntimeError(lines[-1] if lines else "ort_generate.js exit %d" % p.returncode)
        with open(out) as f:
            refs = json.load(f)
        if [r["id"] for r in refs] != [r["id"] for r in requests]:
            raise RuntimeError("ort_generate.js returned other requests than asked for")
        return refs
    finally:
        shutil.rmtree(work, ignore_errors=True)


def summarize(refs):
    """(min margin, distinct generated ids, total generated) of a reference list."""
    ids = [t for r in refs for t in r["output_ids"]]
    return min(r["min_margin"] for r in refs), len(set(ids)), len(ids)


def compare_refs(a, b):
    """Ids of the requests whose output_ids differ between two result lists."""
    return [x["id"] for x, y in zip(a, b) if x["output_ids"] != y["output_ids"]]
