#!/usr/bin/python3
"""PyTorch reference numbers for `llmrun --perplexity` (test/peer/kjv_accuracy.py).

    /usr/bin/python3 scripts/kjv/reference_nll.py [--checkpoint build/kjv/ckpt.pt] \
        [--heldout build/kjv/heldout.txt] [--verses 22] [--full]

Writes
  * models/kjv/heldout_excerpt.txt: the first --verses lines of the held-out
    text (Ruth 1:1-22 by default), one verse per line, as
    scripts/kjv/prepare_corpus.sh wrote them;
  * models/kjv/nll_reference.json: the excerpt's token count and PyTorch's
    sliding-window mean NLL and perplexity (scripts/kjv/evaluate.py's
    definition) for context 256 / stride 128 (llmrun's default) and for
    context 100 / stride 30 (a second windowing: more windows, chunks that
    cross KV pages), and with --full the first for the whole held-out stream
    (build/kjv/heldout.ids, 4 books).

The excerpt's token stream is each line encoded with spm_encode
(models/kjv/tokenizer.model, no BOS/EOS) followed by </s> (id 2), the same
stream `llmrun --perplexity` builds from the text file; it is checked to be
the start of build/kjv/heldout.ids. Needs torch, spm_encode and the
checkpoint (none of which CI has; the test only reads the JSON).
"""
import argparse
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from blas import use_openblas  # noqa: E402

use_openblas()

import torch  # noqa: E402

import evaluate  # noqa: E402
import kjv_data  # noqa: E402

sys.path.insert(0, kjv_data.MODEL_DIR)


def rel(path):
    return os.path.relpath(path, kjv_data.ROOT)


def score(model, tokens, context, stride):
    total, count = evaluate.sliding_window_nll(model, tokens, context, stride)
    return {"tokens": len(tokens), "scored": count, "context": context, "stride": stride,
            "windows": len(evaluate.windows(len(tokens), context, stride)),
            "mean_nll": total / count, "perplexity": math.exp(total / count)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", default=os.path.join(kjv_data.DEFAULT_BUILD, "ckpt.pt"))
    ap.add_argument("--heldout", default=os.path.join(kjv_data.DEFAULT_BUILD, "heldout.txt"))
    ap.add_argument("--heldout-ids", default=os.path.join(kjv_data.DEFAULT_BUILD, "heldout.ids"))
    ap.add_argument("--verses", type=int, default=22, help="lines of the excerpt (22: Ruth 1)")
    ap.add_argument("--context", type=int, default=256)
    ap.add_argument("--stride", type=int, default=128)
    ap.add_argument("--full", action="store_true", help="also score the whole held-out stream")
    ap.add_argument("--excerpt", default=os.path.join(kjv_data.MODEL_DIR, "heldout_excerpt.txt"))
    ap.add_argument("--out", default=os.path.join(kjv_data.MODEL_DIR, "nll_reference.json"))
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    with open(args.heldout) as f:
        lines = f.read().split("\n")[:args.verses]
    assert len(lines) == args.verses and all(lines), "the held-out text has too few verses"
    with open(args.excerpt, "w") as f:
        f.write("\n".join(lines) + "\n")
    tokens = []
    for line in lines:
        tokens += kjv_data.encode(line) + [kjv_data.EOS_ID]
    stream = kjv_data.load_stream(args.heldout_ids)
    assert list(stream[:len(tokens)]) == tokens, "the excerpt does not encode to the start of heldout.ids"

    import model as kjv_model
    model, _ = kjv_model.load_checkpoint(args.checkpoint)
    res = {
        "generator": "scripts/kjv/reference_nll.py: PyTorch %s, fp32 model, log_softmax in float64, "
                     "scripts/kjv/evaluate.py sliding_window_nll" % torch.__version__,
        "checkpoint": rel(args.checkpoint),
        "excerpt": {"file": rel(args.excerpt), "verses": args.verses,
                    "source": "Ruth 1:1-%d (held out)" % args.verses if args.verses <= 22 else
                    "the first %d held-out verses" % args.verses,
                    "tokens": len(tokens),
                    "runs": [score(model, tokens, c, s) for c, s in ((args.context, args.stride), (100, 30))]},
    }
    if args.full:
        res["heldout"] = dict({"ids": rel(args.heldout_ids), "text": rel(args.heldout),
                               "source": "Ruth, Ecclesiastes, Mark, Galatians"},
                              **score(model, [int(t) for t in stream], args.context, args.stride))
    elif os.path.exists(args.out):  # keep the full numbers of an earlier --full run
        with open(args.out) as f:
            old = json.load(f)
        if "heldout" in old:
            res["heldout"] = old["heldout"]
    for key, r in [("excerpt", r) for r in res["excerpt"]["runs"]] + [("heldout", res.get("heldout"))]:
        if r:
            print("%s: %d tokens, %d scored, context %d, stride %d, %d windows: mean NLL %.6f nats/token, "
                  "perplexity %.4f" % (key, r["tokens"], r["scored"], r["context"], r["stride"], r["windows"],
                                       r["mean_nll"], r["perplexity"]))
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    print("wrote %s and %s" % (rel(args.excerpt), rel(args.out)))


if __name__ == "__main__":
    main()
