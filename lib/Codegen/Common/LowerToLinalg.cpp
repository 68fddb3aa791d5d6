//===- LowerToLinalg.cpp - llm ops to linalg/tensor/arith/math ------------===//
// One dialect conversion over the whole module: the op patterns (Lower*.cpp)
// plus the uiN -> iN type conversion of every function signature, call and
// return, because arith and linalg only accept signless integers.
//===----------------------------------------------------------------------===//
#include "LowerToLinalgPatterns.h"

#include "llmc/Dialect/LLM/IR/LLMDialect.h"
#include "llmc/Dialect/LLM/IR/LLMOps.h"
#include "llmc/Transforms/Passes.h"

#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Transforms/DialectConversion.h"

namespace llmc {
#define GEN_PASS_DEF_LLMLOWERTOLINALG
#include "llmc/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;
using namespace llmc;
using namespace llmc::lowering;

bool llmc::lowering::supportsDynamicShapes(Operation *op) {
  // Ops whose lowering needs static offsets or a static element count.
  return !isa<llm::ReshapeOp, llm::ConcatOp, llm::SliceOp, llm::ExpandOp,
              llm::ScatterNDOp>(op);
}

static bool hasDynamicShape(Operation *op) {
  auto dynamic = [](Type t) {
    auto shaped = dyn_cast<ShapedType>(t);
    return shaped && !shaped.hasStaticShape();
  };
  return llvm::any_of(op->getOperandTypes(), dynamic) ||
         llvm::any_of(op->getResultTypes(), dynamic);
}

static bool isInKernel(Operation *op) {
  auto func = op->getParentOfType<func::FuncOp>();
  return func && func->hasAttr(kKernelAttrName);
}

namespace {
struct LowerToLinalgPass
    : llmc::impl::LLMLowerToLinalgBase<LowerToLinalgPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();

    WalkResult walk = module.walk([](Operation *op) {
      if (!isa<llm::LLMDialect>(op->getDialect()) || isa<llm::ConstantOp>(op))
        return WalkResult::advance();
      if (hasDynamicShape(op) && !supportsDynamicShapes(op)) {
        op->emitOpError(
            "dynamic shapes are not supported by the CPU code generator yet");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();

    TypeConverter converter;
    converter.addConversion([](Type t) { return t; });
    converter.addConversion([](IntegerType t) { return toSignless(t); });
    converter.addConversion([](RankedTensorType t) -> Type {
      return t.clone(toSignless(t.getElementType()));
    });

    ConversionTarget target(*ctx);
    target.addIllegalDialect<llm::LLMDialect>();
    // Weights stay in the graph function for the planner to lay out.
    target.addDynamicallyLegalOp<llm::ConstantOp>([&](llm::ConstantOp op) {
      return !isInKernel(op) && converter.isLegal(op.getType());
    });
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
      return converter.isSignatureLegal(op.getFunctionType()) &&
             converter.isLegal(&op.getBody());
    });
    target.markUnknownOpDynamicallyLegal(
        [&](Operation *op) { return converter.isLegal(op); });

    RewritePatternSet patterns(ctx);
    populateLowerElementwisePatterns(converter, patterns);
    populateLowerReductionPatterns(converter, patterns);
    populateLowerDataMovementPatterns(converter, patterns);
    populateLowerSemanticPatterns(converter, patterns);
    populateLowerAttentionPatterns(converter, patterns);
    populateLowerQuantizedPatterns(converter, patterns);
    populateLowerPagedKVPatterns(converter, patterns);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                   converter);
    populateCallOpTypeConversionPattern(patterns, converter);
    populateReturnOpTypeConversionPattern(patterns, converter);

    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
