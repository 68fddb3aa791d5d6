// llmrun's OpenAI-compatible HTTP server (docs/serving.md): one engine
// thread runs a GenerationSession continuously; HTTP connections (one thread
// each, Boost.Beast) submit requests to it and receive tokens back.
#ifndef LLMC_TOOLS_LLMRUN_SERVER_H
#define LLMC_TOOLS_LLMRUN_SERVER_H

#include "llmc/runtime/gen/GenerationLoop.h"
#include "llmc/runtime/text/Tokenizer.h"

#include <cstdint>
#include <string>

namespace llmc::runtime::gen {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8000;
  uint64_t maxRequestBytes = 1 << 20; // request bodies above: 413
  std::string modelId;                // /v1/models and "model"
};

// Serves until SIGTERM or SIGINT, then stops accepting, finishes in-flight
// requests and returns 0 (1 when it could not start). `tokenizer` may be
// null: text prompts are then rejected.
int serve(const ServerOptions &options, const GenerationConfig &config,
          StepExecutor &executor, const text::Tokenizer *tokenizer);

} // namespace llmc::runtime::gen

#endif
