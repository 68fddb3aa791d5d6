#include "Perplexity.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

namespace llmc::runtime::gen {

double PerplexityResult::perplexity() const { return std::exp(meanNll()); }

std::vector<PerplexityWindow> perplexityWindows(int64_t n, int64_t context,
                                                int64_t stride) {
  std::vector<PerplexityWindow> out;
  if (n < 2 || context < 2 || stride < 1 || stride >= context)
    return out;
  for (int64_t b = 0;; b += stride) {
    PerplexityWindow w;
    w.begin = b;
    w.end = std::min(b + context, n);
    w.firstScored = b == 0 ? 1 : b + context - stride;
    out.push_back(w);
    if (w.end == n)
      return out;
  }
}

namespace {

// -log softmax(row)[target], in double.
double negLogProb(const float *row, int32_t vocab, TokenId target) {
  double mx = -std::numeric_limits<double>::infinity();
  for (int32_t v = 0; v < vocab; ++v)
    mx = std::max(mx, double(row[v]));
  double sum = 0;
  for (int32_t v = 0; v < vocab; ++v)
    sum += std::exp(double(row[v]) - mx);
  return std::log(sum) - (double(row[target]) - mx);
}

} // namespace

Status scorePerplexity(StepExecutor &executor,
                       const std::vector<TokenId> &tokens,
                       const PerplexityOptions &o, PerplexityResult &result) {
  auto start = std::chrono::steady_clock::now();
  result = PerplexityResult();
  result.tokens = static_cast<int64_t>(tokens.size());
  const int32_t vocab = executor.vocabSize(), page = executor.pageSize();
  if (tokens.size() < 2)
    return Status::error("the text has " + std::to_string(tokens.size()) +
                         " token(s); perplexity needs at least 2");
  if (o.context < 2 || o.stride < 1 || o.stride >= o.context)
    return Status::error("--context must be at least 2 and the stride "
                         "between 1 and the context - 1 (got context " +
                         std::to_string(o.context) + ", stride " +
                         std::to_string(o.stride) + ")");
  if (o.maxNumTokens < 1 || o.maxEntries < 1 || vocab < 1 || page < 1)
    return Status::error("internal error: empty step limits");
  for (size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i] < 0 || tokens[i] >= vocab)
      return Status::error("token " + std::to_string(i) + " (id " +
                           std::to_string(tokens[i]) +
                           ") is outside the model's vocabulary (size " +
                           std::to_string(vocab) + ")");
  // Positions 0 .. context-2 are fed (the last token of a window is only a
  // target).
  const int64_t blocksNeeded = (o.context - 1 + page - 1) / page;
  if (blocksNeeded > o.numKvBlocks)
    return Status::error("a context of " + std::to_string(o.context) +
                         " tokens needs " + std::to_string(blocksNeeded) +
                         " KV blocks; the cache has " +
                         std::to_string(o.numKvBlocks));

  std::vector<PerplexityWindow> windows =
      perplexityWindows(result.tokens, o.context, o.stride);
  std::vector<const float *> rows;
  std::vector<int64_t> targets; // per sampled row: absolute target index
  for (const PerplexityWindow &w : windows) {
    const int64_t len = w.end - w.begin;
    const int64_t lastFed = len - 2;            // relative position
    const int64_t firstNeeded = w.firstScored - w.begin - 1;
    std::vector<BlockId> table(static_cast<size_t>((len - 1 + page - 1) / page));
    for (size_t i = 0; i < table.size(); ++i)
      table[i] = static_cast<BlockId>(i);
    int64_t r = 0;
    while (r <= lastFed) {
      ScheduledBatch batch;
      batch.pageSize = page;
      targets.clear();
      int64_t stepTokens = 0;
      auto add = [&](int64_t first, int64_t count, bool sample) {
        ScheduledEntry e;
        e.seqId = 0; // one sequence; its chunks share the block table
        e.firstPosition = first;
        e.tokens.assign(tokens.begin() + w.begin + first,
                        tokens.begin() + w.begin + first + count);
        e.sample = sample;
        batch.entries.push_back(std::move(e));
        batch.blockTables.push_back(table);
        batch.contextLens.push_back(first + count);
        stepTokens += count;
        if (sample)
          targets.push_back(w.begin + first + 1);
      };
      if (r < firstNeeded) { // the prefix no logits are needed for
        int64_t c = std::min<int64_t>(firstNeeded - r, o.maxNumTokens);
        add(r, c, false);
        r += c;
      }
      while (r <= lastFed && stepTokens < o.maxNumTokens &&
             static_cast<int32_t>(batch.entries.size()) < o.maxEntries) {
        add(r, 1, true);
        ++r;
      }
      Status st = executor.execute(batch, rows);
      if (!st.ok())
        return Status::error("step " + std::to_string(result.steps) + ": " +
                             st.message);
      if (rows.size() != targets.size())
        return Status::error("step " + std::to_string(result.steps) +
                             ": the executor returned " +
                             std::to_string(rows.size()) +
                             " logits rows for " +
                             std::to_string(targets.size()) +
                             " sampled entries");
      for (size_t i = 0; i < rows.size(); ++i)
        result.sumNll += negLogProb(rows[i], vocab, tokens[targets[i]]);
      result.scored += static_cast<int64_t>(targets.size());
      ++result.steps;
    }
    ++result.windows;
  }
  result.seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  if (result.scored != result.tokens - 1)
    return Status::error("internal error: scored " +
                         std::to_string(result.scored) + " of " +
                         std::to_string(result.tokens - 1) + " targets");
  return Status::success();
}

Status encodeForPerplexity(const text::Tokenizer &tokenizer,
                           std::string_view text, bool lineEos, TokenId eos,
                           std::vector<TokenId> &ids) {
  ids.clear();
  std::vector<TokenId> part;
  if (!lineEos)
    return tokenizer.encode(text, ids);
  if (eos < 0)
    return Status::error("the plan's tokenizer has no end-of-sequence id to "
                         "end each line with (use --whole-file)");
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    LLMC_RETURN_IF_ERROR(tokenizer.encode(line, part));
    ids.insert(ids.end(), part.begin(), part.end());
    ids.push_back(eos);
    pos = end == text.size() ? end : end + 1;
  }
  return Status::success();
}

} // namespace llmc::runtime::gen
