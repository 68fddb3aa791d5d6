#include "serve/ChoiceStream.h"

#include <algorithm>
#include <chrono>

namespace llmc::runtime::gen {

int64_t codePoints(const std::string &s) {
  int64_t n = 0;
  for (unsigned char c : s)
    n += (c & 0xC0) != 0x80;
  return n;
}

ChoiceStream::ChoiceStream(const text::Tokenizer *tok,
                           const GenerationJob &job,
                           std::shared_ptr<Channel> ch, int64_t offsetBase)
    : job_(job), ch_(std::move(ch)), chars_(offsetBase) {
  if (tok) {
    decoder_.emplace(*tok);
    decoder_->prime(job.request.promptIds); // keeps the first piece's space
  }
  bool anyStop = std::any_of(job.stop.begin(), job.stop.end(),
                             [](const std::string &s) { return !s.empty(); });
  if (anyStop && tok)
    stop_.emplace(job.stop, job.includeStop);
}

bool ChoiceStream::poll(ChoiceDelta &d) {
  if (done_)
    return false;
  std::vector<TokenId> fresh;
  std::vector<GeneratedToken> lps;
  bool chDone;
  FinishReason reason;
  std::string error;
  {
    std::lock_guard<std::mutex> l(ch_->m);
    fresh.assign(ch_->tokens.begin() + static_cast<std::ptrdiff_t>(seen_),
                 ch_->tokens.end());
    for (size_t i = seen_; i < ch_->tokens.size() && i < ch_->logprobs.size();
         ++i)
      lps.push_back(ch_->logprobs[i]);
    seen_ = ch_->tokens.size();
    chDone = ch_->done;
    reason = ch_->reason;
    error = ch_->error;
  }
  if (fresh.empty() && !chDone)
    return false;
  if (chDone && reason == FinishReason::Error) {
    d.done = d.failed = true;
    d.error = error;
    done_ = true;
    return true;
  }
  for (size_t k = 0; k < fresh.size() && !done_; ++k)
    take(fresh[k], k < lps.size() ? &lps[k] : nullptr, d);
  if (chDone && !done_)
    finishFromChannel(reason, error, d);
  return true;
}

void ChoiceStream::take(TokenId t, const GeneratedToken *lp, ChoiceDelta &d) {
  std::string piece = decoder_ ? decoder_->add(t) : "";
  d.ids.push_back(t);
  d.offsets.push_back(chars_);
  if (lp && job_.topLogprobs >= 0)
    d.logprobs.push_back(*lp);
  chars_ += codePoints(piece);
  ++consumed_;
  last_ = t;
  if (!stop_) {
    d.text += piece;
    return;
  }
  d.text += stop_->add(piece);
  if (stop_->matched()) {
    // Done at once; the engine ends the request at its next step and frees
    // its KV blocks (tokens it samples meanwhile are dropped).
    ch_->stopRequested = true;
    d.done = done_ = true;
    d.finishReason = "stop";
    d.stopReason = stop_->matchedString();
  }
}

void ChoiceStream::finishFromChannel(FinishReason reason,
                                     const std::string &, ChoiceDelta &d) {
  std::string tail = decoder_ ? decoder_->finish() : "";
  if (stop_) {
    d.text += stop_->add(tail);
    if (stop_->matched()) {
      d.done = done_ = true;
      d.finishReason = "stop";
      d.stopReason = stop_->matchedString();
      return;
    }
    d.text += stop_->finish();
  } else {
    d.text += tail;
  }
  d.done = done_ = true;
  d.finishReason = finishReasonName(reason);
  const std::vector<TokenId> &ids = job_.request.params.stopTokenIds;
  if (reason == FinishReason::Stop &&
      std::find(ids.begin(), ids.end(), last_) != ids.end())
    d.stopReason = last_;
}

ChoiceSet::ChoiceSet(ServerContext &ctx, const GenerationJob &job,
                     const std::string &id, int64_t offsetBase)
    : waker_(std::make_shared<Waker>()) {
  for (int32_t i = 0; i < job.n; ++i) {
    GenerationRequest r = job.request;
    r.id = job.n == 1 ? id : id + "-" + std::to_string(i);
    if (r.params.hasSeed)
      r.params.seed += static_cast<uint64_t>(i);
    auto ch = std::make_shared<Channel>();
    ch->waker = waker_;
    choices_.push_back(
        std::make_unique<ChoiceStream>(ctx.tokenizer, job, ch, offsetBase));
    ctx.engine.submit(std::move(r), std::move(ch));
  }
}

ChoiceSet::~ChoiceSet() { cancel(); }

bool ChoiceSet::next(std::vector<ChoiceDelta> &deltas) {
  deltas.assign(choices_.size(), ChoiceDelta());
  for (;;) {
    uint64_t seen;
    {
      std::lock_guard<std::mutex> l(waker_->m);
      seen = waker_->count;
    }
    bool any = false, allDone = true;
    for (size_t i = 0; i < choices_.size(); ++i) {
      any |= choices_[i]->poll(deltas[i]);
      allDone &= choices_[i]->done();
    }
    if (any)
      return true;
    if (allDone)
      return false;
    // The timeout only bounds a missed wake-up; the engine notifies.
    std::unique_lock<std::mutex> l(waker_->m);
    waker_->cv.wait_for(l, std::chrono::milliseconds(100),
                        [&] { return waker_->count != seen; });
  }
}

void ChoiceSet::cancel() {
  for (auto &c : choices_)
    if (!c->done())
      c->channel().cancelled = true;
}

size_t ChoiceSet::completionTokens() const {
  size_t n = 0;
  for (const auto &c : choices_)
    n += c->completionTokens();
  return n;
}

} // namespace llmc::runtime::gen
