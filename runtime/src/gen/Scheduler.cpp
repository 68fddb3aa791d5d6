// Continuous-batching scheduler. Priority is admission order: the oldest
// running sequence always makes progress, newer ones are preempted first.
#include "llmc/runtime/gen/Scheduler.h"

#include <algorithm>

namespace llmc::runtime::gen {

Status SchedulerConfig::validate() const {
  if (maxNumSeqs < 1)
    return Status::error("max-num-seqs must be at least 1");
  if (maxNumTokens < maxNumSeqs)
    return Status::error("max-num-tokens (" + std::to_string(maxNumTokens) +
                         ") must be at least max-num-seqs (" +
                         std::to_string(maxNumSeqs) + ")");
  if (maxModelLen < 2)
    return Status::error("max model length must be at least 2");
  return Status::success();
}

const char *finishReasonName(FinishReason r) {
  switch (r) {
  case FinishReason::Stop:
    return "stop";
  case FinishReason::Length:
    return "length";
  case FinishReason::Error:
    return "error";
  case FinishReason::None:
    break;
  }
  return "";
}

TokenId Sequence::tokenAt(int64_t pos) const {
  int64_t p = static_cast<int64_t>(request.promptIds.size());
  return pos < p ? request.promptIds[pos] : outputIds[pos - p];
}

Scheduler::Scheduler(SchedulerConfig config, KVBlockAllocator &allocator)
    : config_(std::move(config)), alloc_(allocator) {}

int64_t Scheduler::maxContext() const {
  // The last token of a sequence is sampled but never fed, so a cache of S
  // slots holds sequences of up to S + 1 tokens.
  int64_t slots =
      static_cast<int64_t>(alloc_.numBlocks()) * alloc_.pageSize() + 1;
  return std::min<int64_t>(config_.maxModelLen, slots);
}

SeqId Scheduler::addRequest(GenerationRequest request) {
  Sequence s;
  s.id = static_cast<SeqId>(seqs_.size());
  s.request = std::move(request);
  int64_t p = static_cast<int64_t>(s.request.promptIds.size());
  int64_t slots = static_cast<int64_t>(alloc_.numBlocks()) * alloc_.pageSize();
  if (p == 0)
    s.error = "prompt_ids is empty";
  else if (p >= config_.maxModelLen)
    s.error = "prompt of " + std::to_string(p) +
              " tokens leaves no room to generate (max model length " +
              std::to_string(config_.maxModelLen) + ")";
  else if (p > slots)
    s.error = "prompt of " + std::to_string(p) + " tokens needs " +
              std::to_string(alloc_.blocksNeeded(p)) +
              " KV blocks but the cache has only " +
              std::to_string(alloc_.numBlocks());
  seqs_.push_back(std::move(s));
  Sequence &added = seqs_.back();
  if (!added.error.empty()) {
    added.state = SeqState::Finished;
    added.finishReason = FinishReason::Error;
    finished_.push_back(added.id);
  } else {
    waiting_.push_back(added.id);
  }
  return added.id;
}

int64_t Scheduler::fitTokens(const Sequence &s, int64_t wanted) const {
  int64_t blocks =
      static_cast<int64_t>(alloc_.blockTable(s.id).size()) + alloc_.numFree();
  int64_t room = blocks * alloc_.pageSize() - s.numComputed;
  return std::max<int64_t>(0, std::min(wanted, room));
}

// Frees newer, not yet scheduled running sequences until `s` can take
// `wanted` more tokens. If even then nothing fits, `s` itself is preempted
// (returns 0); otherwise returns how many tokens it got blocks for.
int64_t Scheduler::reserve(Sequence &s, int64_t wanted,
                           const std::vector<bool> &scheduled) {
  while (alloc_.extraBlocksNeeded(s.id, s.numComputed + wanted) >
         alloc_.numFree()) {
    SeqId victim = -1;
    for (auto it = running_.rbegin(); it != running_.rend() && *it != s.id;
         ++it)
      if (!scheduled[*it]) {
        victim = *it;
        break;
      }
    if (victim < 0)
      break;
    preempt(victim);
  }
  int64_t n = fitTokens(s, wanted);
  if (n == 0) {
    preempt(s.id);
    return 0;
  }
  Status st = alloc_.ensureCapacity(s.id, s.numComputed + n);
  (void)st; // cannot fail: fitTokens checked the free blocks
  return n;
}

void Scheduler::preempt(SeqId id) {
  Sequence &s = seqs_[id];
  alloc_.freeSequence(id);
  // Recompute: prompt ++ output is prefilled again on readmission.
  s.numComputed = 0;
  s.state = SeqState::Waiting;
  ++s.numPreemptions;
  ++numPreemptions_;
  running_.erase(std::find(running_.begin(), running_.end(), id));
  waiting_.push_front(id);
}

void Scheduler::finish(Sequence &s, FinishReason reason) {
  if (s.state == SeqState::Running)
    running_.erase(std::find(running_.begin(), running_.end(), s.id));
  else if (s.state == SeqState::Waiting)
    waiting_.erase(std::find(waiting_.begin(), waiting_.end(), s.id));
  alloc_.freeSequence(s.id);
  s.state = SeqState::Finished;
  s.finishReason = reason;
  finished_.push_back(s.id);
}

void Scheduler::addEntry(ScheduledBatch &b, Sequence &s, int64_t n) {
  ScheduledEntry e;
  e.seqId = s.id;
  e.firstPosition = s.numComputed;
  e.tokens.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    e.tokens.push_back(s.tokenAt(s.numComputed + i));
  e.sample = s.numComputed + n == s.numTokens();
  b.entries.push_back(std::move(e));
  b.blockTables.push_back(alloc_.blockTable(s.id));
  b.contextLens.push_back(s.numComputed + n);
}

ScheduledBatch Scheduler::schedule() {
  ScheduledBatch b;
  b.pageSize = alloc_.pageSize();
  int64_t budget = config_.maxNumTokens;
  std::vector<bool> scheduled(seqs_.size(), false);
  int64_t preemptionsBefore = numPreemptions_;

  // 1. Decodes (one token each), oldest first. A sequence that preempts
  //    itself was the newest unscheduled one, so the loop ends there.
  for (size_t i = 0; i < running_.size() && budget > 0;) {
    Sequence &s = seqs_[running_[i]];
    if (s.numTokens() - s.numComputed != 1) {
      ++i;
      continue;
    }
    if (reserve(s, 1, scheduled) == 0)
      continue;
    addEntry(b, s, 1);
    scheduled[s.id] = true;
    budget -= 1;
    ++i;
  }

  // 2. Running sequences still prefilling (chunked), oldest first.
  for (size_t i = 0; i < running_.size() && budget > 0;) {
    Sequence &s = seqs_[running_[i]];
    if (scheduled[s.id]) {
      ++i;
      continue;
    }
    int64_t wanted = std::min(s.numTokens() - s.numComputed, budget);
    int64_t n = reserve(s, wanted, scheduled);
    if (n == 0)
      continue;
    addEntry(b, s, n);
    scheduled[s.id] = true;
    budget -= n;
    ++i;
  }

  // 3. Admissions, strictly FCFS: when the head does not fit, nobody behind
  //    it jumps the queue (no starvation). New requests never preempt, and
  //    a step that had to preempt admits nobody (like vLLM), so a victim is
  //    not readmitted only to be preempted again.
  while (numPreemptions_ == preemptionsBefore && !waiting_.empty() &&
         budget > 0 &&
         static_cast<int32_t>(running_.size()) < config_.maxNumSeqs) {
    Sequence &s = seqs_[waiting_.front()];
    int64_t n = fitTokens(s, std::min(s.numTokens() - s.numComputed, budget));
    if (n == 0)
      break;
    Status st = alloc_.ensureCapacity(s.id, s.numComputed + n);
    (void)st; // fitTokens checked the free blocks
    waiting_.pop_front();
    s.state = SeqState::Running;
    running_.push_back(s.id);
    addEntry(b, s, n);
    scheduled[s.id] = true;
    budget -= n;
  }
  return b;
}

Status Scheduler::onStepResult(const ScheduledBatch &batch,
                               const std::vector<TokenId> &sampled) {
  if (static_cast<int32_t>(sampled.size()) != batch.numSampled())
    return Status::error("step result has " + std::to_string(sampled.size()) +
                         " sampled tokens for " +
                         std::to_string(batch.numSampled()) + " sampled entries");
  const std::vector<TokenId> &eos = config_.eosTokenIds;
  size_t k = 0;
  for (const ScheduledEntry &e : batch.entries) {
    if (e.seqId < 0 || e.seqId >= static_cast<SeqId>(seqs_.size()))
      return Status::error("step result names unknown sequence " +
                           std::to_string(e.seqId));
    Sequence &s = seqs_[e.seqId];
    TokenId token = e.sample ? sampled[k++] : 0;
    if (s.state != SeqState::Running)
      continue; // aborted while its step ran
    s.numComputed = e.firstPosition + static_cast<int64_t>(e.tokens.size());
    if (!e.sample)
      continue;
    s.outputIds.push_back(token);
    const SamplingParams &p = s.request.params;
    // Same order as vLLM V1's check_stop: length limits first.
    if (s.numTokens() >= maxContext() ||
        static_cast<int64_t>(s.outputIds.size()) >= p.maxTokens)
      finish(s, FinishReason::Length);
    else if (!p.ignoreEos &&
             std::find(eos.begin(), eos.end(), token) != eos.end())
      finish(s, FinishReason::Stop);
    else if (std::find(p.stopTokenIds.begin(), p.stopTokenIds.end(), token) !=
             p.stopTokenIds.end())
      finish(s, FinishReason::Stop);
  }
  return Status::success();
}

void Scheduler::abort(SeqId seq, const std::string &error) {
  Sequence &s = seqs_.at(seq);
  if (s.state == SeqState::Finished)
    return;
  s.error = error;
  finish(s, FinishReason::Error);
}

std::vector<SeqId> Scheduler::takeFinished() {
  std::vector<SeqId> out;
  out.swap(finished_);
  return out;
}

void Scheduler::release(SeqId seq) {
  Sequence &s = seqs_.at(seq);
  if (s.state != SeqState::Finished)
    return;
  std::vector<TokenId>().swap(s.request.promptIds);
  std::vector<TokenId>().swap(s.outputIds);
  std::vector<TokenId>().swap(s.request.params.stopTokenIds);
}

} // namespace llmc::runtime::gen
