"""(c) A GPT-2-style decoder in plain PyTorch, mirroring HuggingFace
transformers' modeling_gpt2.py (4.3x, eager attention) so that
torch.onnx.export writes the patterns of an Optimum GPT-2 export:

  * wte token + wpe learned position embedding, indexed by position_ids;
  * pre-LayerNorm blocks (LayerNorm with weight and bias, eps 1e-5);
  * Conv1D projections (torch.addmm(bias, x.view(-1, D), W) with W [in, out],
    exported as Gemm between Reshapes), one fused c_attn then split into
    q, k, v (Split), heads via view + permute;
  * MHA (kv_heads = heads), past concat on the sequence axis, presents;
  * q k^T / full([], sqrt(head_dim)), the causal mask from the registered
    tril `bias` buffer sliced [k_len - q_len : k_len, :k_len] applied with
    torch.where(mask, w, finfo.min), plus the additive padding mask
    (1 - attention_mask) * finfo.min, softmax, @ v;
  * MLP c_fc -> gelu_new (tanh approximation, HF NewGELUActivation's
    explicit formula) -> c_proj;
  * final ln_f and an lm_head tied to wte (lm_head.weight is wte.weight).

The config exposes the attribute names common.export / models/kjv's
export_onnx read (num_hidden_layers, num_key_value_heads, head_dim,
vocab_size). Conditioning as in llama.py; the logit scale is set through
ln_f (the head is tied to the embedding).
"""
import math
from dataclasses import asdict, dataclass

import torch
from torch import nn

from llama import LOGIT_STD


@dataclass
class GPT2Config:
    vocab_size: int = 160
    n_positions: int = 256
    n_embd: int = 64
    n_layer: int = 2
    n_head: int = 4
    layer_norm_epsilon: float = 1e-5

    @property
    def num_hidden_layers(self):
        return self.n_layer

    @property
    def num_attention_heads(self):
        return self.n_head

    @property
    def num_key_value_heads(self):
        return self.n_head

    @property
    def head_dim(self):
        return self.n_embd // self.n_head

    def to_dict(self):
        return asdict(self)


class Conv1D(nn.Module):
    def __init__(self, nf, nx):
        super().__init__()
        self.nf = nf
        self.weight = nn.Parameter(torch.empty(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))
        nn.init.normal_(self.weight, std=nx ** -0.5)
        nn.init.normal_(self.bias, std=0.1)

    def forward(self, x):
        size_out = x.size()[:-1] + (self.nf,)
        x = torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight)
        return x.view(size_out)


class NewGELUActivation(nn.Module):
    def forward(self, input):
        return 0.5 * input * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (input + 0.044715 * torch.pow(input, 3.0))))


class GPT2Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        max_positions = cfg.n_positions
        self.register_buffer("bias", torch.tril(torch.ones((max_positions, max_positions), dtype=torch.bool)).view(
            1, 1, max_positions, max_positions), persistent=False)
        self.embed_dim = cfg.n_embd
        self.num_heads = cfg.n_head
        self.head_dim = self.embed_dim // self.num_heads
        self.split_size = self.embed_dim
        self.c_attn = Conv1D(3 * self.embed_dim, self.embed_dim)
        self.c_proj = Conv1D(self.embed_dim, self.embed_dim)

    def _split_heads(self, tensor, num_heads, attn_head_size):
        new_shape = tensor.size()[:-1] + (num_heads, attn_head_size)
        tensor = tensor.view(new_shape)
        return tensor.permute(0, 2, 1, 3)  # (batch, head, seq_length, head_features)

    def _merge_heads(self, tensor, num_heads, attn_head_size):
        tensor = tensor.permute(0, 2, 1, 3).contiguous()
        new_shape = tensor.size()[:-2] + (num_heads * attn_head_size,)
        return tensor.view(new_shape)

    def _attn(self, query, key, value, attention_mask):
        attn_weights = torch.matmul(query, key.transpose(-1, -2))
        attn_weights = attn_weights / torch.full(
            [], value.size(-1) ** 0.5, dtype=attn_weights.dtype, device=attn_weights.device)
        query_length, key_length = query.size(-2), key.size(-2)
        causal_mask = self.bias[:, :, key_length - query_length: key_length, :key_length]
        mask_value = torch.finfo(attn_weights.dtype).min
        mask_value = torch.full([], mask_value, dtype=attn_weights.dtype, device=attn_weights.device)
        attn_weights = torch.where(causal_mask, attn_weights.to(attn_weights.dtype), mask_value)
        attn_weights = attn_weights + attention_mask
        attn_weights = nn.functional.softmax(attn_weights, dim=-1)
        attn_weights = attn_weights.type(value.dtype)
        return torch.matmul(attn_weights, value)

    def forward(self, hidden_states, attention_mask, past_key, past_value):
        query, key, value = self.c_attn(hidden_states).split(self.split_size, dim=2)
        query = self._split_heads(query, self.num_heads, self.head_dim)
        key = self._split_heads(key, self.num_heads, self.head_dim)
        value = self._split_heads(value, self.num_heads, self.head_dim)
        key = torch.cat((past_key, key), dim=-2)
        value = torch.cat((past_value, value), dim=-2)
        present = (key, value)
        attn_output = self._attn(query, key, value, attention_mask)
        attn_output = self._merge_heads(attn_output, self.num_heads, self.head_dim)
        return self.c_proj(attn_output), present


class GPT2MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.c_fc = Conv1D(4 * cfg.n_embd, cfg.n_embd)
        self.c_proj = Conv1D(cfg.n_embd, 4 * cfg.n_embd)
        self.act = NewGELUActivation()

    def forward(self, hidden_states):
        return self.c_proj(self.act(self.c_fc(hidden_states)))


class GPT2Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg.n_embd, eps=cfg.layer_norm_epsilon)
        self.attn = GPT2Attention(cfg)
        self.ln_2 = nn.LayerNorm(cfg.n_embd, eps=cfg.layer_norm_epsilon)
        self.mlp = GPT2MLP(cfg)

    def forward(self, hidden_states, attention_mask, past_key, past_value):
        residual = hidden_states
        attn_output, present = self.attn(self.ln_1(hidden_states), attention_mask, past_key, past_value)
        hidden_states = attn_output + residual
        residual = hidden_states
        hidden_states = residual + self.mlp(self.ln_2(hidden_states))
        return hidden_states, present


class GPT2LMHeadModel(nn.Module):
    """forward(input_ids, attention_mask, position_ids, *past) ->
    (logits, present.0.key, present.0.value, ...), as KjvLlama."""

    def __init__(self, cfg):
        super().__init__()
        self.config = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.wpe = nn.Embedding(cfg.n_positions, cfg.n_embd)
        self.h = nn.ModuleList([GPT2Block(cfg) for _ in range(cfg.n_layer)])
        self.ln_f = nn.LayerNorm(cfg.n_embd, eps=cfg.layer_norm_epsilon)
        self.lm_head = nn.Linear(cfg.n_embd, cfg.vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight  # tied

    def forward(self, input_ids, attention_mask, position_ids, *past):
        batch_size = input_ids.shape[0]
        inputs_embeds = self.wte(input_ids)
        position_embeds = self.wpe(position_ids)
        hidden_states = inputs_embeds + position_embeds
        dtype = hidden_states.dtype
        attention_mask = attention_mask.view(batch_size, -1)
        attention_mask = attention_mask[:, None, None, :]
        attention_mask = attention_mask.to(dtype=dtype)
        attention_mask = (1.0 - attention_mask) * torch.finfo(dtype).min
        presents = []
        for i, block in enumerate(self.h):
            hidden_states, (k, v) = block(hidden_states, attention_mask, past[2 * i], past[2 * i + 1])
            presents += [k, v]
        hidden_states = self.ln_f(hidden_states)
        return (self.lm_head(hidden_states), *presents)

    def empty_past(self, bsz):
        cfg = self.config
        return [torch.zeros(bsz, cfg.num_key_value_heads, 0, cfg.head_dim) for _ in range(2 * cfg.n_layer)]

    def logits(self, input_ids):
        bsz, q_len = input_ids.shape
        mask = torch.ones(bsz, q_len, dtype=torch.int64)
        pos = torch.arange(q_len, dtype=torch.int64).unsqueeze(0).expand(bsz, q_len)
        return self.forward(input_ids, mask, pos, *self.empty_past(bsz))[0]


def build_gpt2(seed, cfg=None, qk=3.0, vo=2.0):
    cfg = cfg or GPT2Config()
    torch.manual_seed(seed)
    model = GPT2LMHeadModel(cfg).eval()
    D = cfg.n_embd
    with torch.no_grad():
        model.wte.weight.normal_(0.0, 0.5)
        model.wpe.weight.normal_(0.0, 0.3)
        for n, p in model.named_parameters():
            if ".ln_" in n or n.startswith("ln_f"):
                if n.endswith("weight"):
                    p.copy_(1.0 + 0.1 * torch.randn_like(p))
                else:
                    p.copy_(0.1 * torch.randn_like(p))
        for block in model.h:
            w = block.attn.c_attn.weight  # [D, 3D]: q | k | v columns
            w[:, :2 * D].mul_(qk)
            w[:, 2 * D:].mul_(vo)
            block.attn.c_proj.weight.mul_(vo)
        # Logit scale through ln_f (the head is tied to wte).
        g = torch.Generator().manual_seed(0)
        probe = torch.randint(0, cfg.vocab_size, (1, 48), generator=g)
        s = LOGIT_STD / float(model.logits(probe).std())
        model.ln_f.weight.mul_(s)
        model.ln_f.bias.mul_(s)
    return model, cfg
