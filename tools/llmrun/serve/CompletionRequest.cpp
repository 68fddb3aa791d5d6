#include "serve/CompletionRequest.h"

#include <cstdint>
#include <set>

namespace llmc::runtime::gen {

using json = nlohmann::json;
namespace http = boost::beast::http;

namespace {

// Fields the server reads; anything else is rejected with its name.
const std::set<std::string> kKnownFields = {
    "model", "prompt", "max_tokens", "temperature", "top_p", "top_k",
    "min_p", "seed", "stop_token_ids", "presence_penalty",
    "frequency_penalty", "repetition_penalty", "ignore_eos", "stream",
    "stream_options", "n", "best_of", "echo", "logprobs", "stop", "suffix",
    "logit_bias", "user"};

ApiError unsupported(const std::string &f, const std::string &m) {
  return badField(f, m, "unsupported_field");
}

} // namespace

std::optional<ApiError> CompletionParser::parse(Completion &out) {
  if (!b_.is_object())
    return badField("", "the request body must be a JSON object");
  for (auto it = b_.begin(); it != b_.end(); ++it)
    if (!kKnownFields.count(it.key()))
      return badField(it.key(), "unsupported field '" + it.key() +
                                    "' (docs/serving.md lists the "
                                    "supported fields)",
                      "unsupported_field");
  if (has("model")) {
    if (!b_["model"].is_string())
      return badField("model", "'model' must be a string");
    if (b_["model"].get<std::string>() != modelId_)
      return ApiError{http::status::not_found,
                      "the model '" + b_["model"].get<std::string>() +
                          "' does not exist (this server has '" + modelId_ +
                          "')",
                      "model", "model_not_found"};
  }
  // Accepted only at their no-op values.
  if (auto e = onlyValue("n", 1)) return e;
  if (auto e = onlyValue("best_of", 1)) return e;
  if (has("echo") && !(b_["echo"].is_boolean() && !b_["echo"].get<bool>()))
    return unsupported("echo", "'echo' is not supported");
  if (has("logprobs"))
    return unsupported("logprobs", "'logprobs' is not supported yet");
  if (has("suffix"))
    return unsupported("suffix", "'suffix' is not supported");
  if (has("logit_bias") &&
      !(b_["logit_bias"].is_object() && b_["logit_bias"].empty()))
    return unsupported("logit_bias", "'logit_bias' is not supported");
  if (has("stop")) {
    const json &s = b_["stop"];
    bool empty = (s.is_string() && s.get<std::string>().empty()) ||
                 (s.is_array() && s.empty());
    if (!empty)
      return unsupported("stop", "stop strings are not supported yet; use "
                                 "'stop_token_ids'");
  }
  if (has("user") && !b_["user"].is_string())
    return badField("user", "'user' must be a string");

  SamplingParams &p = out.request.params;
  p.maxTokens = 16; // OpenAI's default for completions
  if (auto e = getInt("max_tokens", p.maxTokens, 1, INT32_MAX)) return e;
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
  if (auto e = getBool("stream", out.stream)) return e;
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
  if (has("stream_options")) {
    const json &so = b_["stream_options"];
    if (!so.is_object())
      return badField("stream_options", "'stream_options' must be an object");
    if (!out.stream)
      return badField("stream_options",
                      "'stream_options' is only allowed with \"stream\": "
                      "true");
    for (auto it = so.begin(); it != so.end(); ++it) {
      if (it.key() != "include_usage" || !it.value().is_boolean())
        return badField("stream_options",
                        "'stream_options' supports only \"include_usage\": "
                        "true/false");
      out.includeUsage = it.value().get<bool>();
    }
  }
  return parsePrompt(out.request.promptIds);
}

bool CompletionParser::has(const char *k) const {
  auto it = b_.find(k);
  return it != b_.end() && !it->is_null();
}
std::optional<ApiError> CompletionParser::onlyValue(const char *k, int64_t v) {
  if (!has(k))
    return std::nullopt;
  if (!b_[k].is_number_integer())
    return badField(k, std::string("'") + k + "' must be an integer");
  if (b_[k].get<int64_t>() != v)
    return unsupported(k, std::string("'") + k + "' must be " +
                              std::to_string(v) + " (only one choice per "
                                                  "request is supported)");
  return std::nullopt;
}
std::optional<ApiError> CompletionParser::getInt(const char *k, int32_t &v, int64_t lo,
                               int64_t hi) {
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
                           std::to_string(lo) + " and " +
                           std::to_string(hi));
  v = static_cast<int32_t>(j.get<int64_t>());
  return std::nullopt;
}
std::optional<ApiError> CompletionParser::getFloat(const char *k, float &v, double lo,
                                 double hi) {
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
std::optional<ApiError> CompletionParser::getBool(const char *k, bool &v) {
  if (!has(k))
    return std::nullopt;
  if (!b_[k].is_boolean())
    return badField(k, std::string("'") + k + "' must be true or false");
  v = b_[k].get<bool>();
  return std::nullopt;
}

std::optional<ApiError> CompletionParser::parsePrompt(std::vector<TokenId> &ids) {
  if (!has("prompt"))
    return badField("prompt", "'prompt' is required");
  json prompt = b_["prompt"];
  // One prompt in a list (["text"] or [[1, 2]]) is that prompt.
  if (prompt.is_array() && prompt.size() == 1 &&
      (prompt[0].is_string() || prompt[0].is_array()))
    prompt = json(prompt[0]);
  if (prompt.is_string()) {
    if (!tok_)
      return badField("prompt",
                      "this plan has no tokenizer, so 'prompt' must be an "
                      "array of token ids (compile with llmc compile "
                      "--tokenizer to accept text)");
    Status st = tok_->encode(prompt.get<std::string>(), ids);
    if (!st.ok())
      return badField("prompt", "cannot encode 'prompt': " + st.message);
  } else if (prompt.is_array()) {
    for (const json &t : prompt) {
      if (t.is_string() || t.is_array())
        return unsupported("prompt", "only one prompt per request is "
                                     "supported");
      if (!t.is_number_integer())
        return badField("prompt", "'prompt' must be a string or an array "
                                  "of token ids");
      int64_t id = t.get<int64_t>();
      if (id < 0 || id >= vocab_)
        return badField("prompt", "prompt token id " + std::to_string(id) +
                                      " is outside the vocabulary (size " +
                                      std::to_string(vocab_) + ")");
      ids.push_back(static_cast<TokenId>(id));
    }
  } else {
    return badField("prompt",
                    "'prompt' must be a string or an array of token ids");
  }
  if (ids.empty())
    return badField("prompt", "'prompt' is empty (it encodes to no tokens)");
  int64_t n = static_cast<int64_t>(ids.size());
  if (n >= maxContext_)
    return badField("prompt",
                    "the prompt has " + std::to_string(n) +
                        " tokens but the model's context is " +
                        std::to_string(maxContext_) +
                        " tokens, and at least one must be left to generate",
                    "context_length_exceeded");
  return std::nullopt;
}


} // namespace llmc::runtime::gen
