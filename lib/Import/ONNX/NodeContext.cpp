//===- NodeContext.cpp - what an op importer sees of one node -------------===//
#include "NodeContext.h"
#include "TensorConversion.h"

#include "llmc/Dialect/LLM/IR/LLMOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/Verifier.h"

using namespace mlir;
using namespace llmc::llm;

namespace llmc::onnx_import {

NodeContext::NodeContext(OpBuilder &builder, const onnx::NodeProto &node,
                         std::string displayName, Location loc, int64_t opset,
                         SmallVector<Value> inputs, std::string baseDir)
    : b(builder), node(node), name(std::move(displayName)), loc(loc),
      opset(opset), baseDir(std::move(baseDir)), inputs(std::move(inputs)) {}

LogicalResult NodeContext::requireInputs(unsigned n) {
  for (unsigned i = 0; i < n; ++i)
    if (!hasInput(i))
      return emitError() << "expects at least " << n << " input"
                         << (n == 1 ? "" : "s") << ", input " << i
                         << " is missing";
  return success();
}

const onnx::AttributeProto *NodeContext::attr(StringRef attrName) const {
  for (const onnx::AttributeProto &a : node.attribute())
    if (a.name() == attrName)
      return &a;
  return nullptr;
}

int64_t NodeContext::intAttr(StringRef attrName, int64_t dflt) const {
  const onnx::AttributeProto *a = attr(attrName);
  return a && a->has_i() ? a->i() : dflt;
}

float NodeContext::floatAttr(StringRef attrName, float dflt) const {
  const onnx::AttributeProto *a = attr(attrName);
  return a && a->has_f() ? a->f() : dflt;
}

std::string NodeContext::stringAttr(StringRef attrName, StringRef dflt) const {
  const onnx::AttributeProto *a = attr(attrName);
  return a && a->has_s() ? a->s() : dflt.str();
}

std::optional<SmallVector<int64_t>>
NodeContext::intsAttr(StringRef attrName) const {
  const onnx::AttributeProto *a = attr(attrName);
  if (!a)
    return std::nullopt;
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

FailureOr<ElementsAttr> NodeContext::constInput(unsigned i) {
  if (!hasInput(i))
    return emitError() << "input " << i << " is missing";
  ElementsAttr attr;
  if (!matchPattern(inputs[i], m_Constant(&attr)))
    return emitError() << "input '" << inputName(i)
                       << "' must be a compile-time constant (fix symbolic "
                          "dims with --input-shape or freeze the input with "
                          "--freeze-input)";
  return attr;
}

FailureOr<SmallVector<int64_t>> NodeContext::constInts(unsigned i) {
  FailureOr<ElementsAttr> attr = constInput(i);
  if (failed(attr))
    return failure();
  std::optional<SmallVector<int64_t>> values = getIntValues(*attr);
  if (!values)
    return emitError() << "input '" << inputName(i)
                       << "' must be an integer tensor, got "
                       << attr->getShapedType();
  return *values;
}

FailureOr<int64_t> NodeContext::constScalarInt(unsigned i) {
  FailureOr<SmallVector<int64_t>> values = constInts(i);
  if (failed(values))
    return failure();
  if (values->size() != 1)
    return emitError() << "input '" << inputName(i)
                       << "' must hold a single value, got " << values->size();
  return (*values)[0];
}

Value NodeContext::constant(ElementsAttr value) {
  return ConstantOp::create(b, loc, value);
}

Value NodeContext::scalarConstant(Type elt, double v) {
  auto type = RankedTensorType::get({}, elt);
  if (auto floatType = dyn_cast<FloatType>(elt)) {
    APFloat f(v);
    bool lost;
    f.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
              &lost);
    return constant(DenseElementsAttr::get(type, f));
  }
  auto intType = cast<IntegerType>(elt);
  APInt i(intType.getWidth(), static_cast<uint64_t>(static_cast<int64_t>(v)),
          /*isSigned=*/!intType.isUnsigned());
  return constant(DenseElementsAttr::get(type, i));
}

Value NodeContext::i64Constant(ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({(int64_t)values.size()}, b.getI64Type());
  return constant(DenseElementsAttr::get(type, values));
}

FailureOr<Value> NodeContext::reshape(Value v, ArrayRef<int64_t> shape) {
  auto in = cast<RankedTensorType>(v.getType());
  auto type = RankedTensorType::get(shape, in.getElementType());
  if (type == in)
    return v;
  return createTyped<ReshapeOp>(type, v);
}

FailureOr<SmallVector<Value>> NodeContext::finish(OperationState &state) {
  Operation *op = Operation::create(state);
  b.insert(op);
  if (failed(mlir::verify(op, /*verifyRecursively=*/false)))
    return failure();
  SmallVector<Value> folded;
  if (succeeded(b.tryFold(op, folded)) && !folded.empty()) {
    op->erase();
    return folded;
  }
  return SmallVector<Value>(op->getResults());
}

int64_t shapeProduct(ArrayRef<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims) {
    if (ShapedType::isDynamic(d))
      return ShapedType::kDynamic;
    p *= d;
  }
  return p;
}

std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? ", " : "") +
         (ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d));
  return s + "]";
}

FailureOr<int64_t> normalizeAxis(NodeContext &n, int64_t axis, int64_t rank,
                                 StringRef what) {
  if (axis < -rank || axis >= rank)
    return n.emitError() << what << " " << axis << " is out of range for rank "
                         << rank;
  return axis < 0 ? axis + rank : axis;
}

std::string importerKey(StringRef domain, StringRef opType) {
  if (domain.empty() || domain == "ai.onnx")
    return opType.str();
  return (domain + "." + opType).str();
}

const OpImporterMap &getOpImporters() {
  static const OpImporterMap map = [] {
    OpImporterMap m;
    registerElementwiseImporters(m);
    registerShapeImporters(m);
    registerConstantImporters(m);
    registerMathImporters(m);
    registerContribImporters(m);
    registerAttentionImporters(m);
    return m;
  }();
  return map;
}

} // namespace llmc::onnx_import
