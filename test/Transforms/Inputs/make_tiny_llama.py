#!/usr/bin/python3
"""Exports a tiny Llama-style decoder with torch.onnx.export (the form that
HF Optimum / torch exporters produce) for the raising tests.

    /usr/bin/python3 test/Transforms/Inputs/make_tiny_llama.py [OUT.onnx]

Needs torch (Debian: apt-get install python3-torch, torch 1.13); the tests
only read the committed tiny_llama.onnx. The modules mirror HuggingFace
transformers' modeling_llama.py (4.3x, eager attention): LlamaRMSNorm,
LlamaRotaryEmbedding (cached cos/sin tables), rotate_half,
apply_rotary_pos_emb (cos[position_ids].unsqueeze(1)), LlamaMLP
(down(silu(gate(x)) * up(x))), repeat_kv (expand + reshape), eager attention
(matmul(q, k^T) / sqrt(d) + mask, softmax in f32, matmul(v)), past_key_values
in and present key/values out, a 4-D causal + padding mask built from the 2-D
attention_mask. Sizes: hidden 32, 2 layers, 4 heads, 2 kv heads (GQA),
head_dim 8, intermediate 64, vocab 64. Inputs have symbolic batch/sequence/
past dims like a real export; compile with --input-shape for every input.
"""
import os
import sys

import torch

# The modules are the KJV demo model's (models/kjv/model.py), at tiny sizes.
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "models", "kjv"))
from model import Config, KjvLlama, export_onnx  # noqa: E402

TINY = Config(vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
              num_key_value_heads=2, intermediate_size=64, max_position_embeddings=32,
              rms_norm_eps=1e-6)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "tiny_llama.onnx")
    torch.manual_seed(0)
    model = KjvLlama(TINY).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1.0 + 0.1 * torch.randn_like(p))  # not all-ones, so a lost weight shows
    m = export_onnx(model, out, 14)
    import onnx
    onnx.save(m, out)
    print("wrote", out)


if __name__ == "__main__":
    main()
