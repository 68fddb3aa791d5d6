// POST /tokenize and POST /detokenize, as vLLM's (docs/serving.md): text to
// the plan tokenizer's ids and back. 400 when the plan has no tokenizer.
#ifndef LLMC_TOOLS_LLMRUN_SERVE_TOKENIZEHANDLER_H
#define LLMC_TOOLS_LLMRUN_SERVE_TOKENIZEHANDLER_H

#include "serve/ResponseWriter.h"
#include "serve/ServerContext.h"

#include <string>

namespace llmc::runtime::gen {

// `body` is the raw request body. Return false when the client is gone.
bool handleTokenize(ServerContext &ctx, const std::string &body,
                    ResponseWriter &w);
bool handleDetokenize(ServerContext &ctx, const std::string &body,
                      ResponseWriter &w);

} // namespace llmc::runtime::gen

#endif
