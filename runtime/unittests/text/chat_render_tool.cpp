// llmc_chat_render: test driver of the chat-template renderer
// (test/chat/check_chat_templates.py). Reads one JSON object from stdin,
//   {"template": SOURCE, "contexts": [CONTEXT, ...]}
// and prints {"parse_error": MSG} or {"results": [{"text": T} | {"error": E}]}.
// Object key order is kept (ordered_json), as Python dicts keep it.
#include "llmc/runtime/text/ChatTemplate.h"

#include <iostream>
#include <iterator>

using llmc::runtime::Status;
using llmc::runtime::text::ChatTemplate;
using Json = nlohmann::ordered_json;

int main() {
  std::string input((std::istreambuf_iterator<char>(std::cin)),
                    std::istreambuf_iterator<char>());
  Json request = Json::parse(input, nullptr, false);
  if (request.is_discarded() || !request.contains("template")) {
    std::cerr << "llmc_chat_render: stdin is not {\"template\", \"contexts\"}\n";
    return 2;
  }
  Json reply = Json::object();
  std::unique_ptr<ChatTemplate> tmpl;
  Status st = ChatTemplate::parse(request["template"].get<std::string>(), tmpl);
  if (!st.ok()) {
    reply["parse_error"] = st.message;
  } else {
    reply["results"] = Json::array();
    for (const Json &ctx : request["contexts"]) {
      std::string out;
      st = tmpl->render(ctx, out);
      Json r = Json::object();
      if (st.ok())
        r["text"] = out;
      else
        r["error"] = st.message;
      reply["results"].push_back(r);
    }
  }
  std::cout << reply.dump(-1, ' ', false, Json::error_handler_t::replace)
            << "\n";
  return 0;
}
