// llmrun --batch end to end on the toy generation plan: the results match
// the toy model's reference whatever the batching, the cache size (tiny caches
// force preemption) or the limits; plan/option errors are one line.
#include "TestUtil.h"
#include "gen/ToyPlan.h"

#include "llmc/runtime/gen/BatchIO.h"

#include <gtest/gtest.h>

#include <regex>

using namespace llmc::runtime;
using namespace llmc::runtime::test;
using namespace llmc::runtime::gen;
using namespace llmc::runtime::gen::test;

namespace {

class LlmrunGenerate : public ::testing::Test {
protected:
  void SetUp() override {
    ToyPlanOptions o;
    o.eos = "16";
    PlanWriterInput in = makeToyPlan(o);
    ASSERT_TRUE(writePlan(dir.file("toy.plan"), in).ok());
    std::string requests;
    for (int i = 0; i < 16; ++i) {
      std::vector<TokenId> prompt;
      for (int j = 0; j < 2 + (i * 3) % 13; ++j)
        prompt.push_back((i * 5 + j * 7 + 1) % kToyVocab);
      int32_t maxTokens = 3 + (i * 7) % 12;
      std::string ids;
      for (TokenId t : prompt)
        ids += (ids.empty() ? "" : ",") + std::to_string(t);
      requests += "{\"id\": \"r" + std::to_string(i) + "\", \"prompt_ids\": [" +
                  ids + "], \"max_tokens\": " + std::to_string(maxTokens) +
                  ", \"temperature\": 0}\n";
      GenerationResult want;
      want.id = "r" + std::to_string(i);
      want.outputIds = toyExpected(prompt, maxTokens, {16});
      // Length is checked before EOS (as in vLLM).
      want.finishReason = want.outputIds.back() == 16 &&
                                  int32_t(want.outputIds.size()) < maxTokens
                              ? FinishReason::Stop
                              : FinishReason::Length;
      expected += formatResult(want) + "\n";
    }
    writeBytes(dir.file("in.jsonl"), requests);
  }

  // Runs --batch with `options`; returns the preemptions of the summary.
  int64_t generate(const std::string &options) {
    LlmrunResult r = llmrun(dir, dir.file("toy.plan") + " --batch " +
                                     dir.file("in.jsonl") + " -o " +
                                     dir.file("out.jsonl") + " " + options);
    EXPECT_EQ(r.code, 0) << r.err;
    std::vector<uint8_t> out = readBytes(dir.file("out.jsonl"));
    EXPECT_EQ(std::string(out.begin(), out.end()), expected) << options;
    std::smatch m;
    std::regex summary("16 requests \\(0 failed\\).* (\\d+) steps, (\\d+) "
                       "preemptions\n$");
    EXPECT_TRUE(std::regex_search(r.err, m, summary)) << r.err;
    return m.size() == 3 ? std::stoll(m[2]) : -1;
  }

  TempDir dir;
  std::string expected;
};

TEST_F(LlmrunGenerate, SameResultsWhateverTheBatching) {
  EXPECT_EQ(generate(""), 0);
  EXPECT_EQ(generate("--max-num-seqs 1"), 0);
  EXPECT_EQ(generate("--max-num-tokens 2 --max-num-seqs 2"), 0);
  EXPECT_GT(generate("--kv-cache-blocks 8"), 0);
  // 7 blocks still hold the longest request (28 tokens).
  EXPECT_GT(generate("--kv-blocks 7 --max-num-tokens 4"), 0);
}

TEST_F(LlmrunGenerate, LimitsComeFromThePlan) {
  LlmrunResult r = llmrun(dir, dir.file("toy.plan") + " --batch " +
                                   dir.file("in.jsonl") +
                                   " --kv-cache-blocks 65");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "llmrun: error: " + dir.file("toy.plan") +
                       ": KV cache of 65 blocks: must be between 1 and the "
                       "plan's generation.kv_blocks_max (64)\n");
  // Larger limits than the compiled buckets hold are clamped, with a warning.
  r = llmrun(dir, dir.file("toy.plan") + " --batch " + dir.file("in.jsonl") +
                      " --max-num-tokens 1000 --max-num-seqs 100 -o " +
                      dir.file("out.jsonl"));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("llmrun: warning: --max-num-tokens 1000 exceeds what "
                       "the plan supports; using 16\n"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("--max-num-seqs 100 exceeds what the plan supports; "
                       "using 8\n"),
            std::string::npos);
  std::vector<uint8_t> out = readBytes(dir.file("out.jsonl"));
  EXPECT_EQ(std::string(out.begin(), out.end()), expected);
}

TEST_F(LlmrunGenerate, ExecRefusesAGenerationPlan) {
  LlmrunResult r = llmrun(dir, dir.file("toy.plan") + " --exec -o " +
                                   dir.file("out"));
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "llmrun: error: " + dir.file("toy.plan") +
                       ": a generation plan (programs 'step_n1', 'step_n2', "
                       "'step_n4', 'step_n8', 'step_n16') has no default "
                       "program to --exec; use --batch\n");
}

} // namespace
