#!/usr/bin/python3
"""Builds small ONNX models in the onnxruntime-genai builder form (ORT contrib
ops, com.microsoft domain) and the opset-23 forms for the importer lit tests.

Usage: make_contrib_models.py NAME OUT.onnx   (--list prints the names)
Run with /usr/bin/python3 (Debian's onnx 1.12, which does not know opset 23
or the contrib ops: the models are written without onnx.checker).
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F32 = TensorProto.FLOAT
I64 = TensorProto.INT64
U8 = TensorProto.UINT8
MS = "com.microsoft"


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def node(op, inputs, outputs, name=None, domain=None, **attrs):
    return helper.make_node(op, inputs, outputs, name=name or outputs[0], domain=domain, **attrs)


def ms(op, inputs, outputs, name=None, **attrs):
    return node(op, inputs, outputs, name=name, domain=MS, **attrs)


def graph_model(nodes, inputs, outputs, inits=(), opset=17):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    opsets = [helper.make_opsetid("", opset), helper.make_opsetid(MS, 1)]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="llmc-tests",
                              producer_version="1.0")
    model.ir_version = 8
    return model


MODELS = {}


def model(fn):
    MODELS[fn.__name__] = fn
    return fn


def ones(n):
    return np.ones(n, np.float32)


# --- norms --------------------------------------------------------------------

@model
def simplified_norm(out):
    """genai builder's SimplifiedLayerNormalization (default domain), with the
    optional inv_std_var output."""
    return graph_model(
        [node("SimplifiedLayerNormalization", ["x", "w"], ["y", "inv"], axis=-1, epsilon=1e-6,
              stash_type=1)],
        [vi("x", F32, [2, 3, 8])], [vi("y", F32, [2, 3, 8]), vi("inv", F32, [2, 3, 1])],
        [const("w", ones(8))])


@model
def rms_norm23(out):
    """RMSNormalization (opset 23) on the last axis and on axis 1 with a scale
    covering the trailing dims (flattened)."""
    return graph_model(
        [node("RMSNormalization", ["x", "w"], ["y"], epsilon=1e-5),
         node("RMSNormalization", ["x", "w2"], ["y2"], axis=1)],
        [vi("x", F32, [2, 3, 8])], [vi("y", F32, [2, 3, 8]), vi("y2", F32, [2, 3, 8])],
        [const("w", ones(8)), const("w2", np.ones((3, 8), np.float32))], opset=23)


@model
def rms_norm23_bad_scale(out):
    return graph_model(
        [node("RMSNormalization", ["x", "w"], ["y"], axis=1)],
        [vi("x", F32, [2, 3, 8])], [vi("y", F32, [2, 3, 8])], [const("w", ones(8))], opset=23)


@model
def skip_norms(out):
    """SkipSimplifiedLayerNormalization (with bias and the residual sum output)
    feeding SkipLayerNormalization (all four outputs)."""
    return graph_model(
        [ms("SkipSimplifiedLayerNormalization", ["x", "skip", "g", "b"], ["n1", "", "", "res"],
            name="ssln", epsilon=1e-6),
         ms("SkipLayerNormalization", ["n1", "res", "g", "beta"], ["n2", "mean", "inv", "res2"],
            name="sln")],
        [vi("x", F32, [2, 3, 8]), vi("skip", F32, [2, 3, 8])],
        [vi("n2", F32, [2, 3, 8]), vi("mean", F32, [2, 3, 1]), vi("inv", F32, [2, 3, 1]),
         vi("res2", F32, [2, 3, 8])],
        [const("g", ones(8)), const("b", np.zeros(8, np.float32)),
         const("beta", np.zeros(8, np.float32))])


@model
def skip_simplified_mean(out):
    return graph_model(
        [ms("SkipSimplifiedLayerNormalization", ["x", "skip", "g"], ["n1", "mean"], name="ssln")],
        [vi("x", F32, [2, 8]), vi("skip", F32, [2, 8])],
        [vi("n1", F32, [2, 8]), vi("mean", F32, [2, 1])], [const("g", ones(8))])


# --- rotary embedding ---------------------------------------------------------

def caches(positions, half):
    c = np.cos(np.arange(positions)[:, None] * np.arange(1, half + 1)[None, :] * 0.1)
    return const("cos", c.astype(np.float32)), const("sin", np.sin(np.arccos(c)).astype(np.float32))


@model
def rope_contrib(out):
    """com.microsoft.RotaryEmbedding: 3-D input with [B, S] position ids
    (rotate-half); 4-D [B, N, S, H] input with a start offset (interleaved);
    partial rotation (rotary_embedding_dim 4 of head size 8)."""
    return graph_model(
        [ms("RotaryEmbedding", ["x", "pos", "cos", "sin"], ["y"], num_heads=2),
         ms("RotaryEmbedding", ["x4", "off", "cos", "sin"], ["y4"], interleaved=1),
         ms("RotaryEmbedding", ["x", "pos", "cos2", "sin2"], ["yp"], num_heads=2,
            rotary_embedding_dim=4)],
        [vi("x", F32, [1, 3, 16]), vi("pos", I64, [1, 3]), vi("x4", F32, [1, 2, 3, 8])],
        [vi("y", F32, [1, 3, 16]), vi("y4", F32, [1, 2, 3, 8]), vi("yp", F32, [1, 3, 16])],
        list(caches(10, 4)) + [const("off", np.array([2], np.int64)),
                               const("cos2", np.ones((10, 2), np.float32)),
                               const("sin2", np.zeros((10, 2), np.float32))])


@model
def rope23(out):
    """RotaryEmbedding (opset 23): X, cos, sin, position_ids (order differs from
    the contrib op); a 4-D input without position ids takes [B, S, H/2] caches."""
    return graph_model(
        [node("RotaryEmbedding", ["x", "cos", "sin", "pos"], ["y"], num_heads=2),
         node("RotaryEmbedding", ["x4", "c3", "s3"], ["y4"], interleaved=1)],
        [vi("x", F32, [1, 3, 16]), vi("pos", I64, [1, 3]), vi("x4", F32, [1, 2, 3, 8]),
         vi("c3", F32, [1, 3, 4]), vi("s3", F32, [1, 3, 4])],
        [vi("y", F32, [1, 3, 16]), vi("y4", F32, [1, 2, 3, 8])],
        list(caches(10, 4)), opset=23)


# --- GELU variants ------------------------------------------------------------

@model
def gelus(out):
    return graph_model(
        [ms("FastGelu", ["x", "bias"], ["f"]), ms("FastGelu", ["x"], ["f0"]),
         ms("QuickGelu", ["x"], ["q"]), ms("QuickGelu", ["x"], ["q1"], alpha=1.0)],
        [vi("x", F32, [2, 8])],
        [vi("f", F32, [2, 8]), vi("f0", F32, [2, 8]), vi("q", F32, [2, 8]), vi("q1", F32, [2, 8])],
        [const("bias", np.zeros(8, np.float32))])


# --- MatMulNBits --------------------------------------------------------------

@model
def matmul_nbits(out):
    """4-bit with packed zero points and bias ([N * n_blocks] scales), 8-bit
    without zero points ([N, n_blocks] scales); K = 40 pads the last block."""
    K, N, BS = 40, 6, 16
    nb = (K + BS - 1) // BS
    rng = np.random.default_rng(0)
    return graph_model(
        [ms("MatMulNBits", ["a", "b4", "s4", "z4", "", "bias"], ["y4"], K=K, N=N, bits=4,
            block_size=BS, accuracy_level=4),
         ms("MatMulNBits", ["a", "b8", "s8"], ["y8"], K=K, N=N, bits=8, block_size=BS)],
        [vi("a", F32, [2, 3, K])], [vi("y4", F32, [2, 3, N]), vi("y8", F32, [2, 3, N])],
        [const("b4", rng.integers(0, 256, (N, nb, BS // 2)).astype(np.uint8)),
         const("s4", rng.random(N * nb).astype(np.float32)),
         const("z4", rng.integers(0, 256, N * ((nb + 1) // 2)).astype(np.uint8)),
         const("bias", np.zeros(N, np.float32)),
         const("b8", rng.integers(0, 256, (N, nb, BS)).astype(np.uint8)),
         const("s8", rng.random((N, nb)).astype(np.float32))])


@model
def matmul_nbits_gidx(out):
    K, N, BS = 32, 4, 16
    return graph_model(
        [ms("MatMulNBits", ["a", "b", "s", "", "g"], ["y"], K=K, N=N, bits=4, block_size=BS)],
        [vi("a", F32, [1, K])], [vi("y", F32, [1, N])],
        [const("b", np.zeros((N, 2, 8), np.uint8)), const("s", ones(N * 2)),
         const("g", np.zeros(K, np.int32))])


# --- the one-shot unsupported report -------------------------------------------

@model
def unsupported_contrib(out):
    """com.microsoft ops that are not imported stay in the one-shot report,
    next to supported ones of the same domain."""
    return graph_model(
        [ms("FastGelu", ["x"], ["f"]), ms("Foo", ["f"], ["g"], name="foo"),
         ms("GemmFastGelu", ["g", "w"], ["h"], name="gfg"),
         node("FastGelu", ["h"], ["k"], name="default_fastgelu")],
        [vi("x", F32, [2, 8])], [vi("k", F32, [2, 8])], [const("w", np.ones((8, 8), np.float32))])


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--list":
        print("\n".join(sorted(MODELS)))
        return 0
    if len(sys.argv) != 3 or sys.argv[1] not in MODELS:
        sys.stderr.write("usage: make_contrib_models.py NAME OUT.onnx (--list for names)\n")
        return 2
    onnx.save(MODELS[sys.argv[1]](sys.argv[2]), sys.argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main())
