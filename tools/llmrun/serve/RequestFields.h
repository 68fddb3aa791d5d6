// RequestFields: reading the JSON fields that /v1/completions and
// /v1/chat/completions share (sampling, seed, stop, n, stream) into a
// GenerationJob. Every problem is an ApiError naming the field.
#ifndef LLMC_TOOLS_LLMRUN_SERVE_REQUESTFIELDS_H
#define LLMC_TOOLS_LLMRUN_SERVE_REQUESTFIELDS_H

#include "serve/ApiError.h"

#include "llmc/runtime/gen/SamplingParams.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace llmc::runtime::gen {

// Choices per request at most (each is its own engine request).
constexpr int32_t kMaxChoices = 16;
// OpenAI's limits: 4 stop strings, 20 top logprobs.
constexpr size_t kMaxStopStrings = 4;
constexpr int32_t kMaxTopLogprobs = 20;

// What both endpoints hand to the choice runner (serve/ChoiceStream.h).
struct GenerationJob {
  GenerationRequest request; // prompt ids and sampling params
  int32_t n = 1;
  bool stream = false;
  bool includeUsage = false; // stream_options.include_usage
  std::vector<std::string> stop;
  bool includeStop = false; // include_stop_str_in_output (vLLM)
  int32_t topLogprobs = -1; // -1: no logprobs; else top n per token
};

ApiError unsupportedField(const std::string &field, const std::string &message);

// A prompt of `n` tokens must leave at least one of the model's `maxContext`
// to generate; else a 400 "context_length_exceeded" on `field` whose message
// starts with `counted` ("the prompt has").
std::optional<ApiError> checkPromptFits(const std::string &field,
                                        const std::string &counted, size_t n,
                                        int64_t maxContext);

class FieldReader {
public:
  explicit FieldReader(const nlohmann::json &body) : b_(body) {}

  // The body is an object and holds only `known` fields; "model" names the
  // served model.
  std::optional<ApiError> checkShape(const std::set<std::string> &known,
                                     const std::string &modelId);
  // temperature ... repetition_penalty, ignore_eos, seed, stop_token_ids,
  // stream, stream_options, n, stop, include_stop_str_in_output,
  // logit_bias, user. Stop strings need a tokenizer (`canDecode`).
  std::optional<ApiError> readCommon(GenerationJob &job, bool canDecode);

  bool has(const char *k) const;
  const nlohmann::json &at(const char *k) const { return b_[k]; }
  std::optional<ApiError> getInt(const char *k, int32_t &v, int64_t lo,
                                 int64_t hi);
  std::optional<ApiError> getFloat(const char *k, float &v, double lo,
                                   double hi);
  std::optional<ApiError> getBool(const char *k, bool &v);

private:
  std::optional<ApiError> readStop(GenerationJob &job, bool canDecode);
  std::optional<ApiError> readStreamOptions(GenerationJob &job);

  const nlohmann::json &b_;
};

} // namespace llmc::runtime::gen

#endif
