// The split regexes of byte-level BPE pre-tokenizers, hand-coded (no regex
// library handles \p{L} without ICU): each function returns the matches of
// one regex, scanning left to right as a backtracking engine's find-all
// would. The importer recognizes the regex source exactly; see
// docs/tokenizer.md for the regexes.
#ifndef LLMC_RUNTIME_SRC_TEXT_PRETOKENIZER_H
#define LLMC_RUNTIME_SRC_TEXT_PRETOKENIZER_H

#include "llmc/runtime/tokenizer.pb.h"

#include <string_view>
#include <vector>

namespace llmc::runtime::text {

// Splits `text` (UTF-8; malformed bytes count as one non-letter character
// each) into the pieces the regex `kind` matches, in order. For these
// regexes every character is matched, so the pieces cover the text.
// SPLIT_NONE gives the text itself (when not empty).
void splitByRegex(plan::Tokenizer::SplitRegex kind, std::string_view text,
                  std::vector<std::string_view> &pieces);

} // namespace llmc::runtime::text

#endif
