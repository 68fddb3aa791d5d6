// Incremental decoding: the same text as Tokenizer::decode, emitted as soon
// as it is final, never splitting a UTF-8 character.
#include "llmc/runtime/text/Tokenizer.h"

#include "ByteLevelBpe.h"
#include "Utf8.h"

namespace llmc::runtime::text {

void StreamDecoder::drain(bool all, std::string &out) {
  size_t i = 0;
  const size_t n = pending_.size();
  while (i < n) {
    const char *p = pending_.data() + i;
    size_t need = utf8SequenceLength(static_cast<unsigned char>(*p));
    if (!all && n - i < need) {
      // Incomplete: wait for more bytes unless one already rules it out.
      bool possible = true;
      for (size_t k = 1; k < n - i; ++k)
        possible &= isTrailByte(static_cast<unsigned char>(p[k]));
      if (possible)
        break;
    }
    bool valid = false;
    size_t len = decodeUtf8(p, n - i, valid);
    if (valid)
      out.append(p, len);
    else
      out += kReplacementChar;
    i += len;
  }
  pending_.erase(0, i);
}

// Hugging Face's decoding holds back an incomplete character while more
// bytes can complete it; an ill-formed prefix is one U+FFFD. With the
// clean-up of spaces, text is cleaned only up to a point that no later text
// can change: a rule's match starts with ' ' and is at most 4 bytes long, so
// text whose last 3 bytes hold no ' ' can be cut there.
std::string StreamDecoder::addByteLevel(TokenId id, bool finish) {
  if (!finish)
    pending_ += tok_.byteLevel_->tokenBytes(id);
  std::string text;
  size_t i = 0;
  while (i < pending_.size()) {
    bool valid = false, incomplete = false;
    size_t n = decodeUtf8Maximal(pending_.data() + i, pending_.size() - i,
                                 valid, incomplete);
    if (incomplete && !finish)
      break;
    if (valid)
      text.append(pending_, i, n);
    else
      text += kReplacementChar;
    i += n;
  }
  pending_.erase(0, i);
  if (!tok_.byteLevel_->cleansUpSpaces())
    return text;
  uncleaned_ += text;
  size_t cut = finish ? uncleaned_.size() : 0;
  for (size_t k = uncleaned_.size(); k > 0 && !finish; --k) {
    bool space = false;
    for (size_t j = k >= 3 ? k - 3 : 0; j < k; ++j)
      space |= uncleaned_[j] == ' ';
    if (!space && (k == uncleaned_.size() ||
                   !isTrailByte(static_cast<unsigned char>(uncleaned_[k])))) {
      cut = k;
      break;
    }
  }
  std::string out = cleanUpTokenizationSpaces(uncleaned_.substr(0, cut));
  uncleaned_.erase(0, cut);
  return out;
}

std::string StreamDecoder::add(TokenId id) {
  if (tok_.isByteLevel())
    return addByteLevel(id, false);
  std::string out;
  int b = tok_.byteValue(id);
  if (b >= 0) {
    pending_ += static_cast<char>(b);
    drain(false, out);
  } else {
    drain(true, out);
    out += tok_.pieceSurface(id, !emitted_ && out.empty());
  }
  emitted_ |= !out.empty();
  return out;
}

std::string StreamDecoder::finish() {
  if (tok_.isByteLevel())
    return addByteLevel(-1, true);
  std::string out;
  drain(true, out);
  emitted_ |= !out.empty();
  return out;
}

void StreamDecoder::prime(const std::vector<TokenId> &ids) {
  for (TokenId id : ids)
    add(id);
  // The prompt's text is never emitted, so held-back text of it must not
  // come out with the first generated token (its spaces stay uncleaned).
  uncleaned_.clear();
}

void StreamDecoder::reset() {
  pending_.clear();
  uncleaned_.clear();
  emitted_ = false;
}

} // namespace llmc::runtime::text
