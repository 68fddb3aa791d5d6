// FakeExecutor: a StepExecutor with a real paged "KV cache" of tokens. Its
// logits depend on the context read back through the block tables, so wrong
// tables, positions or lost KV change the generated tokens.
#ifndef LLMC_RUNTIME_UNITTESTS_GEN_FAKEEXECUTOR_H
#define LLMC_RUNTIME_UNITTESTS_GEN_FAKEEXECUTOR_H

#include "llmc/runtime/gen/StepExecutor.h"

#include <set>
#include <string>
#include <vector>

namespace llmc::runtime::gen::test {

class FakeExecutor : public StepExecutor {
public:
  enum class Mode {
    Counting, // prefers (last token + 1) % V
    History,  // prefers a hash of the whole context and its length
  };

  FakeExecutor(int32_t vocab, int32_t pageSize, int32_t numBlocks,
               Mode mode = Mode::Counting)
      : vocab_(vocab), page_(pageSize), kv_(size_t(numBlocks) * pageSize, -1),
        mode_(mode) {}

  int32_t pageSize() const override { return page_; }
  int32_t vocabSize() const override { return vocab_; }

  Status execute(const ScheduledBatch &b,
                 std::vector<const float *> &rows) override {
    if (failAtStep >= 0 && steps == failAtStep)
      return Status::error("fake device failure");
    ++steps;
    maxStepTokens = std::max<int64_t>(maxStepTokens, b.numTokens());
    maxStepSeqs = std::max<int64_t>(maxStepSeqs, b.entries.size());
    std::set<BlockId> used; // a block belongs to one running sequence
    for (size_t i = 0; i < b.entries.size(); ++i)
      for (BlockId blk : b.blockTables[i])
        if (!used.insert(blk).second)
          return Status::error("block " + std::to_string(blk) +
                               " is in two tables");
    logits_.assign(size_t(b.numSampled()) * vocab_, 0.0f);
    rows.clear();
    for (size_t i = 0; i < b.entries.size(); ++i) {
      const ScheduledEntry &e = b.entries[i];
      const std::vector<BlockId> &table = b.blockTables[i];
      int64_t ctx = b.contextLens[i];
      if (ctx != e.firstPosition + int64_t(e.tokens.size()))
        return Status::error("bad context length");
      if (int64_t(table.size()) * page_ < ctx)
        return Status::error("block table too short");
      for (size_t t = 0; t < e.tokens.size(); ++t)
        slot(table, e.firstPosition + int64_t(t)) = e.tokens[t];
      if (!e.sample)
        continue;
      // Read the whole context back through the table.
      uint64_t h = 1469598103934665603ull;
      int32_t last = -1;
      for (int64_t p = 0; p < ctx; ++p) {
        last = slot(table, p);
        if (last < 0)
          return Status::error("unwritten KV slot read");
        h = (h ^ uint64_t(last + 1)) * 1099511628211ull;
      }
      int32_t pref = mode_ == Mode::Counting
                         ? (last + 1) % vocab_
                         : int32_t((h ^ uint64_t(ctx)) % uint64_t(vocab_));
      float *row = logits_.data() + rows.size() * vocab_;
      for (int32_t j = 0; j < vocab_; ++j)
        row[j] = -0.5f * float((j - pref + vocab_) % vocab_);
      rows.push_back(row);
    }
    return Status::success();
  }

  int64_t steps = 0;
  int64_t maxStepTokens = 0;
  int64_t maxStepSeqs = 0;
  int64_t failAtStep = -1;

private:
  int32_t &slot(const std::vector<BlockId> &table, int64_t pos) {
    return kv_[size_t(table[pos / page_]) * page_ + pos % page_];
  }

  int32_t vocab_;
  int32_t page_;
  std::vector<int32_t> kv_;
  Mode mode_;
  std::vector<float> logits_;
};

} // namespace llmc::runtime::gen::test

#endif
