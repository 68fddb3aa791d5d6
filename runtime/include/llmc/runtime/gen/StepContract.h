// StepContract: the names of the paged-v1 generation step (docs/kv-cache.md),
// shared by the compiler that produces the step programs
// (llm-paged-kv-cache, llmc compile) and the runtime that fills them
// (PlanStepExecutor). Header-only, no dependencies.
#ifndef LLMC_RUNTIME_GEN_STEPCONTRACT_H
#define LLMC_RUNTIME_GEN_STEPCONTRACT_H

namespace llmc::runtime::gen {

// Programs "step_n<N>", one per token bucket N.
constexpr const char *kStepProgramPrefix = "step_n";
// Inputs (int64) and the output of every step program.
constexpr const char *kStepTokenIds = "token_ids";       // [1, N]
constexpr const char *kStepPositions = "positions";      // [1, N]
constexpr const char *kStepSlotMapping = "slot_mapping"; // [N]
constexpr const char *kStepTokenSeq = "token_seq";       // [N]
constexpr const char *kStepBlockTables = "block_tables"; // [B, max blocks]
constexpr const char *kStepSampleIndex = "sample_index"; // [M]
constexpr const char *kStepLogits = "logits";            // [1, M, vocab]
// The STATE buffer of the paged cache and the symbol of its leading dim.
constexpr const char *kStepKvCache = "kv_cache";
constexpr const char *kStepKvBlocksSymbol = "kv_blocks";

} // namespace llmc::runtime::gen

#endif
