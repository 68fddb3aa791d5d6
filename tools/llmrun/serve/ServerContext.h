// ServerContext: what every endpoint handler of the HTTP server shares.
#ifndef LLMC_TOOLS_LLMRUN_SERVE_SERVERCONTEXT_H
#define LLMC_TOOLS_LLMRUN_SERVE_SERVERCONTEXT_H

#include "Server.h"
#include "serve/EngineThread.h"

#include "llmc/runtime/text/Tokenizer.h"

#include <atomic>
#include <cstdint>

namespace llmc::runtime::gen {

struct ServerContext {
  const ServerOptions &opts;
  EngineThread &engine;
  const text::Tokenizer *tokenizer; // null: text prompts are rejected
  int32_t vocab;
  std::atomic<uint64_t> nextId{0}; // response ids
};

} // namespace llmc::runtime::gen

#endif
