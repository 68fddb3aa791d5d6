#include "Utf8.h"

#include <cstdint>

namespace llmc::runtime::text {

size_t utf8SequenceLength(unsigned char lead) {
  if (lead < 0x80)
    return 1;
  if ((lead & 0xE0) == 0xC0)
    return 2;
  if ((lead & 0xF0) == 0xE0)
    return 3;
  if ((lead & 0xF8) == 0xF0)
    return 4;
  return 1;
}

namespace {
bool validCodepoint(uint32_t c) {
  return c < 0xD800 || (c >= 0xE000 && c <= 0x10FFFF);
}
} // namespace

size_t decodeUtf8(const char *p, size_t len, bool &valid) {
  const auto *u = reinterpret_cast<const unsigned char *>(p);
  valid = true;
  if (u[0] < 0x80)
    return 1;
  size_t need = utf8SequenceLength(u[0]);
  if (need > 1 && len >= need) {
    uint32_t cp = u[0] & (0x7F >> need);
    bool trails = true;
    for (size_t i = 1; i < need; ++i) {
      trails &= isTrailByte(u[i]);
      cp = (cp << 6) | (u[i] & 0x3F);
    }
    static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (trails && cp >= kMin[need] && validCodepoint(cp))
      return need;
  }
  valid = false;
  return 1;
}

void appendValidUtf8(const char *p, size_t len, std::string &out) {
  size_t i = 0;
  while (i < len) {
    bool valid = false;
    size_t n = decodeUtf8(p + i, len - i, valid);
    if (valid)
      out.append(p + i, n);
    else
      out += kReplacementChar;
    i += n;
  }
}

size_t decodeUtf8Maximal(const char *p, size_t len, bool &valid,
                         bool &incomplete) {
  const auto *u = reinterpret_cast<const unsigned char *>(p);
  valid = true;
  incomplete = false;
  unsigned char b = u[0];
  if (b < 0x80)
    return 1;
  size_t need;
  unsigned char lo = 0x80, hi = 0xBF; // allowed range of the second byte
  if (b >= 0xC2 && b <= 0xDF) {
    need = 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    need = 3;
    lo = b == 0xE0 ? 0xA0 : 0x80;
    hi = b == 0xED ? 0x9F : 0xBF;
  } else if (b >= 0xF0 && b <= 0xF4) {
    need = 4;
    lo = b == 0xF0 ? 0x90 : 0x80;
    hi = b == 0xF4 ? 0x8F : 0xBF;
  } else {
    valid = false;
    return 1;
  }
  size_t i = 1;
  for (; i < need; ++i) {
    if (i >= len) {
      valid = false;
      incomplete = true;
      return i;
    }
    unsigned char lower = i == 1 ? lo : 0x80, upper = i == 1 ? hi : 0xBF;
    if (u[i] < lower || u[i] > upper) {
      valid = false;
      return i;
    }
  }
  return need;
}

void appendUtf8Lossy(const char *p, size_t len, std::string &out) {
  for (size_t i = 0; i < len;) {
    bool valid = false, incomplete = false;
    size_t n = decodeUtf8Maximal(p + i, len - i, valid, incomplete);
    if (valid)
      out.append(p + i, n);
    else
      out += kReplacementChar;
    i += n;
  }
}

bool isValidUtf8(const std::string &s) {
  for (size_t i = 0; i < s.size();) {
    bool valid = false;
    i += decodeUtf8(s.data() + i, s.size() - i, valid);
    if (!valid)
      return false;
  }
  return true;
}

} // namespace llmc::runtime::text
