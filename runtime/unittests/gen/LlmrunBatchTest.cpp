// llmrun --batch: request validation comes first (line numbers, --on-error),
// then the plan must be a generation plan; errors are one line each.
#include "TestUtil.h"

#include "llmc/runtime/gen/GenerationMetadata.h"

#include <gtest/gtest.h>

#include <sys/wait.h>

using namespace llmc::runtime;
using namespace llmc::runtime::test;

namespace {

const char *kGood = "{\"id\": \"r0\", \"prompt_ids\": [1, 2, 3], "
                    "\"max_tokens\": 4, \"temperature\": 0}\n";

class LlmrunBatch : public ::testing::Test {
protected:
  void SetUp() override {
    PlanWriterInput plain = makeReferencePlan();
    ASSERT_TRUE(writePlan(dir.file("m.plan"), plain).ok());
    PlanWriterInput gen = makeReferencePlan();
    (*gen.header.mutable_metadata())[gen::kMetaGenerationStep] = "step";
    (*gen.header.mutable_metadata())[gen::kMetaEosTokenIds] = "2,7";
    ASSERT_TRUE(writePlan(dir.file("gen.plan"), gen).ok());
    PlanWriterInput badEos = makeReferencePlan();
    (*badEos.header.mutable_metadata())[gen::kMetaGenerationStep] = "step";
    (*badEos.header.mutable_metadata())[gen::kMetaEosTokenIds] = "2;7";
    ASSERT_TRUE(writePlan(dir.file("bad-eos.plan"), badEos).ok());
    writeBytes(dir.file("good.jsonl"), std::string(kGood) + "\n" + kGood);
    writeBytes(dir.file("mixed.jsonl"),
               std::string(kGood) +
                   "{\"id\": \"r1\", \"prompt_ids\": [1], \"stop\": [\"x\"]}\n");
  }
  TempDir dir;
};

} // namespace

TEST_F(LlmrunBatch, NotAGenerationPlan) {
  writeBytes(dir.file("one.jsonl"), kGood);
  std::string plan = dir.file("m.plan");
  LlmrunResult r = llmrun(dir, plan + " --batch " + dir.file("one.jsonl"));
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "llmrun: error: " + plan +
                       ": not a generation plan (compile a decoder LLM with "
                       "llmc compile to use --batch)\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(LlmrunBatch, MalformedLinesFailBeforeThePlanIsRead) {
  // Duplicate id on line 3 of good.jsonl; the plan does not even exist.
  LlmrunResult r = llmrun(dir, dir.file("missing.plan") + " --batch " +
                             dir.file("good.jsonl"));
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "llmrun: error: " + dir.file("good.jsonl") +
                       ":3: duplicate id 'r0' (first on line 1)\n"
                       "llmrun: error: " +
                       dir.file("good.jsonl") + ": 1 malformed request line\n");

  r = llmrun(dir, dir.file("m.plan") + " --batch " + dir.file("mixed.jsonl") +
                      " --on-error fail");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("mixed.jsonl:2: unknown field 'stop'"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("not a generation plan"), std::string::npos);
}

TEST_F(LlmrunBatch, SkipReportsTheLineAndGoesOn) {
  LlmrunResult r = llmrun(dir, dir.file("m.plan") + " --batch " +
                             dir.file("mixed.jsonl") + " --on-error skip");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("llmrun: warning: " + dir.file("mixed.jsonl") +
                       ":2: unknown field 'stop'"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("(line skipped)\n"), std::string::npos);
  EXPECT_NE(r.err.find("not a generation plan"), std::string::npos);
}

TEST_F(LlmrunBatch, UnsupportedOrMalformedGenerationPlans) {
  writeBytes(dir.file("one.jsonl"), kGood);
  LlmrunResult r = llmrun(dir, dir.file("gen.plan") + " --batch " +
                             dir.file("one.jsonl") + " -o " +
                             dir.file("out.jsonl"));
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "llmrun: error: " + dir.file("gen.plan") +
                       ": generation plan step 'step' is not supported by "
                       "this runtime (supported: paged-v1)\n");

  r = llmrun(dir, dir.file("bad-eos.plan") + " --batch " +
                      dir.file("one.jsonl"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("generation.eos_token_ids"), std::string::npos) << r.err;
}

TEST_F(LlmrunBatch, BadOptions) {
  writeBytes(dir.file("one.jsonl"), kGood);
  std::string base = dir.file("m.plan") + " --batch " + dir.file("one.jsonl");
  auto oneLine = [](const LlmrunResult &r, const std::string &words) {
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_EQ(r.err.rfind("llmrun: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(words), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  };
  oneLine(llmrun(dir, base + " --on-error maybe"), "--on-error");
  oneLine(llmrun(dir, base + " --exec"), "cannot be used together");
  oneLine(llmrun(dir, base + " --max-num-seqs 8 --max-num-tokens 4"),
          "max-num-tokens (4) must be at least max-num-seqs (8)");
  oneLine(llmrun(dir, base + " --kv-blocks -3"), "--kv-cache-blocks");
  oneLine(llmrun(dir, base + " --kv-cache-blocks -1"), "--kv-cache-blocks");
  oneLine(llmrun(dir, base + " --max-num-seqs -1"), "--max-num-seqs");
  oneLine(llmrun(dir, dir.file("m.plan") + " --batch " +
                          dir.file("nonexistent.jsonl")),
          "cannot read");
}
