// Value: Python's truthiness, str(), repr(), == and < for the interpreter.
#include "Value.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace llmc::runtime::text::jinja {

const Value *ValueDict::find(const std::string &key) const {
  for (const auto &e : entries)
    if (e.first == key)
      return &e.second;
  return nullptr;
}

void ValueDict::set(const std::string &key, Value value) {
  for (auto &e : entries)
    if (e.first == key) {
      e.second = std::move(value);
      return;
    }
  entries.emplace_back(key, std::move(value));
}

const Value *CallArgs::get(size_t index, const char *name) const {
  if (index < positional.size())
    return &positional[index];
  for (const auto &kw : keyword)
    if (kw.first == name)
      return &kw.second;
  return nullptr;
}

bool Value::truthy() const {
  switch (kind_) {
  case Kind::Undefined:
  case Kind::None:
    return false;
  case Kind::Bool:
  case Kind::Int:
    return int_ != 0;
  case Kind::Float:
    return float_ != 0;
  case Kind::String:
    return !str_.empty();
  case Kind::List:
    return !list_->empty();
  case Kind::Dict:
    return !dict_->entries.empty();
  case Kind::Namespace:
  case Kind::Callable:
    return true;
  }
  return false;
}

std::string Value::typeName() const {
  switch (kind_) {
  case Kind::Undefined: return "Undefined";
  case Kind::None: return "NoneType";
  case Kind::Bool: return "bool";
  case Kind::Int: return "int";
  case Kind::Float: return "float";
  case Kind::String: return "str";
  case Kind::List: return isTuple() ? "tuple" : "list";
  case Kind::Dict: return "dict";
  case Kind::Namespace: return "Namespace";
  case Kind::Callable: return "function";
  }
  return "object";
}

void failUndefined(const Value &v) {
  throw JinjaError(v.hint().empty() ? "value is undefined" : v.hint());
}

std::string formatFloat(double d) {
  if (std::isnan(d))
    return "nan";
  if (std::isinf(d))
    return d < 0 ? "-inf" : "inf";
  // Shortest %e precision that round-trips, as Python's repr.
  char buf[40];
  for (int p = 0; p <= 17; ++p) {
    std::snprintf(buf, sizeof buf, "%.*e", p, d);
    if (std::strtod(buf, nullptr) == d)
      break;
  }
  std::string s(buf);
  size_t e = s.find('e');
  std::string mant = s.substr(0, e);
  int exp = std::atoi(s.c_str() + e + 1);
  bool neg = mant[0] == '-';
  if (neg)
    mant.erase(0, 1);
  std::string digits;
  for (char c : mant)
    if (c != '.')
      digits += c;
  std::string out;
  if (exp >= -5 + 1 && exp < 16) { // Python: fixed for 1e-4 <= |d| < 1e16
    if (exp >= 0) {
      if ((int)digits.size() <= exp + 1) {
        out = digits + std::string(exp + 1 - digits.size(), '0') + ".0";
      } else {
        out = digits.substr(0, exp + 1) + "." + digits.substr(exp + 1);
      }
    } else {
      out = "0." + std::string(-exp - 1, '0') + digits;
    }
  } else {
    out = digits.substr(0, 1);
    if (digits.size() > 1)
      out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    out += eb;
  }
  return neg ? "-" + out : out;
}

namespace {

std::string reprString(const std::string &s) {
  char quote = '\'';
  if (s.find('\'') != std::string::npos && s.find('"') == std::string::npos)
    quote = '"';
  std::string out(1, quote);
  for (unsigned char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == (unsigned char)quote)
      out += std::string("\\") + char(c);
    else if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\t')
      out += "\\t";
    else if (c < 0x20 || c == 0x7f) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      out += b;
    } else
      out += char(c);
  }
  out += quote;
  return out;
}

} // namespace

std::string toPythonRepr(const Value &v) {
  switch (v.kind()) {
  case Value::Kind::String:
    return reprString(v.asString());
  case Value::Kind::Undefined:
    return "Undefined";
  case Value::Kind::List: {
    bool tuple = v.isTuple();
    std::string out = tuple ? "(" : "[";
    const ValueList &l = v.asList();
    for (size_t i = 0; i < l.size(); ++i) {
      if (i)
        out += ", ";
      out += toPythonRepr(l[i]);
    }
    if (tuple && l.size() == 1)
      out += ",";
    return out + (tuple ? ")" : "]");
  }
  case Value::Kind::Dict: {
    std::string out = "{";
    bool first = true;
    for (const auto &e : v.asDict().entries) {
      if (!first)
        out += ", ";
      first = false;
      out += reprString(e.first) + ": " + toPythonRepr(e.second);
    }
    return out + "}";
  }
  default:
    return toPythonStr(v);
  }
}

std::string toPythonStr(const Value &v) {
  switch (v.kind()) {
  case Value::Kind::Undefined:
    return "";
  case Value::Kind::None:
    return "None";
  case Value::Kind::Bool:
    return v.asBool() ? "True" : "False";
  case Value::Kind::Int:
    return std::to_string(v.asInt());
  case Value::Kind::Float:
    return formatFloat(v.asDouble());
  case Value::Kind::String:
    return v.asString();
  case Value::Kind::List:
  case Value::Kind::Dict:
    return toPythonRepr(v);
  case Value::Kind::Namespace:
    return "<Namespace " + toPythonRepr(Value::dict(v.namespaceAttrs())) + ">";
  case Value::Kind::Callable:
    return "<function " + v.hint() + ">";
  }
  return "";
}

bool valuesEqual(const Value &a, const Value &b) {
  if (a.isNumber() && b.isNumber()) {
    if (a.isFloat() || b.isFloat())
      return a.asDouble() == b.asDouble();
    return a.asInt() == b.asInt();
  }
  if (a.kind() != b.kind())
    return false;
  switch (a.kind()) {
  case Value::Kind::Undefined:
  case Value::Kind::None:
    return true;
  case Value::Kind::String:
    return a.asString() == b.asString();
  case Value::Kind::List: {
    const ValueList &x = a.asList(), &y = b.asList();
    if (x.size() != y.size() || a.isTuple() != b.isTuple())
      return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (!valuesEqual(x[i], y[i]))
        return false;
    return true;
  }
  case Value::Kind::Dict: {
    const ValueDict &x = a.asDict(), &y = b.asDict();
    if (x.entries.size() != y.entries.size())
      return false;
    for (const auto &e : x.entries) {
      const Value *o = y.find(e.first);
      if (!o || !valuesEqual(e.second, *o))
        return false;
    }
    return true;
  }
  case Value::Kind::Namespace:
    return &a.namespaceAttrs() == &b.namespaceAttrs();
  default:
    return false;
  }
}

int compareValues(const Value &a, const Value &b) {
  if (a.isNumber() && b.isNumber()) {
    if (a.isFloat() || b.isFloat()) {
      double x = a.asDouble(), y = b.asDouble();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    return a.asInt() < b.asInt() ? -1 : (a.asInt() > b.asInt() ? 1 : 0);
  }
  if (a.isString() && b.isString()) // UTF-8 byte order is code point order
    return a.asString().compare(b.asString()) < 0
               ? -1
               : (a.asString() == b.asString() ? 0 : 1);
  if (a.isList() && b.isList()) {
    const ValueList &x = a.asList(), &y = b.asList();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i)
      if (!valuesEqual(x[i], y[i]))
        return compareValues(x[i], y[i]);
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  if (a.isUndefined())
    failUndefined(a);
  if (b.isUndefined())
    failUndefined(b);
  throw JinjaError("'<' not supported between instances of '" + a.typeName() +
                   "' and '" + b.typeName() + "'");
}

std::vector<uint32_t> decodeUtf8(const std::string &s) {
  std::vector<uint32_t> out;
  out.reserve(s.size());
  size_t i = 0, n = s.size();
  while (i < n) {
    unsigned char c = s[i];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3
                 : (c >> 3) == 30 ? 4 : 0;
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f)
                                                                   : (c & 0x07);
    bool ok = len != 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k) {
      unsigned char t = s[i + k];
      if ((t & 0xc0) != 0x80)
        ok = false;
      cp = (cp << 6) | (t & 0x3f);
    }
    if (!ok) {
      // A malformed byte keeps its identity (surrogate escape) so that
      // slicing and re-encoding give the same bytes back.
      out.push_back(0xDC00 + c);
      i += 1;
      continue;
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

void appendUtf8(std::string &out, uint32_t cp) {
  if (cp >= 0xDC80 && cp <= 0xDCFF) {
    out += char(cp - 0xDC00);
  } else if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

std::string encodeUtf8(const std::vector<uint32_t> &cps) {
  std::string out;
  out.reserve(cps.size());
  for (uint32_t cp : cps)
    appendUtf8(out, cp);
  return out;
}

} // namespace llmc::runtime::text::jinja
