//===- StripWeights.h - leave verbatim ONNX weights out of a plan -*- C++ -*-===//
// `llmc compile --no-weights` (docs/plan-format.md, "Weight-stripped plans").
//===----------------------------------------------------------------------===//
#ifndef LLMC_PLAN_STRIPWEIGHTS_H
#define LLMC_PLAN_STRIPWEIGHTS_H

#include "llmc/runtime/PlanFormat.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmc {

struct StripWeightsOptions {
  std::string model; // the ONNX file the plan was compiled from
  // Weights smaller than this stay in the plan.
  uint64_t keepBelow = 64 * 1024;
};

struct StripWeightsReport {
  int stripped = 0, kept = 0;
  uint64_t strippedBytes = 0, keptBytes = 0;
  // Large weights kept because no initializer holds their bytes verbatim
  // (the compiler computed, transposed or cast them): "buffer 7 float32[4,4]".
  std::vector<std::string> notVerbatim;
};

/// Moves every WEIGHT buffer of at least `keepBelow` bytes whose bytes equal
/// an initializer of `model` (same dtype and bytes; a reshape is still
/// verbatim) out of the weights
/// section: kept weights are laid out first, the stripped ones after the end
/// of the section, and `external_weights` names their initializers and
/// checksums. Only float and 8-bit integer weights are stripped (other
/// integers may be indices, which random weights must not break).
runtime::Status stripWeights(runtime::PlanWriterInput &plan,
                             const StripWeightsOptions &options,
                             StripWeightsReport &report);

} // namespace llmc

#endif
