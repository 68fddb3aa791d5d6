//===- RaiseLayerNorm.cpp - llm-raise-layer-norm --------------------------===//
// Recognizes the LayerNorm that torch.onnx (opset < 17, native_layer_norm)
// and hand-written modules export:
//
//   mean = ReduceMean(x, axes = [a, .., r-1], keepdims)  (or keepdims = 0
//          then a Reshape back to the kept shape)
//   d    = Sub(x, mean)
//   var  = ReduceMean(Pow(d, 2) | Mul(d, d), same axes, keepdims)
//   s    = Sqrt(Add(var, eps))
//   n    = Div(d, s) | Mul(d, Reciprocal(s)) | Mul(d, Div(1, s))
//   y    = Add(Mul(n, gamma), beta) | Mul(n, gamma) | n
//
// and replaces y by `llm.layer_norm x, gamma[, beta] {axis = a, epsilon}`
// (gamma = ones of the normalized shape when there is no affine Mul).
// The pattern is rooted at n and grows upward through single-use Mul/Add
// users, so it does not depend on the order the driver visits ops in.
// Only f32/f64: the op computes its statistics in f32, which an f16 graph
// does not (same rule as llm-raise-rms-norm). Must run before
// llm-raise-rms-norm, which would otherwise match `n * gamma` as the RMSNorm
// of the centered value d.
//===----------------------------------------------------------------------===//
#include "RaiseUtils.h"

#include "llmc/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace llmc {
#define GEN_PASS_DEF_LLMRAISELAYERNORM
#include "llmc/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;
using namespace llmc;
using namespace llmc::raising;

namespace {

/// `m` is mean(x) over the dims [axis, rank) with those dims kept as 1;
/// returns axis.
static std::optional<int64_t> matchMeanOver(Value m, Value x) {
  auto xt = tensorType(x);
  int64_t rank = xt.getRank();
  if (auto reshape = m.getDefiningOp<llm::ReshapeOp>())
    m = reshape.getInput();
  auto mean = m.getDefiningOp<llm::ReduceMeanOp>();
  if (!mean || mean.getInput() != x)
    return std::nullopt;
  ArrayRef<int64_t> axes = mean.getAxes();
  if (axes.empty() || axes.back() != rank - 1)
    return std::nullopt;
  for (size_t i = 1; i < axes.size(); ++i)
    if (axes[i] != axes[i - 1] + 1)
      return std::nullopt;
  return axes.front();
}

/// The shape of x with the dims from `axis` on set to 1.
static SmallVector<int64_t> keptShape(Value x, int64_t axis) {
  SmallVector<int64_t> kept(tensorType(x).getShape());
  for (int64_t i = axis; i < int64_t(kept.size()); ++i)
    kept[i] = 1;
  return kept;
}

/// `m` (of the kept shape) is mean(x) over [axis, rank).
static bool isMeanOver(Value m, Value x, int64_t axis) {
  if (tensorType(m).getShape() != ArrayRef<int64_t>(keptShape(x, axis)))
    return false;
  std::optional<int64_t> a = matchMeanOver(m, x);
  return a && *a == axis;
}

struct Match {
  Value x;
  int64_t axis = 0;
  double eps = 0;
};

/// `s` is sqrt(mean(d^2) + eps) over [axis, rank); returns eps.
static std::optional<double> matchStd(Value s, Value d, int64_t axis) {
  return matchSqrtPlusEps(s, [&](Value var) {
    // eps must not broadcast var up (sqrt keeps the sum's type).
    if (tensorType(s) != tensorType(var) ||
        tensorType(var).getShape() != ArrayRef<int64_t>(keptShape(d, axis)))
      return false;
    Value v = var;
    if (auto reshape = v.getDefiningOp<llm::ReshapeOp>())
      v = reshape.getInput();
    auto mean = v.getDefiningOp<llm::ReduceMeanOp>();
    if (!mean)
      return false;
    Value sq = mean.getInput();
    bool isSquare = false;
    if (auto pow = sq.getDefiningOp<llm::PowOp>())
      isSquare = pow.getLhs() == d && isScalarConstant(pow.getRhs(), 2.0) &&
                 broadcastsInto(pow.getRhs(), d);
    else if (auto mul = sq.getDefiningOp<llm::MulOp>())
      isSquare = mul.getLhs() == d && mul.getRhs() == d;
    return isSquare && tensorType(sq) == tensorType(d) &&
           isMeanOver(var, sq, axis);
  });
}

/// `d` is x - mean(x) over [axis, rank); sets m.x and m.axis.
static bool matchCentered(Value d, Match &m) {
  auto sub = d.getDefiningOp<llm::SubOp>();
  if (!sub)
    return false;
  Value x = sub.getLhs();
  if (tensorType(x) != tensorType(d))
    return false;
  Type elt = tensorType(x).getElementType();
  if (!elt.isF32() && !elt.isF64())
    return false;
  std::optional<int64_t> axis = matchMeanOver(sub.getRhs(), x);
  if (!axis || !isMeanOver(sub.getRhs(), x, *axis))
    return false;
  m.x = x;
  m.axis = *axis;
  return true;
}

/// `n` is (x - mean) / sqrt(var + eps) in one of its spellings.
static bool matchNormalized(Value n, Match &m) {
  auto found = [&](Value d, Value s) {
    if (tensorType(d) != tensorType(n) || !matchCentered(d, m))
      return false;
    std::optional<double> eps = matchStd(s, d, m.axis);
    if (!eps)
      return false;
    m.eps = *eps;
    return true;
  };
  if (auto div = n.getDefiningOp<llm::DivOp>())
    return found(div.getLhs(), div.getRhs());
  auto mul = n.getDefiningOp<llm::MulOp>();
  if (!mul)
    return false;
  return eitherOrder(mul, [&](Value d, Value r) {
    if (auto rec = r.getDefiningOp<llm::ReciprocalOp>())
      return found(d, rec.getInput());
    if (auto div = r.getDefiningOp<llm::DivOp>(); div &&
        isScalarConstant(div.getLhs(), 1.0) && broadcastsInto(div.getLhs(), r))
      return found(d, div.getRhs());
    return false;
  });
}

/// `p` can be the scale or bias of a layer norm of `x` over [axis, rank):
/// x's element type, broadcasts into x without growing it, and is constant
/// over the dims before axis.
static bool isAffineParam(Value p, Value x, int64_t axis) {
  auto pt = tensorType(p), xt = tensorType(x);
  if (pt.getElementType() != xt.getElementType() || !broadcastsInto(p, x))
    return false;
  int64_t lead = xt.getRank() - pt.getRank();
  for (int64_t i = 0; i < pt.getRank(); ++i)
    if (i + lead < axis && pt.getDimSize(i) != 1)
      return false;
  return true;
}

/// The single user of `v` if it is an op of type OpTy whose other operand
/// satisfies `pred`; sets `other`.
template <typename OpTy, typename Pred>
static OpTy growTo(Value v, Value &other, Pred &&pred) {
  if (!v.hasOneUse())
    return {};
  auto op = dyn_cast<OpTy>(*v.getUsers().begin());
  if (!op || op.getType() != v.getType())
    return {};
  Value o = op.getLhs() == v ? op.getRhs() : op.getLhs();
  if (o == v || !pred(o))
    return {};
  other = o;
  return op;
}

template <typename RootOp>
struct RaiseLayerNormPattern : OpRewritePattern<RootOp> {
  RaiseLayerNormPattern(MLIRContext *ctx)
      : OpRewritePattern<RootOp>(ctx, /*benefit=*/1, {"llm.layer_norm"}) {
    this->setDebugName("RaiseLayerNormPattern");
  }

  LogicalResult matchAndRewrite(RootOp op,
                                PatternRewriter &rewriter) const override {
    Match m;
    if (!matchNormalized(op.getResult(), m))
      return rewriter.notifyMatchFailure(op, "not (x - mean) / sqrt(var + eps)");
    auto affine = [&](Value p) { return isAffineParam(p, m.x, m.axis); };
    Operation *root = op;
    Value scale, bias;
    if (auto mul = growTo<llm::MulOp>(op.getResult(), scale, affine)) {
      root = mul;
      if (auto add = growTo<llm::AddOp>(mul.getResult(), bias, affine))
        root = add;
    }
    Location loc = root->getLoc();
    if (!scale) {
      auto xt = tensorType(m.x);
      auto type = RankedTensorType::get(xt.getShape().drop_front(m.axis),
                                        xt.getElementType());
      scale = llm::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(
              type, rewriter.getFloatAttr(xt.getElementType(), 1.0).getValue()));
    }
    auto ln = llm::LayerNormOp::create(
        rewriter, loc, m.x, scale, bias,
        rewriter.getI64IntegerAttr(m.axis), rewriter.getF32FloatAttr(m.eps));
    rewriter.replaceOp(root, ln.getResult());
    return success();
  }
};

struct RaiseLayerNormPass
    : llmc::impl::LLMRaiseLayerNormBase<RaiseLayerNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RaiseLayerNormPattern<llm::DivOp>,
                 RaiseLayerNormPattern<llm::MulOp>>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
