#include "serve/CompletionHandler.h"

#include "serve/ChoiceStream.h"
#include "serve/CompletionRequest.h"
#include "serve/LogprobsJson.h"

#include <ctime>
#include <optional>
#include <vector>

namespace llmc::runtime::gen {

using json = nlohmann::json;
namespace http = boost::beast::http;

namespace {

int64_t codePoints(const std::string &s) {
  int64_t n = 0;
  for (unsigned char c : s)
    n += (c & 0xC0) != 0x80;
  return n;
}

// Accumulates one choice for the non-streaming answer.
struct Whole {
  ChoiceDelta all;
  void add(ChoiceDelta &d) {
    all.text += d.text;
    all.ids.insert(all.ids.end(), d.ids.begin(), d.ids.end());
    all.logprobs.insert(all.logprobs.end(), d.logprobs.begin(),
                        d.logprobs.end());
    all.offsets.insert(all.offsets.end(), d.offsets.begin(), d.offsets.end());
    if (d.done) {
      all.done = true;
      all.finishReason = d.finishReason;
      all.stopReason = d.stopReason;
      all.failed = d.failed;
      all.error = d.error;
    }
  }
};

ApiError generationFailed(const std::string &error) {
  return {http::status::internal_server_error, "generation failed: " + error,
          "", "internal_error"};
}

} // namespace

bool handleCompletion(ServerContext &ctx, const std::string &rawBody,
                      ResponseWriter &w) {
  json body = json::parse(rawBody, nullptr, false);
  if (body.is_discarded())
    return w.sendError({http::status::bad_request,
                        "the request body is not valid JSON", "",
                        "invalid_json"});
  Completion c;
  CompletionParser parser(body, ctx.opts.modelId, ctx.tokenizer, ctx.vocab,
                          ctx.engine.maxContext());
  if (std::optional<ApiError> e = parser.parse(c))
    return w.sendError(*e);
  const GenerationJob &job = c.job;

  std::string id = "cmpl-" + std::to_string(ctx.nextId.fetch_add(1));
  int64_t created = static_cast<int64_t>(std::time(nullptr));
  size_t promptTokens = job.request.promptIds.size();
  std::string echo = c.echo ? c.echoText : "";
  ChoiceSet set(ctx, job, id, codePoints(echo));

  auto choice = [&](int index, const std::string &text, const ChoiceDelta &d) {
    json ch = {{"index", index},
               {"text", text},
               {"token_ids", d.ids},
               {"logprobs", nullptr},
               {"finish_reason", nullptr},
               {"stop_reason", nullptr}};
    if (job.topLogprobs >= 0)
      ch["logprobs"] = completionLogprobs(ctx.tokenizer, d.logprobs,
                                          d.offsets, job.topLogprobs);
    if (d.done) {
      ch["finish_reason"] = d.finishReason;
      ch["stop_reason"] = d.stopReason;
    }
    return ch;
  };
  auto usage = [&] {
    size_t completion = set.completionTokens();
    return json{{"prompt_tokens", promptTokens},
                {"completion_tokens", completion},
                {"total_tokens", promptTokens + completion}};
  };
  auto envelope = [&](json choices) {
    return json{{"id", id},
                {"object", "text_completion"},
                {"created", created},
                {"model", ctx.opts.modelId},
                {"choices", std::move(choices)}};
  };

  std::vector<ChoiceDelta> deltas;
  if (!job.stream) {
    std::vector<Whole> whole(set.size());
    while (set.next(deltas))
      for (size_t i = 0; i < deltas.size(); ++i)
        whole[i].add(deltas[i]);
    json choices = json::array();
    for (size_t i = 0; i < whole.size(); ++i) {
      const ChoiceDelta &d = whole[i].all;
      if (d.failed)
        return w.sendError(generationFailed(d.error));
      choices.push_back(choice(static_cast<int>(i), echo + d.text, d));
    }
    json r = envelope(std::move(choices));
    r["usage"] = usage();
    return w.sendJson(http::status::ok, r);
  }

  // Server-sent events: a chunk per choice that has news, in index order.
  bool ok = w.beginEvents();
  std::vector<bool> started(set.size(), false);
  bool failed = false;
  while (ok && !failed && set.next(deltas)) {
    for (size_t i = 0; i < deltas.size() && ok; ++i) {
      const ChoiceDelta &d = deltas[i];
      if (d.failed) {
        ok = w.sendEvent(dumpJson(errorJson(generationFailed(d.error))));
        failed = true;
        break;
      }
      if (d.empty())
        continue;
      std::string text = started[i] ? d.text : echo + d.text;
      started[i] = true;
      ok = w.sendEvent(dumpJson(envelope(
          json::array({choice(static_cast<int>(i), text, d)}))));
    }
  }
  if (!ok || failed)
    set.cancel(); // the engine aborts them at its next step
  if (!ok)
    return false;
  if (!failed && job.includeUsage) {
    json u = envelope(json::array());
    u["usage"] = usage();
    if (!w.sendEvent(dumpJson(u)))
      return false;
  }
  if (!w.sendEvent("[DONE]"))
    return false;
  return w.endEvents();
}

} // namespace llmc::runtime::gen
