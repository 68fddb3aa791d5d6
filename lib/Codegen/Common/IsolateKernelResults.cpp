//===- IsolateKernelResults.cpp - one fresh tensor per kernel result ------===//
// Results that alias an argument or another result would make two plan
// buffers share storage; copying them keeps the out-parameter ABI simple.
//===----------------------------------------------------------------------===//
#include "llmc/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace llmc {
#define GEN_PASS_DEF_LLMISOLATEKERNELRESULTS
#include "llmc/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace {
struct IsolateKernelResultsPass
    : llmc::impl::LLMIsolateKernelResultsBase<IsolateKernelResultsPass> {
  void runOnOperation() override {
    getOperation().walk([](func::ReturnOp ret) {
      OpBuilder builder(ret);
      llvm::SmallPtrSet<Value, 4> seen;
      for (OpOperand &operand : ret->getOpOperands()) {
        Value v = operand.get();
        auto type = dyn_cast<RankedTensorType>(v.getType());
        if (!type)
          continue;
        bool aliases = isa<BlockArgument>(v) || !seen.insert(v).second ||
                       v.getDefiningOp<arith::ConstantOp>();
        if (!aliases)
          continue;
        auto copy = bufferization::AllocTensorOp::create(
            builder, ret.getLoc(), type, ValueRange{}, /*copy=*/v);
        operand.set(copy);
      }
    });
  }
};
} // namespace
