// Value: the dynamic value of the Jinja interpreter, with Python's semantics
// for the types chat templates see (None, bool, int, float, str, list, dict)
// plus Jinja's Undefined, namespace objects and callables.
#ifndef LLMC_RUNTIME_TEXT_JINJA_VALUE_H
#define LLMC_RUNTIME_TEXT_JINJA_VALUE_H

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace llmc::runtime::text::jinja {

// A render or evaluation error. Thrown inside the interpreter only; the
// ChatTemplate API turns it into a one-line Status. line 0: not yet known
// (the interpreter fills in the line of the node being evaluated).
struct JinjaError : std::runtime_error {
  JinjaError(std::string message, int line = 0)
      : std::runtime_error(std::move(message)), line(line) {}
  int line;
};

class Value;
class Interpreter;
using ValueList = std::vector<Value>;

// Insertion-ordered string-keyed map (Python dicts keep insertion order).
struct ValueDict {
  std::vector<std::pair<std::string, Value>> entries;
  const Value *find(const std::string &key) const;
  void set(const std::string &key, Value value);
};

// Positional and keyword arguments of a call.
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
  // The positional argument `index`, else keyword `name`, else nullptr.
  const Value *get(size_t index, const char *name) const;
};

using Function = std::function<Value(Interpreter &, const CallArgs &)>;

class Value {
public:
  enum class Kind { Undefined, None, Bool, Int, Float, String, List, Dict,
                    Namespace, Callable };

  Value() = default; // Undefined
  static Value undefined(std::string hint) {
    Value v;
    v.str_ = std::move(hint);
    return v;
  }
  static Value none() { return Value(Kind::None); }
  static Value boolean(bool b) {
    Value v(Kind::Bool);
    v.int_ = b;
    return v;
  }
  static Value integer(int64_t i) {
    Value v(Kind::Int);
    v.int_ = i;
    return v;
  }
  static Value real(double d) {
    Value v(Kind::Float);
    v.float_ = d;
    return v;
  }
  static Value string(std::string s) {
    Value v(Kind::String);
    v.str_ = std::move(s);
    return v;
  }
  static Value list(ValueList items, bool tuple = false) {
    Value v(Kind::List);
    v.list_ = std::make_shared<const ValueList>(std::move(items));
    v.int_ = tuple;
    return v;
  }
  static Value dict(ValueDict d) {
    Value v(Kind::Dict);
    v.dict_ = std::make_shared<ValueDict>(std::move(d));
    return v;
  }
  // namespace(...): the one mutable object (`{% set ns.x = ... %}`).
  static Value makeNamespace(ValueDict d) {
    Value v(Kind::Namespace);
    v.dict_ = std::make_shared<ValueDict>(std::move(d));
    return v;
  }
  static Value callable(std::string name, Function fn) {
    Value v(Kind::Callable);
    v.str_ = std::move(name);
    v.fn_ = std::make_shared<const Function>(std::move(fn));
    return v;
  }

  Kind kind() const { return kind_; }
  bool isUndefined() const { return kind_ == Kind::Undefined; }
  bool isNone() const { return kind_ == Kind::None; }
  bool isBool() const { return kind_ == Kind::Bool; }
  bool isInt() const { return kind_ == Kind::Int; }
  bool isFloat() const { return kind_ == Kind::Float; }
  // Python's numbers.Number includes bool.
  bool isNumber() const { return isInt() || isFloat() || isBool(); }
  bool isString() const { return kind_ == Kind::String; }
  bool isList() const { return kind_ == Kind::List; }
  bool isTuple() const { return isList() && int_; }
  bool isDict() const { return kind_ == Kind::Dict; }
  bool isNamespace() const { return kind_ == Kind::Namespace; }
  bool isCallable() const { return kind_ == Kind::Callable; }

  bool asBool() const { return int_ != 0; }
  int64_t asInt() const { return int_; } // Int and Bool
  double asDouble() const { return isFloat() ? float_ : double(int_); }
  const std::string &asString() const { return str_; }
  const ValueList &asList() const { return *list_; }
  const ValueDict &asDict() const { return *dict_; }
  ValueDict &namespaceAttrs() const { return *dict_; }
  const Function &asFunction() const { return *fn_; }
  // Undefined: what was looked up ("'x' is undefined"); Callable: its name.
  const std::string &hint() const { return str_; }

  // Python truthiness (Undefined is false).
  bool truthy() const;
  // Python's type name for messages: "str", "dict", "NoneType", ...
  std::string typeName() const;

private:
  explicit Value(Kind k) : kind_(k) {}
  Kind kind_ = Kind::Undefined;
  int64_t int_ = 0; // Bool, Int; List: tuple flag
  double float_ = 0;
  std::string str_;
  std::shared_ptr<const ValueList> list_;
  std::shared_ptr<ValueDict> dict_;
  std::shared_ptr<const Function> fn_;
};

// Jinja's str(): what `{{ v }}` prints (Undefined prints nothing).
std::string toPythonStr(const Value &v);
// Python's repr() (strings quoted), used inside containers.
std::string toPythonRepr(const Value &v);
// Python float repr: shortest round-trip digits, "1.0", "1e+16", "inf".
std::string formatFloat(double d);
// Python ==.
bool valuesEqual(const Value &a, const Value &b);
// Python <: -1, 0, 1; throws for unorderable types.
int compareValues(const Value &a, const Value &b);
// Throws the UndefinedError Jinja raises when an undefined value is used.
[[noreturn]] void failUndefined(const Value &v);

// Unicode code points of UTF-8 text (malformed bytes count as one each) and
// back: Python strings index and measure by code point.
std::vector<uint32_t> decodeUtf8(const std::string &s);
std::string encodeUtf8(const std::vector<uint32_t> &cps);
void appendUtf8(std::string &out, uint32_t cp);

} // namespace llmc::runtime::text::jinja

#endif // LLMC_RUNTIME_TEXT_JINJA_VALUE_H
