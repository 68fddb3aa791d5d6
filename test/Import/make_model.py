#!/usr/bin/python3
"""Builds small ONNX models for the importer lit tests.

Usage: make_model.py NAME OUT.onnx
Run with /usr/bin/python3 (Debian's python3-onnx and numpy). Some models
write companion files next to OUT (external data, frozen-input .pb files);
their names are derived from OUT so that tests never share files.
`make_model.py --list` prints the model names.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F32 = TensorProto.FLOAT
I64 = TensorProto.INT64


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def graph_model(nodes, inputs, outputs, inits=(), opset=13, extra_opsets=(),
                name="g", producer="llmc-tests"):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in extra_opsets]
    model = helper.make_model(graph, opset_imports=opsets, producer_name=producer,
                              producer_version="1.0")
    return model


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def ints(name, values):
    return numpy_helper.from_array(np.asarray(values, dtype=np.int64), name)


def node(op, inputs, outputs, name=None, **attrs):
    return helper.make_node(op, inputs, outputs, name=name or outputs[0], **attrs)


MODELS = {}


def model(fn):
    MODELS[fn.__name__] = fn
    return fn


# ---------------------------------------------------------------------------
# Elementwise
# ---------------------------------------------------------------------------

@model
def add_broadcast(out):
    return graph_model([node("Add", ["x", "y"], ["sum"])],
                       [vi("x", F32, [3, 4, 5]), vi("y", F32, [5])],
                       [vi("sum", F32, [3, 4, 5])])


@model
def unary(out):
    ops = ["Sqrt", "Reciprocal", "Neg", "Abs", "Exp", "Log", "Cos", "Sin",
           "Tanh", "Erf", "Sigmoid", "Relu"]
    nodes, prev = [], "x"
    for op in ops:
        nodes.append(node(op, [prev], [op.lower()]))
        prev = op.lower()
    return graph_model(nodes, [vi("x", F32, [2, 3])], [vi(prev, F32, [2, 3])])


@model
def binary(out):
    nodes = [
        node("Sub", ["a", "b"], ["sub"]),
        node("Mul", ["sub", "b"], ["mul"]),
        node("Div", ["mul", "b"], ["div"]),
        node("Pow", ["div", "e"], ["pow"]),
        node("Max", ["pow", "a", "b"], ["max3"]),
        node("Min", ["max3"], ["min1"]),
        node("Min", ["min1", "a"], ["min2"]),
    ]
    return graph_model(nodes,
                       [vi("a", F32, [2, 3]), vi("b", F32, [3]), vi("e", I64, [])],
                       [vi("min2", F32, [2, 3])])


@model
def compare_logic(out):
    nodes = [
        node("Equal", ["a", "b"], ["eq"]),
        node("Less", ["a", "b"], ["lt"]),
        node("Greater", ["a", "b"], ["gt"]),
        node("LessOrEqual", ["a", "b"], ["le"]),
        node("GreaterOrEqual", ["a", "b"], ["ge"]),
        node("And", ["eq", "lt"], ["and"]),
        node("Or", ["and", "gt"], ["or"]),
        node("Not", ["or"], ["not"]),
        node("Where", ["not", "a", "b"], ["sel"]),
    ]
    return graph_model(nodes, [vi("a", F32, [2, 3]), vi("b", F32, [1, 3])],
                       [vi("sel", F32, [2, 3]), vi("le", TensorProto.BOOL, [2, 3]),
                        vi("ge", TensorProto.BOOL, [2, 3])])


@model
def cast(out):
    nodes = [
        node("Cast", ["x"], ["h"], to=TensorProto.FLOAT16),
        node("Cast", ["x"], ["u8"], to=TensorProto.UINT8),
        node("Cast", ["x"], ["b"], to=TensorProto.BOOL),
        node("CastLike", ["u8", "like"], ["i"]),
        node("Identity", ["i"], ["id"]),
        # Cast of a constant is evaluated at import.
        node("Cast", ["c"], ["cf"], to=TensorProto.FLOAT),
    ]
    return graph_model(nodes, [vi("x", F32, [4]), vi("like", TensorProto.INT32, [1])],
                       [vi("h", TensorProto.FLOAT16, [4]), vi("b", TensorProto.BOOL, [4]),
                        vi("id", TensorProto.INT32, [4]), vi("cf", F32, [2])],
                       inits=[ints("c", [3, -2])])


@model
def gelu(out):
    nodes = [node("Gelu", ["x"], ["exact"]),
             node("Gelu", ["exact"], ["approx"], approximate="tanh")]
    return graph_model(nodes, [vi("x", F32, [2, 8])], [vi("approx", F32, [2, 8])], opset=20)


# ---------------------------------------------------------------------------
# Linear algebra, normalization, reductions
# ---------------------------------------------------------------------------

@model
def matmul(out):
    return graph_model([node("MatMul", ["a", "b"], ["y"])],
                       [vi("a", F32, [2, 1, 3, 4]), vi("b", F32, [5, 4, 6])],
                       [vi("y", F32, [2, 5, 3, 6])])


@model
def gemm(out):
    nodes = [node("Gemm", ["a", "b", "c"], ["y"], transA=1, transB=1, alpha=0.5, beta=2.0),
             node("Gemm", ["y", "w"], ["z"])]
    rng = np.random.default_rng(0)
    return graph_model(nodes, [vi("a", F32, [4, 3]), vi("b", F32, [5, 4]), vi("c", F32, [5])],
                       [vi("z", F32, [3, 2])],
                       inits=[const("w", rng.normal(size=(5, 2)).astype(np.float32))])


@model
def softmax13(out):
    nodes = [node("Softmax", ["x"], ["s"]), node("LogSoftmax", ["s"], ["ls"], axis=1)]
    return graph_model(nodes, [vi("x", F32, [2, 3, 4])], [vi("ls", F32, [2, 3, 4])], opset=13)


@model
def softmax11(out):
    nodes = [node("Softmax", ["x"], ["s"]),  # default axis 1: flatten to [2, 12]
             node("LogSoftmax", ["s"], ["ls"], axis=-1)]  # last axis: no reshape
    return graph_model(nodes, [vi("x", F32, [2, 3, 4])], [vi("ls", F32, [2, 3, 4])], opset=11)


@model
def reduce11(out):
    nodes = [node("ReduceSum", ["x"], ["sum"], axes=[-1, 0]),
             node("ReduceMean", ["x"], ["mean"], axes=[1], keepdims=0),
             node("ReduceMax", ["x"], ["max"])]
    return graph_model(nodes, [vi("x", F32, [2, 3, 4])],
                       [vi("sum", F32, [1, 3, 1]), vi("mean", F32, [2, 4]),
                        vi("max", F32, [1, 1, 1])], opset=11)


@model
def reduce13(out):
    nodes = [node("ReduceSum", ["x", "axes"], ["sum"], keepdims=0),
             node("ReduceSum", ["x"], ["noop"], noop_with_empty_axes=1),
             node("ReduceSum", ["x"], ["all"], keepdims=0),
             node("ReduceMean", ["x"], ["mean"], axes=[2])]
    return graph_model(nodes, [vi("x", F32, [2, 3, 4])],
                       [vi("sum", F32, [2, 4]), vi("noop", F32, [2, 3, 4]),
                        vi("all", F32, []), vi("mean", F32, [2, 3, 1])],
                       inits=[ints("axes", [1])], opset=13)


@model
def reduce18(out):
    nodes = [node("ReduceMean", ["x", "axes"], ["mean"]),
             node("ReduceMax", ["x", "axes"], ["max"], keepdims=0)]
    return graph_model(nodes, [vi("x", F32, [2, 3, 4])],
                       [vi("mean", F32, [2, 1, 1]), vi("max", F32, [2])],
                       inits=[ints("axes", [-1, 1])], opset=18)


@model
def layernorm(out):
    nodes = [node("LayerNormalization", ["x", "g", "bta"], ["y", "m", "r"], name="ln0", epsilon=1e-6),
             node("LayerNormalization", ["y", "g2"], ["y2"], name="ln1", axis=1)]
    return graph_model(nodes, [vi("x", F32, [2, 3, 8])],
                       [vi("y2", F32, [2, 3, 8]), vi("m", F32, [2, 3, 1]), vi("r", F32, [2, 3, 1])],
                       inits=[const("g", np.ones(8, np.float32)), const("bta", np.zeros(8, np.float32)),
                              const("g2", np.ones((3, 8), np.float32))], opset=17)


@model
def trilu_cumsum_scatter(out):
    nodes = [node("Trilu", ["x", "k"], ["lower"], upper=0),
             node("Trilu", ["lower"], ["upper"]),
             node("CumSum", ["upper", "axis"], ["cs"], exclusive=1, reverse=1),
             node("ScatterND", ["cs", "idx", "upd"], ["sc"], reduction="add")]
    return graph_model(nodes, [vi("x", F32, [4, 4]), vi("idx", I64, [2, 1]), vi("upd", F32, [2, 4])],
                       [vi("sc", F32, [4, 4])],
                       inits=[ints("k", 1), numpy_helper.from_array(np.array(-1, np.int32), "axis")],
                       opset=16)


# ---------------------------------------------------------------------------
# Shapes and data movement
# ---------------------------------------------------------------------------

@model
def reshape(out):
    nodes = [node("Reshape", ["x", "s1"], ["r1"]),
             node("Reshape", ["r1", "s2"], ["r2"]),
             node("Reshape", ["z", "s3"], ["r3"], allowzero=1)]
    return graph_model(nodes, [vi("x", F32, [2, 3, 4]), vi("z", F32, [0, 4])],
                       [vi("r2", F32, [3, 4, 2]), vi("r3", F32, [4, 0])],
                       inits=[ints("s1", [0, -1]), ints("s2", [3, -1, 2]), ints("s3", [4, 0])],
                       opset=14)


@model
def reshape_symbolic(out):
    nodes = [node("Reshape", ["x", "s"], ["y"])]
    return graph_model(nodes, [vi("x", F32, ["batch", 7, 64])], [vi("y", F32, ["batch", 7, 8, 8])],
                       inits=[ints("s", [0, 0, 8, -1])])


@model
def reshape_shape_input(out):
    """The target shape is a graph input: needs --freeze-input."""
    with open(out + ".shape.pb", "wb") as f:
        f.write(numpy_helper.from_array(np.array([3, -1], np.int64), "shape").SerializeToString())
    with open(out + ".badshape.pb", "wb") as f:
        f.write(numpy_helper.from_array(np.array([3, -1, 1], np.int32), "shape").SerializeToString())
    return graph_model([node("Reshape", ["x", "shape"], ["y"], name="reshape")],
                       [vi("x", F32, [2, 6]), vi("shape", I64, [2])], [vi("y", F32, [3, 4])])


def squeeze_unsqueeze(opset):
    if opset < 13:
        nodes = [node("Unsqueeze", ["x"], ["u"], axes=[0, -1]),
                 node("Squeeze", ["u"], ["s"], axes=[0]),
                 node("Squeeze", ["s"], ["all"])]
        inits = []
    else:
        nodes = [node("Unsqueeze", ["x", "ua"], ["u"]),
                 node("Squeeze", ["u", "sa"], ["s"]),
                 node("Squeeze", ["s"], ["all"])]
        inits = [ints("ua", [0, -1]), ints("sa", [0])]
    return graph_model(nodes, [vi("x", F32, [3, 4])], [vi("u", F32, [1, 3, 4, 1]),
                                                       vi("s", F32, [3, 4, 1]), vi("all", F32, [3, 4])],
                       inits=inits, opset=opset)


@model
def squeeze11(out):
    return squeeze_unsqueeze(11)


@model
def squeeze13(out):
    return squeeze_unsqueeze(13)


@model
def transpose_concat(out):
    nodes = [node("Transpose", ["x"], ["t"], perm=[2, 0, 1]),
             node("Transpose", ["t"], ["rev"]),
             node("Concat", ["rev", "rev"], ["cat"], axis=-1),
             node("Flatten", ["cat"], ["flat"], axis=2)]
    return graph_model(nodes, [vi("x", F32, [2, 3, 4])],
                       [vi("t", F32, [4, 2, 3]), vi("flat", F32, [6, 8])])


@model
def split11(out):
    nodes = [node("Split", ["x"], ["a", "b"], axis=1, split=[2, 4]),
             node("Split", ["x"], ["c", "d", "e"], axis=-1)]
    return graph_model(nodes, [vi("x", F32, [2, 6])],
                       [vi(n, F32, None) for n in "abcde"], opset=11)


@model
def split13(out):
    nodes = [node("Split", ["x", "sizes"], ["a", "b"], axis=1),
             node("Split", ["x"], ["c", "d"])]
    return graph_model(nodes, [vi("x", F32, [2, 6])],
                       [vi(n, F32, None) for n in "abcd"], inits=[ints("sizes", [1, 5])], opset=13)


@model
def split18(out):
    nodes = [node("Split", ["x"], ["a", "b", "c"], axis=1, num_outputs=3),
             node("Split", ["x"], ["d", "e"], axis=1)]
    return graph_model(nodes, [vi("x", F32, [2, 5])],
                       [vi(n, F32, None) for n in "abcde"], opset=18)


@model
def slice13(out):
    big = np.iinfo(np.int64).max
    nodes = [node("Slice", ["x", "st", "en", "ax", "sp"], ["y"]),
             node("Slice", ["x", "st2", "en2"], ["z"])]
    return graph_model(nodes, [vi("x", F32, [20, 10, 5])],
                       [vi("y", F32, [20, 3, 5]), vi("z", F32, [1, 10, 5])],
                       inits=[ints("st", [-1, 9]), ints("en", [-big - 1, 0]), ints("ax", [0, 1]),
                              ints("sp", [-1, -3]), ints("st2", [5]), ints("en2", [6])])


@model
def slice9(out):
    nodes = [node("Slice", ["x"], ["y"], starts=[1, -3], ends=[1000, -1], axes=[0, 2])]
    return graph_model(nodes, [vi("x", F32, [4, 3, 5])], [vi("y", F32, [3, 3, 2])], opset=9)


@model
def slice_symbolic(out):
    nodes = [node("Slice", ["x", "st", "en", "ax"], ["y"])]
    return graph_model(nodes, [vi("x", F32, ["seq", 8])], [vi("y", F32, ["seq", 4])],
                       inits=[ints("st", [0]), ints("en", [4]), ints("ax", [1])])


@model
def gather(out):
    nodes = [node("Gather", ["emb", "ids"], ["e"]),
             node("Gather", ["e", "col"], ["c"], axis=-1)]
    rng = np.random.default_rng(1)
    return graph_model(nodes, [vi("ids", I64, ["batch", "seq"])],
                       [vi("c", F32, ["batch", "seq"])],
                       inits=[const("emb", rng.normal(size=(10, 4)).astype(np.float32)),
                              ints("col", 2)])


@model
def shape_ops(out):
    """Shape -> Gather -> Concat -> Reshape on a static input folds."""
    nodes = [node("Shape", ["x"], ["shp"]),
             node("Gather", ["shp", "i0"], ["d0"]),
             node("Unsqueeze", ["d0", "ax0"], ["d0v"]),
             node("Concat", ["d0v", "m1"], ["target"], axis=0),
             node("Reshape", ["x", "target"], ["y"]),
             node("Shape", ["x"], ["tail"], start=-2)]
    return graph_model(nodes, [vi("x", F32, [2, 3, 4])],
                       [vi("y", F32, [2, 12]), vi("tail", I64, [2])],
                       inits=[ints("i0", 0), ints("ax0", [0]), ints("m1", [-1])], opset=15)


@model
def shape_dynamic(out):
    nodes = [node("Shape", ["x"], ["all"]),
             node("Shape", ["x"], ["first"], end=1)]
    return graph_model(nodes, [vi("x", F32, ["batch", 4])],
                       [vi("all", I64, [2]), vi("first", I64, [1])], opset=15)


@model
def expand(out):
    nodes = [node("Expand", ["x", "s"], ["y"]), node("Expand", ["y", "same"], ["z"])]
    return graph_model(nodes, [vi("x", F32, [3, 1])], [vi("z", F32, [2, 3, 6])],
                       inits=[ints("s", [2, 1, 6]), ints("same", [1, 1])])


@model
def constants(out):
    nodes = [node("ConstantOfShape", ["s"], ["ones"],
                  value=helper.make_tensor("v", I64, [1], [1])),
             node("ConstantOfShape", ["s"], ["zeros"]),
             node("Constant", [], ["t"], value=helper.make_tensor("t", F32, [2], [1.5, 2.5])),
             node("Constant", [], ["f"], value_float=0.25),
             node("Constant", [], ["is"], value_ints=[1, 2, 3]),
             node("Range", ["r0", "r1", "r2"], ["ri"]),
             node("Range", ["f0", "f1", "f2"], ["rf"])]
    f = lambda n, v: numpy_helper.from_array(np.array(v, np.float32), n)
    return graph_model(nodes, [], [vi("ones", I64, [2, 3]), vi("zeros", F32, [2, 3]),
                                   vi("t", F32, [2]), vi("f", F32, []), vi("is", I64, [3]),
                                   vi("ri", I64, [4]), vi("rf", F32, [3])],
                       inits=[ints("s", [2, 3]), ints("r0", 10), ints("r1", 2), ints("r2", -2),
                              f("f0", 0.0), f("f1", 1.0), f("f2", 0.4)])


@model
def const_eval(out):
    """Shape arithmetic through ops the dialect does not fold (Where, Max,
    Not/And/Or, Expand) is evaluated at import."""
    nodes = [node("Shape", ["x"], ["s"]),
             node("ConstantOfShape", ["two"], ["ones"], value=helper.make_tensor("v", I64, [1], [1])),
             node("Equal", ["s", "m1"], ["eq"]),
             node("Where", ["eq", "ones", "s"], ["tgt"]),
             node("Expand", ["b", "tgt"], ["expanded"]),
             node("Max", ["s", "lim"], ["maxed"]),
             node("Not", ["eq"], ["neq"]),
             node("And", ["neq", "eq"], ["both"]),
             node("Or", ["both", "neq"], ["either"]),
             node("Expand", ["half", "tgt"], ["halves"])]
    return graph_model(nodes, [vi("x", F32, [2, 3]), vi("b", F32, [3])],
                       [vi("expanded", F32, [2, 3]), vi("maxed", I64, [2]),
                        vi("either", TensorProto.BOOL, [2]), vi("halves", F32, [2, 3])],
                       inits=[ints("two", [2]), ints("m1", [-1]), ints("lim", [4, 1]),
                              const("half", np.array([0.5], np.float32))])


@model
def attention(out):
    """A causal self-attention head pair as exporters write it: the head
    reshapes go through Shape -> Gather -> Unsqueeze -> Concat."""
    nodes = [node("Shape", ["x"], ["s"]),
             node("Gather", ["s", "i0"], ["b"]),
             node("Gather", ["s", "i1"], ["t"]),
             node("Unsqueeze", ["b", "ax0"], ["bu"]),
             node("Unsqueeze", ["t", "ax0"], ["tu"]),
             node("Concat", ["bu", "tu", "heads", "hdim"], ["split_shape"], axis=0),
             node("Reshape", ["x", "split_shape"], ["xh"], name="split_heads"),
             node("Transpose", ["xh"], ["q"], perm=[0, 2, 1, 3]),
             node("Transpose", ["q"], ["kt"], perm=[0, 1, 3, 2]),
             node("MatMul", ["q", "kt"], ["scores"]),
             node("Div", ["scores", "scale"], ["scaled"]),
             node("Concat", ["tu", "tu"], ["tt"], axis=0),
             node("ConstantOfShape", ["tt"], ["ones"], value=helper.make_tensor("v", TensorProto.BOOL, [1], [True])),
             node("Cast", ["ones"], ["onesf"], to=F32),
             node("Trilu", ["onesf"], ["tri"], upper=0),
             node("Equal", ["tri", "zero"], ["masked"]),
             node("Where", ["masked", "ninf", "scaled"], ["logits"]),
             node("Softmax", ["logits"], ["probs"], axis=-1),
             node("MatMul", ["probs", "q"], ["ctx"]),
             node("Transpose", ["ctx"], ["ctx_t"], perm=[0, 2, 1, 3]),
             node("Concat", ["bu", "tu", "hid"], ["merge_shape"], axis=0),
             node("Reshape", ["ctx_t", "merge_shape"], ["y"], name="merge_heads")]
    f = lambda n, v: numpy_helper.from_array(np.array(v, np.float32), n)
    return graph_model(nodes, [vi("x", F32, ["batch", "seq", 16])], [vi("y", F32, ["batch", "seq", 16])],
                       inits=[ints("i0", 0), ints("i1", 1), ints("ax0", [0]), ints("heads", [2]),
                              ints("hdim", [8]), ints("hid", [16]), f("scale", np.sqrt(8.0)),
                              f("zero", 0.0), f("ninf", -np.inf)], opset=17)


# ---------------------------------------------------------------------------
# Initializers, signatures, locations
# ---------------------------------------------------------------------------

@model
def initializers(out):
    big = np.arange(4100, dtype=np.float32).reshape(41, 100)
    inits = [
        const("small", np.array([[1, 2], [3, 4]], np.float32)),
        const("big.weight", big),
        helper.make_tensor("f_typed", F32, [2], [0.5, -1.0]),
        helper.make_tensor("i8_typed", TensorProto.INT8, [3], [-1, 2, 3]),
        helper.make_tensor("u8_typed", TensorProto.UINT8, [2], [200, 1]),
        helper.make_tensor("h_typed", TensorProto.FLOAT16, [2], [1.0, -2.0]),
        helper.make_tensor("bf_typed", TensorProto.BFLOAT16, [2], [1.0, -2.0]),
        helper.make_tensor("b_typed", TensorProto.BOOL, [2], [True, False]),
        helper.make_tensor("i64_typed", I64, [2], [-5, 7]),
        helper.make_tensor("u32_typed", TensorProto.UINT32, [1], [4000000000]),
        helper.make_tensor("d_typed", TensorProto.DOUBLE, [1], [0.125]),
        const("b_raw", np.array([True, False, True])),
        const("h_raw", np.array([0.5], np.float16)),
    ]
    names = [t.name for t in inits]
    nodes = [node("Identity", [n], [n + "_out"]) for n in names]
    outs = [vi(n + "_out", t.data_type, list(t.dims)) for n, t in zip(names, inits)]
    return graph_model(nodes, [], outs, inits=inits)


@model
def symbolic(out):
    x = vi("x", F32, ["batch", "seq", 64])
    m = vi("mask", TensorProto.BOOL, ["batch", None])
    return graph_model([node("Relu", ["x"], ["y"])], [x, m, vi("s", F32, [2])],
                       [vi("y", F32, ["batch", "seq", 64])])


@model
def locations(out):
    nodes = [node("Add", ["x", "x"], ["a"], name="first_add"),
             helper.make_node("Mul", ["a", "a"], ["m"]),
             node("Relu", ["m"], ["r"], name="act")]
    return graph_model(nodes, [vi("x", F32, [2])], [vi("r", F32, [2])])


@model
def passthrough(out):
    """Graph outputs that are a graph input and an initializer."""
    return graph_model([], [vi("x", F32, [2])], [vi("x", F32, [2]), vi("w", F32, [3])],
                       inits=[const("w", np.ones(3, np.float32))])


@model
def legacy_init_inputs(out):
    """IR-3 style: initializers are also listed as graph inputs."""
    g = graph_model([node("Add", ["x", "w"], ["y"])], [vi("x", F32, [2]), vi("w", F32, [2])],
                    [vi("y", F32, [2])], inits=[const("w", np.ones(2, np.float32))])
    return g


# ---------------------------------------------------------------------------
# External data
# ---------------------------------------------------------------------------

def external_model(out, location, offset=None, length=None, nbytes=None, write=True):
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    data = w.tobytes()
    t = TensorProto()
    t.name = "w"
    t.data_type = F32
    t.dims.extend([2, 3])
    t.data_location = TensorProto.EXTERNAL
    entries = [("location", location)]
    if offset is not None:
        entries.append(("offset", str(offset)))
    if length is not None:
        entries.append(("length", str(length)))
    for k, v in entries:
        e = t.external_data.add()
        e.key, e.value = k, v
    if write:
        path = os.path.join(os.path.dirname(out), location)
        with open(path, "wb") as f:
            f.write(b"\0" * (offset or 0) + data[: nbytes if nbytes is not None else len(data)])
    return graph_model([node("Add", ["x", "w"], ["y"])], [vi("x", F32, [2, 3])],
                       [vi("y", F32, [2, 3])], inits=[t])


@model
def ext_ok(out):
    return external_model(out, os.path.basename(out) + ".data", offset=16, length=24)


@model
def ext_dotdot(out):
    return external_model(out, "../" + os.path.basename(out) + ".data", write=False)


@model
def ext_absolute(out):
    return external_model(out, os.path.abspath(out) + ".data", write=False)


@model
def ext_missing(out):
    return external_model(out, os.path.basename(out) + ".nothere", write=False)


@model
def ext_range(out):
    return external_model(out, os.path.basename(out) + ".data", offset=8, nbytes=12)


@model
def ext_symlink(out):
    """weights.bin in the model dir is a symlink to a file outside it."""
    outside = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(out))), "secret.bin")
    with open(outside, "wb") as f:
        f.write(np.zeros(6, np.float32).tobytes())
    link = os.path.join(os.path.dirname(out), "weights.bin")
    if os.path.lexists(link):
        os.remove(link)
    os.symlink(outside, link)
    return external_model(out, "weights.bin", write=False)


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------

@model
def unsupported(out):
    nodes = [node("Foo", ["x"], ["f1"], name="a"),
             node("Relu", ["f1"], ["r"], name="relu"),
             node("Foo", ["r"], ["f2"], name="b"),
             helper.make_node("Bar", ["f2"], ["y"], name="c", domain="com.microsoft"),
             helper.make_node("If", ["cond"], ["z"], name="branch",
                              then_branch=helper.make_graph([], "t", [], []),
                              else_branch=helper.make_graph([], "e", [], []))]
    return graph_model(nodes, [vi("x", F32, [2]), vi("cond", TensorProto.BOOL, [])],
                       [vi("y", F32, [2])], extra_opsets=[("com.microsoft", 1)])


@model
def string_input(out):
    return graph_model([node("Identity", ["s"], ["y"])], [vi("s", TensorProto.STRING, [2])],
                       [vi("y", TensorProto.STRING, [2])])


@model
def complex_init(out):
    t = helper.make_tensor("c", TensorProto.COMPLEX64, [1], [1 + 2j])
    return graph_model([node("Identity", ["c"], ["y"])], [], [vi("y", TensorProto.COMPLEX64, [1])],
                       inits=[t])


@model
def broadcast_error(out):
    return graph_model([node("Add", ["x", "y"], ["z"], name="bad_add")],
                       [vi("x", F32, [3]), vi("y", F32, [4])], [vi("z", F32, [3])])


@model
def undefined_input(out):
    return graph_model([node("Relu", ["nowhere"], ["y"], name="orphan")],
                       [vi("x", F32, [2])], [vi("y", F32, [2])])


@model
def no_graph(out):
    m = onnx.ModelProto()
    m.ir_version = 8
    return m


@model
def truncated(out):
    rng = np.random.default_rng(2)
    m = graph_model([node("MatMul", ["x", "w"], ["y"])], [vi("x", F32, [2, 64])],
                    [vi("y", F32, [2, 64])],
                    inits=[const("w", rng.normal(size=(64, 64)).astype(np.float32))])
    data = m.SerializeToString()
    return data[: len(data) // 2]


@model
def text(out):
    return b"this is not an onnx model\n"


def main(argv):
    if len(argv) == 2 and argv[1] == "--list":
        print("\n".join(sorted(MODELS)))
        return 0
    if len(argv) != 3 or argv[1] not in MODELS:
        print(__doc__, file=sys.stderr)
        print("models: " + " ".join(sorted(MODELS)), file=sys.stderr)
        return 2
    out = argv[2]
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    result = MODELS[argv[1]](out)
    data = result if isinstance(result, bytes) else result.SerializeToString()
    with open(out, "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
