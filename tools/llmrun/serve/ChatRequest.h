// Parsing and validation of a POST /v1/chat/completions body: the messages
// are rendered with the plan's chat template and encoded into the prompt of
// a GenerationJob (docs/serving.md lists the fields). Every problem is an
// ApiError naming the field.
#ifndef LLMC_TOOLS_LLMRUN_SERVE_CHATREQUEST_H
#define LLMC_TOOLS_LLMRUN_SERVE_CHATREQUEST_H

#include "serve/ApiError.h"
#include "serve/RequestFields.h"

#include "llmc/runtime/text/ChatTemplate.h"
#include "llmc/runtime/text/Tokenizer.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>

namespace llmc::runtime::gen {

// The plan's chat template for the server; `out` stays null when the plan
// has none.
Status loadChatTemplate(const PlanFile &plan,
                        std::unique_ptr<text::ChatTemplate> &out);

struct ChatCompletion {
  GenerationJob job;
  std::string prompt; // the rendered template
};

class ChatParser {
public:
  // `chatTemplate` and `tokenizer` may be null (the request is then a 400).
  ChatParser(const nlohmann::json &body, const std::string &modelId,
             const text::Tokenizer *tokenizer,
             const text::ChatTemplate *chatTemplate, int64_t maxContext)
      : b_(body), f_(body), modelId_(modelId), tok_(tokenizer),
        template_(chatTemplate), maxContext_(maxContext) {}

  std::optional<ApiError> parse(ChatCompletion &out);

private:
  std::optional<ApiError> checkUnsupported();
  std::optional<ApiError> readLogprobs(GenerationJob &job);
  std::optional<ApiError> readMessages(nlohmann::json &messages);
  std::optional<ApiError> render(const nlohmann::json &messages,
                                 std::string &prompt);
  std::optional<ApiError> encode(ChatCompletion &out);

  const nlohmann::json &b_;
  FieldReader f_;
  const std::string &modelId_;
  const text::Tokenizer *tok_;
  const text::ChatTemplate *template_;
  int64_t maxContext_;
};

} // namespace llmc::runtime::gen

#endif
