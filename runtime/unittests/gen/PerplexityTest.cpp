// llmrun --perplexity (tools/llmrun/Perplexity.h) on the toy generation
// plan: several entries of one sequence in one step, the windows of
// scripts/kjv/evaluate.py, the scores against a brute-force reference under
// different step limits, and the CLI with a tokenizer section.
#include "Perplexity.h"
#include "TestUtil.h"
#include "gen/ToyPlan.h"

#include "llmc/runtime/gen/PlanStepExecutor.h"
#include "llmc/runtime/text/Tokenizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>

using namespace llmc::runtime;
using namespace llmc::runtime::test;
using namespace llmc::runtime::gen;
using namespace llmc::runtime::gen::test;
using PlanTokenizer = llmc::plan::Tokenizer;

namespace {

struct Toy {
  std::unique_ptr<Engine> engine;
  std::unique_ptr<PlanStepExecutor> exec;
};

Toy mustToy(int32_t kvBlocks = 0) {
  Toy toy;
  PlanWriterInput in = makeToyPlan();
  std::string bytes;
  EXPECT_TRUE(serializePlan(in, bytes).ok());
  std::unique_ptr<PlanFile> pf;
  EXPECT_TRUE(PlanFile::openBytes(bytes, "toy.plan", pf).ok());
  EXPECT_TRUE(Engine::create(std::move(pf), toy.engine).ok());
  std::map<std::string, std::string> md(in.header.metadata().begin(),
                                        in.header.metadata().end());
  GenerationMetadata meta;
  EXPECT_TRUE(parseGenerationMetadata(md, meta).ok());
  Status st = PlanStepExecutor::create(*toy.engine, meta, kvBlocks, toy.exec);
  EXPECT_TRUE(st.ok()) << st.message;
  return toy;
}

int argmax(const float *row) {
  return int(std::max_element(row, row + kToyVocab) - row);
}

// The toy model's logits are one-hot at (sum of the tokens so far) % vocab:
// -log softmax = log(vocab - 1 + e) - [target == hot].
double toyNll(int64_t sum, TokenId target) {
  double lse = std::log(double(kToyVocab - 1) + std::exp(1.0));
  return lse - (target == sum % kToyVocab ? 1.0 : 0.0);
}

// evaluate.py's sliding_window_nll, written out for the toy model.
double referenceSum(const std::vector<TokenId> &t, int64_t context,
                    int64_t stride, int64_t &scored) {
  double total = 0;
  scored = 0;
  const int64_t n = static_cast<int64_t>(t.size());
  for (int64_t b = 0;; b += stride) {
    int64_t e = std::min(b + context, n);
    int64_t first = b == 0 ? 1 : b + context - stride;
    for (int64_t j = first; j < e; ++j) {
      int64_t sum = 0;
      for (int64_t p = b; p < j; ++p)
        sum += t[p];
      total += toyNll(sum, t[j]);
      ++scored;
    }
    if (e == n)
      return total;
  }
}

std::vector<TokenId> someTokens(int n) {
  std::vector<TokenId> t;
  for (int i = 0; i < n; ++i)
    t.push_back((i * 7 + i * i * 3 + 5) % kToyVocab);
  return t;
}

TEST(Perplexity, EntriesOfOneSequenceShareAStep) {
  // One sequence, fed as a 3-token chunk without a sampled row and five
  // one-token sampled entries (crossing a page) that share its block table:
  // each row sees exactly positions 0..its own.
  Toy toy = mustToy(16);
  std::vector<TokenId> t = {3, 1, 4, 1, 5, 9, 2, 6};
  std::vector<BlockId> table = {7, 2};
  ScheduledBatch b;
  b.pageSize = kToyPage;
  auto add = [&](int64_t first, int64_t count, bool sample) {
    ScheduledEntry e;
    e.firstPosition = first;
    e.tokens.assign(t.begin() + first, t.begin() + first + count);
    e.sample = sample;
    b.entries.push_back(e);
    b.blockTables.push_back(table);
    b.contextLens.push_back(first + count);
  };
  add(0, 3, false);
  for (int64_t p = 3; p < 8; ++p)
    add(p, 1, true);
  std::vector<const float *> rows;
  Status st = toy.exec->execute(b, rows);
  ASSERT_TRUE(st.ok()) << st.message;
  ASSERT_EQ(rows.size(), 5u);
  int64_t sum = 3 + 1 + 4;
  for (int i = 0; i < 5; ++i) {
    sum += t[3 + i];
    EXPECT_EQ(argmax(rows[i]), sum % kToyVocab) << i;
  }
}

TEST(Perplexity, WindowsOfEvaluatePy) {
  auto w = perplexityWindows(10, 4, 2);
  ASSERT_EQ(w.size(), 4u);
  int64_t want[4][3] = {{0, 4, 1}, {2, 6, 4}, {4, 8, 6}, {6, 10, 8}};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(w[i].begin, want[i][0]);
    EXPECT_EQ(w[i].end, want[i][1]);
    EXPECT_EQ(w[i].firstScored, want[i][2]);
  }
  w = perplexityWindows(3, 256, 128); // one short window scores 1..2
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].end, 3);
  EXPECT_EQ(w[0].firstScored, 1);
  w = perplexityWindows(11, 4, 3); // one token of context is kept
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w[3].begin, 9);
  EXPECT_EQ(w[3].firstScored, 10);
  EXPECT_EQ(w[3].end, 11);
  EXPECT_TRUE(perplexityWindows(1, 4, 2).empty());
  // The stride must be below the context: a window's first target needs
  // the logits of the position before it.
  EXPECT_TRUE(perplexityWindows(10, 4, 4).empty());
}

TEST(Perplexity, MatchesTheReferenceUnderAnyStepLimits) {
  Toy toy = mustToy();
  std::vector<TokenId> t = someTokens(45);
  struct Case {
    int64_t context, stride;
    int32_t tokens, entries;
  } cases[] = {{12, 5, 16, 8}, {12, 5, 3, 2}, {32, 16, 16, 8},
               {32, 1, 16, 8}, {9, 8, 4, 8},  {2, 1, 1, 1}};
  for (const Case &c : cases) {
    PerplexityOptions o;
    o.context = c.context;
    o.stride = c.stride;
    o.maxNumTokens = c.tokens;
    o.maxEntries = c.entries;
    o.numKvBlocks = toy.exec->numKvBlocks();
    PerplexityResult r;
    Status st = scorePerplexity(*toy.exec, t, o, r);
    ASSERT_TRUE(st.ok()) << st.message;
    int64_t scored = 0;
    double want = referenceSum(t, c.context, c.stride, scored);
    std::string what = "context " + std::to_string(c.context) + " stride " +
                       std::to_string(c.stride) + " limits " +
                       std::to_string(c.tokens) + "/" +
                       std::to_string(c.entries);
    EXPECT_EQ(r.tokens, 45) << what;
    EXPECT_EQ(r.scored, 44) << what;
    EXPECT_EQ(scored, 44) << what;
    EXPECT_NEAR(r.sumNll, want, 1e-9) << what;
    EXPECT_NEAR(r.perplexity(), std::exp(want / 44), 1e-9) << what;
    EXPECT_EQ(r.windows,
              int64_t(perplexityWindows(45, c.context, c.stride).size()));
  }
}

TEST(Perplexity, Errors) {
  Toy toy = mustToy(4);
  PerplexityOptions o;
  o.context = 12;
  o.stride = 6;
  o.maxNumTokens = 16;
  o.maxEntries = 8;
  o.numKvBlocks = 4;
  PerplexityResult r;
  EXPECT_EQ(scorePerplexity(*toy.exec, {1}, o, r).message,
            "the text has 1 token(s); perplexity needs at least 2");
  EXPECT_NE(scorePerplexity(*toy.exec, {1, kToyVocab}, o, r)
                .message.find("outside the model's vocabulary"),
            std::string::npos);
  o.context = 20; // positions 0..18: 5 blocks of 4
  EXPECT_EQ(scorePerplexity(*toy.exec, someTokens(30), o, r).message,
            "a context of 20 tokens needs 5 KV blocks; the cache has 4");
  o.context = 17; // 4 blocks are enough
  EXPECT_TRUE(scorePerplexity(*toy.exec, someTokens(30), o, r).ok());
}


std::string expectedOutput(const std::string &file,
                           const std::vector<TokenId> &t, int64_t context,
                           int64_t stride) {
  int64_t scored = 0;
  double mean = referenceSum(t, context, stride, scored) / double(scored);
  char buf[400];
  std::snprintf(buf, sizeof buf,
                "file: %s\ntokens: %zu\nscored: %lld\ncontext: %lld\nstride: "
                "%lld\nmean NLL: %.6f nats/token\nperplexity: %.4f\n",
                file.c_str(), t.size(), static_cast<long long>(scored),
                static_cast<long long>(context),
                static_cast<long long>(stride), mean, std::exp(mean));
  return buf;
}

TEST(Perplexity, Llmrun) {
  TempDir dir;
  ToyPlanOptions o;
  o.eos = "16";
  PlanWriterInput bare = makeToyPlan(o);
  ASSERT_TRUE(writePlan(dir.file("bare.plan"), bare).ok());
  PlanWriterInput in = makeToyPlanWithTokenizer(o);
  ASSERT_TRUE(writePlan(dir.file("toy.plan"), in).ok());

  // Each line is encoded and ends with </s>; "\r\n" counts as a line end,
  // an empty line is just </s>, a last line needs no '\n'.
  std::string txt = dir.file("t.txt");
  writeBytes(txt, "a b c\r\nd e f g h\n\nn m l k j i h g f e d c b a\nb b");
  std::vector<TokenId> ids = {2, 3, 4, 16, 5, 6, 7, 8, 9, 16, 16};
  for (TokenId i = 15; i >= 2; --i)
    ids.push_back(i);
  ids.insert(ids.end(), {16, 3, 3, 16});
  // Default: context 256 capped to the toy model length (32), stride 16.
  LlmrunResult r = llmrun(dir, dir.file("toy.plan") + " --perplexity " + txt);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, expectedOutput(txt, ids, 32, 16));
  EXPECT_NE(r.err.find(" windows, "), std::string::npos) << r.err;

  r = llmrun(dir, dir.file("toy.plan") + " --perplexity " + txt +
                      " --context 7 --stride 3 --max-num-tokens 4 "
                      "--max-num-seqs 2");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, expectedOutput(txt, ids, 7, 3));

  // --whole-file: one text, no </s> (the toy vocabulary has no '\n').
  std::string one = dir.file("one-line.txt");
  writeBytes(one, "a b c d e f g h  i j k l m n n b");
  r = llmrun(dir, dir.file("toy.plan") + " --perplexity " + one +
                      " --whole-file --context 10");
  EXPECT_EQ(r.code, 0) << r.err;
  std::vector<TokenId> whole;
  for (TokenId i = 2; i <= 15; ++i)
    whole.push_back(i);
  whole.insert(whole.end(), {15, 3});
  EXPECT_EQ(r.out, expectedOutput(one, whole, 10, 5));

  // Errors are one line.
  r = llmrun(dir, dir.file("toy.plan") + " --perplexity " + txt +
                      " --context 33");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "llmrun: error: --context 33 exceeds the plan's model "
                   "length (32)\n");
  r = llmrun(dir, dir.file("toy.plan") + " --perplexity " + txt +
                      " --context 8 --stride 8");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--stride between 1 and the context"),
            std::string::npos) << r.err;
  writeBytes(dir.file("one.txt"), "");
  r = llmrun(dir, dir.file("toy.plan") + " --perplexity " +
                      dir.file("one.txt"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("the text has 0 token(s)"), std::string::npos)
      << r.err;
  r = llmrun(dir, dir.file("bare.plan") + " --perplexity " + txt);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("the plan has no tokenizer"), std::string::npos)
      << r.err;
  r = llmrun(dir, dir.file("toy.plan") + " --perplexity " + txt +
                      " --prompt a");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("cannot be used with --prompt"), std::string::npos)
      << r.err;
}

} // namespace
