// The generation loop: schedule, execute, sample, update, until every
// request has finished. Per-request state (RNG, logprobs) lives here.
#include "llmc/runtime/gen/GenerationLoop.h"

#include <chrono>

namespace llmc::runtime::gen {

double GenerationStats::generatedPerSecond() const {
  return wallSeconds > 0 ? generatedTokens / wallSeconds : 0;
}

GenerationLoop::GenerationLoop(GenerationConfig config, StepExecutor &executor)
    : config_(std::move(config)), executor_(executor) {}

namespace {

// First id outside [0, vocab) in the prompt, as an error message.
std::string checkPromptIds(const GenerationRequest &r, int32_t vocab) {
  for (TokenId t : r.promptIds)
    if (t < 0 || t >= vocab)
      return "prompt token id " + std::to_string(t) +
             " is outside the vocabulary (size " + std::to_string(vocab) + ")";
  return "";
}

} // namespace

Status GenerationLoop::run(std::vector<GenerationRequest> requests,
                           std::vector<GenerationResult> &results,
                           GenerationStats &stats,
                           const ProgressCallback &progress) {
  using Clock = std::chrono::steady_clock;
  Clock::time_point start = Clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(Clock::now() - start).count();
  };
  LLMC_RETURN_IF_ERROR(config_.scheduler.validate());
  if (config_.numKvBlocks < 1)
    return Status::error("the KV cache needs at least one block");
  int32_t vocab = executor_.vocabSize();
  if (vocab < 1 || executor_.pageSize() < 1)
    return Status::error("step executor reports an empty vocabulary or page");

  KVBlockAllocator alloc(config_.numKvBlocks, executor_.pageSize());
  Scheduler sched(config_.scheduler, alloc);
  Sampler sampler(vocab);

  const size_t n = requests.size();
  stats = GenerationStats();
  stats.requests = static_cast<int64_t>(n);
  results.assign(n, GenerationResult());
  std::vector<Rng> rngs;
  std::vector<size_t> indexOf; // seq id -> request index
  rngs.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    GenerationRequest &r = requests[i];
    results[i].id = r.id;
    results[i].promptTokens = static_cast<int64_t>(r.promptIds.size());
    stats.promptTokens += results[i].promptTokens;
    const SamplingParams &p = r.params;
    rngs.emplace_back(p.hasSeed ? p.seed : mixSeed(config_.baseSeed + i));
    std::string bad = checkPromptIds(r, vocab);
    SeqId id = sched.addRequest(std::move(r));
    indexOf.push_back(i);
    if (!bad.empty())
      sched.abort(id, bad);
  }

  int64_t finishedCount = 0;
  auto collect = [&] {
    for (SeqId id : sched.takeFinished()) {
      const Sequence &s = sched.sequence(id);
      GenerationResult &r = results[indexOf[id]];
      r.outputIds = s.outputIds;
      r.finishReason = s.finishReason;
      r.error = s.error;
      r.numPreemptions = s.numPreemptions;
      if (s.finishReason == FinishReason::Error)
        ++stats.failedRequests;
      stats.generatedTokens += static_cast<int64_t>(s.outputIds.size());
      ++finishedCount;
    }
  };
  collect();

  int64_t sampledTokens = 0;
  std::vector<const float *> rows;
  std::vector<TokenId> sampled;
  SampleOutput out;
  while (sched.hasUnfinished()) {
    ScheduledBatch batch = sched.schedule();
    if (batch.empty())
      return Status::error("internal error: the scheduler planned an empty "
                           "step with requests left");
    rows.clear();
    Status st = executor_.execute(batch, rows);
    if (!st.ok())
      return Status::error("step " + std::to_string(stats.steps) + ": " +
                           st.message);
    if (static_cast<int32_t>(rows.size()) != batch.numSampled())
      return Status::error("step " + std::to_string(stats.steps) +
                           ": executor returned " +
                           std::to_string(rows.size()) + " logits rows for " +
                           std::to_string(batch.numSampled()) +
                           " sampled sequences");
    sampled.clear();
    for (const ScheduledEntry &e : batch.entries) {
      if (!e.sample)
        continue;
      const Sequence &s = sched.sequence(e.seqId);
      size_t idx = indexOf[e.seqId];
      st = sampler.sample(rows[sampled.size()], s.request.params,
                          s.request.promptIds, s.outputIds, rngs[idx], out);
      if (!st.ok()) {
        sched.abort(e.seqId, st.message);
        sampled.push_back(0);
        continue;
      }
      sampled.push_back(out.tokenId);
      if (s.request.params.logprobs >= 0)
        results[idx].logprobs.push_back(
            {out.tokenId, out.logprob, out.topLogprobs});
    }
    LLMC_RETURN_IF_ERROR(sched.onStepResult(batch, sampled));
    sampledTokens += static_cast<int64_t>(sampled.size());
    ++stats.steps;
    stats.computedTokens += batch.numTokens();
    collect();
    if (progress) {
      GenerationProgress p;
      p.finishedRequests = finishedCount;
      p.totalRequests = static_cast<int64_t>(n);
      p.generatedTokens = sampledTokens; // running requests' tokens too
      p.steps = stats.steps;
      p.elapsedSeconds = elapsed();
      p.kvUsage = alloc.usage();
      progress(p);
    }
  }
  stats.preemptions = sched.numPreemptions();
  stats.wallSeconds = elapsed();
  return Status::success();
}

} // namespace llmc::runtime::gen
