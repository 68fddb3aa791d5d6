// llmrun --perplexity: scores every token of a text with a sliding window
// through the generation step executor (docs/accuracy.md).
//
// The windowing is that of scripts/kjv/evaluate.py: windows of `context`
// tokens with `stride`; window k covers [k*stride, min(k*stride + context,
// N)) and the windows stop after the first one that reaches N. Each window
// is an independent pass from position 0. Window 0 scores the targets
// [1, e_0); window k > 0 scores [b_k + context - stride, e_k). Every token
// but t_0 is scored once; NLL = -log softmax(logits at j-1)[t_j], summed in
// double.
//
// Each window runs as ordinary ScheduledBatches of one sequence: the prefix
// whose logits are not needed goes in as a chunk without a sampled row, and
// every position whose logits are needed is its own one-token entry with
// sample = true. Entries of the same sequence in one step share its block
// table; the step appends all its K/V before attention (docs/kv-cache.md),
// so each token sees exactly positions 0..its own.
#ifndef LLMC_TOOLS_LLMRUN_PERPLEXITY_H
#define LLMC_TOOLS_LLMRUN_PERPLEXITY_H

#include "llmc/runtime/Status.h"
#include "llmc/runtime/gen/StepExecutor.h"
#include "llmc/runtime/text/Tokenizer.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmc::runtime::gen {

struct PerplexityWindow {
  int64_t begin = 0, end = 0; // tokens [begin, end)
  int64_t firstScored = 0;    // targets [firstScored, end) are scored
};

// The windows of scripts/kjv/evaluate.py for n >= 2 tokens, context >= 2
// and 1 <= stride < context (empty otherwise: with stride == context a
// window's first target would need the logits of the position before the
// window).
std::vector<PerplexityWindow> perplexityWindows(int64_t n, int64_t context,
                                                int64_t stride);

struct PerplexityOptions {
  int64_t context = 256;
  int64_t stride = 128;
  int32_t maxNumTokens = 0; // tokens per step (> 0)
  int32_t maxEntries = 0;   // entries (= sampled rows at most) per step (> 0)
  int32_t numKvBlocks = 0;  // blocks the executor's cache has (> 0)
};

struct PerplexityResult {
  int64_t tokens = 0;
  int64_t scored = 0;
  double sumNll = 0; // natural log
  int64_t windows = 0;
  int64_t steps = 0;
  double seconds = 0;
  double meanNll() const { return scored ? sumNll / double(scored) : 0.0; }
  double perplexity() const;
};

// Scores `tokens` (all inside the executor's vocabulary) as described
// above. The context must fit the model: positions up to context - 2 are
// fed, in ceil((context - 1) / page) blocks (blocks 0.. of the cache).
Status scorePerplexity(StepExecutor &executor,
                       const std::vector<TokenId> &tokens,
                       const PerplexityOptions &options,
                       PerplexityResult &result);

// The token stream of a text file: with `lineEos`, each line (without its
// '\n' or "\r\n") is encoded on its own and followed by `eos` (a last line
// without '\n' counts, a final '\n' starts no extra line); without it the
// whole text is encoded as one string.
Status encodeForPerplexity(const text::Tokenizer &tokenizer,
                           std::string_view text, bool lineEos, TokenId eos,
                           std::vector<TokenId> &ids);

} // namespace llmc::runtime::gen

#endif
