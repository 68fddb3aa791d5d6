#include "serve/ChatRequest.h"

#include <algorithm>
#include <cstdint>
#include <set>

namespace llmc::runtime::gen {

using json = nlohmann::json;

namespace {

// Fields the server reads; anything else (functions, audio, prediction,
// ...) is rejected with its name.
const std::set<std::string> kKnownFields = {
    "model", "messages", "max_tokens", "max_completion_tokens",
    "temperature", "top_p", "top_k", "min_p", "seed", "stop_token_ids",
    "presence_penalty", "frequency_penalty", "repetition_penalty",
    "ignore_eos", "stream", "stream_options", "n", "logprobs",
    "top_logprobs", "stop", "logit_bias", "user", "tools", "tool_choice",
    "response_format", "modalities", "chat_template_kwargs",
    "add_generation_prompt", "continue_final_message",
    "include_stop_str_in_output"};

const std::set<std::string> kRoles = {"system", "user", "assistant", "tool"};

std::string at(size_t i) { return "messages[" + std::to_string(i) + "]"; }

// Encodes a rendered template without adding special tokens: the template
// wrote them. Byte-level (Hugging Face) tokenizers read special tokens in
// text; SentencePiece does not, so there the bos/eos pieces the template got
// as bos_token/eos_token become their ids and the text between them is
// encoded piece by piece (each with its dummy prefix, as Hugging Face's
// legacy Llama tokenizer does after a special token).
Status encodeRendered(const text::Tokenizer &tok, const std::string &text,
                      std::vector<TokenId> &ids) {
  if (tok.isByteLevel())
    return tok.encode(text, ids, /*addSpecialTokens=*/false);
  std::vector<std::pair<std::string, TokenId>> specials;
  for (TokenId id : {tok.bosId(), tok.eosId()})
    if (id >= 0 && !tok.idToPiece(id).empty())
      specials.push_back({tok.idToPiece(id), id});
  ids.clear();
  std::vector<TokenId> part;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t next = std::string::npos;
    const std::pair<std::string, TokenId> *hit = nullptr;
    for (const auto &s : specials) {
      size_t f = text.find(s.first, pos);
      if (f < next) {
        next = f;
        hit = &s;
      }
    }
    size_t end = hit ? next : text.size();
    if (end > pos) {
      LLMC_RETURN_IF_ERROR(tok.encode(
          std::string_view(text).substr(pos, end - pos), part,
          /*addSpecialTokens=*/false));
      ids.insert(ids.end(), part.begin(), part.end());
    }
    if (!hit)
      break;
    ids.push_back(hit->second);
    pos = next + hit->first.size();
  }
  return Status::success();
}

} // namespace

Status loadChatTemplate(const PlanFile &plan,
                        std::unique_ptr<text::ChatTemplate> &out) {
  if (text::ChatTemplate::planHasChatTemplate(plan))
    return text::ChatTemplate::fromPlan(plan, out);
  return Status::success();
}

std::optional<ApiError> ChatParser::parse(ChatCompletion &out) {
  GenerationJob &job = out.job;
  if (auto e = f_.checkShape(kKnownFields, modelId_)) return e;
  if (auto e = checkUnsupported()) return e;
  if (auto e = f_.readCommon(job, tok_ != nullptr)) return e;
  if (auto e = readLogprobs(job)) return e;
  SamplingParams &p = job.request.params;
  int32_t maxTokens = 0;
  if (auto e = f_.getInt("max_tokens", maxTokens, 1, INT32_MAX)) return e;
  if (auto e = f_.getInt("max_completion_tokens", maxTokens, 1, INT32_MAX))
    return e;
  json messages;
  if (auto e = readMessages(messages)) return e;
  if (!template_)
    return badField("messages",
                    "this plan has no chat template, so /v1/chat/completions "
                    "cannot render messages (compile with llmc compile "
                    "--chat-template FILE, or use /v1/completions)");
  if (!tok_)
    return badField("messages", "this plan has no tokenizer, so chat "
                                "messages cannot be encoded (compile with "
                                "llmc compile --tokenizer)");
  if (auto e = render(messages, out.prompt)) return e;
  if (auto e = encode(out)) return e;
  int64_t left = maxContext_ - int64_t(job.request.promptIds.size());
  // Without a limit, up to the context (vLLM's default).
  p.maxTokens = maxTokens > 0 ? maxTokens
                              : static_cast<int32_t>(std::min<int64_t>(
                                    left, INT32_MAX));
  return std::nullopt;
}

std::optional<ApiError> ChatParser::checkUnsupported() {
  if (f_.has("tools"))
    return unsupportedField("tools", "'tools' (function calling) is not "
                                     "supported");
  if (f_.has("tool_choice") &&
      !(b_["tool_choice"].is_string() && b_["tool_choice"] == "none"))
    return unsupportedField("tool_choice", "'tool_choice' is supported only "
                                           "as \"none\"");
  if (f_.has("response_format") &&
      !(b_["response_format"].is_object() &&
        b_["response_format"].size() == 1 &&
        b_["response_format"].value("type", json()) == "text"))
    return unsupportedField("response_format",
                            "'response_format' is supported only as "
                            "{\"type\": \"text\"}");
  if (f_.has("modalities") && b_["modalities"] != json::array({"text"}))
    return unsupportedField("modalities", "'modalities' is supported only "
                                          "as [\"text\"]");
  return std::nullopt;
}

std::optional<ApiError> ChatParser::readLogprobs(GenerationJob &job) {
  bool logprobs = false;
  int32_t top = -1;
  if (auto e = f_.getBool("logprobs", logprobs)) return e;
  if (auto e = f_.getInt("top_logprobs", top, 0, kMaxTopLogprobs)) return e;
  if (top >= 0 && !logprobs)
    return badField("top_logprobs",
                    "'top_logprobs' needs \"logprobs\": true");
  job.topLogprobs = logprobs ? std::max(top, 0) : -1;
  job.request.params.logprobs = job.topLogprobs;
  return std::nullopt;
}

std::optional<ApiError> ChatParser::readMessages(json &messages) {
  if (!f_.has("messages"))
    return badField("messages", "'messages' is required");
  const json &in = b_["messages"];
  if (!in.is_array() || in.empty())
    return badField("messages", "'messages' must be a non-empty array of "
                                "messages");
  messages = json::array();
  for (size_t i = 0; i < in.size(); ++i) {
    const json &m = in[i];
    if (!m.is_object())
      return badField(at(i), at(i) + " must be an object");
    json out = json::object();
    for (auto it = m.begin(); it != m.end(); ++it) {
      const std::string &k = it.key();
      if (it->is_null() || k == "role" || k == "content")
        continue;
      if ((k == "name" || k == "tool_call_id") && it->is_string())
        out[k] = *it;
      else
        return unsupportedField(at(i) + "." + k,
                                "'" + at(i) + "." + k +
                                    "' is not supported (messages have "
                                    "role, content, name and tool_call_id)");
    }
    json role = m.value("role", json());
    if (!role.is_string() || !kRoles.count(role.get<std::string>()))
      return badField(at(i) + ".role", at(i) + ".role must be one of "
                                               "system, user, assistant, "
                                               "tool");
    out["role"] = role;
    json content = m.value("content", json());
    if (content.is_null() && role == "assistant") {
      out["content"] = "";
    } else if (content.is_string()) {
      out["content"] = content;
    } else if (content.is_array()) {
      // Text parts are joined with newlines, as vLLM does.
      std::string text;
      for (size_t j = 0; j < content.size(); ++j) {
        std::string p = at(i) + ".content[" + std::to_string(j) + "]";
        const json &part = content[j];
        json type = part.is_object() ? part.value("type", json()) : json();
        if (!type.is_string())
          return badField(p, p + " must be an object with a \"type\"");
        if (type != "text")
          return unsupportedField(p + ".type",
                                  "content parts of type '" +
                                      type.get<std::string>() +
                                      "' are not supported (only \"text\")");
        json t = part.value("text", json());
        if (!t.is_string())
          return badField(p + ".text", p + ".text must be a string");
        text += (j ? "\n" : "") + t.get<std::string>();
      }
      out["content"] = text;
    } else {
      return badField(at(i) + ".content",
                      at(i) + ".content must be a string or an array of "
                              "text parts");
    }
    messages.push_back(std::move(out));
  }
  return std::nullopt;
}

std::optional<ApiError> ChatParser::render(const json &messages,
                                           std::string &prompt) {
  bool addGenerationPrompt = true, continueFinal = false;
  if (auto e = f_.getBool("add_generation_prompt", addGenerationPrompt))
    return e;
  if (auto e = f_.getBool("continue_final_message", continueFinal)) return e;
  if (continueFinal && addGenerationPrompt)
    return badField("continue_final_message",
                    "'continue_final_message' needs "
                    "\"add_generation_prompt\": false");
  json context = json::object();
  if (f_.has("chat_template_kwargs")) {
    if (!b_["chat_template_kwargs"].is_object())
      return badField("chat_template_kwargs",
                      "'chat_template_kwargs' must be an object");
    context = b_["chat_template_kwargs"];
  }
  // These win over chat_template_kwargs.
  context["messages"] = messages;
  context["add_generation_prompt"] = addGenerationPrompt;
  context["bos_token"] =
      tok_->bosId() >= 0 ? tok_->idToPiece(tok_->bosId()) : "";
  context["eos_token"] =
      tok_->eosId() >= 0 ? tok_->idToPiece(tok_->eosId()) : "";
  Status st = template_->render(context, prompt);
  if (!st.ok())
    return badField("messages",
                    "the chat template failed on these messages: " +
                        st.message);
  if (!continueFinal)
    return std::nullopt;
  // Cut after the final message's text so that generation continues it
  // (transformers' continue_final_message; the template may have stripped
  // it, so the stripped text is tried too).
  std::string last = messages.back()["content"].get<std::string>();
  size_t at = prompt.rfind(last);
  if (at == std::string::npos) {
    size_t b = last.find_first_not_of(" \t\n\r");
    size_t e = last.find_last_not_of(" \t\n\r");
    last = b == std::string::npos ? "" : last.substr(b, e - b + 1);
    at = prompt.rfind(last);
  }
  if (at == std::string::npos)
    return badField("continue_final_message",
                    "the final message does not appear in the rendered chat "
                    "template, so it cannot be continued");
  prompt.resize(at + last.size());
  return std::nullopt;
}

std::optional<ApiError> ChatParser::encode(ChatCompletion &out) {
  std::vector<TokenId> &ids = out.job.request.promptIds;
  Status st = encodeRendered(*tok_, out.prompt, ids);
  if (!st.ok())
    return badField("messages", "cannot encode the rendered messages: " +
                                    st.message);
  if (ids.empty())
    return badField("messages", "the rendered messages encode to no tokens");
  return checkPromptFits("messages", "the messages render to", ids.size(),
                         maxContext_);
}

} // namespace llmc::runtime::gen
