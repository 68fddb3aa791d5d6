// PlanStepExecutor: binds a ScheduledBatch to the paged-v1 step inputs of a
// generation plan (docs/kv-cache.md) and runs the smallest fitting bucket.
#include "llmc/runtime/gen/PlanStepExecutor.h"
#include "llmc/runtime/gen/StepContract.h"

#include <algorithm>
#include <cstring>
#include <set>

namespace llmc::runtime::gen {
namespace {

// N of a program named step_n<N>; 0 for any other name.
int32_t bucketTokens(const std::string &name) {
  size_t len = std::strlen(kStepProgramPrefix);
  if (name.compare(0, len, kStepProgramPrefix) != 0 || name.size() == len ||
      name.size() > len + 9 ||
      name.find_first_not_of("0123456789", len) != std::string::npos ||
      name[len] == '0')
    return 0;
  return static_cast<int32_t>(std::stol(name.substr(len)));
}

std::vector<int64_t> shapeOf(const plan::TensorDesc &d) {
  std::vector<int64_t> s;
  for (const plan::Dim &dim : d.dims())
    s.push_back(dim.value()); // the engine verified every dim is static
  return s;
}

const plan::TensorDesc *
findDesc(const google::protobuf::RepeatedPtrField<plan::TensorDesc> &list,
         const std::string &name) {
  for (const plan::TensorDesc &d : list)
    if (d.name() == name)
      return &d;
  return nullptr;
}

} // namespace

Status PlanStepExecutor::create(Engine &engine, const GenerationMetadata &meta,
                                int32_t kvBlocks,
                                std::unique_ptr<PlanStepExecutor> &out) {
  if (meta.step != kStepPagedV1)
    return Status::error(std::string("generation plan step '") + meta.step +
                         "' is not supported by this runtime (supported: " +
                         kStepPagedV1 + ")");
  if (meta.pageSize < 1 || meta.kvBlocksMax < 1)
    return Status::error(std::string("a ") + kStepPagedV1 +
                         " plan needs the metadata '" + kMetaPageSize +
                         "' and '" + kMetaKvBlocksMax + "'");
  std::unique_ptr<PlanStepExecutor> ex(new PlanStepExecutor(engine));
  ex->pageSize_ = meta.pageSize;
  ex->kvBlocksMax_ = meta.kvBlocksMax;
  ex->metaMaxBatch_ = meta.maxBatch;
  ex->metaMaxModelLen_ = meta.maxModelLen;

  const PlanHeader &h = engine.header();
  for (const plan::Program &p : h.programs())
    if (int32_t n = bucketTokens(p.name()))
      LLMC_RETURN_IF_ERROR(ex->addBucket(p, n));
  if (ex->buckets_.empty())
    return Status::error(std::string("generation plan has no ") +
                         kStepProgramPrefix + "<N> program");
  std::sort(ex->buckets_.begin(), ex->buckets_.end(),
            [](const Bucket &a, const Bucket &b) {
              return a.numTokens < b.numTokens;
            });
  if (meta.maxNumTokens > 0 && meta.maxNumTokens != ex->maxNumTokens())
    return Status::error(std::string("plan metadata '") + kMetaMaxNumTokens +
                         "' is " + std::to_string(meta.maxNumTokens) +
                         " but the largest bucket is " +
                         ex->buckets_.back().program);

  // The cache: STATE buffers whose dims[0] is the (one) block-count symbol.
  std::set<std::string> symbols;
  for (const plan::Buffer &b : h.buffers())
    if (b.kind() == plan::STATE && b.dims_size() > 0 &&
        b.dims(0).kind_case() == plan::Dim::kSymbol)
      symbols.insert(b.dims(0).symbol());
  if (symbols.size() != 1)
    return Status::error(
        "a " + std::string(kStepPagedV1) +
        " plan needs STATE buffers with exactly one symbolic block count as "
        "dimension 0 (the KV cache); found " +
        std::to_string(symbols.size()));
  if (kvBlocks < 0 || kvBlocks > ex->kvBlocksMax_)
    return Status::error("KV cache of " + std::to_string(kvBlocks) +
                         " blocks: must be between 1 and the plan's " +
                         kMetaKvBlocksMax + " (" +
                         std::to_string(ex->kvBlocksMax_) + ")");
  ex->numKvBlocks_ = kvBlocks ? kvBlocks : ex->kvBlocksMax_;
  LLMC_RETURN_IF_ERROR(
      engine.setStateExtent(*symbols.begin(), ex->numKvBlocks_));
  out = std::move(ex);
  return Status::success();
}

Status PlanStepExecutor::addBucket(const plan::Program &p, int32_t n) {
  auto fail = [&](const std::string &what) {
    return Status::error("program '" + p.name() + "': " + what);
  };
  static const char *const kInputs[] = {kStepTokenIds,  kStepPositions,   kStepSlotMapping,
                                        kStepTokenSeq,  kStepBlockTables, kStepSampleIndex};
  for (const plan::TensorDesc &d : p.inputs()) {
    if (std::find_if(std::begin(kInputs), std::end(kInputs), [&](const char *k) {
          return d.name() == k;
        }) == std::end(kInputs))
      return fail("input '" + d.name() + "' is not a " + kStepPagedV1 +
                  " step input");
    if (d.dtype() != plan::INT64)
      return fail("input '" + d.name() + "' must be int64, got " +
                  dtypeName(d.dtype()));
  }
  std::vector<std::vector<int64_t>> shapes;
  for (const char *name : kInputs) {
    const plan::TensorDesc *d = findDesc(p.inputs(), name);
    if (!d)
      return fail(std::string("missing input '") + name + "'");
    shapes.push_back(shapeOf(*d));
  }
  const plan::TensorDesc *logits = findDesc(p.outputs(), kStepLogits);
  if (!logits)
    return fail(std::string("missing output '") + kStepLogits + "'");
  std::vector<int64_t> ls = shapeOf(*logits);

  const std::vector<int64_t> &bt = shapes[4], &si = shapes[5];
  int64_t N = n, B = bt.size() == 2 ? bt[0] : 0, MB = bt.size() == 2 ? bt[1] : 0,
          M = si.size() == 1 ? si[0] : 0;
  auto expect = [&](const std::string &name, DType dtype,
                    const std::vector<int64_t> &want,
                    const std::vector<int64_t> &got) {
    return fail("'" + name + "' must be " + typeString(dtype, want) +
                ", got " + typeString(dtype, got));
  };
  if (shapes[0] != std::vector<int64_t>{1, N})
    return expect(kStepTokenIds, plan::INT64, {1, N}, shapes[0]);
  if (shapes[1] != std::vector<int64_t>{1, N})
    return expect(kStepPositions, plan::INT64, {1, N}, shapes[1]);
  if (shapes[2] != std::vector<int64_t>{N})
    return expect(kStepSlotMapping, plan::INT64, {N}, shapes[2]);
  if (shapes[3] != std::vector<int64_t>{N})
    return expect(kStepTokenSeq, plan::INT64, {N}, shapes[3]);
  if (B < 1 || MB < 1 || B > N || MB > INT32_MAX)
    return fail(std::string("'") + kStepBlockTables +
                "' must be int64[B, max_blocks_per_seq] with 1 <= B <= " +
                std::to_string(N) + ", got " + typeString(plan::INT64, bt));
  if (M < 1 || M > N)
    return fail(std::string("'") + kStepSampleIndex + "' must be int64[M] with 1 "
                "<= M <= " + std::to_string(N) + ", got " +
                typeString(plan::INT64, si));
  if (logits->dtype() != plan::FLOAT || ls.size() != 3 || ls[0] != 1 ||
      ls[1] != M || ls[2] < 1 || ls[2] > INT32_MAX)
    return fail(std::string("output '") + kStepLogits + "' must be float32[1," +
                std::to_string(M) + ",vocab], got " +
                typeString(logits->dtype(), ls));
  if (!buckets_.empty() && (ls[2] != vocab_ || MB != maxBlocksPerSeq_))
    return fail("vocabulary " + std::to_string(ls[2]) + " and " +
                std::to_string(MB) + " blocks per sequence differ from '" +
                buckets_[0].program + "' (" + std::to_string(vocab_) + ", " +
                std::to_string(maxBlocksPerSeq_) + ")");
  for (const Bucket &b : buckets_)
    if (b.numTokens == n)
      return fail("duplicate bucket of " + std::to_string(n) + " tokens");
  vocab_ = static_cast<int32_t>(ls[2]);
  maxBlocksPerSeq_ = static_cast<int32_t>(MB);
  Bucket b;
  b.program = p.name();
  b.numTokens = n;
  b.maxSeqs = static_cast<int32_t>(B);
  b.maxSampled = static_cast<int32_t>(M);
  buckets_.push_back(b);
  return Status::success();
}

int32_t PlanStepExecutor::maxNumTokens() const {
  return buckets_.back().numTokens;
}

int32_t PlanStepExecutor::maxBatch() const {
  // The largest bucket must take any step the scheduler plans.
  const Bucket &big = buckets_.back();
  int32_t most = std::min(big.maxSeqs, big.maxSampled);
  return metaMaxBatch_ > 0 ? std::min(most, metaMaxBatch_) : most;
}

int64_t PlanStepExecutor::maxModelLen() const {
  // The last token is never fed, so a table of MB blocks serves MB*page + 1.
  int64_t len = int64_t(maxBlocksPerSeq_) * pageSize_ + 1;
  return metaMaxModelLen_ > 0 ? std::min(len, metaMaxModelLen_) : len;
}

Status PlanStepExecutor::fill(const ScheduledBatch &batch, const Bucket &bk) {
  const size_t N = bk.numTokens, B = bk.maxSeqs, M = bk.maxSampled,
               MB = maxBlocksPerSeq_;
  tokenIds_.assign(N, 0);
  positions_.assign(N, 0);
  slots_.assign(N, -1); // padding: the kernels write no KV
  tokenSeq_.assign(N, 0);
  tables_.assign(B * MB, 0);
  sampleIndex_.assign(M, 0);
  size_t n = 0, s = 0;
  for (size_t i = 0; i < batch.entries.size(); ++i) {
    const ScheduledEntry &e = batch.entries[i];
    const std::vector<BlockId> &table = batch.blockTables[i];
    // Built only on the error paths: this runs for every entry of every step.
    auto what = [i] { return "entry " + std::to_string(i) + ": "; };
    if (table.size() > MB)
      return Status::error(what() + "block table of " +
                           std::to_string(table.size()) +
                           " blocks exceeds the plan's " + std::to_string(MB));
    for (size_t j = 0; j < table.size(); ++j) {
      if (table[j] < 0 || table[j] >= numKvBlocks_)
        return Status::error(what() + "block " + std::to_string(table[j]) +
                             " is outside the cache (" +
                             std::to_string(numKvBlocks_) + " blocks)");
      tables_[i * MB + j] = table[j];
    }
    if (e.tokens.empty() || e.firstPosition < 0)
      return Status::error(what() + "no tokens or a negative position");
    for (size_t t = 0; t < e.tokens.size(); ++t, ++n) {
      int64_t pos = e.firstPosition + static_cast<int64_t>(t);
      size_t block = static_cast<size_t>(pos / pageSize_);
      if (block >= table.size() || pos >= maxModelLen())
        return Status::error(what() + "position " + std::to_string(pos) +
                             " is beyond its block table (" +
                             std::to_string(table.size()) +
                             " blocks) or the model length");
      if (e.tokens[t] < 0 || e.tokens[t] >= vocab_)
        return Status::error(what() + "token id " + std::to_string(e.tokens[t]) +
                             " is outside the vocabulary");
      tokenIds_[n] = e.tokens[t];
      positions_[n] = pos;
      slots_[n] = int64_t(table[block]) * pageSize_ + pos % pageSize_;
      tokenSeq_[n] = static_cast<int64_t>(i);
    }
    if (e.sample)
      sampleIndex_[s++] = static_cast<int64_t>(n - 1);
  }
  struct Input {
    const char *name;
    const std::vector<int64_t> &data;
    std::vector<int64_t> shape;
  } inputs[] = {
      {kStepTokenIds, tokenIds_, {1, int64_t(N)}},
      {kStepPositions, positions_, {1, int64_t(N)}},
      {kStepSlotMapping, slots_, {int64_t(N)}},
      {kStepTokenSeq, tokenSeq_, {int64_t(N)}},
      {kStepBlockTables, tables_, {int64_t(B), int64_t(MB)}},
      {kStepSampleIndex, sampleIndex_, {int64_t(M)}},
  };
  for (const Input &in : inputs)
    LLMC_RETURN_IF_ERROR(engine_.setInputData(in.name, plan::INT64, in.shape,
                                              in.data.data(),
                                              in.data.size() * sizeof(int64_t)));
  return Status::success();
}

Status PlanStepExecutor::execute(const ScheduledBatch &batch,
                                 std::vector<const float *> &logitsRows) {
  logitsRows.clear();
  if (batch.empty())
    return Status::success();
  if (batch.blockTables.size() != batch.entries.size())
    return Status::error("batch has " +
                         std::to_string(batch.blockTables.size()) +
                         " block tables for " +
                         std::to_string(batch.entries.size()) + " entries");
  if (batch.pageSize != 0 && batch.pageSize != pageSize_)
    return Status::error("batch page size " + std::to_string(batch.pageSize) +
                         " differs from the plan's " +
                         std::to_string(pageSize_));
  const int64_t tokens = batch.numTokens();
  const int64_t seqs = static_cast<int64_t>(batch.entries.size());
  const int32_t sampled = batch.numSampled();
  Bucket *bucket = nullptr;
  for (Bucket &b : buckets_)
    if (b.numTokens >= tokens && b.maxSeqs >= seqs && b.maxSampled >= sampled) {
      bucket = &b;
      break;
    }
  if (!bucket) {
    const Bucket &big = buckets_.back();
    return Status::error(
        "a step of " + std::to_string(tokens) + " tokens, " +
        std::to_string(seqs) + " sequences and " + std::to_string(sampled) +
        " sampled rows fits no bucket (largest: " + big.program + ", " +
        std::to_string(big.maxSeqs) + " sequences, " +
        std::to_string(big.maxSampled) + " rows)");
  }
  LLMC_RETURN_IF_ERROR(engine_.selectProgram(bucket->program));
  LLMC_RETURN_IF_ERROR(fill(batch, *bucket));
  LLMC_RETURN_IF_ERROR(engine_.run());
  ++bucket->runs;

  const void *data = nullptr;
  size_t bytes = 0;
  Status st = engine_.outputData(kStepLogits, data, bytes);
  if (!st.ok()) { // not host-addressable: copy
    LLMC_RETURN_IF_ERROR(engine_.getOutput(kStepLogits, logitsCopy_));
    data = logitsCopy_.data.data();
  }
  const float *rows = static_cast<const float *>(data);
  for (int32_t i = 0; i < sampled; ++i)
    logitsRows.push_back(rows + size_t(i) * vocab_);
  return Status::success();
}

} // namespace llmc::runtime::gen
