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
import math
import os
import sys

import torch
from torch import nn

VOCAB, HIDDEN, LAYERS, HEADS, KV_HEADS, INTER, MAX_POS = 64, 32, 2, 4, 2, 64, 32
HEAD_DIM = HIDDEN // HEADS
EPS = 1e-6


class LlamaRMSNorm(nn.Module):
    def __init__(self, hidden_size, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.variance_epsilon = eps

    def forward(self, hidden_states):
        input_dtype = hidden_states.dtype
        hidden_states = hidden_states.to(torch.float32)
        variance = hidden_states.pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        return self.weight * hidden_states.to(input_dtype)


class LlamaRotaryEmbedding(nn.Module):
    def __init__(self, dim, max_position_embeddings=2048, base=10000):
        super().__init__()
        inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
        t = torch.arange(max_position_embeddings, dtype=inv_freq.dtype)
        freqs = torch.outer(t, inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos_cached", emb.cos(), persistent=False)
        self.register_buffer("sin_cached", emb.sin(), persistent=False)

    def forward(self, x, seq_len):
        return (self.cos_cached[:seq_len].to(dtype=x.dtype),
                self.sin_cached[:seq_len].to(dtype=x.dtype))


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary_pos_emb(q, k, cos, sin, position_ids, unsqueeze_dim=1):
    cos = cos[position_ids].unsqueeze(unsqueeze_dim)
    sin = sin[position_ids].unsqueeze(unsqueeze_dim)
    q_embed = (q * cos) + (rotate_half(q) * sin)
    k_embed = (k * cos) + (rotate_half(k) * sin)
    return q_embed, k_embed


def repeat_kv(hidden_states, n_rep):
    batch, num_key_value_heads, slen, head_dim = hidden_states.shape
    if n_rep == 1:
        return hidden_states
    hidden_states = hidden_states[:, :, None, :, :].expand(batch, num_key_value_heads, n_rep, slen, head_dim)
    return hidden_states.reshape(batch, num_key_value_heads * n_rep, slen, head_dim)


class LlamaMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.gate_proj = nn.Linear(HIDDEN, INTER, bias=False)
        self.up_proj = nn.Linear(HIDDEN, INTER, bias=False)
        self.down_proj = nn.Linear(INTER, HIDDEN, bias=False)
        self.act_fn = nn.SiLU()

    def forward(self, x):
        return self.down_proj(self.act_fn(self.gate_proj(x)) * self.up_proj(x))


class LlamaAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.num_key_value_groups = HEADS // KV_HEADS
        self.q_proj = nn.Linear(HIDDEN, HEADS * HEAD_DIM, bias=False)
        self.k_proj = nn.Linear(HIDDEN, KV_HEADS * HEAD_DIM, bias=False)
        self.v_proj = nn.Linear(HIDDEN, KV_HEADS * HEAD_DIM, bias=False)
        self.o_proj = nn.Linear(HEADS * HEAD_DIM, HIDDEN, bias=False)
        self.rotary_emb = LlamaRotaryEmbedding(HEAD_DIM, max_position_embeddings=MAX_POS)

    def forward(self, hidden_states, attention_mask, position_ids, past_key, past_value):
        bsz, q_len, _ = hidden_states.size()
        query_states = self.q_proj(hidden_states).view(bsz, q_len, HEADS, HEAD_DIM).transpose(1, 2)
        key_states = self.k_proj(hidden_states).view(bsz, q_len, KV_HEADS, HEAD_DIM).transpose(1, 2)
        value_states = self.v_proj(hidden_states).view(bsz, q_len, KV_HEADS, HEAD_DIM).transpose(1, 2)
        kv_seq_len = key_states.shape[-2] + past_key.shape[-2]
        cos, sin = self.rotary_emb(value_states, seq_len=kv_seq_len)
        query_states, key_states = apply_rotary_pos_emb(query_states, key_states, cos, sin, position_ids)
        key_states = torch.cat([past_key, key_states], dim=2)
        value_states = torch.cat([past_value, value_states], dim=2)
        present = (key_states, value_states)
        key_states = repeat_kv(key_states, self.num_key_value_groups)
        value_states = repeat_kv(value_states, self.num_key_value_groups)
        attn_weights = torch.matmul(query_states, key_states.transpose(2, 3)) / math.sqrt(HEAD_DIM)
        attn_weights = attn_weights + attention_mask
        attn_weights = nn.functional.softmax(attn_weights, dim=-1, dtype=torch.float32).to(query_states.dtype)
        attn_output = torch.matmul(attn_weights, value_states)
        attn_output = attn_output.transpose(1, 2).contiguous().reshape(bsz, q_len, HIDDEN)
        return self.o_proj(attn_output), present


class LlamaDecoderLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.self_attn = LlamaAttention()
        self.mlp = LlamaMLP()
        self.input_layernorm = LlamaRMSNorm(HIDDEN, eps=EPS)
        self.post_attention_layernorm = LlamaRMSNorm(HIDDEN, eps=EPS)

    def forward(self, hidden_states, attention_mask, position_ids, past_key, past_value):
        residual = hidden_states
        hidden_states = self.input_layernorm(hidden_states)
        hidden_states, present = self.self_attn(hidden_states, attention_mask, position_ids, past_key, past_value)
        hidden_states = residual + hidden_states
        residual = hidden_states
        hidden_states = self.post_attention_layernorm(hidden_states)
        hidden_states = self.mlp(hidden_states)
        return residual + hidden_states, present


def prepare_4d_causal_attention_mask(attention_mask, q_len, past_len, dtype):
    """Causal mask over [past + new] keys plus the padding of attention_mask,
    as in transformers' AttentionMaskConverter (min-value additive mask)."""
    bsz = attention_mask.shape[0]
    min_value = torch.finfo(dtype).min
    mask = torch.full((q_len, q_len), min_value)
    mask_cond = torch.arange(mask.size(-1))
    mask.masked_fill_(mask_cond < (mask_cond + 1).view(mask.size(-1), 1), 0)
    mask = mask.to(dtype)
    mask = torch.cat([torch.zeros(q_len, past_len, dtype=dtype), mask], dim=-1)
    causal = mask[None, None, :, :].expand(bsz, 1, q_len, q_len + past_len)
    expanded = attention_mask[:, None, None, :].expand(bsz, 1, q_len, q_len + past_len).to(dtype)
    inverted = 1.0 - expanded
    padding = inverted.masked_fill(inverted.to(torch.bool), min_value)
    return causal.masked_fill(padding.to(torch.bool), min_value)


class LlamaForCausalLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed_tokens = nn.Embedding(VOCAB, HIDDEN)
        self.layers = nn.ModuleList([LlamaDecoderLayer() for _ in range(LAYERS)])
        self.norm = LlamaRMSNorm(HIDDEN, eps=EPS)
        self.lm_head = nn.Linear(HIDDEN, VOCAB, bias=False)

    def forward(self, input_ids, attention_mask, position_ids, *past):
        bsz, q_len = input_ids.shape
        past_len = past[0].shape[2]
        hidden_states = self.embed_tokens(input_ids)
        mask = prepare_4d_causal_attention_mask(attention_mask, q_len, past_len, hidden_states.dtype)
        presents = []
        for i, layer in enumerate(self.layers):
            hidden_states, (k, v) = layer(hidden_states, mask, position_ids, past[2 * i], past[2 * i + 1])
            presents += [k, v]
        logits = self.lm_head(self.norm(hidden_states))
        return (logits, *presents)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "tiny_llama.onnx")
    torch.manual_seed(0)
    model = LlamaForCausalLM().eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1.0 + 0.1 * torch.randn_like(p))  # not all-ones, so a lost weight shows
    B, S, P = 1, 5, 3
    input_ids = torch.randint(0, VOCAB, (B, S))
    attention_mask = torch.ones(B, P + S, dtype=torch.int64)
    position_ids = torch.arange(P, P + S).unsqueeze(0)
    past = [torch.randn(B, KV_HEADS, P, HEAD_DIM) for _ in range(2 * LAYERS)]
    past_names = []
    for i in range(LAYERS):
        past_names += ["past_key_values.%d.key" % i, "past_key_values.%d.value" % i]
    present_names = [n.replace("past_key_values", "present") for n in past_names]
    dynamic = {"input_ids": {0: "batch_size", 1: "sequence_length"},
               "attention_mask": {0: "batch_size", 1: "past_sequence_length + sequence_length"},
               "position_ids": {0: "batch_size", 1: "sequence_length"},
               "logits": {0: "batch_size", 1: "sequence_length"}}
    for n in past_names:
        dynamic[n] = {0: "batch_size", 2: "past_sequence_length"}
    for n in present_names:
        dynamic[n] = {0: "batch_size", 2: "past_sequence_length + sequence_length"}
    torch.onnx.export(model, (input_ids, attention_mask, position_ids, *past), out,
                      input_names=["input_ids", "attention_mask", "position_ids"] + past_names,
                      output_names=["logits"] + present_names, dynamic_axes=dynamic,
                      opset_version=14, do_constant_folding=True)
    import onnx  # drop the exporter's per-node stack traces: half the file
    m = onnx.load(out)
    for node in m.graph.node:
        node.ClearField("doc_string")
    onnx.save(m, out)
    print("wrote", out)


if __name__ == "__main__":
    main()
