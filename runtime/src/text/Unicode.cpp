// Table lookups (binary searches over generated ranges) and the NFC
// algorithm of UAX #15: full canonical decomposition, canonical ordering by
// combining class, then canonical composition (Hangul algorithmically).
#include "Unicode.h"

#include "Utf8.h"

#include <algorithm>

namespace llmc::runtime::text {

namespace {

struct CodepointRange {
  uint32_t first, last;
};
struct CombiningClassRange {
  uint32_t first, last;
  uint8_t ccc;
};
struct Decomposition {
  uint32_t cp;
  uint16_t offset, length; // into kDecompositionData
};
struct Composition {
  uint32_t first, second, composite;
};

#include "UnicodeTables.inc"

template <size_t N>
bool inRanges(const CodepointRange (&table)[N], uint32_t cp) {
  const CodepointRange *end = table + N;
  const CodepointRange *it = std::upper_bound(
      table, end, cp, [](uint32_t c, const CodepointRange &r) { return c < r.first; });
  return it != table && cp <= (it - 1)->last;
}

uint8_t combiningClass(uint32_t cp) {
  const auto *end = kCombiningClassRanges + std::size(kCombiningClassRanges);
  const auto *it = std::upper_bound(
      kCombiningClassRanges, end, cp,
      [](uint32_t c, const CombiningClassRange &r) { return c < r.first; });
  return it != kCombiningClassRanges && cp <= (it - 1)->last ? (it - 1)->ccc : 0;
}

constexpr uint32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161,
                   kTBase = 0x11A7, kLCount = 19, kVCount = 21, kTCount = 28,
                   kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

void decompose(uint32_t cp, std::vector<uint32_t> &out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    uint32_t s = cp - kSBase;
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount)
      out.push_back(kTBase + s % kTCount);
    return;
  }
  const auto *end = kDecompositions + std::size(kDecompositions);
  const auto *it = std::lower_bound(
      kDecompositions, end, cp,
      [](const Decomposition &d, uint32_t c) { return d.cp < c; });
  if (it == end || it->cp != cp) {
    out.push_back(cp);
    return;
  }
  out.insert(out.end(), kDecompositionData + it->offset,
             kDecompositionData + it->offset + it->length);
}

// The primary composite of (a, b), or 0.
uint32_t compose(uint32_t a, uint32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount)
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 &&
      b > kTBase && b < kTBase + kTCount)
    return a + (b - kTBase);
  const auto *end = kCompositions + std::size(kCompositions);
  const auto *it = std::lower_bound(
      kCompositions, end, std::make_pair(a, b),
      [](const Composition &c, const std::pair<uint32_t, uint32_t> &k) {
        return c.first < k.first || (c.first == k.first && c.second < k.second);
      });
  return it != end && it->first == a && it->second == b ? it->composite : 0;
}

} // namespace

bool isLetter(uint32_t cp) { return inRanges(kLetterRanges, cp); }
bool isNumber(uint32_t cp) { return inRanges(kNumberRanges, cp); }
bool isWhiteSpace(uint32_t cp) { return inRanges(kWhiteSpaceRanges, cp); }
const char *unicodeTablesVersion() { return kUnicodeVersion; }

void toCodepoints(std::string_view text, std::vector<uint32_t> &cps,
                  std::vector<size_t> &offsets) {
  cps.clear();
  offsets.clear();
  for (size_t i = 0; i < text.size();) {
    bool valid = false;
    size_t n = decodeUtf8(text.data() + i, text.size() - i, valid);
    uint32_t cp = 0xFFFD;
    if (valid) {
      const auto *u = reinterpret_cast<const unsigned char *>(text.data() + i);
      cp = n == 1 ? u[0] : u[0] & (0x7F >> n);
      for (size_t k = 1; k < n; ++k)
        cp = (cp << 6) | (u[k] & 0x3F);
    }
    cps.push_back(cp);
    offsets.push_back(i);
    i += n;
  }
  offsets.push_back(text.size());
}

void appendUtf8(uint32_t cp, std::string &out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string toNfc(std::string_view text) {
  // ASCII is NFC already (the common case costs one scan).
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
    return std::string(text);
  std::vector<uint32_t> cps, d;
  std::vector<size_t> offsets;
  toCodepoints(text, cps, offsets);
  d.reserve(cps.size() + 8);
  for (uint32_t cp : cps)
    decompose(cp, d);
  // Canonical ordering: a stable sort of each run of non-starters.
  for (size_t i = 0; i < d.size();) {
    if (combiningClass(d[i]) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < d.size() && combiningClass(d[j]) != 0)
      ++j;
    std::stable_sort(d.begin() + i, d.begin() + j, [](uint32_t a, uint32_t b) {
      return combiningClass(a) < combiningClass(b);
    });
    i = j;
  }
  // Canonical composition.
  std::vector<uint32_t> out;
  out.reserve(d.size());
  long starter = -1; // index in `out` of the last starter
  uint8_t lastClass = 0;
  for (uint32_t cp : d) {
    uint8_t cc = combiningClass(cp);
    if (starter >= 0 && (out.size() == static_cast<size_t>(starter) + 1 ||
                         (lastClass != 0 && lastClass < cc))) {
      // Not blocked: nothing between the starter and cp, or only
      // characters of a lower (non-zero) class.
      if (uint32_t c = compose(out[starter], cp)) {
        out[starter] = c;
        continue;
      }
    }
    if (cc == 0) {
      starter = static_cast<long>(out.size());
      lastClass = 0;
    } else {
      lastClass = cc;
    }
    out.push_back(cp);
  }
  std::string s;
  s.reserve(text.size());
  for (uint32_t cp : out)
    appendUtf8(cp, s);
  return s;
}

} // namespace llmc::runtime::text
