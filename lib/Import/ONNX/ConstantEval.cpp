//===- ConstantEval.cpp - import-time evaluation of small constants -------===//
#include "ConstantEval.h"
#include "TensorConversion.h"

#include "llmc/Dialect/LLM/IR/LLMOps.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace llmc::onnx_import {

DenseElementsAttr
evalBroadcastTo(ArrayRef<Value> operands, RankedTensorType resultType,
                function_ref<Attribute(ArrayRef<Attribute>)> fn) {
  if (!resultType.hasStaticShape() ||
      resultType.getNumElements() > kMaxDenseElements)
    return {};
  SmallVector<SmallVector<Attribute>> values;
  SmallVector<SmallVector<int64_t>> shapes;
  for (Value v : operands) {
    DenseElementsAttr attr;
    if (!matchPattern(v, m_Constant(&attr)) ||
        attr.getNumElements() > kMaxDenseElements)
      return {};
    values.push_back(llvm::to_vector(attr.getValues<Attribute>()));
    shapes.push_back(SmallVector<int64_t>(attr.getType().getShape()));
  }
  ArrayRef<int64_t> outShape = resultType.getShape();
  SmallVector<Attribute> out;
  SmallVector<Attribute> args(operands.size());
  for (int64_t i = 0, e = resultType.getNumElements(); i < e; ++i) {
    for (size_t k = 0; k < operands.size(); ++k)
      args[k] = values[k][llm::broadcastIndex(outShape, i, shapes[k])];
    Attribute r = fn(args);
    if (!r)
      return {};
    out.push_back(r);
  }
  return DenseElementsAttr::get(resultType, out);
}

DenseElementsAttr
evalBroadcast(ArrayRef<Value> operands, Type resultElt,
              function_ref<Attribute(ArrayRef<Attribute>)> fn) {
  SmallVector<int64_t> shape;
  for (Value v : operands) {
    SmallVector<int64_t> next;
    if (failed(llm::broadcastShapes(
            shape, cast<RankedTensorType>(v.getType()).getShape(), next)))
      return {};
    shape = next;
  }
  return evalBroadcastTo(operands, RankedTensorType::get(shape, resultElt), fn);
}

Attribute maxOrMin(Attribute a, Attribute b, bool isMax) {
  if (auto ia = dyn_cast<IntegerAttr>(a)) {
    auto ib = dyn_cast<IntegerAttr>(b);
    if (!ib)
      return {};
    bool isUnsigned = cast<IntegerType>(ia.getType()).isUnsigned() ||
                      ia.getType().isInteger(1);
    const APInt &x = ia.getValue(), &y = ib.getValue();
    bool less = isUnsigned ? x.ult(y) : x.slt(y);
    return (less == isMax) ? b : a;
  }
  auto fa = dyn_cast<FloatAttr>(a), fb = dyn_cast<FloatAttr>(b);
  if (!fa || !fb)
    return {};
  if (fa.getValue().isNaN())
    return a;
  if (fb.getValue().isNaN())
    return b;
  bool less = fa.getValue() < fb.getValue();
  return (less == isMax) ? b : a;
}

bool isNonZero(Attribute a) {
  if (auto i = dyn_cast<IntegerAttr>(a))
    return !i.getValue().isZero();
  if (auto f = dyn_cast<FloatAttr>(a))
    return !f.getValue().isZero();
  return false;
}

} // namespace llmc::onnx_import
