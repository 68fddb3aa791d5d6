// Scheduler: continuous batching over a paged KV cache. Each step: decodes
// first, then running prefills, then FCFS admissions, under a token budget.
#ifndef LLMC_RUNTIME_GEN_SCHEDULER_H
#define LLMC_RUNTIME_GEN_SCHEDULER_H

#include "llmc/runtime/Status.h"
#include "llmc/runtime/gen/KVBlockAllocator.h"
#include "llmc/runtime/gen/SamplingParams.h"
#include "llmc/runtime/gen/ScheduledBatch.h"

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace llmc::runtime::gen {

struct SchedulerConfig {
  int32_t maxNumSeqs = 256;    // sequences running at once
  int32_t maxNumTokens = 8192; // tokens per step (>= maxNumSeqs)
  int64_t maxModelLen = 4096;  // prompt + output tokens per sequence
  std::vector<TokenId> eosTokenIds;

  Status validate() const;
};

enum class FinishReason { None, Stop, Length, Error };
const char *finishReasonName(FinishReason r); // "stop", "length", "error", ""

enum class SeqState { Waiting, Running, Finished };

struct Sequence {
  SeqId id = 0;
  GenerationRequest request;
  std::vector<TokenId> outputIds;
  // Tokens whose KV is in the cache; reset to 0 by preemption (recompute).
  int64_t numComputed = 0;
  SeqState state = SeqState::Waiting;
  FinishReason finishReason = FinishReason::None;
  std::string error; // when finishReason == Error
  int32_t numPreemptions = 0;

  int64_t numTokens() const {
    return static_cast<int64_t>(request.promptIds.size() + outputIds.size());
  }
  // Token at `pos` of prompt ++ output.
  TokenId tokenAt(int64_t pos) const;
};

// Not thread-safe. The allocator must outlive the scheduler and is used by it
// alone.
class Scheduler {
public:
  Scheduler(SchedulerConfig config, KVBlockAllocator &allocator);

  // Queues a request (FCFS) and returns its id (0, 1, 2, ... in call order).
  // A request that can never run (empty prompt, prompt too long for
  // maxModelLen or for the whole cache) finishes at once with Error.
  SeqId addRequest(GenerationRequest request);

  // Plans the next step and allocates its KV blocks. Empty only when no
  // request is waiting or running.
  ScheduledBatch schedule();
  // Applies a step: `sampled[i]` is the token for the i-th entry with
  // sample == true. Checks stop conditions and frees finished sequences.
  Status onStepResult(const ScheduledBatch &batch,
                      const std::vector<TokenId> &sampled);
  // Ends a sequence with Error (e.g. its sampling failed); frees its blocks.
  void abort(SeqId seq, const std::string &error);

  bool hasUnfinished() const { return !waiting_.empty() || !running_.empty(); }
  size_t numWaiting() const { return waiting_.size(); }
  size_t numRunning() const { return running_.size(); }
  int64_t numPreemptions() const { return numPreemptions_; }
  // Longest sequence (prompt + output) any request may reach.
  int64_t maxContext() const;
  const Sequence &sequence(SeqId seq) const { return seqs_.at(seq); }
  // Ids finished since the last call, in finish order.
  std::vector<SeqId> takeFinished();
  // Drops the prompt and output of a finished sequence (a long-running
  // server keeps only its id and finish state). No-op unless finished.
  void release(SeqId seq);

private:
  int64_t reserve(Sequence &s, int64_t wanted,
                  const std::vector<bool> &scheduled);
  void preempt(SeqId seq);
  void finish(Sequence &s, FinishReason reason);
  void addEntry(ScheduledBatch &b, Sequence &s, int64_t numTokens);
  // Tokens a chunk may feed given free blocks (0 if none).
  int64_t fitTokens(const Sequence &s, int64_t wanted) const;

  SchedulerConfig config_;
  KVBlockAllocator &alloc_;
  std::vector<Sequence> seqs_;
  std::deque<SeqId> waiting_;
  std::vector<SeqId> running_; // admission order, oldest first
  std::vector<SeqId> finished_;
  int64_t numPreemptions_ = 0;
};

} // namespace llmc::runtime::gen

#endif
