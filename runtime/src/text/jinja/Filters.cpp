// Filters: Jinja's built-in filters as jinja2/filters.py defines them,
// and tojson as transformers overrides it (no HTML escaping, keys in
// insertion order, ensure_ascii off).
#include "Builtins.h"
#include "Interpreter.h"
#include "StringOps.h"

#include <algorithm>
#include <cfenv>
#include <cmath>
#include <cstdlib>

namespace llmc::runtime::text::jinja {
namespace {

using FilterFn = Value (*)(Interpreter &, const Value &, const CallArgs &);

bool flag(const CallArgs &a, size_t i, const char *name, bool dflt = false) {
  const Value *v = a.get(i, name);
  return v ? v->truthy() : dflt;
}

Value strValue(std::string s) { return Value::string(std::move(s)); }

Value fLength(Interpreter &, const Value &v, const CallArgs &) {
  switch (v.kind()) {
  case Value::Kind::Undefined:
    return Value::integer(0);
  case Value::Kind::String:
    return Value::integer(int64_t(pyLength(v.asString())));
  case Value::Kind::List:
    return Value::integer(int64_t(v.asList().size()));
  case Value::Kind::Dict:
    return Value::integer(int64_t(v.asDict().entries.size()));
  default:
    throw JinjaError("object of type '" + v.typeName() + "' has no len()");
  }
}

Value fDefault(Interpreter &, const Value &v, const CallArgs &a) {
  bool boolean = flag(a, 1, "boolean");
  if (v.isUndefined() || (boolean && !v.truthy())) {
    const Value *d = a.get(0, "default_value");
    return d ? *d : strValue("");
  }
  return v;
}

Value fTrim(Interpreter &, const Value &v, const CallArgs &a) {
  return strValue(pyStrip(toPythonStr(v), a.get(0, "chars"), true, true));
}
Value fUpper(Interpreter &, const Value &v, const CallArgs &) {
  return strValue(pyUpper(toPythonStr(v)));
}
Value fLower(Interpreter &, const Value &v, const CallArgs &) {
  return strValue(pyLower(toPythonStr(v)));
}
Value fCapitalize(Interpreter &, const Value &v, const CallArgs &) {
  return strValue(pyCapitalize(toPythonStr(v)));
}
// Jinja's title: words start after runs of whitespace, '-', '(', '{', '['
// or '<' (not str.title's rule).
Value fTitle(Interpreter &, const Value &v, const CallArgs &) {
  std::vector<uint32_t> cps = decodeUtf8(toPythonStr(v));
  bool start = true;
  for (uint32_t &c : cps) {
    bool sep = isPySpace(c) || c == '-' || c == '(' || c == '{' || c == '[' ||
               c == '<';
    if (sep) {
      start = true;
      continue;
    }
    c = start ? pyToUpper(c) : pyToLower(c);
    start = false;
  }
  return strValue(encodeUtf8(cps));
}
Value fString(Interpreter &, const Value &v, const CallArgs &) {
  return v.isString() ? v : strValue(toPythonStr(v));
}
Value fSafe(Interpreter &, const Value &v, const CallArgs &) { return v; }

Value fEscape(Interpreter &, const Value &v, const CallArgs &) {
  std::string out;
  for (char c : toPythonStr(v)) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&#34;"; break;
    case '\'': out += "&#39;"; break;
    default: out += c;
    }
  }
  return strValue(std::move(out));
}

// Python int("...") / float("...") on a stripped string.
bool parseInt(const std::string &s, int64_t &out) {
  std::string t = pyStrip(s, nullptr, true, true), digits;
  for (size_t i = 0; i < t.size(); ++i)
    if (t[i] != '_' || (i > 0 && std::isdigit((unsigned char)t[i - 1])))
      digits += t[i];
  if (digits.empty())
    return false;
  errno = 0;
  char *end = nullptr;
  long long v = std::strtoll(digits.c_str(), &end, 10);
  if (*end != 0 || errno == ERANGE)
    return false;
  out = v;
  return true;
}

bool parseFloat(const std::string &s, double &out) {
  std::string t = pyStrip(s, nullptr, true, true);
  if (t.empty() || t.find_first_of("xXpP") != std::string::npos)
    return false;
  char *end = nullptr;
  out = std::strtod(t.c_str(), &end);
  return *end == 0;
}

Value fInt(Interpreter &, const Value &v, const CallArgs &a) {
  const Value *d = a.get(0, "default");
  Value dflt = d ? *d : Value::integer(0);
  if (v.isInt() || v.isBool())
    return Value::integer(v.asInt());
  if (v.isFloat()) {
    double x = v.asDouble();
    if (!std::isfinite(x) || std::fabs(x) >= 9.2e18)
      return dflt;
    return Value::integer(int64_t(x));
  }
  if (v.isString()) {
    int64_t i;
    if (parseInt(v.asString(), i))
      return Value::integer(i);
    double x;
    if (parseFloat(v.asString(), x) && std::isfinite(x) && std::fabs(x) < 9.2e18)
      return Value::integer(int64_t(x));
  }
  return dflt;
}

Value fFloat(Interpreter &, const Value &v, const CallArgs &a) {
  const Value *d = a.get(0, "default");
  Value dflt = d ? *d : Value::real(0.0);
  if (v.isNumber())
    return Value::real(v.asDouble());
  double x;
  if (v.isString() && parseFloat(v.asString(), x))
    return Value::real(x);
  return dflt;
}

Value fAbs(Interpreter &, const Value &v, const CallArgs &) {
  if (v.isFloat())
    return Value::real(std::fabs(v.asDouble()));
  if (v.isInt() || v.isBool())
    return Value::integer(v.asInt() < 0 ? -v.asInt() : v.asInt());
  throw JinjaError("bad operand type for abs(): '" + v.typeName() + "'");
}

// round(value, precision=0, method='common'): 'common' is Python's round()
// (half to even), 'floor' and 'ceil' as named.
Value fRound(Interpreter &, const Value &v, const CallArgs &a) {
  int64_t precision = 0;
  if (const Value *p = a.get(0, "precision"))
    precision = p->asInt();
  std::string method = "common";
  if (const Value *m = a.get(1, "method"))
    method = toPythonStr(*m);
  if (method != "common" && method != "floor" && method != "ceil")
    throw JinjaError("method must be 'common', 'ceil' or 'floor'");
  if (!v.isNumber())
    throw JinjaError("type " + v.typeName() +
                     " doesn't define __round__ method");
  if (method == "common" && !v.isFloat())
    return Value::integer(v.asInt());
  double scale = std::pow(10.0, double(precision));
  double x = v.asDouble() * scale, r;
  if (method == "floor")
    r = std::floor(x);
  else if (method == "ceil")
    r = std::ceil(x);
  else {
    int saved = std::fegetround();
    std::fesetround(FE_TONEAREST);
    r = std::nearbyint(x);
    std::fesetround(saved);
  }
  return Value::real(r / scale);
}

Value fFirst(Interpreter &in, const Value &v, const CallArgs &) {
  ValueList items = in.iterate(v);
  if (items.empty())
    return Value::undefined("No first item, sequence was empty.");
  return items.front();
}

Value fLast(Interpreter &in, const Value &v, const CallArgs &) {
  ValueList items = in.iterate(v);
  if (items.empty())
    return Value::undefined("No last item, sequence was empty.");
  return items.back();
}

Value fList(Interpreter &in, const Value &v, const CallArgs &) {
  return Value::list(in.iterate(v));
}

Value fItems(Interpreter &, const Value &v, const CallArgs &) {
  if (v.isUndefined())
    return Value::list({});
  if (!v.isDict())
    throw JinjaError("Can only get item pairs from a mapping.");
  ValueList l;
  for (const auto &e : v.asDict().entries)
    l.push_back(Value::list({Value::string(e.first), e.second}, true));
  return Value::list(std::move(l));
}

Value fReverse(Interpreter &in, const Value &v, const CallArgs &) {
  if (v.isString()) {
    std::vector<uint32_t> cps = decodeUtf8(v.asString());
    std::reverse(cps.begin(), cps.end());
    return strValue(encodeUtf8(cps));
  }
  ValueList items = in.iterate(v);
  std::reverse(items.begin(), items.end());
  return Value::list(std::move(items));
}

// Jinja's attribute getter: "a.b" and "0" paths through getitem.
Value attrOf(Interpreter &in, const Value &item, const Value &attribute) {
  if (!attribute.isString())
    return in.getItem(item, attribute);
  Value cur = item;
  const std::string &path = attribute.asString();
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot - start);
    Value key = Value::string(part);
    if (!part.empty() && part.find_first_not_of("0123456789") == std::string::npos)
      key = Value::integer(std::atoll(part.c_str()));
    cur = in.getItem(cur, key);
    if (dot == std::string::npos)
      return cur;
    start = dot + 1;
  }
}

Value fJoin(Interpreter &in, const Value &v, const CallArgs &a) {
  std::string sep;
  if (const Value *d = a.get(0, "d"))
    sep = toPythonStr(*d);
  const Value *attribute = a.get(1, "attribute");
  std::string out;
  bool first = true;
  for (const Value &item : in.iterate(v)) {
    if (!first)
      out += sep;
    first = false;
    out += toPythonStr(attribute ? attrOf(in, item, *attribute) : item);
    in.checkSize(out.size());
  }
  return strValue(std::move(out));
}

Value fReplace(Interpreter &, const Value &v, const CallArgs &a) {
  const Value *from = a.get(0, "old"), *to = a.get(1, "new");
  if (!from || !to)
    throw JinjaError("replace needs old and new strings");
  const Value *count = a.get(2, "count");
  return strValue(pyReplace(toPythonStr(v), toPythonStr(*from),
                            toPythonStr(*to),
                            count && !count->isNone() ? count->asInt() : -1));
}

Value fIndent(Interpreter &, const Value &v, const CallArgs &a) {
  std::string ind(4, ' ');
  if (const Value *w = a.get(0, "width"))
    ind = w->isString() ? w->asString() : std::string(size_t(std::max<int64_t>(0, w->asInt())), ' ');
  bool first = flag(a, 1, "first"), blank = flag(a, 2, "blank");
  std::vector<std::string> lines = pySplitlines(toPythonStr(v) + "\n", false);
  std::string rv;
  if (blank) {
    for (size_t i = 0; i < lines.size(); ++i)
      rv += (i ? "\n" + ind : "") + lines[i];
  } else {
    rv = lines.empty() ? "" : lines[0];
    for (size_t i = 1; i < lines.size(); ++i)
      rv += "\n" + (lines[i].empty() ? lines[i] : ind + lines[i]);
  }
  if (first)
    rv = ind + rv;
  return strValue(std::move(rv));
}

// transformers: tojson(x, ensure_ascii=False, indent=None, separators=None,
// sort_keys=False).
Value fToJson(Interpreter &in, const Value &v, const CallArgs &a) {
  bool ensureAscii = flag(a, 0, "ensure_ascii");
  int indent = -1;
  if (const Value *i = a.get(1, "indent"))
    if (!i->isNone())
      indent = int(std::max<int64_t>(0, i->asInt()));
  std::string itemSep = indent >= 0 ? "," : ", ", keySep = ": ";
  if (const Value *s = a.get(2, "separators"))
    if (!s->isNone()) {
      if (!s->isList() || s->asList().size() != 2 ||
          !s->asList()[0].isString() || !s->asList()[1].isString())
        throw JinjaError("separators must be a pair of strings");
      itemSep = s->asList()[0].asString();
      keySep = s->asList()[1].asString();
    }
  std::string out =
      toJson(v, indent, itemSep, keySep, flag(a, 3, "sort_keys"), ensureAscii);
  in.checkSize(out.size());
  return strValue(std::move(out));
}

// map(attribute='x', default=...) or map('filter', args...).
Value fMap(Interpreter &in, const Value &v, const CallArgs &a) {
  ValueList out;
  const Value *attribute = nullptr, *dflt = nullptr;
  for (const auto &kw : a.keyword) {
    if (kw.first == "attribute")
      attribute = &kw.second;
    else if (kw.first == "default")
      dflt = &kw.second;
  }
  if (attribute) {
    for (const Value &item : in.iterate(v)) {
      Value r = attrOf(in, item, *attribute);
      out.push_back(r.isUndefined() && dflt ? *dflt : r);
    }
    return Value::list(std::move(out));
  }
  if (a.positional.empty() || !a.positional[0].isString())
    throw JinjaError("map requires a filter name or attribute=");
  std::string name = a.positional[0].asString();
  if (!isKnownFilter(name))
    throw JinjaError("no filter named '" + name + "'");
  CallArgs rest;
  rest.positional.assign(a.positional.begin() + 1, a.positional.end());
  rest.keyword = a.keyword;
  for (const Value &item : in.iterate(v))
    out.push_back(applyFilter(in, name, item, rest));
  return Value::list(std::move(out));
}

// select/reject/selectattr/rejectattr.
Value selectImpl(Interpreter &in, const Value &v, const CallArgs &a,
                 bool byAttr, bool keep) {
  size_t k = 0;
  const Value *attribute = nullptr;
  if (byAttr) {
    if (a.positional.empty())
      throw JinjaError("missing parameter for attribute name");
    attribute = &a.positional[k++];
  }
  std::string test;
  CallArgs testArgs;
  if (k < a.positional.size()) {
    test = toPythonStr(a.positional[k++]);
    if (!isKnownTest(test))
      throw JinjaError("no test named '" + test + "'");
    testArgs.positional.assign(a.positional.begin() + k, a.positional.end());
    testArgs.keyword = a.keyword;
  }
  ValueList out;
  for (const Value &item : in.iterate(v)) {
    Value x = attribute ? attrOf(in, item, *attribute) : item;
    bool r = test.empty() ? x.truthy() : applyTest(in, test, x, testArgs);
    if (r == keep)
      out.push_back(item);
  }
  return Value::list(std::move(out));
}
Value fSelect(Interpreter &in, const Value &v, const CallArgs &a) {
  return selectImpl(in, v, a, false, true);
}
Value fReject(Interpreter &in, const Value &v, const CallArgs &a) {
  return selectImpl(in, v, a, false, false);
}
Value fSelectAttr(Interpreter &in, const Value &v, const CallArgs &a) {
  return selectImpl(in, v, a, true, true);
}
Value fRejectAttr(Interpreter &in, const Value &v, const CallArgs &a) {
  return selectImpl(in, v, a, true, false);
}

// Sort key per Jinja: optional attribute, strings lowercased unless
// case_sensitive.
Value sortKey(Interpreter &in, const Value &item, const Value *attribute,
              bool caseSensitive) {
  Value k = attribute ? attrOf(in, item, *attribute) : item;
  if (!caseSensitive && k.isString())
    return strValue(pyLower(k.asString()));
  return k;
}

// The values of (key, value) pairs in stable key order (Jinja's sort and
// dictsort).
Value sortedByKey(std::vector<std::pair<Value, Value>> keyed, bool reverse) {
  std::stable_sort(keyed.begin(), keyed.end(), [&](auto &x, auto &y) {
    return reverse ? compareValues(y.first, x.first) < 0
                   : compareValues(x.first, y.first) < 0;
  });
  ValueList out;
  for (auto &p : keyed)
    out.push_back(std::move(p.second));
  return Value::list(std::move(out));
}

Value fSort(Interpreter &in, const Value &v, const CallArgs &a) {
  bool reverse = flag(a, 0, "reverse"), cs = flag(a, 1, "case_sensitive");
  const Value *attribute = a.get(2, "attribute");
  ValueList items = in.iterate(v);
  std::vector<std::pair<Value, Value>> keyed;
  for (const Value &i : items)
    keyed.emplace_back(sortKey(in, i, attribute, cs), i);
  return sortedByKey(std::move(keyed), reverse);
}

Value fUnique(Interpreter &in, const Value &v, const CallArgs &a) {
  bool cs = flag(a, 0, "case_sensitive");
  const Value *attribute = a.get(1, "attribute");
  ValueList out, seen;
  for (const Value &i : in.iterate(v)) {
    Value k = sortKey(in, i, attribute, cs);
    bool dup = false;
    for (const Value &s : seen)
      dup = dup || valuesEqual(s, k);
    if (!dup) {
      seen.push_back(k);
      out.push_back(i);
    }
  }
  return Value::list(std::move(out));
}

Value minMax(Interpreter &in, const Value &v, const CallArgs &a, bool max) {
  bool cs = flag(a, 0, "case_sensitive");
  const Value *attribute = a.get(1, "attribute");
  ValueList items = in.iterate(v);
  if (items.empty())
    return Value::undefined(std::string("No aggregated item, sequence was empty."));
  size_t best = 0;
  for (size_t i = 1; i < items.size(); ++i) {
    int c = compareValues(sortKey(in, items[i], attribute, cs),
                          sortKey(in, items[best], attribute, cs));
    if (max ? c > 0 : c < 0)
      best = i;
  }
  return items[best];
}
Value fMin(Interpreter &in, const Value &v, const CallArgs &a) {
  return minMax(in, v, a, false);
}
Value fMax(Interpreter &in, const Value &v, const CallArgs &a) {
  return minMax(in, v, a, true);
}

Value fSum(Interpreter &in, const Value &v, const CallArgs &a) {
  const Value *attribute = a.get(0, "attribute");
  const Value *start = a.get(1, "start");
  Value acc = start ? *start : Value::integer(0);
  for (const Value &i : in.iterate(v)) {
    Value x = attribute ? attrOf(in, i, *attribute) : i;
    if (!x.isNumber() || !acc.isNumber())
      throw JinjaError("unsupported operand type(s) for +: '" +
                       acc.typeName() + "' and '" + x.typeName() + "'");
    acc = acc.isFloat() || x.isFloat()
              ? Value::real(acc.asDouble() + x.asDouble())
              : Value::integer(acc.asInt() + x.asInt());
  }
  return acc;
}

Value fDictSort(Interpreter &in, const Value &v, const CallArgs &a) {
  if (!v.isDict())
    throw JinjaError("dictsort needs a mapping");
  bool cs = flag(a, 0, "case_sensitive");
  std::string by = "key";
  if (const Value *b = a.get(1, "by"))
    by = toPythonStr(*b);
  bool reverse = flag(a, 2, "reverse");
  if (by != "key" && by != "value")
    throw JinjaError("You can only sort by either \"key\" or \"value\"");
  std::vector<std::pair<Value, Value>> keyed;
  for (const auto &e : v.asDict().entries) {
    Value pair = Value::list({Value::string(e.first), e.second}, true);
    keyed.emplace_back(
        sortKey(in, by == "key" ? Value::string(e.first) : e.second, nullptr, cs),
        pair);
  }
  return sortedByKey(std::move(keyed), reverse);
}

Value fAttr(Interpreter &in, const Value &v, const CallArgs &a) {
  const Value *n = a.get(0, "name");
  if (!n || !n->isString())
    throw JinjaError("attr needs an attribute name");
  return in.getAttr(v, n->asString());
}

Value fWordcount(Interpreter &, const Value &v, const CallArgs &) {
  return Value::integer(int64_t(pySplit(toPythonStr(v), nullptr, -1, false).size()));
}

// "%s and %d" | format(a, b): printf-style with %s, %d, %r and %%.
Value fFormat(Interpreter &, const Value &v, const CallArgs &a) {
  std::string f = toPythonStr(v), out;
  size_t k = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%') {
      out += f[i];
      continue;
    }
    if (++i >= f.size())
      throw JinjaError("incomplete format");
    char c = f[i];
    if (c == '%') {
      out += '%';
      continue;
    }
    if (k >= a.positional.size())
      throw JinjaError("not enough arguments for format string");
    const Value &x = a.positional[k++];
    if (c == 's')
      out += toPythonStr(x);
    else if (c == 'r')
      out += toPythonRepr(x);
    else if (c == 'd' || c == 'i') {
      if (!x.isNumber())
        throw JinjaError("%d format: a real number is required, not " + x.typeName());
      out += std::to_string(x.isFloat() ? int64_t(x.asDouble()) : x.asInt());
    } else
      throw JinjaError(std::string("unsupported format character '") + c + "'");
  }
  return strValue(std::move(out));
}

struct FilterEntry {
  const char *name;
  FilterFn fn;
};

const FilterEntry kFilters[] = {
    {"abs", fAbs}, {"attr", fAttr}, {"capitalize", fCapitalize},
    {"count", fLength}, {"d", fDefault}, {"default", fDefault},
    {"dictsort", fDictSort}, {"e", fEscape}, {"escape", fEscape},
    {"first", fFirst}, {"float", fFloat}, {"forceescape", fEscape},
    {"format", fFormat}, {"indent", fIndent}, {"int", fInt},
    {"items", fItems}, {"join", fJoin}, {"last", fLast},
    {"length", fLength}, {"list", fList}, {"lower", fLower}, {"map", fMap},
    {"max", fMax}, {"min", fMin}, {"reject", fReject},
    {"rejectattr", fRejectAttr}, {"replace", fReplace},
    {"reverse", fReverse}, {"round", fRound}, {"safe", fSafe},
    {"select", fSelect}, {"selectattr", fSelectAttr}, {"sort", fSort},
    {"string", fString}, {"sum", fSum}, {"title", fTitle},
    {"tojson", fToJson}, {"trim", fTrim}, {"unique", fUnique},
    {"upper", fUpper}, {"wordcount", fWordcount},
};

FilterFn findFilter(const std::string &name) {
  for (const FilterEntry &e : kFilters)
    if (name == e.name)
      return e.fn;
  return nullptr;
}

} // namespace

bool isKnownFilter(const std::string &name) { return findFilter(name); }

Value applyFilter(Interpreter &in, const std::string &name, const Value &value,
                  const CallArgs &args) {
  FilterFn fn = findFilter(name);
  if (!fn)
    throw JinjaError("no filter named '" + name + "'");
  return fn(in, value, args);
}

} // namespace llmc::runtime::text::jinja
