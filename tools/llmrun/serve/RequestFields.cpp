#include "serve/RequestFields.h"

#include <cstdint>

namespace llmc::runtime::gen {

using json = nlohmann::json;
namespace http = boost::beast::http;

ApiError unsupportedField(const std::string &f, const std::string &m) {
  return badField(f, m, "unsupported_field");
}

std::optional<ApiError> checkPromptFits(const std::string &field,
                                        const std::string &counted, size_t n,
                                        int64_t maxContext) {
  if (static_cast<int64_t>(n) < maxContext)
    return std::nullopt;
  return badField(field,
                  counted + " " + std::to_string(n) +
                      " tokens but the model's context is " +
                      std::to_string(maxContext) +
                      " tokens, and at least one must be left to generate",
                  "context_length_exceeded");
}

std::optional<ApiError> FieldReader::checkShape(
    const std::set<std::string> &known, const std::string &modelId) {
  if (!b_.is_object())
    return badField("", "the request body must be a JSON object");
  for (auto it = b_.begin(); it != b_.end(); ++it)
    if (!known.count(it.key()))
      return unsupportedField(it.key(), "unsupported field '" + it.key() +
                                            "' (docs/serving.md lists the "
                                            "supported fields)");
  if (has("model")) {
    if (!b_["model"].is_string())
      return badField("model", "'model' must be a string");
    if (b_["model"].get<std::string>() != modelId)
      return ApiError{http::status::not_found,
                      "the model '" + b_["model"].get<std::string>() +
                          "' does not exist (this server has '" + modelId +
                          "')",
                      "model", "model_not_found"};
  }
  return std::nullopt;
}

std::optional<ApiError> FieldReader::readCommon(GenerationJob &job,
                                                bool canDecode) {
  if (has("logit_bias") &&
      !(b_["logit_bias"].is_object() && b_["logit_bias"].empty()))
    return unsupportedField("logit_bias", "'logit_bias' is not supported");
  if (has("user") && !b_["user"].is_string())
    return badField("user", "'user' must be a string");
  SamplingParams &p = job.request.params;
  if (auto e = getFloat("temperature", p.temperature, 0, 1e6)) return e;
  if (auto e = getFloat("top_p", p.topP, 1e-9, 1)) return e;
  if (auto e = getInt("top_k", p.topK, -1, INT32_MAX)) return e;
  if (auto e = getFloat("min_p", p.minP, 0, 1)) return e;
  if (auto e = getFloat("presence_penalty", p.presencePenalty, -2, 2))
    return e;
  if (auto e = getFloat("frequency_penalty", p.frequencyPenalty, -2, 2))
    return e;
  if (auto e = getFloat("repetition_penalty", p.repetitionPenalty, 1e-9, 1e6))
    return e;
  if (auto e = getBool("ignore_eos", p.ignoreEos)) return e;
  if (auto e = getBool("stream", job.stream)) return e;
  if (auto e = getInt("n", job.n, 1, kMaxChoices)) return e;
  if (has("seed")) {
    const json &s = b_["seed"];
    if (!s.is_number_integer())
      return badField("seed", "'seed' must be an integer");
    p.hasSeed = true;
    p.seed = s.is_number_unsigned() ? s.get<uint64_t>()
                                    : static_cast<uint64_t>(s.get<int64_t>());
  }
  if (has("stop_token_ids")) {
    const json &s = b_["stop_token_ids"];
    if (!s.is_array())
      return badField("stop_token_ids",
                      "'stop_token_ids' must be an array of token ids");
    for (const json &t : s) {
      if (!t.is_number_integer())
        return badField("stop_token_ids",
                        "'stop_token_ids' must be an array of token ids");
      p.stopTokenIds.push_back(static_cast<TokenId>(t.get<int64_t>()));
    }
  }
  if (auto e = readStop(job, canDecode)) return e;
  return readStreamOptions(job);
}

std::optional<ApiError> FieldReader::readStop(GenerationJob &job,
                                              bool canDecode) {
  if (auto e = getBool("include_stop_str_in_output", job.includeStop))
    return e;
  if (!has("stop"))
    return std::nullopt;
  const json &s = b_["stop"];
  const char *shape = "'stop' must be a string or an array of at most 4 "
                      "strings";
  if (s.is_string()) {
    job.stop.push_back(s.get<std::string>());
  } else if (s.is_array() && s.size() <= kMaxStopStrings) {
    for (const json &x : s) {
      if (!x.is_string())
        return badField("stop", shape);
      job.stop.push_back(x.get<std::string>());
    }
  } else {
    return badField("stop", shape);
  }
  bool any = false;
  for (const std::string &x : job.stop)
    any |= !x.empty();
  if (any && !canDecode)
    return badField("stop", "stop strings need the plan's tokenizer to "
                            "decode the output (compile with llmc compile "
                            "--tokenizer), or use 'stop_token_ids'");
  return std::nullopt;
}

std::optional<ApiError> FieldReader::readStreamOptions(GenerationJob &job) {
  if (!has("stream_options"))
    return std::nullopt;
  const json &so = b_["stream_options"];
  if (!so.is_object())
    return badField("stream_options", "'stream_options' must be an object");
  if (!job.stream)
    return badField("stream_options",
                    "'stream_options' is only allowed with \"stream\": true");
  for (auto it = so.begin(); it != so.end(); ++it) {
    if (it.key() != "include_usage" || !it.value().is_boolean())
      return badField("stream_options",
                      "'stream_options' supports only \"include_usage\": "
                      "true/false");
    job.includeUsage = it.value().get<bool>();
  }
  return std::nullopt;
}

bool FieldReader::has(const char *k) const {
  auto it = b_.find(k);
  return it != b_.end() && !it->is_null();
}

std::optional<ApiError> FieldReader::getInt(const char *k, int32_t &v,
                                            int64_t lo, int64_t hi) {
  if (!has(k))
    return std::nullopt;
  const json &j = b_[k];
  if (!j.is_number_integer())
    return badField(k, std::string("'") + k + "' must be an integer");
  bool inRange = j.is_number_unsigned()
                     ? j.get<uint64_t>() <= uint64_t(hi) &&
                           int64_t(j.get<uint64_t>()) >= lo
                     : j.get<int64_t>() >= lo && j.get<int64_t>() <= hi;
  if (!inRange)
    return badField(k, std::string("'") + k + "' must be between " +
                           std::to_string(lo) + " and " + std::to_string(hi));
  v = static_cast<int32_t>(j.get<int64_t>());
  return std::nullopt;
}

std::optional<ApiError> FieldReader::getFloat(const char *k, float &v,
                                              double lo, double hi) {
  if (!has(k))
    return std::nullopt;
  const json &j = b_[k];
  if (!j.is_number())
    return badField(k, std::string("'") + k + "' must be a number");
  double d = j.get<double>();
  if (!(d >= lo && d <= hi))
    return badField(k, std::string("'") + k + "' must be between " +
                           json(lo).dump() + " and " + json(hi).dump());
  v = static_cast<float>(d);
  return std::nullopt;
}

std::optional<ApiError> FieldReader::getBool(const char *k, bool &v) {
  if (!has(k))
    return std::nullopt;
  if (!b_[k].is_boolean())
    return badField(k, std::string("'") + k + "' must be true or false");
  v = b_[k].get<bool>();
  return std::nullopt;
}

} // namespace llmc::runtime::gen
