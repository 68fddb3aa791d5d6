// Parsing and validation of a POST /v1/completions body into a
// GenerationRequest (docs/serving.md lists the fields). Every problem is an
// ApiError naming the field.
#ifndef LLMC_TOOLS_LLMRUN_SERVE_COMPLETIONREQUEST_H
#define LLMC_TOOLS_LLMRUN_SERVE_COMPLETIONREQUEST_H

#include "serve/ApiError.h"

#include "llmc/runtime/gen/SamplingParams.h"
#include "llmc/runtime/text/Tokenizer.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace llmc::runtime::gen {

struct Completion {
  GenerationRequest request;
  bool stream = false;
  bool includeUsage = false; // stream_options.include_usage
};

class CompletionParser {
public:
  CompletionParser(const nlohmann::json &body, const std::string &modelId,
                   const text::Tokenizer *tokenizer, int32_t vocab,
                   int64_t maxContext)
      : b_(body), modelId_(modelId), tok_(tokenizer), vocab_(vocab),
        maxContext_(maxContext) {}

  std::optional<ApiError> parse(Completion &out);

private:
  bool has(const char *k) const;
  std::optional<ApiError> onlyValue(const char *k, int64_t v);
  std::optional<ApiError> getInt(const char *k, int32_t &v, int64_t lo,
                                 int64_t hi);
  std::optional<ApiError> getFloat(const char *k, float &v, double lo,
                                   double hi);
  std::optional<ApiError> getBool(const char *k, bool &v);
  std::optional<ApiError> parsePrompt(std::vector<TokenId> &ids);

  const nlohmann::json &b_;
  const std::string &modelId_;
  const text::Tokenizer *tok_;
  int32_t vocab_;
  int64_t maxContext_;
};

} // namespace llmc::runtime::gen

#endif
