#include "serve/ChatHandler.h"

#include "serve/ChatRequest.h"
#include "serve/ChoiceResponse.h"
#include "serve/LogprobsJson.h"

#include <optional>
#include <vector>

namespace llmc::runtime::gen {

using json = nlohmann::json;

bool handleChatCompletion(ServerContext &ctx, const std::string &rawBody,
                          ResponseWriter &w) {
  json body;
  if (std::optional<ApiError> e = parseJsonBody(rawBody, body))
    return w.sendError(*e);
  ChatCompletion c;
  ChatParser parser(body, ctx.opts.modelId, ctx.tokenizer,
                    ctx.opts.chatTemplate, ctx.engine.maxContext());
  if (std::optional<ApiError> e = parser.parse(c))
    return w.sendError(*e);
  const GenerationJob &job = c.job;

  auto logprobs = [&](const std::vector<GeneratedToken> &lps) {
    if (job.topLogprobs < 0)
      return json(nullptr);
    return json{{"content",
                 chatLogprobsContent(ctx.tokenizer, lps, job.topLogprobs)}};
  };
  auto finish = [&](json &choice, const ChoiceDelta &d) {
    choice["finish_reason"] = d.done ? json(d.finishReason) : json(nullptr);
    choice["stop_reason"] = d.done ? d.stopReason : json(nullptr);
  };

  ChoiceFormat format;
  format.idPrefix = "chatcmpl-";
  format.object = "chat.completion";
  format.chunkObject = "chat.completion.chunk";
  format.whole = [&](size_t i, const ChoiceDelta &d) {
    json ch = {{"index", i},
               {"message", {{"role", "assistant"}, {"content", d.text}}},
               {"logprobs", logprobs(d.logprobs)}};
    finish(ch, d);
    return ch;
  };
  // Streamed, each choice first says its role.
  format.opening = [](size_t i) {
    return json{{"index", i},
                {"delta", {{"role", "assistant"}, {"content", ""}}},
                {"logprobs", nullptr},
                {"finish_reason", nullptr}};
  };
  format.chunk = [&](size_t i, const ChoiceDelta &d) -> std::optional<json> {
    // Nothing to show yet (a held-back stop prefix, part of a character).
    if (d.text.empty() && d.logprobs.empty() && !d.done)
      return std::nullopt;
    json delta = json::object();
    if (!d.text.empty() || !d.logprobs.empty())
      delta["content"] = d.text;
    json ch = {{"index", i}, {"delta", delta},
               {"logprobs", logprobs(d.logprobs)}};
    finish(ch, d);
    return ch;
  };
  return answerChoices(ctx, job, format, w);
}

} // namespace llmc::runtime::gen
