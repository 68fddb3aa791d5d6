//===- PlanBuilder.h - outlined module + code to a plan file ------*- C++ -*-===//
#ifndef LLMC_PLAN_PLANBUILDER_H
#define LLMC_PLAN_PLANBUILDER_H

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace llmc {

struct TargetCode {
  std::string target; // e.g. "cpu-x86_64"
  std::vector<uint8_t> bytes;
};

struct PlanBuildOptions {
  std::string producer;
  std::vector<TargetCode> code;
  /// Entry-point symbol of kernel `name` in every code object.
  std::string symbolSuffix;
};

/// Writes the plan for a module whose @main is a schedule of kernel calls
/// (after llm-outline-kernels): buffers, steps, memory plan and weights.
mlir::LogicalResult writePlanFile(mlir::ModuleOp outlined,
                                  const PlanBuildOptions &options,
                                  const std::string &path);

} // namespace llmc

#endif
