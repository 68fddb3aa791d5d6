// Parses the generation.* plan metadata keys (strings in PlanHeader.metadata).
#include "llmc/runtime/gen/GenerationMetadata.h"

#include <cerrno>
#include <cstdlib>
#include <limits>

namespace llmc::runtime::gen {

namespace {

bool parseInt(const std::string &s, int64_t &out) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
    return false;
  errno = 0;
  char *end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || *end != '\0')
    return false;
  out = v;
  return true;
}

// Reads an optional positive integer key no larger than `max`.
template <typename T>
Status parsePositive(const std::map<std::string, std::string> &md,
                     const char *key, int64_t min, T &out) {
  auto it = md.find(key);
  if (it == md.end())
    return Status::success();
  int64_t v = 0;
  if (!parseInt(it->second, v) || v < min ||
      v > std::numeric_limits<T>::max())
    return Status::error(std::string("plan metadata '") + key +
                         "' must be an integer >= " + std::to_string(min) +
                         ", got '" + it->second + "'");
  out = static_cast<T>(v);
  return Status::success();
}

} // namespace

bool isGenerationPlan(const std::map<std::string, std::string> &metadata) {
  return metadata.count(kMetaGenerationStep) != 0;
}

Status parseGenerationMetadata(const std::map<std::string, std::string> &md,
                               GenerationMetadata &out) {
  out = GenerationMetadata();
  auto step = md.find(kMetaGenerationStep);
  if (step == md.end())
    return Status::error(std::string("plan metadata has no '") +
                         kMetaGenerationStep + "'");
  out.step = step->second;
  auto eos = md.find(kMetaEosTokenIds);
  if (eos != md.end() && !eos->second.empty()) {
    size_t pos = 0;
    const std::string &s = eos->second;
    while (pos <= s.size()) {
      size_t comma = s.find(',', pos);
      std::string item =
          s.substr(pos, comma == std::string::npos ? std::string::npos
                                                   : comma - pos);
      int64_t v = 0;
      if (!parseInt(item, v) || v > std::numeric_limits<TokenId>::max())
        return Status::error(std::string("plan metadata '") + kMetaEosTokenIds +
                             "' is not a comma-separated list of token ids: '" +
                             s + "'");
      out.eosTokenIds.push_back(static_cast<TokenId>(v));
      if (comma == std::string::npos)
        break;
      pos = comma + 1;
    }
  }
  LLMC_RETURN_IF_ERROR(parsePositive(md, kMetaMaxModelLen, 2, out.maxModelLen));
  LLMC_RETURN_IF_ERROR(parsePositive(md, kMetaPageSize, 1, out.pageSize));
  LLMC_RETURN_IF_ERROR(parsePositive(md, kMetaKvBlocksMax, 1, out.kvBlocksMax));
  LLMC_RETURN_IF_ERROR(parsePositive(md, kMetaMaxBatch, 1, out.maxBatch));
  LLMC_RETURN_IF_ERROR(parsePositive(md, kMetaMaxNumTokens, 1, out.maxNumTokens));
  auto dt = md.find(kMetaKvDtype);
  if (dt != md.end()) {
    if (dt->second != "fp32" && dt->second != "fp16" && dt->second != "bf16")
      return Status::error(std::string("plan metadata '") + kMetaKvDtype +
                           "' must be fp32, fp16 or bf16, got '" + dt->second +
                           "'");
    out.kvDtype = dt->second;
  }
  return Status::success();
}

} // namespace llmc::runtime::gen
