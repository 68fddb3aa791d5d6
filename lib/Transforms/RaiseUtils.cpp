//===- RaiseUtils.cpp - matching helpers for the llm-raise-* passes -------===//
#include "RaiseUtils.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace llmc::raising {

std::optional<double> getScalarConstant(Value v) {
  auto c = v.getDefiningOp<llm::ConstantOp>();
  if (!c)
    return std::nullopt;
  auto dense = dyn_cast<DenseFPElementsAttr>(c.getValue());
  if (!dense || (!dense.isSplat() && dense.getNumElements() != 1))
    return std::nullopt;
  return (*dense.getValues<APFloat>().begin()).convertToDouble();
}

bool isScalarConstant(Value v, double expected) {
  std::optional<double> c = getScalarConstant(v);
  if (!c)
    return false;
  double tol = 1e-6 * std::max(1.0, std::fabs(expected));
  if (auto f = dyn_cast<FloatType>(tensorType(v).getElementType());
      f && f.getWidth() < 32)
    tol = 1e-3 * std::max(1.0, std::fabs(expected));
  return std::fabs(*c - expected) <= tol;
}

bool broadcastsInto(Value c, Value other) {
  return broadcastsInto(c, tensorType(other).getShape());
}

bool broadcastsInto(Value v, ArrayRef<int64_t> shape) {
  SmallVector<int64_t> out;
  auto vt = tensorType(v);
  return vt.getRank() <= int64_t(shape.size()) &&
         succeeded(llm::broadcastShapes(vt.getShape(), shape, out)) &&
         ArrayRef<int64_t>(out) == shape;
}

static std::optional<double> evaluateScalar(Value v, unsigned depth) {
  if (std::optional<double> c = getScalarConstant(v))
    return c;
  auto type = dyn_cast<RankedTensorType>(v.getType());
  Operation *op = v.getDefiningOp();
  if (!op || depth > 8 || !type || !type.hasStaticShape() ||
      type.getNumElements() != 1)
    return std::nullopt;
  auto ft = dyn_cast<FloatType>(type.getElementType());
  if (!ft)
    return std::nullopt;
  auto operand = [&](unsigned i) -> std::optional<double> {
    if (op->getNumOperands() <= i)
      return std::nullopt;
    return evaluateScalar(op->getOperand(i), depth + 1);
  };
  std::optional<double> a = operand(0), r;
  if (!a)
    return std::nullopt;
  if (isa<llm::AddOp, llm::SubOp, llm::MulOp, llm::DivOp, llm::PowOp>(op)) {
    std::optional<double> b = operand(1);
    if (!b)
      return std::nullopt;
    if (isa<llm::AddOp>(op))
      r = *a + *b;
    else if (isa<llm::SubOp>(op))
      r = *a - *b;
    else if (isa<llm::MulOp>(op))
      r = *a * *b;
    else if (isa<llm::DivOp>(op))
      r = *a / *b;
    else
      r = std::pow(*a, *b);
  } else if (isa<llm::SqrtOp>(op)) {
    r = std::sqrt(*a);
  } else if (isa<llm::ReciprocalOp>(op)) {
    r = 1.0 / *a;
  } else if (isa<llm::NegOp>(op)) {
    r = -*a;
  } else if (isa<llm::CastOp>(op)) {
    r = a;
  } else {
    return std::nullopt;
  }
  // Round to the element type, as the graph does after every op.
  APFloat rounded(*r);
  bool lost;
  rounded.convert(ft.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
  return rounded.convertToDouble();
}

std::optional<double> evaluateScalar(Value v) { return evaluateScalar(v, 0); }

bool isLastDimSlice(llm::SliceOp op, int64_t begin, int64_t end) {
  auto in = op.getInput().getType();
  int64_t rank = in.getRank();
  ArrayRef<int64_t> starts = op.getStarts(), ends = op.getEnds(),
                    steps = op.getSteps();
  auto wholeEnd = [&](int64_t e, int64_t dim) {
    return ShapedType::isDynamic(dim)
               ? e == std::numeric_limits<int64_t>::max()
               : e >= dim;
  };
  for (int64_t i = 0; i < rank; ++i) {
    if (steps[i] != 1)
      return false;
    int64_t dim = in.getDimSize(i);
    if (i < rank - 1) {
      if (starts[i] != 0 || !wholeEnd(ends[i], dim))
        return false;
      continue;
    }
    if (ShapedType::isDynamic(dim) || starts[i] != begin)
      return false;
    if (end == dim ? !wholeEnd(ends[i], dim) : ends[i] != end)
      return false;
  }
  return true;
}

std::optional<double>
matchSqrtPlusEps(Value s, llvm::function_ref<bool(Value)> isVariance) {
  auto sqrt = s.getDefiningOp<llm::SqrtOp>();
  if (!sqrt)
    return std::nullopt;
  auto add = sqrt.getInput().getDefiningOp<llm::AddOp>();
  if (!add)
    return std::nullopt;
  std::optional<double> eps;
  eitherOrder(add, [&](Value var, Value c) {
    std::optional<double> e = getScalarConstant(c);
    if (!e || *e < 0 || !broadcastsInto(c, var) || !isVariance(var))
      return false;
    eps = e;
    return true;
  });
  return eps;
}

} // namespace llmc::raising
