// ScheduledBatch helpers: totals and the flattened token list.
#include "llmc/runtime/gen/ScheduledBatch.h"

namespace llmc::runtime::gen {

int64_t ScheduledBatch::numTokens() const {
  int64_t n = 0;
  for (const ScheduledEntry &e : entries)
    n += static_cast<int64_t>(e.tokens.size());
  return n;
}

int32_t ScheduledBatch::numSampled() const {
  int32_t n = 0;
  for (const ScheduledEntry &e : entries)
    n += e.sample ? 1 : 0;
  return n;
}

std::vector<TokenId> ScheduledBatch::flatTokens() const {
  std::vector<TokenId> flat;
  flat.reserve(static_cast<size_t>(numTokens()));
  for (const ScheduledEntry &e : entries)
    flat.insert(flat.end(), e.tokens.begin(), e.tokens.end());
  return flat;
}

} // namespace llmc::runtime::gen
