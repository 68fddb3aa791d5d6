// KV block bookkeeping: a free stack, ref counts and per-sequence tables.
#include "llmc/runtime/gen/KVBlockAllocator.h"

#include <cassert>

namespace llmc::runtime::gen {

KVBlockAllocator::KVBlockAllocator(int32_t numBlocks, int32_t pageSize)
    : numBlocks_(numBlocks < 0 ? 0 : numBlocks),
      pageSize_(pageSize < 1 ? 1 : pageSize), refs_(numBlocks_, 0) {
  free_.reserve(numBlocks_);
  // Pushed in reverse so block 0 is handed out first (deterministic tables).
  for (int32_t b = numBlocks_ - 1; b >= 0; --b)
    free_.push_back(b);
}

double KVBlockAllocator::usage() const {
  if (numBlocks_ == 0)
    return 0;
  return static_cast<double>(numBlocks_ - numFree()) / numBlocks_;
}

int32_t KVBlockAllocator::blocksNeeded(int64_t tokens) const {
  if (tokens <= 0)
    return 0;
  return static_cast<int32_t>((tokens + pageSize_ - 1) / pageSize_);
}

bool KVBlockAllocator::allocate(BlockId &out) {
  if (free_.empty())
    return false;
  out = free_.back();
  free_.pop_back();
  refs_[out] = 1;
  return true;
}

void KVBlockAllocator::incRef(BlockId block) {
  assert(block >= 0 && block < numBlocks_ && refs_[block] > 0);
  ++refs_[block];
}

void KVBlockAllocator::decRef(BlockId block) {
  assert(block >= 0 && block < numBlocks_ && refs_[block] > 0);
  if (--refs_[block] == 0)
    free_.push_back(block);
}

int32_t KVBlockAllocator::refCount(BlockId block) const {
  if (block < 0 || block >= numBlocks_)
    return 0;
  return refs_[block];
}

const std::vector<BlockId> &KVBlockAllocator::blockTable(SeqId seq) const {
  static const std::vector<BlockId> kEmpty;
  auto it = tables_.find(seq);
  return it == tables_.end() ? kEmpty : it->second;
}

int32_t KVBlockAllocator::extraBlocksNeeded(SeqId seq, int64_t tokens) const {
  int32_t have = static_cast<int32_t>(blockTable(seq).size());
  int32_t need = blocksNeeded(tokens);
  return need > have ? need - have : 0;
}

Status KVBlockAllocator::ensureCapacity(SeqId seq, int64_t tokens) {
  int32_t extra = extraBlocksNeeded(seq, tokens);
  if (extra > numFree())
    return Status::error("KV cache exhausted: sequence " + std::to_string(seq) +
                         " needs " + std::to_string(extra) + " more blocks, " +
                         std::to_string(numFree()) + " free");
  std::vector<BlockId> &table = tables_[seq];
  for (int32_t i = 0; i < extra; ++i) {
    BlockId b = 0;
    allocate(b);
    table.push_back(b);
  }
  return Status::success();
}

Status KVBlockAllocator::fork(SeqId parent, SeqId child) {
  if (!hasSequence(parent))
    return Status::error("fork: no sequence " + std::to_string(parent));
  if (hasSequence(child))
    return Status::error("fork: sequence " + std::to_string(child) +
                         " already has blocks");
  std::vector<BlockId> table = tables_[parent];
  for (BlockId b : table)
    incRef(b);
  tables_[child] = std::move(table);
  return Status::success();
}

void KVBlockAllocator::freeSequence(SeqId seq) {
  auto it = tables_.find(seq);
  if (it == tables_.end())
    return;
  // Released last-to-first so a sequence's first block is reused first.
  for (auto b = it->second.rbegin(); b != it->second.rend(); ++b)
    decRef(*b);
  tables_.erase(it);
}

} // namespace llmc::runtime::gen
