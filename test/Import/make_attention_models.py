#!/usr/bin/python3
"""Builds the attention-op models for the importer lit tests and for
test/peer/e2e_ort.py, with a numpy reference for each.

Usage: make_attention_models.py NAME OUT.onnx      (writes the model)
       make_attention_models.py --check NAME       (prints the max abs error
                                                     of ONNX Runtime vs numpy)
       make_attention_models.py --list
Models (build(name, rng) -> model, inputs, reference outputs):
  onnx_attention_4d     Attention-23, 4-D GQA, float mask, past key/value
  onnx_attention_3d     Attention-23, 3-D packed heads, bool mask, is_causal
  onnx_attention_causal_past  Attention-23, is_causal with a past (S < T)
  mha                   com.microsoft MultiHeadAttention, attention_bias, past
  mha_causal            MultiHeadAttention, unidirectional, no past
  gqa                   com.microsoft GroupQueryAttention, past, do_rotary
  gqa_prompt            GroupQueryAttention, no past, interleaved rotary
  attention_softcap     Attention-23 with softcap (rejected by llmc)
Run with /usr/bin/python3 (onnx 1.12 + numpy). onnx 1.12 does not know
opset 23, so the models are not passed through the checker.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F32 = TensorProto.FLOAT


def f32(a):
    return np.asarray(a, dtype=np.float32)


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def init(name, value):
    return numpy_helper.from_array(np.asarray(value), name)


def make(nodes, inputs, outputs, inits, opset=23):
    graph = helper.make_graph(nodes, "attention", inputs, outputs, initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset),
                                                    helper.make_opsetid("com.microsoft", 1)],
                              producer_name="llmc-tests")
    model.ir_version = 10 if opset >= 23 else 8
    return model


# --- numpy reference -----------------------------------------------------------

def sdpa(q, k, v, mask=None, scale=None, causal_offset=None):
    """q [B,Hq,S,D], k/v [B,Hkv,T,D]; causal: key j visible iff j <= i + offset."""
    B, Hq, S, D = q.shape
    g = Hq // k.shape[1]
    k = np.repeat(k, g, axis=1).astype(np.float64)
    v = np.repeat(v, g, axis=1).astype(np.float64)
    scale = 1.0 / np.sqrt(D) if scale is None else scale
    s = q.astype(np.float64) @ k.transpose(0, 1, 3, 2) * scale
    if mask is not None:
        s = s + mask
    if causal_offset is not None:
        T = k.shape[2]
        hide = np.arange(T)[None, :] > np.arange(S)[:, None] + causal_offset
        s = np.where(hide, -np.inf, s)
    s = s - s.max(-1, keepdims=True)
    p = np.exp(s)
    p /= p.sum(-1, keepdims=True)
    return f32(p @ v)


def heads(x, h):
    B, S, HD = x.shape
    return x.reshape(B, S, h, HD // h).transpose(0, 2, 1, 3)


def merge(y):
    B, H, S, D = y.shape
    return y.transpose(0, 2, 1, 3).reshape(B, S, H * D)


def rope(x, cos, sin, interleaved):
    """x [B,H,S,D], cos/sin [S,D/2]."""
    if interleaved:
        x1, x2 = x[..., 0::2], x[..., 1::2]
        out = np.empty_like(x)
        out[..., 0::2] = x1 * cos - x2 * sin
        out[..., 1::2] = x2 * cos + x1 * sin
        return out
    h = x.shape[-1] // 2
    x1, x2 = x[..., :h], x[..., h:]
    return np.concatenate([x1 * cos - x2 * sin, x2 * cos + x1 * sin], -1)


def rope_cache(pos, half):
    inv = 10000.0 ** (-np.arange(half) / half)
    ang = np.arange(pos)[:, None] * inv[None, :]
    return f32(np.cos(ang)), f32(np.sin(ang))


# --- models ----------------------------------------------------------------------

def onnx_attention_4d(rng):
    B, Hq, Hkv, S, T, P, D = 2, 4, 2, 3, 3, 2, 8
    q, k, v = (f32(rng.normal(0, 1, s)) for s in ([B, Hq, S, D], [B, Hkv, T, D], [B, Hkv, T, D]))
    pk, pv = f32(rng.normal(0, 1, [B, Hkv, P, D])), f32(rng.normal(0, 1, [B, Hkv, P, D]))
    mask = f32(rng.normal(0, 1, [B, 1, S, P + T]))
    node = helper.make_node("Attention", ["q", "k", "v", "mask", "pk", "pv"], ["y", "present_k", "present_v"],
                            name="attn", scale=0.25)
    model = make([node], [vi("q", F32, q.shape), vi("k", F32, k.shape), vi("v", F32, v.shape),
                          vi("mask", F32, mask.shape), vi("pk", F32, pk.shape), vi("pv", F32, pv.shape)],
                 [vi("y", F32, [B, Hq, S, D]), vi("present_k", F32, [B, Hkv, P + T, D]),
                  vi("present_v", F32, [B, Hkv, P + T, D])], [])
    K, V = np.concatenate([pk, k], 2), np.concatenate([pv, v], 2)
    inputs = dict(q=q, k=k, v=v, mask=mask, pk=pk, pv=pv)
    return model, inputs, dict(y=sdpa(q, K, V, mask, 0.25), present_k=K, present_v=V)


def onnx_attention_3d(rng):
    B, Hq, Hkv, S, D = 2, 4, 2, 4, 8
    q = f32(rng.normal(0, 1, [B, S, Hq * D]))
    k, v = f32(rng.normal(0, 1, [B, S, Hkv * D])), f32(rng.normal(0, 1, [B, S, Hkv * D]))
    mask = np.ones([B, 1, S, S], bool)
    mask[1, ..., S - 1] = False  # a padded last key in batch 1
    node = helper.make_node("Attention", ["q", "k", "v", "mask"], ["y"], name="attn",
                            q_num_heads=Hq, kv_num_heads=Hkv, is_causal=1)
    model = make([node], [vi("q", F32, q.shape), vi("k", F32, k.shape), vi("v", F32, v.shape),
                          vi("mask", TensorProto.BOOL, mask.shape)],
                 [vi("y", F32, [B, S, Hq * D])], [])
    add = np.where(mask, 0.0, np.finfo(np.float32).min)
    y = sdpa(heads(q, Hq), heads(k, Hkv), heads(v, Hkv), add, causal_offset=0)
    return model, dict(q=q, k=k, v=v, mask=mask), dict(y=merge(y))


def onnx_attention_causal_past(rng):
    B, H, S, P, D = 1, 2, 2, 3, 8
    q, k, v = (f32(rng.normal(0, 1, [B, H, S, D])) for _ in range(3))
    pk, pv = f32(rng.normal(0, 1, [B, H, P, D])), f32(rng.normal(0, 1, [B, H, P, D]))
    node = helper.make_node("Attention", ["q", "k", "v", "", "pk", "pv"], ["y", "present_k", "present_v"],
                            name="attn", is_causal=1)
    model = make([node], [vi("q", F32, q.shape), vi("k", F32, k.shape), vi("v", F32, v.shape),
                          vi("pk", F32, pk.shape), vi("pv", F32, pv.shape)],
                 [vi("y", F32, [B, H, S, D]), vi("present_k", F32, [B, H, P + S, D]),
                  vi("present_v", F32, [B, H, P + S, D])], [])
    K, V = np.concatenate([pk, k], 2), np.concatenate([pv, v], 2)
    # ORT 1.30 aligns the causal triangle to the lower right: query i is at
    # position P + i and sees keys j <= P + i.
    return model, dict(q=q, k=k, v=v, pk=pk, pv=pv), dict(
        y=sdpa(q, K, V, causal_offset=P), present_k=K, present_v=V)


def mha(rng, causal=False):
    B, H, S, P, D = 2, 2, 3, 0 if causal else 2, 8
    q, k, v = (f32(rng.normal(0, 1, [B, S, H * D])) for _ in range(3))
    ins = ["q", "k", "v", "", "", "bias"]
    inputs = dict(q=q, k=k, v=v)
    vis = [vi("q", F32, q.shape), vi("k", F32, k.shape), vi("v", F32, v.shape)]
    bias = f32(rng.normal(0, 1, [B, 1, S, P + S]))
    inputs["bias"] = bias
    vis.append(vi("bias", F32, bias.shape))
    K, V = heads(k, H), heads(v, H)
    outs = ["y"]
    ovis = [vi("y", F32, [B, S, H * D])]
    if P:
        pk, pv = f32(rng.normal(0, 1, [B, H, P, D])), f32(rng.normal(0, 1, [B, H, P, D]))
        ins += ["pk", "pv"]
        inputs.update(pk=pk, pv=pv)
        vis += [vi("pk", F32, pk.shape), vi("pv", F32, pv.shape)]
        K, V = np.concatenate([pk, K], 2), np.concatenate([pv, V], 2)
        outs += ["present_k", "present_v"]
        ovis += [vi("present_k", F32, K.shape), vi("present_v", F32, V.shape)]
    attrs = dict(num_heads=H)
    if causal:
        attrs["unidirectional"] = 1
    node = helper.make_node("MultiHeadAttention", ins, outs, name="mha", domain="com.microsoft", **attrs)
    model = make([node], vis, ovis, [], opset=17)
    ref = dict(y=merge(sdpa(heads(q, H), K, V, bias, causal_offset=P if causal else None)))
    if P:
        ref.update(present_k=K, present_v=V)
    return model, inputs, ref


def gqa(rng, past=True, interleaved=False):
    B, Hq, Hkv, S, D, MAXP = 1, 4, 2, 3, 16, 16  # ORT: head size % 16 == 0
    P = 4 if past else 0
    q = f32(rng.normal(0, 1, [B, S, Hq * D]))
    k, v = f32(rng.normal(0, 1, [B, S, Hkv * D])), f32(rng.normal(0, 1, [B, S, Hkv * D]))
    cos, sin = rope_cache(MAXP, D // 2)
    ins = ["q", "k", "v", "pk" if past else "", "pv" if past else "", "seqlens_k", "total_len", "cos", "sin"]
    inits = [init("seqlens_k", np.array([P + S - 1] * B, np.int32)),
             init("total_len", np.array(P + S, np.int32)), init("cos", cos), init("sin", sin)]
    vis = [vi("q", F32, q.shape), vi("k", F32, k.shape), vi("v", F32, v.shape)]
    inputs = dict(q=q, k=k, v=v)
    Q = rope(heads(q, Hq), cos[P:P + S], sin[P:P + S], interleaved)
    K = rope(heads(k, Hkv), cos[P:P + S], sin[P:P + S], interleaved)
    V = heads(v, Hkv)
    if past:
        pk, pv = f32(rng.normal(0, 1, [B, Hkv, P, D])), f32(rng.normal(0, 1, [B, Hkv, P, D]))
        inputs.update(pk=pk, pv=pv)
        vis += [vi("pk", F32, pk.shape), vi("pv", F32, pv.shape)]
        K, V = np.concatenate([pk, K], 2), np.concatenate([pv, V], 2)
    node = helper.make_node("GroupQueryAttention", ins, ["y", "present_k", "present_v"], name="gqa",
                            domain="com.microsoft", num_heads=Hq, kv_num_heads=Hkv, do_rotary=1,
                            rotary_interleaved=int(interleaved))
    model = make([node], vis, [vi("y", F32, [B, S, Hq * D]), vi("present_k", F32, [B, Hkv, P + S, D]),
                               vi("present_v", F32, [B, Hkv, P + S, D])], inits, opset=17)
    y = sdpa(Q, K, V, causal_offset=P)
    return model, inputs, dict(y=merge(y), present_k=f32(K), present_v=f32(V))


def attention_softcap(rng):
    node = helper.make_node("Attention", ["q", "k", "v"], ["y"], name="capped", softcap=30.0)
    s = [1, 2, 3, 8]
    model = make([node], [vi(x, F32, s) for x in "qkv"], [vi("y", F32, s)], [])
    return model, {}, {}


MODELS = {
    "onnx_attention_4d": onnx_attention_4d,
    "onnx_attention_3d": onnx_attention_3d,
    "onnx_attention_causal_past": onnx_attention_causal_past,
    "mha": mha,
    "mha_causal": lambda rng: mha(rng, causal=True),
    "gqa": gqa,
    "gqa_prompt": lambda rng: gqa(rng, past=False, interleaved=True),
    "attention_softcap": attention_softcap,
}


def build(name, rng=None):
    return MODELS[name](rng if rng is not None else np.random.default_rng(0))


def main(argv):
    if argv[1:2] == ["--list"]:
        print("\n".join(MODELS))
        return 0
    if argv[1:2] == ["--check"]:
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peer"))
        import tempfile
        import ort_peer
        for name in argv[2:] or [m for m in MODELS if m != "attention_softcap"]:
            model, inputs, ref = build(name)
            path = os.path.join(tempfile.mkdtemp(), name + ".onnx")
            onnx.save(model, path)
            try:
                got = ort_peer.run_ort(path, inputs)
                print(name, {k: float(np.abs(got[k] - ref[k]).max()) for k in ref})
            except Exception as e:  # noqa: BLE001
                print(name, "ORT error:", e)
        return 0
    if len(argv) != 3 or argv[1] not in MODELS:
        print(__doc__, file=sys.stderr)
        return 2
    model, _, _ = build(argv[1])
    onnx.save(model, argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
