// RenderChatMode: --render-chat. The context gets what apply_chat_template
// would give the template: add_generation_prompt (true unless the file says
// otherwise), tools and documents (null unless given) and bos_token/eos_token
// from the plan's tokenizer.
#include "RenderChatMode.h"

#include "llmc/runtime/PlanFormat.h"
#include "llmc/runtime/text/ChatTemplate.h"
#include "llmc/runtime/text/Tokenizer.h"

#include <fstream>
#include <iostream>
#include <sstream>

using namespace llmc::runtime;
using Json = nlohmann::ordered_json; // keeps key order, as Python dicts do

namespace {

int fail(const std::string &message) {
  std::cerr << "llmrun: error: " << message << "\n";
  return 1;
}

} // namespace

int llmc::tool::renderChatMode(const std::string &planPath,
                               const std::string &messagesFile) {
  std::ifstream in(messagesFile, std::ios::binary);
  if (!in)
    return fail("cannot read '" + messagesFile + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  Json input = Json::parse(ss.str(), nullptr, false);
  if (input.is_discarded() || !(input.is_array() || input.is_object()))
    return fail(messagesFile + ": expected a JSON array of messages or an "
                               "object with \"messages\"");
  Json context = input.is_array() ? Json{{"messages", input}} : input;
  if (!context.contains("messages"))
    return fail(messagesFile + ": no \"messages\"");
  if (!context.contains("add_generation_prompt"))
    context["add_generation_prompt"] = true;
  // transformers' apply_chat_template always passes these (None when the
  // caller has none), so `tools is defined` holds in templates.
  for (const char *key : {"tools", "documents"})
    if (!context.contains(key))
      context[key] = nullptr;

  std::unique_ptr<PlanFile> plan;
  Status st = PlanFile::open(planPath, plan);
  if (!st.ok())
    return fail(st.message);
  std::unique_ptr<text::ChatTemplate> tmpl;
  st = text::ChatTemplate::fromPlan(*plan, tmpl);
  if (!st.ok())
    return fail(st.message);
  if (text::Tokenizer::planHasTokenizer(*plan)) {
    std::unique_ptr<text::Tokenizer> tok;
    st = text::Tokenizer::fromPlan(*plan, tok);
    if (!st.ok())
      return fail(st.message);
    if (!context.contains("bos_token"))
      context["bos_token"] = tok->bosId() >= 0 ? tok->idToPiece(tok->bosId()) : "";
    if (!context.contains("eos_token"))
      context["eos_token"] = tok->eosId() >= 0 ? tok->idToPiece(tok->eosId()) : "";
  }
  std::string prompt;
  st = tmpl->render(context, prompt);
  if (!st.ok())
    return fail(messagesFile + ": " + st.message);
  std::cout << prompt << std::flush;
  return 0;
}
