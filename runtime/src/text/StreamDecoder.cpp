// Incremental decoding: the same text as Tokenizer::decode, emitted as soon
// as it is final, never splitting a UTF-8 character.
#include "llmc/runtime/text/Tokenizer.h"

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

std::string StreamDecoder::add(TokenId id) {
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
  std::string out;
  drain(true, out);
  emitted_ |= !out.empty();
  return out;
}

void StreamDecoder::prime(const std::vector<TokenId> &ids) {
  for (TokenId id : ids)
    add(id);
}

void StreamDecoder::reset() {
  pending_.clear();
  emitted_ = false;
}

} // namespace llmc::runtime::text
