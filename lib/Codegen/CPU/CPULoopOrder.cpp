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

/// The loop order that makes innermost the loop along which most operands
/// (inputs and output) are contiguous, or empty when the current innermost
/// loop is already as good (ties keep the order).
static SmallVector<unsigned> innermostOutputOrder(linalg::LinalgOp op) {
  if (op.getNumReductionLoops() == 0)
    return {};
  unsigned numLoops = op.getNumLoops();
  SmallVector<unsigned> contiguous(numLoops, 0);
  for (AffineMap map : op.getIndexingMapsArray())
    if (map.getNumResults() > 0)
      if (auto last = dyn_cast<AffineDimExpr>(map.getResults().back()))
        ++contiguous[last.getPosition()];
  unsigned best = numLoops - 1;
  for (unsigned i = 0; i < numLoops; ++i)
    if (contiguous[i] > contiguous[best])
      best = i;
  if (best == numLoops - 1)
    return {};
  SmallVector<unsigned> order;
  for (unsigned i = 0; i < numLoops; ++i)
    if (i != best)
      order.push_back(i);
  order.push_back(best);
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
