// Byte-level BPE (Hugging Face tokenizer.json, BYTE_LEVEL_BPE in the plan):
// added tokens are split out of the text first, the rest is normalized,
// split by the pre-tokenizer regex, mapped byte by byte to printable
// characters and merged by merge rank. Decoding maps the characters back to
// bytes. Tokenizer dispatches to this class for BYTE_LEVEL_BPE plans.
#ifndef LLMC_RUNTIME_SRC_TEXT_BYTELEVELBPE_H
#define LLMC_RUNTIME_SRC_TEXT_BYTELEVELBPE_H

#include "llmc/runtime/Status.h"
#include "llmc/runtime/tokenizer.pb.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace llmc::runtime::text {

class ByteLevelBpe {
public:
  using TokenId = int32_t;

  // Validates the BYTE_LEVEL_BPE fields of `spec` (every byte has a piece,
  // merges name pieces whose concatenation is a piece, added tokens are in
  // range); errors are one line.
  static Status create(const plan::Tokenizer &spec,
                       std::unique_ptr<ByteLevelBpe> &out);

  // Text to ids; with `addSpecialTokens` the post-processor's prefix and
  // suffix ids are added.
  void encode(std::string_view text, bool addSpecialTokens,
              std::vector<TokenId> &ids) const;
  // The bytes an id decodes to ("" outside the vocabulary): the original
  // bytes of a vocabulary piece, the content of an added token.
  const std::string &tokenBytes(TokenId id) const;
  // Ids to text: the bytes of every id, ill-formed UTF-8 as U+FFFD per
  // maximal subpart, then clean_up_tokenization_spaces when set. Special
  // tokens are kept (transformers' decode default).
  std::string decode(const std::vector<TokenId> &ids) const;
  bool cleansUpSpaces() const { return cleanUp_; }

private:
  struct Added {
    std::string content;
    TokenId id;
    bool lstrip, rstrip, singleWord;
  };
  struct Segment {
    std::string_view text;
    TokenId addedId; // -1: ordinary text
  };
  void splitAddedTokens(std::string_view text,
                        std::vector<Segment> &segments) const;
  void encodeText(std::string_view text, std::vector<TokenId> &ids) const;
  void encodeWord(std::string_view word, std::vector<TokenId> &ids) const;

  std::unordered_map<std::string, TokenId> vocab_; // byte-mapped pieces
  // (left << 32 | right) -> (rank << 32 | result)
  std::unordered_map<uint64_t, uint64_t> merges_;
  std::array<TokenId, 256> byteId_{};      // the piece of a single byte
  std::array<std::string, 256> byteChar_;  // byte -> its mapped character
  std::vector<std::string> bytes_;         // id -> decoded bytes
  std::vector<Added> added_;
  std::array<std::vector<int>, 256> addedByFirstByte_; // longest first
  std::vector<TokenId> prefix_, suffix_;
  plan::Tokenizer::SplitRegex split_ = plan::Tokenizer::SPLIT_NONE;
  bool nfc_ = false, ignoreMerges_ = false, addPrefixSpace_ = false;
  bool cleanUp_ = false;
  TokenId unkId_ = -1;
};

// transformers' clean_up_tokenization: " ." -> "." and the like.
std::string cleanUpTokenizationSpaces(std::string text);

} // namespace llmc::runtime::text

#endif
