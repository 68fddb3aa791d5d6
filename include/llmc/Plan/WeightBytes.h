//===- WeightBytes.h - MLIR types and constants in plan terms -----*- C++ -*-===//
#ifndef LLMC_PLAN_WEIGHTBYTES_H
#define LLMC_PLAN_WEIGHTBYTES_H

#include "llmc/runtime/plan.pb.h"

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/BuiltinTypes.h"

#include <vector>

namespace llmc {

/// The plan dtype of an MLIR element type; UNDEFINED when it has none.
plan::DType toPlanDType(mlir::Type elementType);

/// Bytes per element as stored in plan buffers (i1 takes one byte).
size_t elementBytes(mlir::Type elementType);

/// Dense little-endian row-major bytes of a constant (splats expanded).
mlir::FailureOr<std::vector<uint8_t>> constantBytes(mlir::ElementsAttr value);

} // namespace llmc

#endif
