"""Shared pieces of the test-model generators (scripts/gen_models/).

Every generator builds a plain torch decoder from a seed, exports it with
torch.onnx.export (opset 14) in the HF/Optimum past/present convention
(models/kjv/model.py's export_onnx: inputs input_ids, attention_mask,
position_ids, past_key_values.{i}.key|value; outputs logits,
present.{i}.key|value; symbolic batch / sequence / past dims) and checks
that the model is well-conditioned for the generation test: along the greedy
trajectory of every test prompt (reference.test_prompts()), the top-1 minus
top-2 logit margin stays above GEN_MARGIN (twice the test's MIN_MARGIN) at
every step, so that fp32 rounding differences between implementations cannot
flip a token; and the model is neither degenerate (few distinct generated
ids) nor nearly bigram (context_sensitivity()).

The prompts and the ORT reference live in reference.py (numpy only), so that
the generators and test/peer/generation_ort.py check the same trajectories.

Needs /usr/bin/python3 with torch 1.13, onnx 1.12 and numpy; the ORT check
also needs node and onnxruntime-node (scripts/setup_ort.sh).
"""
import os
import shutil
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "models", "kjv"))
sys.path.insert(0, HERE)
import model as kjv  # noqa: E402  (models/kjv/model.py)
from reference import (MIN_MARGIN, compare_refs, ort_references, ort_status,  # noqa: E402,F401
                       summarize, test_requests)

OPSET = 14
GEN_MARGIN = 0.1           # what the generators require (of torch and of ORT): headroom over MIN_MARGIN
MIN_SENSITIVITY = 0.5      # context_sensitivity() the generators require
MIN_DISTINCT = 0.25        # distinct generated ids / min(vocab, generated ids) required


# --- torch side -----------------------------------------------------------------

@torch.no_grad()
def torch_greedy(model, prompt_ids, max_new_tokens, n_layers, kv_heads, head_dim):
    """Greedy continuation with the KV cache (the same loop as ort_generate.js):
    returns (new ids, per-step top1 - top2 margins)."""
    ids = torch.tensor([prompt_ids], dtype=torch.int64)
    past = [torch.zeros(1, kv_heads, 0, head_dim) for _ in range(2 * n_layers)]
    out, margins, pos = [], [], 0
    for _ in range(max_new_tokens):
        q = ids.shape[1]
        mask = torch.ones(1, pos + q, dtype=torch.int64)
        position_ids = torch.arange(pos, pos + q, dtype=torch.int64).unsqueeze(0)
        res = model(ids, mask, position_ids, *past)
        logits, past = res[0], list(res[1:])
        top = torch.topk(logits[0, -1].double(), 2)
        nxt = int(torch.argmax(logits[0, -1]))
        out.append(nxt)
        margins.append(float(top.values[0] - top.values[1]))
        pos += q
        ids = torch.tensor([[nxt]], dtype=torch.int64)
    return out, margins


def torch_references(model, cfg, requests):
    res = []
    for r in requests:
        ids, margins = torch_greedy(model, r["prompt_ids"], r["max_tokens"], cfg.num_hidden_layers,
                                    cfg.num_key_value_heads, cfg.head_dim)
        res.append({"id": r["id"], "output_ids": ids, "margins": margins, "min_margin": min(margins)})
    return res


# --- ONNX side ------------------------------------------------------------------

def export(model, path):
    """Exports `model` (its .config has num_hidden_layers, num_key_value_heads,
    head_dim, vocab_size) in the past/present convention at opset 14 and
    returns the ModelProto (not yet saved; the exporter's file is
    overwritten by save())."""
    return kjv.export_onnx(model, path, OPSET)


def save(m, path):
    import onnx
    m.producer_name = "llmc-gen-models"
    onnx.checker.check_model(m)
    onnx.save(m, path)


# --- the generator loop -------------------------------------------------------------

def generate(name, build, out_path, seed, max_tries=200, require_ort=False, verbose=True):
    """Tries seeds seed, seed+1, ... until build(seed) -> (torch model, cfg,
    finish) is well-conditioned on the test prompts in torch (margins above
    GEN_MARGIN, context_sensitivity() at least MIN_SENSITIVITY, at least
    MIN_DISTINCT distinct generated ids) and, when ORT is installed, in ONNX
    Runtime (which must also produce the same tokens as torch);
    writes the ONNX model (finish(model, ModelProto) -> ModelProto may
    rewrite the export) to out_path. Returns a summary dict."""
    ok_ort, why = ort_status()
    if require_ort and not ok_ort:
        raise RuntimeError("ONNX Runtime unavailable: " + why)
    work = tempfile.mkdtemp(prefix="llmc-genmodel-")
    try:
        for s in range(seed, seed + max_tries):
            model, cfg, finish = build(s)
            reqs = test_requests(cfg.vocab_size)
            tref = torch_references(model, cfg, reqs)
            tmin, distinct, total = summarize(tref)
            if tmin <= GEN_MARGIN:
                if verbose:
                    print("%s: seed %d: torch margin %.4f too small, next seed" % (name, s, tmin), flush=True)
                continue
            if distinct < MIN_DISTINCT * min(cfg.vocab_size, total):
                if verbose:
                    print("%s: seed %d: only %d distinct generated ids, next seed" % (name, s, distinct), flush=True)
                continue
            sens = context_sensitivity(model, cfg, reqs, tref)
            if sens < MIN_SENSITIVITY:
                if verbose:
                    print("%s: seed %d: context sensitivity %.2f too low, next seed" % (name, s, sens), flush=True)
                continue
            tmp = os.path.join(work, name + ".onnx")
            m = export(model, tmp)
            if finish is not None:
                m = finish(model, m)
            save(m, tmp)
            info = {"name": name, "seed": s, "torch_min_margin": tmin, "distinct_tokens": distinct,
                    "context_sensitivity": sens,
                    "generated_tokens": total, "config": cfg.to_dict()}
            if ok_ort:
                oref = ort_references(tmp, reqs)
                omin = summarize(oref)[0]
                diff = compare_refs(tref, oref)
                if diff:
                    raise RuntimeError("%s: seed %d: torch and ONNX Runtime disagree on %s"
                                       % (name, s, ", ".join(diff)))
                info["ort_min_margin"] = omin
                if omin <= GEN_MARGIN:
                    if verbose:
                        print("%s: seed %d: ORT margin %.4f too small, next seed" % (name, s, omin), flush=True)
                    continue
            os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
            shutil.copyfile(tmp, out_path)
            info["bytes"] = os.path.getsize(out_path)
            if verbose:
                print("%s: seed %d: wrote %s (%d bytes); min margin torch %.4f%s; %d distinct of %d tokens; "
                      "context sensitivity %.2f"
                      % (name, s, out_path, info["bytes"], tmin,
                         ", ORT %.4f" % info["ort_min_margin"] if "ort_min_margin" in info else
                         " (ORT not checked: %s)" % why, distinct, total, sens), flush=True)
            return info
        raise RuntimeError("%s: no well-conditioned model in seeds %d..%d" % (name, seed, seed + max_tries - 1))
    finally:
        shutil.rmtree(work, ignore_errors=True)


@torch.no_grad()
def context_sensitivity(model, cfg, requests, refs):
    """Fraction of the reference steps whose greedy token changes when the
    cached keys and values of all earlier positions are replaced by zeros
    (same positions, same last token): near 0 means a nearly bigram model
    on which a broken KV cache could go unnoticed."""
    diff = tot = 0
    L, KV, DH = cfg.num_hidden_layers, cfg.num_key_value_heads, cfg.head_dim
    for q, r in zip(requests, refs):
        seq = q["prompt_ids"] + r["output_ids"]
        for k, t in enumerate(r["output_ids"]):
            pos = len(q["prompt_ids"]) + k - 1
            past = [torch.zeros(1, KV, pos, DH) for _ in range(2 * L)]
            lg = model(torch.tensor([[seq[pos]]]), torch.ones(1, pos + 1, dtype=torch.int64),
                       torch.tensor([[pos]]), *past)[0]
            diff += int(torch.argmax(lg[0, -1])) != t
            tot += 1
    return diff / tot
