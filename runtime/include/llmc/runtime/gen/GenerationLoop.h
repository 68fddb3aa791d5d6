// GenerationLoop: runs requests to completion: scheduler -> executor ->
// sampler -> scheduler, one step at a time, and gathers results and stats.
#ifndef LLMC_RUNTIME_GEN_GENERATIONLOOP_H
#define LLMC_RUNTIME_GEN_GENERATIONLOOP_H

#include "llmc/runtime/Status.h"
#include "llmc/runtime/gen/Sampler.h"
#include "llmc/runtime/gen/Scheduler.h"
#include "llmc/runtime/gen/StepExecutor.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace llmc::runtime::gen {

struct GenerationConfig {
  SchedulerConfig scheduler;
  int32_t numKvBlocks = 0; // >= 1; block size comes from the executor
  // Seed for requests without one: request i gets mixSeed(baseSeed + i).
  uint64_t baseSeed = 0;
};

struct GeneratedToken {
  TokenId tokenId = 0;
  float logprob = 0;
  std::vector<TokenLogprob> topLogprobs;
};

struct GenerationResult {
  std::string id;
  std::vector<TokenId> outputIds;
  FinishReason finishReason = FinishReason::None;
  std::string error;                   // when finishReason == Error
  std::vector<GeneratedToken> logprobs; // one per output id when asked
  int64_t promptTokens = 0;
  int32_t numPreemptions = 0;
};

struct GenerationStats {
  int64_t requests = 0;
  int64_t failedRequests = 0;
  int64_t promptTokens = 0;    // original prompts
  int64_t generatedTokens = 0;
  int64_t computedTokens = 0;  // tokens fed to the model, recompute included
  int64_t steps = 0;
  int64_t preemptions = 0;
  double wallSeconds = 0;
  double generatedPerSecond() const;
};

struct GenerationProgress {
  int64_t finishedRequests = 0;
  int64_t totalRequests = 0;
  int64_t generatedTokens = 0;
  int64_t steps = 0;
  double elapsedSeconds = 0;
  double kvUsage = 0;
};
using ProgressCallback = std::function<void(const GenerationProgress &)>;

class GenerationLoop {
public:
  // `executor` must outlive the loop.
  GenerationLoop(GenerationConfig config, StepExecutor &executor);

  // Runs every request through one scheduler. results[i] answers
  // requests[i]. Per-request problems (bad token id, can never fit) become
  // Error results; a failing executor step fails the whole run.
  Status run(std::vector<GenerationRequest> requests,
             std::vector<GenerationResult> &results, GenerationStats &stats,
             const ProgressCallback &progress = {});

private:
  GenerationConfig config_;
  StepExecutor &executor_;
};

} // namespace llmc::runtime::gen

#endif
