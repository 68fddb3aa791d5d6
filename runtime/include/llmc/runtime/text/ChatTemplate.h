// ChatTemplate: renders a Hugging Face chat template (the Jinja source of
// tokenizer_config.json's "chat_template") into a prompt string, as
// transformers' apply_chat_template does (trim_blocks and lstrip_blocks on).
// Plans carry the template in the "chat_template" section (raw UTF-8 Jinja
// source), written by `llmc compile --chat-template FILE` or taken from the
// tokenizer_config.json beside a tokenizer.json (docs/chat-templates.md).
#ifndef LLMC_RUNTIME_TEXT_CHATTEMPLATE_H
#define LLMC_RUNTIME_TEXT_CHATTEMPLATE_H

#include "llmc/runtime/PlanFormat.h"
#include "llmc/runtime/Status.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace llmc::runtime::text {

// Name of the plan section holding the chat template's Jinja source.
constexpr const char *kChatTemplateSectionName = "chat_template";

class ChatTemplate {
public:
  ~ChatTemplate();
  // Parses the Jinja source; a syntax error or an unsupported construct is a
  // one-line error naming the line and what was found.
  static Status parse(std::string_view source,
                      std::unique_ptr<ChatTemplate> &out);
  // The plan's "chat_template" section; its absence is an error.
  static Status fromPlan(const PlanFile &plan,
                         std::unique_ptr<ChatTemplate> &out);
  static bool planHasChatTemplate(const PlanFile &plan);

  // Renders with `context` as the template's variables, usually
  //   {"messages": [{"role": ..., "content": ...}, ...],
  //    "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>"}
  // plus anything else the caller passes (e.g. "tools"). A template error at
  // render time (raise_exception(...), a type error) is a one-line error.
  Status render(const nlohmann::json &context, std::string &out) const;
  // The same with the context's key order kept: nlohmann::json sorts object
  // keys, while Python dicts (and so `tojson` and `.items()` in templates)
  // keep insertion order. Parse requests with ordered_json for identical
  // output when a template prints tool schemas.
  Status render(const nlohmann::ordered_json &context, std::string &out) const;

  const std::string &source() const;

  struct Impl;

private:
  ChatTemplate() = default;
  std::unique_ptr<Impl> impl_;
};

} // namespace llmc::runtime::text

#endif // LLMC_RUNTIME_TEXT_CHATTEMPLATE_H
