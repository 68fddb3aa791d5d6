//===- CPULoopOrder.cpp - contiguous innermost loops for reductions -------===//
// A loop interchange instead of tiling: cheap, numerically neutral (each
// output keeps its summation order), and enough for LLVM's vectorizer until
// the CPU backend gets tiled micro-kernels.
//===----------------------------------------------------------------------===//
#include "llmc/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace llmc {
#define GEN_PASS_DEF_LLMCPULOOPORDER
#include "llmc/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;

/// The loop order that moves the output's last dim innermost, or empty when
/// the op already has it (or has no such dim).
static SmallVector<unsigned> innermostOutputOrder(linalg::LinalgOp op) {
  if (op.getNumReductionLoops() == 0 || op.getNumDpsInits() != 1)
    return {};
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (out.getNumResults() == 0)
    return {};
  auto last = dyn_cast<AffineDimExpr>(out.getResults().back());
  unsigned numLoops = op.getNumLoops();
  if (!last || last.getPosition() == numLoops - 1)
    return {};
  SmallVector<unsigned> order;
  for (unsigned i = 0; i < numLoops; ++i)
    if (i != last.getPosition())
      order.push_back(i);
  order.push_back(last.getPosition());
  return order;
}

namespace {
struct CPULoopOrderPass : llmc::impl::LLMCPULoopOrderBase<CPULoopOrderPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (!innermostOutputOrder(op).empty())
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      SmallVector<unsigned> order = innermostOutputOrder(op);
      rewriter.setInsertionPoint(op);
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      if (!generic) {
        FailureOr<linalg::GenericOp> g = linalg::generalizeNamedOp(rewriter, op);
        if (failed(g))
          continue;
        generic = *g;
      }
      if (failed(linalg::interchangeGenericOp(rewriter, generic, order)))
        return signalPassFailure();
    }
  }
};
} // namespace
