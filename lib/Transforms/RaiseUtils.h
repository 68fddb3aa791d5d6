//===- RaiseUtils.h - matching helpers for the llm-raise-* passes -*- C++ -*-===//
// Exporters emit the same math in many spellings: constants as splats or
// 1-element tensors of any rank, commutative operands in either order,
// reductions with or without keepdims. These helpers absorb the spelling so
// that each pattern reads like the formula it recognizes (docs/raising.md).
//===----------------------------------------------------------------------===//
#ifndef LLMC_LIB_TRANSFORMS_RAISEUTILS_H
#define LLMC_LIB_TRANSFORMS_RAISEUTILS_H

#include "llmc/Dialect/LLM/IR/LLMOps.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"

#include <optional>

namespace llmc::raising {

/// The value of a float constant holding a single value: a splat of any
/// shape or a tensor of one element (`llm.constant`).
std::optional<double> getScalarConstant(mlir::Value v);

/// The value of a single-element float expression over such constants:
/// `add`/`sub`/`mul`/`div`/`pow`/`sqrt`/`reciprocal`/`neg` and float casts,
/// each result rounded to its element type as the graph computes it (e.g.
/// GPT-2's scale `torch.full([], head_dim ** 0.5)`, Add(Pow(16, 0.5), 0),
/// when canonicalize has not folded it).
std::optional<double> evaluateScalar(mlir::Value v);

/// True if `v` is a single-value float constant equal to `expected` (within
/// a relative 1e-6, so that f16 spellings of 0.5 or sqrt(d) still match).
bool isScalarConstant(mlir::Value v, double expected);

/// True if a single-value constant `c` (any rank) broadcast against `other`
/// leaves `other`'s shape unchanged.
bool broadcastsInto(mlir::Value c, mlir::Value other);

/// True if `v` (of rank <= shape's rank) broadcast against `shape` leaves
/// `shape` unchanged.
bool broadcastsInto(mlir::Value v, llvm::ArrayRef<int64_t> shape);

/// For a commutative binary op: calls `fn(a, b)` with (lhs, rhs) and then
/// (rhs, lhs); returns true on the first order for which `fn` succeeds.
template <typename Fn>
bool eitherOrder(mlir::Operation *op, Fn &&fn) {
  mlir::Value l = op->getOperand(0), r = op->getOperand(1);
  return fn(l, r) || fn(r, l);
}

/// `s` is sqrt(var + eps) with a non-negative scalar constant eps that
/// broadcasts into var, and `isVariance(var)`; returns eps. Shared by the
/// RMSNorm and LayerNorm raisings (their variances differ).
std::optional<double>
matchSqrtPlusEps(mlir::Value s, llvm::function_ref<bool(mlir::Value)> isVariance);

/// The tensor type of `v`.
inline mlir::RankedTensorType tensorType(mlir::Value v) {
  return llvm::cast<mlir::RankedTensorType>(v.getType());
}

/// True if slice `op` keeps every dim whole except the last, where it takes
/// [begin, end) with step 1. Handles the exporters' INT64_MAX ends (and,
/// for `?` dims, the raw values the importer keeps).
bool isLastDimSlice(llm::SliceOp op, int64_t begin, int64_t end);

} // namespace llmc::raising

#endif
