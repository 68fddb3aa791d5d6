// Scheduler: token budget, chunked prefill, decode priority, admission while
// decoding, preemption and recompute, FCFS fairness, impossible requests and
// stop conditions. A "counting model" (next = last + 1) stands in for logits.
#include "llmc/runtime/gen/Scheduler.h"

#include <gtest/gtest.h>

#include <map>

using namespace llmc::runtime;
using namespace llmc::runtime::gen;

namespace {

constexpr int32_t kVocab = 1000;

GenerationRequest req(const std::string &id, int promptLen, int maxTokens,
                      TokenId first = 1) {
  GenerationRequest r;
  r.id = id;
  for (int i = 0; i < promptLen; ++i)
    r.promptIds.push_back((first + i) % kVocab);
  r.params.temperature = 0;
  r.params.maxTokens = maxTokens;
  return r;
}

struct Driver {
  Driver(SchedulerConfig config, int32_t blocks, int32_t page)
      : alloc(blocks, page), sched(config, alloc) {}

  ScheduledBatch step() {
    ScheduledBatch b = sched.schedule();
    std::vector<TokenId> sampled;
    for (const ScheduledEntry &e : b.entries)
      if (e.sample)
        sampled.push_back((e.tokens.back() + 1) % kVocab);
    Status st = sched.onStepResult(b, sampled);
    EXPECT_TRUE(st.ok()) << st.message;
    for (SeqId id : sched.takeFinished())
      finished.push_back(id);
    return b;
  }
  // Steps until done (bounded), returning every batch.
  std::vector<ScheduledBatch> runAll(int maxSteps = 10000) {
    std::vector<ScheduledBatch> all;
    for (SeqId id : sched.takeFinished())
      finished.push_back(id);
    while (sched.hasUnfinished() && maxSteps-- > 0) {
      all.push_back(step());
      EXPECT_FALSE(all.back().empty()) << "no progress";
      if (all.back().empty())
        break;
    }
    EXPECT_FALSE(sched.hasUnfinished()) << "did not finish";
    return all;
  }

  KVBlockAllocator alloc;
  Scheduler sched;
  std::vector<SeqId> finished;
};

SchedulerConfig config(int32_t seqs, int32_t tokens, int64_t maxLen = 4096) {
  SchedulerConfig c;
  c.maxNumSeqs = seqs;
  c.maxNumTokens = tokens;
  c.maxModelLen = maxLen;
  return c;
}

// Expected counting-model output for a request.
std::vector<TokenId> counting(const GenerationRequest &r, int n) {
  std::vector<TokenId> out;
  TokenId t = r.promptIds.back();
  for (int i = 0; i < n; ++i)
    out.push_back(t = (t + 1) % kVocab);
  return out;
}

} // namespace

TEST(Scheduler, ConfigValidation) {
  EXPECT_TRUE(config(4, 16).validate().ok());
  EXPECT_FALSE(config(0, 16).validate().ok());
  EXPECT_FALSE(config(8, 4).validate().ok());
  EXPECT_FALSE(config(1, 4, 1).validate().ok());
}

TEST(Scheduler, BudgetAndSequenceLimitsAreRespected) {
  Driver d(config(3, 10), 64, 4);
  std::vector<GenerationRequest> reqs;
  for (int i = 0; i < 6; ++i) {
    reqs.push_back(req("r" + std::to_string(i), 7, 5, 10 * i));
    d.sched.addRequest(reqs.back());
  }
  while (d.sched.hasUnfinished()) {
    ScheduledBatch b = d.step();
    EXPECT_LE(b.numTokens(), 10);
    EXPECT_LE(b.entries.size(), 3u);
    EXPECT_LE(d.sched.numRunning(), 3u);
  }
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(d.sched.sequence(i).outputIds, counting(reqs[i], 5));
    EXPECT_EQ(d.sched.sequence(i).finishReason, FinishReason::Length);
  }
  EXPECT_EQ(d.alloc.numFree(), 64); // everything freed
}

TEST(Scheduler, ChunkedPrefillOfALongPrompt) {
  Driver d(config(4, 16), 64, 4);
  GenerationRequest r = req("long", 40, 2);
  d.sched.addRequest(r);
  std::vector<ScheduledBatch> all = d.runAll();
  ASSERT_EQ(all.size(), 4u); // 16 + 16 + 8 (samples) + 1 decode
  int64_t starts[] = {0, 16, 32};
  size_t sizes[] = {16, 16, 8};
  for (int i = 0; i < 3; ++i) {
    const ScheduledEntry &e = all[i].entries.at(0);
    EXPECT_EQ(e.firstPosition, starts[i]);
    ASSERT_EQ(e.tokens.size(), sizes[i]);
    EXPECT_EQ(e.tokens, std::vector<TokenId>(r.promptIds.begin() + starts[i],
                                             r.promptIds.begin() + starts[i] +
                                                 sizes[i]));
    EXPECT_EQ(e.sample, i == 2);
    EXPECT_EQ(all[i].contextLens[0], starts[i] + int64_t(sizes[i]));
    EXPECT_EQ(all[i].blockTables[0].size(), size_t((starts[i] + sizes[i]) / 4));
  }
  EXPECT_EQ(all[3].entries[0].firstPosition, 40);
  EXPECT_EQ(d.sched.sequence(0).outputIds, counting(r, 2));
}

TEST(Scheduler, DecodesFirstThenPrefillsThenAdmissions) {
  Driver d(config(4, 8), 64, 4);
  d.sched.addRequest(req("a", 3, 20));
  d.step(); // a prefilled, sampled its first token
  d.sched.addRequest(req("b", 20, 4));
  d.sched.addRequest(req("c", 2, 4));
  ScheduledBatch b = d.step();
  ASSERT_EQ(b.entries.size(), 2u); // budget 8: a's decode + 7 of b
  EXPECT_EQ(b.entries[0].seqId, 0);
  EXPECT_EQ(b.entries[0].tokens.size(), 1u);
  EXPECT_EQ(b.entries[1].seqId, 1);
  EXPECT_EQ(b.entries[1].tokens.size(), 7u);
  b = d.step(); // b still prefilling: it goes before c is admitted
  ASSERT_EQ(b.entries.size(), 2u);
  EXPECT_EQ(b.entries[0].seqId, 0);
  EXPECT_EQ(b.entries[1].seqId, 1);
  EXPECT_EQ(b.entries[1].firstPosition, 7);
  b = d.step(); // a: 1, b: last 6 tokens, c: 1 of 2
  ASSERT_EQ(b.entries.size(), 3u);
  EXPECT_EQ(b.entries[1].tokens.size(), 6u);
  EXPECT_TRUE(b.entries[1].sample);
  EXPECT_EQ(b.entries[2].seqId, 2);
  EXPECT_EQ(b.entries[2].tokens.size(), 1u);
  EXPECT_FALSE(b.entries[2].sample);
  b = d.step(); // decodes a, b first; then c's last prompt token
  ASSERT_EQ(b.entries.size(), 3u);
  EXPECT_EQ(b.entries[0].seqId, 0);
  EXPECT_EQ(b.entries[1].seqId, 1);
  EXPECT_EQ(b.entries[2].seqId, 2);
  EXPECT_TRUE(b.entries[2].sample);
  d.runAll();
}

TEST(Scheduler, NewRequestsJoinWhileOthersDecode) {
  Driver d(config(8, 64), 64, 4);
  d.sched.addRequest(req("a", 4, 10));
  for (int i = 0; i < 3; ++i)
    d.step();
  d.sched.addRequest(req("b", 5, 3, 100));
  ScheduledBatch b = d.step();
  ASSERT_EQ(b.entries.size(), 2u);
  EXPECT_EQ(b.entries[0].tokens.size(), 1u); // a keeps decoding
  EXPECT_EQ(b.entries[1].tokens.size(), 5u); // b prefilled in one go
  EXPECT_TRUE(b.entries[1].sample);
  d.runAll();
  EXPECT_EQ(d.sched.sequence(1).outputIds, counting(req("b", 5, 3, 100), 3));
}

TEST(Scheduler, PreemptionRecomputesAndGivesTheSameOutput) {
  // 3 requests that each reach 4 + 8 = 12 tokens (11 KV slots = 6 blocks of
  // 2) in a 10-block cache: the newest running one must be preempted.
  std::vector<GenerationRequest> reqs = {req("a", 4, 8, 1), req("b", 4, 8, 50),
                                         req("c", 4, 8, 100)};
  Driver big(config(8, 64), 100, 2), small(config(8, 64), 10, 2);
  for (const GenerationRequest &r : reqs) {
    big.sched.addRequest(r);
    small.sched.addRequest(r);
  }
  big.runAll();
  EXPECT_EQ(big.sched.numPreemptions(), 0);

  bool sawRecompute = false;
  while (small.sched.hasUnfinished()) {
    ScheduledBatch b = small.step();
    ASSERT_FALSE(b.empty());
    for (const ScheduledEntry &e : b.entries) {
      const Sequence &s = small.sched.sequence(e.seqId);
      if (s.numPreemptions > 0 && e.firstPosition == 0 &&
          int64_t(e.tokens.size()) > 4) {
        sawRecompute = true; // prompt ++ generated tokens fed again
        EXPECT_EQ(e.tokens[4], s.outputIds[0]);
      }
    }
  }
  EXPECT_GT(small.sched.numPreemptions(), 0);
  // Victims are the most recently admitted: the oldest request never is.
  EXPECT_EQ(small.sched.sequence(0).numPreemptions, 0);
  EXPECT_TRUE(sawRecompute);
  for (SeqId i = 0; i < 3; ++i) {
    EXPECT_EQ(small.sched.sequence(i).outputIds,
              big.sched.sequence(i).outputIds);
    EXPECT_EQ(small.sched.sequence(i).finishReason, FinishReason::Length);
  }
  EXPECT_EQ(small.alloc.numFree(), 10);
}

TEST(Scheduler, TightCacheNeverDeadlocks) {
  // Page 1, 8 slots: every request (3 + 5 tokens, 7 slots) nearly fills it.
  Driver d(config(16, 16), 8, 1);
  std::vector<GenerationRequest> reqs;
  for (int i = 0; i < 10; ++i) {
    reqs.push_back(req("r" + std::to_string(i), 3, 5, 7 * i));
    d.sched.addRequest(reqs.back());
  }
  d.runAll(5000);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(d.sched.sequence(i).outputIds, counting(reqs[i], 5)) << i;
}

TEST(Scheduler, FcfsCompletionForEqualRequests) {
  Driver d(config(2, 64), 64, 4);
  for (int i = 0; i < 6; ++i)
    d.sched.addRequest(req("r" + std::to_string(i), 5, 4, 10 * i));
  d.runAll();
  EXPECT_EQ(d.finished, (std::vector<SeqId>{0, 1, 2, 3, 4, 5}));
}

TEST(Scheduler, ImpossibleRequestsFailCleanly) {
  Driver d(config(4, 64, /*maxLen=*/32), /*blocks=*/4, /*page=*/4);
  SeqId tooLongForCache = d.sched.addRequest(req("cache", 20, 4));
  SeqId tooLongForModel = d.sched.addRequest(req("model", 32, 4));
  SeqId empty = d.sched.addRequest(req("empty", 0, 4));
  SeqId fine = d.sched.addRequest(req("ok", 4, 4));
  d.runAll();
  EXPECT_EQ(d.sched.sequence(tooLongForCache).finishReason,
            FinishReason::Error);
  EXPECT_NE(d.sched.sequence(tooLongForCache).error.find("KV blocks"),
            std::string::npos);
  EXPECT_NE(d.sched.sequence(tooLongForModel).error.find("max model length"),
            std::string::npos);
  EXPECT_NE(d.sched.sequence(empty).error.find("empty"), std::string::npos);
  EXPECT_EQ(d.sched.sequence(fine).finishReason, FinishReason::Length);
  EXPECT_EQ(d.finished.size(), 4u);
}

TEST(Scheduler, StopConditions) {
  SchedulerConfig c = config(8, 64, /*maxLen=*/12);
  c.eosTokenIds = {7};
  Driver d(c, 64, 4);
  GenerationRequest eos = req("eos", 3, 10, 2); // 2,3,4 -> 5,6,7
  GenerationRequest ignore = eos;
  ignore.params.ignoreEos = true; // runs into max_tokens
  GenerationRequest stopId = req("stop", 3, 10, 20); // 20,21,22 -> 23,24
  stopId.params.stopTokenIds = {24};
  GenerationRequest maxLen = req("len", 8, 10, 100); // 8 + 4 = 12
  GenerationRequest eosAtLimit = req("both", 3, 3, 2); // 3rd token is EOS
  for (const GenerationRequest &r : {eos, ignore, stopId, maxLen, eosAtLimit})
    d.sched.addRequest(r);
  d.runAll();
  const Sequence &s0 = d.sched.sequence(0), &s1 = d.sched.sequence(1),
                 &s2 = d.sched.sequence(2), &s3 = d.sched.sequence(3),
                 &s4 = d.sched.sequence(4);
  EXPECT_EQ(s0.outputIds, (std::vector<TokenId>{5, 6, 7}));
  EXPECT_EQ(s0.finishReason, FinishReason::Stop);
  EXPECT_EQ(s1.outputIds.size(), 9u); // max model length 12 - 3
  EXPECT_EQ(s1.finishReason, FinishReason::Length);
  EXPECT_EQ(s2.outputIds, (std::vector<TokenId>{23, 24}));
  EXPECT_EQ(s2.finishReason, FinishReason::Stop);
  EXPECT_EQ(s3.outputIds.size(), 4u);
  EXPECT_EQ(s3.finishReason, FinishReason::Length);
  EXPECT_EQ(s4.outputIds, (std::vector<TokenId>{5, 6, 7}));
  EXPECT_EQ(s4.finishReason, FinishReason::Length); // vLLM: length first
}

TEST(Scheduler, AbortFreesBlocks) {
  Driver d(config(4, 64), 16, 4);
  SeqId a = d.sched.addRequest(req("a", 9, 10));
  d.step();
  EXPECT_LT(d.alloc.numFree(), 16);
  d.sched.abort(a, "sampling failed");
  EXPECT_EQ(d.alloc.numFree(), 16);
  EXPECT_FALSE(d.sched.hasUnfinished());
  EXPECT_EQ(d.sched.sequence(a).finishReason, FinishReason::Error);
}
