// BatchIO: the JSONL request and result format of `llmrun --batch`
// (one JSON object per line; see docs/generation-runtime.md).
#ifndef LLMC_RUNTIME_GEN_BATCHIO_H
#define LLMC_RUNTIME_GEN_BATCHIO_H

#include "llmc/runtime/Status.h"
#include "llmc/runtime/gen/GenerationLoop.h"

#include <cstdint>
#include <functional>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

namespace llmc::runtime::gen {

enum class OnError { Skip, Fail };

constexpr int32_t kMaxLogprobs = 20; // like vLLM's default max_logprobs

struct BatchIssue {
  int64_t line = 0; // 1-based
  std::string message;
};

struct BatchInput {
  std::vector<GenerationRequest> requests;
  std::vector<int64_t> lines; // lines[i]: line of requests[i]
  // promptTexts[i]: the "prompt" text of requests[i], whose promptIds are
  // then empty until the caller encodes it; "" when it gave "prompt_ids".
  std::vector<std::string> promptTexts;
  std::vector<BatchIssue> issues; // every malformed line, in order
};

// Parses one request object. `error` names the offending field. A request
// gives its prompt as "prompt_ids" (token ids) or "prompt" (text, returned
// in `promptText`, non-empty; out.promptIds stays empty).
Status parseRequestLine(const std::string &line, GenerationRequest &out,
                        std::string &promptText);
// The same for callers without a tokenizer: a text "prompt" is an error.
Status parseRequestLine(const std::string &line, GenerationRequest &out);

// Reads every line (blank lines are ignored). Each malformed line, and each
// repeated id, becomes an issue. With OnError::Fail any issue makes the
// result an error ("IN: 2 malformed request lines"); with Skip the good
// requests are kept. Never drops a line without an issue.
Status parseBatch(std::istream &in, const std::string &name, OnError policy,
                  BatchInput &out);

// One result as a single JSON line (no newline): {"id", "output_ids",
// "finish_reason"[, "error"][, "logprobs"]}.
std::string formatResult(const GenerationResult &r);
// Inserts "text": decode(output_ids) after "output_ids" in a result line of
// formatResult (requests with a text prompt carry it).
using ResultDecoder = std::function<std::string(const std::vector<TokenId> &)>;
Status addResultText(const std::string &line, const ResultDecoder &decode,
                     std::string &out);

Status writeResults(std::ostream &out,
                    const std::vector<GenerationResult> &results);

} // namespace llmc::runtime::gen

#endif
