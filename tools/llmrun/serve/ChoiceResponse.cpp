#include "serve/ChoiceResponse.h"

#include <ctime>
#include <vector>

namespace llmc::runtime::gen {

using json = nlohmann::json;
namespace http = boost::beast::http;

namespace {

ApiError generationFailed(const std::string &error) {
  return {http::status::internal_server_error, "generation failed: " + error,
          "", "internal_error"};
}

// Adds a delta to one choice's whole answer.
void accumulate(ChoiceDelta &all, const ChoiceDelta &d) {
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

} // namespace

std::optional<ApiError> parseJsonBody(const std::string &raw, json &body) {
  body = json::parse(raw, nullptr, false);
  if (body.is_discarded())
    return ApiError{http::status::bad_request,
                    "the request body is not valid JSON", "", "invalid_json"};
  return std::nullopt;
}

bool answerChoices(ServerContext &ctx, const GenerationJob &job,
                   const ChoiceFormat &format, ResponseWriter &w) {
  std::string id = format.idPrefix + std::to_string(ctx.nextId.fetch_add(1));
  int64_t created = static_cast<int64_t>(std::time(nullptr));
  size_t promptTokens = job.request.promptIds.size();
  ChoiceSet set(ctx, job, id, format.offsetBase);

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
    std::vector<ChoiceDelta> whole(set.size());
    while (set.next(deltas))
      for (size_t i = 0; i < deltas.size(); ++i)
        accumulate(whole[i], deltas[i]);
    json choices = json::array();
    for (size_t i = 0; i < whole.size(); ++i) {
      if (whole[i].failed)
        return w.sendError(generationFailed(whole[i].error));
      choices.push_back(format.whole(i, whole[i]));
    }
    json r = envelope(format.object, std::move(choices));
    r["usage"] = usage();
    return w.sendJson(http::status::ok, r);
  }

  // Server-sent events: the opening chunks, then a chunk per choice that has
  // news, in index order.
  bool ok = w.beginEvents();
  for (size_t i = 0; format.opening && i < set.size() && ok; ++i)
    ok = w.sendEvent(dumpJson(
        envelope(format.chunkObject, json::array({format.opening(i)}))));
  bool failed = false;
  while (ok && !failed && set.next(deltas)) {
    for (size_t i = 0; i < deltas.size() && ok; ++i) {
      const ChoiceDelta &d = deltas[i];
      if (d.failed) {
        ok = w.sendEvent(dumpJson(errorJson(generationFailed(d.error))));
        failed = true;
        break;
      }
      std::optional<json> ch = format.chunk(i, d);
      if (!ch)
        continue;
      ok = w.sendEvent(dumpJson(
          envelope(format.chunkObject, json::array({std::move(*ch)}))));
    }
  }
  if (!ok || failed)
    set.cancel(); // the engine aborts them at its next step
  if (!ok)
    return false;
  if (!failed && job.includeUsage) {
    json u = envelope(format.chunkObject, json::array());
    u["usage"] = usage();
    if (!w.sendEvent(dumpJson(u)))
      return false;
  }
  if (!w.sendEvent("[DONE]"))
    return false;
  return w.endEvents();
}

} // namespace llmc::runtime::gen
