// Sampler: vLLM V1 semantics on one logits row, in double precision.
// Random sampling draws one uniform number and walks the CDF in token id
// order, so the result depends only on this request's RNG state.
#include "llmc/runtime/gen/Sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace llmc::runtime::gen {

namespace {
constexpr double kNegInf = -std::numeric_limits<double>::infinity();
} // namespace

Sampler::Sampler(int32_t vocabSize)
    : vocab_(vocabSize < 1 ? 1 : vocabSize), x_(vocab_), counts_(vocab_, 0),
      inPrompt_(vocab_, 0) {}

// vLLM apply_penalties: repetition divides positive / multiplies negative
// logits of tokens seen in prompt or output; frequency subtracts
// count * penalty and presence subtracts penalty, for output tokens only.
void Sampler::applyPenalties(const SamplingParams &p,
                             const std::vector<TokenId> &promptIds,
                             const std::vector<TokenId> &outputIds) {
  bool rep = p.repetitionPenalty != 1.0f;
  if (!rep && p.presencePenalty == 0.0f && p.frequencyPenalty == 0.0f)
    return;
  touched_.clear();
  for (TokenId t : outputIds) {
    if (counts_[t] == 0 && !inPrompt_[t])
      touched_.push_back(t);
    ++counts_[t];
  }
  if (rep)
    for (TokenId t : promptIds) {
      if (counts_[t] == 0 && !inPrompt_[t])
        touched_.push_back(t);
      inPrompt_[t] = 1;
    }
  for (TokenId t : touched_) {
    double &v = x_[t];
    if (rep)
      v = v > 0 ? v / p.repetitionPenalty : v * p.repetitionPenalty;
    v -= static_cast<double>(p.frequencyPenalty) * counts_[t];
    if (counts_[t] > 0)
      v -= p.presencePenalty;
    counts_[t] = 0;
    inPrompt_[t] = 0;
  }
}

// vLLM: drop tokens with prob < min_p * max prob, i.e. x < max + log(min_p).
void Sampler::applyMinP(double minP) {
  double m = *std::max_element(x_.begin(), x_.end());
  double cut = m + std::log(minP);
  for (double &v : x_)
    if (v < cut)
      v = kNegInf;
}

// vLLM: keep logits >= the k-th largest (ties at the boundary survive).
void Sampler::applyTopK(int32_t k) {
  order_.clear();
  for (int32_t i = 0; i < vocab_; ++i)
    if (x_[i] != kNegInf)
      order_.push_back(i);
  if (static_cast<int32_t>(order_.size()) <= k)
    return;
  std::nth_element(order_.begin(), order_.begin() + (k - 1), order_.end(),
                   [&](int32_t a, int32_t b) { return x_[a] > x_[b]; });
  double kth = x_[order_[k - 1]];
  for (double &v : x_)
    if (v < kth)
      v = kNegInf;
}

// vLLM sorts ascending and drops the tokens whose ascending cumulative
// probability is <= 1 - p, always keeping the best. Equivalently a token
// survives iff the mass of the tokens ranked above it is < p, so only the
// head needs sorting: partial sorts of a growing prefix (LLM distributions
// are peaked; full vocabulary sorts would dominate a step). Among equal
// logits the lower id ranks first, for determinism.
void Sampler::applyTopP(double p) {
  order_.clear();
  for (int32_t i = 0; i < vocab_; ++i)
    if (x_[i] != kNegInf)
      order_.push_back(i);
  if (order_.empty())
    return;
  auto better = [&](int32_t a, int32_t b) {
    return x_[a] != x_[b] ? x_[a] > x_[b] : a < b;
  };
  const size_t n = order_.size();
  double m = *std::max_element(x_.begin(), x_.end()), total = 0;
  for (int32_t i : order_)
    total += std::exp(x_[i] - m);
  size_t sorted = 0, keep = n;
  double above = 0; // mass ranked above order_[j]
  for (size_t j = 0; j < n; ++j) {
    if (j == sorted) {
      size_t next = std::min(n, std::max<size_t>(64, 4 * sorted));
      std::partial_sort(order_.begin() + sorted, order_.begin() + next,
                        order_.end(), better);
      sorted = next;
    }
    if (j > 0 && !(above < p)) {
      keep = j;
      break;
    }
    above += std::exp(x_[order_[j]] - m) / total;
  }
  for (size_t j = keep; j < n; ++j)
    x_[order_[j]] = kNegInf;
}

void Sampler::rawLogprobs(const float *logits, int32_t n, TokenId sampled,
                          SampleOutput &out) {
  double m = kNegInf;
  for (int32_t i = 0; i < vocab_; ++i)
    m = std::max(m, static_cast<double>(logits[i]));
  double sum = 0;
  for (int32_t i = 0; i < vocab_; ++i)
    sum += std::exp(static_cast<double>(logits[i]) - m);
  double lse = m + std::log(sum);
  out.logprob = static_cast<float>(logits[sampled] - lse);
  n = std::min(n, vocab_);
  order_.resize(vocab_);
  for (int32_t i = 0; i < vocab_; ++i)
    order_[i] = i;
  std::partial_sort(order_.begin(), order_.begin() + n, order_.end(),
                    [&](int32_t a, int32_t b) {
                      return logits[a] != logits[b] ? logits[a] > logits[b]
                                                    : a < b;
                    });
  for (int32_t j = 0; j < n; ++j)
    out.topLogprobs.push_back(
        {order_[j], static_cast<float>(logits[order_[j]] - lse)});
}

Status Sampler::sample(const float *logits, const SamplingParams &p,
                       const std::vector<TokenId> &promptIds,
                       const std::vector<TokenId> &outputIds, Rng &rng,
                       SampleOutput &out) {
  for (const std::vector<TokenId> *ids : {&promptIds, &outputIds})
    for (TokenId t : *ids)
      if (t < 0 || t >= vocab_)
        return Status::error("token id " + std::to_string(t) +
                             " is outside the vocabulary (size " +
                             std::to_string(vocab_) + ")");
  for (int32_t i = 0; i < vocab_; ++i) {
    if (std::isnan(logits[i]))
      return Status::error("logits contain NaN (token " + std::to_string(i) +
                           ")");
    x_[i] = logits[i];
  }
  applyPenalties(p, promptIds, outputIds);

  TokenId token = 0;
  if (p.greedy()) {
    // First maximum: ties go to the lowest id (like torch.argmax).
    for (int32_t i = 1; i < vocab_; ++i)
      if (x_[i] > x_[token])
        token = i;
  } else {
    double invT = 1.0 / p.temperature;
    for (double &v : x_)
      v *= invT;
    if (p.minP > 0)
      applyMinP(p.minP);
    if (p.topK > 0 && p.topK < vocab_)
      applyTopK(p.topK);
    if (p.topP < 1)
      applyTopP(p.topP);
    double m = *std::max_element(x_.begin(), x_.end());
    if (!std::isfinite(m))
      return Status::error("no token left to sample (all logits are -inf)");
    double total = 0;
    for (double v : x_)
      total += std::exp(v - m);
    double u = rng.uniform() * total, cum = 0;
    token = -1;
    TokenId lastLive = 0;
    for (int32_t i = 0; i < vocab_ && token < 0; ++i) {
      if (x_[i] == kNegInf)
        continue;
      lastLive = i;
      cum += std::exp(x_[i] - m);
      if (cum > u)
        token = i;
    }
    if (token < 0)
      token = lastLive; // rounding left u at the very end of the CDF
  }
  out.tokenId = token;
  out.logprob = 0;
  out.topLogprobs.clear();
  if (p.logprobs >= 0)
    rawLogprobs(logits, p.logprobs, token, out);
  return Status::success();
}

} // namespace llmc::runtime::gen
