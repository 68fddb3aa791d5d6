// Json: json.dumps as transformers' tojson filter calls it (ensure_ascii
// False, insertion order, no HTML escaping unlike Jinja's own tojson).
#include "Builtins.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace llmc::runtime::text::jinja {
namespace {

void appendHex4(std::string &out, uint32_t u) {
  char b[16];
  std::snprintf(b, sizeof b, "\\u%04x", u & 0xFFFF);
  out += b;
}

void dumpString(const std::string &s, bool ensureAscii, std::string &out) {
  out += '"';
  for (uint32_t cp : decodeUtf8(s)) {
    switch (cp) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    case '\b': out += "\\b"; break;
    case '\f': out += "\\f"; break;
    default:
      if (cp < 0x20 || (ensureAscii && cp >= 0x7f)) {
        if (cp >= 0x10000) { // surrogate pair
          uint32_t v = cp - 0x10000;
          appendHex4(out, 0xD800 + (v >> 10));
          appendHex4(out, 0xDC00 + (v & 0x3FF));
        } else {
          appendHex4(out, cp);
        }
      } else {
        appendUtf8(out, cp);
      }
    }
  }
  out += '"';
}

struct Dumper {
  int indent;
  std::string itemSep, keySep;
  bool sortKeys, ensureAscii;

  void newline(std::string &out, int depth) const {
    out += '\n';
    out.append(size_t(indent) * depth, ' ');
  }

  void dump(const Value &v, int depth, std::string &out) const {
    if (depth > 500)
      throw JinjaError("tojson: value nested too deeply");
    switch (v.kind()) {
    case Value::Kind::None:
      out += "null";
      return;
    case Value::Kind::Bool:
      out += v.asBool() ? "true" : "false";
      return;
    case Value::Kind::Int:
      out += std::to_string(v.asInt());
      return;
    case Value::Kind::Float: {
      double d = v.asDouble();
      if (std::isnan(d))
        out += "NaN";
      else if (std::isinf(d))
        out += d < 0 ? "-Infinity" : "Infinity";
      else
        out += formatFloat(d);
      return;
    }
    case Value::Kind::String:
      dumpString(v.asString(), ensureAscii, out);
      return;
    case Value::Kind::List: {
      const ValueList &l = v.asList();
      if (l.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (size_t i = 0; i < l.size(); ++i) {
        if (i)
          out += itemSep;
        if (indent >= 0)
          newline(out, depth + 1);
        dump(l[i], depth + 1, out);
      }
      if (indent >= 0)
        newline(out, depth);
      out += ']';
      return;
    }
    case Value::Kind::Dict: {
      std::vector<const std::pair<std::string, Value> *> entries;
      for (const auto &e : v.asDict().entries)
        entries.push_back(&e);
      if (entries.empty()) {
        out += "{}";
        return;
      }
      if (sortKeys)
        std::stable_sort(entries.begin(), entries.end(),
                         [](auto *a, auto *b) { return a->first < b->first; });
      out += '{';
      for (size_t i = 0; i < entries.size(); ++i) {
        if (i)
          out += itemSep;
        if (indent >= 0)
          newline(out, depth + 1);
        dumpString(entries[i]->first, ensureAscii, out);
        out += keySep;
        dump(entries[i]->second, depth + 1, out);
      }
      if (indent >= 0)
        newline(out, depth);
      out += '}';
      return;
    }
    default:
      throw JinjaError("Object of type " + v.typeName() +
                       " is not JSON serializable");
    }
  }
};

} // namespace

std::string toJson(const Value &v, int indent, const std::string &itemSep,
                   const std::string &keySep, bool sortKeys, bool ensureAscii) {
  std::string out;
  Dumper{indent, itemSep, keySep, sortKeys, ensureAscii}.dump(v, 0, out);
  return out;
}

} // namespace llmc::runtime::text::jinja
