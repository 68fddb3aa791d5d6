// Tokenizer: text <-> token ids for plans that carry a "tokenizer" section
// (docs/tokenizer.md). Two kinds: SentencePiece's algorithms (normalization
// with whitespace handling and dummy prefix, BPE encoding with byte
// fallback, decoding; results equal SentencePiece 0.1.97's for the supported
// settings) and Hugging Face byte-level BPE (BYTE_LEVEL_BPE, from
// tokenizer.json; ByteLevelBpe.h). StreamDecoder decodes one id at a time
// for streaming output.
#ifndef LLMC_RUNTIME_TEXT_TOKENIZER_H
#define LLMC_RUNTIME_TEXT_TOKENIZER_H

#include "llmc/runtime/PlanFormat.h"
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

class ByteLevelBpe;
using TokenId = int32_t;

// Name of the plan section holding a serialized llmc.plan.Tokenizer.
constexpr const char *kTokenizerSectionName = "tokenizer";

class Tokenizer {
public:
  ~Tokenizer();
  // Validates `spec` (piece types, special ids, byte pieces) and builds the
  // lookup tables. Errors are one line.
  static Status create(plan::Tokenizer spec, std::unique_ptr<Tokenizer> &out);
  // Parses a serialized llmc.plan.Tokenizer.
  static Status fromBytes(const void *data, size_t size,
                          std::unique_ptr<Tokenizer> &out);
  // The plan's "tokenizer" section. A plan without one is an error:
  // "PLAN: the plan has no tokenizer (compile it with llmc compile
  // --tokenizer tokenizer.model)".
  static Status fromPlan(const PlanFile &plan, std::unique_ptr<Tokenizer> &out);
  static bool planHasTokenizer(const PlanFile &plan);

  const plan::Tokenizer &spec() const { return spec_; }
  int32_t vocabSize() const { return static_cast<int32_t>(pieces_.size()); }
  TokenId unkId() const { return spec_.unk_id(); }
  TokenId bosId() const { return spec_.bos_id(); }
  TokenId eosId() const { return spec_.eos_id(); }
  TokenId padId() const { return spec_.pad_id(); }
  // True when encode() works for this model type (BPE, BYTE_LEVEL_BPE).
  bool canEncode() const;
  bool isByteLevel() const { return byteLevel_ != nullptr; }

  // SentencePiece normalization: the text that encoding splits (spaces as
  // U+2581 when escape_whitespaces, dummy prefix, whitespace collapsing;
  // malformed UTF-8 bytes become U+FFFD). No Unicode normalization rules.
  std::string normalize(std::string_view text) const;
  // Text to ids: normalize, split, merge, byte fallback; adds bos/eos when
  // the spec's add_bos/add_eos say so. An error only when !canEncode().
  Status encode(std::string_view text, std::vector<TokenId> &ids) const;
  // With `addSpecialTokens` false no bos/eos (or post-processor template
  // ids) are added: for text that already holds them, e.g. a rendered chat
  // template. Special tokens written in the text are still recognized.
  Status encode(std::string_view text, std::vector<TokenId> &ids,
                bool addSpecialTokens) const;
  // Same without add_bos/add_eos, as pieces (for tests and debugging).
  Status encodeToPieces(std::string_view text,
                        std::vector<std::string> &pieces) const;

  // Byte-level BPE: the bytes of all ids, ill-formed UTF-8 as one U+FFFD
  // per maximal subpart, special tokens kept (Hugging Face's decode with its
  // defaults), then clean_up_tokenization_spaces when the tokenizer asks.
  // SentencePiece: like SentencePiece's DecodeIds: control ids vanish, <unk>
  // becomes unk_surface, runs of byte pieces are reassembled into UTF-8
  // (invalid bytes become U+FFFD), U+2581 becomes ' ', and the leading
  // U+2581 of the first piece that produces text is dropped. Ids outside
  // the vocabulary decode to nothing.
  std::string decode(const std::vector<TokenId> &ids) const;

  // The piece of an id ("" when out of range); -1 for a piece not in the
  // vocabulary.
  std::string idToPiece(TokenId id) const;
  TokenId pieceToId(std::string_view piece) const;

  bool isControl(TokenId id) const { return typeOf(id) == plan::Tokenizer::CONTROL; }
  bool isByte(TokenId id) const { return typeOf(id) == plan::Tokenizer::BYTE; }
  bool isUnknown(TokenId id) const { return typeOf(id) == plan::Tokenizer::UNKNOWN; }
  // The byte a BYTE piece stands for (0..255), or -1.
  int byteValue(TokenId id) const;
  // The text of a non-byte id (step 2 of decode): "" for control ids and out
  // of range ids, unk_surface for <unk>, else the piece with U+2581 -> ' ';
  // `first` drops a leading U+2581 (see decode). Byte-level BPE: the id's
  // bytes, which may be part of a character.
  std::string pieceSurface(TokenId id, bool first) const;

private:
  friend class StreamDecoder;
  Tokenizer();
  plan::Tokenizer::PieceType typeOf(TokenId id) const;
  // Splits normalized text into BPE pieces (before the id lookup).
  void bpeSplit(std::string_view normalized,
                std::vector<std::string_view> &out) const;
  void appendIds(std::string_view piece, std::vector<TokenId> &ids) const;

  plan::Tokenizer spec_;
  std::vector<std::string> pieces_;
  std::vector<float> scores_;
  std::vector<plan::Tokenizer::PieceType> types_;
  std::vector<int16_t> byteOf_;                   // per id, -1 if not BYTE
  std::array<TokenId, 256> byteId_{};             // byte -> id, -1 if none
  std::unordered_map<std::string, TokenId> mergeable_; // NORMAL, USER_DEFINED, UNUSED
  std::unordered_map<std::string, TokenId> reserved_;  // the other types
  std::vector<std::string> userDefined_;          // longest first
  size_t maxUserDefinedLength_ = 0;
  std::string space_; // U+2581 or " " (escape_whitespaces)
  std::unique_ptr<ByteLevelBpe> byteLevel_; // BYTE_LEVEL_BPE only
};

// True when every character of `s` is valid UTF-8 (no overlong forms,
// surrogates or code points above U+10FFFF); runtime/src/text/Utf8.cpp.
bool isValidUtf8(const std::string &s);

// Decodes ids one at a time so that concatenating everything add() and
// finish() return equals Tokenizer::decode of all the ids, and every returned
// string is valid UTF-8: a byte piece that starts a multi-byte character is
// held back until the character is complete (or proves invalid: U+FFFD).
class StreamDecoder {
public:
  explicit StreamDecoder(const Tokenizer &tokenizer) : tok_(tokenizer) {}
  // Text that `id` completes (often "", e.g. for control ids or a partial
  // character).
  std::string add(TokenId id);
  // Held-back bytes of an unfinished character, as U+FFFD each.
  std::string finish();
  // Feeds ids whose text is not wanted (a prompt): later text continues it,
  // e.g. keeps the space of the first generated piece.
  void prime(const std::vector<TokenId> &ids);
  void reset();

private:
  // Emits every complete character of pending_; with `all`, the rest too.
  void drain(bool all, std::string &out);
  // Byte-level: the same with Hugging Face's U+FFFD rule, then the
  // clean-up of spaces on text that no later id can change.
  std::string addByteLevel(TokenId id, bool finish);

  const Tokenizer &tok_;
  std::string pending_; // bytes of byte pieces not yet emitted
  bool emitted_ = false; // any text produced yet (SentencePiece's "bos ws")
  std::string uncleaned_; // byte-level clean-up: decoded, not yet cleaned
};

} // namespace llmc::runtime::text

#endif
