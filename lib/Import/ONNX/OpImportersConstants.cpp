//===- OpImportersConstants.cpp - ONNX ops evaluated at import ------------===//
// Shape (a constant when the dims are static, else llm.shape [+ llm.slice]),
// ConstantOfShape, Constant and Range, which become llm.constant.
//===----------------------------------------------------------------------===//
#include "NodeContext.h"
#include "TensorConversion.h"

#include "llmc/Dialect/LLM/IR/LLMOps.h"

#include <cmath>

using namespace mlir;
using namespace llmc::llm;

namespace llmc::onnx_import {
namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

LogicalResult importShape(NodeContext &n) {
  if (failed(n.requireInputs(1)))
    return failure();
  RankedTensorType in = n.inputType(0);
  int64_t rank = in.getRank();
  auto clampDim = [&](int64_t v) {
    if (v < 0)
      v += rank;
    return std::clamp<int64_t>(v, 0, rank);
  };
  int64_t start = clampDim(n.intAttr("start", 0));
  int64_t end = clampDim(n.intAttr("end", rank));
  if (end < start)
    end = start;
  ArrayRef<int64_t> dims = in.getShape().slice(start, end - start);
  if (!llvm::is_contained(dims, kDyn)) {
    n.setOutput(0, n.i64Constant(dims));
    return success();
  }
  auto shapeType = RankedTensorType::get({rank}, n.b.getI64Type());
  FailureOr<Value> shape = n.createTyped<ShapeOp>(shapeType, {n.input(0)});
  if (failed(shape))
    return failure();
  if (start == 0 && end == rank) {
    n.setOutput(0, *shape);
    return success();
  }
  return n.setResult(n.create<SliceOp>(
      {*shape}, {n.namedAttr("starts", n.b.getDenseI64ArrayAttr({start})),
                 n.namedAttr("ends", n.b.getDenseI64ArrayAttr({end})),
                 n.namedAttr("steps", n.b.getDenseI64ArrayAttr({1}))}));
}

LogicalResult importConstantOfShape(NodeContext &n) {
  if (failed(n.requireInputs(1)))
    return failure();
  FailureOr<SmallVector<int64_t>> shape = n.constInts(0);
  if (failed(shape))
    return failure();
  for (int64_t d : *shape)
    if (d < 0)
      return n.emitError() << "shape " << shapeString(*shape)
                           << " has a negative dim";
  Attribute element;
  Type elt;
  if (const onnx::AttributeProto *value = n.attr("value")) {
    FailureOr<ElementsAttr> attr = convertTensor(
        n.getContext(), value->t(), n.baseDir, n.loc, "the 'value' attribute");
    if (failed(attr))
      return failure();
    auto dense = dyn_cast<DenseElementsAttr>(*attr);
    if (!dense || dense.getNumElements() != 1)
      return n.emitError() << "the 'value' attribute must hold one element";
    element = *dense.value_begin<Attribute>();
    elt = dense.getElementType();
  } else {
    elt = n.b.getF32Type();
    element = n.b.getF32FloatAttr(0.0f);
  }
  auto type = RankedTensorType::get(*shape, elt);
  DenseElementsAttr result =
      type.getNumElements() == 0
          ? DenseElementsAttr::get(type, ArrayRef<Attribute>())
          : DenseElementsAttr::get(type, element);
  n.setOutput(0, n.constant(result));
  return success();
}

LogicalResult importConstant(NodeContext &n) {
  MLIRContext *ctx = n.getContext();
  std::string hint = n.hasOutput(0) ? n.node.output(0) : n.name;
  ElementsAttr value;
  if (const onnx::AttributeProto *a = n.attr("value")) {
    FailureOr<ElementsAttr> attr = convertTensor(ctx, a->t(), n.baseDir, n.loc,
                                                 "the 'value' attribute", hint);
    if (failed(attr))
      return failure();
    value = *attr;
  } else if (const onnx::AttributeProto *a = n.attr("value_float")) {
    value = DenseElementsAttr::get(RankedTensorType::get({}, n.b.getF32Type()),
                                   a->f());
  } else if (const onnx::AttributeProto *a = n.attr("value_floats")) {
    SmallVector<float> values(a->floats().begin(), a->floats().end());
    value = DenseElementsAttr::get(
        RankedTensorType::get({(int64_t)values.size()}, n.b.getF32Type()),
        ArrayRef<float>(values));
  } else if (const onnx::AttributeProto *a = n.attr("value_int")) {
    value = DenseElementsAttr::get(RankedTensorType::get({}, n.b.getI64Type()),
                                   static_cast<int64_t>(a->i()));
  } else if (const onnx::AttributeProto *a = n.attr("value_ints")) {
    SmallVector<int64_t> values(a->ints().begin(), a->ints().end());
    value = DenseElementsAttr::get(
        RankedTensorType::get({(int64_t)values.size()}, n.b.getI64Type()),
        ArrayRef<int64_t>(values));
  } else if (n.hasAttr("sparse_value")) {
    return n.emitError() << "sparse constants are not supported";
  } else if (n.hasAttr("value_string") || n.hasAttr("value_strings")) {
    return n.emitError() << "string constants are not supported";
  } else {
    return n.emitError() << "has no value attribute";
  }
  n.setOutput(0, n.constant(value));
  return success();
}

LogicalResult importRange(NodeContext &n) {
  if (failed(n.requireInputs(3)))
    return failure();
  SmallVector<double> scalars;
  Type elt = n.inputType(0).getElementType();
  SmallVector<int64_t> ints;
  bool isInt = isa<IntegerType>(elt);
  for (unsigned i = 0; i < 3; ++i) {
    if (n.inputType(i).getElementType() != elt)
      return n.emitError() << "start, limit and delta must have one type";
    FailureOr<ElementsAttr> attr = n.constInput(i);
    if (failed(attr))
      return failure();
    if (attr->getNumElements() != 1)
      return n.emitError() << "input '" << n.inputName(i)
                           << "' must be a scalar";
    if (isInt) {
      auto v = getIntValues(*attr);
      if (!v)
        return n.emitError() << "cannot read input '" << n.inputName(i) << "'";
      ints.push_back((*v)[0]);
    } else {
      auto v = getFloatValues(*attr);
      if (!v)
        return n.emitError() << "cannot read input '" << n.inputName(i) << "'";
      scalars.push_back((*v)[0]);
    }
  }
  constexpr int64_t kMaxCount = int64_t(1) << 28;
  std::string name = n.hasOutput(0) ? n.node.output(0) : n.name;
  if (isInt) {
    int64_t start = ints[0], limit = ints[1], delta = ints[2];
    if (delta == 0)
      return n.emitError() << "delta must be non-zero";
    // ceil((limit - start) / delta), computed without overflow in practice.
    __int128 diff = (__int128)limit - start;
    __int128 count = diff / delta;
    if (count * delta != diff && ((diff > 0) == (delta > 0)))
      ++count;
    if (count < 0)
      count = 0;
    if (count > kMaxCount)
      return n.emitError() << "range of " << (int64_t)count
                           << " elements is too large to build at import";
    SmallVector<int64_t> values;
    for (int64_t i = 0; i < (int64_t)count; ++i)
      values.push_back(start + i * delta);
    auto type = RankedTensorType::get({(int64_t)count}, elt);
    n.setOutput(0, n.constant(makeIntElements(type, values, name)));
    return success();
  }
  double start = scalars[0], limit = scalars[1], delta = scalars[2];
  if (delta == 0)
    return n.emitError() << "delta must be non-zero";
  double countF = std::max(std::ceil((limit - start) / delta), 0.0);
  if (!(countF <= (double)kMaxCount))
    return n.emitError() << "range of " << countF
                         << " elements is too large to build at import";
  int64_t count = (int64_t)countF;
  SmallVector<double> values;
  for (int64_t i = 0; i < count; ++i)
    values.push_back(start + i * delta);
  auto type = RankedTensorType::get({count}, elt);
  n.setOutput(0, n.constant(makeFloatElements(type, values, name)));
  return success();
}

} // namespace

void registerConstantImporters(OpImporterMap &map) {
  map["Shape"] = importShape;
  map["ConstantOfShape"] = importConstantOfShape;
  map["Constant"] = importConstant;
  map["Range"] = importRange;
}

} // namespace llmc::onnx_import
