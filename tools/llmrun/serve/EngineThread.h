// EngineThread: the one thread that owns the GenerationSession of the HTTP
// server (docs/serving.md) and steps it while anything is unfinished.
// Connection threads submit requests with a Channel and read tokens back
// from it; new requests join at the next step (continuous batching).
#ifndef LLMC_TOOLS_LLMRUN_SERVE_ENGINETHREAD_H
#define LLMC_TOOLS_LLMRUN_SERVE_ENGINETHREAD_H

#include "llmc/runtime/gen/GenerationLoop.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace llmc::runtime::gen {

// Wakes a handler that waits on several channels at once (n > 1 choices):
// the engine bumps `count` after every channel update.
struct Waker {
  std::mutex m;
  std::condition_variable cv;
  uint64_t count = 0;
  void notify() {
    {
      std::lock_guard<std::mutex> l(m);
      ++count;
    }
    cv.notify_all();
  }
};

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
  std::shared_ptr<Waker> waker;           // optional; set before submit()
};

class Metrics;

class EngineThread {
public:
  EngineThread(const GenerationConfig &config, StepExecutor &executor)
      : session_(config, executor),
        maxNumSeqs_(config.scheduler.maxNumSeqs) {}

  Status init();
  int64_t maxContext() const { return maxContext_; }

  // Optional; set before start(). The engine records queue gauges after
  // each step and per-request token counts and latencies.
  void setMetrics(Metrics *metrics) { metrics_ = metrics; }

  void start();
  // Also records `ch` into the calling thread's RequestScope, if any.
  void submit(GenerationRequest request, std::shared_ptr<Channel> ch);
  // Requests submitted but not yet running (the scheduler's waiting queue
  // and those not yet handed to it). Any thread.
  int64_t queued();
  // Whether a new request would have to wait behind `maxQueue` or more
  // waiting ones (it would wait: something waits, or the batch is full).
  bool queueFull(int64_t maxQueue);
  // Cancels every request, submitted or running (the drain timeout).
  void cancelAll();
  // Finishes what was submitted, then ends the thread.
  void stopAndJoin();

private:
  using Clock = std::chrono::steady_clock;
  struct Job {
    GenerationRequest request;
    std::shared_ptr<Channel> ch;
    Clock::time_point arrival;
  };
  struct Live {
    std::shared_ptr<Channel> ch;
    Clock::time_point arrival, last;
    int64_t promptTokens = 0;
    int64_t generated = 0;
  };

  void loop();
  void publishTokens(const std::vector<StepToken> &tokens);
  void publishFinished();
  void recordGauges();

  GenerationSession session_;
  int64_t maxContext_ = 0;
  std::thread thread_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<Job> pending_;
  bool stop_ = false;
  std::atomic<bool> cancelAll_{false};
  int64_t maxNumSeqs_;
  // The scheduler's counts after the last step (waiting_ also after adds).
  std::atomic<int64_t> waiting_{0}, running_{0};
  Metrics *metrics_ = nullptr;
  int64_t preemptions_ = 0;  // already counted in metrics_
  std::map<SeqId, Live> live_; // engine thread only
};

} // namespace llmc::runtime::gen

#endif
