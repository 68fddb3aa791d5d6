//===- RaiseRope.cpp - llm-raise-rope -------------------------------------===//
// Recognizes rotate-half rotary embeddings (HF apply_rotary_pos_emb):
//
//   rot = Concat(Neg(x2), x1, axis = -1)   where x1 = x[..., :d/2] and
//         x2 = x[..., d/2:] come from two Slices (torch: ends INT64_MAX) or
//         from one Split into [d/2, d/2]
//   y   = Add(Mul(x, cos), Mul(rot, sin))  (all operand orders)
//
// and replaces y by `llm.rope x, cos, sin`. cos/sin must have x's element
// type, the full last dim d and broadcast to x without changing its shape
// (a [S, d] or [B, 1, S, d] table against [B, H, S, d]).
//===----------------------------------------------------------------------===//
#include "RaiseUtils.h"

#include "llmc/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace llmc {
#define GEN_PASS_DEF_LLMRAISEROPE
#include "llmc/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;
using namespace llmc;
using namespace llmc::raising;

namespace {

/// The first or second half (`second`) of `x` along the last dim.
static Value halfOf(Value v, bool second) {
  if (auto slice = v.getDefiningOp<llm::SliceOp>()) {
    int64_t d = slice.getInput().getType().getShape().back();
    if (ShapedType::isDynamic(d) || d % 2)
      return {};
    bool ok = second ? isLastDimSlice(slice, d / 2, d)
                     : isLastDimSlice(slice, 0, d / 2);
    return ok ? slice.getInput() : Value();
  }
  if (auto split = v.getDefiningOp<llm::SplitOp>()) {
    auto in = split.getInput().getType();
    int64_t rank = in.getRank(), d = in.getShape().back();
    int64_t axis = static_cast<int64_t>(split.getAxis()); // I64Attr: uint64_t
    if (axis < 0)
      axis += rank;
    ArrayRef<int64_t> sizes = split.getSizes();
    if (axis != rank - 1 || sizes.size() != 2 || ShapedType::isDynamic(d) ||
        sizes[0] * 2 != d || sizes[1] * 2 != d ||
        cast<OpResult>(v).getResultNumber() != (second ? 1u : 0u))
      return {};
    return split.getInput();
  }
  return {};
}

/// `v` is rotate_half(x); returns x.
static Value matchRotateHalf(Value v) {
  auto concat = v.getDefiningOp<llm::ConcatOp>();
  if (!concat || concat.getInputs().size() != 2)
    return {};
  int64_t rank = concat.getType().getRank();
  int64_t axis = static_cast<int64_t>(concat.getAxis()); // I64Attr: uint64_t
  if (axis < 0)
    axis += rank;
  if (axis != rank - 1)
    return {};
  auto neg = concat.getInputs()[0].getDefiningOp<llm::NegOp>();
  if (!neg)
    return {};
  Value x = halfOf(neg.getInput(), /*second=*/true);
  if (!x || halfOf(concat.getInputs()[1], /*second=*/false) != x ||
      x.getType() != concat.getType())
    return {};
  return x;
}

/// cos/sin table usable by llm.rope against x.
static bool isTableFor(Value t, Value x) {
  auto tt = tensorType(t), xt = tensorType(x);
  return tt.getElementType() == xt.getElementType() && tt.getRank() >= 1 &&
         tt.getShape().back() == xt.getShape().back() && broadcastsInto(t, x);
}

struct RaiseRopePattern : OpRewritePattern<llm::AddOp> {
  RaiseRopePattern(MLIRContext *ctx)
      : OpRewritePattern(ctx, /*benefit=*/1, {"llm.rope"}) {
    setDebugName("RaiseRopePattern");
  }

  LogicalResult matchAndRewrite(llm::AddOp op,
                                PatternRewriter &rewriter) const override {
    auto type = op.getType();
    if (!isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "not a float add");
    Value x, cos, sin;
    bool matched = eitherOrder(op, [&](Value a, Value b) {
      auto mulCos = a.getDefiningOp<llm::MulOp>();
      auto mulSin = b.getDefiningOp<llm::MulOp>();
      if (!mulCos || !mulSin)
        return false;
      return eitherOrder(mulSin, [&](Value rot, Value s) {
        Value in = matchRotateHalf(rot);
        if (!in || in.getType() != type || !isTableFor(s, in))
          return false;
        return eitherOrder(mulCos, [&](Value xv, Value c) {
          if (xv != in || !isTableFor(c, in))
            return false;
          x = in;
          cos = c;
          sin = s;
          return true;
        });
      });
    });
    if (!matched)
      return rewriter.notifyMatchFailure(op, "not x * cos + rotate_half(x) * sin");
    rewriter.replaceOpWithNewOp<llm::RopeOp>(op, type, x, cos, sin,
                                             /*interleaved=*/false);
    return success();
  }
};

struct RaiseRopePass : llmc::impl::LLMRaiseRopeBase<RaiseRopePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RaiseRopePattern>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
