//===- OutlineKernels.cpp - graph function to kernels + step schedule -----===//
// Kernel formation is target independent: the same kernel functions are
// lowered for the CPU and (later) for NVPTX, and @main becomes the schedule.
//===----------------------------------------------------------------------===//
#include "llmc/Dialect/LLM/IR/LLMOps.h"
#include "llmc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace llmc {
#define GEN_PASS_DEF_LLMOUTLINEKERNELS
#include "llmc/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;
using namespace llmc;

namespace {

bool isInlinableConstant(Operation *op, int64_t maxElements) {
  auto constant = dyn_cast_or_null<llm::ConstantOp>(op);
  if (!constant)
    return false;
  auto dense = dyn_cast<DenseElementsAttr>(constant.getValue());
  return dense && (dense.isSplat() || dense.getNumElements() <= maxElements);
}

struct OutlineKernelsPass
    : llmc::impl::LLMOutlineKernelsBase<OutlineKernelsPass> {
  using LLMOutlineKernelsBase::LLMOutlineKernelsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto main = module.lookupSymbol<func::FuncOp>("main");
    if (!main) {
      module.emitError("expected a graph function named @main");
      return signalPassFailure();
    }
    if (failed(checkStaticSignature(main)))
      return signalPassFailure();
    replaceEmptyTensors(main);
    SymbolTable symbols(module);
    unsigned counter = 0;
    SmallVector<Operation *> ops;
    for (Operation &op : main.getBody().front().without_terminator())
      ops.push_back(&op);
    for (Operation *op : ops) {
      if (isa<llm::ConstantOp>(op))
        continue;
      if (!isa<llm::LLMDialect>(op->getDialect())) {
        op->emitOpError("cannot be placed in a kernel");
        return signalPassFailure();
      }
      outline(op, symbols, counter++);
    }
    // Constants that every user cloned are dead now.
    for (Operation &op : llvm::make_early_inc_range(main.getBody().front()))
      if (isa<llm::ConstantOp>(op) && op.use_empty())
        op.erase();
  }

  /// Kernels and plan buffers have static shapes for now: name every graph
  /// input whose dims are symbolic, and how to fix them, in one error.
  LogicalResult checkStaticSignature(func::FuncOp main) {
    std::string list;
    llvm::raw_string_ostream os(list);
    for (BlockArgument arg : main.getArguments()) {
      auto type = dyn_cast<RankedTensorType>(arg.getType());
      if (!type || type.hasStaticShape())
        continue;
      auto name = main.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "llm.name");
      os << (list.empty() ? "" : ", ") << "'"
         << (name ? name.getValue() : StringRef("input")) << "' " << type;
    }
    if (list.empty())
      return success();
    return main.emitError("graph inputs with symbolic dims: ")
           << list
           << "; code generation needs static shapes: fix them with "
              "--input-shape NAME=D0xD1x...";
  }

  /// Zero-element tensors carry no data: they become empty constants, and the
  /// ops that only produce them disappear, so no kernel sees a 0-sized buffer.
  void replaceEmptyTensors(func::FuncOp main) {
    auto isEmpty = [](Value v) {
      auto type = dyn_cast<RankedTensorType>(v.getType());
      return type && type.hasStaticShape() && type.getNumElements() == 0;
    };
    Block &body = main.getBody().front();
    OpBuilder builder(&body, body.begin());
    auto replace = [&](Value v) {
      if (!isEmpty(v) || v.use_empty() || v.getDefiningOp<llm::ConstantOp>())
        return;
      auto type = cast<RankedTensorType>(v.getType());
      auto empty = llm::ConstantOp::create(
          builder, v.getLoc(),
          cast<ElementsAttr>(DenseElementsAttr::get(type, ArrayRef<Attribute>{})));
      v.replaceAllUsesWith(empty);
    };
    for (BlockArgument arg : body.getArguments())
      replace(arg);
    for (Operation &op : body.without_terminator())
      for (Value result : op.getResults())
        replace(result);
    SmallVector<Operation *> ops;
    for (Operation &op : body.without_terminator())
      ops.push_back(&op);
    for (Operation *op : llvm::reverse(ops))
      if (op->use_empty() && isPure(op))
        op->erase();
  }

  void outline(Operation *op, SymbolTable &symbols, unsigned index) {
    // Kernel arguments: operand values, deduplicated, minus small constants
    // that are cheaper to bake into the code than to pass as weights.
    SmallVector<Value> args;
    SmallVector<Operation *> inlined;
    for (Value operand : op->getOperands()) {
      Operation *def = operand.getDefiningOp();
      if (isInlinableConstant(def, maxInlineConstantElements)) {
        if (!llvm::is_contained(inlined, def))
          inlined.push_back(def);
      } else if (!llvm::is_contained(args, operand)) {
        args.push_back(operand);
      }
    }

    OpBuilder builder(op->getContext());
    builder.setInsertionPoint(op->getParentOfType<func::FuncOp>());
    std::string name = (kernelPrefix + "k" + Twine(index) + "_" +
                        op->getName().stripDialect())
                           .str();
    auto type = builder.getFunctionType(ValueRange(args).getTypes(),
                                        op->getResultTypes());
    auto kernel = func::FuncOp::create(builder, op->getLoc(), name, type);
    kernel.setPrivate();
    kernel->setAttr(kKernelAttrName, builder.getUnitAttr());
    // The paged KV cache is updated where it lies (llm-drop-in-place-results).
    if (auto append = dyn_cast<llm::KVAppendOp>(op)) {
      int64_t arg = llvm::find(args, append.getCache()) - args.begin();
      kernel->setAttr(kResultAliasesAttrName,
                      builder.getDenseI64ArrayAttr({arg}));
    }
    symbols.insert(kernel);

    Block *body = kernel.addEntryBlock();
    IRMapping mapping;
    for (auto [value, arg] : llvm::zip(args, body->getArguments()))
      mapping.map(value, arg);
    builder.setInsertionPointToStart(body);
    for (Operation *constant : inlined)
      builder.clone(*constant, mapping);
    Operation *clone = builder.clone(*op, mapping);
    func::ReturnOp::create(builder, op->getLoc(), clone->getResults());

    builder.setInsertionPoint(op);
    auto call = func::CallOp::create(builder, op->getLoc(), kernel, args);
    op->replaceAllUsesWith(call.getResults());
    op->erase();
  }
};

} // namespace
