#!/usr/bin/python3
"""Exports the trained kjv checkpoint to ONNX and writes the greedy reference.

    /usr/bin/python3 scripts/kjv/export_onnx.py [--checkpoint build/kjv/ckpt.pt] \
        [--out models/kjv/kjv.onnx] [--reference models/kjv/greedy_reference.json] \
        [--no-ort] [--ort-greedy]

The ONNX file (opset 14, fp32, weights inside) has the past/present
convention of HF/Optimum decoder exports (and of
test/Transforms/Inputs/make_tiny_llama.py):

  inputs   input_ids            int64 [batch_size, sequence_length]
           attention_mask       int64 [batch_size, past_sequence_length + sequence_length]
           position_ids         int64 [batch_size, sequence_length]
           past_key_values.{i}.key|value
                                float [batch_size, 4, past_sequence_length, 32]   (i = 0..5)
  outputs  logits               float [batch_size, sequence_length, 3000]
           present.{i}.key|value
                                float [batch_size, 4, past_sequence_length + sequence_length, 32]

A first step passes past tensors with past_sequence_length 0.

Checks (unless --no-ort; ONNX Runtime 1.30 through test/peer/ort_peer.py):
the logits of a 32-token prompt without past, and of an 8-token step after a
24-token prefill with past (the prefill's present.* fed back as past), against
PyTorch. With --ort-greedy, also replays every greedy reference through ORT
token by token (slow: one node process per step).

The greedy reference: 5 prompts of 32 ids (the first 32 tokens of a verse of
at least 40 tokens; one from the training books, one from each held-out
book), each with 32 greedy new ids from the PyTorch model with the KV cache
(prefill of the prompt, then one token per step; argmax, ties to the lowest
id; </s> is an ordinary token, generation does not stop at it), the decoded
texts, and the smallest top-1/top-2 logit margin along the way.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blas import use_openblas  # noqa: E402

use_openblas()

import numpy as np  # noqa: E402
import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import kjv_data  # noqa: E402

sys.path.insert(0, kjv_data.MODEL_DIR)
import model as kjv_model  # noqa: E402

sys.path.insert(0, os.path.join(kjv_data.ROOT, "test", "peer"))

PROMPT_LEN, NEW_TOKENS = 32, 32


def export(model, out, opset):
    import onnx

    m = kjv_model.export_onnx(model, out, opset)
    m.producer_name = "llmc scripts/kjv/export_onnx.py (torch %s)" % torch.__version__
    m.doc_string = "kjv: Llama-architecture decoder trained on the King James Bible; see models/kjv/MODEL_CARD.md"
    onnx.checker.check_model(m)
    onnx.save(m, out)
    return m


def torch_step(model, ids, past, pos):
    ids = torch.as_tensor(ids, dtype=torch.int64).reshape(1, -1)
    q = ids.shape[1]
    am = torch.ones(1, pos + q, dtype=torch.int64)
    pid = torch.arange(pos, pos + q, dtype=torch.int64).unsqueeze(0)
    with torch.no_grad():
        res = model(ids, am, pid, *past)
    return res[0], list(res[1:])


def ort_step(path, cfg, ids, past, pos):
    from ort_peer import run_ort
    past_names, present_names = kjv_model.onnx_io_names(cfg)
    ids = np.asarray(ids, dtype=np.int64).reshape(1, -1)
    q = ids.shape[1]
    feeds = {"input_ids": ids, "attention_mask": np.ones((1, pos + q), np.int64),
             "position_ids": np.arange(pos, pos + q, dtype=np.int64).reshape(1, -1)}
    for n, t in zip(past_names, past):
        feeds[n] = np.ascontiguousarray(t, dtype=np.float32)
    outs = run_ort(path, feeds)
    return outs["logits"], [outs[n] for n in present_names]


def check_ort(model, path, prompt):
    cfg = model.config
    empty = [np.zeros((1, cfg.num_key_value_heads, 0, cfg.head_dim), np.float32)
             for _ in range(2 * cfg.num_hidden_layers)]
    ref, _ = torch_step(model, prompt, model.empty_past(1), 0)
    ref = ref.numpy()
    got, _ = ort_step(path, cfg, prompt, empty, 0)
    err1 = float(np.abs(got - ref).max())
    print("ORT vs PyTorch, %d-token prompt, no past: max |logit diff| %.3g (logit range %.1f)"
          % (len(prompt), err1, float(np.abs(ref).max())))
    k = len(prompt) - 8
    _, present = ort_step(path, cfg, prompt[:k], empty, 0)
    got2, present2 = ort_step(path, cfg, prompt[k:], present, k)
    err2 = float(np.abs(got2 - ref[:, k:]).max())
    _, tpresent = torch_step(model, prompt, model.empty_past(1), 0)
    errp = max(float(np.abs(a - b.numpy()).max()) for a, b in zip(present2, tpresent))
    print("ORT vs PyTorch, 8-token step after a %d-token prefill (past fed back): max |logit diff| %.3g, "
          "max |present diff| %.3g" % (k, err2, errp))
    ok = err1 < 1e-3 and err2 < 1e-3 and errp < 1e-3
    print("ORT check:", "PASS" if ok else "FAIL")
    return ok, {"no_past_max_abs_diff": err1, "with_past_max_abs_diff": err2, "present_max_abs_diff": errp}


def greedy_with_margin(model, prompt, n):
    """model.greedy plus the smallest top-1/top-2 margin of each step's logits."""
    out, margin = [], float("inf")
    ids, past, pos = list(prompt), model.empty_past(1), 0
    for _ in range(n):
        logits, past = torch_step(model, ids, past, pos)
        top = torch.topk(logits[0, -1], 2)
        margin = min(margin, float(top.values[0] - top.values[1]))
        nxt = int(torch.argmax(logits[0, -1]))
        out.append(nxt)
        pos += len(ids)
        ids = [nxt]
    assert out == model.greedy(prompt, n)
    # the same tokens without the cache (full recompute)
    full = torch.tensor([list(prompt) + out], dtype=torch.int64)
    with torch.no_grad():
        lg = model.logits(full)[0]
    assert torch.argmax(lg[len(prompt) - 1:-1], dim=-1).tolist() == out, "cache and recompute disagree"
    return out, margin


def pick_prompts(data_dir):
    """First verse of >= 40 tokens: Genesis (training), then each held-out book."""
    def verses(path):
        with open(path) as f:
            return [[int(t) for t in line.split()] for line in f]
    train = verses(os.path.join(data_dir, "train.ids"))
    held = verses(os.path.join(data_dir, "heldout.ids"))
    with open(os.path.join(data_dir, "heldout.txt")) as f:
        held_txt = [line.rstrip("\n") for line in f]
    # book boundaries in heldout.txt (canonical order: Ruth, Ecclesiastes, Mark, Galatians)
    starts = {"Ruth": "Now it came to pass in the days when the judges ruled",
              "Ecclesiastes": "The words of the Preacher",
              "Mark": "The beginning of the gospel of Jesus Christ",
              "Galatians": "Paul, an apostle,"}
    picks = [("Genesis (training)", next(v for v in train if len(v) >= 40))]
    for book, head in starts.items():
        i0 = next(i for i, t in enumerate(held_txt) if t.startswith(head))
        picks.append((book + " (held out)", next(v for v in held[i0:] if len(v) >= 40)))
    return [(src, v[:PROMPT_LEN]) for src, v in picks]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", default=os.path.join(kjv_data.DEFAULT_BUILD, "ckpt.pt"))
    ap.add_argument("--data", default=kjv_data.DEFAULT_BUILD)
    ap.add_argument("--out", default=os.path.join(kjv_data.MODEL_DIR, "kjv.onnx"))
    ap.add_argument("--reference", default=os.path.join(kjv_data.MODEL_DIR, "greedy_reference.json"))
    ap.add_argument("--opset", type=int, default=14)
    ap.add_argument("--no-ort", action="store_true")
    ap.add_argument("--ort-greedy", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(0)

    model, ckpt = kjv_model.load_checkpoint(args.checkpoint)
    export(model, args.out, args.opset)
    print("wrote %s (%.1f MB)" % (args.out, os.path.getsize(args.out) / 1e6))

    prompts = pick_prompts(args.data)
    ort_ok, ort_info = None, None
    if not args.no_ort:
        from ort_peer import ort_available
        avail, why = ort_available()
        if avail:
            ort_ok, ort_info = check_ort(model, args.out, prompts[1][1])
        else:
            print("ORT check: SKIP (%s)" % why)

    entries = []
    for src, prompt in prompts:
        new, margin = greedy_with_margin(model, prompt, NEW_TOKENS)
        text = kjv_data.decode(prompt)
        entry = {"source": src, "prompt_ids": prompt, "greedy_ids": new, "prompt_text": text,
                 "prompt_text_reencodes": kjv_data.encode(text) == prompt,
                 "continuation_text": kjv_data.decode(new), "min_top2_logit_margin": round(margin, 4)}
        if args.ort_greedy and ort_ok:
            cfg = model.config
            past = [np.zeros((1, cfg.num_key_value_heads, 0, cfg.head_dim), np.float32)
                    for _ in range(2 * cfg.num_hidden_layers)]
            ids, pos, got = prompt, 0, []
            for _ in range(NEW_TOKENS):
                lg, past = ort_step(args.out, cfg, ids, past, pos)
                pos += len(ids)
                ids = [int(np.argmax(lg[0, -1]))]
                got.append(ids[0])
            entry["ort_greedy_matches"] = got == new
            print("ORT greedy %s: %s" % (src, "match" if got == new else "MISMATCH"))
        entries.append(entry)
        print("%s\n  prompt: %s\n  greedy: %s\n  margin: %.3f" % (src, text, entry["continuation_text"], margin))

    ref = {"model": os.path.relpath(args.out, kjv_data.ROOT),
           "tokenizer": os.path.relpath(kjv_data.TOKENIZER, kjv_data.ROOT),
           "generator": "PyTorch %s, scripts/kjv/export_onnx.py: greedy (argmax, ties to the lowest id), "
                        "KV cache, prefill of the whole prompt then one token per step, position_ids from 0, "
                        "attention_mask all ones, no BOS, does not stop at </s>" % torch.__version__,
           "eos_token_id": kjv_model.Config().eos_token_id, "prompt_tokens": PROMPT_LEN,
           "new_tokens": NEW_TOKENS, "ort_check": ort_info, "prompts": entries}
    with open(args.reference, "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")
    print("wrote", args.reference)
    if ort_ok is False:
        sys.exit(1)


if __name__ == "__main__":
    main()
