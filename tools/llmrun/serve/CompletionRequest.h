// Parsing and validation of a POST /v1/completions body into a
// GenerationJob (docs/serving.md lists the fields). Every problem is an
// ApiError naming the field.
#ifndef LLMC_TOOLS_LLMRUN_SERVE_COMPLETIONREQUEST_H
#define LLMC_TOOLS_LLMRUN_SERVE_COMPLETIONREQUEST_H

#include "serve/ApiError.h"
#include "serve/RequestFields.h"

#include "llmc/runtime/gen/SamplingParams.h"
#include "llmc/runtime/text/Tokenizer.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace llmc::runtime::gen {

struct Completion {
  GenerationJob job;
  bool echo = false;
  std::string echoText; // the prompt as text, prepended with `echo`
};

class CompletionParser {
public:
  CompletionParser(const nlohmann::json &body, const std::string &modelId,
                   const text::Tokenizer *tokenizer, int32_t vocab,
                   int64_t maxContext)
      : b_(body), f_(body), modelId_(modelId), tok_(tokenizer), vocab_(vocab),
        maxContext_(maxContext) {}

  std::optional<ApiError> parse(Completion &out);

private:
  std::optional<ApiError> parsePrompt(Completion &out);

  const nlohmann::json &b_;
  FieldReader f_;
  const std::string &modelId_;
  const text::Tokenizer *tok_;
  int32_t vocab_;
  int64_t maxContext_;
};

} // namespace llmc::runtime::gen

#endif
