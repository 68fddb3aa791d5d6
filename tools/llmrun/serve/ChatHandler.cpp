#include "serve/ChatHandler.h"

#include "serve/ChatRequest.h"
#include "serve/ChoiceStream.h"
#include "serve/LogprobsJson.h"

#include <ctime>
#include <optional>
#include <vector>

namespace llmc::runtime::gen {

using json = nlohmann::json;
namespace http = boost::beast::http;

namespace {

ApiError generationFailed(const std::string &error) {
  return {http::status::internal_server_error, "generation failed: " + error,
          "", "internal_error"};
}

} // namespace

bool handleChatCompletion(ServerContext &ctx, const std::string &rawBody,
                          ResponseWriter &w) {
  json body = json::parse(rawBody, nullptr, false);
  if (body.is_discarded())
    return w.sendError({http::status::bad_request,
                        "the request body is not valid JSON", "",
                        "invalid_json"});
  ChatCompletion c;
  ChatParser parser(body, ctx.opts.modelId, ctx.tokenizer,
                    ctx.opts.chatTemplate, ctx.engine.maxContext());
  if (std::optional<ApiError> e = parser.parse(c))
    return w.sendError(*e);
  const GenerationJob &job = c.job;

  std::string id = "chatcmpl-" + std::to_string(ctx.nextId.fetch_add(1));
  int64_t created = static_cast<int64_t>(std::time(nullptr));
  size_t promptTokens = job.request.promptIds.size();
  ChoiceSet set(ctx, job, id, 0);

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
  auto usage = [&] {
    size_t completion = set.completionTokens();
    return json{{"prompt_tokens", promptTokens},
                {"completion_tokens", completion},
                {"total_tokens", promptTokens + completion}};
  };
  auto envelope = [&](const char *object, json choices) {
    return json{{"id", id},
                {"object", object},
                {"created", created},
                {"model", ctx.opts.modelId},
                {"choices", std::move(choices)}};
  };

  std::vector<ChoiceDelta> deltas;
  if (!job.stream) {
    std::vector<std::string> text(set.size());
    std::vector<std::vector<GeneratedToken>> lps(set.size());
    std::vector<ChoiceDelta> last(set.size());
    while (set.next(deltas))
      for (size_t i = 0; i < deltas.size(); ++i) {
        ChoiceDelta &d = deltas[i];
        text[i] += d.text;
        lps[i].insert(lps[i].end(), d.logprobs.begin(), d.logprobs.end());
        if (d.done)
          last[i] = d;
      }
    json choices = json::array();
    for (size_t i = 0; i < set.size(); ++i) {
      if (last[i].failed)
        return w.sendError(generationFailed(last[i].error));
      json ch = {{"index", i},
                 {"message", {{"role", "assistant"}, {"content", text[i]}}},
                 {"logprobs", logprobs(lps[i])}};
      finish(ch, last[i]);
      choices.push_back(std::move(ch));
    }
    json r = envelope("chat.completion", std::move(choices));
    r["usage"] = usage();
    return w.sendJson(http::status::ok, r);
  }

  // Server-sent events: first each choice's role, then a chunk per choice
  // that has news, in index order.
  bool ok = w.beginEvents();
  for (size_t i = 0; i < set.size() && ok; ++i) {
    json ch = {{"index", i},
               {"delta", {{"role", "assistant"}, {"content", ""}}},
               {"logprobs", nullptr},
               {"finish_reason", nullptr}};
    ok = w.sendEvent(
        dumpJson(envelope("chat.completion.chunk", json::array({ch}))));
  }
  bool failed = false;
  while (ok && !failed && set.next(deltas)) {
    for (size_t i = 0; i < deltas.size() && ok; ++i) {
      const ChoiceDelta &d = deltas[i];
      if (d.failed) {
        ok = w.sendEvent(dumpJson(errorJson(generationFailed(d.error))));
        failed = true;
        break;
      }
      // Nothing to show yet (a held-back stop prefix, part of a character).
      if (d.text.empty() && d.logprobs.empty() && !d.done)
        continue;
      json delta = json::object();
      if (!d.text.empty() || !d.logprobs.empty())
        delta["content"] = d.text;
      json ch = {{"index", i}, {"delta", delta},
                 {"logprobs", logprobs(d.logprobs)}};
      finish(ch, d);
      ok = w.sendEvent(
          dumpJson(envelope("chat.completion.chunk", json::array({ch}))));
    }
  }
  if (!ok || failed)
    set.cancel(); // the engine aborts them at its next step
  if (!ok)
    return false;
  if (!failed && job.includeUsage) {
    json u = envelope("chat.completion.chunk", json::array());
    u["usage"] = usage();
    if (!w.sendEvent(dumpJson(u)))
      return false;
  }
  if (!w.sendEvent("[DONE]"))
    return false;
  return w.endEvents();
}

} // namespace llmc::runtime::gen
