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

struct GenerationMetadata {
  std::string step;
  std::vector<TokenId> eosTokenIds;
  int64_t maxModelLen = 0; // 0: not given
};

bool isGenerationPlan(const std::map<std::string, std::string> &metadata);
Status parseGenerationMetadata(const std::map<std::string, std::string> &metadata,
                               GenerationMetadata &out);

} // namespace llmc::runtime::gen

#endif
