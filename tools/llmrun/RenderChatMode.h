// llmrun PLAN --render-chat MESSAGES.json: prints the prompt the plan's chat
// template makes of a conversation (docs/chat-templates.md). A debugging aid:
// no model is loaded.
#ifndef LLMC_TOOLS_LLMRUN_RENDERCHATMODE_H
#define LLMC_TOOLS_LLMRUN_RENDERCHATMODE_H

#include <string>

namespace llmc::tool {

// `messagesFile` holds a JSON array of messages, or an object that is the
// whole template context ({"messages": [...], "tools": [...],
// "add_generation_prompt": false, ...}). Returns the exit status.
int renderChatMode(const std::string &plan, const std::string &messagesFile);

} // namespace llmc::tool

#endif
