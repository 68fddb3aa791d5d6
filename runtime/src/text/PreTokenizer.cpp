// Matchers for the known split regexes (PreTokenizer.h). Alternatives are
// tried in the regex's order at each position; where a greedy quantifier
// would backtrack, the code computes the length it ends with directly.
#include "PreTokenizer.h"

#include "Unicode.h"

namespace llmc::runtime::text {

namespace {

using SplitRegex = plan::Tokenizer::SplitRegex;

struct Scanner {
  const std::vector<uint32_t> &cps;
  size_t n;

  uint32_t at(size_t i) const { return i < n ? cps[i] : 0; }
  bool letter(size_t i) const { return i < n && isLetter(cps[i]); }
  bool number(size_t i) const { return i < n && isNumber(cps[i]); }
  bool space(size_t i) const { return i < n && isWhiteSpace(cps[i]); }
  bool crlf(size_t i) const { return i < n && (cps[i] == '\r' || cps[i] == '\n'); }
  // [^\s\p{L}\p{N}]
  bool other(size_t i) const {
    return i < n && !isWhiteSpace(cps[i]) && !isLetter(cps[i]) && !isNumber(cps[i]);
  }
  template <typename Pred> size_t run(size_t i, Pred p) const {
    while (p(i))
      ++i;
    return i;
  }

  // 's|'t|'re|'ve|'m|'ll|'d, optionally ASCII-case-insensitive. Returns the
  // end, or 0.
  size_t contraction(size_t i, bool ignoreCase) const {
    if (at(i) != '\'')
      return 0;
    auto is = [&](size_t k, char c) {
      uint32_t x = at(k);
      return x == static_cast<uint32_t>(c) ||
             (ignoreCase && x == static_cast<uint32_t>(c - 'a' + 'A'));
    };
    if (is(i + 1, 's') || is(i + 1, 't'))
      return i + 2;
    if ((is(i + 1, 'r') || is(i + 1, 'v')) && is(i + 2, 'e'))
      return i + 3;
    if (is(i + 1, 'm'))
      return i + 2;
    if (is(i + 1, 'l') && is(i + 2, 'l'))
      return i + 3;
    if (is(i + 1, 'd'))
      return i + 2;
    return 0;
  }

  // \s+(?!\S)|\s+ at a white-space character.
  size_t spaceRun(size_t i) const {
    size_t end = run(i, [&](size_t k) { return space(k); });
    // (?!\S): the run must end the text or be followed by white space; the
    // greedy run backs off one character when it is not the whole rest.
    if (end < n && end - i >= 2)
      return end - 1;
    return end;
  }

  // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
  size_t byteLevelDefault(size_t i) const {
    if (size_t e = contraction(i, false))
      return e;
    size_t s = at(i) == ' ' ? i + 1 : i;
    if (letter(s))
      return run(s, [&](size_t k) { return letter(k); });
    if (number(s))
      return run(s, [&](size_t k) { return number(k); });
    if (other(s))
      return run(s, [&](size_t k) { return other(k); });
    if (letter(i))
      return run(i, [&](size_t k) { return letter(k); });
    if (number(i))
      return run(i, [&](size_t k) { return number(k); });
    if (other(i))
      return run(i, [&](size_t k) { return other(k); });
    return spaceRun(i);
  }

  // (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,D}|
  //  ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
  size_t letterRuns(size_t i, size_t maxDigits) const {
    if (size_t e = contraction(i, true))
      return e;
    auto letters = [&](size_t k) { return letter(k); };
    if (i < n && !crlf(i) && !letter(i) && !number(i) && letter(i + 1))
      return run(i + 1, letters);
    if (letter(i))
      return run(i, letters);
    if (number(i)) {
      size_t e = i;
      while (e - i < maxDigits && number(e))
        ++e;
      return e;
    }
    size_t s = at(i) == ' ' && other(i + 1) ? i + 1 : i;
    if (other(s)) {
      size_t e = run(s, [&](size_t k) { return other(k); });
      return run(e, [&](size_t k) { return crlf(k); });
    }
    // \s*[\r\n]+: the white-space run up to its last CR or LF.
    size_t end = run(i, [&](size_t k) { return space(k); });
    for (size_t k = end; k > i; --k)
      if (crlf(k - 1))
        return k;
    return spaceRun(i);
  }
};

} // namespace

void splitByRegex(SplitRegex kind, std::string_view text,
                  std::vector<std::string_view> &pieces) {
  if (text.empty())
    return;
  if (kind == plan::Tokenizer::SPLIT_NONE) {
    pieces.push_back(text);
    return;
  }
  std::vector<uint32_t> cps;
  std::vector<size_t> offsets;
  toCodepoints(text, cps, offsets);
  Scanner s{cps, cps.size()};
  for (size_t i = 0; i < s.n;) {
    size_t end = 0;
    switch (kind) {
    case plan::Tokenizer::SPLIT_BYTE_LEVEL_DEFAULT:
      end = s.byteLevelDefault(i);
      break;
    case plan::Tokenizer::SPLIT_LETTER_RUNS_DIGITS_3:
      end = s.letterRuns(i, 3);
      break;
    case plan::Tokenizer::SPLIT_LETTER_RUNS_DIGITS_1:
      end = s.letterRuns(i, 1);
      break;
    default:
      end = s.n;
      break;
    }
    if (end <= i) // cannot happen for these regexes; never loop forever
      end = i + 1;
    pieces.push_back(text.substr(offsets[i], offsets[end] - offsets[i]));
    i = end;
  }
}

} // namespace llmc::runtime::text
