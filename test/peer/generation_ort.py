#!/usr/bin/python3
"""Generation end to end against ONNX Runtime: `llmrun --batch` on llmc
generation plans vs greedy decoding with ONNX Runtime 1.30.

    /usr/bin/python3 test/peer/generation_ort.py --build BUILD_DIR [--keep DIR]
        [--filter REGEX] [--regenerate] [--timeout S]

Models (scripts/gen_models/make_models.py; the committed copies in
test/peer/models/ are used, else -- or with --regenerate -- they are
generated into BUILD_DIR/generation_ort/models, which needs torch): a Llama
with GQA, a Qwen2-style decoder (q/k/v bias, rope theta 1e6), a GPT-2-style
decoder (LayerNorm, learned positions, fused c_attn, tanh GELU, tied head)
and a Llama with int4 com.microsoft MatMulNBits linear layers, all
torch.onnx.export'ed past/present decoders (HF/Optimum names); and the Llama
with GQA's weights in the two other exporter forms (scripts/gen_models/
forms.py): llama_gqa_genai, the onnxruntime-genai builder form
(GroupQueryAttention with do_rotary, Skip/SimplifiedLayerNormalization, no
position_ids input: positions come from attention_mask via seqlens_k), and
llama_gqa_onnx23, ONNX opset 23 (Attention with past/present, RotaryEmbedding,
RMSNormalization).

Per model:
  1. the reference: 16 prompts of random in-vocabulary ids, lengths 1..60
     (scripts/gen_models/reference.py), 24 new tokens each, greedy with a
     real KV-cache loop in ONNX Runtime (test/peer/ort_generate.js). Every
     step's top-1 minus top-2 logit margin must exceed 0.05, else the model
     is ill-conditioned and the comparison meaningless (a failure);
  2. `llmc compile MODEL.onnx -o M.plan --max-batch 16 --max-num-tokens 64
     --max-seq-len 128` (a generation plan, docs/kv-cache.md);
  3. `llmrun M.plan --batch REQ.jsonl -o OUT.jsonl` with all 16 requests
     ({"id", "prompt_ids", "max_tokens": 24, "temperature": 0}): output_ids
     must equal ONNX Runtime's exactly;
  4. batch independence: every request submitted alone gives the same tokens;
  5. preemption: all 16 again with a KV cache of blocks for ~3 sequences
     (llmrun --kv-cache-blocks, or --kv-blocks in older llmruns; page size
     16) gives the same tokens, and the stderr summary, when it reports
     preemptions, reports more than 0.

Exits 0 with "SKIP: <reason>" when ONNX Runtime is not installed
(scripts/setup_ort.sh), non-zero on any mismatch or tool failure.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
GEN = os.path.join(ROOT, "scripts", "gen_models")
sys.path.insert(0, HERE)
sys.path.insert(0, GEN)
import ort_peer  # noqa: E402
import reference  # noqa: E402  (scripts/gen_models/reference.py: prompts + ORT reference)

MODELS = ["llama_gqa", "qwen2", "gpt2", "llama_int4", "llama_gqa_genai", "llama_gqa_onnx23"]
# Models written by scripts/gen_models/forms.py (llama_gqa's weights in the
# other exporter forms); the rest come from make_models.py.
FORMS = {"llama_gqa_genai", "llama_gqa_onnx23"}
COMMITTED = os.path.join(HERE, "models")
COMPILE_ARGS = ["--max-batch", "16", "--max-num-tokens", "64", "--max-seq-len", "128"]
PAGE_SIZE = 16            # llmc compile's default --page-size (docs/kv-cache.md)
PREEMPT_SEQS = 3          # the small cache holds the longest sequence this many times
SINGLES = 16              # requests also run alone (all of them)


class Failure(Exception):
    pass


def tail(text, n=6):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return " | ".join(lines[-n:]) if lines else "(no output)"


def run(cmd, timeout, what):
    t0 = time.time()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Failure("%s timed out after %ds: %s" % (what, timeout, " ".join(cmd)))
    out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    if p.returncode != 0:
        raise Failure("%s failed (exit %d): %s\n    command: %s"
                      % (what, p.returncode, tail(err + "\n" + out), " ".join(cmd)))
    return out, err, time.time() - t0


def vocab_of(model_path):
    import onnx
    m = onnx.load(model_path, load_external_data=False)
    for o in m.graph.output:
        if o.name == "logits":
            d = o.type.tensor_type.shape.dim[-1]
            if d.HasField("dim_value") and d.dim_value > 0:
                return d.dim_value
    raise Failure("%s: no logits output with a static vocabulary dim" % model_path)


def model_path(name, args, gen_dir):
    committed = os.path.join(COMMITTED, name + ".onnx")
    if os.path.exists(committed) and not args.regenerate:
        return committed
    path = os.path.join(gen_dir, name + ".onnx")
    if os.path.exists(path) and not args.regenerate:
        return path
    script = "forms.py" if name in FORMS else "make_models.py"
    cmd = ["/usr/bin/python3", os.path.join(GEN, script), gen_dir, "--only", name]
    run(cmd, args.timeout, "generating %s" % name)
    return path


def kv_blocks_flag(llmrun, timeout):
    """llmrun's option for the number of KV cache blocks."""
    p = subprocess.run([llmrun, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    text = p.stdout.decode(errors="replace")
    for flag in ("--kv-cache-blocks", "--kv-blocks"):
        if re.search(re.escape(flag) + r"\b", text):
            return flag
    return None


def write_jsonl(path, requests):
    with open(path, "w") as f:
        for r in requests:
            f.write(json.dumps({"id": r["id"], "prompt_ids": r["prompt_ids"],
                                "max_tokens": r["max_tokens"], "temperature": 0}) + "\n")


def read_results(path, requests, what):
    if not os.path.exists(path):
        raise Failure("%s: llmrun wrote no %s" % (what, path))
    got = {}
    with open(path) as f:
        for k, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
            except ValueError as e:
                raise Failure("%s: %s:%d is not JSON: %s" % (what, path, k, e))
            got[r.get("id")] = r
    for r in requests:
        if r["id"] not in got:
            raise Failure("%s: no result for request %s" % (what, r["id"]))
        res = got[r["id"]]
        if res.get("finish_reason") == "error":
            raise Failure("%s: request %s finished with an error: %s" % (what, r["id"], res.get("error")))
        if not isinstance(res.get("output_ids"), list):
            raise Failure("%s: request %s: no output_ids list in %s" % (what, r["id"], json.dumps(res)[:200]))
    return [got[r["id"]]["output_ids"] for r in requests]


def llmrun_batch(llmrun, plan, requests, work, tag, timeout, extra=()):
    req, out = os.path.join(work, tag + ".jsonl"), os.path.join(work, tag + ".out.jsonl")
    write_jsonl(req, requests)
    cmd = [llmrun, plan, "--batch", req, "-o", out] + list(extra)
    _, err, secs = run(cmd, timeout, "llmrun --batch (%s)" % tag)
    return read_results(out, requests, "llmrun --batch (%s)" % tag), err, secs


def mismatches(requests, got, want, want_what, margins=None):
    """Lines describing every request whose tokens differ."""
    lines = []
    for k, r in enumerate(requests):
        g, w = got[k], want[k]
        if g == w:
            continue
        i = next((j for j in range(min(len(g), len(w))) if g[j] != w[j]), min(len(g), len(w)))
        m = ""
        if margins is not None and i < len(margins[k]):
            m = " (%s margin there %.3f)" % (want_what, margins[k][i])
        lines.append("%s (prompt of %d): first difference at new token %d: llmrun %s, %s %s%s"
                     % (r["id"], len(r["prompt_ids"]), i, g[i:i + 6] if i < len(g) else "[] (%d tokens)" % len(g),
                        want_what, w[i:i + 6] if i < len(w) else "[] (%d tokens)" % len(w), m))
    return lines


def check(what, requests, got, want, want_what, margins=None):
    bad = mismatches(requests, got, want, want_what, margins)
    if bad:
        more = ["... and %d more" % (len(bad) - 8)] if len(bad) > 8 else []
        raise Failure("%s: %d of %d requests differ from %s:\n      %s"
                      % (what, len(bad), len(requests), want_what, "\n      ".join(bad[:8] + more)))


def preemptions(stderr):
    m = re.findall(r"(\d+)\s+preemptions?\b", stderr)
    return int(m[-1]) if m else None


def test_model(name, path, args, work, kv_flag):
    llmc = os.path.join(args.build, "bin", "llmc")
    llmrun = os.path.join(args.build, "bin", "llmrun")
    vocab = vocab_of(path)
    requests = reference.test_requests(vocab)
    notes = []

    # 1. the ONNX Runtime reference
    t0 = time.time()
    try:
        refs = reference.ort_references(path, requests, timeout=args.timeout)
    except RuntimeError as e:
        raise Failure("ONNX Runtime reference: %s" % e)
    want = [r["output_ids"] for r in refs]
    margins = [r["margins"] for r in refs]
    low = [(r["id"], r["min_margin"]) for r in refs if not r["min_margin"] > reference.MIN_MARGIN]
    if low:
        raise Failure("ill-conditioned model: ORT top-1/top-2 margin <= %g in %s (regenerate with "
                      "scripts/gen_models/make_models.py)" % (reference.MIN_MARGIN,
                                                              ", ".join("%s: %.4f" % x for x in low)))
    min_margin = min(r["min_margin"] for r in refs)
    notes.append("ORT %.1fs, min margin %.3f" % (time.time() - t0, min_margin))

    # 2. compile a generation plan
    plan = os.path.join(work, name + ".plan")
    _, _, secs = run([llmc, "compile", path, "-o", plan] + COMPILE_ARGS, args.timeout, "llmc compile")
    notes.append("compile %.1fs" % secs)

    # 3. all requests in one batch vs ORT
    together, _, secs = llmrun_batch(llmrun, plan, requests, work, "batch", args.timeout)
    check("llmrun --batch (16 requests together)", requests, together, want, "ORT", margins)
    notes.append("batch %.1fs" % secs)

    # 4. each request alone
    t0 = time.time()
    for k, r in enumerate(requests[:SINGLES]):
        alone, _, _ = llmrun_batch(llmrun, plan, [r], work, "alone_%s" % r["id"], args.timeout)
        check("llmrun --batch (%s alone)" % r["id"], [r], alone, [together[k]], "the batched run")
    notes.append("%d alone %.1fs" % (min(SINGLES, len(requests)), time.time() - t0))

    # 5. a small KV cache: preemption and recompute
    if kv_flag is None:
        notes.append("preemption not checked: llmrun has no --kv-cache-blocks/--kv-blocks")
    else:
        longest = max(len(r["prompt_ids"]) + r["max_tokens"] for r in requests)
        blocks = PREEMPT_SEQS * (-(-longest // PAGE_SIZE))
        small, err, secs = llmrun_batch(llmrun, plan, requests, work, "preempt", args.timeout,
                                        [kv_flag, str(blocks)])
        check("llmrun --batch %s %d" % (kv_flag, blocks), requests, small, together, "the batched run")
        n = preemptions(err)
        if n is not None and n <= 0:
            raise Failure("llmrun --batch %s %d: expected preemptions with a cache of %d blocks for 16 "
                          "sequences of up to %d tokens, the summary says %d (%s)"
                          % (kv_flag, blocks, blocks, longest, n, tail(err, 1)))
        notes.append("%s %d: %s preemptions %.1fs" % (kv_flag, blocks, "?" if n is None else n, secs))
    return notes


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--filter", default="", help="regex on model names")
    ap.add_argument("--keep", help="write plans, requests and results under this directory")
    ap.add_argument("--regenerate", action="store_true",
                    help="generate the models (into BUILD/generation_ort/models) instead of using test/peer/models")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per tool run")
    args = ap.parse_args()

    ok, why = ort_peer.ort_available()
    if not ok:
        print("generation_ort: SKIP: ONNX Runtime unavailable: %s" % why)
        return 0
    for tool in ("llmc", "llmrun"):
        if not os.access(os.path.join(args.build, "bin", tool), os.X_OK):
            print("generation_ort: ERROR: %s not found in %s/bin" % (tool, args.build))
            return 2
    kv_flag = kv_blocks_flag(os.path.join(args.build, "bin", "llmrun"), args.timeout)

    work = args.keep or tempfile.mkdtemp(prefix="llmc-generation-ort-")
    os.makedirs(work, exist_ok=True)
    gen_dir = os.path.join(args.build, "generation_ort", "models")
    failures = ran = 0
    try:
        for name in MODELS:
            if args.filter and not re.search(args.filter, name):
                continue
            ran += 1
            mwork = os.path.join(work, name)
            os.makedirs(mwork, exist_ok=True)
            try:
                path = model_path(name, args, gen_dir)
                notes = test_model(name, path, args, mwork, kv_flag)
            except (Failure, OSError, subprocess.SubprocessError) as e:
                failures += 1
                print("FAIL %-11s %s" % (name, e), flush=True)
                continue
            print("PASS %-11s %s" % (name, "; ".join(notes)), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("generation_ort: %d of %d models generate exactly ONNX Runtime's greedy tokens"
          % (ran - failures, ran))
    return 1 if failures or not ran else 0


if __name__ == "__main__":
    sys.exit(main())
