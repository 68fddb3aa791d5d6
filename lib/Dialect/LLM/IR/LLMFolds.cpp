//===- LLMFolds.cpp - llm folders and canonicalization patterns -----------===//
// Folding evaluates the small integer shape computations that exporters emit
// (Shape -> Gather -> Concat -> Reshape) so that shapes become static, and
// small float constant arithmetic such as the attention scale
// `torch.full([], head_dim ** 0.5)` (Add(Pow(16, 0.5), 0)), so that raising
// sees a constant. Float results are rounded to the element type after every
// op, as the unfolded graph computes them.
//===----------------------------------------------------------------------===//
#include "llmc/Dialect/LLM/IR/LLMOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>

using namespace mlir;
using namespace llmc::llm;

/// Folding only pays for small tensors; weights are never folded.
static constexpr int64_t kMaxFoldElements = 4096;

static DenseElementsAttr foldable(Attribute attr) {
  auto dense = dyn_cast_or_null<DenseElementsAttr>(attr);
  if (!dense || dense.getNumElements() > kMaxFoldElements)
    return {};
  return dense;
}

template <typename IntFn, typename FloatFn>
static Attribute foldBinary(Operation *op, ArrayRef<Attribute> operands,
                            IntFn intFn, FloatFn floatFn) {
  auto lhs = foldable(operands[0]), rhs = foldable(operands[1]);
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  if (!lhs || !rhs || !resultType.hasStaticShape() ||
      resultType.getNumElements() > kMaxFoldElements)
    return {};
  ArrayRef<int64_t> outShape = resultType.getShape();
  Type elt = lhs.getElementType();
  if (elt != rhs.getElementType())
    return {};
  int64_t n = resultType.getNumElements();
  auto lShape = lhs.getType().getShape(), rShape = rhs.getType().getShape();
  if (auto intType = dyn_cast<IntegerType>(elt)) {
    auto a = llvm::to_vector(lhs.getValues<APInt>());
    auto b = llvm::to_vector(rhs.getValues<APInt>());
    SmallVector<APInt> out;
    for (int64_t i = 0; i < n; ++i) {
      std::optional<APInt> v = intFn(a[broadcastIndex(outShape, i, lShape)],
                                     b[broadcastIndex(outShape, i, rShape)]);
      if (!v)
        return {};
      out.push_back(*v);
    }
    Type outElt = resultType.getElementType();
    if (outElt != elt) { // comparisons
      SmallVector<bool> bits;
      for (APInt &v : out)
        bits.push_back(!v.isZero());
      return DenseElementsAttr::get(resultType, bits);
    }
    return DenseElementsAttr::get(resultType, out);
  }
  if (isa<FloatType>(elt)) {
    auto a = llvm::to_vector(lhs.getValues<APFloat>());
    auto b = llvm::to_vector(rhs.getValues<APFloat>());
    Type outElt = resultType.getElementType();
    SmallVector<APFloat> out;
    SmallVector<bool> bits;
    for (int64_t i = 0; i < n; ++i) {
      std::optional<APFloat> v = floatFn(a[broadcastIndex(outShape, i, lShape)],
                                         b[broadcastIndex(outShape, i, rShape)]);
      if (!v)
        return {};
      if (outElt != elt)
        bits.push_back(!v->isZero());
      else
        out.push_back(*v);
    }
    if (outElt != elt)
      return DenseElementsAttr::get(resultType, bits);
    return DenseElementsAttr::get(resultType, out);
  }
  return {};
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  return foldBinary(
      *this, adaptor.getOperands(),
      [](const APInt &a, const APInt &b) -> std::optional<APInt> { return a + b; },
      [](const APFloat &a, const APFloat &b) -> std::optional<APFloat> {
        return a + b;
      });
}
OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  return foldBinary(
      *this, adaptor.getOperands(),
      [](const APInt &a, const APInt &b) -> std::optional<APInt> { return a - b; },
      [](const APFloat &a, const APFloat &b) -> std::optional<APFloat> {
        return a - b;
      });
}
OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  return foldBinary(
      *this, adaptor.getOperands(),
      [](const APInt &a, const APInt &b) -> std::optional<APInt> { return a * b; },
      [](const APFloat &a, const APFloat &b) -> std::optional<APFloat> {
        return a * b;
      });
}
OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  return foldBinary(
      *this, adaptor.getOperands(),
      [](const APInt &a, const APInt &b) -> std::optional<APInt> {
        if (b.isZero())
          return std::nullopt;
        return a.sdiv(b);
      },
      [](const APFloat &a, const APFloat &b) -> std::optional<APFloat> {
        return a / b;
      });
}

/// Float `base ** exponent` (the exponent float or integer, as ONNX Pow
/// allows), computed in double and rounded to the base's element type.
OpFoldResult PowOp::fold(FoldAdaptor adaptor) {
  auto base = foldable(adaptor.getLhs()), exp = foldable(adaptor.getRhs());
  auto resultType = cast<RankedTensorType>(getType());
  auto ft = dyn_cast<FloatType>(resultType.getElementType());
  if (!base || !exp || !ft || base.getElementType() != ft ||
      !resultType.hasStaticShape() ||
      resultType.getNumElements() > kMaxFoldElements)
    return {};
  SmallVector<double> e;
  if (isa<FloatType>(exp.getElementType())) {
    for (const APFloat &v : exp.getValues<APFloat>())
      e.push_back(v.convertToDouble());
  } else if (auto it = dyn_cast<IntegerType>(exp.getElementType());
             it && it.getWidth() > 1) {
    for (const APInt &v : exp.getValues<APInt>())
      e.push_back(it.isUnsigned() ? double(v.getZExtValue())
                                  : double(v.getSExtValue()));
  } else {
    return {};
  }
  auto b = llvm::to_vector(base.getValues<APFloat>());
  ArrayRef<int64_t> outShape = resultType.getShape();
  auto bShape = base.getType().getShape(), eShape = exp.getType().getShape();
  SmallVector<APFloat> out;
  for (int64_t i = 0, n = resultType.getNumElements(); i < n; ++i) {
    double r = std::pow(b[broadcastIndex(outShape, i, bShape)].convertToDouble(),
                        e[broadcastIndex(outShape, i, eShape)]);
    APFloat v(r);
    bool lost;
    v.convert(ft.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
    out.push_back(v);
  }
  return DenseElementsAttr::get(resultType, out);
}

template <typename Pred>
static Attribute foldCompare(Operation *op, ArrayRef<Attribute> operands,
                             Pred pred) {
  auto one = [](bool v) { return APInt(1, v ? 1 : 0); };
  return foldBinary(
      op, operands,
      [&](const APInt &a, const APInt &b) -> std::optional<APInt> {
        int c = a.slt(b) ? -1 : (a == b ? 0 : 1);
        return one(pred(c));
      },
      [&](const APFloat &a, const APFloat &b) -> std::optional<APFloat> {
        APFloat::cmpResult r = a.compare(b);
        if (r == APFloat::cmpUnordered)
          return std::nullopt;
        int c = r == APFloat::cmpLessThan ? -1 : (r == APFloat::cmpEqual ? 0 : 1);
        return APFloat(pred(c) ? 1.0f : 0.0f);
      });
}

OpFoldResult EqualOp::fold(FoldAdaptor a) {
  return foldCompare(*this, a.getOperands(), [](int c) { return c == 0; });
}
OpFoldResult LessOp::fold(FoldAdaptor a) {
  return foldCompare(*this, a.getOperands(), [](int c) { return c < 0; });
}
OpFoldResult LessEqualOp::fold(FoldAdaptor a) {
  return foldCompare(*this, a.getOperands(), [](int c) { return c <= 0; });
}
OpFoldResult GreaterOp::fold(FoldAdaptor a) {
  return foldCompare(*this, a.getOperands(), [](int c) { return c > 0; });
}
OpFoldResult GreaterEqualOp::fold(FoldAdaptor a) {
  return foldCompare(*this, a.getOperands(), [](int c) { return c >= 0; });
}

OpFoldResult NegOp::fold(FoldAdaptor adaptor) {
  auto in = foldable(adaptor.getInput());
  if (!in || !isa<IntegerType>(in.getElementType()))
    return {};
  return in.mapValues(in.getElementType(), [](const APInt &v) { return -v; });
}

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  auto in = foldable(adaptor.getInput());
  if (!in)
    return {};
  auto inInt = dyn_cast<IntegerType>(in.getElementType());
  auto outInt = dyn_cast<IntegerType>(getType().getElementType());
  // Integer-to-integer is what shape computations need; floats stay runtime.
  if (!inInt || !outInt)
    return {};
  unsigned width = outInt.getWidth();
  bool isSigned = !inInt.isUnsigned() && inInt.getWidth() != 1;
  return in.mapValues(outInt, [&](const APInt &v) {
    if (width == 1)
      return APInt(1, v.isZero() ? 0 : 1);
    return isSigned ? v.sextOrTrunc(width) : v.zextOrTrunc(width);
  });
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto in = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    if (getType().hasStaticShape() &&
        (in.isSplat() || in.getNumElements() <= kMaxFoldElements))
      return in.reshape(getType());
  return {};
}

namespace {
/// reshape(reshape(x)) -> reshape(x)
struct CollapseReshapes : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<ReshapeOp>();
    if (!inner)
      return failure();
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), inner.getInput());
    return success();
  }
};

/// transpose(transpose(x, p1), p2) -> transpose(x, p1[p2])
struct ComposeTransposes : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<TransposeOp>();
    if (!inner)
      return failure();
    SmallVector<int64_t> perm;
    for (int64_t p : op.getPerm())
      perm.push_back(inner.getPerm()[p]);
    rewriter.replaceOpWithNewOp<TransposeOp>(op, inner.getInput(),
                                             rewriter.getDenseI64ArrayAttr(perm));
    return success();
  }
};
} // namespace

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<CollapseReshapes>(context);
}

void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<ComposeTransposes>(context);
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  ArrayRef<int64_t> perm = getPerm();
  for (int64_t i = 0, e = perm.size(); i < e; ++i)
    if (perm[i] != i)
      return {};
  return getInput();
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  if (getInputs().size() == 1 && getInputs()[0].getType() == getType())
    return getInputs()[0];
  // Only 1-D constant concatenation (shape vectors) is folded.
  if (getType().getRank() != 1 || !getType().hasStaticShape())
    return {};
  SmallVector<Attribute> values;
  for (Attribute a : adaptor.getInputs()) {
    auto dense = foldable(a);
    if (!dense)
      return {};
    llvm::append_range(values, dense.getValues<Attribute>());
  }
  return DenseElementsAttr::get(getType(), values);
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType()) {
    bool identity = true;
    for (auto [s, st] : llvm::zip(getStarts(), getSteps()))
      identity &= (s == 0 && st == 1);
    if (identity)
      return getInput();
  }
  auto in = foldable(adaptor.getInput());
  if (!in || in.getType().getRank() != 1 || !getType().hasStaticShape())
    return {};
  int64_t dim = in.getNumElements();
  int64_t start = getStarts()[0], step = getSteps()[0];
  if (dim == 0 || getType().getDimSize(0) == 0)
    return {};
  if (start < 0)
    start += dim;
  start = step > 0 ? std::clamp<int64_t>(start, 0, dim)
                   : std::clamp<int64_t>(start, 0, dim - 1);
  auto all = llvm::to_vector(in.getValues<Attribute>());
  SmallVector<Attribute> values;
  for (int64_t i = 0; i < getType().getDimSize(0); ++i)
    values.push_back(all[start + i * step]);
  return DenseElementsAttr::get(getType(), values);
}

OpFoldResult GatherOp::fold(FoldAdaptor adaptor) {
  auto data = foldable(adaptor.getData());
  auto indices = foldable(adaptor.getIndices());
  if (!data || !indices || data.getType().getRank() != 1 ||
      !getType().hasStaticShape())
    return {};
  auto all = llvm::to_vector(data.getValues<Attribute>());
  int64_t dim = all.size();
  SmallVector<Attribute> values;
  for (APInt idx : indices.getValues<APInt>()) {
    int64_t i = idx.getSExtValue();
    if (i < 0)
      i += dim;
    if (i < 0 || i >= dim)
      return {};
    values.push_back(all[i]);
  }
  return DenseElementsAttr::get(getType(), values);
}

OpFoldResult ShapeOp::fold(FoldAdaptor) {
  auto in = getInput().getType();
  if (!in.hasStaticShape())
    return {};
  SmallVector<int64_t> dims(in.getShape());
  return DenseElementsAttr::get(getType(), ArrayRef<int64_t>(dims));
}
