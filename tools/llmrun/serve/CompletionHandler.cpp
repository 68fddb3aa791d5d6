#include "serve/CompletionHandler.h"

#include "serve/ChoiceResponse.h"
#include "serve/CompletionRequest.h"
#include "serve/LogprobsJson.h"

#include <optional>
#include <vector>

namespace llmc::runtime::gen {

using json = nlohmann::json;

bool handleCompletion(ServerContext &ctx, const std::string &rawBody,
                      ResponseWriter &w) {
  json body;
  if (std::optional<ApiError> e = parseJsonBody(rawBody, body))
    return w.sendError(*e);
  Completion c;
  CompletionParser parser(body, ctx.opts.modelId, ctx.tokenizer, ctx.vocab,
                          ctx.engine.maxContext());
  if (std::optional<ApiError> e = parser.parse(c))
    return w.sendError(*e);
  const GenerationJob &job = c.job;
  std::string echo = c.echo ? c.echoText : "";

  auto choice = [&](size_t index, const std::string &text,
                    const ChoiceDelta &d) {
    json ch = {{"index", static_cast<int>(index)},
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

  ChoiceFormat format;
  format.idPrefix = "cmpl-";
  format.object = format.chunkObject = "text_completion";
  format.offsetBase = codePoints(echo);
  format.whole = [&](size_t i, const ChoiceDelta &d) {
    return choice(i, echo + d.text, d);
  };
  // Streamed, the echo goes before each choice's first text.
  std::vector<bool> started(static_cast<size_t>(job.n), false);
  format.chunk = [&](size_t i, const ChoiceDelta &d) -> std::optional<json> {
    if (d.empty())
      return std::nullopt;
    std::string text = started[i] ? d.text : echo + d.text;
    started[i] = true;
    return choice(i, text, d);
  };
  return answerChoices(ctx, job, format, w);
}

} // namespace llmc::runtime::gen
