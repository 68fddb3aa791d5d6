//===- OpImportersElementwise.cpp - elementwise ONNX ops ------------------===//
// Unary and binary arithmetic, comparisons, logic, Where, variadic Max/Min,
// Cast/CastLike, Identity and Gelu. All map one-to-one onto llm ops whose
// result types are inferred (numpy broadcasting).
//===----------------------------------------------------------------------===//
#include "NodeContext.h"
#include "TensorConversion.h"

#include "llmc/Dialect/LLM/IR/LLMOps.h"

using namespace mlir;
using namespace llmc::llm;

namespace llmc::onnx_import {
namespace {

LogicalResult setResult(NodeContext &n, FailureOr<Value> v) {
  if (failed(v))
    return failure();
  n.setOutput(0, *v);
  return success();
}

template <typename OpTy>
LogicalResult importUnary(NodeContext &n) {
  if (failed(n.requireInputs(1)))
    return failure();
  return setResult(n, n.create<OpTy>({n.input(0)}));
}

template <typename OpTy>
LogicalResult importBinary(NodeContext &n) {
  if (failed(n.requireInputs(2)))
    return failure();
  return setResult(n, n.create<OpTy>({n.input(0), n.input(1)}));
}

/// Max/Min: a left-to-right chain of binary ops; one input is the identity.
template <typename OpTy>
LogicalResult importVariadic(NodeContext &n) {
  if (failed(n.requireInputs(std::max(1u, n.numInputs()))))
    return failure();
  Value acc = n.input(0);
  for (unsigned i = 1; i < n.numInputs(); ++i) {
    FailureOr<Value> next = n.create<OpTy>({acc, n.input(i)});
    if (failed(next))
      return failure();
    acc = *next;
  }
  n.setOutput(0, acc);
  return success();
}

LogicalResult importWhere(NodeContext &n) {
  if (failed(n.requireInputs(3)))
    return failure();
  return setResult(n, n.create<WhereOp>({n.input(0), n.input(1), n.input(2)}));
}

LogicalResult importGelu(NodeContext &n) {
  if (failed(n.requireInputs(1)))
    return failure();
  std::string approximate = n.stringAttr("approximate", "none");
  if (approximate != "none" && approximate != "tanh")
    return n.emitError() << "unknown approximate '" << approximate
                         << "' (expected 'none' or 'tanh')";
  return setResult(
      n, n.create<GeluOp>({n.input(0)},
                          {n.namedAttr("tanh_approx",
                                       n.b.getBoolAttr(approximate == "tanh"))}));
}

LogicalResult castTo(NodeContext &n, Type elt) {
  RankedTensorType in = n.inputType(0);
  return setResult(n, n.createTyped<CastOp>(in.clone(elt), {n.input(0)}));
}

LogicalResult importCast(NodeContext &n) {
  if (failed(n.requireInputs(1)))
    return failure();
  if (!n.hasAttr("to"))
    return n.emitError() << "missing the 'to' attribute";
  int64_t to = n.intAttr("to", 0);
  Type elt = convertDataType(n.getContext(), to);
  if (!elt)
    return emitUnsupportedDataType(n.loc, "the Cast target type", to);
  return castTo(n, elt);
}

LogicalResult importCastLike(NodeContext &n) {
  if (failed(n.requireInputs(2)))
    return failure();
  return castTo(n, n.inputType(1).getElementType());
}

LogicalResult importIdentity(NodeContext &n) {
  if (failed(n.requireInputs(1)))
    return failure();
  n.setOutput(0, n.input(0));
  return success();
}

} // namespace

void registerElementwiseImporters(OpImporterMap &map) {
  map["Sqrt"] = importUnary<SqrtOp>;
  map["Reciprocal"] = importUnary<ReciprocalOp>;
  map["Neg"] = importUnary<NegOp>;
  map["Abs"] = importUnary<AbsOp>;
  map["Exp"] = importUnary<ExpOp>;
  map["Log"] = importUnary<LogOp>;
  map["Cos"] = importUnary<CosOp>;
  map["Sin"] = importUnary<SinOp>;
  map["Tanh"] = importUnary<TanhOp>;
  map["Erf"] = importUnary<ErfOp>;
  map["Sigmoid"] = importUnary<SigmoidOp>;
  map["Relu"] = importUnary<ReluOp>;
  map["Not"] = importUnary<NotOp>;
  map["Gelu"] = importGelu;

  map["Add"] = importBinary<AddOp>;
  map["Sub"] = importBinary<SubOp>;
  map["Mul"] = importBinary<MulOp>;
  map["Div"] = importBinary<DivOp>;
  map["Pow"] = importBinary<PowOp>;
  map["And"] = importBinary<AndOp>;
  map["Or"] = importBinary<OrOp>;
  map["Equal"] = importBinary<EqualOp>;
  map["Less"] = importBinary<LessOp>;
  map["Greater"] = importBinary<GreaterOp>;
  map["LessOrEqual"] = importBinary<LessEqualOp>;
  map["GreaterOrEqual"] = importBinary<GreaterEqualOp>;
  map["Max"] = importVariadic<MaxOp>;
  map["Min"] = importVariadic<MinOp>;
  map["Where"] = importWhere;

  map["Cast"] = importCast;
  map["CastLike"] = importCastLike;
  map["Identity"] = importIdentity;
}

} // namespace llmc::onnx_import
