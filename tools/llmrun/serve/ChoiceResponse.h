// The flow /v1/completions and /v1/chat/completions share once a request
// is parsed: submit its n choices, then answer with one JSON object
// (usage included) or with server-sent events ending in usage and [DONE].
// Each endpoint supplies only how its choices look (ChoiceFormat).
#ifndef LLMC_TOOLS_LLMRUN_SERVE_CHOICERESPONSE_H
#define LLMC_TOOLS_LLMRUN_SERVE_CHOICERESPONSE_H

#include "serve/ApiError.h"
#include "serve/ChoiceStream.h"
#include "serve/RequestFields.h"
#include "serve/ResponseWriter.h"
#include "serve/ServerContext.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>

namespace llmc::runtime::gen {

// The request body as JSON; a 400 "invalid_json" when it is not.
std::optional<ApiError> parseJsonBody(const std::string &raw,
                                      nlohmann::json &body);

struct ChoiceFormat {
  const char *idPrefix;    // "cmpl-", "chatcmpl-"
  const char *object;      // the whole answer's "object"
  const char *chunkObject; // each stream chunk's "object"
  int64_t offsetBase = 0;  // characters before the output (ChoiceSet)
  // Choice i of the whole answer, from all of its deltas added up.
  std::function<nlohmann::json(size_t i, const ChoiceDelta &all)> whole;
  // Choice i of a stream chunk; nullopt when the delta has nothing to show.
  std::function<std::optional<nlohmann::json>(size_t i, const ChoiceDelta &d)>
      chunk;
  // Optional: choice i of a chunk sent before any output (chat's role).
  std::function<nlohmann::json(size_t i)> opening;
};

// Runs `job` and answers it in `format`. Returns false when the connection
// must close (the client is gone).
bool answerChoices(ServerContext &ctx, const GenerationJob &job,
                   const ChoiceFormat &format, ResponseWriter &w);

} // namespace llmc::runtime::gen

#endif
