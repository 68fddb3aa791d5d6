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
  SmallVector<int64_t> shape;
  auto ct = tensorType(c), ot = tensorType(other);
  return ct.getRank() <= ot.getRank() &&
         succeeded(llm::broadcastShapes(ct.getShape(), ot.getShape(), shape)) &&
         ArrayRef<int64_t>(shape) == ot.getShape();
}

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

} // namespace llmc::raising
