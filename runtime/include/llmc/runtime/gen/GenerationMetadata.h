// GenerationMetadata: the plan metadata keys a generation plan carries, and
// their parsing. The compiler writes them; llmrun --batch reads them.
#ifndef LLMC_RUNTIME_GEN_GENERATIONMETADATA_H
#define LLMC_RUNTIME_GEN_GENERATIONMETADATA_H

#include "llmc/runtime/Status.h"
#include "llmc/runtime/gen/SamplingParams.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace llmc::runtime::gen {

// Present (any value) exactly in plans whose steps implement one generation step.
constexpr const char *kMetaGenerationStep = "generation.step";
// Optional: comma-separated decimal token ids, e.g. "2" or "128001,128009".
constexpr const char *kMetaEosTokenIds = "generation.eos_token_ids";
// Optional: longest sequence (prompt + output) the model supports.
constexpr const char *kMetaMaxModelLen = "generation.max_model_len";
// Paged step contract (docs/kv-cache.md); generation.step is then "paged-v1".
constexpr const char *kStepPagedV1 = "paged-v1";
constexpr const char *kMetaPageSize = "generation.page_size";
constexpr const char *kMetaKvBlocksMax = "generation.kv_blocks_max";
constexpr const char *kMetaMaxBatch = "generation.max_batch";
constexpr const char *kMetaMaxNumTokens = "generation.max_num_tokens";
constexpr const char *kMetaKvDtype = "generation.kv_dtype"; // fp32|fp16|bf16

// Integer fields are 0 when their key is absent; present keys must hold a
// valid value (positive decimal integers, known dtype names).
struct GenerationMetadata {
  std::string step;
  std::vector<TokenId> eosTokenIds;
  int64_t maxModelLen = 0;
  int32_t pageSize = 0;
  int32_t kvBlocksMax = 0;
  int32_t maxBatch = 0;
  int32_t maxNumTokens = 0;
  std::string kvDtype;
};

bool isGenerationPlan(const std::map<std::string, std::string> &metadata);
Status parseGenerationMetadata(const std::map<std::string, std::string> &metadata,
                               GenerationMetadata &out);

} // namespace llmc::runtime::gen

#endif
