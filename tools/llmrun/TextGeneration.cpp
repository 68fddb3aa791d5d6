#include "TextGeneration.h"

#include <chrono>

namespace llmc::runtime::gen {

Status generateStreaming(const GenerationConfig &config, StepExecutor &executor,
                         const text::Tokenizer &tokenizer,
                         GenerationRequest request,
                         const std::function<void(const std::string &)> &onText,
                         StreamedGeneration &result) {
  auto start = std::chrono::steady_clock::now();
  result = StreamedGeneration();
  LLMC_RETURN_IF_ERROR(config.scheduler.validate());
  int32_t vocab = executor.vocabSize();
  if (vocab < 1 || executor.pageSize() < 1 || config.numKvBlocks < 1)
    return Status::error("the step executor has an empty vocabulary, page or "
                         "KV cache");
  KVBlockAllocator alloc(config.numKvBlocks, executor.pageSize());
  Scheduler sched(config.scheduler, alloc);
  Sampler sampler(vocab);
  Rng rng(request.params.hasSeed ? request.params.seed
                                 : mixSeed(config.baseSeed));
  text::StreamDecoder stream(tokenizer);
  stream.prime(request.promptIds);
  std::string bad;
  for (TokenId t : request.promptIds)
    if (bad.empty() && (t < 0 || t >= vocab))
      bad = "prompt token id " + std::to_string(t) +
            " is outside the model's vocabulary (size " +
            std::to_string(vocab) + ")";
  SeqId id = sched.addRequest(std::move(request));
  if (!bad.empty())
    sched.abort(id, bad);

  size_t shown = 0;
  std::vector<const float *> rows;
  std::vector<TokenId> sampled;
  SampleOutput out;
  int64_t step = 0;
  while (sched.hasUnfinished()) {
    ScheduledBatch batch = sched.schedule();
    if (batch.empty())
      return Status::error("internal error: the scheduler planned an empty "
                           "step");
    rows.clear();
    Status st = executor.execute(batch, rows);
    if (!st.ok())
      return Status::error("step " + std::to_string(step) + ": " + st.message);
    if (static_cast<int32_t>(rows.size()) != batch.numSampled())
      return Status::error("step " + std::to_string(step) +
                           ": the executor returned " +
                           std::to_string(rows.size()) + " logits rows for " +
                           std::to_string(batch.numSampled()) +
                           " sampled sequences");
    sampled.clear();
    for (const ScheduledEntry &e : batch.entries) {
      if (!e.sample)
        continue;
      const Sequence &s = sched.sequence(e.seqId);
      st = sampler.sample(rows[sampled.size()], s.request.params,
                          s.request.promptIds, s.outputIds, rng, out);
      if (!st.ok()) {
        sched.abort(e.seqId, st.message);
        sampled.push_back(0);
        continue;
      }
      sampled.push_back(out.tokenId);
    }
    LLMC_RETURN_IF_ERROR(sched.onStepResult(batch, sampled));
    ++step;
    const Sequence &s = sched.sequence(id);
    for (; shown < s.outputIds.size(); ++shown) {
      std::string piece = stream.add(s.outputIds[shown]);
      if (!piece.empty())
        onText(piece);
    }
  }
  std::string rest = stream.finish();
  if (!rest.empty())
    onText(rest);
  const Sequence &s = sched.sequence(id);
  result.outputIds = s.outputIds;
  result.finishReason = s.finishReason;
  result.error = s.error;
  result.seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  return Status::success();
}

} // namespace llmc::runtime::gen
