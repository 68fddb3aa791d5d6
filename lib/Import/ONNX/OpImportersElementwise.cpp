//===- OpImportersElementwise.cpp - elementwise ONNX ops ------------------===//
// Unary and binary arithmetic, comparisons, logic, Where, variadic Max/Min,
// Cast/CastLike, Identity and Gelu. All map one-to-one onto llm ops whose
// result types are inferred (numpy broadcasting).
//===----------------------------------------------------------------------===//
#include "ConstantEval.h"
#include "NodeContext.h"
#include "TensorConversion.h"

#include "llmc/Dialect/LLM/IR/LLMOps.h"

#include "mlir/IR/Matchers.h"
#include "llvm/ADT/APSInt.h"

using namespace mlir;
using namespace llmc::llm;

namespace llmc::onnx_import {
namespace {

/// Sets output 0 to the constant `folded` when evaluation succeeded.
bool setFolded(NodeContext &n, DenseElementsAttr folded) {
  if (!folded)
    return false;
  n.setOutput(0, n.constant(folded));
  return true;
}

template <typename OpTy> LogicalResult importUnary(NodeContext &n) {
  if (failed(n.requireInputs(1)))
    return failure();
  if constexpr (std::is_same_v<OpTy, NotOp>) {
    Type elt = n.inputType(0).getElementType();
    if (elt.isInteger(1) &&
        setFolded(n,
                  evalBroadcast({n.input(0)}, elt, [&](ArrayRef<Attribute> a) {
                    return BoolAttr::get(n.getContext(), !isNonZero(a[0]));
                  })))
      return success();
  }
  return n.setResult(n.create<OpTy>({n.input(0)}));
}

template <typename OpTy> LogicalResult importBinary(NodeContext &n) {
  if (failed(n.requireInputs(2)))
    return failure();
  if constexpr (std::is_same_v<OpTy, AndOp> || std::is_same_v<OpTy, OrOp>) {
    Type elt = n.inputType(0).getElementType();
    bool isAnd = std::is_same_v<OpTy, AndOp>;
    if (elt.isInteger(1) && n.inputType(1).getElementType() == elt &&
        setFolded(n,
                  evalBroadcast({n.input(0), n.input(1)}, elt,
                                [&](ArrayRef<Attribute> a) {
                                  bool x = isNonZero(a[0]), y = isNonZero(a[1]);
                                  return BoolAttr::get(n.getContext(),
                                                       isAnd ? x && y : x || y);
                                })))
      return success();
  }
  return n.setResult(n.create<OpTy>({n.input(0), n.input(1)}));
}

/// Max/Min: a left-to-right chain of binary ops; one input is the identity.
template <typename OpTy> LogicalResult importVariadic(NodeContext &n) {
  if (failed(n.requireInputs(std::max(1u, n.numInputs()))))
    return failure();
  constexpr bool isMax = std::is_same_v<OpTy, MaxOp>;
  Value acc = n.input(0);
  for (unsigned i = 1; i < n.numInputs(); ++i) {
    Type elt = n.inputType(0).getElementType();
    DenseElementsAttr folded;
    if (cast<RankedTensorType>(n.input(i).getType()).getElementType() == elt)
      folded = evalBroadcast({acc, n.input(i)}, elt, [](ArrayRef<Attribute> a) {
        return maxOrMin(a[0], a[1], isMax);
      });
    if (folded) {
      acc = n.constant(folded);
      continue;
    }
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
  Type elt = n.inputType(1).getElementType();
  if (n.inputType(0).getElementType().isInteger(1) &&
      n.inputType(2).getElementType() == elt &&
      setFolded(n, evalBroadcast({n.input(0), n.input(1), n.input(2)}, elt,
                                 [](ArrayRef<Attribute> a) {
                                   return isNonZero(a[0]) ? a[1] : a[2];
                                 })))
    return success();
  return n.setResult(n.create<WhereOp>({n.input(0), n.input(1), n.input(2)}));
}

LogicalResult importGelu(NodeContext &n) {
  if (failed(n.requireInputs(1)))
    return failure();
  std::string approximate = n.stringAttr("approximate", "none");
  if (approximate != "none" && approximate != "tanh")
    return n.emitError() << "unknown approximate '" << approximate
                         << "' (expected 'none' or 'tanh')";
  return n.setResult(n.create<GeluOp>(
      {n.input(0)},
      {n.namedAttr("tanh_approx", n.b.getBoolAttr(approximate == "tanh"))}));
}

/// Converts one constant element to `to` with ONNX Cast semantics (floats to
/// integers truncate toward zero, anything to bool is `x != 0`).
Attribute castElement(Attribute value, Type to) {
  if (auto i = dyn_cast<IntegerAttr>(value)) {
    auto fromType = cast<IntegerType>(i.getType());
    bool isSigned = !fromType.isUnsigned() && fromType.getWidth() != 1;
    const APInt &v = i.getValue();
    if (auto toInt = dyn_cast<IntegerType>(to)) {
      if (toInt.getWidth() == 1)
        return IntegerAttr::get(to, APInt(1, !v.isZero()));
      return IntegerAttr::get(to, isSigned ? v.sextOrTrunc(toInt.getWidth())
                                           : v.zextOrTrunc(toInt.getWidth()));
    }
    auto toFloat = cast<FloatType>(to);
    APFloat f(toFloat.getFloatSemantics());
    f.convertFromAPInt(v, isSigned, APFloat::rmNearestTiesToEven);
    return FloatAttr::get(to, f);
  }
  APFloat f = cast<FloatAttr>(value).getValue();
  if (auto toInt = dyn_cast<IntegerType>(to)) {
    if (toInt.getWidth() == 1)
      return IntegerAttr::get(to, APInt(1, !f.isZero()));
    APSInt result(toInt.getWidth(), toInt.isUnsigned());
    bool exact;
    f.convertToInteger(result, APFloat::rmTowardZero, &exact);
    return IntegerAttr::get(to, result);
  }
  bool lost;
  f.convert(cast<FloatType>(to).getFloatSemantics(),
            APFloat::rmNearestTiesToEven, &lost);
  return FloatAttr::get(to, f);
}

LogicalResult castTo(NodeContext &n, Type elt) {
  RankedTensorType in = n.inputType(0);
  auto type = in.clone(elt);
  // Small constants are converted here so that shape and range computations
  // that go through floats (e.g. Cast -> Div -> Range) still fold.
  DenseElementsAttr dense;
  if (type != in && matchPattern(n.input(0), m_Constant(&dense)) &&
      dense.getNumElements() <= kMaxDenseElements) {
    SmallVector<Attribute> values;
    for (Attribute v : dense.getValues<Attribute>())
      values.push_back(castElement(v, elt));
    n.setOutput(0, n.constant(DenseElementsAttr::get(type, values)));
    return success();
  }
  return n.setResult(n.createTyped<CastOp>(type, {n.input(0)}));
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
