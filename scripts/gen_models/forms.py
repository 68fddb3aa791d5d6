#!/usr/bin/python3
"""The llama_gqa test decoder (scripts/gen_models/llama.py, make_models.py's
seed) written in the two other exporter forms, with onnx.helper and the torch
model's weights as numpy arrays:

  (a) llama_gqa          torch.onnx.export (make_models.py; not written here)
  (b) llama_gqa_genai    the onnxruntime-genai builder form (builder.py):
                         SimplifiedLayerNormalization / com.microsoft
                         SkipSimplifiedLayerNormalization, MatMul,
                         com.microsoft GroupQueryAttention with do_rotary and
                         cos_cache/sin_cache, seqlens_k = ReduceSum(mask) - 1
                         (int32), total_sequence_length = Shape(mask)[1];
                         inputs input_ids, attention_mask, past_key_values.*
                         (no position_ids: GQA computes positions from seqlens_k)
  (c) llama_gqa_onnx23   ONNX opset 23: RMSNormalization, RotaryEmbedding
                         (position_ids input), Attention with past_key/past_value,
                         present outputs, is_causal and a bool padding mask

    /usr/bin/python3 scripts/gen_models/forms.py OUT_DIR [--only NAME[,NAME]]
    /usr/bin/python3 scripts/gen_models/forms.py --lit OUT_DIR

OUT_DIR/<name>.onnx for each form (the committed copies are test/peer/models/).
The weights are exactly those of llama_gqa (same seed, same torch model), so the
checks of common.generate() carry over: the torch model must be well-conditioned
(top-1/top-2 margin above GEN_MARGIN along every test trajectory, context
sensitivity, distinct tokens) and, when ONNX Runtime is installed, ORT must
produce torch's greedy tokens with every form, with margins above GEN_MARGIN.

--lit writes the small lit-test inputs of test/Transforms/three-forms.test
(one architecture: 1 layer, GQA 4/2, hidden 32, vocab 32, in all three forms: tiny_form_a.onnx by
torch.onnx.export, tiny_form_b.onnx, tiny_form_c.onnx); no ORT check.

Needs /usr/bin/python3 with torch 1.13, onnx 1.12, numpy. onnx 1.12 knows
neither opset 23 nor ORT's default-domain SimplifiedLayerNormalization, so the
models of forms (b) and (c) are not passed through the checker (ORT loads them).
"""
import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import llama  # noqa: E402

SEED = 15          # make_models.py's seed of llama_gqa
F32, I64, I32, BOOL = TensorProto.FLOAT, TensorProto.INT64, TensorProto.INT32, TensorProto.BOOL


def weights(model):
    """numpy weights of a kjv.KjvLlama; linear layers as MatMul's [in, out]."""
    cfg = model.config
    t = lambda p: p.detach().numpy().astype(np.float32)  # noqa: E731
    rot = model.layers[0].self_attn.rotary_emb
    half = cfg.head_dim // 2
    w = {"embed": t(model.embed_tokens.weight), "norm": t(model.norm.weight),
         "lm_head": t(model.lm_head.weight).T.copy(),
         # the very tables of the torch export: cos_cached = cos(concat(f, f)), first half
         "cos": np.ascontiguousarray(t(rot.cos_cached)[:, :half]),
         "sin": np.ascontiguousarray(t(rot.sin_cached)[:, :half]), "layers": []}
    for layer in model.layers:
        a, m = layer.self_attn, layer.mlp
        w["layers"].append({
            "ln1": t(layer.input_layernorm.weight), "ln2": t(layer.post_attention_layernorm.weight),
            "q": t(a.q_proj.weight).T.copy(), "k": t(a.k_proj.weight).T.copy(),
            "v": t(a.v_proj.weight).T.copy(), "o": t(a.o_proj.weight).T.copy(),
            "gate": t(m.gate_proj.weight).T.copy(), "up": t(m.up_proj.weight).T.copy(),
            "down": t(m.down_proj.weight).T.copy()})
    return w


class Graph:
    def __init__(self):
        self.nodes, self.inits, self.count = [], [], 0

    def init(self, name, value):
        self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, op_type, inputs, name, outputs=None, domain="", **attrs):
        outs = outputs or [name + "/output_0"]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=name, domain=domain, **attrs))
        return outs[0] if len(outs) == 1 else outs


def io(cfg, position_ids):
    kv, d = cfg.num_key_value_heads, cfg.head_dim
    ins = [helper.make_tensor_value_info("input_ids", I64, ["batch_size", "sequence_length"]),
           helper.make_tensor_value_info("attention_mask", I64, ["batch_size", "total_sequence_length"])]
    if position_ids:
        ins.append(helper.make_tensor_value_info("position_ids", I64, ["batch_size", "sequence_length"]))
    outs = [helper.make_tensor_value_info("logits", F32, ["batch_size", "sequence_length", cfg.vocab_size])]
    for i in range(cfg.num_hidden_layers):
        for kind in ("key", "value"):
            ins.append(helper.make_tensor_value_info("past_key_values.%d.%s" % (i, kind), F32,
                                                     ["batch_size", kv, "past_sequence_length", d]))
            outs.append(helper.make_tensor_value_info("present.%d.%s" % (i, kind), F32,
                                                      ["batch_size", kv, "total_sequence_length", d]))
    return ins, outs


def model_proto(g, cfg, name, position_ids, opsets):
    ins, outs = io(cfg, position_ids)
    graph = helper.make_graph(g.nodes, name, ins, outs, initializer=g.inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets],
                          producer_name="llmc-gen-models")
    m.ir_version = 10 if dict(opsets)[""] >= 23 else 8
    return m


def mlp(g, x, lw, p):
    gate = g.op("MatMul", [x, g.init(p + "/gate_proj/MatMul/weight", lw["gate"])], p + "/gate_proj/MatMul")
    up = g.op("MatMul", [x, g.init(p + "/up_proj/MatMul/weight", lw["up"])], p + "/up_proj/MatMul")
    sig = g.op("Sigmoid", [gate], p + "/act_fn/Sigmoid")
    act = g.op("Mul", [gate, sig], p + "/act_fn/Mul")
    prod = g.op("Mul", [act, up], p + "/Mul")
    return g.op("MatMul", [prod, g.init(p + "/down_proj/MatMul/weight", lw["down"])], p + "/down_proj/MatMul")


def build_genai(cfg, w):
    """Form (b), node for node as onnxruntime-genai's builder.py writes a
    Llama (fp32 CPU, separate q/k/v MatMuls)."""
    g = Graph()
    eps = float(cfg.rms_norm_eps)
    one = g.init("/model/constants/INT64/1", np.array(1, np.int64))
    axes1 = g.init("/model/constants/INT64/[1]", np.array([1], np.int64))
    # attention mask [B, T] -> seqlens_k [B, 1] int32, total_seq_len [] int32
    b = "/model/attn_mask_reformat/attn_mask_subgraph"
    rs = g.op("ReduceSum", ["attention_mask", axes1], b + "/ReduceSum")
    sub = g.op("Sub", [rs, one], b + "/Sub")
    seqlens_k = g.op("Cast", [sub], b + "/Sub/Cast", to=I32)
    shape = g.op("Shape", ["attention_mask"], b + "/Shape")
    gat = g.op("Gather", [shape, one], b + "/Gather", axis=0)
    total = g.op("Cast", [gat], b + "/Gather/Cast", to=I32)
    cos = g.init("cos_cache", w["cos"])
    sin = g.init("sin_cache", w["sin"])

    h = g.op("Gather", [g.init("model.embed_tokens.weight", w["embed"]), "input_ids"], "/model/embed_tokens/Gather")
    residual, skip = h, None
    for i, lw in enumerate(w["layers"]):
        p = "/model/layers.%d" % i
        if skip is None:
            x = g.op("SimplifiedLayerNormalization", [residual, g.init(p + "/input_layernorm/weight", lw["ln1"])],
                     p + "/input_layernorm/LayerNorm", axis=-1, epsilon=eps, stash_type=1)
        else:
            n = p + "/input_layernorm/SkipLayerNorm"
            x, _, _, residual = g.op("SkipSimplifiedLayerNormalization",
                                     [skip, residual, g.init(p + "/input_layernorm/weight", lw["ln1"])], n,
                                     outputs=[n + "/output_0", "", "", n + "/output_3"], domain="com.microsoft",
                                     epsilon=eps)
        a = p + "/attn"
        q = g.op("MatMul", [x, g.init(a + "/q_proj/MatMul/weight", lw["q"])], a + "/q_proj/MatMul")
        k = g.op("MatMul", [x, g.init(a + "/k_proj/MatMul/weight", lw["k"])], a + "/k_proj/MatMul")
        v = g.op("MatMul", [x, g.init(a + "/v_proj/MatMul/weight", lw["v"])], a + "/v_proj/MatMul")
        n = a + "/GroupQueryAttention"
        y = g.op("GroupQueryAttention",
                 [q, k, v, "past_key_values.%d.key" % i, "past_key_values.%d.value" % i, seqlens_k, total, cos, sin],
                 n, outputs=[n + "/output_0", "present.%d.key" % i, "present.%d.value" % i], domain="com.microsoft",
                 num_heads=cfg.num_attention_heads, kv_num_heads=cfg.num_key_value_heads,
                 scale=float(1.0 / np.sqrt(cfg.head_dim)), local_window_size=-1, softcap=0.0,
                 do_rotary=1, rotary_interleaved=0)[0]
        o = g.op("MatMul", [y, g.init(a + "/o_proj/MatMul/weight", lw["o"])], a + "/o_proj/MatMul")
        n = p + "/post_attention_layernorm/SkipLayerNorm"
        x, _, _, residual = g.op("SkipSimplifiedLayerNormalization",
                                 [o, residual, g.init(p + "/post_attention_layernorm/weight", lw["ln2"])], n,
                                 outputs=[n + "/output_0", "", "", n + "/output_3"], domain="com.microsoft",
                                 epsilon=eps)
        skip = mlp(g, x, lw, p + "/mlp")
    n = "/model/layers.%d/final_norm_layernorm/SkipLayerNorm" % cfg.num_hidden_layers
    x = g.op("SkipSimplifiedLayerNormalization", [skip, residual, g.init("model.layers.%d.final_norm_layernorm.weight"
                                                                          % cfg.num_hidden_layers, w["norm"])],
             n, outputs=[n + "/output_0"], domain="com.microsoft", epsilon=eps)
    g.op("MatMul", [x, g.init("lm_head.MatMul.weight", w["lm_head"])], "/lm_head/MatMul", outputs=["logits"])
    return model_proto(g, cfg, "llama_gqa_genai", False, [("", 17), ("com.microsoft", 1)])


def build_onnx23(cfg, w):
    """Form (c): ONNX opset 23 RMSNormalization, RotaryEmbedding and Attention."""
    g = Graph()
    eps = float(cfg.rms_norm_eps)
    hq, hkv = cfg.num_attention_heads, cfg.num_key_value_heads
    cos = g.init("cos_cache", w["cos"])
    sin = g.init("sin_cache", w["sin"])
    # padding mask [B, 1, S, T] (bool, true = attend), combined with is_causal
    m = g.op("Cast", ["attention_mask"], "/model/mask/Cast", to=BOOL)
    m = g.op("Unsqueeze", [m, g.init("/model/constants/INT64/[1, 2]", np.array([1, 2], np.int64))],
             "/model/mask/Unsqueeze")
    # ORT wants the query length in dim -2: expand to [B, 1, S, T]
    s = g.op("Shape", ["input_ids"], "/model/mask/Shape", start=1, end=2)
    shape = g.op("Concat", [g.init("/model/constants/INT64/[1, 1]", np.array([1, 1], np.int64)), s,
                            g.init("/model/constants/INT64/[1]", np.array([1], np.int64))],
                 "/model/mask/Concat", axis=0)
    mask = g.op("Expand", [m, shape], "/model/mask/Expand")
    h = g.op("Gather", [g.init("model.embed_tokens.weight", w["embed"]), "input_ids"], "/model/embed_tokens/Gather")
    for i, lw in enumerate(w["layers"]):
        p = "/model/layers.%d" % i
        x = g.op("RMSNormalization", [h, g.init(p + "/input_layernorm/weight", lw["ln1"])],
                 p + "/input_layernorm/RMSNormalization", axis=-1, epsilon=eps)
        a = p + "/self_attn"
        q = g.op("MatMul", [x, g.init(a + "/q_proj/weight", lw["q"])], a + "/q_proj/MatMul")
        k = g.op("MatMul", [x, g.init(a + "/k_proj/weight", lw["k"])], a + "/k_proj/MatMul")
        v = g.op("MatMul", [x, g.init(a + "/v_proj/weight", lw["v"])], a + "/v_proj/MatMul")
        q = g.op("RotaryEmbedding", [q, cos, sin, "position_ids"], a + "/q_rotary", num_heads=hq)
        k = g.op("RotaryEmbedding", [k, cos, sin, "position_ids"], a + "/k_rotary", num_heads=hkv)
        n = a + "/Attention"
        y = g.op("Attention", [q, k, v, mask, "past_key_values.%d.key" % i, "past_key_values.%d.value" % i], n,
                 outputs=[n + "/output_0", "present.%d.key" % i, "present.%d.value" % i],
                 q_num_heads=hq, kv_num_heads=hkv, is_causal=1)[0]
        o = g.op("MatMul", [y, g.init(a + "/o_proj/weight", lw["o"])], a + "/o_proj/MatMul")
        h = g.op("Add", [h, o], p + "/Add")
        x = g.op("RMSNormalization", [h, g.init(p + "/post_attention_layernorm/weight", lw["ln2"])],
                 p + "/post_attention_layernorm/RMSNormalization", axis=-1, epsilon=eps)
        h = g.op("Add", [h, mlp(g, x, lw, p + "/mlp")], p + "/Add_1")
    x = g.op("RMSNormalization", [h, g.init("model.norm.weight", w["norm"])], "/model/norm/RMSNormalization",
             axis=-1, epsilon=eps)
    g.op("MatMul", [x, g.init("lm_head.weight", w["lm_head"])], "/lm_head/MatMul", outputs=["logits"])
    return model_proto(g, cfg, "llama_gqa_onnx23", True, [("", 23)])


FORMS = {"llama_gqa_genai": build_genai, "llama_gqa_onnx23": build_onnx23}


def make(out_dir, names, seed=SEED, require_ort=False):
    model, cfg = llama.build_llama(seed)
    reqs = common.test_requests(cfg.vocab_size)
    tref = common.torch_references(model, cfg, reqs)
    tmin, distinct, total = common.summarize(tref)
    sens = common.context_sensitivity(model, cfg, reqs, tref)
    if tmin <= common.GEN_MARGIN or distinct < common.MIN_DISTINCT * min(cfg.vocab_size, total) \
            or sens < common.MIN_SENSITIVITY:
        raise RuntimeError("llama_gqa seed %d is not well-conditioned (margin %.4f, %d distinct, sensitivity %.2f)"
                           % (seed, tmin, distinct, sens))
    ok_ort, why = common.ort_status()
    if require_ort and not ok_ort:
        raise RuntimeError("ONNX Runtime unavailable: " + why)
    w = weights(model)
    os.makedirs(out_dir, exist_ok=True)
    for name in names:
        path = os.path.join(out_dir, name + ".onnx")
        onnx.save(FORMS[name](cfg, w), path)
        note = " (ORT not checked: %s)" % why
        if ok_ort:
            oref = common.ort_references(path, reqs)
            diff = common.compare_refs(tref, oref)
            if diff:
                raise RuntimeError("%s: torch and ONNX Runtime disagree on %s" % (name, ", ".join(diff)))
            omin = common.summarize(oref)[0]
            if omin <= common.GEN_MARGIN:
                raise RuntimeError("%s: ORT margin %.4f too small" % (name, omin))
            note = ", ORT %.4f (same tokens as torch)" % omin
        print("%s: seed %d: wrote %s (%d bytes); min margin torch %.4f%s; %d distinct of %d tokens; "
              "context sensitivity %.2f" % (name, seed, path, os.path.getsize(path), tmin, note, distinct, total,
                                            sens), flush=True)


def make_lit(out_dir):
    """Tiny inputs of test/Transforms/three-forms.test: 1 layer, GQA 4/2,
    head_dim 8, hidden 32, vocab 32, 32 rope rows; random weights (seed 0)."""
    import torch
    cfg = llama.llama_config(vocab_size=32, hidden_size=32, num_hidden_layers=1, intermediate_size=64,
                             max_position_embeddings=32)
    torch.manual_seed(0)
    model = common.kjv.KjvLlama(cfg).eval()
    os.makedirs(out_dir, exist_ok=True)
    a = os.path.join(out_dir, "tiny_form_a.onnx")
    m = common.export(model, a)
    common.save(m, a)
    w = weights(model)
    onnx.save(build_genai(cfg, w), os.path.join(out_dir, "tiny_form_b.onnx"))
    onnx.save(build_onnx23(cfg, w), os.path.join(out_dir, "tiny_form_c.onnx"))
    for f in ("a", "b", "c"):
        p = os.path.join(out_dir, "tiny_form_%s.onnx" % f)
        print("wrote %s (%d bytes)" % (p, os.path.getsize(p)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--only", default="", help="comma-separated names (default: all forms)")
    ap.add_argument("--lit", action="store_true", help="write the lit-test inputs instead")
    ap.add_argument("--require-ort", action="store_true")
    args = ap.parse_args()
    if args.lit:
        make_lit(args.out_dir)
        return 0
    names = [n for n in args.only.split(",") if n] or list(FORMS)
    for n in names:
        if n not in FORMS:
            ap.error("unknown form %s (have: %s)" % (n, ", ".join(FORMS)))
    make(args.out_dir, names, require_ort=args.require_ort)
    return 0


if __name__ == "__main__":
    sys.exit(main())
