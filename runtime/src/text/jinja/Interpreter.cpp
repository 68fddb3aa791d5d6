// Interpreter: statement execution and expression evaluation. Scoping
// follows Jinja2: `for` bodies and macro calls get their own frame (so a
// `set` inside a loop does not leak out; namespaces exist for that), `if`
// does not.
#include "Interpreter.h"

#include "Builtins.h"
#include "Operators.h"

namespace llmc::runtime::text::jinja {

struct Interpreter::Frame {
  ValueDict vars;
  std::shared_ptr<Frame> parent;
};

namespace {

int64_t normIndex(int64_t i, size_t n) { return i < 0 ? i + int64_t(n) : i; }

// Python slice indices for a sequence of length n.
std::vector<size_t> sliceIndices(const Value *start, const Value *stop,
                                 const Value *step, size_t n) {
  auto asIndex = [](const Value *v, const char *what) -> const Value * {
    if (!v || v->isNone())
      return nullptr;
    if (!v->isInt() && !v->isBool())
      throw JinjaError(std::string("slice ") + what +
                       " must be an integer or None");
    return v;
  };
  start = asIndex(start, "start");
  stop = asIndex(stop, "stop");
  step = asIndex(step, "step");
  int64_t st = step ? step->asInt() : 1;
  if (st == 0)
    throw JinjaError("slice step cannot be zero");
  int64_t len = int64_t(n);
  auto clamp = [&](const Value *v, int64_t dflt) {
    if (!v)
      return dflt;
    int64_t i = v->asInt();
    if (i < 0)
      i += len;
    if (st > 0)
      return std::min(std::max(i, int64_t(0)), len);
    return std::min(std::max(i, int64_t(-1)), len - 1);
  };
  int64_t b = clamp(start, st > 0 ? 0 : len - 1);
  int64_t e = clamp(stop, st > 0 ? len : -1);
  std::vector<size_t> out;
  for (int64_t i = b; st > 0 ? i < e : i > e; i += st)
    out.push_back(size_t(i));
  return out;
}

// Jinja's loop object for iteration i of items.
Value loopObject(const ValueList &items, int64_t i) {
  const int64_t n = int64_t(items.size());
  ValueDict loop;
  loop.entries.reserve(12);
  loop.set("index", Value::integer(i + 1));
  loop.set("index0", Value::integer(i));
  loop.set("revindex", Value::integer(n - i));
  loop.set("revindex0", Value::integer(n - i - 1));
  loop.set("first", Value::boolean(i == 0));
  loop.set("last", Value::boolean(i == n - 1));
  loop.set("length", Value::integer(n));
  loop.set("depth", Value::integer(1));
  loop.set("depth0", Value::integer(0));
  loop.set("previtem", i > 0 ? items[i - 1]
                             : Value::undefined("there is no previous item"));
  loop.set("nextitem", i + 1 < n ? items[i + 1]
                                 : Value::undefined("there is no next item"));
  loop.set("cycle", Value::callable("cycle", [i](Interpreter &,
                                                 const CallArgs &a) {
    if (a.positional.empty())
      throw JinjaError("no items for cycling given");
    return a.positional[size_t(i) % a.positional.size()];
  }));
  return Value::dict(std::move(loop));
}

std::string objectName(const Value &v) {
  if (v.isNone())
    return "None";
  return v.typeName() + " object";
}

} // namespace

Interpreter::Interpreter(Limits limits)
    : limits_(limits), globals_(makeGlobals()) {}

void Interpreter::checkSize(size_t bytes) const {
  if (bytes > limits_.maxOutputBytes)
    throw JinjaError("output exceeds the size limit of " +
                     std::to_string(limits_.maxOutputBytes) + " bytes");
}

void Interpreter::step() {
  if (++steps_ > limits_.maxSteps)
    throw JinjaError("template exceeds the limit of " +
                     std::to_string(limits_.maxSteps) +
                     " loop iterations and calls");
}

void Interpreter::append(std::string &out, const std::string &text) const {
  checkSize(out.size() + text.size());
  out += text;
}

void Interpreter::render(const StmtList &body, const ValueDict &context,
                         std::string &out) {
  frame_ = std::make_shared<Frame>();
  frame_->vars = context;
  frame_->parent = nullptr;
  steps_ = 0;
  callDepth_ = 0;
  exec(body, out);
}

Value Interpreter::lookup(const std::string &name) const {
  for (const Frame *f = frame_.get(); f; f = f->parent.get())
    if (const Value *v = f->vars.find(name))
      return *v;
  if (const Value *v = globals_.find(name))
    return *v;
  return Value::undefined("'" + name + "' is undefined");
}

Interpreter::Flow Interpreter::exec(const StmtList &body, std::string &out) {
  for (const auto &sp : body) {
    const Stmt &s = *sp;
    try {
      switch (s.kind) {
      case Stmt::Kind::Text:
        append(out, s.text);
        break;
      case Stmt::Kind::Print:
        append(out, toPythonStr(eval(*s.expr)));
        break;
      case Stmt::Kind::If: {
        bool taken = false;
        for (size_t i = 0; i < s.conds.size() && !taken; ++i)
          if (eval(*s.conds[i]).truthy()) {
            taken = true;
            Flow f = exec(s.bodies[i], out);
            if (f != Flow::Normal)
              return f;
          }
        if (!taken) {
          Flow f = exec(s.elseBody, out);
          if (f != Flow::Normal)
            return f;
        }
        break;
      }
      case Stmt::Kind::For:
        execFor(s, out);
        break;
      case Stmt::Kind::Set:
        execSet(s);
        break;
      case Stmt::Kind::SetBlock: {
        std::string captured;
        exec(s.body, captured);
        assign(s.targets, Value::string(std::move(captured)));
        break;
      }
      case Stmt::Kind::Macro:
        frame_->vars.set(s.text, makeMacro(s));
        break;
      case Stmt::Kind::Break:
        return Flow::Break;
      case Stmt::Kind::Continue:
        return Flow::Continue;
      case Stmt::Kind::Block: {
        Flow f = exec(s.body, out);
        if (f != Flow::Normal)
          return f;
        break;
      }
      }
    } catch (JinjaError &e) {
      if (e.line == 0)
        e.line = s.line;
      throw;
    }
  }
  return Flow::Normal;
}

Interpreter::Flow Interpreter::execFor(const Stmt &s, std::string &out) {
  ValueList items = iterate(eval(*s.expr));
  auto saved = frame_;
  frame_ = std::make_shared<Frame>();
  frame_->parent = saved;
  struct Restore {
    Interpreter &in;
    std::shared_ptr<Frame> f;
    ~Restore() { in.frame_ = f; }
  } restore{*this, saved};

  if (s.cond) { // `for x in xs if cond`: filtered before loop.* is known
    ValueList kept;
    for (const Value &v : items) {
      step();
      assign(s.targets, v);
      if (eval(*s.cond).truthy())
        kept.push_back(v);
    }
    items = std::move(kept);
  }
  const int64_t n = int64_t(items.size());
  for (int64_t i = 0; i < n; ++i) {
    step();
    // Each iteration starts from the outer scope: a `set` in one iteration
    // is not seen by the next (Jinja2's behaviour).
    frame_ = std::make_shared<Frame>();
    frame_->parent = saved;
    assign(s.targets, items[i]);
    if (s.usesLoop)
      frame_->vars.set("loop", loopObject(items, i));
    Flow f = exec(s.body, out);
    if (f == Flow::Break)
      break;
  }
  if (n == 0) {
    frame_ = saved; // the else branch sees the outer scope
    exec(s.elseBody, out);
  }
  return Flow::Normal;
}

void Interpreter::execSet(const Stmt &s) {
  Value v = eval(*s.expr);
  if (s.attr.empty()) {
    assign(s.targets, v);
    return;
  }
  Value ns = lookup(s.targets[0]);
  if (!ns.isNamespace())
    throw JinjaError("cannot assign attribute on non-namespace object");
  ns.namespaceAttrs().set(s.attr, std::move(v));
}

void Interpreter::assign(const std::vector<std::string> &targets,
                         const Value &v) {
  if (targets.size() == 1) {
    frame_->vars.set(targets[0], v);
    return;
  }
  ValueList parts = iterate(v);
  if (v.isUndefined())
    failUndefined(v);
  if (parts.size() != targets.size())
    throw JinjaError(parts.size() < targets.size()
                         ? "not enough values to unpack (expected " +
                               std::to_string(targets.size()) + ", got " +
                               std::to_string(parts.size()) + ")"
                         : "too many values to unpack (expected " +
                               std::to_string(targets.size()) + ")");
  for (size_t i = 0; i < targets.size(); ++i)
    frame_->vars.set(targets[i], parts[i]);
}

Value Interpreter::makeMacro(const Stmt &s) {
  std::shared_ptr<Frame> closure = frame_;
  const Stmt *def = &s;
  return Value::callable(s.text, [closure, def](Interpreter &in,
                                                const CallArgs &args) {
    if (args.positional.size() > def->targets.size())
      throw JinjaError("macro '" + def->text + "' takes not more than " +
                       std::to_string(def->targets.size()) + " argument(s)");
    if (++in.callDepth_ > in.limits_.maxCallDepth) {
      --in.callDepth_;
      throw JinjaError("macro calls nested deeper than " +
                       std::to_string(in.limits_.maxCallDepth));
    }
    auto saved = in.frame_;
    in.frame_ = std::make_shared<Frame>();
    in.frame_->parent = closure;
    struct Restore {
      Interpreter &in;
      std::shared_ptr<Frame> f;
      ~Restore() {
        in.frame_ = f;
        --in.callDepth_;
      }
    } restore{in, saved};
    for (const auto &kw : args.keyword) {
      bool known = false;
      for (const std::string &p : def->targets)
        known = known || p == kw.first;
      if (!known)
        throw JinjaError("macro '" + def->text +
                         "' takes no keyword argument '" + kw.first + "'");
    }
    for (size_t i = 0; i < def->targets.size(); ++i) {
      const std::string &p = def->targets[i];
      if (const Value *v = args.get(i, p.c_str()))
        in.frame_->vars.set(p, *v);
      else if (def->defaults[i])
        in.frame_->vars.set(p, in.eval(*def->defaults[i]));
      else
        in.frame_->vars.set(p, Value::undefined("parameter '" + p +
                                                "' was not provided"));
    }
    std::string out;
    in.exec(def->body, out);
    return Value::string(std::move(out));
  });
}

ValueList Interpreter::iterate(const Value &v) {
  switch (v.kind()) {
  case Value::Kind::Undefined:
    return {};
  case Value::Kind::List:
    return v.asList();
  case Value::Kind::Dict: {
    ValueList keys;
    for (const auto &e : v.asDict().entries)
      keys.push_back(Value::string(e.first));
    return keys;
  }
  case Value::Kind::String: {
    ValueList chars;
    for (uint32_t cp : decodeUtf8(v.asString())) {
      std::string c;
      appendUtf8(c, cp);
      chars.push_back(Value::string(std::move(c)));
    }
    return chars;
  }
  default:
    throw JinjaError("'" + v.typeName() + "' object is not iterable");
  }
}

Value Interpreter::getAttr(const Value &obj, const std::string &name) {
  switch (obj.kind()) {
  case Value::Kind::Undefined:
    failUndefined(obj);
  case Value::Kind::Dict: {
    Value m = boundMethod(obj, name);
    if (!m.isUndefined())
      return m;
    if (const Value *v = obj.asDict().find(name))
      return *v;
    break;
  }
  case Value::Kind::Namespace:
    if (const Value *v = obj.namespaceAttrs().find(name))
      return *v;
    break;
  case Value::Kind::String: {
    Value m = boundMethod(obj, name);
    if (!m.isUndefined())
      return m;
    break;
  }
  default:
    break;
  }
  return Value::undefined("'" + objectName(obj) + "' has no attribute '" +
                          name + "'");
}

Value Interpreter::getItem(const Value &obj, const Value &key) {
  switch (obj.kind()) {
  case Value::Kind::Undefined:
    failUndefined(obj);
  case Value::Kind::List:
    if (key.isInt() || key.isBool()) {
      const ValueList &l = obj.asList();
      int64_t i = normIndex(key.asInt(), l.size());
      if (i >= 0 && i < int64_t(l.size()))
        return l[size_t(i)];
      return Value::undefined("'" + objectName(obj) + "' has no element " +
                              std::to_string(key.asInt()));
    }
    break;
  case Value::Kind::String:
    if (key.isInt() || key.isBool()) {
      std::vector<uint32_t> cps = decodeUtf8(obj.asString());
      int64_t i = normIndex(key.asInt(), cps.size());
      if (i >= 0 && i < int64_t(cps.size())) {
        std::string c;
        appendUtf8(c, cps[size_t(i)]);
        return Value::string(std::move(c));
      }
      return Value::undefined("'" + objectName(obj) + "' has no element " +
                              std::to_string(key.asInt()));
    }
    break;
  case Value::Kind::Dict:
    if (key.isString()) {
      if (const Value *v = obj.asDict().find(key.asString()))
        return *v;
    }
    break;
  default:
    break;
  }
  if (key.isString())
    return getAttr(obj, key.asString());
  return Value::undefined("'" + objectName(obj) + "' has no element " +
                          toPythonRepr(key));
}

Value Interpreter::call(const Value &fn, const CallArgs &args) {
  if (fn.isUndefined())
    failUndefined(fn);
  if (!fn.isCallable())
    throw JinjaError("'" + fn.typeName() + "' object is not callable");
  step();
  return fn.asFunction()(*this, args);
}

Value Interpreter::eval(const Expr &e) {
  try {
    switch (e.kind) {
    case Expr::Kind::Literal:
      return e.value;
    case Expr::Kind::Name:
      return lookup(e.name);
    case Expr::Kind::List:
    case Expr::Kind::Tuple: {
      ValueList items;
      for (const auto &i : e.items)
        items.push_back(eval(*i));
      return Value::list(std::move(items), e.kind == Expr::Kind::Tuple);
    }
    case Expr::Kind::Dict: {
      ValueDict d;
      for (size_t i = 0; i + 1 < e.items.size(); i += 2) {
        Value k = eval(*e.items[i]);
        if (!k.isString())
          throw JinjaError("dict keys must be strings here, not " +
                           k.typeName());
        d.set(k.asString(), eval(*e.items[i + 1]));
      }
      return Value::dict(std::move(d));
    }
    case Expr::Kind::GetAttr:
      return getAttr(eval(*e.a), e.name);
    case Expr::Kind::GetItem: {
      Value obj = eval(*e.a);
      return getItem(obj, eval(*e.b));
    }
    case Expr::Kind::Slice: {
      Value obj = eval(*e.a);
      Value b = e.b ? eval(*e.b) : Value::none();
      Value c = e.c ? eval(*e.c) : Value::none();
      Value d = e.d ? eval(*e.d) : Value::none();
      if (obj.isUndefined())
        failUndefined(obj);
      if (obj.isList()) {
        ValueList out;
        for (size_t i : sliceIndices(&b, &c, &d, obj.asList().size()))
          out.push_back(obj.asList()[i]);
        return Value::list(std::move(out), obj.isTuple());
      }
      if (obj.isString()) {
        std::vector<uint32_t> cps = decodeUtf8(obj.asString()), out;
        for (size_t i : sliceIndices(&b, &c, &d, cps.size()))
          out.push_back(cps[i]);
        return Value::string(encodeUtf8(out));
      }
      return Value::undefined("'" + objectName(obj) + "' cannot be sliced");
    }
    case Expr::Kind::Call:
    case Expr::Kind::Filter:
    case Expr::Kind::Test: {
      Value target = eval(*e.a);
      CallArgs args;
      for (const auto &i : e.items)
        args.positional.push_back(eval(*i));
      for (const auto &kw : e.keywords)
        args.keyword.emplace_back(kw.first, eval(*kw.second));
      if (e.kind == Expr::Kind::Call)
        return call(target, args);
      if (e.kind == Expr::Kind::Filter)
        return applyFilter(*this, e.name, target, args);
      return Value::boolean(applyTest(*this, e.name, target, args) !=
                            e.negated);
    }
    case Expr::Kind::Unary: {
      Value v = eval(*e.a);
      if (e.name == "not")
        return Value::boolean(!v.truthy());
      if (v.isUndefined())
        failUndefined(v);
      if (!v.isNumber())
        throw JinjaError("bad operand type for unary " + e.name + ": '" +
                         v.typeName() + "'");
      if (e.name == "+")
        return v.isFloat() ? v : Value::integer(v.asInt());
      if (v.isFloat())
        return Value::real(-v.asDouble());
      if (v.asInt() == INT64_MIN)
        throw JinjaError("integer overflow (values beyond 64 bits)");
      return Value::integer(-v.asInt());
    }
    case Expr::Kind::Binary:
      return evalBinary(e);
    case Expr::Kind::Compare:
      return evalCompare(e);
    case Expr::Kind::Cond:
      if (eval(*e.a).truthy())
        return eval(*e.b);
      if (e.c)
        return eval(*e.c);
      return Value::undefined("the inline if-expression on line " +
                              std::to_string(e.line) +
                              " evaluated to false and no else section was "
                              "defined");
    }
  } catch (JinjaError &err) {
    if (err.line == 0)
      err.line = e.line;
    throw;
  }
  throw JinjaError("unknown expression");
}

Value Interpreter::evalBinary(const Expr &e) {
  if (e.name == "and") {
    Value l = eval(*e.a);
    return l.truthy() ? eval(*e.b) : l;
  }
  if (e.name == "or") {
    Value l = eval(*e.a);
    return l.truthy() ? l : eval(*e.b);
  }
  Value l = eval(*e.a);
  Value r = eval(*e.b);
  return binaryOp(e.name, l, r, limits_.maxOutputBytes);
}

Value Interpreter::evalCompare(const Expr &e) {
  Value left = eval(*e.a);
  for (size_t i = 0; i < e.ops.size(); ++i) {
    Value right = eval(*e.items[i]);
    const std::string &op = e.ops[i];
    bool r;
    if (op == "==")
      r = valuesEqual(left, right);
    else if (op == "!=")
      r = !valuesEqual(left, right);
    else if (op == "in")
      r = contains(right, left);
    else if (op == "notin")
      r = !contains(right, left);
    else {
      int c = compareValues(left, right);
      r = op == "<" ? c < 0 : op == "<=" ? c <= 0 : op == ">" ? c > 0 : c >= 0;
    }
    if (!r)
      return Value::boolean(false);
    left = std::move(right);
  }
  return Value::boolean(true);
}

} // namespace llmc::runtime::text::jinja
