//===- LLMOps.h - llm dialect ops ---------------------------------*- C++ -*-===//
#ifndef LLMC_DIALECT_LLM_IR_LLMOPS_H
#define LLMC_DIALECT_LLM_IR_LLMOPS_H

#include "llmc/Dialect/LLM/IR/LLMDialect.h"
#include "llmc/Dialect/LLM/IR/LLMTypes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "llmc/Dialect/LLM/IR/LLMOps.h.inc"

namespace llmc::llm {
/// numpy broadcast of two shapes; failure when they are incompatible.
mlir::LogicalResult broadcastShapes(llvm::ArrayRef<int64_t> a,
                                    llvm::ArrayRef<int64_t> b,
                                    llvm::SmallVectorImpl<int64_t> &out);
/// Row-major index into a tensor of `shape` of the element that broadcasts to
/// row-major position `flat` of a tensor of `outShape` (for constant folding).
int64_t broadcastIndex(llvm::ArrayRef<int64_t> outShape, int64_t flat,
                       llvm::ArrayRef<int64_t> shape);
} // namespace llmc::llm

#endif
