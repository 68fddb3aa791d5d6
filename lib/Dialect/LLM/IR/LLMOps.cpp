//===- LLMOps.cpp - llm op type inference and verifiers -------------------===//
// Result types are inferred from operands so that importers never compute
// shapes by hand; `?` dims propagate wherever the math allows.
//===----------------------------------------------------------------------===//
#include "llmc/Dialect/LLM/IR/LLMOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace llmc::llm;

static constexpr int64_t kDyn = ShapedType::kDynamic;

LogicalResult llmc::llm::broadcastShapes(ArrayRef<int64_t> a,
                                         ArrayRef<int64_t> b,
                                         SmallVectorImpl<int64_t> &out) {
  size_t rank = std::max(a.size(), b.size());
  out.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == 1)
      out[i] = db;
    else if (db == 1)
      out[i] = da;
    else if (da == kDyn)
      out[i] = db;
    else if (db == kDyn || da == db)
      out[i] = da;
    else
      return failure();
  }
  return success();
}

int64_t llmc::llm::broadcastIndex(ArrayRef<int64_t> outShape, int64_t flat,
                                  ArrayRef<int64_t> shape) {
  int64_t index = 0, stride = 1;
  int64_t offset = outShape.size() - shape.size();
  for (int64_t d = outShape.size() - 1; d >= 0; --d) {
    int64_t coord = flat % outShape[d];
    flat /= outShape[d];
    if (d >= offset) {
      int64_t s = shape[d - offset];
      index += (s == 1 ? 0 : coord) * stride;
      stride *= s;
    }
  }
  return index;
}

static RankedTensorType rankedOf(Value v) {
  return cast<RankedTensorType>(v.getType());
}

static LogicalResult emitOptionalError(std::optional<Location> loc,
                                       const Twine &message) {
  if (loc)
    return mlir::emitError(*loc, message);
  return failure();
}

static int64_t normalizeAxis(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

//===----------------------------------------------------------------------===//
// Constant
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::verify() {
  if (getValue().getType() != getType())
    return emitOpError("value type ") << getValue().getType()
                                      << " does not match result type "
                                      << getType();
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

static bool isCompareOp(Operation *op) {
  return isa<EqualOp, LessOp, LessEqualOp, GreaterOp, GreaterEqualOp>(op);
}

static LogicalResult inferBinary(MLIRContext *ctx, std::optional<Location> loc,
                                 Value lhs, Value rhs, bool isCompare,
                                 SmallVectorImpl<Type> &inferred) {
  auto l = rankedOf(lhs), r = rankedOf(rhs);
  SmallVector<int64_t> shape;
  if (failed(broadcastShapes(l.getShape(), r.getShape(), shape)))
    return emitOptionalError(loc, "operands are not broadcast-compatible");
  Type elt = isCompare ? IntegerType::get(ctx, 1) : l.getElementType();
  inferred.push_back(RankedTensorType::get(shape, elt));
  return success();
}

#define LLM_BINARY_INFER(OP, COMPARE)                                          \
  LogicalResult OP::inferReturnTypes(MLIRContext *ctx,                         \
                                     std::optional<Location> loc,              \
                                     OP::Adaptor adaptor,                      \
                                     SmallVectorImpl<Type> &inferred) {        \
    return inferBinary(ctx, loc, adaptor.getLhs(), adaptor.getRhs(), COMPARE, \
                       inferred);                                              \
  }
LLM_BINARY_INFER(AddOp, false)
LLM_BINARY_INFER(SubOp, false)
LLM_BINARY_INFER(MulOp, false)
LLM_BINARY_INFER(DivOp, false)
LLM_BINARY_INFER(PowOp, false)
LLM_BINARY_INFER(MaxOp, false)
LLM_BINARY_INFER(MinOp, false)
LLM_BINARY_INFER(AndOp, false)
LLM_BINARY_INFER(OrOp, false)
LLM_BINARY_INFER(EqualOp, true)
LLM_BINARY_INFER(LessOp, true)
LLM_BINARY_INFER(LessEqualOp, true)
LLM_BINARY_INFER(GreaterOp, true)
LLM_BINARY_INFER(GreaterEqualOp, true)
#undef LLM_BINARY_INFER

static LogicalResult verifyBinary(Operation *op) {
  Type l = rankedOf(op->getOperand(0)).getElementType();
  Type r = rankedOf(op->getOperand(1)).getElementType();
  if (isa<PowOp>(op))
    return success(); // ONNX Pow allows a differently typed exponent.
  if (l != r)
    return op->emitOpError("operand element types differ: ") << l << " vs " << r;
  if (isa<AndOp, OrOp>(op) && !l.isInteger(1))
    return op->emitOpError("expects i1 operands");
  if (isCompareOp(op) &&
      !rankedOf(op->getResult(0)).getElementType().isInteger(1))
    return op->emitOpError("result must be i1");
  return success();
}

LogicalResult AddOp::verify() { return verifyBinary(*this); }
LogicalResult SubOp::verify() { return verifyBinary(*this); }
LogicalResult MulOp::verify() { return verifyBinary(*this); }
LogicalResult DivOp::verify() { return verifyBinary(*this); }
LogicalResult PowOp::verify() { return verifyBinary(*this); }
LogicalResult MaxOp::verify() { return verifyBinary(*this); }
LogicalResult MinOp::verify() { return verifyBinary(*this); }
LogicalResult AndOp::verify() { return verifyBinary(*this); }
LogicalResult OrOp::verify() { return verifyBinary(*this); }
LogicalResult EqualOp::verify() { return verifyBinary(*this); }
LogicalResult LessOp::verify() { return verifyBinary(*this); }
LogicalResult LessEqualOp::verify() { return verifyBinary(*this); }
LogicalResult GreaterOp::verify() { return verifyBinary(*this); }
LogicalResult GreaterEqualOp::verify() { return verifyBinary(*this); }

LogicalResult CastOp::verify() {
  auto in = getInput().getType(), out = getType();
  if (failed(verifyCompatibleShape(in.getShape(), out.getShape())))
    return emitOpError("input and result shapes differ");
  return success();
}

LogicalResult WhereOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        WhereOp::Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  SmallVector<int64_t> s1, s2;
  if (failed(broadcastShapes(rankedOf(adaptor.getCondition()).getShape(),
                             rankedOf(adaptor.getLhs()).getShape(), s1)) ||
      failed(broadcastShapes(s1, rankedOf(adaptor.getRhs()).getShape(), s2)))
    return emitOptionalError(loc, "operands are not broadcast-compatible");
  inferred.push_back(
      RankedTensorType::get(s2, rankedOf(adaptor.getLhs()).getElementType()));
  return success();
}

LogicalResult WhereOp::verify() {
  if (!getCondition().getType().getElementType().isInteger(1))
    return emitOpError("condition must be i1");
  if (getLhs().getType().getElementType() != getRhs().getType().getElementType())
    return emitOpError("branches have different element types");
  return success();
}

//===----------------------------------------------------------------------===//
// MatMul
//===----------------------------------------------------------------------===//

LogicalResult MatMulOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         MatMulOp::Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  auto l = rankedOf(adaptor.getLhs()), r = rankedOf(adaptor.getRhs());
  SmallVector<int64_t> a(l.getShape()), b(r.getShape());
  if (a.empty() || b.empty())
    return emitOptionalError(loc, "matmul operands must have rank >= 1");
  bool lhsVec = a.size() == 1, rhsVec = b.size() == 1;
  if (lhsVec)
    a.insert(a.begin(), 1);
  if (rhsVec)
    b.push_back(1);
  int64_t k1 = a.back(), k2 = b[b.size() - 2];
  if (k1 != kDyn && k2 != kDyn && k1 != k2)
    return emitOptionalError(loc, "matmul contraction dims differ");
  SmallVector<int64_t> batch;
  if (failed(broadcastShapes(ArrayRef<int64_t>(a).drop_back(2),
                             ArrayRef<int64_t>(b).drop_back(2), batch)))
    return emitOptionalError(loc, "matmul batch dims are not broadcast-compatible");
  SmallVector<int64_t> shape(batch);
  if (!lhsVec)
    shape.push_back(a[a.size() - 2]);
  if (!rhsVec)
    shape.push_back(b.back());
  inferred.push_back(RankedTensorType::get(shape, l.getElementType()));
  return success();
}

LogicalResult MatMulOp::verify() {
  if (getLhs().getType().getElementType() != getRhs().getType().getElementType())
    return emitOpError("operand element types differ");
  return success();
}

//===----------------------------------------------------------------------===//
// Softmax, normalization, reductions
//===----------------------------------------------------------------------===//

static LogicalResult verifyAxis(Operation *op, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
    return op->emitOpError("axis ") << axis << " out of range for rank " << rank;
  return success();
}

LogicalResult SoftmaxOp::verify() {
  return verifyAxis(*this, getAxis(), getType().getRank());
}
LogicalResult LogSoftmaxOp::verify() {
  return verifyAxis(*this, getAxis(), getType().getRank());
}
LogicalResult CumSumOp::verify() {
  return verifyAxis(*this, getAxis(), getType().getRank());
}
LogicalResult TriluOp::verify() {
  if (getType().getRank() < 2)
    return emitOpError("expects rank >= 2");
  return success();
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *ctx,
                                            std::optional<Location> loc,
                                            LayerNormOp::Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  auto in = rankedOf(adaptor.getInput());
  int64_t rank = in.getRank();
  int64_t axis = normalizeAxis(adaptor.getAxis(), rank);
  if (axis < 0 || axis >= rank)
    return emitOptionalError(loc, "layer_norm axis out of range");
  SmallVector<int64_t> stats(in.getShape());
  for (int64_t i = axis; i < rank; ++i)
    stats[i] = 1;
  Type statType = Float32Type::get(ctx);
  inferred.push_back(in);
  inferred.push_back(RankedTensorType::get(stats, statType));
  inferred.push_back(RankedTensorType::get(stats, statType));
  return success();
}

LogicalResult LayerNormOp::verify() {
  Type elt = getInput().getType().getElementType();
  if (!isa<FloatType>(elt))
    return emitOpError("expects a float input");
  if (getScale().getType().getElementType() != elt ||
      (getBias() && getBias().getType().getElementType() != elt))
    return emitOpError("scale and bias must have the input element type");
  return success();
}

template <typename OpTy>
static LogicalResult inferReduce(std::optional<Location> loc,
                                 typename OpTy::Adaptor adaptor,
                                 SmallVectorImpl<Type> &inferred) {
  auto in = rankedOf(adaptor.getInput());
  SmallVector<int64_t> shape;
  ArrayRef<int64_t> axes = adaptor.getAxes();
  for (int64_t i = 0; i < in.getRank(); ++i) {
    bool reduced = llvm::is_contained(axes, i);
    if (!reduced)
      shape.push_back(in.getDimSize(i));
    else if (adaptor.getKeepdims())
      shape.push_back(1);
  }
  for (int64_t a : axes)
    if (a < 0 || a >= in.getRank())
      return emitOptionalError(loc, "reduction axis out of range");
  inferred.push_back(RankedTensorType::get(shape, in.getElementType()));
  return success();
}

#define LLM_REDUCE(OP)                                                         \
  LogicalResult OP::inferReturnTypes(MLIRContext *, std::optional<Location> loc,\
                                     OP::Adaptor adaptor,                      \
                                     SmallVectorImpl<Type> &inferred) {        \
    return inferReduce<OP>(loc, adaptor, inferred);                            \
  }                                                                            \
  LogicalResult OP::verify() {                                                 \
    ArrayRef<int64_t> axes = getAxes();                                        \
    if (axes.empty())                                                          \
      return emitOpError("expects at least one axis");                         \
    if (!llvm::is_sorted(axes) ||                                              \
        std::adjacent_find(axes.begin(), axes.end()) != axes.end())            \
      return emitOpError("axes must be sorted and unique");                    \
    return success();                                                          \
  }
LLM_REDUCE(ReduceMeanOp)
LLM_REDUCE(ReduceSumOp)
LLM_REDUCE(ReduceMaxOp)
#undef LLM_REDUCE

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::verify() {
  auto in = getInput().getType(), out = getType();
  if (in.getElementType() != out.getElementType())
    return emitOpError("element type changes");
  if (in.hasStaticShape() && out.hasStaticShape() &&
      in.getNumElements() != out.getNumElements())
    return emitOpError("element count changes from ")
           << in.getNumElements() << " to " << out.getNumElements();
  return success();
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            TransposeOp::Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  auto in = rankedOf(adaptor.getInput());
  ArrayRef<int64_t> perm = adaptor.getPerm();
  if ((int64_t)perm.size() != in.getRank())
    return emitOptionalError(loc, "perm size differs from rank");
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= in.getRank())
      return emitOptionalError(loc, "perm entry out of range");
    shape.push_back(in.getDimSize(p));
  }
  inferred.push_back(RankedTensorType::get(shape, in.getElementType()));
  return success();
}

LogicalResult TransposeOp::verify() {
  SmallVector<int64_t> sorted(getPerm());
  llvm::sort(sorted);
  for (int64_t i = 0, e = sorted.size(); i < e; ++i)
    if (sorted[i] != i)
      return emitOpError("perm is not a permutation");
  return success();
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         ConcatOp::Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  if (adaptor.getInputs().empty())
    return emitOptionalError(loc, "concat needs at least one input");
  auto first = rankedOf(adaptor.getInputs()[0]);
  int64_t rank = first.getRank();
  int64_t axis = normalizeAxis(adaptor.getAxis(), rank);
  if (axis < 0 || axis >= rank)
    return emitOptionalError(loc, "concat axis out of range");
  SmallVector<int64_t> shape(first.getShape());
  shape[axis] = 0;
  for (Value v : adaptor.getInputs()) {
    auto t = rankedOf(v);
    if (t.getRank() != rank)
      return emitOptionalError(loc, "concat inputs differ in rank");
    for (int64_t i = 0; i < rank; ++i) {
      if (i == axis) {
        shape[i] = (shape[i] == kDyn || t.getDimSize(i) == kDyn)
                       ? kDyn
                       : shape[i] + t.getDimSize(i);
      } else if (shape[i] == kDyn) {
        shape[i] = t.getDimSize(i);
      }
    }
  }
  inferred.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

LogicalResult ConcatOp::verify() {
  Type elt = getType().getElementType();
  for (Value v : getInputs())
    if (rankedOf(v).getElementType() != elt)
      return emitOpError("inputs differ in element type");
  return success();
}

LogicalResult SplitOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        SplitOp::Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  auto in = rankedOf(adaptor.getInput());
  int64_t axis = normalizeAxis(adaptor.getAxis(), in.getRank());
  if (axis < 0 || axis >= in.getRank())
    return emitOptionalError(loc, "split axis out of range");
  for (int64_t size : adaptor.getSizes()) {
    SmallVector<int64_t> shape(in.getShape());
    shape[axis] = size;
    inferred.push_back(RankedTensorType::get(shape, in.getElementType()));
  }
  return success();
}

LogicalResult SplitOp::verify() {
  auto in = getInput().getType();
  int64_t axis = normalizeAxis(getAxis(), in.getRank());
  int64_t total = 0;
  for (int64_t s : getSizes()) {
    if (s < 0)
      return emitOpError("split sizes must be static and non-negative");
    total += s;
  }
  if (!in.isDynamicDim(axis) && total != in.getDimSize(axis))
    return emitOpError("split sizes sum to ")
           << total << " but the axis has " << in.getDimSize(axis);
  return success();
}

/// ONNX Slice clamping for one dim of static size `dim`; returns the count.
static int64_t sliceCount(int64_t dim, int64_t start, int64_t end,
                          int64_t step) {
  if (dim == 0)
    return 0;
  if (start < 0)
    start += dim;
  if (end < 0)
    end += dim;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    return end > start ? (end - start + step - 1) / step : 0;
  }
  if (dim == 0) // The clamp range below would be empty.
    return 0;
  start = std::clamp<int64_t>(start, 0, dim - 1);
  end = std::clamp<int64_t>(end, -1, dim - 1);
  return start > end ? (start - end + (-step) - 1) / (-step) : 0;
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        SliceOp::Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  auto in = rankedOf(adaptor.getInput());
  ArrayRef<int64_t> starts = adaptor.getStarts(), ends = adaptor.getEnds(),
                    steps = adaptor.getSteps();
  int64_t rank = in.getRank();
  if ((int64_t)starts.size() != rank || (int64_t)ends.size() != rank ||
      (int64_t)steps.size() != rank)
    return emitOptionalError(loc, "slice needs one start/end/step per dim");
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < rank; ++i) {
    if (steps[i] == 0)
      return emitOptionalError(loc, "slice step must be non-zero");
    int64_t dim = in.getDimSize(i);
    shape.push_back(dim == kDyn ? kDyn
                                : sliceCount(dim, starts[i], ends[i], steps[i]));
  }
  inferred.push_back(RankedTensorType::get(shape, in.getElementType()));
  return success();
}

LogicalResult SliceOp::verify() { return success(); }

LogicalResult GatherOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         GatherOp::Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  auto data = rankedOf(adaptor.getData());
  auto indices = rankedOf(adaptor.getIndices());
  int64_t axis = normalizeAxis(adaptor.getAxis(), data.getRank());
  if (axis < 0 || axis >= data.getRank())
    return emitOptionalError(loc, "gather axis out of range");
  SmallVector<int64_t> shape(data.getShape().take_front(axis));
  llvm::append_range(shape, indices.getShape());
  llvm::append_range(shape, data.getShape().drop_front(axis + 1));
  inferred.push_back(RankedTensorType::get(shape, data.getElementType()));
  return success();
}

LogicalResult GatherOp::verify() {
  if (!isa<IntegerType>(getIndices().getType().getElementType()))
    return emitOpError("indices must be integers");
  return success();
}

LogicalResult ExpandOp::verify() {
  SmallVector<int64_t> shape;
  if (failed(broadcastShapes(getInput().getType().getShape(),
                             getType().getShape(), shape)) ||
      failed(verifyCompatibleShape(shape, getType().getShape())))
    return emitOpError("input does not broadcast to the result shape");
  return success();
}

LogicalResult ScatterNDOp::verify() {
  if (getData().getType() != getType())
    return emitOpError("result type must equal the data type");
  StringRef r = getReduction();
  if (r != "none" && r != "add" && r != "mul" && r != "max" && r != "min")
    return emitOpError("unknown reduction '") << r << "'";
  auto idx = getIndices().getType();
  if (idx.getRank() < 1 || idx.isDynamicDim(idx.getRank() - 1))
    return emitOpError("indices need a static last dim");
  return success();
}

//===----------------------------------------------------------------------===//
// Semantic ops
//===----------------------------------------------------------------------===//

LogicalResult RMSNormOp::verify() {
  auto in = getInput().getType(), w = getWeight().getType();
  if (!isa<FloatType>(in.getElementType()))
    return emitOpError("expects a float input");
  if (in.getRank() < 1)
    return emitOpError("expects an input of rank >= 1");
  if (w.getElementType() != in.getElementType())
    return emitOpError("weight must have the input element type");
  if (w.getRank() != 1)
    return emitOpError("weight must be 1-D");
  if (failed(verifyCompatibleShape(w.getShape(), in.getShape().take_back())))
    return emitOpError("weight size ")
           << w.getDimSize(0) << " differs from the last input dim "
           << in.getShape().back();
  if (getEpsilon().convertToDouble() < 0)
    return emitOpError("epsilon must be non-negative");
  return success();
}

LogicalResult SiluMulOp::verify() {
  if (!isa<FloatType>(getType().getElementType()))
    return emitOpError("expects float operands");
  return success();
}

LogicalResult RopeOp::verify() {
  auto in = getInput().getType();
  if (!isa<FloatType>(in.getElementType()))
    return emitOpError("expects a float input");
  if (in.getRank() < 1)
    return emitOpError("expects an input of rank >= 1");
  int64_t d = in.getShape().back();
  if (d != kDyn && d % 2 != 0)
    return emitOpError("last dim ") << d << " must be even";
  for (Value table : {getCos(), getSin()}) {
    auto t = rankedOf(table);
    if (t.getElementType() != in.getElementType())
      return emitOpError("cos and sin must have the input element type");
    SmallVector<int64_t> shape;
    if (t.getRank() < 1 || t.getRank() > in.getRank() ||
        failed(broadcastShapes(t.getShape(), in.getShape(), shape)) ||
        failed(verifyCompatibleShape(shape, in.getShape())))
      return emitOpError("cos/sin of type ")
             << t << " do not broadcast to the input type " << in;
    if (failed(verifyCompatibleShape(t.getShape().take_back(),
                                      in.getShape().take_back())))
      return emitOpError("cos/sin last dim must equal the input last dim");
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Quantized ops
//===----------------------------------------------------------------------===//

LogicalResult MatMulNBitsOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, MatMulNBitsOp::Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  auto a = rankedOf(adaptor.getA());
  if (a.getRank() < 1)
    return emitOptionalError(loc, "matmul_nbits input must have rank >= 1");
  SmallVector<int64_t> shape(a.getShape().drop_back());
  shape.push_back((int64_t)adaptor.getN());
  inferred.push_back(RankedTensorType::get(shape, a.getElementType()));
  return success();
}

LogicalResult MatMulNBitsOp::verify() {
  int64_t bits = getBits(), blockSize = getBlockSize(), k = getK(), n = getN();
  auto a = getA().getType(), b = getB().getType();
  auto scales = getScales().getType();
  if (!isa<FloatType>(a.getElementType()))
    return emitOpError("expects a float input");
  if (bits != 4 && bits != 8)
    return emitOpError("bits must be 4 or 8, got ") << bits;
  if (blockSize < 16 || (blockSize & (blockSize - 1)) != 0)
    return emitOpError("block_size must be a power of 2 >= 16, got ")
           << blockSize;
  if (k <= 0 || n <= 0)
    return emitOpError("k and n must be positive");
  if (a.getRank() < 1 || (!a.isDynamicDim(a.getRank() - 1) &&
                          a.getShape().back() != k))
    return emitOpError("input last dim must be k = ") << k << ", got " << a;
  int64_t nBlocks = (k + blockSize - 1) / blockSize;
  int64_t blob = blockSize * bits / 8;
  if (!b.getElementType().isUnsignedInteger(8) || b.getRank() != 3 ||
      failed(verifyCompatibleShape(b.getShape(), {n, nBlocks, blob})))
    return emitOpError("packed weight must be ui8 [")
           << n << ", " << nBlocks << ", " << blob << "], got " << b;
  if (scales.getElementType() != a.getElementType())
    return emitOpError("scales must have the input element type");
  auto perRow = [&](RankedTensorType t, int64_t cols) {
    return (t.getRank() == 1 &&
            succeeded(verifyCompatibleShape(t.getShape(), {n * cols}))) ||
           (t.getRank() == 2 &&
            succeeded(verifyCompatibleShape(t.getShape(), {n, cols})));
  };
  if (!perRow(scales, nBlocks))
    return emitOpError("scales must be [") << n * nBlocks << "] or [" << n
                                           << ", " << nBlocks << "], got "
                                           << scales;
  if (Value zp = getZeroPoints()) {
    auto z = cast<RankedTensorType>(zp.getType());
    int64_t zpBlob = (nBlocks * bits + 7) / 8;
    if (!z.getElementType().isUnsignedInteger(8) || !perRow(z, zpBlob))
      return emitOpError("zero points must be ui8 [")
             << n * zpBlob << "] or [" << n << ", " << zpBlob << "], got "
             << z;
  }
  return success();
}

LogicalResult AttentionOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            AttentionOp::Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  auto q = rankedOf(adaptor.getQuery()), v = rankedOf(adaptor.getValue());
  if (q.getRank() != 4 || v.getRank() != 4)
    return emitOptionalError(loc, "attention expects 4-D query/key/value");
  SmallVector<int64_t> shape(q.getShape());
  shape[3] = v.getDimSize(3);
  inferred.push_back(RankedTensorType::get(shape, q.getElementType()));
  return success();
}

LogicalResult AttentionOp::verify() {
  auto q = getQuery().getType(), k = getKey().getType(),
       v = getValue().getType();
  Type elt = q.getElementType();
  if (!isa<FloatType>(elt))
    return emitOpError("expects float operands");
  if (k.getRank() != 4)
    return emitOpError("expects 4-D query/key/value ([B, H, S, D])");
  if (k.getElementType() != elt || v.getElementType() != elt)
    return emitOpError("query, key and value must have one element type");
  auto same = [](int64_t a, int64_t b) {
    return a == kDyn || b == kDyn || a == b;
  };
  if (!same(q.getDimSize(0), k.getDimSize(0)) ||
      !same(q.getDimSize(0), v.getDimSize(0)))
    return emitOpError("batch sizes differ");
  if (!same(k.getDimSize(1), v.getDimSize(1)))
    return emitOpError("key and value have different head counts");
  if (!same(k.getDimSize(2), v.getDimSize(2)))
    return emitOpError("key and value have different sequence lengths");
  if (!same(q.getDimSize(3), k.getDimSize(3)))
    return emitOpError("query head dim ")
           << q.getDimSize(3) << " differs from the key head dim "
           << k.getDimSize(3);
  int64_t hq = q.getDimSize(1), hkv = k.getDimSize(1);
  if (hq != kDyn && hkv != kDyn && (hkv == 0 || hq % hkv != 0))
    return emitOpError("query heads (")
           << hq << ") must be a multiple of the key/value heads (" << hkv
           << ")";
  int64_t s = q.getDimSize(2), t = k.getDimSize(2);
  if (getCausal() && s != kDyn && t != kDyn && s > t)
    return emitOpError("causal attention needs at least as many keys (")
           << t << ") as queries (" << s << ")";
  if (Value mask = getMask()) {
    auto m = rankedOf(mask);
    if (m.getElementType() != elt)
      return emitOpError("mask must be additive, of the query element type");
    SmallVector<int64_t> full{q.getDimSize(0), hq, s, t}, shape;
    if (m.getRank() > 4 ||
        failed(broadcastShapes(m.getShape(), full, shape)) ||
        failed(verifyCompatibleShape(shape, full)))
      return emitOpError("mask of type ")
             << m << " does not broadcast to [B, Hq, S, T]";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Paged KV cache
//===----------------------------------------------------------------------===//

/// `[blocks, layers, 2, page, Hkv, D]` with everything but blocks static.
static LogicalResult verifyCacheType(Operation *op, RankedTensorType cache,
                                     int64_t layer) {
  if (cache.getRank() != 6 || cache.getDimSize(2) != 2)
    return op->emitOpError("cache must be [blocks, layers, 2, page, kv_heads, "
                           "head_dim], got ")
           << cache;
  for (int64_t i = 1; i < 6; ++i)
    if (cache.isDynamicDim(i))
      return op->emitOpError("cache dims after the first must be static");
  if (!isa<FloatType>(cache.getElementType()))
    return op->emitOpError("cache element type must be a float");
  if (layer < 0 || layer >= cache.getDimSize(1))
    return op->emitOpError("layer ")
           << layer << " is outside the cache's " << cache.getDimSize(1)
           << " layers";
  return success();
}

static LogicalResult verifyIndexVector(Operation *op, StringRef what,
                                       RankedTensorType type, int64_t rank) {
  if (type.getRank() != rank || !type.getElementType().isInteger(64))
    return op->emitOpError() << what << " must be a rank-" << rank
                             << " i64 tensor, got " << type;
  return success();
}

LogicalResult KVAppendOp::verify() {
  auto cache = getCache().getType(), k = getKey().getType(),
       v = getValue().getType(), slots = getSlotMapping().getType();
  if (failed(verifyCacheType(*this, cache, getLayer())) ||
      failed(verifyIndexVector(*this, "slot_mapping", slots, 1)))
    return failure();
  if (k != v || k.getRank() != 4 || k.getDimSize(0) != 1 ||
      !isa<FloatType>(k.getElementType()))
    return emitOpError("key and value must be one float type [1, kv_heads, "
                       "N, head_dim]");
  if (k.getDimSize(1) != cache.getDimSize(4) ||
      k.getDimSize(3) != cache.getDimSize(5))
    return emitOpError("key ") << k << " does not match the cache " << cache;
  if (k.getDimSize(2) != slots.getDimSize(0))
    return emitOpError("slot_mapping needs one slot per token");
  return success();
}

LogicalResult PagedAttentionOp::verify() {
  auto q = getQuery().getType(), cache = getCache().getType();
  if (failed(verifyCacheType(*this, cache, getLayer())) ||
      failed(verifyIndexVector(*this, "positions",
                               getPositions().getType(), 2)) ||
      failed(verifyIndexVector(*this, "token_seq",
                               getTokenSeq().getType(), 1)) ||
      failed(verifyIndexVector(*this, "block_tables",
                               getBlockTables().getType(), 2)))
    return failure();
  if (q.getRank() != 4 || q.getDimSize(0) != 1 || !q.hasStaticShape() ||
      !isa<FloatType>(q.getElementType()))
    return emitOpError("query must be a static float [1, heads, N, head_dim]");
  int64_t hkv = cache.getDimSize(4);
  if (q.getDimSize(1) % hkv != 0)
    return emitOpError("query heads (")
           << q.getDimSize(1) << ") must be a multiple of the cache's kv heads ("
           << hkv << ")";
  if (q.getDimSize(3) != cache.getDimSize(5))
    return emitOpError("query head dim differs from the cache head dim");
  int64_t n = q.getDimSize(2);
  if (getPositions().getType().getShape() != ArrayRef<int64_t>{1, n} ||
      getTokenSeq().getType().getDimSize(0) != n)
    return emitOpError("positions [1, N] and token_seq [N] must match the "
                       "query's N = ")
           << n;
  if (getResult().getType() != q)
    return emitOpError("result type must equal the query type");
  return success();
}

#define GET_OP_CLASSES
#include "llmc/Dialect/LLM/IR/LLMOps.cpp.inc"
