// llmrun --prompt and text prompts in --batch, end to end on the toy
// generation plan with a hand-made tokenizer section: the streamed text is
// the toy model's reference tokens, decoded after the prompt.
#include "TestUtil.h"
#include "gen/ToyPlan.h"

#include "llmc/runtime/gen/BatchIO.h"
#include "llmc/runtime/text/Tokenizer.h"

#include <gtest/gtest.h>

using namespace llmc::runtime;
using namespace llmc::runtime::test;
using namespace llmc::runtime::gen;
using namespace llmc::runtime::gen::test;
using PlanTokenizer = llmc::plan::Tokenizer;

namespace {


class LlmrunPrompt : public ::testing::Test {
protected:
  void SetUp() override {
    ToyPlanOptions o;
    o.eos = "16";
    PlanWriterInput bare = makeToyPlan(o);
    ASSERT_TRUE(writePlan(dir.file("bare.plan"), bare).ok());
    PlanWriterInput in = makeToyPlanWithTokenizer(o);
    ASSERT_TRUE(writePlan(dir.file("toy.plan"), in).ok());
    ASSERT_TRUE(text::Tokenizer::create(toyTokenizer(), tok).ok());
  }

  // The text the toy model continues `prompt` with, greedily.
  std::string expectedText(const std::string &prompt, int32_t maxTokens) {
    std::vector<TokenId> ids;
    EXPECT_TRUE(tok->encode(prompt, ids).ok());
    text::StreamDecoder d(*tok);
    d.prime(ids);
    std::string out;
    for (TokenId id : toyExpected(ids, maxTokens, {16}))
      out += d.add(id);
    return out + d.finish();
  }

  TempDir dir;
  std::unique_ptr<text::Tokenizer> tok;
};

TEST_F(LlmrunPrompt, StreamsTheContinuation) {
  std::string want = expectedText("a b", 6);
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(want[0], ' ');
  LlmrunResult r = llmrun(dir, dir.file("toy.plan") +
                                   " --prompt 'a b' --max-tokens 6 "
                                   "--temperature 0");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "a b" + want + "\n");
  EXPECT_NE(r.err.find("[2 prompt tokens, "), std::string::npos) << r.err;

  // Two prompts, in turn; --no-echo prints only the generated text.
  r = llmrun(dir, dir.file("toy.plan") +
                      " --prompt '  c  ' -p 'd e f' --max-tokens 4 "
                      "--temperature 0 --no-echo");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, expectedText("c", 4) + "\n" + expectedText("d e f", 4) +
                       "\n");
}

TEST_F(LlmrunPrompt, SeededSamplingIsReproducible) {
  std::string args = dir.file("toy.plan") +
                     " --prompt 'a' --max-tokens 8 --temperature 1.5 "
                     "--seed 7";
  LlmrunResult a = llmrun(dir, args), b = llmrun(dir, args);
  EXPECT_EQ(a.code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
}

TEST_F(LlmrunPrompt, BatchTextPrompts) {
  writeBytes(dir.file("in.jsonl"),
             "{\"id\": \"t\", \"prompt\": \"a b\", \"max_tokens\": 5, "
             "\"temperature\": 0}\n"
             "{\"id\": \"i\", \"prompt_ids\": [2, 3], \"max_tokens\": 5, "
             "\"temperature\": 0}\n");
  LlmrunResult r = llmrun(dir, dir.file("toy.plan") + " --batch " +
                                   dir.file("in.jsonl"));
  EXPECT_EQ(r.code, 0) << r.err;
  GenerationResult t;
  t.id = "t";
  t.outputIds = toyExpected({2, 3}, 5, {16});
  t.finishReason = FinishReason::Length;
  std::string withText;
  ASSERT_TRUE(addResultText(
                  formatResult(t),
                  [&](const std::vector<TokenId> &) {
                    return expectedText("a b", 5);
                  },
                  withText)
                  .ok());
  GenerationResult i = t;
  i.id = "i";
  EXPECT_EQ(r.out, withText + "\n" + formatResult(i) + "\n");
  EXPECT_NE(withText.find("\"output_ids\":[") , std::string::npos);
  EXPECT_NE(withText.find("],\"text\":\" "), std::string::npos) << withText;
}

TEST_F(LlmrunPrompt, Errors) {
  // No tokenizer in the plan: one line.
  LlmrunResult r = llmrun(dir, dir.file("bare.plan") + " --prompt 'a'");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "llmrun: error: " + dir.file("bare.plan") +
                       ": the plan has no tokenizer, so text prompts cannot "
                       "be encoded (compile it with `llmc compile "
                       "--tokenizer tokenizer.model`)\n");
  writeBytes(dir.file("in.jsonl"), "{\"id\": \"t\", \"prompt\": \"a\"}\n");
  r = llmrun(dir, dir.file("bare.plan") + " --batch " + dir.file("in.jsonl"));
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "llmrun: error: " + dir.file("bare.plan") +
                       ": the plan has no tokenizer, so text prompts cannot "
                       "be encoded (compile it with `llmc compile "
                       "--tokenizer tokenizer.model`, or give prompt_ids)\n");
  // Prompts that encode to nothing, and conflicting modes.
  r = llmrun(dir, dir.file("toy.plan") + " --prompt '   '");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "llmrun: error: --prompt '   ' encodes to no tokens; give "
                   "some text\n");
  r = llmrun(dir, dir.file("toy.plan") + " --prompt a --batch " +
                      dir.file("in.jsonl"));
  EXPECT_EQ(r.err, "llmrun: error: --prompt and --batch cannot be used "
                   "together\n");
  r = llmrun(dir, dir.file("toy.plan") + " --prompt a --temperature -1");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--temperature"), std::string::npos) << r.err;
  // A plan that is not a generation plan.
  PlanWriterInput ref = makeReferencePlan();
  ASSERT_TRUE(writePlan(dir.file("ref.plan"), ref).ok());
  r = llmrun(dir, dir.file("ref.plan") + " --prompt a");
  EXPECT_EQ(r.err, "llmrun: error: " + dir.file("ref.plan") +
                       ": not a generation plan (compile a decoder LLM with "
                       "llmc compile to use --prompt)\n");
}

TEST(BatchIOText, PromptField) {
  GenerationRequest r;
  std::string text;
  ASSERT_TRUE(parseRequestLine(R"({"id": "a", "prompt": "hi"})", r, text).ok());
  EXPECT_EQ(text, "hi");
  EXPECT_TRUE(r.promptIds.empty());
  ASSERT_TRUE(parseRequestLine(R"({"id": "a", "prompt_ids": [1]})", r, text)
                  .ok());
  EXPECT_EQ(text, "");
  EXPECT_EQ(
      parseRequestLine(R"({"id": "a", "prompt": "x", "prompt_ids": [1]})", r,
                       text)
          .message,
      "give 'prompt' or 'prompt_ids', not both");
  EXPECT_EQ(parseRequestLine(R"({"id": "a", "prompt": ""})", r, text).message,
            "'prompt' must not be empty");
  EXPECT_EQ(parseRequestLine(R"({"id": "a", "prompt": 3})", r, text).message,
            "'prompt' must be a string");
  EXPECT_EQ(parseRequestLine(R"({"id": "a", "prompt": "x"})", r).message,
            "a text 'prompt' needs the plan's tokenizer; give 'prompt_ids'");
}

} // namespace
