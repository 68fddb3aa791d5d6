// ScheduledBatch: what one model step computes: a ragged batch of token
// chunks (prefill and decode mixed) with their KV block tables.
#ifndef LLMC_RUNTIME_GEN_SCHEDULEDBATCH_H
#define LLMC_RUNTIME_GEN_SCHEDULEDBATCH_H

#include "llmc/runtime/gen/KVBlockAllocator.h"
#include "llmc/runtime/gen/SamplingParams.h"

#include <cstdint>
#include <vector>

namespace llmc::runtime::gen {

struct ScheduledEntry {
  SeqId seqId = 0;
  // Position (index in the sequence) of tokens[0]; the chunk's KV goes to
  // slots [firstPosition, firstPosition + tokens.size()).
  int64_t firstPosition = 0;
  std::vector<TokenId> tokens; // the new tokens to feed (>= 1)
  // True when this chunk ends the known tokens: the step must return the
  // logits of its last position, from which the next token is sampled.
  bool sample = false;
};

struct ScheduledBatch {
  std::vector<ScheduledEntry> entries;
  // Per entry: its sequence's block table (covers contextLens[i] slots) and
  // the tokens in the cache after this step (firstPosition + tokens.size()).
  std::vector<std::vector<BlockId>> blockTables;
  std::vector<int64_t> contextLens;
  int32_t pageSize = 0;

  bool empty() const { return entries.empty(); }
  int64_t numTokens() const;
  int32_t numSampled() const;
  // Entries' tokens concatenated in entry order (the flattened step input).
  std::vector<TokenId> flatTokens() const;
};

} // namespace llmc::runtime::gen

#endif
