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

GenerationSession::GenerationSession(GenerationConfig config,
                                     StepExecutor &executor)
    : config_(std::move(config)), executor_(executor) {}

GenerationSession::~GenerationSession() = default;

Status GenerationSession::init() {
  LLMC_RETURN_IF_ERROR(config_.scheduler.validate());
  if (config_.numKvBlocks < 1)
    return Status::error("the KV cache needs at least one block");
  vocab_ = executor_.vocabSize();
  if (vocab_ < 1 || executor_.pageSize() < 1)
    return Status::error("step executor reports an empty vocabulary or page");
  alloc_ = std::make_unique<KVBlockAllocator>(config_.numKvBlocks,
                                              executor_.pageSize());
  sched_ = std::make_unique<Scheduler>(config_.scheduler, *alloc_);
  sampler_ = std::make_unique<Sampler>(vocab_);
  return Status::success();
}

SeqId GenerationSession::add(GenerationRequest r) {
  uint64_t id = rngs_.size();
  const SamplingParams &p = r.params;
  rngs_.emplace_back(p.hasSeed ? p.seed : mixSeed(config_.baseSeed + id));
  logprobs_.emplace_back();
  std::string bad = checkPromptIds(r, vocab_);
  SeqId seq = sched_->addRequest(std::move(r));
  if (!bad.empty())
    sched_->abort(seq, bad);
  return seq;
}

bool GenerationSession::hasUnfinished() const {
  return sched_->hasUnfinished();
}

void GenerationSession::abort(SeqId seq, const std::string &error) {
  sched_->abort(seq, error);
}

std::vector<SeqId> GenerationSession::takeFinished() {
  return sched_->takeFinished();
}

const Sequence &GenerationSession::sequence(SeqId seq) const {
  return sched_->sequence(seq);
}

const std::vector<GeneratedToken> &
GenerationSession::logprobs(SeqId seq) const {
  return logprobs_.at(seq);
}

void GenerationSession::release(SeqId seq) {
  if (sched_->sequence(seq).state != SeqState::Finished)
    return;
  sched_->release(seq);
  std::vector<GeneratedToken>().swap(logprobs_.at(seq));
}

const Scheduler &GenerationSession::scheduler() const { return *sched_; }

double GenerationSession::kvUsage() const { return alloc_->usage(); }

Status GenerationSession::step(std::vector<StepToken> *tokens) {
  if (!sched_->hasUnfinished())
    return Status::success();
  ScheduledBatch batch = sched_->schedule();
  if (batch.empty())
    return Status::error("internal error: the scheduler planned an empty "
                         "step with requests left");
  rows_.clear();
  Status st = executor_.execute(batch, rows_);
  if (!st.ok())
    return Status::error("step " + std::to_string(steps_) + ": " +
                         st.message);
  if (static_cast<int32_t>(rows_.size()) != batch.numSampled())
    return Status::error("step " + std::to_string(steps_) +
                         ": executor returned " +
                         std::to_string(rows_.size()) + " logits rows for " +
                         std::to_string(batch.numSampled()) +
                         " sampled sequences");
  sampled_.clear();
  for (const ScheduledEntry &e : batch.entries) {
    if (!e.sample)
      continue;
    const Sequence &s = sched_->sequence(e.seqId);
    st = sampler_->sample(rows_[sampled_.size()], s.request.params,
                          s.request.promptIds, s.outputIds, rngs_[e.seqId],
                          out_);
    if (!st.ok()) {
      sched_->abort(e.seqId, st.message);
      sampled_.push_back(0);
      continue;
    }
    sampled_.push_back(out_.tokenId);
    if (tokens)
      tokens->push_back({e.seqId, out_.tokenId});
    if (s.request.params.logprobs >= 0)
      logprobs_[e.seqId].push_back(
          {out_.tokenId, out_.logprob, out_.topLogprobs});
  }
  LLMC_RETURN_IF_ERROR(sched_->onStepResult(batch, sampled_));
  sampledTokens_ += static_cast<int64_t>(sampled_.size());
  ++steps_;
  computedTokens_ += batch.numTokens();
  return Status::success();
}

Status GenerationLoop::run(std::vector<GenerationRequest> requests,
                           std::vector<GenerationResult> &results,
                           GenerationStats &stats,
                           const ProgressCallback &progress) {
  using Clock = std::chrono::steady_clock;
  Clock::time_point start = Clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(Clock::now() - start).count();
  };
  GenerationSession session(config_, executor_);
  LLMC_RETURN_IF_ERROR(session.init());

  const size_t n = requests.size();
  stats = GenerationStats();
  stats.requests = static_cast<int64_t>(n);
  results.assign(n, GenerationResult());
  for (size_t i = 0; i < n; ++i) {
    GenerationRequest &r = requests[i];
    results[i].id = r.id;
    results[i].promptTokens = static_cast<int64_t>(r.promptIds.size());
    stats.promptTokens += results[i].promptTokens;
    session.add(std::move(r)); // seq id i
  }

  int64_t finishedCount = 0;
  auto collect = [&] {
    for (SeqId id : session.takeFinished()) {
      const Sequence &s = session.sequence(id);
      GenerationResult &r = results[id];
      r.outputIds = s.outputIds;
      r.finishReason = s.finishReason;
      r.error = s.error;
      r.numPreemptions = s.numPreemptions;
      r.logprobs = session.logprobs(id);
      if (s.finishReason == FinishReason::Error)
        ++stats.failedRequests;
      stats.generatedTokens += static_cast<int64_t>(s.outputIds.size());
      ++finishedCount;
    }
  };
  collect();

  while (session.hasUnfinished()) {
    LLMC_RETURN_IF_ERROR(session.step());
    stats.steps = session.steps();
    stats.computedTokens = session.computedTokens();
    collect();
    if (progress) {
      GenerationProgress p;
      p.finishedRequests = finishedCount;
      p.totalRequests = static_cast<int64_t>(n);
      p.generatedTokens = session.sampledTokens(); // running requests' too
      p.steps = stats.steps;
      p.elapsedSeconds = elapsed();
      p.kvUsage = session.kvUsage();
      progress(p);
    }
  }
  stats.preemptions = session.scheduler().numPreemptions();
  stats.wallSeconds = elapsed();
  return Status::success();
}

} // namespace llmc::runtime::gen
