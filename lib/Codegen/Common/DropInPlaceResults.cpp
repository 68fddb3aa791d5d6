//===- DropInPlaceResults.cpp - in-place kernel results become arguments ---===//
// After bufferization an in-place kernel returns its argument's memref; the
// plan binds that buffer once, as the argument, so the result must go.
//===----------------------------------------------------------------------===//
#include "llmc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/BitVector.h"

namespace llmc {
#define GEN_PASS_DEF_LLMDROPINPLACERESULTS
#include "llmc/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace {
struct DropInPlaceResultsPass
    : llmc::impl::LLMDropInPlaceResultsBase<DropInPlaceResultsPass> {
  void runOnOperation() override {
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      auto aliases =
          fn->getAttrOfType<DenseI64ArrayAttr>(llmc::kResultAliasesAttrName);
      if (!aliases || fn.isExternal())
        continue;
      auto ret = cast<func::ReturnOp>(fn.getBody().front().getTerminator());
      llvm::BitVector drop(fn.getNumResults());
      for (auto [i, arg] : llvm::enumerate(aliases.asArrayRef())) {
        if (arg < 0)
          continue;
        if (i >= ret.getNumOperands() ||
            ret.getOperand(i) != fn.getArgument(arg)) {
          fn.emitError("kernel result ")
              << i << " must update argument " << arg
              << " in place, but bufferization made a copy";
          return signalPassFailure();
        }
        drop.set(i);
      }
      ret->eraseOperands(drop);
      if (failed(fn.eraseResults(drop)))
        return signalPassFailure();
    }
  }
};
} // namespace
