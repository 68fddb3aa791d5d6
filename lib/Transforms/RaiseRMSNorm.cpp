//===- RaiseRMSNorm.cpp - llm-raise-rms-norm ------------------------------===//
// Recognizes the RMSNorm that torch / HF exports produce (LlamaRMSNorm):
//
//   [xf = Cast(x, f32)]
//   var = ReduceMean(Pow(xf, 2) | Mul(xf, xf), axes = [-1], keepdims)
//   r   = Reciprocal(Sqrt(var + eps)) | Div(1, Sqrt(var + eps))
//   n   = Mul(xf, r) | Div(xf, Sqrt(var + eps))
//   y   = Mul([Cast(n, T)], w)
//
// and replaces y by `llm.rms_norm x, w {epsilon}`. Commutative operands match
// in either order; constants may be splats or 1-element tensors of any rank;
// ReduceMean without keepdims followed by a reshape back to [..., 1] is also
// accepted. Without the casts the input must be f32 or f64: an f16 graph that
// computes the statistics in f16 is not the op's semantics (f32 statistics).
//===----------------------------------------------------------------------===//
#include "RaiseUtils.h"

#include "llmc/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace llmc {
#define GEN_PASS_DEF_LLMRAISERMSNORM
#include "llmc/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;
using namespace llmc;
using namespace llmc::raising;

namespace {

/// `v` is mean(x^2) over the last dim with that dim kept as 1.
static bool isMeanOfSquares(Value v, Value x) {
  auto xt = tensorType(x);
  int64_t rank = xt.getRank();
  SmallVector<int64_t> kept(xt.getShape());
  kept.back() = 1;
  if (tensorType(v).getShape() != ArrayRef<int64_t>(kept))
    return false;
  // keepdims = 0 then Unsqueeze(-1) (a reshape after import).
  if (auto reshape = v.getDefiningOp<llm::ReshapeOp>())
    v = reshape.getInput();
  auto mean = v.getDefiningOp<llm::ReduceMeanOp>();
  if (!mean || mean.getAxes() != ArrayRef<int64_t>{rank - 1})
    return false;
  Value sq = mean.getInput();
  if (auto pow = sq.getDefiningOp<llm::PowOp>())
    return pow.getLhs() == x && isScalarConstant(pow.getRhs(), 2.0);
  if (auto mul = sq.getDefiningOp<llm::MulOp>())
    return mul.getLhs() == x && mul.getRhs() == x;
  return false;
}

/// `s` is sqrt(mean(x^2) + eps); returns eps.
static std::optional<double> matchRms(Value s, Value x) {
  return matchSqrtPlusEps(s, [&](Value var) { return isMeanOfSquares(var, x); });
}

/// `n` is x / sqrt(mean(x^2) + eps) in one of its spellings; sets x, eps.
static bool matchNormalized(Value n, Value &x, double &eps) {
  auto found = [&](Value cand, std::optional<double> e) {
    if (!e || tensorType(cand) != tensorType(n))
      return false;
    x = cand;
    eps = *e;
    return true;
  };
  if (auto div = n.getDefiningOp<llm::DivOp>())
    return found(div.getLhs(), matchRms(div.getRhs(), div.getLhs()));
  auto mul = n.getDefiningOp<llm::MulOp>();
  if (!mul)
    return false;
  return eitherOrder(mul, [&](Value cand, Value r) {
    if (auto rec = r.getDefiningOp<llm::ReciprocalOp>())
      return found(cand, matchRms(rec.getInput(), cand));
    if (auto div = r.getDefiningOp<llm::DivOp>(); div &&
        isScalarConstant(div.getLhs(), 1.0) && broadcastsInto(div.getLhs(), r))
      return found(cand, matchRms(div.getRhs(), cand));
    return false;
  });
}

struct RaiseRMSNormPattern : OpRewritePattern<llm::MulOp> {
  RaiseRMSNormPattern(MLIRContext *ctx)
      : OpRewritePattern(ctx, /*benefit=*/1, {"llm.rms_norm"}) {
    setDebugName("RaiseRMSNormPattern");
  }

  LogicalResult matchAndRewrite(llm::MulOp op,
                                PatternRewriter &rewriter) const override {
    auto resultType = op.getType();
    Value input, weight;
    double eps = 0;
    bool matched = eitherOrder(op, [&](Value n, Value w) {
      auto wt = tensorType(w);
      if (tensorType(n) != resultType || wt.getRank() < 1 ||
          wt.getElementType() != resultType.getElementType() ||
          wt.getShape().back() != resultType.getShape().back() ||
          wt.getShape().back() == ShapedType::kDynamic ||
          wt.getNumElements() != wt.getShape().back() ||
          wt.getRank() > resultType.getRank())
        return false;
      Value x;
      // HF computes in f32 and casts the normalized value back.
      if (auto back = n.getDefiningOp<llm::CastOp>()) {
        if (!matchNormalized(back.getInput(), x, eps) ||
            !tensorType(x).getElementType().isF32())
          return false;
        auto up = x.getDefiningOp<llm::CastOp>();
        if (!up || up.getInput().getType() != resultType)
          return false;
        x = up.getInput();
      } else {
        if (!matchNormalized(n, x, eps))
          return false;
        Type elt = resultType.getElementType();
        if (!elt.isF32() && !elt.isF64())
          return false;
      }
      input = x;
      weight = w;
      return true;
    });
    if (!matched)
      return rewriter.notifyMatchFailure(op, "not weight * rms-normalized x");
    if (tensorType(weight).getRank() != 1) {
      auto wt = tensorType(weight);
      weight = llm::ReshapeOp::create(
          rewriter, op.getLoc(),
          RankedTensorType::get({wt.getShape().back()}, wt.getElementType()),
          weight);
    }
    rewriter.replaceOpWithNewOp<llm::RMSNormOp>(
        op, resultType, input, weight, rewriter.getF32FloatAttr(eps));
    return success();
  }
};

struct RaiseRMSNormPass
    : llmc::impl::LLMRaiseRMSNormBase<RaiseRMSNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RaiseRMSNormPattern>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
