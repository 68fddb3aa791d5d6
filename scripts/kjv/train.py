#!/usr/bin/python3
"""Trains the kjv model (models/kjv/model.py) on the CPU.

    scripts/kjv/prepare_corpus.sh                      # build/kjv/{train,heldout}.ids
    /usr/bin/python3 scripts/kjv/train.py [--steps 1500] [--minutes 40] \
        [--out build/kjv/ckpt.pt]

Seeded and deterministic: torch.manual_seed(SEED) for the initialization,
a numpy Generator(SEED) for the data order (each step draws BATCH window
starts uniformly from the training stream; a window is CONTEXT + 1 tokens:
CONTEXT inputs, CONTEXT shifted targets), 2 threads, no dropout. AdamW
(betas 0.9/0.95, weight decay 0.1 on matrices only), linear warmup then
cosine decay to 10% of the peak rate over --steps. Every --eval-every steps
it logs the held-out loss of evaluate.py's sliding-window definition (on the
first --eval-tokens held-out tokens; the final number comes from
evaluate.py over all of them). --minutes stops early (after a whole step)
and still saves; the schedule is by steps, so a run stopped by the clock
differs from a full one only in where it stops.

Debian's python3-torch multiplies matrices with whatever libblas.so.3 the
alternatives system provides; the reference BLAS is ~50x slower than
OpenBLAS. When libopenblas0-openmp (or -pthread) is installed, this script
re-executes itself with that OpenBLAS first on LD_LIBRARY_PATH (blas.py;
the system's alternatives are left as they are). Results are reproducible for the same
BLAS and thread count.
"""
import argparse
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blas import use_openblas, which as blas_which  # noqa: E402

use_openblas()
os.environ.setdefault("OMP_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import kjv_data  # noqa: E402

sys.path.insert(0, kjv_data.MODEL_DIR)
import model as kjv_model  # noqa: E402
from evaluate import sliding_window_nll  # noqa: E402


def init_weights(model, std=0.02):
    for name, p in model.named_parameters():
        if name.endswith("norm.weight"):
            torch.nn.init.ones_(p)
        else:
            torch.nn.init.normal_(p, mean=0.0, std=std)
            if name.endswith("o_proj.weight") or name.endswith("down_proj.weight"):
                p.data.mul_(1.0 / math.sqrt(2 * model.config.num_hidden_layers))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=kjv_data.DEFAULT_BUILD)
    ap.add_argument("--out", default=os.path.join(kjv_data.DEFAULT_BUILD, "ckpt.pt"))
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--minutes", type=float, default=0.0, help="wall-clock budget (0: none)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--eval-tokens", type=int, default=8192)
    ap.add_argument("--log-every", type=int, default=25)
    ap.add_argument("--layers", type=int, default=None, help="override num_hidden_layers")
    args = ap.parse_args()

    t_start = time.time()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    print("blas:", blas_which(), "threads:", torch.get_num_threads(),
          flush=True)

    cfg = kjv_model.Config()
    if args.layers:
        cfg.num_hidden_layers = args.layers
    model = kjv_model.KjvLlama(cfg)
    init_weights(model)
    n_params = kjv_model.count_parameters(model)
    print("config:", cfg.to_dict(), flush=True)
    print("parameters: %d" % n_params, flush=True)

    train = torch.from_numpy(kjv_data.load_stream(os.path.join(args.data, "train.ids")))
    heldout = torch.from_numpy(kjv_data.load_stream(os.path.join(args.data, "heldout.ids")))
    print("train tokens: %d, held-out tokens: %d" % (len(train), len(heldout)), flush=True)
    T = cfg.context_length
    rng = np.random.Generator(np.random.PCG64(args.seed))

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95), eps=1e-8)

    def lr_at(step):
        if step < args.warmup:
            return args.lr * (step + 1) / args.warmup
        frac = (step - args.warmup) / max(1, args.steps - args.warmup)
        return args.lr * (0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * min(1.0, frac))))

    def heldout_loss():
        model.eval()
        with torch.no_grad():
            nll, n = sliding_window_nll(model, heldout[: args.eval_tokens], T, T // 2)
        model.train()
        return nll / n

    model.train()
    history = []
    recent = []
    t_train = time.time()
    step = 0
    stopped_by_clock = False
    for step in range(args.steps):
        starts = rng.integers(0, len(train) - T - 1, size=args.batch)
        batch = torch.stack([train[s: s + T + 1] for s in starts])
        x, y = batch[:, :-1], batch[:, 1:]
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        logits = model.logits(x)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, cfg.vocab_size), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        recent.append(float(loss))
        done = step + 1
        if done % args.log_every == 0 or done == args.steps:
            el = time.time() - t_train
            print("step %5d  lr %.2e  train loss %.4f  (%.0f tok/s, %.1f min)"
                  % (done, lr_at(step), sum(recent) / len(recent), done * args.batch * T / el, el / 60), flush=True)
            history.append({"step": done, "train_loss": sum(recent) / len(recent), "minutes": el / 60})
            recent = []
        if done % args.eval_every == 0 or done == args.steps:
            hl = heldout_loss()
            print("step %5d  held-out loss %.4f (ppl %.2f, first %d tokens)" % (done, hl, math.exp(hl), args.eval_tokens),
                  flush=True)
            history.append({"step": done, "heldout_loss_partial": hl})
        if args.minutes and time.time() - t_start > args.minutes * 60:
            stopped_by_clock = done < args.steps
            print("stopping at step %d: --minutes %.1f budget spent" % (done, args.minutes), flush=True)
            break

    steps_done = step + 1
    wall = time.time() - t_start
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    torch.save({"config": cfg.to_dict(), "model": model.state_dict(), "args": vars(args),
                "steps_done": steps_done, "stopped_by_clock": stopped_by_clock, "history": history,
                "wall_seconds": wall, "parameters": n_params}, args.out)
    print("saved %s after %d steps; wall time %.1f s (%.1f min)" % (args.out, steps_done, wall, wall / 60), flush=True)


if __name__ == "__main__":
    main()
