// Unicode properties and NFC for the byte-level BPE tokenizer: the letter,
// number and white-space classes its pre-tokenizer regexes use, and the NFC
// normalizer some tokenizer.json files ask for. Tables come from
// scripts/gen_unicode_tables.py (UnicodeTables.inc), so the runtime needs no
// ICU.
#ifndef LLMC_RUNTIME_SRC_TEXT_UNICODE_H
#define LLMC_RUNTIME_SRC_TEXT_UNICODE_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmc::runtime::text {

// \p{L}, \p{N} and \s (White_Space) of the regexes.
bool isLetter(uint32_t cp);
bool isNumber(uint32_t cp);
bool isWhiteSpace(uint32_t cp);
// The Unicode version of the tables.
const char *unicodeTablesVersion();

// Decodes `text` into code points; `offsets[i]` is where code point i starts
// (offsets has one more entry: text.size()). Malformed bytes become U+FFFD
// code points of length 1, so offsets always cover every byte.
void toCodepoints(std::string_view text, std::vector<uint32_t> &cps,
                  std::vector<size_t> &offsets);
void appendUtf8(uint32_t cp, std::string &out);

// Unicode Normalization Form C of valid UTF-8 text.
std::string toNfc(std::string_view text);

} // namespace llmc::runtime::text

#endif
