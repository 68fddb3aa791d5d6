//===- RaiseSiluMul.cpp - llm-raise-silu-mul ------------------------------===//
// Recognizes the SwiGLU core of a gated MLP (LlamaMLP: down(silu(gate(x)) *
// up(x))) as exported by torch, where SiLU is Mul(g, Sigmoid(g)):
//
//   y = Mul(Mul(g, Sigmoid(g)), up)      (all operand orders)
//
// and replaces y by `llm.silu_mul g, up`. g, up and y must have one type (no
// broadcasting); a SiLU that is not multiplied by anything stays as it is.
//===----------------------------------------------------------------------===//
#include "RaiseUtils.h"

#include "llmc/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace llmc {
#define GEN_PASS_DEF_LLMRAISESILUMUL
#include "llmc/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;
using namespace llmc;
using namespace llmc::raising;

namespace {

/// `v` is g * sigmoid(g); returns g.
static Value matchSilu(Value v) {
  auto mul = v.getDefiningOp<llm::MulOp>();
  if (!mul)
    return {};
  Value gate;
  eitherOrder(mul, [&](Value g, Value s) {
    auto sig = s.getDefiningOp<llm::SigmoidOp>();
    if (!sig || sig.getInput() != g)
      return false;
    gate = g;
    return true;
  });
  return gate;
}

struct RaiseSiluMulPattern : OpRewritePattern<llm::MulOp> {
  RaiseSiluMulPattern(MLIRContext *ctx)
      : OpRewritePattern(ctx, /*benefit=*/1, {"llm.silu_mul"}) {
    setDebugName("RaiseSiluMulPattern");
  }

  LogicalResult matchAndRewrite(llm::MulOp op,
                                PatternRewriter &rewriter) const override {
    auto type = op.getType();
    if (!isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "not a float multiply");
    Value gate, up;
    bool matched = eitherOrder(op, [&](Value silu, Value u) {
      Value g = matchSilu(silu);
      if (!g || g.getType() != type || u.getType() != type)
        return false;
      gate = g;
      up = u;
      return true;
    });
    if (!matched)
      return rewriter.notifyMatchFailure(op, "not silu(g) * up of one type");
    rewriter.replaceOpWithNewOp<llm::SiluMulOp>(op, type, gate, up);
    return success();
  }
};

struct RaiseSiluMulPass
    : llmc::impl::LLMRaiseSiluMulBase<RaiseSiluMulPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RaiseSiluMulPattern>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
