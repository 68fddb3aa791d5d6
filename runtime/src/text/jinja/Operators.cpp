// Operators: Python 3 arithmetic (int/float promotion, floor division and
// modulo toward negative infinity, str and list concatenation/repetition).
#include "Operators.h"

#include <cmath>

namespace llmc::runtime::text::jinja {
namespace {

[[noreturn]] void unsupported(const std::string &op, const Value &a,
                              const Value &b) {
  throw JinjaError("unsupported operand type(s) for " + op + ": '" +
                   a.typeName() + "' and '" + b.typeName() + "'");
}

// Python ints are unbounded; ours stop at 64 bits.
void checkOverflow(bool overflow) {
  if (overflow)
    throw JinjaError("integer overflow (values beyond 64 bits)");
}

Value repeat(const Value &seq, int64_t n, size_t maxBytes) {
  if (n < 0)
    n = 0;
  if (seq.isString()) {
    if (n > 0 && seq.asString().size() * uint64_t(n) > maxBytes)
      throw JinjaError("string repetition exceeds the output size limit");
    std::string out;
    for (int64_t i = 0; i < n; ++i)
      out += seq.asString();
    return Value::string(std::move(out));
  }
  if (n > 0 && seq.asList().size() * uint64_t(n) > maxBytes)
    throw JinjaError("list repetition too large");
  ValueList out;
  for (int64_t i = 0; i < n; ++i)
    out.insert(out.end(), seq.asList().begin(), seq.asList().end());
  return Value::list(std::move(out), seq.isTuple());
}

} // namespace

Value binaryOp(const std::string &op, const Value &a, const Value &b,
               size_t maxBytes) {
  if (op == "~") {
    std::string s = toPythonStr(a) + toPythonStr(b);
    if (s.size() > maxBytes)
      throw JinjaError("string exceeds the output size limit");
    return Value::string(std::move(s));
  }
  if (a.isUndefined())
    failUndefined(a);
  if (b.isUndefined())
    failUndefined(b);
  bool nums = a.isNumber() && b.isNumber();
  bool ints = nums && !a.isFloat() && !b.isFloat();
  int64_t x = a.asInt(), y = b.asInt(), r = 0;
  double fx = a.asDouble(), fy = b.asDouble();
  if (op == "+") {
    if (ints) {
      checkOverflow(__builtin_add_overflow(x, y, &r));
      return Value::integer(r);
    }
    if (nums)
      return Value::real(fx + fy);
    if (a.isString() && b.isString()) {
      if (a.asString().size() + b.asString().size() > maxBytes)
        throw JinjaError("string exceeds the output size limit");
      return Value::string(a.asString() + b.asString());
    }
    if (a.isList() && b.isList() && a.isTuple() == b.isTuple()) {
      ValueList l = a.asList();
      l.insert(l.end(), b.asList().begin(), b.asList().end());
      return Value::list(std::move(l), a.isTuple());
    }
    if (a.isString() || a.isList())
      throw JinjaError("can only concatenate " + a.typeName() + " (not \"" +
                       b.typeName() + "\") to " + a.typeName());
    unsupported(op, a, b);
  }
  if (op == "-") {
    if (ints) {
      checkOverflow(__builtin_sub_overflow(x, y, &r));
      return Value::integer(r);
    }
    if (nums)
      return Value::real(fx - fy);
    unsupported(op, a, b);
  }
  if (op == "*") {
    if (ints) {
      checkOverflow(__builtin_mul_overflow(x, y, &r));
      return Value::integer(r);
    }
    if (nums)
      return Value::real(fx * fy);
    if ((a.isString() || a.isList()) && (b.isInt() || b.isBool()))
      return repeat(a, y, maxBytes);
    if ((b.isString() || b.isList()) && (a.isInt() || a.isBool()))
      return repeat(b, x, maxBytes);
    unsupported(op, a, b);
  }
  if (!nums)
    unsupported(op, a, b);
  if (op == "/") {
    if (fy == 0)
      throw JinjaError("division by zero");
    return Value::real(fx / fy);
  }
  if (op == "//" || op == "%") {
    if (ints) {
      if (y == 0)
        throw JinjaError("integer division or modulo by zero");
      if (x == INT64_MIN && y == -1)
        throw JinjaError("integer overflow (values beyond 64 bits)");
      int64_t q = x / y, m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) {
        q -= 1;
        m += y;
      }
      return Value::integer(op == "//" ? q : m);
    }
    if (fy == 0)
      throw JinjaError("float division by zero");
    double m = std::fmod(fx, fy);
    if (m != 0 && ((m < 0) != (fy < 0)))
      m += fy;
    if (op == "%")
      return Value::real(m);
    // CPython's float_floor_div.
    double div = (fx - m) / fy;
    if (div != 0) {
      double f = std::floor(div);
      if (div - f > 0.5)
        f += 1.0;
      div = f;
    }
    return Value::real(div);
  }
  if (op == "**") {
    if (ints && y >= 0) {
      int64_t acc = 1, base = x;
      for (int64_t e = y; e > 0; e >>= 1) { // square and multiply
        if ((e & 1) && __builtin_mul_overflow(acc, base, &acc))
          throw JinjaError("integer overflow (values beyond 64 bits)");
        if (e > 1 && __builtin_mul_overflow(base, base, &base))
          throw JinjaError("integer overflow (values beyond 64 bits)");
      }
      return Value::integer(acc);
    }
    if (fx == 0 && fy < 0)
      throw JinjaError("0.0 cannot be raised to a negative power");
    return Value::real(std::pow(fx, fy));
  }
  throw JinjaError("unknown operator '" + op + "'");
}

bool contains(const Value &haystack, const Value &needle) {
  switch (haystack.kind()) {
  case Value::Kind::String:
    if (!needle.isString()) {
      if (needle.isUndefined())
        failUndefined(needle);
      throw JinjaError("'in <string>' requires string as left operand, not " +
                       needle.typeName());
    }
    return haystack.asString().find(needle.asString()) != std::string::npos;
  case Value::Kind::List:
    for (const Value &v : haystack.asList())
      if (valuesEqual(v, needle))
        return true;
    return false;
  case Value::Kind::Dict:
    return needle.isString() && haystack.asDict().find(needle.asString());
  case Value::Kind::Undefined:
    return false;
  default:
    throw JinjaError("argument of type '" + haystack.typeName() +
                     "' is not iterable");
  }
}

} // namespace llmc::runtime::text::jinja
