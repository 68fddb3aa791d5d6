// Sampler: greedy ties, seeded reproducibility, top-k/top-p/min-p masks,
// vLLM penalty formulas and raw logprobs, on hand-made logits.
#include "llmc/runtime/gen/Sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace llmc::runtime;
using namespace llmc::runtime::gen;

namespace {

const double kInf = std::numeric_limits<double>::infinity();

SamplingParams sampling(float temperature = 1.0f) {
  SamplingParams p;
  p.temperature = temperature;
  return p;
}

TokenId sampleOnce(Sampler &s, const std::vector<float> &logits,
                   const SamplingParams &p, Rng &rng,
                   const std::vector<TokenId> &prompt = {},
                   const std::vector<TokenId> &output = {}) {
  SampleOutput out;
  Status st = s.sample(logits.data(), p, prompt, output, rng, out);
  EXPECT_TRUE(st.ok()) << st.message;
  return out.tokenId;
}

// Token ids whose processed logit survived the masks.
std::vector<TokenId> kept(const Sampler &s) {
  std::vector<TokenId> ids;
  for (size_t i = 0; i < s.lastProcessed().size(); ++i)
    if (s.lastProcessed()[i] != -kInf)
      ids.push_back(static_cast<TokenId>(i));
  return ids;
}

std::vector<float> logOf(std::vector<double> probs) {
  std::vector<float> l;
  for (double p : probs)
    l.push_back(static_cast<float>(std::log(p)));
  return l;
}

} // namespace

TEST(Rng, FixedStream) {
  // The bit stream is part of the reproducibility contract: changing the
  // generator changes every seeded output.
  Rng a(7), b(7), c(8);
  uint64_t first = a.next();
  EXPECT_EQ(first, b.next());
  EXPECT_NE(first, c.next());
  for (int i = 0; i < 1000; ++i) {
    double u = a.uniform();
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
  }
}

TEST(Sampler, GreedyTiesGoToLowestId) {
  Sampler s(5);
  SamplingParams p = sampling(0.0f);
  Rng rng(1);
  EXPECT_EQ(sampleOnce(s, {1, 3, 3, 2, 3}, p, rng), 1);
  EXPECT_EQ(sampleOnce(s, {-1, -1, -1, -1, -1}, p, rng), 0);
  // Greedy draws no random numbers.
  Rng fresh(1);
  EXPECT_EQ(rng.next(), fresh.next());
}

TEST(Sampler, SeededSamplingIsReproducible) {
  std::vector<float> logits = {0.5f, 1.0f, 0.2f, 0.9f, 0.7f, 0.1f};
  SamplingParams p = sampling(0.8f);
  auto draw = [&](uint64_t seed, bool interleave) {
    Sampler s(6);
    Rng rng(seed), other(seed + 99);
    std::vector<TokenId> out;
    for (int i = 0; i < 64; ++i) {
      out.push_back(sampleOnce(s, logits, p, rng));
      if (interleave) // another request in the same batch
        sampleOnce(s, {3, 0, 0, 1, 2, 5}, sampling(1.5f), other);
    }
    return out;
  };
  std::vector<TokenId> a = draw(7, false);
  EXPECT_EQ(a, draw(7, false));
  EXPECT_EQ(a, draw(7, true)); // batch composition does not matter
  EXPECT_NE(a, draw(8, false));
}

TEST(Sampler, TemperatureShapesTheDistribution) {
  // p = {1/4, 3/4} at T = 1; at T = 2 the logits halve: {1, sqrt 3}/(1+sqrt 3).
  Sampler s(2);
  std::vector<float> logits = logOf({0.25, 0.75});
  for (auto [t, expected] : {std::pair<float, double>{1.0f, 0.75},
                             {2.0f, std::sqrt(3.0) / (1 + std::sqrt(3.0))}}) {
    Rng rng(123);
    int ones = 0, n = 20000;
    for (int i = 0; i < n; ++i)
      ones += sampleOnce(s, logits, sampling(t), rng);
    EXPECT_NEAR(double(ones) / n, expected, 0.015) << "T=" << t;
  }
}

TEST(Sampler, TopKKeepsTheKLargestAndBoundaryTies) {
  Sampler s(5);
  Rng rng(1);
  SamplingParams p = sampling();
  p.topK = 2;
  sampleOnce(s, {1, 4, 3, 2, 0}, p, rng);
  EXPECT_EQ(kept(s), (std::vector<TokenId>{1, 2}));
  sampleOnce(s, {1, 3, 3, 3, 0}, p, rng); // ties at the k-th value survive
  EXPECT_EQ(kept(s), (std::vector<TokenId>{1, 2, 3}));
  p.topK = 0; // disabled
  sampleOnce(s, {1, 4, 3, 2, 0}, p, rng);
  EXPECT_EQ(kept(s).size(), 5u);
  p.topK = -1; // disabled too
  sampleOnce(s, {1, 4, 3, 2, 0}, p, rng);
  EXPECT_EQ(kept(s).size(), 5u);
}

TEST(Sampler, TopPKeepsTheSmallestHeadAboveP) {
  // Ascending cumulative probabilities: 0.1, 0.3, 0.6, 1.0; vLLM drops the
  // tokens whose cumulative sum is <= 1 - p and always keeps the best.
  Sampler s(4);
  Rng rng(1);
  std::vector<float> logits = logOf({0.1, 0.2, 0.3, 0.4});
  SamplingParams p = sampling();
  p.topP = 0.5f;
  sampleOnce(s, logits, p, rng);
  EXPECT_EQ(kept(s), (std::vector<TokenId>{2, 3}));
  p.topP = 0.75f;
  sampleOnce(s, logits, p, rng);
  EXPECT_EQ(kept(s), (std::vector<TokenId>{1, 2, 3}));
  p.topP = 0.05f;
  sampleOnce(s, logits, p, rng);
  EXPECT_EQ(kept(s), (std::vector<TokenId>{3}));
  for (int i = 0; i < 50; ++i)
    EXPECT_EQ(sampleOnce(s, logits, p, rng), 3);
}

TEST(Sampler, TopPOnALargeFlatVocabulary) {
  // 1000 equal logits: p = 0.3004 keeps 301 tokens, the lowest ids (ties
  // rank by id). Exercises the growing partial sort past its first chunk.
  Sampler s(1000);
  Rng rng(1);
  SamplingParams p = sampling();
  p.topP = 0.3004f;
  TokenId t = sampleOnce(s, std::vector<float>(1000, 0.5f), p, rng);
  std::vector<TokenId> ids = kept(s);
  ASSERT_EQ(ids.size(), 301u);
  EXPECT_EQ(ids.front(), 0);
  EXPECT_EQ(ids.back(), 300);
  EXPECT_LE(t, 300);
}

TEST(Sampler, TopPAfterTopK) {
  // top_k = 3 renormalizes {0.2, 0.3, 0.4} to {2/9, 3/9, 4/9}; p = 0.7 then
  // drops 2/9 (<= 0.3) only.
  Sampler s(4);
  Rng rng(1);
  SamplingParams p = sampling();
  p.topK = 3;
  p.topP = 0.7f;
  sampleOnce(s, logOf({0.1, 0.2, 0.3, 0.4}), p, rng);
  EXPECT_EQ(kept(s), (std::vector<TokenId>{2, 3}));
}

TEST(Sampler, MinPIsRelativeToTheBestToken) {
  Sampler s(4);
  Rng rng(1);
  std::vector<float> logits = logOf({0.1, 0.2, 0.3, 0.4});
  SamplingParams p = sampling();
  p.minP = 0.6f; // threshold 0.24
  sampleOnce(s, logits, p, rng);
  EXPECT_EQ(kept(s), (std::vector<TokenId>{2, 3}));
  p.minP = 0.2f; // threshold 0.08
  sampleOnce(s, logits, p, rng);
  EXPECT_EQ(kept(s).size(), 4u);
  // With temperature the threshold applies to the scaled distribution:
  // T = 0.5 squares the probabilities: {.01,.04,.09,.16}/.3; min_p 0.3 keeps
  // p >= 0.048/.3, i.e. ids 2 and 3.
  p = sampling(0.5f);
  p.minP = 0.3f;
  sampleOnce(s, logits, p, rng);
  EXPECT_EQ(kept(s), (std::vector<TokenId>{2, 3}));
}

TEST(Sampler, RepetitionPenaltyMatchesVllm) {
  // Seen tokens (prompt or output): positive logits / r, negative * r.
  Sampler s(5);
  Rng rng(1);
  SamplingParams p = sampling();
  p.repetitionPenalty = 2.0f;
  sampleOnce(s, {2, -2, 1, 0.5f, 3}, p, rng, /*prompt=*/{0}, /*output=*/{1, 1});
  const std::vector<double> &x = s.lastProcessed();
  EXPECT_DOUBLE_EQ(x[0], 1.0);  // prompt token, positive
  EXPECT_DOUBLE_EQ(x[1], -4.0); // output token, negative (count irrelevant)
  EXPECT_DOUBLE_EQ(x[2], 1.0);  // unseen
  EXPECT_DOUBLE_EQ(x[3], 0.5);
  EXPECT_DOUBLE_EQ(x[4], 3.0);
}

TEST(Sampler, PresenceAndFrequencyPenaltiesUseOutputTokensOnly) {
  // logit -= frequency * count + presence * (count > 0), output tokens only.
  Sampler s(5);
  Rng rng(1);
  SamplingParams p = sampling();
  p.presencePenalty = 0.5f;
  p.frequencyPenalty = 0.25f;
  sampleOnce(s, {1, 1, 1, 1, 1}, p, rng, /*prompt=*/{0, 4},
             /*output=*/{2, 2, 3, 4});
  const std::vector<double> &x = s.lastProcessed();
  EXPECT_DOUBLE_EQ(x[0], 1.0);  // prompt only: untouched
  EXPECT_DOUBLE_EQ(x[1], 1.0);
  EXPECT_DOUBLE_EQ(x[2], 0.0);  // 1 - 0.25*2 - 0.5
  EXPECT_DOUBLE_EQ(x[3], 0.25); // 1 - 0.25 - 0.5
  EXPECT_DOUBLE_EQ(x[4], 0.25); // counted once in the output
  // Negative penalties encourage repetition.
  p.presencePenalty = -1.0f;
  p.frequencyPenalty = 0;
  sampleOnce(s, {1, 1, 1, 1, 1}, p, rng, {}, {3});
  EXPECT_DOUBLE_EQ(s.lastProcessed()[3], 2.0);
}

TEST(Sampler, PenaltiesApplyBeforeGreedy) {
  Sampler s(3);
  Rng rng(1);
  SamplingParams p = sampling(0.0f);
  EXPECT_EQ(sampleOnce(s, {0, 2, 1.5f}, p, rng, {}, {1}), 1);
  p.frequencyPenalty = 1.0f;
  EXPECT_EQ(sampleOnce(s, {0, 2, 1.5f}, p, rng, {}, {1}), 2);
  // Penalty state does not leak into the next call.
  p.frequencyPenalty = 0;
  EXPECT_EQ(sampleOnce(s, {0, 2, 1.5f}, p, rng, {}, {1}), 1);
}

TEST(Sampler, LogprobsAreRawLogSoftmax) {
  Sampler s(4);
  Rng rng(1);
  std::vector<float> logits = {1, 2, 3, 0};
  double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0) + 1.0);
  SamplingParams p = sampling(0.0f);
  p.logprobs = 2;
  p.frequencyPenalty = 2.0f; // processing does not change the logprobs
  SampleOutput out;
  ASSERT_TRUE(s.sample(logits.data(), p, {}, {2}, rng, out).ok());
  EXPECT_EQ(out.tokenId, 1); // 3 - 2 - ... : penalized token 2 loses
  EXPECT_NEAR(out.logprob, 2 - lse, 1e-6);
  ASSERT_EQ(out.topLogprobs.size(), 2u);
  EXPECT_EQ(out.topLogprobs[0].tokenId, 2);
  EXPECT_NEAR(out.topLogprobs[0].logprob, 3 - lse, 1e-6);
  EXPECT_EQ(out.topLogprobs[1].tokenId, 1);
  EXPECT_NEAR(out.topLogprobs[1].logprob, 2 - lse, 1e-6);

  p.logprobs = 0; // the sampled token's logprob only
  ASSERT_TRUE(s.sample(logits.data(), p, {}, {}, rng, out).ok());
  EXPECT_EQ(out.tokenId, 2);
  EXPECT_NEAR(out.logprob, 3 - lse, 1e-6);
  EXPECT_TRUE(out.topLogprobs.empty());
}

TEST(Sampler, RejectsBadInput) {
  Sampler s(3);
  Rng rng(1);
  SampleOutput out;
  std::vector<float> logits = {0, 1, 2};
  Status st = s.sample(logits.data(), sampling(), {5}, {}, rng, out);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message.find("outside the vocabulary"), std::string::npos);
  std::vector<float> nan = {0, std::nanf(""), 1};
  EXPECT_FALSE(s.sample(nan.data(), sampling(), {}, {}, rng, out).ok());
}
