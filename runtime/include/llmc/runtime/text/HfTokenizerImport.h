// Reading Hugging Face tokenizer.json files (byte-level BPE
// vocabularies) into the plan's tokenizer message, with the generation
// settings kept in tokenizer_config.json and generation_config.json beside
// it. Part of llmc_plan, for `llmc compile --tokenizer tokenizer.json`.
#ifndef LLMC_RUNTIME_TEXT_HFTOKENIZERIMPORT_H
#define LLMC_RUNTIME_TEXT_HFTOKENIZERIMPORT_H

#include "llmc/runtime/Status.h"
#include "llmc/runtime/tokenizer.pb.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmc::runtime::text {

struct HfTokenizer {
  plan::Tokenizer spec;
  // Ids that end generation: tokenizer_config.json's eos_token, then
  // generation_config.json's eos_token_id (an int or a list).
  std::vector<int32_t> eosIds;
  // tokenizer_config.json's chat_template (Jinja source; the "default" one
  // of a list of named templates); empty when there is none.
  std::string chatTemplate;
  // Settings that are ignored but worth knowing about.
  std::vector<std::string> warnings;
};

// Converts the JSON texts; `config` and `generationConfig` may be empty
// (file absent). Anything not supported is a one-line error naming the
// setting, e.g. "model type 'WordPiece' is not supported (only BPE)".
Status importHfTokenizer(const std::string &tokenizerJson,
                         const std::string &config,
                         const std::string &generationConfig,
                         HfTokenizer &out);
// Reads `path` and the two config files in its directory when present;
// messages name the file they are about.
Status readHfTokenizer(const std::string &path, HfTokenizer &out);

} // namespace llmc::runtime::text

#endif
