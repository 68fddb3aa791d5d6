//===- PlanBuilder.h - outlined module + code to a plan file ------*- C++ -*-===//
#ifndef LLMC_PLAN_PLANBUILDER_H
#define LLMC_PLAN_PLANBUILDER_H

#include "llmc/Plan/StripWeights.h"
#include "mlir/IR/BuiltinOps.h"

#include <map>
#include <string>
#include <utility>
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
  /// Written to the plan header's metadata (e.g. the generation.* keys).
  std::map<std::string, std::string> metadata;
  /// More (name, bytes) sections, written after the code and the weights
  /// (e.g. the "tokenizer" section; docs/tokenizer.md).
  std::vector<std::pair<std::string, std::vector<uint8_t>>> extraSections;
  /// With `stripWeights.model` set, a weight-stripped plan (--no-weights);
  /// what was left out goes to `*stripReport` when given.
  StripWeightsOptions stripWeights;
  StripWeightsReport *stripReport = nullptr;
};

/// Writes the plan for a module whose @main (the default program) and
/// `llm.program` functions are schedules of kernel calls (after
/// llm-outline-kernels): buffers, steps, memory plan and weights.
mlir::LogicalResult writePlanFile(mlir::ModuleOp outlined,
                                  const PlanBuildOptions &options,
                                  const std::string &path);

} // namespace llmc

#endif
