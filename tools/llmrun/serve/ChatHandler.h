// POST /v1/chat/completions: validates the body, renders the messages with
// the plan's chat template, runs the n choices and answers with one
// chat.completion or with chat.completion.chunk events (docs/serving.md).
#ifndef LLMC_TOOLS_LLMRUN_SERVE_CHATHANDLER_H
#define LLMC_TOOLS_LLMRUN_SERVE_CHATHANDLER_H

#include "serve/ResponseWriter.h"
#include "serve/ServerContext.h"

#include <string>

namespace llmc::runtime::gen {

// `body` is the raw request body. Returns false when the connection must
// close (the client is gone).
bool handleChatCompletion(ServerContext &ctx, const std::string &body,
                          ResponseWriter &w);

} // namespace llmc::runtime::gen

#endif
