#include "serve/CompletionHandler.h"

#include "serve/CompletionRequest.h"

#include <ctime>
#include <memory>
#include <optional>
#include <vector>

namespace llmc::runtime::gen {

using json = nlohmann::json;
namespace http = boost::beast::http;

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

  std::string id = "cmpl-" + std::to_string(ctx.nextId.fetch_add(1));
  int64_t created = static_cast<int64_t>(std::time(nullptr));
  c.request.id = id;
  std::vector<TokenId> prompt = c.request.promptIds;
  size_t promptTokens = prompt.size();
  auto ch = std::make_shared<Channel>();
  ctx.engine.submit(std::move(c.request), ch);

  std::optional<text::StreamDecoder> decoder;
  if (ctx.tokenizer) {
    decoder.emplace(*ctx.tokenizer);
    decoder->prime(prompt);
  }
  auto choice = [&](const std::string &text, const std::vector<TokenId> &ids,
                    const char *finish) {
    json ch = {{"index", 0}, {"text", text}, {"token_ids", ids},
               {"logprobs", nullptr}, {"finish_reason", nullptr}};
    if (finish)
      ch["finish_reason"] = finish;
    return ch;
  };
  auto usage = [&](size_t completion) {
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

  if (!c.stream) {
    std::vector<TokenId> out;
    FinishReason reason;
    std::string error;
    {
      std::unique_lock<std::mutex> l(ch->m);
      ch->cv.wait(l, [&] { return ch->done; });
      out = ch->tokens;
      reason = ch->reason;
      error = ch->error;
    }
    if (reason == FinishReason::Error)
      return w.sendError({http::status::internal_server_error,
                          "generation failed: " + error, "",
                          "internal_error"});
    std::string text;
    if (decoder) {
      for (TokenId t : out)
        text += decoder->add(t);
      text += decoder->finish();
    }
    json r =
        envelope(json::array({choice(text, out, finishReasonName(reason))}));
    r["usage"] = usage(out.size());
    return w.sendJson(http::status::ok, r);
  }

  // Server-sent events: one chunk per step's new tokens.
  bool ok = w.beginEvents();
  size_t sent = 0;
  for (;;) {
    std::vector<TokenId> fresh;
    bool done;
    FinishReason reason;
    std::string error;
    {
      std::unique_lock<std::mutex> l(ch->m);
      ch->cv.wait(l, [&] { return ch->done || ch->tokens.size() > sent; });
      fresh.assign(ch->tokens.begin() + static_cast<std::ptrdiff_t>(sent),
                   ch->tokens.end());
      sent = ch->tokens.size();
      done = ch->done;
      reason = ch->reason;
      error = ch->error;
    }
    if (done && reason == FinishReason::Error) {
      if (ok)
        ok = w.sendEvent(dumpJson(errorJson({http::status::internal_server_error,
                                             "generation failed: " + error, "",
                                             "internal_error"})));
      break;
    }
    std::string text;
    if (decoder)
      for (TokenId t : fresh)
        text += decoder->add(t);
    if (done && decoder)
      text += decoder->finish();
    if (ok && (!fresh.empty() || !text.empty() || done))
      ok = w.sendEvent(dumpJson(envelope(json::array(
          {choice(text, fresh, done ? finishReasonName(reason) : nullptr)}))));
    if (!ok)
      ch->cancelled = true; // the engine aborts it at its next step
    if (done) {
      if (ok && c.includeUsage) {
        json u = envelope(json::array());
        u["usage"] = usage(sent);
        ok = w.sendEvent(dumpJson(u));
      }
      break;
    }
  }
  if (!ok)
    return false;
  if (!w.sendEvent("[DONE]"))
    return false;
  return w.endEvents();
}

} // namespace llmc::runtime::gen
