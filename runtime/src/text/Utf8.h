// UTF-8 helpers with SentencePiece's exact notion of validity (used by the
// tokenizer so that normalization and decoding agree with it).
#ifndef LLMC_RUNTIME_SRC_TEXT_UTF8_H
#define LLMC_RUNTIME_SRC_TEXT_UTF8_H

#include <cstddef>
#include <string>

namespace llmc::runtime::text {

// U+FFFD REPLACEMENT CHARACTER.
constexpr const char *kReplacementChar = "\xEF\xBF\xBD";
// U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's space symbol.
constexpr const char *kSpaceSymbol = "\xE2\x96\x81";

inline bool isTrailByte(unsigned char b) { return (b & 0xC0) == 0x80; }

// Bytes a character starting with `lead` takes (1 for bytes that cannot
// start one: they are invalid on their own).
size_t utf8SequenceLength(unsigned char lead);

// Decodes the character at [p, p+len) (len >= 1). Returns its length and
// sets `valid`; an invalid sequence (bad lead or trail byte, truncated,
// overlong, surrogate, > U+10FFFF) has length 1 and valid == false.
size_t decodeUtf8(const char *p, size_t len, bool &valid);

// Appends [p, p+len) to `out`, each invalid byte replaced by U+FFFD.
void appendValidUtf8(const char *p, size_t len, std::string &out);

// Hugging Face / WHATWG decoding: like decodeUtf8, but an ill-formed
// sequence's length is its maximal valid prefix (at least 1 byte), which
// becomes one U+FFFD. `incomplete` is set when the input ended inside a
// sequence that more bytes could still complete.
size_t decodeUtf8Maximal(const char *p, size_t len, bool &valid,
                         bool &incomplete);
// Appends [p, p+len) to `out` with each maximal ill-formed subpart replaced
// by one U+FFFD (what Rust's from_utf8_lossy and JS's TextDecoder do).
void appendUtf8Lossy(const char *p, size_t len, std::string &out);

// True when every character of `s` is valid.
bool isValidUtf8(const std::string &s);

} // namespace llmc::runtime::text

#endif
