//===- TokenizerSection.h - `llmc compile --tokenizer FILE` -----*- C++ -*-===//
// Reads a SentencePiece tokenizer.model or a Hugging Face tokenizer.json into
// the plan's "tokenizer" section (docs/tokenizer.md).
//===----------------------------------------------------------------------===//
#ifndef LLMC_TOOLS_LLMC_TOKENIZERSECTION_H
#define LLMC_TOOLS_LLMC_TOKENIZERSECTION_H

#include <cstdint>
#include <string>
#include <vector>

namespace llmc::tool {

struct TokenizerSection {
  std::vector<uint8_t> bytes;  // serialized llmc.plan.Tokenizer
  std::vector<int64_t> eosIds; // for generation.eos_token_ids
  // tokenizer_config.json's chat template (tokenizer.json only), or "".
  std::string chatTemplate;
};

// `path` ending in .json is a tokenizer.json (with tokenizer_config.json and
// generation_config.json beside it when present), anything else a
// SentencePiece model. Prints warnings and the one-line error to stderr;
// false on error.
bool readTokenizerSection(const std::string &path, bool addBos,
                          TokenizerSection &out);

} // namespace llmc::tool

#endif
