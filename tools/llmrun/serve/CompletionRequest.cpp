#include "serve/CompletionRequest.h"

#include <cstdint>
#include <set>

namespace llmc::runtime::gen {

using json = nlohmann::json;

namespace {

// Fields the server reads; anything else is rejected with its name.
const std::set<std::string> kKnownFields = {
    "model", "prompt", "max_tokens", "temperature", "top_p", "top_k",
    "min_p", "seed", "stop_token_ids", "presence_penalty",
    "frequency_penalty", "repetition_penalty", "ignore_eos", "stream",
    "stream_options", "n", "best_of", "echo", "logprobs", "stop", "suffix",
    "logit_bias", "user", "include_stop_str_in_output"};

} // namespace

std::optional<ApiError> CompletionParser::parse(Completion &out) {
  GenerationJob &job = out.job;
  if (auto e = f_.checkShape(kKnownFields, modelId_)) return e;
  if (f_.has("suffix"))
    return unsupportedField("suffix", "'suffix' is not supported");
  if (auto e = f_.readCommon(job, tok_ != nullptr)) return e;
  if (f_.has("best_of")) {
    int32_t bestOf = 1;
    if (auto e = f_.getInt("best_of", bestOf, 1, kMaxChoices)) return e;
    if (bestOf != job.n)
      return unsupportedField("best_of", "'best_of' must equal 'n' (choices "
                                         "are independent samples; none are "
                                         "ranked)");
  }
  if (auto e = f_.getInt("logprobs", job.topLogprobs, 0, kMaxTopLogprobs))
    return e;
  if (auto e = f_.getBool("echo", out.echo)) return e;
  if (out.echo && job.topLogprobs >= 0)
    return unsupportedField("echo", "'echo' with 'logprobs' needs the "
                                    "prompt's logprobs, which are not "
                                    "supported");
  SamplingParams &p = job.request.params;
  p.maxTokens = 16; // OpenAI's default for completions
  if (auto e = f_.getInt("max_tokens", p.maxTokens, 1, INT32_MAX)) return e;
  p.logprobs = job.topLogprobs;
  return parsePrompt(out);
}

std::optional<ApiError> CompletionParser::parsePrompt(Completion &out) {
  std::vector<TokenId> &ids = out.job.request.promptIds;
  if (!f_.has("prompt"))
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
    out.echoText = prompt.get<std::string>();
  } else if (prompt.is_array()) {
    for (const json &t : prompt) {
      if (t.is_string() || t.is_array())
        return unsupportedField("prompt", "only one prompt per request is "
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
    if (tok_)
      out.echoText = tok_->decode(ids);
  } else {
    return badField("prompt",
                    "'prompt' must be a string or an array of token ids");
  }
  if (ids.empty())
    return badField("prompt", "'prompt' is empty (it encodes to no tokens)");
  return checkPromptFits("prompt", "the prompt has", ids.size(), maxContext_);
}

} // namespace llmc::runtime::gen
