// KVBlockAllocator: hands out fixed-size blocks of the paged KV cache and
// keeps each sequence's block table. Pure bookkeeping; the memory lives in the executor.
#ifndef LLMC_RUNTIME_GEN_KVBLOCKALLOCATOR_H
#define LLMC_RUNTIME_GEN_KVBLOCKALLOCATOR_H

#include "llmc/runtime/Status.h"

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace llmc::runtime::gen {

using BlockId = int32_t;
using SeqId = int64_t;

class KVBlockAllocator {
public:
  // numBlocks >= 1 blocks of pageSize >= 1 token slots each.
  KVBlockAllocator(int32_t numBlocks, int32_t pageSize);

  int32_t numBlocks() const { return numBlocks_; }
  int32_t pageSize() const { return pageSize_; }
  int32_t numFree() const { return static_cast<int32_t>(free_.size()); }
  // Fraction of blocks in use, in [0, 1].
  double usage() const;
  // Blocks that hold `tokens` token slots: ceil(tokens / pageSize).
  int32_t blocksNeeded(int64_t tokens) const;

  // Single blocks. allocate() returns false when none is free; the block
  // starts with ref count 1 and returns to the free list when it drops to 0.
  bool allocate(BlockId &out);
  void incRef(BlockId block);
  void decRef(BlockId block);
  int32_t refCount(BlockId block) const;

  // Per-sequence block tables. A table grows block by block as its sequence
  // grows; blocks not yet in the table are allocated by ensureCapacity.
  const std::vector<BlockId> &blockTable(SeqId seq) const;
  // Extra blocks `seq` needs so its table covers `tokens` slots.
  int32_t extraBlocksNeeded(SeqId seq, int64_t tokens) const;
  // Grows the table to cover `tokens` slots; all or nothing (fails without
  // allocating when too few blocks are free).
  Status ensureCapacity(SeqId seq, int64_t tokens);
  // Shares every block of `parent` with `child` (ref counts +1); `child`
  // must have no table yet. For prefix sharing.
  Status fork(SeqId parent, SeqId child);
  // Drops the sequence's table and one reference to each of its blocks.
  void freeSequence(SeqId seq);
  bool hasSequence(SeqId seq) const { return tables_.count(seq) != 0; }

private:
  int32_t numBlocks_;
  int32_t pageSize_;
  std::vector<BlockId> free_; // stack; lowest ids handed out first
  std::vector<int32_t> refs_;
  std::unordered_map<SeqId, std::vector<BlockId>> tables_;
};

} // namespace llmc::runtime::gen

#endif
