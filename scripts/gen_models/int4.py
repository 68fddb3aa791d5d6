"""(d) A Llama (llama.py) whose linear layers are onnxruntime com.microsoft
MatMulNBits int4 nodes, as onnxruntime-genai's builder / ORT's
matmul_4bits_quantizer write them.

The weights are quantized in numpy first (per output column, blocks of
`block_size` along K; with zero points: asymmetric min/max, else the
implied zero point 8 and scale max|w| / 7), and the torch weights are set to
the dequantized values (q - zp) * scale (exact in f32), so the torch model,
its fp32 export and the MatMulNBits model compute the same function. The
export's MatMul nodes whose B is an initializer equal to a quantized weight
(W^T, [K, N]) are then rewritten into MatMulNBits with ORT's layout: B uint8
[N, n_blocks, block_size / 2] (low nibble first), scales f32 [N * n_blocks],
zero_points uint8 [N * ceil(n_blocks / 2)] (low nibble first) or absent.

Block sizes and zero points vary per layer so one model covers them all:
layer 0: block 32 with zero points; layer 1: block 16 without; lm_head:
block 16 with zero points.
"""
import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper

import llama

BITS = 4


def scheme(name):
    """(block_size, zero_points) for a linear layer's parameter name."""
    if name.startswith("layers.0."):
        return 32, True
    if name.startswith("lm_head"):
        return 16, True
    return 16, False


def quantize(w, block, zero_points):
    """w [N, K] f32 -> (q uint8 [N, nb, block], scales f32 [N, nb],
    zp uint8 [N, nb], dequantized f32 [N, K])."""
    N, K = w.shape
    nb = (K + block - 1) // block
    wp = np.zeros((N, nb * block), np.float32)
    wp[:, :K] = w
    wb = wp.reshape(N, nb, block)
    if zero_points:
        lo = np.minimum(wb.min(-1), 0.0)
        hi = np.maximum(wb.max(-1), 0.0)
        scale = ((hi - lo) / 15.0).astype(np.float32)
        scale[scale == 0] = 1.0
        zp = np.clip(np.round(-lo / scale), 0, 15).astype(np.uint8)
    else:
        scale = (np.abs(wb).max(-1) / 7.0).astype(np.float32)
        scale[scale == 0] = 1.0
        zp = np.full((N, nb), 8, np.uint8)
    q = np.clip(np.round(wb / scale[..., None]) + zp[..., None], 0, 15).astype(np.uint8)
    deq = ((q.astype(np.float32) - zp[..., None].astype(np.float32)) * scale[..., None]).astype(np.float32)
    return q, scale, zp, deq.reshape(N, nb * block)[:, :K]


def pack4(a):
    """uint8 values < 16 along the last axis -> two per byte, low nibble first."""
    if a.shape[-1] % 2:
        a = np.concatenate([a, np.zeros(a.shape[:-1] + (1,), np.uint8)], axis=-1)
    return (a[..., 0::2] | (a[..., 1::2] << 4)).astype(np.uint8)


def int4_config():
    return llama.llama_config(vocab_size=128, num_attention_heads=4, num_key_value_heads=1)


def build(seed):
    """Llama (MQA: 4 query heads, 1 kv head, head_dim 16) with dequantized
    int4 weights; finish() rewrites the export's MatMuls."""
    model, cfg = llama.build_llama(seed, int4_config())
    quant = {}  # param name -> (q, scale, zp, block, with zp, W^T as exported)
    with torch.no_grad():
        for name, mod in model.named_modules():
            if isinstance(mod, torch.nn.Linear):
                block, with_zp = scheme(name)
                w = mod.weight.detach().numpy().astype(np.float32)
                q, scale, zp, deq = quantize(w, block, with_zp)
                mod.weight.copy_(torch.from_numpy(deq))
                quant[name] = (q, scale, zp, block, with_zp, np.ascontiguousarray(deq.T))

    def finish(_model, m):
        return rewrite_matmuls(m, quant)

    return model, cfg, finish


def rewrite_matmuls(m, quant):
    inits = {i.name: i for i in m.graph.initializer}
    by_bytes = {v[5].tobytes(): (k, v) for k, v in quant.items()}
    nodes, used, done = [], set(), set()
    for node in m.graph.node:
        b = node.input[1] if node.op_type == "MatMul" and len(node.input) == 2 else None
        hit = None
        if b in inits:
            arr = numpy_helper.to_array(inits[b])
            if arr.dtype == np.float32 and arr.ndim == 2:
                hit = by_bytes.get(np.ascontiguousarray(arr).tobytes())
        if hit is None:
            nodes.append(node)
            continue
        name, (q, scale, zp, block, with_zp, wt) = hit
        K, N = wt.shape
        base = name.replace(".", "_") + "_q4"
        new = [numpy_helper.from_array(pack4(q), base + "_B"),
               numpy_helper.from_array(scale.reshape(-1).astype(np.float32), base + "_scales")]
        ins = [node.input[0], base + "_B", base + "_scales"]
        if with_zp:
            new.append(numpy_helper.from_array(pack4(zp).reshape(-1), base + "_zero_points"))
            ins.append(base + "_zero_points")
        if name not in done:
            m.graph.initializer.extend(new)
            done.add(name)
        used.add(b)
        nodes.append(helper.make_node("MatMulNBits", ins, list(node.output), name=(node.name or base) + "_MatMulNBits",
                                      domain="com.microsoft", K=K, N=N, bits=BITS, block_size=block))
    missing = set(quant) - done
    if missing:
        raise RuntimeError("no exported MatMul found for %s" % ", ".join(sorted(missing)))
    del m.graph.node[:]
    m.graph.node.extend(nodes)
    still = [i for i in m.graph.initializer if i.name not in used or
             any(i.name in n.input for n in nodes)]
    del m.graph.initializer[:]
    m.graph.initializer.extend(still)
    if not any(o.domain == "com.microsoft" for o in m.opset_import):
        m.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return m
