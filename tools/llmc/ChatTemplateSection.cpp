//===- ChatTemplateSection.cpp - `llmc compile --chat-template` -----------===//
// A broken template fails the compile (with the template's line), not the
// first chat request.
//===----------------------------------------------------------------------===//
#include "ChatTemplateSection.h"

#include "llmc/runtime/text/ChatTemplate.h"

#include <fstream>
#include <iostream>
#include <sstream>

namespace {

bool fail(const std::string &message) {
  std::cerr << "llmc: error: " << message << "\n";
  return false;
}

// tokenizer_config.json's "chat_template": a string, or named templates.
bool templateFromConfig(const nlohmann::json &config, const std::string &path,
                        std::string &source) {
  auto it = config.find("chat_template");
  if (it == config.end() || it->is_null())
    return fail(path + ": no \"chat_template\" in this tokenizer config");
  if (it->is_string()) {
    source = it->get<std::string>();
    return true;
  }
  if (it->is_array()) {
    std::string names;
    for (const nlohmann::json &t : *it) {
      if (!t.is_object() || !t.contains("name") || !t.contains("template") ||
          !t["name"].is_string() || !t["template"].is_string())
        return fail(path + ": \"chat_template\" list entries must be "
                           "{\"name\": ..., \"template\": ...}");
      std::string name = t["name"].get<std::string>();
      if (name == "default") {
        source = t["template"].get<std::string>();
        return true;
      }
      names += (names.empty() ? "" : ", ") + name;
    }
    return fail(path + ": \"chat_template\" has no template named \"default\" "
                       "(found: " + names + ")");
  }
  return fail(path + ": \"chat_template\" must be a string or a list of "
                     "named templates");
}

} // namespace

bool llmc::tool::checkChatTemplate(const std::string &source,
                                   const std::string &origin) {
  std::unique_ptr<llmc::runtime::text::ChatTemplate> parsed;
  llmc::runtime::Status st =
      llmc::runtime::text::ChatTemplate::parse(source, parsed);
  if (!st.ok())
    return fail(origin + ": " + st.message);
  return true;
}

bool llmc::tool::readChatTemplate(const std::string &path,
                                  std::string &source) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail("cannot read chat template '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  bool isJson = path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0;
  if (isJson) {
    nlohmann::json config = nlohmann::json::parse(text, nullptr, false);
    if (config.is_discarded() || !config.is_object())
      return fail(path + ": not a JSON object (a tokenizer_config.json was "
                         "expected)");
    if (!templateFromConfig(config, path, source))
      return false;
  } else {
    source = std::move(text);
  }
  if (source.empty())
    return fail(path + ": the chat template is empty");
  return checkChatTemplate(source, path);
}
