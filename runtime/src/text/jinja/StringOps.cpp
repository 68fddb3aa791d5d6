// StringOps: the Python str semantics templates rely on (strip, split and
// friends treat Unicode whitespace as Python does; indices are code points).
#include "StringOps.h"

#include <algorithm>

namespace llmc::runtime::text::jinja {

bool isPySpace(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) ||
         cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

size_t pyLength(const std::string &s) {
  size_t n = 0;
  for (unsigned char c : s)
    n += (c & 0xC0) != 0x80;
  // Malformed continuation bytes would be undercounted; decode then.
  for (unsigned char c : s)
    if (c >= 0x80)
      return decodeUtf8(s).size();
  return n;
}

std::string pyStrip(const std::string &s, const Value *chars, bool left,
                    bool right) {
  std::vector<uint32_t> cps = decodeUtf8(s);
  std::vector<uint32_t> set;
  bool whitespace = !chars || chars->isNone() || chars->isUndefined();
  if (!whitespace) {
    if (!chars->isString())
      throw JinjaError("strip arg must be None or str");
    set = decodeUtf8(chars->asString());
  }
  auto strip = [&](uint32_t cp) {
    return whitespace ? isPySpace(cp)
                      : std::find(set.begin(), set.end(), cp) != set.end();
  };
  size_t b = 0, e = cps.size();
  if (left)
    while (b < e && strip(cps[b]))
      ++b;
  if (right)
    while (e > b && strip(cps[e - 1]))
      --e;
  return encodeUtf8(std::vector<uint32_t>(cps.begin() + b, cps.begin() + e));
}

std::vector<std::string> pySplit(const std::string &s, const Value *sep,
                                 int64_t maxsplit, bool fromRight) {
  std::vector<std::string> out;
  if (!sep || sep->isNone()) {
    std::vector<uint32_t> cps = decodeUtf8(s);
    if (fromRight)
      std::reverse(cps.begin(), cps.end());
    size_t i = 0, n = cps.size();
    while (true) {
      while (i < n && isPySpace(cps[i]))
        ++i;
      if (i == n)
        break;
      if (maxsplit >= 0 && int64_t(out.size()) == maxsplit) {
        size_t e = n;
        while (e > i && isPySpace(cps[e - 1]))
          --e;
        out.push_back(encodeUtf8({cps.begin() + i, cps.begin() + e}));
        break;
      }
      size_t j = i;
      while (j < n && !isPySpace(cps[j]))
        ++j;
      out.push_back(encodeUtf8({cps.begin() + i, cps.begin() + j}));
      i = j;
    }
    if (fromRight) {
      std::reverse(out.begin(), out.end());
      for (std::string &part : out) {
        std::vector<uint32_t> p = decodeUtf8(part);
        std::reverse(p.begin(), p.end());
        part = encodeUtf8(p);
      }
    }
    return out;
  }
  if (!sep->isString())
    throw JinjaError("must be str or None, not " + sep->typeName());
  const std::string &d = sep->asString();
  if (d.empty())
    throw JinjaError("empty separator");
  if (!fromRight) {
    size_t pos = 0;
    while (maxsplit < 0 || int64_t(out.size()) < maxsplit) {
      size_t f = s.find(d, pos);
      if (f == std::string::npos)
        break;
      out.push_back(s.substr(pos, f - pos));
      pos = f + d.size();
    }
    out.push_back(s.substr(pos));
    return out;
  }
  size_t end = s.size();
  std::vector<std::string> rev;
  while (maxsplit < 0 || int64_t(rev.size()) < maxsplit) {
    if (end < d.size())
      break;
    size_t f = s.rfind(d, end - d.size());
    if (f == std::string::npos)
      break;
    rev.push_back(s.substr(f + d.size(), end - f - d.size()));
    end = f;
  }
  rev.push_back(s.substr(0, end));
  return std::vector<std::string>(rev.rbegin(), rev.rend());
}

std::vector<std::string> pySplitlines(const std::string &s, bool keepends) {
  std::vector<uint32_t> cps = decodeUtf8(s);
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i < cps.size(); ++i) {
    uint32_t c = cps[i];
    bool brk = c == '\n' || c == '\r' || c == 0x0b || c == 0x0c ||
               (c >= 0x1c && c <= 0x1e) || c == 0x85 || c == 0x2028 ||
               c == 0x2029;
    if (!brk)
      continue;
    size_t end = i;
    if (c == '\r' && i + 1 < cps.size() && cps[i + 1] == '\n')
      ++i;
    out.push_back(encodeUtf8({cps.begin() + start,
                              cps.begin() + (keepends ? i + 1 : end)}));
    start = i + 1;
  }
  if (start < cps.size())
    out.push_back(encodeUtf8({cps.begin() + start, cps.end()}));
  return out;
}

uint32_t pyToUpper(uint32_t c) {
  if (c >= 'a' && c <= 'z')
    return c - 32;
  if ((c >= 0xe0 && c <= 0xfe && c != 0xf7) || (c >= 0x3b1 && c <= 0x3c9 && c != 0x3c2) ||
      (c >= 0x430 && c <= 0x44f))
    return c - 32;
  if (c == 0x3c2)
    return 0x3a3;
  if (c >= 0x450 && c <= 0x45f)
    return c - 80;
  return c;
}

uint32_t pyToLower(uint32_t c) {
  if (c >= 'A' && c <= 'Z')
    return c + 32;
  if ((c >= 0xc0 && c <= 0xde && c != 0xd7) || (c >= 0x391 && c <= 0x3a9 && c != 0x3a2) ||
      (c >= 0x410 && c <= 0x42f))
    return c + 32;
  if (c >= 0x400 && c <= 0x40f)
    return c + 80;
  return c;
}

namespace {
bool isCased(uint32_t c) { return pyToUpper(c) != c || pyToLower(c) != c; }

template <typename F> std::string mapCps(const std::string &s, F f) {
  std::vector<uint32_t> cps = decodeUtf8(s);
  for (size_t i = 0; i < cps.size(); ++i)
    cps[i] = f(cps[i], i, cps);
  return encodeUtf8(cps);
}
} // namespace

std::string pyUpper(const std::string &s) {
  return mapCps(s, [](uint32_t c, size_t, auto &) { return pyToUpper(c); });
}

std::string pyLower(const std::string &s) {
  return mapCps(s, [](uint32_t c, size_t, auto &) { return pyToLower(c); });
}

std::string pyCapitalize(const std::string &s) {
  return mapCps(s, [](uint32_t c, size_t i, auto &) {
    return i == 0 ? pyToUpper(c) : pyToLower(c);
  });
}

std::string pyTitle(const std::string &s) {
  std::vector<uint32_t> cps = decodeUtf8(s);
  bool prevCased = false;
  for (uint32_t &c : cps) {
    bool cased = isCased(c);
    c = cased ? (prevCased ? pyToLower(c) : pyToUpper(c)) : c;
    prevCased = cased;
  }
  return encodeUtf8(cps);
}

std::string pyReplace(const std::string &s, const std::string &from,
                      const std::string &to, int64_t count) {
  std::string out;
  if (from.empty()) { // inserts `to` around every code point
    std::vector<uint32_t> cps = decodeUtf8(s);
    int64_t done = 0;
    for (size_t i = 0; i <= cps.size(); ++i) {
      if (count < 0 || done < count) {
        out += to;
        ++done;
      }
      if (i < cps.size())
        appendUtf8(out, cps[i]);
    }
    return out;
  }
  size_t pos = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    size_t f = s.find(from, pos);
    if (f == std::string::npos)
      break;
    out.append(s, pos, f - pos);
    out += to;
    pos = f + from.size();
    ++done;
  }
  out.append(s, pos, std::string::npos);
  return out;
}

std::string pyFormat(const std::string &fmt, const CallArgs &args) {
  std::string out;
  size_t auto_ = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c == '{' && i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out += '{';
      ++i;
    } else if (c == '}' && i + 1 < fmt.size() && fmt[i + 1] == '}') {
      out += '}';
      ++i;
    } else if (c == '{') {
      size_t e = fmt.find('}', i);
      if (e == std::string::npos)
        throw JinjaError("single '{' encountered in format string");
      std::string field = fmt.substr(i + 1, e - i - 1);
      if (field.find_first_of(":!.[") != std::string::npos)
        throw JinjaError("format specs are not supported in str.format");
      const Value *v = nullptr;
      if (field.empty()) {
        v = auto_ < args.positional.size() ? &args.positional[auto_] : nullptr;
        ++auto_;
      } else if (field.find_first_not_of("0123456789") == std::string::npos) {
        size_t k = std::stoul(field);
        v = k < args.positional.size() ? &args.positional[k] : nullptr;
      } else {
        for (const auto &kw : args.keyword)
          if (kw.first == field)
            v = &kw.second;
      }
      if (!v)
        throw JinjaError("str.format: no argument for '{" + field + "}'");
      out += toPythonStr(*v);
      i = e;
    } else if (c == '}') {
      throw JinjaError("single '}' encountered in format string");
    } else {
      out += c;
    }
  }
  return out;
}

} // namespace llmc::runtime::text::jinja
