// llmrun's OpenAI-compatible HTTP server (docs/serving.md): one engine
// thread runs a GenerationSession continuously; HTTP connections (one thread
// each, Boost.Beast) submit requests to it and receive tokens back.
#ifndef LLMC_TOOLS_LLMRUN_SERVER_H
#define LLMC_TOOLS_LLMRUN_SERVER_H

#include "llmc/runtime/gen/GenerationLoop.h"
#include "llmc/runtime/text/Tokenizer.h"

#include <cstdint>
#include <functional>
#include <string>

namespace llmc::runtime::text {
class ChatTemplate;
} // namespace llmc::runtime::text

namespace llmc::runtime::gen {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8000;
  uint64_t maxRequestBytes = 1 << 20; // request bodies above: 413
  std::string modelId;                // /v1/models and "model"
  // The plan's chat template (/v1/chat/completions); null: that answers 400.
  const text::ChatTemplate *chatTemplate = nullptr;
  // Operations (docs/serving.md, "Operations").
  std::string apiKey;            // "": no authentication
  int64_t maxQueue = -1;         // waiting requests at most; < 0: no cap
  int64_t maxConnections = 4096; // more at once get 503
  double requestTimeout = 30;    // seconds for a request's headers and body
  double keepAliveTimeout = 5;   // seconds an idle connection stays open
  double sendTimeout = 30;       // seconds one write may block
  int64_t sendBufferBytes = 0;   // SO_SNDBUF per connection; 0: the kernel's
  double drainTimeout = 30;      // seconds SIGTERM waits for requests
  bool accessLog = true;         // one JSON line per request on stderr
  bool metricsVllmNames = false; // /metrics also under vllm: names
};

// What serving needs from the loaded plan; the loader keeps it alive.
struct ServedEngine {
  GenerationConfig config;
  StepExecutor *executor = nullptr;
  const text::Tokenizer *tokenizer = nullptr; // null: text prompts rejected
};
// Loads the plan; returns 0, or an exit status after printing the error.
using EngineLoader = std::function<int(ServedEngine &)>;

// Listens first, then runs `load` (the slow part: weights, kernels) while
// /health answers 503 "loading"; serves until SIGTERM or SIGINT, then stops
// accepting, finishes in-flight requests (cancelling what is left after
// drainTimeout) and returns 0 (1, or the loader's status, when it could not
// start).
int serve(const ServerOptions &options, const EngineLoader &load);
// The same with the plan already loaded.
int serve(const ServerOptions &options, const GenerationConfig &config,
          StepExecutor &executor, const text::Tokenizer *tokenizer);

} // namespace llmc::runtime::gen

#endif
