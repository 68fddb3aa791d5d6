// EngineThread: the one thread that owns the GenerationSession of the HTTP
// server (docs/serving.md) and steps it while anything is unfinished.
// Connection threads submit requests with a Channel and read tokens back
// from it; new requests join at the next step (continuous batching).
#ifndef LLMC_TOOLS_LLMRUN_SERVE_ENGINETHREAD_H
#define LLMC_TOOLS_LLMRUN_SERVE_ENGINETHREAD_H

#include "llmc/runtime/gen/GenerationLoop.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace llmc::runtime::gen {

// What a connection thread and the engine thread share for one request.
// The engine fills it under `m` and notifies `cv`.
struct Channel {
  std::mutex m;
  std::condition_variable cv;
  std::vector<TokenId> tokens;          // generated so far
  std::vector<GeneratedToken> logprobs; // one per token when asked
  bool done = false;
  FinishReason reason = FinishReason::None;
  std::string error;
  // Set by the connection side; the engine acts at its next step and frees
  // the request's KV blocks.
  std::atomic<bool> cancelled{false};     // client went away: ends with Error
  std::atomic<bool> stopRequested{false}; // e.g. a stop string: ends with Stop
};

class EngineThread {
public:
  EngineThread(const GenerationConfig &config, StepExecutor &executor)
      : session_(config, executor) {}

  Status init();
  int64_t maxContext() const { return maxContext_; }

  void start();
  void submit(GenerationRequest request, std::shared_ptr<Channel> ch);
  // Finishes what was submitted, then ends the thread.
  void stopAndJoin();

private:
  struct Job {
    GenerationRequest request;
    std::shared_ptr<Channel> ch;
  };

  void loop();
  void publishTokens(const std::vector<StepToken> &tokens);
  void publishFinished();

  GenerationSession session_;
  int64_t maxContext_ = 0;
  std::thread thread_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<Job> pending_;
  bool stop_ = false;
  std::map<SeqId, std::shared_ptr<Channel>> live_; // engine thread only
};

} // namespace llmc::runtime::gen

#endif
