//===- OpImportersMath.cpp - linear algebra, reductions, normalization ----===//
// MatMul, Gemm (decomposed), Softmax/LogSoftmax (with the pre-13 flatten
// semantics), ReduceMean/Sum/Max (axes attribute or input by opset),
// LayerNormalization, Trilu, CumSum and ScatterND.
//===----------------------------------------------------------------------===//
#include "NodeContext.h"
#include "TensorConversion.h"

#include "llmc/Dialect/LLM/IR/LLMOps.h"

using namespace mlir;
using namespace llmc::llm;

namespace llmc::onnx_import {
namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

LogicalResult importMatMul(NodeContext &n) {
  if (failed(n.requireInputs(2)))
    return failure();
  return n.setResult(n.create<MatMulOp>({n.input(0), n.input(1)}));
}

/// Gemm: Y = alpha * op(A) @ op(B) + beta * C.
LogicalResult importGemm(NodeContext &n) {
  if (failed(n.requireInputs(2)))
    return failure();
  auto transposed = [&](unsigned i, StringRef attrName) -> FailureOr<Value> {
    Value v = n.input(i);
    if (n.inputType(i).getRank() != 2)
      return n.emitError() << "input '" << n.inputName(i)
                           << "' must be 2-D, got " << n.inputType(i);
    if (!n.intAttr(attrName, 0))
      return v;
    return n.create<TransposeOp>(
        {v}, {n.namedAttr("perm", n.b.getDenseI64ArrayAttr({1, 0}))});
  };
  FailureOr<Value> a = transposed(0, "transA");
  if (failed(a))
    return failure();
  FailureOr<Value> b = transposed(1, "transB");
  if (failed(b))
    return failure();
  FailureOr<Value> y = n.create<MatMulOp>({*a, *b});
  if (failed(y))
    return failure();
  Type elt = cast<RankedTensorType>(y->getType()).getElementType();
  float alpha = n.floatAttr("alpha", 1.0f), beta = n.floatAttr("beta", 1.0f);
  if (alpha != 1.0f) {
    y = n.create<MulOp>({*y, n.scalarConstant(elt, alpha)});
    if (failed(y))
      return failure();
  }
  if (n.hasInput(2) && beta != 0.0f) {
    Value c = n.input(2);
    if (beta != 1.0f) {
      FailureOr<Value> scaled =
          n.create<MulOp>({c, n.scalarConstant(elt, beta)});
      if (failed(scaled))
        return failure();
      c = *scaled;
    }
    y = n.create<AddOp>({*y, c});
    if (failed(y))
      return failure();
  }
  n.setOutput(0, *y);
  return success();
}

/// Softmax / LogSoftmax. Before opset 13 the op works on the input flattened
/// to 2-D at `axis` (default 1): reshape, softmax on axis 1, reshape back.
template <typename OpTy> LogicalResult importSoftmax(NodeContext &n) {
  if (failed(n.requireInputs(1)))
    return failure();
  RankedTensorType in = n.inputType(0);
  int64_t rank = in.getRank();
  bool legacy = n.opset < 13;
  FailureOr<int64_t> axis = normalizeAxis(n, n.intAttr("axis", legacy ? 1 : -1),
                                          std::max<int64_t>(rank, 1));
  if (failed(axis))
    return failure();
  auto softmax = [&](Value v, int64_t ax) {
    return n.create<OpTy>({v},
                          {n.namedAttr("axis", n.b.getI64IntegerAttr(ax))});
  };
  if (!legacy || *axis == rank - 1 || rank == 0)
    return n.setResult(softmax(n.input(0), rank == 0 ? 0 : *axis));
  SmallVector<int64_t> flat = {shapeProduct(in.getShape().take_front(*axis)),
                               shapeProduct(in.getShape().drop_front(*axis))};
  FailureOr<Value> reshaped = n.reshape(n.input(0), flat);
  if (failed(reshaped))
    return failure();
  FailureOr<Value> result = softmax(*reshaped, 1);
  if (failed(result))
    return failure();
  return n.setResult(n.reshape(*result, in.getShape()));
}

/// ReduceMean/Sum/Max. `axesInputSince`: the opset from which axes is an
/// input instead of an attribute.
template <typename OpTy, int64_t axesInputSince>
LogicalResult importReduce(NodeContext &n) {
  if (failed(n.requireInputs(1)))
    return failure();
  RankedTensorType in = n.inputType(0);
  int64_t rank = in.getRank();
  SmallVector<int64_t> axes;
  if (n.opset >= axesInputSince) {
    if (n.hasInput(1)) {
      FailureOr<SmallVector<int64_t>> values = n.constInts(1);
      if (failed(values))
        return failure();
      axes = *values;
    }
  } else if (auto attr = n.intsAttr("axes")) {
    axes = *attr;
  }
  bool keepdims = n.intAttr("keepdims", 1) != 0;
  if (axes.empty()) {
    if (n.intAttr("noop_with_empty_axes", 0) || rank == 0) {
      n.setOutput(0, n.input(0));
      return success();
    }
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  }
  for (int64_t &a : axes) {
    FailureOr<int64_t> axis = normalizeAxis(n, a, rank);
    if (failed(axis))
      return failure();
    a = *axis;
  }
  llvm::sort(axes);
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return n.setResult(n.create<OpTy>(
      {n.input(0)}, {n.namedAttr("axes", n.b.getDenseI64ArrayAttr(axes)),
                     n.namedAttr("keepdims", n.b.getBoolAttr(keepdims))}));
}

LogicalResult importLayerNorm(NodeContext &n) {
  if (failed(n.requireInputs(2)))
    return failure();
  FailureOr<int64_t> axis =
      normalizeAxis(n, n.intAttr("axis", -1), n.inputType(0).getRank());
  if (failed(axis))
    return failure();
  SmallVector<Value> operands = {n.input(0), n.input(1)};
  if (n.hasInput(2))
    operands.push_back(n.input(2));
  auto results = n.createMulti<LayerNormOp>(
      operands, {n.namedAttr("axis", n.b.getI64IntegerAttr(*axis)),
                 n.namedAttr("epsilon", n.b.getF32FloatAttr(
                                            n.floatAttr("epsilon", 1e-5f)))});
  if (failed(results))
    return failure();
  for (unsigned i = 0; i < 3; ++i)
    n.setOutput(i, (*results)[i]);
  return success();
}

LogicalResult importTrilu(NodeContext &n) {
  if (failed(n.requireInputs(1)))
    return failure();
  int64_t k = 0;
  if (n.hasInput(1)) {
    FailureOr<int64_t> value = n.constScalarInt(1);
    if (failed(value))
      return failure();
    k = *value;
  }
  if (n.inputType(0).getRank() < 2)
    return n.emitError() << "input must have rank >= 2, got " << n.inputType(0);
  return n.setResult(n.create<TriluOp>(
      {n.input(0)},
      {n.namedAttr("upper", n.b.getBoolAttr(n.intAttr("upper", 1) != 0)),
       n.namedAttr("k", n.b.getI64IntegerAttr(k))}));
}

LogicalResult importCumSum(NodeContext &n) {
  if (failed(n.requireInputs(2)))
    return failure();
  FailureOr<int64_t> axisValue = n.constScalarInt(1);
  if (failed(axisValue))
    return failure();
  FailureOr<int64_t> axis =
      normalizeAxis(n, *axisValue, n.inputType(0).getRank());
  if (failed(axis))
    return failure();
  return n.setResult(n.create<CumSumOp>(
      {n.input(0)},
      {n.namedAttr("axis", n.b.getI64IntegerAttr(*axis)),
       n.namedAttr("exclusive",
                   n.b.getBoolAttr(n.intAttr("exclusive", 0) != 0)),
       n.namedAttr("reverse", n.b.getBoolAttr(n.intAttr("reverse", 0) != 0))}));
}

LogicalResult importScatterND(NodeContext &n) {
  if (failed(n.requireInputs(3)))
    return failure();
  std::string reduction = n.stringAttr("reduction", "none");
  return n.setResult(n.createTyped<ScatterNDOp>(
      n.inputType(0), {n.input(0), n.input(1), n.input(2)},
      {n.namedAttr("reduction", n.b.getStringAttr(reduction))}));
}

} // namespace

void registerMathImporters(OpImporterMap &map) {
  map["MatMul"] = importMatMul;
  map["Gemm"] = importGemm;
  map["Softmax"] = importSoftmax<SoftmaxOp>;
  map["LogSoftmax"] = importSoftmax<LogSoftmaxOp>;
  map["ReduceMean"] = importReduce<ReduceMeanOp, 18>;
  map["ReduceSum"] = importReduce<ReduceSumOp, 13>;
  map["ReduceMax"] = importReduce<ReduceMaxOp, 18>;
  map["LayerNormalization"] = importLayerNorm;
  map["Trilu"] = importTrilu;
  map["CumSum"] = importCumSum;
  map["ScatterND"] = importScatterND;
}

} // namespace llmc::onnx_import
