// Sampler: turns one row of logits into the next token for one request:
// penalties -> temperature -> min_p -> top_k -> top_p -> sample (vLLM V1 order).
#ifndef LLMC_RUNTIME_GEN_SAMPLER_H
#define LLMC_RUNTIME_GEN_SAMPLER_H

#include "llmc/runtime/Status.h"
#include "llmc/runtime/gen/Rng.h"
#include "llmc/runtime/gen/SamplingParams.h"

#include <cstdint>
#include <vector>

namespace llmc::runtime::gen {

struct TokenLogprob {
  TokenId tokenId = 0;
  float logprob = 0;
};

struct SampleOutput {
  TokenId tokenId = 0;
  // Only when params.logprobs >= 0: log-softmax of the raw logits (vLLM's
  // default "raw_logprobs"): the sampled token's and the top n, best first.
  float logprob = 0;
  std::vector<TokenLogprob> topLogprobs;
};

// Holds scratch space sized to the vocabulary; not thread-safe. Sampling
// depends only on (logits, params, history, rng state), never on the batch.
class Sampler {
public:
  explicit Sampler(int32_t vocabSize);
  int32_t vocabSize() const { return vocab_; }

  // `logits` has vocabSize() floats. History ids must be in [0, vocabSize()).
  // Advances `rng` by one draw unless the request is greedy.
  Status sample(const float *logits, const SamplingParams &params,
                const std::vector<TokenId> &promptIds,
                const std::vector<TokenId> &outputIds, Rng &rng,
                SampleOutput &out);

  // The processed logits of the last sample() call (after penalties,
  // temperature and the min_p/top_k/top_p masks; -inf = masked). For tests.
  const std::vector<double> &lastProcessed() const { return x_; }

private:
  void applyPenalties(const SamplingParams &p,
                      const std::vector<TokenId> &promptIds,
                      const std::vector<TokenId> &outputIds);
  void applyMinP(double minP);
  void applyTopK(int32_t k);
  void applyTopP(double p);
  void rawLogprobs(const float *logits, int32_t n, TokenId sampled,
                   SampleOutput &out);

  int32_t vocab_;
  std::vector<double> x_;       // working logits
  std::vector<int32_t> counts_; // output-token counts (penalties)
  std::vector<uint8_t> inPrompt_;
  std::vector<TokenId> touched_;
  std::vector<int32_t> order_;  // sort scratch
};

} // namespace llmc::runtime::gen

#endif
