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
  auto len = md.find(kMetaMaxModelLen);
  if (len != md.end()) {
    if (!parseInt(len->second, out.maxModelLen) || out.maxModelLen < 2)
      return Status::error(std::string("plan metadata '") + kMetaMaxModelLen +
                           "' must be an integer >= 2, got '" + len->second +
                           "'");
  }
  return Status::success();
}

} // namespace llmc::runtime::gen
