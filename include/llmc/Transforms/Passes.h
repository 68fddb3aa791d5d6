//===- Passes.h - llmc passes -------------------------------------*- C++ -*-===//
#ifndef LLMC_TRANSFORMS_PASSES_H
#define LLMC_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace llmc {

#define GEN_PASS_DECL
#include "llmc/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "llmc/Transforms/Passes.h.inc"

/// Attribute marking outlined kernel functions.
inline constexpr llvm::StringLiteral kKernelAttrName = "llm.kernel";
/// Rows of the smallest table that `main` gathers at its `position_ids` /
/// `positions` input (looking through slices to the constant table): the
/// longest sequence the model can position. None when nothing is gathered.
std::optional<int64_t> findPositionTableRows(mlir::func::FuncOp main);

/// On schedule functions other than @main: the plan program they become.
inline constexpr llvm::StringLiteral kProgramAttrName = "llm.program";
/// On kernels: per result, the argument it updates in place, or -1.
inline constexpr llvm::StringLiteral kResultAliasesAttrName =
    "llm.result_aliases";

} // namespace llmc

#endif
