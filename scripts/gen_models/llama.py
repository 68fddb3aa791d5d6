"""(a) Llama with GQA and (b) Qwen2-style decoders, from models/kjv/model.py's
modules (HF modeling_llama.py 4.3x, eager attention).

Llama: RMSNorm, RoPE (theta 1e4), SwiGLU MLP, GQA, no biases, untied lm_head.
Qwen2 (HF modeling_qwen2.py is modeling_llama.py plus): bias on the q/k/v
projections (not on o_proj), rope theta 1e6, rms eps 1e-6, untied lm_head.

Conditioning (common.py): random Llama weights at their default scale make
an almost bigram model whose greedy trajectories fall into 2-cycles and whose
next token hardly depends on the context, which would let a broken KV cache
pass. So q/k are scaled up (sharper attention), v/o up (attention output
comparable to the residual stream) and the embedding down; the lm_head is
then rescaled so that the logits have a fixed standard deviation (LOGIT_STD)
on a probe sequence, and the generator retries seeds until every greedy step
of the test prompts has a top-1/top-2 margin above common.GEN_MARGIN.
"""
import torch
from torch import nn

from common import kjv

LOGIT_STD = 48.0


def scale_weights(model, emb=0.5, qk=3.0, vo=2.0, norm_gain=0.1):
    with torch.no_grad():
        for n, p in model.named_parameters():
            if n.endswith("norm.weight"):
                p.copy_(1.0 + norm_gain * torch.randn_like(p))  # not all-ones, so a lost weight shows
            elif "q_proj" in n or "k_proj" in n:
                p.mul_(qk)
            elif "v_proj" in n or "o_proj" in n:
                p.mul_(vo)
        model.embed_tokens.weight.mul_(emb)


@torch.no_grad()
def set_logit_std(model, head, vocab, std=LOGIT_STD, probe_len=48, seed=0):
    """Scales `head` (a Parameter) so that the model's logits over a fixed
    probe sequence have standard deviation `std`."""
    g = torch.Generator().manual_seed(seed)
    probe = torch.randint(0, vocab, (1, probe_len), generator=g)
    cur = float(model.logits(probe).std())
    head.mul_(std / cur)


def llama_config(**kw):
    base = dict(vocab_size=256, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                num_key_value_heads=2, intermediate_size=128, max_position_embeddings=256,
                rope_theta=10000.0, rms_norm_eps=1e-6)
    base.update(kw)
    return kjv.Config(**base)


def build_llama(seed, cfg=None):
    """A Llama with GQA (4 query heads, 2 kv heads, head_dim 16)."""
    cfg = cfg or llama_config()
    torch.manual_seed(seed)
    model = kjv.KjvLlama(cfg).eval()
    scale_weights(model)
    set_logit_std(model, model.lm_head.weight, cfg.vocab_size)
    return model, cfg


QWEN2 = dict(vocab_size=200, hidden_size=48, num_hidden_layers=2, num_attention_heads=6,
             num_key_value_heads=2, intermediate_size=96, max_position_embeddings=256,
             rope_theta=1000000.0, rms_norm_eps=1e-6)


def build_qwen2(seed):
    """Qwen2-style: GQA 6/2, head_dim 8, q/k/v biases, theta 1e6, untied head."""
    cfg = llama_config(**QWEN2)
    torch.manual_seed(seed)
    model = kjv.KjvLlama(cfg).eval()
    for layer in model.layers:
        a = layer.self_attn
        a.q_proj = nn.Linear(cfg.hidden_size, a.num_heads * a.head_dim, bias=True)
        a.k_proj = nn.Linear(cfg.hidden_size, a.num_key_value_heads * a.head_dim, bias=True)
        a.v_proj = nn.Linear(cfg.hidden_size, a.num_key_value_heads * a.head_dim, bias=True)
    with torch.no_grad():
        for layer in model.layers:  # Qwen2's q/k biases are large; make them matter
            for proj in (layer.self_attn.q_proj, layer.self_attn.k_proj, layer.self_attn.v_proj):
                proj.bias.normal_(0.0, 0.15)
    scale_weights(model)
    set_logit_std(model, model.lm_head.weight, cfg.vocab_size)
    return model.eval(), cfg
