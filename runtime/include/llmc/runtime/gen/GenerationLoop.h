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
#include <memory>
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

// One token sampled by a GenerationSession step.
struct StepToken {
  SeqId seq = 0;
  TokenId tokenId = 0;
};

// The step-at-a-time core of GenerationLoop for callers that add requests
// while generating (llmrun's HTTP server, docs/serving.md): requests added
// between steps join at the next one (continuous batching). Owns the KV
// allocator, scheduler, sampler and per-request RNGs. Not thread-safe.
class GenerationSession {
public:
  // `executor` must outlive the session.
  GenerationSession(GenerationConfig config, StepExecutor &executor);
  ~GenerationSession();
  // Checks the config and executor; must succeed before anything else.
  Status init();

  // Queues a request and returns its id (0, 1, 2, ... in call order). Its
  // RNG is seeded with params.seed, or mixSeed(baseSeed + id). A prompt id
  // outside the vocabulary, or a request that can never fit, finishes at
  // once with Error (reported by takeFinished()).
  SeqId add(GenerationRequest request);
  bool hasUnfinished() const;
  // Runs one step when a request is unfinished: schedule, execute, sample,
  // update. Appends the tokens sampled this step to `tokens`. An executor
  // failure returns an error and leaves the scheduler as it was.
  Status step(std::vector<StepToken> *tokens = nullptr);
  // Ends a request with Error (e.g. its client went away).
  void abort(SeqId seq, const std::string &error);
  // Ids finished since the last call, in finish order.
  std::vector<SeqId> takeFinished();
  const Sequence &sequence(SeqId seq) const;
  // Sampled tokens' logprobs when the request asked for them.
  const std::vector<GeneratedToken> &logprobs(SeqId seq) const;
  // Frees a finished request's history (see Scheduler::release).
  void release(SeqId seq);

  const Scheduler &scheduler() const;
  double kvUsage() const;
  int64_t steps() const { return steps_; }
  int64_t computedTokens() const { return computedTokens_; }
  int64_t sampledTokens() const { return sampledTokens_; }

private:
  GenerationConfig config_;
  StepExecutor &executor_;
  int32_t vocab_ = 0;
  std::unique_ptr<KVBlockAllocator> alloc_;
  std::unique_ptr<Scheduler> sched_;
  std::unique_ptr<Sampler> sampler_;
  std::vector<Rng> rngs_;                            // by seq id
  std::vector<std::vector<GeneratedToken>> logprobs_; // by seq id
  std::vector<const float *> rows_;
  std::vector<TokenId> sampled_;
  SampleOutput out_;
  int64_t steps_ = 0, computedTokens_ = 0, sampledTokens_ = 0;
};

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
