// POST /v1/completions: validates the body, submits the request to the
// engine thread and answers with one JSON completion or with server-sent
// events as tokens arrive (docs/serving.md).
#ifndef LLMC_TOOLS_LLMRUN_SERVE_COMPLETIONHANDLER_H
#define LLMC_TOOLS_LLMRUN_SERVE_COMPLETIONHANDLER_H

#include "serve/ResponseWriter.h"
#include "serve/ServerContext.h"

#include <string>

namespace llmc::runtime::gen {

// `body` is the raw request body. Returns false when the connection must
// close (the client is gone).
bool handleCompletion(ServerContext &ctx, const std::string &body,
                      ResponseWriter &w);

} // namespace llmc::runtime::gen

#endif
