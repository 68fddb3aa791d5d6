"""The kjv model: a small Llama-architecture decoder in plain PyTorch.

The modules mirror HuggingFace transformers' modeling_llama.py (4.3x, eager
attention) and test/Transforms/Inputs/make_tiny_llama.py, so that
torch.onnx.export produces the same primitive patterns the compiler's raising
passes match: LlamaRMSNorm (pow/mean/rsqrt in f32, weight * x),
LlamaRotaryEmbedding (cached cos/sin tables sliced to the kv length, then
gathered with position_ids), rotate_half, apply_rotary_pos_emb, LlamaMLP
(down(silu(gate(x)) * up(x))), repeat_kv (expand + reshape), eager attention
(matmul(q, k^T) / sqrt(d) + mask, softmax in f32, matmul(v)),
past_key_values in and present key/values out, a 4-D causal + padding mask
built from the 2-D attention_mask (min-value additive mask). The LM head is
untied (a separate lm_head weight), as in Llama.

    /usr/bin/python3 -c "import sys; sys.path.insert(0, 'models/kjv'); \
        import model; print(model.count_parameters(model.KjvLlama(model.Config())))"

Needs only torch (Debian: python3-torch 1.13).
"""
import math
from dataclasses import asdict, dataclass

import torch
from torch import nn


@dataclass
class Config:
    vocab_size: int = 3000
    hidden_size: int = 256
    num_hidden_layers: int = 6
    num_attention_heads: int = 8
    num_key_value_heads: int = 4
    intermediate_size: int = 688
    context_length: int = 256          # the training window
    max_position_embeddings: int = 1024  # rows of the RoPE cos/sin tables
    rope_theta: float = 10000.0
    rms_norm_eps: float = 1e-5
    bos_token_id: int = 1
    eos_token_id: int = 2

    @property
    def head_dim(self):
        return self.hidden_size // self.num_attention_heads

    def to_dict(self):
        return asdict(self)


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
    def __init__(self, cfg):
        super().__init__()
        self.gate_proj = nn.Linear(cfg.hidden_size, cfg.intermediate_size, bias=False)
        self.up_proj = nn.Linear(cfg.hidden_size, cfg.intermediate_size, bias=False)
        self.down_proj = nn.Linear(cfg.intermediate_size, cfg.hidden_size, bias=False)
        self.act_fn = nn.SiLU()

    def forward(self, x):
        return self.down_proj(self.act_fn(self.gate_proj(x)) * self.up_proj(x))


class LlamaAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.hidden_size = cfg.hidden_size
        self.num_heads = cfg.num_attention_heads
        self.num_key_value_heads = cfg.num_key_value_heads
        self.head_dim = cfg.head_dim
        self.num_key_value_groups = self.num_heads // self.num_key_value_heads
        self.q_proj = nn.Linear(cfg.hidden_size, self.num_heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(cfg.hidden_size, self.num_key_value_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(cfg.hidden_size, self.num_key_value_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(self.num_heads * self.head_dim, cfg.hidden_size, bias=False)
        self.rotary_emb = LlamaRotaryEmbedding(self.head_dim, max_position_embeddings=cfg.max_position_embeddings,
                                               base=cfg.rope_theta)

    def forward(self, hidden_states, attention_mask, position_ids, past_key, past_value):
        bsz, q_len, _ = hidden_states.size()
        query_states = self.q_proj(hidden_states).view(bsz, q_len, self.num_heads, self.head_dim).transpose(1, 2)
        key_states = self.k_proj(hidden_states).view(bsz, q_len, self.num_key_value_heads, self.head_dim).transpose(1, 2)
        value_states = self.v_proj(hidden_states).view(bsz, q_len, self.num_key_value_heads, self.head_dim).transpose(1, 2)
        kv_seq_len = key_states.shape[-2] + past_key.shape[-2]
        cos, sin = self.rotary_emb(value_states, seq_len=kv_seq_len)
        query_states, key_states = apply_rotary_pos_emb(query_states, key_states, cos, sin, position_ids)
        key_states = torch.cat([past_key, key_states], dim=2)
        value_states = torch.cat([past_value, value_states], dim=2)
        present = (key_states, value_states)
        key_states = repeat_kv(key_states, self.num_key_value_groups)
        value_states = repeat_kv(value_states, self.num_key_value_groups)
        attn_weights = torch.matmul(query_states, key_states.transpose(2, 3)) / math.sqrt(self.head_dim)
        attn_weights = attn_weights + attention_mask
        attn_weights = nn.functional.softmax(attn_weights, dim=-1, dtype=torch.float32).to(query_states.dtype)
        attn_output = torch.matmul(attn_weights, value_states)
        attn_output = attn_output.transpose(1, 2).contiguous().reshape(bsz, q_len, self.hidden_size)
        return self.o_proj(attn_output), present


class LlamaDecoderLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.self_attn = LlamaAttention(cfg)
        self.mlp = LlamaMLP(cfg)
        self.input_layernorm = LlamaRMSNorm(cfg.hidden_size, eps=cfg.rms_norm_eps)
        self.post_attention_layernorm = LlamaRMSNorm(cfg.hidden_size, eps=cfg.rms_norm_eps)

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


class KjvLlama(nn.Module):
    """forward(input_ids, attention_mask, position_ids, *past) ->
    (logits, present.0.key, present.0.value, ...), the exported signature:
    past is 2 * num_hidden_layers tensors [batch, kv_heads, past_len, head_dim]
    (past_len may be 0); attention_mask is [batch, past_len + seq_len] of
    0/1 int64; position_ids is [batch, seq_len] int64."""

    def __init__(self, cfg):
        super().__init__()
        self.config = cfg
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.layers = nn.ModuleList([LlamaDecoderLayer(cfg) for _ in range(cfg.num_hidden_layers)])
        self.norm = LlamaRMSNorm(cfg.hidden_size, eps=cfg.rms_norm_eps)
        self.lm_head = nn.Linear(cfg.hidden_size, cfg.vocab_size, bias=False)

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

    # -- conveniences (not exported) -------------------------------------
    def empty_past(self, bsz, dtype=torch.float32):
        cfg = self.config
        return [torch.zeros(bsz, cfg.num_key_value_heads, 0, cfg.head_dim, dtype=dtype)
                for _ in range(2 * cfg.num_hidden_layers)]

    def logits(self, input_ids):
        """Logits for a batch of full sequences from position 0, no past."""
        bsz, q_len = input_ids.shape
        attention_mask = torch.ones(bsz, q_len, dtype=torch.int64)
        position_ids = torch.arange(q_len, dtype=torch.int64).unsqueeze(0).expand(bsz, q_len)
        return self.forward(input_ids, attention_mask, position_ids, *self.empty_past(bsz))[0]

    @torch.no_grad()
    def greedy(self, prompt_ids, max_new_tokens):
        """Greedy continuation of one prompt with the KV cache: one prefill
        step over the prompt, then one token per step (argmax; ties go to
        the lowest id, as torch.argmax does). Returns the new ids."""
        ids = torch.tensor([prompt_ids], dtype=torch.int64)
        past = self.empty_past(1)
        out = []
        pos = 0
        for _ in range(max_new_tokens):
            q_len = ids.shape[1]
            attention_mask = torch.ones(1, pos + q_len, dtype=torch.int64)
            position_ids = torch.arange(pos, pos + q_len, dtype=torch.int64).unsqueeze(0)
            res = self.forward(ids, attention_mask, position_ids, *past)
            logits, past = res[0], list(res[1:])
            nxt = int(torch.argmax(logits[0, -1]))
            out.append(nxt)
            pos += q_len
            ids = torch.tensor([[nxt]], dtype=torch.int64)
        return out


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def load_checkpoint(path):
    ckpt = torch.load(path, map_location="cpu")
    cfg = Config(**ckpt["config"])
    model = KjvLlama(cfg)
    model.load_state_dict(ckpt["model"])
    return model.eval(), ckpt


def onnx_io_names(cfg):
    """Past and present key/value names of the exported signature."""
    past = []
    for i in range(cfg.num_hidden_layers):
        past += ["past_key_values.%d.key" % i, "past_key_values.%d.value" % i]
    return past, [n.replace("past_key_values", "present") for n in past]


def export_onnx(model, out, opset):
    """torch.onnx.export in the past/present convention with symbolic batch,
    sequence and past dims (traced at batch 1, 5 new tokens, 3 past); returns
    the exported ModelProto without the exporter's per-node stack traces,
    not yet saved."""
    import onnx

    cfg = model.config
    past_names, present_names = onnx_io_names(cfg)
    B, S, P = 1, 5, 3
    input_ids = torch.randint(0, cfg.vocab_size, (B, S))
    attention_mask = torch.ones(B, P + S, dtype=torch.int64)
    position_ids = torch.arange(P, P + S).unsqueeze(0)
    past = [torch.randn(B, cfg.num_key_value_heads, P, cfg.head_dim) for _ in range(2 * cfg.num_hidden_layers)]
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
                      opset_version=opset, do_constant_folding=True)
    m = onnx.load(out)
    for node in m.graph.node:
        node.ClearField("doc_string")
    return m
