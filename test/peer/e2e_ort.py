#!/usr/bin/python3
"""End to end against ONNX Runtime: llmc-compiled models vs ORT 1.30.

    /usr/bin/python3 test/peer/e2e_ort.py --build BUILD_DIR [--keep DIR] [--filter REGEX]

Compiles a few transformer-style models with `llmc compile`, runs each with
`llmrun --exec` and with ONNX Runtime 1.30 (CPU EP, graph optimizations
disabled: test/peer/ort_run.js) on the same seeded random inputs, and checks
every output: fp32 relative error ||llmc - ort|| / ||ort|| < 1e-5 (2-norm over
the whole tensor), integer/bool outputs exactly.

Models: the demo block of scripts/make_demo_model.py (its own x.pb), plus
generated ones covering a causal self-attention block (LayerNorm, MatMul,
Split, Reshape, Transpose, Trilu/Greater/Where causal mask, Softmax), a
token/position embedding + Gelu MLP (Gather, Range, Concat), a batched
multi-head attention with a padding mask (And, Gemm, tanh-Gelu) and a
rotary-embedding-style rotate-half (Split, Neg, Concat, Slice), and the
torch-exported tiny Llama of test/Transforms/Inputs/tiny_llama.onnx (RMSNorm,
RoPE, SwiGLU, GQA attention with past key/values; raised to llm.rms_norm /
llm.rope / llm.silu_mul / llm.attention by llmc, compiled with --input-shape
for every input), the GPT-2-style export of test/peer/models/gpt2.onnx
(LayerNorm, Conv1D/Gemm, tanh-Gelu, MHA whose Where causal mask and padding
mask are raised into llm.attention; also with fully padded query rows),
the fused attention ops of test/Import/make_attention_models.py
(attn_*: opset-23 Attention, com.microsoft MultiHeadAttention and
GroupQueryAttention),
and the onnxruntime-genai builder / opset-23 forms (genai_block:
SkipSimplifiedLayerNormalization, 4/8-bit MatMulNBits projections,
com.microsoft RotaryEmbedding, FastGelu, QuickGelu, SkipLayerNormalization,
SimplifiedLayerNormalization; opset23_forms: RMSNormalization and
RotaryEmbedding of opset 23). The quantized models use the same tolerance:
(q - zp) * scale is exact in f32 on both sides.

Exits 0 with "SKIP: <reason>" when ONNX Runtime is not installed
(scripts/setup_ort.sh), non-zero on any mismatch or tool failure.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import ort_peer  # noqa: E402

REL_TOL = 1e-5
OPSET = 20  # Gelu is an ONNX op from opset 20


def f32(a):
    return np.asarray(a, dtype=np.float32)


def init(name, value):
    return numpy_helper.from_array(np.asarray(value), name)


def save_model(path, nodes, name, inputs, outputs, initializers):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="llmc-e2e-ort")
    model.ir_version = 8
    onnx.save(model, path)


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


# --- models: each returns (model path, {input name: array}[, [llmc compile args]])

def model_demo(work, rng):
    d = os.path.join(work, "demo")
    subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "scripts", "make_demo_model.py"), d],
                   check=True, stdout=subprocess.DEVNULL)
    x = numpy_helper.to_array(onnx.load_tensor(os.path.join(d, "x.pb")))
    return os.path.join(d, "demo.onnx"), {"x": x}


def model_causal_attention(work, rng):
    """Pre-norm single-sequence causal self-attention with a residual."""
    S, D, H = 16, 64, 4
    dh = D // H
    N = helper.make_node
    nodes = [
        N("LayerNormalization", ["x", "gamma", "beta"], ["ln"], axis=-1, epsilon=1e-5),
        N("MatMul", ["ln", "wqkv"], ["qkv0"]),
        N("Add", ["qkv0", "bqkv"], ["qkv"]),
        N("Split", ["qkv", "split3"], ["q", "k", "v"], axis=1),
        N("Reshape", ["q", "heads"], ["q3"]),
        N("Reshape", ["k", "heads"], ["k3"]),
        N("Reshape", ["v", "heads"], ["v3"]),
        N("Transpose", ["q3"], ["qh"], perm=[1, 0, 2]),   # [H,S,dh]
        N("Transpose", ["k3"], ["kT"], perm=[1, 2, 0]),   # [H,dh,S]
        N("Transpose", ["v3"], ["vh"], perm=[1, 0, 2]),
        N("MatMul", ["qh", "kT"], ["s0"]),
        N("Mul", ["s0", "scale"], ["s1"]),
        N("Trilu", ["ones", "zero"], ["tril"], upper=0),
        N("Greater", ["tril", "half"], ["causal"]),
        N("Where", ["causal", "s1", "neg"], ["s2"]),
        N("Softmax", ["s2"], ["probs"], axis=-1),
        N("MatMul", ["probs", "vh"], ["ctx0"]),
        N("Transpose", ["ctx0"], ["ctx1"], perm=[1, 0, 2]),
        N("Reshape", ["ctx1", "flat"], ["ctx"]),
        N("MatMul", ["ctx", "wo"], ["o"]),
        N("Add", ["x", "o"], ["y"]),
    ]
    inits = [
        init("gamma", f32(rng.uniform(0.5, 1.5, D))), init("beta", f32(rng.normal(0, 0.1, D))),
        init("wqkv", f32(rng.normal(0, D ** -0.5, (D, 3 * D)))),
        init("bqkv", f32(rng.normal(0, 0.1, 3 * D))),
        init("wo", f32(rng.normal(0, D ** -0.5, (D, D)))),
        init("split3", np.array([D, D, D], np.int64)),
        init("heads", np.array([S, H, dh], np.int64)), init("flat", np.array([S, D], np.int64)),
        init("scale", f32(1.0 / np.sqrt(dh))), init("ones", np.ones((S, S), np.float32)),
        init("zero", np.array(0, np.int64)), init("half", f32(0.5)), init("neg", f32(-1e9)),
    ]
    path = os.path.join(work, "causal_attention.onnx")
    save_model(path, nodes, "causal_attention", [vi("x", TensorProto.FLOAT, [S, D])],
               [vi("y", TensorProto.FLOAT, [S, D]), vi("probs", TensorProto.FLOAT, [H, S, S])], inits)
    return path, {"x": f32(rng.normal(0, 1, (S, D)))}


def model_embedding_mlp(work, rng):
    """Token + position embedding lookup, LayerNorm, Gelu MLP, feature Concat."""
    B, S, V, P, D = 2, 12, 100, 16, 32
    N = helper.make_node
    nodes = [
        N("Gather", ["tok_emb", "ids"], ["e"], axis=0),                 # [B,S,D]
        N("Range", ["r0", "rS", "r1"], ["pos"]),
        N("Gather", ["pos_emb", "pos"], ["pe"], axis=0),                # [S,D]
        N("Add", ["e", "pe"], ["h"]),
        N("LayerNormalization", ["h", "gamma", "beta"], ["ln"], axis=-1, epsilon=1e-5),
        N("MatMul", ["ln", "w1"], ["u0"]),
        N("Add", ["u0", "b1"], ["u1"]),
        N("Gelu", ["u1"], ["u2"]),
        N("MatMul", ["u2", "w2"], ["u3"]),
        N("Add", ["h", "u3"], ["out"]),
        N("Concat", ["out", "ln"], ["feat"], axis=-1),                 # [B,S,2D]
        N("ReduceMean", ["feat", "last"], ["pooled"], keepdims=0),     # [B,S]
    ]
    inits = [
        init("tok_emb", f32(rng.normal(0, 1, (V, D)))), init("pos_emb", f32(rng.normal(0, 0.5, (P, D)))),
        init("r0", np.array(0, np.int64)), init("rS", np.array(S, np.int64)), init("r1", np.array(1, np.int64)),
        init("gamma", f32(rng.uniform(0.5, 1.5, D))), init("beta", f32(rng.normal(0, 0.1, D))),
        init("w1", f32(rng.normal(0, D ** -0.5, (D, 4 * D)))), init("b1", f32(rng.normal(0, 0.1, 4 * D))),
        init("w2", f32(rng.normal(0, (4 * D) ** -0.5, (4 * D, D)))),
        init("last", np.array([-1], np.int64)),
    ]
    path = os.path.join(work, "embedding_mlp.onnx")
    save_model(path, nodes, "embedding_mlp", [vi("ids", TensorProto.INT64, [B, S])],
               [vi("feat", TensorProto.FLOAT, [B, S, 2 * D]), vi("pooled", TensorProto.FLOAT, [B, S])],
               inits)
    return path, {"ids": rng.integers(0, V, (B, S)).astype(np.int64)}


def model_batched_mha(work, rng):
    """Batched multi-head causal attention with a key padding mask, Gemm
    projections on the flattened batch, tanh-approximate Gelu MLP."""
    B, S, D, H = 2, 8, 32, 4
    dh = D // H
    N = helper.make_node
    nodes = [
        N("Reshape", ["x", "bs_d"], ["x2"]),                            # [B*S,D]
        N("Gemm", ["x2", "wqkv", "bqkv"], ["qkv2"], transB=1),          # wqkv is [3D,D]
        N("Reshape", ["qkv2", "b_s_3d"], ["qkv"]),                      # [B,S,3D]
        N("Split", ["qkv", "split3"], ["q", "k", "v"], axis=-1),
        N("Reshape", ["q", "b_s_h_dh"], ["q4"]),
        N("Reshape", ["k", "b_s_h_dh"], ["k4"]),
        N("Reshape", ["v", "b_s_h_dh"], ["v4"]),
        N("Transpose", ["q4"], ["qh"], perm=[0, 2, 1, 3]),              # [B,H,S,dh]
        N("Transpose", ["k4"], ["kT"], perm=[0, 2, 3, 1]),              # [B,H,dh,S]
        N("Transpose", ["v4"], ["vh"], perm=[0, 2, 1, 3]),
        N("MatMul", ["qh", "kT"], ["s0"]),
        N("Div", ["s0", "sqrt_dh"], ["s1"]),
        N("Trilu", ["ones"], ["tril"], upper=0),
        N("Cast", ["tril"], ["causal"], to=TensorProto.BOOL),          # [S,S]
        N("And", ["causal", "keep"], ["mask"]),                         # keep: [B,1,1,S]
        N("Where", ["mask", "s1", "neg"], ["s2"]),
        N("Softmax", ["s2"], ["p"], axis=-1),
        N("MatMul", ["p", "vh"], ["c0"]),
        N("Transpose", ["c0"], ["c1"], perm=[0, 2, 1, 3]),
        N("Reshape", ["c1", "bs_d"], ["c2"]),
        N("Gemm", ["c2", "wo", "bo"], ["o2"]),
        N("Reshape", ["o2", "b_s_d"], ["o"]),
        N("Add", ["x", "o"], ["h"]),
        N("MatMul", ["h", "w1"], ["m0"]),
        N("Gelu", ["m0"], ["m1"], approximate="tanh"),
        N("MatMul", ["m1", "w2"], ["m2"]),
        N("Add", ["h", "m2"], ["y"]),
    ]
    inits = [
        init("bs_d", np.array([B * S, D], np.int64)), init("b_s_3d", np.array([B, S, 3 * D], np.int64)),
        init("b_s_h_dh", np.array([B, S, H, dh], np.int64)), init("b_s_d", np.array([B, S, D], np.int64)),
        init("split3", np.array([D, D, D], np.int64)),
        init("wqkv", f32(rng.normal(0, D ** -0.5, (3 * D, D)))), init("bqkv", f32(rng.normal(0, 0.1, 3 * D))),
        init("wo", f32(rng.normal(0, D ** -0.5, (D, D)))), init("bo", f32(rng.normal(0, 0.1, D))),
        init("sqrt_dh", f32(np.sqrt(dh))), init("ones", np.ones((S, S), np.float32)),
        init("neg", f32(-1e9)),
        init("w1", f32(rng.normal(0, D ** -0.5, (D, 2 * D)))),
        init("w2", f32(rng.normal(0, (2 * D) ** -0.5, (2 * D, D)))),
    ]
    keep = rng.random((B, 1, 1, S)) < 0.7
    keep[..., 0] = True  # every query keeps at least its first key
    path = os.path.join(work, "batched_mha.onnx")
    save_model(path, nodes, "batched_mha",
               [vi("x", TensorProto.FLOAT, [B, S, D]), vi("keep", TensorProto.BOOL, [B, 1, 1, S])],
               [vi("y", TensorProto.FLOAT, [B, S, D]), vi("p", TensorProto.FLOAT, [B, H, S, S])], inits)
    return path, {"x": f32(rng.normal(0, 1, (B, S, D))), "keep": keep}


def model_rotary(work, rng):
    """Rotary-embedding style rotate-half on [B,S,H,dh]: Split/Neg/Concat,
    cos/sin tables cut to S with Slice, heads moved with Transpose/Reshape."""
    B, S, H, dh, P = 2, 6, 2, 8, 10
    N = helper.make_node
    nodes = [
        N("Reshape", ["x", "b_s_h_dh"], ["x4"]),
        N("Split", ["x4", "halves"], ["x1", "x2"], axis=-1),
        N("Neg", ["x2"], ["nx2"]),
        N("Concat", ["nx2", "x1"], ["rot"], axis=-1),
        N("Slice", ["cos_tab", "s0", "sS", "ax0"], ["cos"]),           # [S,dh]
        N("Slice", ["sin_tab", "s0", "sS", "ax0"], ["sin"]),
        N("Unsqueeze", ["cos", "ax1"], ["cos3"]),                       # [S,1,dh]
        N("Unsqueeze", ["sin", "ax1"], ["sin3"]),
        N("Mul", ["x4", "cos3"], ["a"]),
        N("Mul", ["rot", "sin3"], ["b"]),
        N("Add", ["a", "b"], ["r4"]),
        N("Transpose", ["r4"], ["rh"], perm=[0, 2, 1, 3]),              # [B,H,S,dh]
        N("Reshape", ["rh", "b_hs_dh"], ["y"]),
    ]
    theta = np.arange(P)[:, None] * (10000.0 ** (-np.arange(dh // 2) / (dh // 2)))[None, :]
    ang = np.concatenate([theta, theta], axis=-1)
    inits = [
        init("b_s_h_dh", np.array([B, S, H, dh], np.int64)),
        init("b_hs_dh", np.array([B, H * S, dh], np.int64)),
        init("halves", np.array([dh // 2, dh // 2], np.int64)),
        init("cos_tab", f32(np.cos(ang))), init("sin_tab", f32(np.sin(ang))),
        init("s0", np.array([0], np.int64)), init("sS", np.array([S], np.int64)),
        init("ax0", np.array([0], np.int64)), init("ax1", np.array([1], np.int64)),
    ]
    path = os.path.join(work, "rotary.onnx")
    save_model(path, nodes, "rotary", [vi("x", TensorProto.FLOAT, [B, S, H * dh])],
               [vi("y", TensorProto.FLOAT, [B, H * S, dh])], inits)
    return path, {"x": f32(rng.normal(0, 1, (B, S, H * dh)))}


def llama_past_inputs(rng, path, B, S, P, KV, DH, LAYERS, VOCAB, masked_past=0):
    """Inputs of a past/present Llama export (random ids, past key/values,
    the first `masked_past` positions padded out) and the --input-shape
    arguments that fix every dim."""
    mask = np.ones((B, P + S), np.int64)
    mask[:, :masked_past] = 0
    inputs = {"input_ids": rng.integers(0, VOCAB, (B, S)).astype(np.int64),
              "attention_mask": mask,
              "position_ids": np.arange(P, P + S, dtype=np.int64)[None, :]}
    for i in range(LAYERS):
        for kind in ("key", "value"):
            inputs["past_key_values.%d.%s" % (i, kind)] = f32(rng.normal(0, 1, (B, KV, P, DH)))
    args = []
    for name, value in inputs.items():
        args += ["--input-shape", "%s=%s" % (name, "x".join(str(d) for d in value.shape))]
    return path, inputs, args


def model_tiny_llama(work, rng):
    """The committed torch.onnx export of a 2-layer Llama (GQA, RoPE, RMSNorm,
    SwiGLU; made by test/Transforms/Inputs/make_tiny_llama.py) with past
    key/values: batch 1, 5 new tokens, 3 past tokens, the first past position
    padded out in attention_mask."""
    path = os.path.join(ROOT, "test", "Transforms", "Inputs", "tiny_llama.onnx")
    return llama_past_inputs(rng, path, B=1, S=5, P=3, KV=2, DH=8, LAYERS=2, VOCAB=64,
                             masked_past=1)


def model_gpt2(work, rng):
    """The committed GPT-2-style export (test/peer/models/gpt2.onnx, made by
    scripts/gen_models/gpt2.py: MHA 4 heads, the tril-buffer Where causal
    mask plus the (1 - mask) * finfo.min padding mask, a computed scale;
    raised to llm.attention) with past key/values: batch 1, 5 new tokens
    after 3 past, the first past position padded out."""
    path = os.path.join(ROOT, "test", "peer", "models", "gpt2.onnx")
    return llama_past_inputs(rng, path, B=1, S=5, P=3, KV=4, DH=16, LAYERS=2, VOCAB=160,
                             masked_past=1)


def model_gpt2_padded_rows(work, rng):
    """gpt2 with the first 5 of 8 positions padded out, so that the first two
    query rows see only padded keys: every score of those rows is about
    finfo.min (-inf where causal and padding add up), which the raised mask
    must reproduce exactly (docs/raising.md)."""
    path = os.path.join(ROOT, "test", "peer", "models", "gpt2.onnx")
    return llama_past_inputs(rng, path, B=1, S=5, P=3, KV=4, DH=16, LAYERS=2, VOCAB=160,
                             masked_past=5)


def model_kjv(work, rng):
    """The trained KJV demo model (models/kjv/kjv.onnx: 6 layers, GQA 8/4,
    vocab 3000) with past key/values: batch 1, 8 new tokens after 4 past."""
    path = os.path.join(ROOT, "models", "kjv", "kjv.onnx")
    return llama_past_inputs(rng, path, B=1, S=8, P=4, KV=4, DH=32, LAYERS=6, VOCAB=3000)


# --- onnxruntime-genai builder / opset-23 forms (lib/Import/ONNX/OpImportersContrib.cpp)

def save_contrib_model(path, nodes, name, inputs, outputs, initializers, opset):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset),
                                                    helper.make_opsetid("com.microsoft", 1)],
                              producer_name="llmc-e2e-ort")
    model.ir_version = 10 if opset >= 23 else 8
    onnx.save(model, path)


def quantize_nbits(rng, K, N, bits, block, zero_points):
    """Random MatMulNBits weight in ORT's layout: packed B [N, n_blocks, blob]
    (4 bits: low nibble first), scales [N * n_blocks], packed uint8 zero
    points [N * ceil(n_blocks * bits / 8)] (or None)."""
    nb = (K + block - 1) // block
    q = rng.integers(0, 1 << bits, (N, nb, block)).astype(np.uint8)
    if bits == 4:
        packed = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)
    else:
        packed = q
    scales = f32(rng.uniform(0.5, 1.5, N * nb) * 2.0 / (np.sqrt(K) * (1 << (bits - 1))))
    zp = None
    if zero_points:
        z = rng.integers(0, 1 << bits, (N, nb)).astype(np.uint8)
        if bits == 4:
            if nb % 2:
                z = np.concatenate([z, np.zeros((N, 1), np.uint8)], axis=1)
            z = (z[:, 0::2] | (z[:, 1::2] << 4)).astype(np.uint8)
        zp = z.reshape(-1)
    return packed, scales, zp


def nbits_node(name, a, out, inits, rng, K, N, bits, block, zero_points, bias=False):
    packed, scales, zp = quantize_nbits(rng, K, N, bits, block, zero_points)
    inits += [init(name + "_b", packed), init(name + "_s", scales)]
    ins = [a, name + "_b", name + "_s", ""]
    if zp is not None:
        inits.append(init(name + "_zp", zp))
        ins[3] = name + "_zp"
    if bias:
        inits.append(init(name + "_bias", f32(rng.normal(0, 0.1, N))))
        ins += ["", name + "_bias"]
    while ins[-1] == "":
        ins.pop()
    return helper.make_node("MatMulNBits", ins, [out], domain="com.microsoft", name=name,
                            K=K, N=N, bits=bits, block_size=block)


def rope_caches(positions, half, base=10000.0):
    inv = base ** (-np.arange(half) / half)
    ang = np.arange(positions)[:, None] * inv[None, :]
    return f32(np.cos(ang)), f32(np.sin(ang))


def model_genai_block(work, rng):
    """A decoder block the way onnxruntime-genai's builder writes it:
    SkipSimplifiedLayerNormalization, MatMulNBits q/k/v/o/up/down projections
    (4-bit with and without zero points, 8-bit, bias, odd block count, K not
    a multiple of the block size), com.microsoft
    RotaryEmbedding on q (rotate-half) and k (interleaved, partial rotation),
    attention from plain ops, FastGelu with bias, QuickGelu,
    SkipLayerNormalization and SimplifiedLayerNormalization."""
    B, S, D, H, P = 2, 5, 64, 4, 32
    dh = D // H
    N = helper.make_node
    MS = "com.microsoft"
    inits = []
    nodes = [
        N("SkipSimplifiedLayerNormalization", ["x", "res", "ln1_w"], ["n1", "", "", "h1"],
          domain=MS, epsilon=1e-6),
        nbits_node("q_proj", "n1", "q", inits, rng, D, D, 4, 32, True),
        nbits_node("k_proj", "n1", "k", inits, rng, D, D, 4, 16, False),
        nbits_node("v_proj", "n1", "v", inits, rng, D, D, 8, 32, True, bias=True),
        N("RotaryEmbedding", ["q", "pos", "cos", "sin"], ["qr"], domain=MS, num_heads=H),
        N("RotaryEmbedding", ["k", "pos", "cos_p", "sin_p"], ["kr"], domain=MS, num_heads=H,
          interleaved=1, rotary_embedding_dim=dh // 2),
        N("Reshape", ["qr", "b_s_h_dh"], ["q4"]),
        N("Reshape", ["kr", "b_s_h_dh"], ["k4"]),
        N("Reshape", ["v", "b_s_h_dh"], ["v4"]),
        N("Transpose", ["q4"], ["qh"], perm=[0, 2, 1, 3]),
        N("Transpose", ["k4"], ["kT"], perm=[0, 2, 3, 1]),
        N("Transpose", ["v4"], ["vh"], perm=[0, 2, 1, 3]),
        N("MatMul", ["qh", "kT"], ["s0"]),
        N("Mul", ["s0", "scale"], ["s1"]),
        N("Softmax", ["s1"], ["p"], axis=-1),
        N("MatMul", ["p", "vh"], ["c0"]),
        N("Transpose", ["c0"], ["c1"], perm=[0, 2, 1, 3]),
        N("Reshape", ["c1", "b_s_d"], ["c"]),
        nbits_node("o_proj", "c", "o", inits, rng, D, D, 4, 128, True, bias=True),  # K < block: padded
        N("SkipSimplifiedLayerNormalization", ["o", "h1", "ln2_w", "ln2_b"], ["n2", "", "", "h2"],
          domain=MS, epsilon=1e-5),
        nbits_node("up_proj", "n2", "u", inits, rng, D, 2 * D, 4, 32, True),
        N("FastGelu", ["u", "up_bias"], ["g"], domain=MS),
        nbits_node("down_proj", "g", "d", inits, rng, 2 * D, D, 8, 16, False),
        N("QuickGelu", ["d"], ["qd"], domain=MS, alpha=1.5),
        N("SkipLayerNormalization", ["qd", "h2", "ln3_g", "ln3_b", "ln3_bias"],
          ["y", "", "", "h3"], domain=MS, epsilon=1e-5),
        N("SimplifiedLayerNormalization", ["h3", "ln4_w"], ["z", "inv"], axis=-1, epsilon=1e-5),
    ]
    cos, sin = rope_caches(P, dh // 2)
    cos_p, sin_p = rope_caches(P, dh // 4)
    inits += [
        init("ln1_w", f32(rng.uniform(0.5, 1.5, D))), init("ln2_w", f32(rng.uniform(0.5, 1.5, D))),
        init("ln2_b", f32(rng.normal(0, 0.1, D))),
        init("cos", cos), init("sin", sin), init("cos_p", cos_p), init("sin_p", sin_p),
        init("b_s_h_dh", np.array([B, S, H, dh], np.int64)), init("b_s_d", np.array([B, S, D], np.int64)),
        init("scale", f32(1.0 / np.sqrt(dh))),
        init("up_bias", f32(rng.normal(0, 0.1, 2 * D))),
        init("ln3_g", f32(rng.uniform(0.5, 1.5, D))), init("ln3_b", f32(rng.normal(0, 0.1, D))),
        init("ln3_bias", f32(rng.normal(0, 0.1, D))), init("ln4_w", f32(rng.uniform(0.5, 1.5, D))),
    ]
    path = os.path.join(work, "genai_block.onnx")
    save_contrib_model(path, nodes, "genai_block",
                       [vi("x", TensorProto.FLOAT, [B, S, D]), vi("res", TensorProto.FLOAT, [B, S, D]),
                        vi("pos", TensorProto.INT64, [B, S])],
                       [vi("y", TensorProto.FLOAT, [B, S, D]), vi("z", TensorProto.FLOAT, [B, S, D]),
                        vi("inv", TensorProto.FLOAT, [B, S, 1]), vi("p", TensorProto.FLOAT, [B, H, S, S])],
                       inits, opset=17)
    pos = np.stack([np.arange(3, 3 + S), np.arange(7, 7 + S)]).astype(np.int64)
    return path, {"x": f32(rng.normal(0, 1, (B, S, D))), "res": f32(rng.normal(0, 1, (B, S, D))),
                  "pos": pos}


def model_opset23_forms(work, rng):
    """Opset-23 RMSNormalization (last axis, and axis 1 over flattened dims)
    and RotaryEmbedding (X, cos, sin, position_ids: 3-D input with position
    ids; 4-D [B, N, S, H] input with per-token caches, interleaved, partial),
    next to com.microsoft RotaryEmbedding with a start-offset position id."""
    B, S, H, dh, P = 2, 4, 2, 8, 16
    D = H * dh
    N = helper.make_node
    nodes = [
        N("RMSNormalization", ["x", "w"], ["n"], epsilon=1e-5),
        N("RMSNormalization", ["x", "w2"], ["n2"], axis=1, epsilon=1e-5),
        N("RotaryEmbedding", ["n", "cos", "sin", "pos"], ["r3"], num_heads=H),
        N("RotaryEmbedding", ["x4", "c3", "s3"], ["r4"], interleaved=1, rotary_embedding_dim=dh // 2),
        N("RotaryEmbedding", ["x4", "off", "cos", "sin"], ["rm"], domain="com.microsoft",
          interleaved=1),
    ]
    cos, sin = rope_caches(P, dh // 2)
    ang = rng.uniform(0, 6.3, (B, S, dh // 4))
    inits = [init("w", f32(rng.uniform(0.5, 1.5, D))), init("w2", f32(rng.uniform(0.5, 1.5, (S, D)))),
             init("cos", cos), init("sin", sin), init("off", np.array([5], np.int64))]
    path = os.path.join(work, "opset23_forms.onnx")
    save_contrib_model(path, nodes, "opset23_forms",
                       [vi("x", TensorProto.FLOAT, [B, S, D]), vi("pos", TensorProto.INT64, [B, S]),
                        vi("x4", TensorProto.FLOAT, [B, H, S, dh]),
                        vi("c3", TensorProto.FLOAT, [B, S, dh // 4]), vi("s3", TensorProto.FLOAT, [B, S, dh // 4])],
                       [vi("n2", TensorProto.FLOAT, [B, S, D]), vi("r3", TensorProto.FLOAT, [B, S, D]),
                        vi("r4", TensorProto.FLOAT, [B, H, S, dh]), vi("rm", TensorProto.FLOAT, [B, H, S, dh])],
                       inits, opset=23)
    pos = rng.integers(0, P, (B, S)).astype(np.int64)
    return path, {"x": f32(rng.normal(0, 1, (B, S, D))), "pos": pos,
                  "x4": f32(rng.normal(0, 1, (B, H, S, dh))), "c3": f32(np.cos(ang)), "s3": f32(np.sin(ang))}


# --- fused attention ops (lib/Import/ONNX/OpImportersAttention.cpp); the models
# and their numpy references live in test/Import/make_attention_models.py.

def attention_model(name):
    def make(work, rng):
        sys.path.insert(0, os.path.join(ROOT, "test", "Import"))
        import make_attention_models  # noqa: E402
        model, inputs, _ = make_attention_models.build(name, rng)
        path = os.path.join(work, name + ".onnx")
        onnx.save(model, path)
        return path, inputs
    return make


ATTENTION_MODELS = ["onnx_attention_4d", "onnx_attention_3d", "onnx_attention_causal_past",
                    "mha", "mha_causal", "gqa", "gqa_prompt"]


MODELS = [
    ("demo", model_demo),
    ("causal_attention", model_causal_attention),
    ("embedding_mlp", model_embedding_mlp),
    ("batched_mha", model_batched_mha),
    ("rotary", model_rotary),
    ("tiny_llama", model_tiny_llama),
    ("kjv", model_kjv),
    ("gpt2", model_gpt2),
    ("gpt2_padded_rows", model_gpt2_padded_rows),
    ("genai_block", model_genai_block),
    ("opset23_forms", model_opset23_forms),
] + [("attn_" + m, attention_model(m)) for m in ATTENTION_MODELS]


# --- running and comparing ----------------------------------------------------

def run_llmc(build, model_path, inputs, work, timeout, compile_args=()):
    plan = os.path.join(work, "model.plan")
    p = subprocess.run([os.path.join(build, "bin", "llmc"), "compile", model_path, "-o", plan] + list(compile_args),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("llmc compile: " + (p.stdout.decode(errors="replace").strip().splitlines() or ["exit %d" % p.returncode])[-1])
    cmd = [os.path.join(build, "bin", "llmrun"), plan, "--exec", "--output-dir", os.path.join(work, "out")]
    for name, value in inputs.items():
        pb = os.path.join(work, "in_%s.pb" % re.sub(r"[^A-Za-z0-9_.-]", "_", name))
        with open(pb, "wb") as f:
            f.write(numpy_helper.from_array(np.asarray(value), name).SerializeToString())
        cmd += ["--input", "%s=%s" % (name, pb)]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("llmrun: " + (p.stdout.decode(errors="replace").strip().splitlines() or ["exit %d" % p.returncode])[-1])
    outs = {}
    for o in onnx.load(model_path, load_external_data=False).graph.output:
        path = os.path.join(work, "out", o.name.replace("/", "_") + ".pb")
        if not os.path.exists(path):
            raise RuntimeError("llmrun wrote no output %s" % o.name)
        outs[o.name] = numpy_helper.to_array(onnx.load_tensor(path))
    return outs


def compare(name, got, ref):
    """(ok, text) for one output."""
    if got.shape != ref.shape:
        return False, "%s: shape %s, ORT %s" % (name, got.shape, ref.shape)
    if got.dtype != ref.dtype:
        return False, "%s: dtype %s, ORT %s" % (name, got.dtype, ref.dtype)
    if got.dtype.kind != "f":
        ok = np.array_equal(got, ref)
        return ok, "%s: %s %s" % (name, got.dtype, "equal" if ok else "%d of %d differ" % ((got != ref).sum(), got.size))
    g, r = got.astype(np.float64), ref.astype(np.float64)
    if not (np.isfinite(g).all() and np.isfinite(r).all()):
        same = np.array_equal(np.isnan(g), np.isnan(r)) and np.array_equal(g[~np.isfinite(g)], r[~np.isfinite(r)])
        finite = np.isfinite(g) & np.isfinite(r)
        if not same:
            return False, "%s: non-finite values differ" % name
        g, r = g[finite], r[finite]
    denom = np.linalg.norm(r)
    rel = np.linalg.norm(g - r) / denom if denom else np.linalg.norm(g - r)
    return rel < REL_TOL, "%s: rel err %.2e, max abs %.2e" % (
        name, rel, np.abs(g - r).max() if g.size else 0.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--filter", default="", help="regex on model names")
    ap.add_argument("--keep", help="write models, inputs and outputs under this directory")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--timeout", type=int, default=120)
    args = ap.parse_args()

    ok, why = ort_peer.ort_available()
    if not ok:
        print("e2e_ort: SKIP: ONNX Runtime unavailable: %s" % why)
        return 0
    for tool in ("llmc", "llmrun"):
        if not os.access(os.path.join(args.build, "bin", tool), os.X_OK):
            print("e2e_ort: ERROR: %s not found in %s/bin" % (tool, args.build))
            return 2

    work = args.keep or tempfile.mkdtemp(prefix="llmc-e2e-ort-")
    os.makedirs(work, exist_ok=True)
    failures = 0
    ran = 0
    try:
        for k, (name, make) in enumerate(MODELS):
            if args.filter and not re.search(args.filter, name):
                continue
            ran += 1
            mwork = os.path.join(work, name)
            os.makedirs(mwork, exist_ok=True)
            rng = np.random.default_rng(args.seed + k)
            try:
                made = make(mwork, rng)
                model_path, inputs = made[0], made[1]
                t0 = time.time()
                got = run_llmc(args.build, model_path, inputs, mwork, args.timeout,
                               made[2] if len(made) > 2 else ())
                t1 = time.time()
                ref = ort_peer.run_ort(model_path, inputs, timeout=args.timeout)
                t2 = time.time()
            except (RuntimeError, ort_peer.OrtError, subprocess.SubprocessError, OSError) as e:
                failures += 1
                print("FAIL %-17s %s" % (name, e), flush=True)
                continue
            texts, good = [], True
            for out in ref:
                if out not in got:
                    good, text = False, "%s: missing from llmrun's outputs" % out
                else:
                    o, text = compare(out, got[out], ref[out])
                    good &= o
                texts.append(text)
            failures += not good
            print("%s %-17s %s  (llmc %.2fs, ORT %.2fs)" % ("PASS" if good else "FAIL", name,
                  "; ".join(texts), t1 - t0, t2 - t1), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("e2e_ort: %d of %d models match ONNX Runtime 1.30 (rel err < %g)" % (ran - failures, ran, REL_TOL))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
