// RequestScope: what the connection layer learns about the request its
// thread is handling, without the endpoint handlers' help:
// EngineThread::submit records each channel into the calling thread's scope,
// so the connection layer can cancel them when the client goes away
// (docs/serving.md) and log the request's token counts.
#ifndef LLMC_TOOLS_LLMRUN_SERVE_REQUESTSCOPE_H
#define LLMC_TOOLS_LLMRUN_SERVE_REQUESTSCOPE_H

#include "serve/EngineThread.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace llmc::runtime::gen {

class RequestScope {
public:
  // Becomes the current scope of this thread until destroyed.
  RequestScope();
  ~RequestScope();
  RequestScope(const RequestScope &) = delete;
  RequestScope &operator=(const RequestScope &) = delete;

  // The calling thread's scope, or null.
  static RequestScope *current();

  void add(std::shared_ptr<Channel> ch, int64_t promptTokens);
  // The client is gone: cancels every channel, including later ones.
  // Any thread.
  void cancel();
  bool cancelled() const;
  int64_t promptTokens() const;
  int64_t completionTokens() const;

private:
  RequestScope *previous_;
  mutable std::mutex m_;
  std::vector<std::shared_ptr<Channel>> channels_;
  int64_t promptTokens_ = 0;
  bool cancelled_ = false;
};

} // namespace llmc::runtime::gen

#endif
