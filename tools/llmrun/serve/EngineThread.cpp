#include "serve/EngineThread.h"

#include "serve/Metrics.h"
#include "serve/RequestScope.h"

#include <iostream>

namespace llmc::runtime::gen {

Status EngineThread::init() {
  LLMC_RETURN_IF_ERROR(session_.init());
  maxContext_ = session_.scheduler().maxContext();
  return Status::success();
}

void EngineThread::start() {
  thread_ = std::thread([this] { loop(); });
}

void EngineThread::submit(GenerationRequest request,
                          std::shared_ptr<Channel> ch) {
  if (RequestScope *scope = RequestScope::current())
    scope->add(ch, static_cast<int64_t>(request.promptIds.size()));
  {
    std::lock_guard<std::mutex> l(m_);
    pending_.push_back({std::move(request), std::move(ch), Clock::now()});
  }
  cv_.notify_one();
}

int64_t EngineThread::queued() {
  std::lock_guard<std::mutex> l(m_);
  return static_cast<int64_t>(pending_.size()) + waiting_.load();
}

bool EngineThread::queueFull(int64_t maxQueue) {
  std::lock_guard<std::mutex> l(m_);
  int64_t waiting = static_cast<int64_t>(pending_.size()) + waiting_.load();
  bool wouldWait = waiting > 0 || running_.load() >= maxNumSeqs_;
  return wouldWait && waiting >= maxQueue;
}

void EngineThread::cancelAll() {
  {
    std::lock_guard<std::mutex> l(m_);
    cancelAll_ = true;
  }
  cv_.notify_one();
}

void EngineThread::stopAndJoin() {
  {
    std::lock_guard<std::mutex> l(m_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable())
    thread_.join();
}

void EngineThread::loop() {
  std::vector<StepToken> tokens;
  for (;;) {
    {
      std::unique_lock<std::mutex> l(m_);
      cv_.wait(l, [&] {
        return stop_ || !pending_.empty() || session_.hasUnfinished();
      });
      if (stop_ && pending_.empty() && !session_.hasUnfinished())
        return;
      // Added under the lock so that queued() never misses them.
      for (Job &j : pending_) {
        Live live{std::move(j.ch), j.arrival, j.arrival,
                  static_cast<int64_t>(j.request.promptIds.size()), 0};
        if (metrics_)
          metrics_->addPromptTokens(live.promptTokens);
        live_[session_.add(std::move(j.request))] = std::move(live);
      }
      pending_.clear();
      waiting_ = static_cast<int64_t>(session_.scheduler().numWaiting());
    }
    for (auto &[seq, live] : live_) {
      if (cancelAll_) {
        live.ch->cancelled = true;
        session_.abort(seq, "cancelled: the server is shutting down "
                            "(--drain-timeout passed)");
      } else if (live.ch->cancelled.load())
        session_.abort(seq, "cancelled: the client went away");
      else if (live.ch->stopRequested.load())
        session_.abort(seq, "stopped");
    }
    tokens.clear();
    Status st = session_.step(&tokens);
    if (!st.ok()) {
      std::cerr << "llmrun: error: " << st.message << "\n";
      for (auto &[seq, live] : live_)
        session_.abort(seq, st.message);
    }
    // Gauges first: a client that reads /metrics after its answer sees the
    // step that produced it.
    recordGauges();
    publishTokens(tokens);
    publishFinished();
  }
}

void EngineThread::recordGauges() {
  const Scheduler &s = session_.scheduler();
  waiting_ = static_cast<int64_t>(s.numWaiting());
  running_ = static_cast<int64_t>(s.numRunning());
  if (!metrics_)
    return;
  metrics_->setQueue(static_cast<int64_t>(s.numRunning()),
                     static_cast<int64_t>(s.numWaiting()), session_.kvUsage());
  if (s.numPreemptions() > preemptions_) {
    metrics_->addPreemptions(s.numPreemptions() - preemptions_);
    preemptions_ = s.numPreemptions();
  }
}

void EngineThread::publishTokens(const std::vector<StepToken> &tokens) {
  Clock::time_point now = Clock::now();
  for (const StepToken &t : tokens) {
    auto it = live_.find(t.seq);
    if (it == live_.end())
      continue;
    Live &live = it->second;
    if (metrics_) {
      std::chrono::duration<double> since = now - live.last;
      if (live.generated == 0)
        metrics_->observeFirstToken(since.count());
      else
        metrics_->observeInterToken(since.count());
      metrics_->addGenerationTokens(1);
    }
    live.last = now;
    ++live.generated;
    Channel &ch = *live.ch;
    const std::vector<GeneratedToken> &lp = session_.logprobs(t.seq);
    std::lock_guard<std::mutex> l(ch.m);
    ch.tokens.push_back(t.tokenId);
    if (ch.logprobs.size() < lp.size())
      ch.logprobs.push_back(lp[ch.logprobs.size()]);
    ch.cv.notify_all();
    if (ch.waker)
      ch.waker->notify();
  }
}

void EngineThread::publishFinished() {
  for (SeqId seq : session_.takeFinished()) {
    auto it = live_.find(seq);
    if (it == live_.end())
      continue;
    Live &live = it->second;
    Channel &ch = *live.ch;
    const Sequence &s = session_.sequence(seq);
    FinishReason reason = s.finishReason;
    std::string error = s.error;
    // An early stop the connection asked for is a normal "stop" finish.
    if (reason == FinishReason::Error && ch.stopRequested.load() &&
        !ch.cancelled.load() && error == "stopped") {
      reason = FinishReason::Stop;
      error.clear();
    }
    // Recorded before the handler wakes, so that a client that reads
    // /metrics after its answer sees its request counted.
    if (metrics_) {
      std::string name = finishReasonName(reason);
      if (reason == FinishReason::Error)
        name = ch.cancelled.load() ? "abort" : "error";
      std::chrono::duration<double> e2e = Clock::now() - live.arrival;
      metrics_->requestFinished(name, e2e.count(), live.promptTokens,
                                live.generated);
    }
    {
      std::lock_guard<std::mutex> l(ch.m);
      ch.tokens = s.outputIds;
      ch.reason = reason;
      ch.error = error;
      ch.done = true;
      ch.cv.notify_all();
      if (ch.waker)
        ch.waker->notify();
    }
    live_.erase(it);
    session_.release(seq);
  }
}

} // namespace llmc::runtime::gen
