#!/usr/bin/python3
"""Generates the small decoder test models of test/peer/generation_ort.py.

    /usr/bin/python3 scripts/gen_models/make_models.py OUT_DIR [--only NAME[,NAME]] [--seed S]
                                                    [--require-ort] [--json SUMMARY.json]

Writes OUT_DIR/<name>.onnx for every model of MODELS (the committed cache is
test/peer/models/; regenerate it with OUT_DIR = test/peer/models). Each
model is deterministic from its seed: the generator tries seed, seed+1, ...
until the model is well-conditioned on the test prompts (common.py) in
torch and -- when ONNX Runtime is installed (scripts/setup_ort.sh) -- in
ONNX Runtime, which must also produce the same greedy tokens as torch.

Models (all 2 layers, torch.onnx.export opset 14, HF/Optimum past/present
names, symbolic batch / sequence / past dims):
  llama_gqa   Llama, GQA 4/2, head_dim 16, hidden 64, vocab 256
  qwen2       Qwen2-style: GQA 6/2, head_dim 8, q/k/v bias, rope theta 1e6, hidden 48, vocab 200
  gpt2        GPT-2-style: LayerNorm, learned positions, fused c_attn (Gemm + Split), MHA 4,
              tanh GELU, tied lm_head, hidden 64, vocab 160
  llama_int4  Llama, MQA 4/1, head_dim 16, hidden 64, vocab 128, every linear layer a
              com.microsoft MatMulNBits (int4; block 32 + zero points, block 16 without,
              block 16 + zero points)

Needs /usr/bin/python3 with torch 1.13, onnx 1.12, numpy.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import gpt2  # noqa: E402
import int4  # noqa: E402
import llama  # noqa: E402


def plain(build):
    def b(seed):
        model, cfg = build(seed)
        return model, cfg, None
    return b


# name -> (builder(seed) -> (torch model, cfg, finish or None), first seed to try:
# the one the search from 0 settled on, so regeneration is quick)
MODELS = {
    "llama_gqa": (plain(llama.build_llama), 15),
    "qwen2": (plain(llama.build_qwen2), 32),
    "gpt2": (plain(gpt2.build_gpt2), 1),
    "llama_int4": (int4.build, 5),
}


def make(name, out_dir, seed=None, require_ort=False, verbose=True):
    build, first = MODELS[name]
    return common.generate(name, build, os.path.join(out_dir, name + ".onnx"),
                           first if seed is None else seed, require_ort=require_ort, verbose=verbose)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--only", default="", help="comma-separated model names (default: all)")
    ap.add_argument("--seed", type=int, help="first seed to try (default: each model's own)")
    ap.add_argument("--require-ort", action="store_true", help="fail when ONNX Runtime is not installed")
    ap.add_argument("--json", help="write the generation summaries (seed, margins, sizes) here")
    args = ap.parse_args()
    names = [n for n in args.only.split(",") if n] or list(MODELS)
    for n in names:
        if n not in MODELS:
            ap.error("unknown model %s (have: %s)" % (n, ", ".join(MODELS)))
    infos = [make(n, args.out_dir, args.seed, args.require_ort) for n in names]
    if args.json:
        with open(args.json, "w") as f:
            json.dump(infos, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
