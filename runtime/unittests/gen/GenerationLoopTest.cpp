// GenerationLoop and runBatch end to end with FakeExecutor: outputs, finish
// reasons, stats, and identical results for any batch size or cache size.
#include "FakeExecutor.h"

#include "llmc/runtime/gen/BatchRunner.h"
#include "llmc/runtime/gen/GenerationLoop.h"

#include <gtest/gtest.h>

#include <sstream>

using namespace llmc::runtime;
using namespace llmc::runtime::gen;
using llmc::runtime::gen::test::FakeExecutor;

namespace {

GenerationRequest req(const std::string &id, std::vector<TokenId> prompt,
                      int maxTokens) {
  GenerationRequest r;
  r.id = id;
  r.promptIds = std::move(prompt);
  r.params.temperature = 0;
  r.params.maxTokens = maxTokens;
  return r;
}

GenerationConfig config(int32_t seqs, int32_t tokens, int32_t blocks) {
  GenerationConfig c;
  c.scheduler.maxNumSeqs = seqs;
  c.scheduler.maxNumTokens = tokens;
  c.numKvBlocks = blocks;
  return c;
}

struct LoopRun {
  Status status;
  std::vector<GenerationResult> results;
  GenerationStats stats;
};

LoopRun runLoop(GenerationConfig c, const std::vector<GenerationRequest> &reqs,
        FakeExecutor &exec) {
  LoopRun r;
  GenerationLoop loop(c, exec);
  r.status = loop.run(reqs, r.results, r.stats);
  EXPECT_TRUE(r.status.ok()) << r.status.message;
  return r;
}

// A mixed workload: greedy and seeded sampling, short and long prompts.
std::vector<GenerationRequest> workload(int32_t vocab) {
  std::vector<GenerationRequest> reqs;
  for (int i = 0; i < 12; ++i) {
    std::vector<TokenId> prompt;
    for (int j = 0; j < 1 + (i * 7) % 24; ++j)
      prompt.push_back((i * 13 + j * 5) % vocab);
    GenerationRequest r = req("r" + std::to_string(i), prompt, 6 + i % 9);
    if (i % 2) {
      r.params.temperature = 0.9f;
      r.params.topP = 0.9f;
      r.params.hasSeed = i % 4 == 1;
      r.params.seed = 1000 + i;
      r.params.repetitionPenalty = 1.2f;
      r.params.logprobs = 3;
    }
    reqs.push_back(r);
  }
  return reqs;
}

void expectSameResults(const std::vector<GenerationResult> &a,
                       const std::vector<GenerationResult> &b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].id, b[i].id);
    EXPECT_EQ(a[i].outputIds, b[i].outputIds) << a[i].id;
    EXPECT_EQ(a[i].finishReason, b[i].finishReason) << a[i].id;
    ASSERT_EQ(a[i].logprobs.size(), b[i].logprobs.size());
    for (size_t j = 0; j < a[i].logprobs.size(); ++j)
      EXPECT_EQ(a[i].logprobs[j].logprob, b[i].logprobs[j].logprob);
  }
}

} // namespace

TEST(GenerationLoop, CountingModelEndToEnd) {
  FakeExecutor exec(32, 4, 64);
  GenerationConfig c = config(8, 64, 64);
  c.scheduler.eosTokenIds = {0};
  GenerationRequest b = req("b", {30}, 4);
  GenerationRequest bIgnore = b;
  bIgnore.id = "b-ignore";
  bIgnore.params.ignoreEos = true;
  LoopRun r = runLoop(c, {req("a", {3, 4}, 5), b, bIgnore}, exec);
  ASSERT_EQ(r.results.size(), 3u);
  EXPECT_EQ(r.results[0].id, "a");
  EXPECT_EQ(r.results[0].outputIds, (std::vector<TokenId>{5, 6, 7, 8, 9}));
  EXPECT_EQ(r.results[0].finishReason, FinishReason::Length);
  EXPECT_EQ(r.results[1].outputIds, (std::vector<TokenId>{31, 0}));
  EXPECT_EQ(r.results[1].finishReason, FinishReason::Stop);
  EXPECT_EQ(r.results[2].outputIds, (std::vector<TokenId>{31, 0, 1, 2}));
  EXPECT_EQ(r.results[2].finishReason, FinishReason::Length);
  EXPECT_EQ(r.stats.requests, 3);
  EXPECT_EQ(r.stats.promptTokens, 4);
  EXPECT_EQ(r.stats.generatedTokens, 11);
  EXPECT_EQ(r.stats.steps, 5); // one prefill step, then 4 decode steps
  EXPECT_EQ(r.stats.steps, exec.steps);
  EXPECT_EQ(r.stats.preemptions, 0);
  EXPECT_EQ(r.stats.failedRequests, 0);
  EXPECT_EQ(r.stats.computedTokens, 4 + 3 + 2 + 2 + 1); // prefill, decodes
  EXPECT_GE(r.stats.wallSeconds, 0.0);
}

TEST(GenerationLoop, SameResultsForAnyBatchingAndCacheSize) {
  const int32_t vocab = 97, page = 4;
  std::vector<GenerationRequest> reqs = workload(vocab);
  FakeExecutor one(vocab, page, 256, FakeExecutor::Mode::History);
  LoopRun serial = runLoop(config(1, 8, 256), reqs, one);
  EXPECT_EQ(one.maxStepSeqs, 1);

  FakeExecutor many(vocab, page, 256, FakeExecutor::Mode::History);
  LoopRun batched = runLoop(config(8, 32, 256), reqs, many);
  EXPECT_GT(many.maxStepSeqs, 1);
  EXPECT_LE(many.maxStepTokens, 32);
  expectSameResults(serial.results, batched.results);

  // A cache of 12 blocks (48 slots) holds one long sequence but not eight.
  FakeExecutor tight(vocab, page, 12, FakeExecutor::Mode::History);
  LoopRun preempted = runLoop(config(8, 32, 12), reqs, tight);
  EXPECT_GT(preempted.stats.preemptions, 0);
  EXPECT_GT(preempted.stats.computedTokens, batched.stats.computedTokens);
  expectSameResults(serial.results, preempted.results);

  for (const GenerationResult &r : serial.results) {
    EXPECT_EQ(r.finishReason, FinishReason::Length) << r.id;
    EXPECT_FALSE(r.outputIds.empty());
  }
}

TEST(GenerationLoop, UnseededRequestsDependOnBaseSeedOnly) {
  std::vector<GenerationRequest> reqs = workload(97);
  for (GenerationRequest &r : reqs)
    r.params.hasSeed = false;
  FakeExecutor e1(97, 4, 256, FakeExecutor::Mode::History),
      e2(97, 4, 256, FakeExecutor::Mode::History);
  LoopRun a = runLoop(config(1, 8, 256), reqs, e1);
  LoopRun b = runLoop(config(8, 64, 256), reqs, e2);
  expectSameResults(a.results, b.results);
}

TEST(GenerationLoop, Logprobs) {
  FakeExecutor exec(16, 4, 16);
  GenerationRequest r = req("a", {1}, 3);
  r.params.logprobs = 2;
  LoopRun out = runLoop(config(4, 16, 16), {r, req("b", {1}, 3)}, exec);
  const GenerationResult &a = out.results[0];
  ASSERT_EQ(a.logprobs.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(a.logprobs[i].tokenId, a.outputIds[i]);
    ASSERT_EQ(a.logprobs[i].topLogprobs.size(), 2u);
    EXPECT_EQ(a.logprobs[i].topLogprobs[0].tokenId, a.outputIds[i]);
    EXPECT_FLOAT_EQ(a.logprobs[i].topLogprobs[0].logprob, a.logprobs[i].logprob);
    EXPECT_LT(a.logprobs[i].logprob, 0.0f);
  }
  EXPECT_TRUE(out.results[1].logprobs.empty());
}

TEST(GenerationLoop, BadRequestsBecomeErrorResults) {
  FakeExecutor exec(16, 4, 4);
  LoopRun r = runLoop(config(4, 16, 4),
              {req("bad-id", {3, 99}, 2), req("too-long", std::vector<TokenId>(20, 1), 2),
               req("ok", {1}, 2)},
              exec);
  EXPECT_EQ(r.results[0].finishReason, FinishReason::Error);
  EXPECT_NE(r.results[0].error.find("99"), std::string::npos);
  EXPECT_EQ(r.results[1].finishReason, FinishReason::Error);
  EXPECT_EQ(r.results[2].outputIds, (std::vector<TokenId>{2, 3}));
  EXPECT_EQ(r.stats.failedRequests, 2);
}

TEST(GenerationLoop, ExecutorFailureFailsTheRun) {
  FakeExecutor exec(16, 4, 16);
  exec.failAtStep = 2;
  GenerationLoop loop(config(4, 16, 16), exec);
  std::vector<GenerationResult> results;
  GenerationStats stats;
  Status st = loop.run({req("a", {1}, 5)}, results, stats);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message, "step 2: fake device failure");

  GenerationLoop noCache(config(4, 16, 0), exec);
  EXPECT_FALSE(noCache.run({req("a", {1}, 5)}, results, stats).ok());
}

TEST(GenerationLoop, ProgressReachesTheTotal) {
  FakeExecutor exec(16, 4, 16);
  GenerationLoop loop(config(4, 16, 16), exec);
  std::vector<GenerationResult> results;
  GenerationStats stats;
  std::vector<GenerationProgress> seen;
  ASSERT_TRUE(loop.run({req("a", {1}, 3), req("b", {2}, 5)}, results, stats,
                       [&](const GenerationProgress &p) { seen.push_back(p); })
                  .ok());
  ASSERT_EQ(int64_t(seen.size()), stats.steps);
  EXPECT_EQ(seen.back().finishedRequests, 2);
  EXPECT_EQ(seen.back().totalRequests, 2);
  EXPECT_EQ(seen.back().generatedTokens, 8);
  EXPECT_EQ(seen.front().finishedRequests, 0);
}

TEST(BatchRunner, WritesResultsInRequestOrderAndASummary) {
  FakeExecutor exec(16, 4, 16);
  BatchRunOptions opts;
  opts.generation = config(4, 16, 16);
  std::ostringstream results, log;
  GenerationStats stats;
  ASSERT_TRUE(runBatch(opts, {req("long", {1}, 4), req("short", {5}, 1)},
                       exec, results, log, stats)
                  .ok());
  EXPECT_EQ(results.str(),
            "{\"id\":\"long\",\"output_ids\":[2,3,4,5],\"finish_reason\":"
            "\"length\"}\n"
            "{\"id\":\"short\",\"output_ids\":[6],\"finish_reason\":"
            "\"length\"}\n");
  EXPECT_EQ(log.str().rfind("2 requests (0 failed), 2 prompt tokens, 5 "
                            "generated tokens in ",
                            0),
            0u)
      << log.str();
  EXPECT_NE(log.str().find("preemptions\n"), std::string::npos);

  GenerationProgress p;
  p.finishedRequests = 1;
  p.totalRequests = 4;
  p.generatedTokens = 10;
  p.elapsedSeconds = 2;
  p.kvUsage = 0.5;
  EXPECT_EQ(formatProgress(p), "[######------------------] 1/4 requests | 10 "
                               "tokens | 5.0 tok/s | KV 50%");
}
