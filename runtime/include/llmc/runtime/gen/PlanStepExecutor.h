// PlanStepExecutor: the StepExecutor of a compiled generation plan
// (generation.step = "paged-v1", docs/kv-cache.md). It knows no model: it
// fills the fixed step inputs of the smallest fitting token bucket (program
// step_n<N>) from a ScheduledBatch, runs it and returns the logits rows.
#ifndef LLMC_RUNTIME_GEN_PLANSTEPEXECUTOR_H
#define LLMC_RUNTIME_GEN_PLANSTEPEXECUTOR_H

#include "llmc/runtime/Runtime.h"
#include "llmc/runtime/gen/GenerationMetadata.h"
#include "llmc/runtime/gen/StepExecutor.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llmc::runtime::gen {

class PlanStepExecutor : public StepExecutor {
public:
  // One token bucket: program step_n<N> and its input extents.
  struct Bucket {
    std::string program;         // "step_n16"
    int32_t numTokens = 0;       // N: token_ids [1, N]
    int32_t maxSeqs = 0;         // B: block_tables rows
    int32_t maxSampled = 0;      // M: sample_index, logits rows
    int64_t runs = 0;            // execute() calls that used this bucket
  };

  // Discovers the buckets, checks every step_n<N> program against the
  // paged-v1 contract and sizes the KV cache to `kvBlocks` blocks (0: the
  // plan's generation.kv_blocks_max, also the maximum). `engine` must
  // outlive the executor, which selects programs on it.
  static Status create(Engine &engine, const GenerationMetadata &meta,
                       int32_t kvBlocks, std::unique_ptr<PlanStepExecutor> &out);

  int32_t pageSize() const override { return pageSize_; }
  int32_t vocabSize() const override { return vocab_; }
  // Runs the smallest bucket with N >= tokens, B >= entries and M >= sampled
  // rows; padding tokens get slot -1. Rows point into the engine's logits
  // output (or a copy) and stay valid until the next execute().
  Status execute(const ScheduledBatch &batch,
                 std::vector<const float *> &logitsRows) override;

  int32_t maxNumTokens() const;  // the largest bucket's N
  int32_t maxBatch() const;      // most sequences one step can hold
  int32_t kvBlocksMax() const { return kvBlocksMax_; }
  int32_t numKvBlocks() const { return numKvBlocks_; }
  int32_t maxBlocksPerSeq() const { return maxBlocksPerSeq_; }
  // Longest sequence a step can address (max_blocks_per_seq * page size,
  // capped by generation.max_model_len when the plan gives it).
  int64_t maxModelLen() const;
  // Ascending by N.
  const std::vector<Bucket> &buckets() const { return buckets_; }

private:
  explicit PlanStepExecutor(Engine &engine) : engine_(engine) {}
  Status addBucket(const plan::Program &program, int32_t n);
  Status fill(const ScheduledBatch &batch, const Bucket &bucket);

  Engine &engine_;
  int32_t pageSize_ = 0;
  int32_t vocab_ = 0;
  int32_t maxBlocksPerSeq_ = 0;
  int32_t kvBlocksMax_ = 0;
  int32_t numKvBlocks_ = 0;
  int32_t metaMaxBatch_ = 0;
  int64_t metaMaxModelLen_ = 0;
  std::vector<Bucket> buckets_;
  // The six step inputs, reused across steps (copied to the device as is).
  std::vector<int64_t> tokenIds_, positions_, slots_, tokenSeq_, tables_,
      sampleIndex_;
  Tensor logitsCopy_; // only when the device is not host-addressable
};

} // namespace llmc::runtime::gen

#endif
