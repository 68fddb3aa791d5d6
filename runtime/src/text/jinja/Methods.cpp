// Methods: the str and dict methods templates call (`content.strip()`,
// `message.get('x')`, `tool.items()`). Mutating methods (list.append,
// dict.update) are absent, as in transformers' ImmutableSandboxedEnvironment.
#include "Builtins.h"
#include "Interpreter.h"
#include "StringOps.h"

namespace llmc::runtime::text::jinja {
namespace {

const std::string &strArg(const CallArgs &a, size_t i, const char *name,
                          const char *method) {
  const Value *v = a.get(i, name);
  if (!v || !v->isString())
    throw JinjaError(std::string(method) + "() argument must be str");
  return v->asString();
}

int64_t intArg(const CallArgs &a, size_t i, const char *name, int64_t dflt) {
  const Value *v = a.get(i, name);
  if (!v || v->isNone())
    return dflt;
  if (!v->isInt() && !v->isBool())
    throw JinjaError(std::string("'") + name + "' must be an integer");
  return v->asInt();
}

Value stringList(const std::vector<std::string> &parts) {
  ValueList l;
  for (const std::string &p : parts)
    l.push_back(Value::string(p));
  return Value::list(std::move(l));
}

// startswith/endswith take a str or a tuple of str.
bool affix(const std::string &s, const Value &arg, bool prefix) {
  auto one = [&](const Value &v) {
    if (!v.isString())
      throw JinjaError(std::string(prefix ? "startswith" : "endswith") +
                       " first arg must be str or a tuple of str, not " +
                       v.typeName());
    const std::string &a = v.asString();
    return a.size() <= s.size() &&
           (prefix ? s.compare(0, a.size(), a) == 0
                   : s.compare(s.size() - a.size(), a.size(), a) == 0);
  };
  if (arg.isList()) {
    for (const Value &v : arg.asList())
      if (one(v))
        return true;
    return false;
  }
  return one(arg);
}

template <typename Pred> bool allChars(const std::string &s, Pred p) {
  std::vector<uint32_t> cps = decodeUtf8(s);
  if (cps.empty())
    return false;
  for (uint32_t c : cps)
    if (!p(c))
      return false;
  return true;
}

Value strMethod(const std::string &s, const std::string &name,
                const CallArgs &a) {
  if (name == "strip" || name == "lstrip" || name == "rstrip")
    return Value::string(pyStrip(s, a.get(0, "chars"), name != "rstrip",
                                 name != "lstrip"));
  if (name == "split" || name == "rsplit")
    return stringList(pySplit(s, a.get(0, "sep"), intArg(a, 1, "maxsplit", -1),
                              name == "rsplit"));
  if (name == "splitlines") {
    const Value *k = a.get(0, "keepends");
    return stringList(pySplitlines(s, k && k->truthy()));
  }
  if (name == "startswith" || name == "endswith") {
    const Value *v = a.get(0, "prefix");
    if (!v)
      throw JinjaError(name + "() takes at least 1 argument");
    return Value::boolean(affix(s, *v, name == "startswith"));
  }
  if (name == "upper")
    return Value::string(pyUpper(s));
  if (name == "lower")
    return Value::string(pyLower(s));
  if (name == "title")
    return Value::string(pyTitle(s));
  if (name == "capitalize")
    return Value::string(pyCapitalize(s));
  if (name == "replace")
    return Value::string(pyReplace(s, strArg(a, 0, "old", "replace"),
                                   strArg(a, 1, "new", "replace"),
                                   intArg(a, 2, "count", -1)));
  if (name == "find" || name == "rfind" || name == "index" || name == "count") {
    const std::string &sub = strArg(a, 0, "sub", name.c_str());
    if (name == "count") {
      if (sub.empty())
        return Value::integer(int64_t(pyLength(s)) + 1);
      int64_t n = 0;
      for (size_t p = s.find(sub); p != std::string::npos;
           p = s.find(sub, p + sub.size()))
        ++n;
      return Value::integer(n);
    }
    size_t p = name == "rfind" ? s.rfind(sub) : s.find(sub);
    if (p == std::string::npos) {
      if (name == "index")
        throw JinjaError("substring not found");
      return Value::integer(-1);
    }
    return Value::integer(int64_t(pyLength(s.substr(0, p))));
  }
  if (name == "join") {
    const Value *v = a.get(0, "iterable");
    if (!v || !v->isList())
      throw JinjaError("join() argument must be a list of str");
    std::string out;
    for (size_t i = 0; i < v->asList().size(); ++i) {
      const Value &item = v->asList()[i];
      if (!item.isString())
        throw JinjaError("sequence item " + std::to_string(i) +
                         ": expected str instance, " + item.typeName() +
                         " found");
      if (i)
        out += s;
      out += item.asString();
    }
    return Value::string(std::move(out));
  }
  if (name == "format")
    return Value::string(pyFormat(s, a));
  if (name == "isdigit")
    return Value::boolean(allChars(s, [](uint32_t c) { return c >= '0' && c <= '9'; }));
  if (name == "isspace")
    return Value::boolean(allChars(s, isPySpace));
  if (name == "isalpha")
    return Value::boolean(allChars(s, [](uint32_t c) {
      return pyToUpper(c) != c || pyToLower(c) != c;
    }));
  if (name == "islower" || name == "isupper") {
    bool lower = name == "islower", cased = false;
    for (uint32_t c : decodeUtf8(s)) {
      if (pyToUpper(c) != c || pyToLower(c) != c) {
        cased = true;
        if ((lower && pyToLower(c) != c) || (!lower && pyToUpper(c) != c))
          return Value::boolean(false);
      }
    }
    return Value::boolean(cased);
  }
  throw JinjaError("'str' object has no attribute '" + name + "'");
}

Value dictMethod(const Value &d, const std::string &name, const CallArgs &a) {
  const ValueDict &dict = d.asDict();
  if (name == "items") {
    ValueList l;
    for (const auto &e : dict.entries)
      l.push_back(Value::list({Value::string(e.first), e.second}, true));
    return Value::list(std::move(l));
  }
  if (name == "keys") {
    ValueList l;
    for (const auto &e : dict.entries)
      l.push_back(Value::string(e.first));
    return Value::list(std::move(l));
  }
  if (name == "values") {
    ValueList l;
    for (const auto &e : dict.entries)
      l.push_back(e.second);
    return Value::list(std::move(l));
  }
  // get(key, default=None)
  const Value *key = a.get(0, "key");
  if (!key)
    throw JinjaError("get expected at least 1 argument, got 0");
  if (key->isString())
    if (const Value *v = dict.find(key->asString()))
      return *v;
  const Value *dflt = a.get(1, "default");
  return dflt ? *dflt : Value::none();
}

bool isStrMethod(const std::string &n) {
  static const char *const kNames[] = {
      "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines",
      "startswith", "endswith", "upper", "lower", "title", "capitalize",
      "replace", "find", "rfind", "index", "count", "join", "format",
      "isdigit", "isspace", "isalpha", "islower", "isupper"};
  for (const char *k : kNames)
    if (n == k)
      return true;
  return false;
}

} // namespace

Value boundMethod(const Value &obj, const std::string &name) {
  if (obj.isString() && isStrMethod(name)) {
    std::string s = obj.asString();
    return Value::callable(name, [s, name](Interpreter &, const CallArgs &a) {
      return strMethod(s, name, a);
    });
  }
  if (obj.isDict() &&
      (name == "items" || name == "keys" || name == "values" || name == "get"))
    return Value::callable(name, [obj, name](Interpreter &, const CallArgs &a) {
      return dictMethod(obj, name, a);
    });
  return Value();
}

} // namespace llmc::runtime::text::jinja
