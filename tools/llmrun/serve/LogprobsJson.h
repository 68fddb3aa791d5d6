// LogprobsJson: the "logprobs" of a choice in OpenAI's two formats, from the
// raw logprobs the sampler computed (Channel::logprobs).
//   completions: {"tokens", "token_logprobs", "top_logprobs": [{tok: lp}],
//                 "text_offset"}
//   chat:        {"content": [{"token", "logprob", "bytes",
//                              "top_logprobs": [{"token", "logprob", "bytes"}]}]}
// A token's string is its text ("▁the" -> " the"; control pieces as they
// are, e.g. "</s>"). A token that is part of a character (a byte piece, a
// byte-level token) is "bytes:\xe2\x80", as OpenAI writes them; "bytes"
// (chat) always holds the token's own bytes. Without a tokenizer:
// "token_id:N" (vLLM's return_tokens_as_token_ids).
#ifndef LLMC_TOOLS_LLMRUN_SERVE_LOGPROBSJSON_H
#define LLMC_TOOLS_LLMRUN_SERVE_LOGPROBSJSON_H

#include "llmc/runtime/gen/GenerationLoop.h"
#include "llmc/runtime/text/Tokenizer.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace llmc::runtime::gen {

std::string tokenString(const text::Tokenizer *tok, TokenId id);

// Completions format for the tokens in `lps`; `offsets` holds each token's
// text_offset. top_logprobs holds the top `top` plus the sampled token.
nlohmann::json completionLogprobs(const text::Tokenizer *tok,
                                  const std::vector<GeneratedToken> &lps,
                                  const std::vector<int64_t> &offsets,
                                  int32_t top);

// Chat format: the array for "content"; each entry has the top `top`.
nlohmann::json chatLogprobsContent(const text::Tokenizer *tok,
                                   const std::vector<GeneratedToken> &lps,
                                   int32_t top);

} // namespace llmc::runtime::gen

#endif
