// Globals: Jinja's range, dict and namespace, plus the two functions
// transformers adds for chat templates, raise_exception and strftime_now.
#include "Builtins.h"
#include "Interpreter.h"

#include <ctime>

namespace llmc::runtime::text::jinja {
namespace {

// jinja2.sandbox.MAX_RANGE.
constexpr int64_t kMaxRange = 100000;

int64_t intArg(const Value &v) {
  if (!v.isInt() && !v.isBool())
    throw JinjaError("'" + v.typeName() +
                     "' object cannot be interpreted as an integer");
  return v.asInt();
}

Value range(Interpreter &, const CallArgs &a) {
  if (a.positional.empty() || a.positional.size() > 3 || !a.keyword.empty())
    throw JinjaError("range expected 1 to 3 integer arguments");
  int64_t start = 0, stop, step = 1;
  if (a.positional.size() == 1) {
    stop = intArg(a.positional[0]);
  } else {
    start = intArg(a.positional[0]);
    stop = intArg(a.positional[1]);
    if (a.positional.size() == 3)
      step = intArg(a.positional[2]);
  }
  if (step == 0)
    throw JinjaError("range() arg 3 must not be zero");
  __int128 n = step > 0 ? (__int128(stop) - start + step - 1) / step
                        : (__int128(start) - stop - step - 1) / -step;
  if (n > kMaxRange)
    throw JinjaError("Range too big. The sandbox blocks ranges larger than "
                     "MAX_RANGE (100000).");
  ValueList out;
  for (int64_t i = 0; i < int64_t(n); ++i)
    out.push_back(Value::integer(start + i * step));
  return Value::list(std::move(out));
}

ValueDict dictFromArgs(const CallArgs &a, const char *fn) {
  ValueDict d;
  if (a.positional.size() > 1)
    throw JinjaError(std::string(fn) + " expected at most 1 argument");
  if (a.positional.size() == 1) {
    const Value &p = a.positional[0];
    if (!p.isDict())
      throw JinjaError(std::string(fn) + "() argument must be a mapping");
    d = p.asDict();
  }
  for (const auto &kw : a.keyword)
    d.set(kw.first, kw.second);
  return d;
}

} // namespace

ValueDict makeGlobals() {
  ValueDict g;
  g.set("range", Value::callable("range", range));
  g.set("dict", Value::callable("dict", [](Interpreter &, const CallArgs &a) {
          return Value::dict(dictFromArgs(a, "dict"));
        }));
  g.set("namespace",
        Value::callable("namespace", [](Interpreter &, const CallArgs &a) {
          return Value::makeNamespace(dictFromArgs(a, "namespace"));
        }));
  g.set("raise_exception",
        Value::callable("raise_exception", [](Interpreter &,
                                              const CallArgs &a) -> Value {
          throw JinjaError(a.positional.empty()
                               ? std::string("raise_exception()")
                               : toPythonStr(a.positional[0]));
        }));
  g.set("strftime_now",
        Value::callable("strftime_now", [](Interpreter &, const CallArgs &a) {
          const Value *fmt = a.get(0, "format");
          if (!fmt || !fmt->isString())
            throw JinjaError("strftime_now() needs a format string");
          std::time_t now = std::time(nullptr);
          std::tm tm{};
          localtime_r(&now, &tm);
          char buf[512];
          size_t n = std::strftime(buf, sizeof buf, fmt->asString().c_str(), &tm);
          return Value::string(std::string(buf, n));
        }));
  return g;
}

} // namespace llmc::runtime::text::jinja
