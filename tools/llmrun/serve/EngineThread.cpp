#include "serve/EngineThread.h"

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
  {
    std::lock_guard<std::mutex> l(m_);
    pending_.push_back({std::move(request), std::move(ch)});
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
    std::deque<Job> jobs;
    {
      std::unique_lock<std::mutex> l(m_);
      cv_.wait(l, [&] {
        return stop_ || !pending_.empty() || session_.hasUnfinished();
      });
      if (stop_ && pending_.empty() && !session_.hasUnfinished())
        return;
      jobs.swap(pending_);
    }
    for (Job &j : jobs)
      live_[session_.add(std::move(j.request))] = std::move(j.ch);
    for (auto &[seq, ch] : live_) {
      if (ch->cancelled.load())
        session_.abort(seq, "cancelled: the client went away");
      else if (ch->stopRequested.load())
        session_.abort(seq, "stopped");
    }
    tokens.clear();
    Status st = session_.step(&tokens);
    if (!st.ok()) {
      std::cerr << "llmrun: error: " << st.message << "\n";
      for (auto &[seq, ch] : live_)
        session_.abort(seq, st.message);
    }
    publishTokens(tokens);
    publishFinished();
  }
}

void EngineThread::publishTokens(const std::vector<StepToken> &tokens) {
  for (const StepToken &t : tokens) {
    auto it = live_.find(t.seq);
    if (it == live_.end())
      continue;
    Channel &ch = *it->second;
    const std::vector<GeneratedToken> &lp = session_.logprobs(t.seq);
    std::lock_guard<std::mutex> l(ch.m);
    ch.tokens.push_back(t.tokenId);
    if (ch.logprobs.size() < lp.size())
      ch.logprobs.push_back(lp[ch.logprobs.size()]);
    ch.cv.notify_all();
  }
}

void EngineThread::publishFinished() {
  for (SeqId seq : session_.takeFinished()) {
    auto it = live_.find(seq);
    if (it == live_.end())
      continue;
    Channel &ch = *it->second;
    const Sequence &s = session_.sequence(seq);
    {
      std::lock_guard<std::mutex> l(ch.m);
      ch.tokens = s.outputIds;
      ch.reason = s.finishReason;
      ch.error = s.error;
      // An early stop the connection asked for is a normal "stop" finish.
      if (ch.reason == FinishReason::Error && ch.stopRequested.load() &&
          !ch.cancelled.load() && s.error == "stopped") {
        ch.reason = FinishReason::Stop;
        ch.error.clear();
      }
      ch.done = true;
      ch.cv.notify_all();
    }
    live_.erase(it);
    session_.release(seq);
  }
}

} // namespace llmc::runtime::gen
