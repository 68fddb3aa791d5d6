// ToyPlan: a hand-written paged-v1 generation plan (docs/kv-cache.md) over
// the toy model kernels of toy_model_kernels.c, plus the model's reference
// answer, so generation tests need no compiler.
#ifndef LLMC_RUNTIME_UNITTESTS_GEN_TOYPLAN_H
#define LLMC_RUNTIME_UNITTESTS_GEN_TOYPLAN_H

#include "llmc/runtime/PlanFormat.h"
#include "llmc/runtime/text/Tokenizer.h"
#include "llmc/runtime/gen/SamplingParams.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmc::runtime::gen::test {

// Must match toy_model_kernels.c.
constexpr int32_t kToyVocab = 17;
constexpr int32_t kToyPage = 4;
constexpr int32_t kToyMaxBlocksPerSeq = 8;
constexpr int32_t kToyMaxBatch = 8;

struct ToyPlanOptions {
  std::vector<int32_t> buckets = {1, 2, 4, 8, 16}; // subset of the compiled ones
  int32_t kvBlocksMax = 64;
  std::string step = "paged-v1";
  std::string eos;            // generation.eos_token_ids ("" = none)
  int64_t maxModelLen = 0;    // 0: max_blocks_per_seq * page
};

// Per bucket N: program step_n<N> with the six step inputs (INPUT), sums
// (ACTIVATION at arena offset 0, shared by all programs) and logits
// (OUTPUT); one STATE buffer (id 0) int64[kv_blocks, page, 2].
PlanWriterInput makeToyPlan(const ToyPlanOptions &options = {});

// The tokens the toy model generates greedily: each is (sum of the sequence
// so far) % vocab, stopping at `maxTokens`, an eos id or maxModelLen.
// A SentencePiece-BPE tokenizer for the toy vocabulary: 17 pieces, <unk>,
// <s>, "▁a".."▁n" (ids 2..15) and </s> (16, the eos of the toy tests).
plan::Tokenizer toyTokenizer();
// makeToyPlan plus toyTokenizer() as the plan's tokenizer section.
PlanWriterInput makeToyPlanWithTokenizer(const ToyPlanOptions &options = {});

std::vector<TokenId> toyExpected(const std::vector<TokenId> &prompt,
                                 int32_t maxTokens,
                                 const std::vector<TokenId> &eos = {},
                                 int64_t maxModelLen = 32);

} // namespace llmc::runtime::gen::test

#endif
