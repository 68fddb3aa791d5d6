// Tests: Jinja's `is` tests (jinja2/tests.py), with Python's notions of
// number, sequence and mapping.
#include "Builtins.h"
#include "Interpreter.h"
#include "Operators.h"
#include "StringOps.h"

namespace llmc::runtime::text::jinja {
namespace {

const Value &arg(const CallArgs &a, const std::string &test) {
  const Value *v = a.get(0, "other");
  if (!v)
    throw JinjaError("test '" + test + "' needs an argument");
  return *v;
}

bool isInt(const Value &v) { return v.isInt(); }

} // namespace

bool isKnownTest(const std::string &n) {
  static const char *const kNames[] = {
      "defined", "undefined", "none", "boolean", "false", "true", "integer",
      "float", "number", "string", "mapping", "iterable", "sequence",
      "callable", "sameas", "escaped", "odd", "even", "divisibleby", "eq",
      "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt",
      "greaterthan", ">", "ge", ">=", "in", "lower", "upper", "filter",
      "test"};
  for (const char *k : kNames)
    if (n == k)
      return true;
  return false;
}

bool applyTest(Interpreter &, const std::string &n, const Value &v,
               const CallArgs &a) {
  if (n == "defined")
    return !v.isUndefined();
  if (n == "undefined")
    return v.isUndefined();
  if (n == "none")
    return v.isNone();
  if (n == "boolean")
    return v.isBool();
  if (n == "false")
    return v.isBool() && !v.asBool();
  if (n == "true")
    return v.isBool() && v.asBool();
  if (n == "integer")
    return isInt(v);
  if (n == "float")
    return v.isFloat();
  if (n == "number")
    return v.isNumber();
  if (n == "string")
    return v.isString();
  if (n == "mapping")
    return v.isDict();
  if (n == "iterable")
    return v.isList() || v.isDict() || v.isString() || v.isUndefined();
  if (n == "sequence")
    return v.isList() || v.isDict() || v.isString() || v.isUndefined();
  if (n == "callable")
    return v.isCallable();
  if (n == "escaped")
    return false;
  if (n == "filter")
    return v.isString() && isKnownFilter(v.asString());
  if (n == "test")
    return v.isString() && isKnownTest(v.asString());
  if (n == "lower" || n == "upper") {
    std::string s = toPythonStr(v);
    bool cased = false;
    for (uint32_t c : decodeUtf8(s))
      if (pyToUpper(c) != c || pyToLower(c) != c) {
        cased = true;
        if (n == "lower" ? pyToLower(c) != c : pyToUpper(c) != c)
          return false;
      }
    return cased;
  }
  if (n == "odd" || n == "even" || n == "divisibleby") {
    Value d = n == "divisibleby" ? arg(a, n) : Value::integer(2);
    Value m = binaryOp("%", v, d, 0);
    bool zero = !m.truthy();
    return n == "odd" ? !zero : zero;
  }
  if (n == "sameas") {
    const Value &o = arg(a, n);
    if (v.kind() != o.kind())
      return false;
    if (v.isNone() || v.isBool())
      return valuesEqual(v, o);
    return v.isNamespace() && valuesEqual(v, o);
  }
  if (n == "in")
    return contains(arg(a, n), v);
  const Value &o = arg(a, n);
  if (n == "eq" || n == "equalto" || n == "==")
    return valuesEqual(v, o);
  if (n == "ne" || n == "!=")
    return !valuesEqual(v, o);
  int c = compareValues(v, o);
  if (n == "lt" || n == "lessthan" || n == "<")
    return c < 0;
  if (n == "le" || n == "<=")
    return c <= 0;
  if (n == "gt" || n == "greaterthan" || n == ">")
    return c > 0;
  return c >= 0; // ge, >=
}

} // namespace llmc::runtime::text::jinja
