// SamplingParams and GenerationRequest: what one generation request asks for.
// Field meanings and defaults follow vLLM's SamplingParams (docs/generation-runtime.md).
#ifndef LLMC_RUNTIME_GEN_SAMPLINGPARAMS_H
#define LLMC_RUNTIME_GEN_SAMPLINGPARAMS_H

#include <cstdint>
#include <string>
#include <vector>

namespace llmc::runtime::gen {

using TokenId = int32_t;

struct SamplingParams {
  int32_t maxTokens = 16;         // new tokens to generate at most (>= 1)
  float temperature = 1.0f;       // < 1e-5: greedy
  float topP = 1.0f;              // (0, 1]; 1 disables
  int32_t topK = 0;               // 0 or -1 disables
  float minP = 0.0f;              // [0, 1]; 0 disables
  float repetitionPenalty = 1.0f; // > 0; 1 disables (prompt and output tokens)
  float presencePenalty = 0.0f;   // [-2, 2]; output tokens only
  float frequencyPenalty = 0.0f;  // [-2, 2]; output tokens only
  bool hasSeed = false;           // without a seed, GenerationLoop derives one
  uint64_t seed = 0;
  std::vector<TokenId> stopTokenIds;
  int32_t logprobs = -1;          // -1: none; n >= 0: sampled token + top n
  bool ignoreEos = false;

  bool greedy() const { return temperature < 1e-5f; }
};

struct GenerationRequest {
  std::string id;
  std::vector<TokenId> promptIds;
  SamplingParams params;
};

} // namespace llmc::runtime::gen

#endif
