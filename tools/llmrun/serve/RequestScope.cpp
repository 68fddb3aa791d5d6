#include "serve/RequestScope.h"

namespace llmc::runtime::gen {
namespace {
thread_local RequestScope *tlsScope = nullptr;
} // namespace

RequestScope::RequestScope() : previous_(tlsScope) { tlsScope = this; }
RequestScope::~RequestScope() { tlsScope = previous_; }
RequestScope *RequestScope::current() { return tlsScope; }

void RequestScope::add(std::shared_ptr<Channel> ch, int64_t promptTokens) {
  std::lock_guard<std::mutex> l(m_);
  if (cancelled_)
    ch->cancelled = true;
  channels_.push_back(std::move(ch));
  promptTokens_ += promptTokens;
}

void RequestScope::cancel() {
  std::lock_guard<std::mutex> l(m_);
  cancelled_ = true;
  for (auto &ch : channels_)
    ch->cancelled = true;
}

bool RequestScope::cancelled() const {
  std::lock_guard<std::mutex> l(m_);
  return cancelled_;
}

int64_t RequestScope::promptTokens() const {
  std::lock_guard<std::mutex> l(m_);
  return promptTokens_;
}

int64_t RequestScope::completionTokens() const {
  std::lock_guard<std::mutex> l(m_);
  int64_t n = 0;
  for (auto &ch : channels_) {
    std::lock_guard<std::mutex> cl(ch->m);
    n += static_cast<int64_t>(ch->tokens.size());
  }
  return n;
}

} // namespace llmc::runtime::gen
