#!/usr/bin/python3
"""Held-out loss and perplexity of the kjv model (sliding window).

    /usr/bin/python3 scripts/kjv/evaluate.py [--checkpoint build/kjv/ckpt.pt] \
        [--ids build/kjv/heldout.ids] [--context 256] [--stride 128] [--json OUT]

The definition (a later `llmrun --perplexity` reproduces it):

  * Token stream t_0 .. t_{N-1}: the held-out books (Ruth, Ecclesiastes,
    Mark, Galatians, in that canonical order), one verse per line as written
    by scripts/kjv/prepare_corpus.sh, each verse encoded with
    models/kjv/tokenizer.model (spm_encode, no BOS/EOS) and followed by
    </s> (id 2). No BOS at the start. For the committed model N = 35,546 + 1,134 = 36,680.
  * Windows of L = 256 tokens (the training context) with stride S = 128:
    window k covers tokens [b_k, e_k) with b_k = k*S and
    e_k = min(b_k + L, N); windows stop after the first one with e_k = N
    (or with one window when N <= L). Each window is an independent forward
    pass from position 0 (position_ids 0..e_k-b_k-1, attention mask all
    ones, no past).
  * Window 0 scores the targets j in [1, e_0); window k > 0 scores
    j in [b_k + L - S, e_k) (its last S positions, so every scored token
    has at least L - S = 128 tokens of context, except in window 0). Every
    token but t_0 is scored exactly once: N - 1 predictions.
  * The score of target j is -log softmax(logits at position j-1 of its
    window)[t_j] (natural log). Mean NLL = sum / (N - 1), accumulated in
    float64; perplexity = exp(mean NLL).
"""
import argparse
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blas import use_openblas  # noqa: E402

use_openblas()

import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import kjv_data  # noqa: E402

sys.path.insert(0, kjv_data.MODEL_DIR)


def windows(n, context, stride):
    """[(begin, end, first_scored)] per the definition above; each window
    scores targets j in [first_scored, end)."""
    # stride == context would score each window's first token from the
    # logits of its last position (index -1).
    assert 0 < stride < context
    out = []
    b = 0
    while True:
        e = min(b + context, n)
        out.append((b, e, 1 if b == 0 else b + context - stride))
        if e == n:
            return out
        b += stride


def sliding_window_nll(model, tokens, context=256, stride=128):
    """(sum of NLL in float64, number of scored tokens)."""
    tokens = torch.as_tensor(tokens, dtype=torch.int64)
    total, count = 0.0, 0
    with torch.no_grad():
        for b, e, first in windows(len(tokens), context, stride):
            ids = tokens[b:e].unsqueeze(0)
            logits = model.logits(ids)[0]                       # [e-b, vocab]
            logp = torch.log_softmax(logits.double(), dim=-1)
            tgt = torch.arange(first, e)                        # absolute target positions
            nll = -logp[tgt - 1 - b, tokens[tgt]]
            total += float(nll.sum())
            count += len(tgt)
    return total, count


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", default=os.path.join(kjv_data.DEFAULT_BUILD, "ckpt.pt"))
    ap.add_argument("--ids", default=os.path.join(kjv_data.DEFAULT_BUILD, "heldout.ids"))
    ap.add_argument("--context", type=int, default=256)
    ap.add_argument("--stride", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", help="also write the numbers as JSON here")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    import model as kjv_model
    model, _ = kjv_model.load_checkpoint(args.checkpoint)
    tokens = kjv_data.load_stream(args.ids)
    total, count = sliding_window_nll(model, tokens, args.context, args.stride)
    res = {"ids": os.path.relpath(args.ids, kjv_data.ROOT), "tokens": len(tokens), "scored": count,
           "context": args.context, "stride": args.stride, "mean_nll": total / count,
           "perplexity": math.exp(total / count)}
    print("%s: %d tokens, %d scored, context %d, stride %d: mean NLL %.6f nats/token, perplexity %.4f"
          % (res["ids"], res["tokens"], count, args.context, args.stride, res["mean_nll"], res["perplexity"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
