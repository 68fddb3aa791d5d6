//===- ChatTemplateSection.h - `llmc compile --chat-template` ---*- C++ -*-===//
// Reads a chat template for the plan's "chat_template" section and checks
// that it parses (docs/chat-templates.md).
//===----------------------------------------------------------------------===//
#ifndef LLMC_TOOLS_LLMC_CHATTEMPLATESECTION_H
#define LLMC_TOOLS_LLMC_CHATTEMPLATESECTION_H

#include <string>

namespace llmc::tool {

// `path` is a Jinja template (chat_template.jinja or any text file) or a
// tokenizer_config.json, whose "chat_template" is a string or a list of
// {"name", "template"} (the one named "default" is taken). The source must
// parse. Prints the one-line error to stderr; false on error.
bool readChatTemplate(const std::string &path, std::string &source);

// Parses `source` (from `origin`, for the message); prints the one-line
// error and returns false when it does not parse.
bool checkChatTemplate(const std::string &source, const std::string &origin);

} // namespace llmc::tool

#endif
