//===- GenerationCompile.h - past/present decoders to step programs -*- C++ -*-===//
// The generation side of `llmc compile` (docs/kv-cache.md): one import per
// token bucket, raised, rewritten to the paged KV cache and outlined into
// one module of `llm.program` schedules that share kernels' module and
// weights.
//===----------------------------------------------------------------------===//
#ifndef LLMC_TOOLS_LLMC_GENERATIONCOMPILE_H
#define LLMC_TOOLS_LLMC_GENERATIONCOMPILE_H

#include "llmc/Import/ONNXImporter.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Pass/PassManager.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace llmc::tool {

struct GenerationOptions {
  int64_t pageSize = 16;
  int64_t maxBatch = 16;
  int64_t maxNumTokens = 128;
  int64_t maxSeqLen = 0; // 0: the model's position table, at most 2048
  std::string kvDtype = "fp32";
  std::vector<int64_t> eosTokenIds;
};

/// True when the graph has past key/value inputs (rank 4, "past" in the name).
bool hasPastKVInputs(const std::vector<GraphInput> &inputs);

/// Imports, raises and outlines every token bucket of the model at `path`
/// into one module; fills the plan metadata. Null after a diagnostic.
mlir::OwningOpRef<mlir::ModuleOp> buildGenerationModule(
    mlir::MLIRContext &ctx, const std::string &path,
    const std::vector<GraphInput> &inputs, GenerationOptions options,
    const std::function<void(mlir::PassManager &)> &configure,
    const std::function<void(mlir::PassManager &)> &addGraphPasses,
    std::map<std::string, std::string> &metadata);

} // namespace llmc::tool

#endif
