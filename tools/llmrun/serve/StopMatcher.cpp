#include "serve/StopMatcher.h"

#include <algorithm>

namespace llmc::runtime::gen {

StopMatcher::StopMatcher(std::vector<std::string> stops, bool includeStop)
    : include_(includeStop) {
  for (std::string &s : stops)
    if (!s.empty())
      stops_.push_back(std::move(s));
}

std::string StopMatcher::add(const std::string &text) {
  if (matched_)
    return "";
  pending_ += text;
  // The earliest match wins (a longer string on a tie): what is cut is
  // then the same however the text was split into pieces.
  size_t best = std::string::npos;
  for (const std::string &s : stops_) {
    size_t at = pending_.find(s);
    if (at != std::string::npos &&
        (at < best || (at == best && s.size() > matched_->size()))) {
      best = at;
      matched_ = &s;
    }
  }
  if (matched_) {
    std::string out =
        pending_.substr(0, best + (include_ ? matched_->size() : 0));
    pending_.clear();
    return out;
  }
  // Keep the longest tail that a stop string starts with. Stop strings are
  // valid UTF-8, so the tail starts on a character boundary.
  size_t keep = 0;
  for (const std::string &s : stops_) {
    size_t most = std::min(s.size() - 1, pending_.size());
    for (size_t k = most; k > keep; --k)
      if (pending_.compare(pending_.size() - k, k, s, 0, k) == 0) {
        keep = k;
        break;
      }
  }
  std::string out = pending_.substr(0, pending_.size() - keep);
  pending_.erase(0, pending_.size() - keep);
  return out;
}

std::string StopMatcher::finish() {
  std::string out;
  out.swap(pending_);
  return out;
}

} // namespace llmc::runtime::gen
