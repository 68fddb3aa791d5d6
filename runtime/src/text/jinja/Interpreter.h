// Interpreter: renders a parsed template with Jinja2's runtime semantics
// (scoping, loop variables, Undefined, Python operators) under resource
// limits, so a runaway template fails instead of hanging or eating memory.
#ifndef LLMC_RUNTIME_TEXT_JINJA_INTERPRETER_H
#define LLMC_RUNTIME_TEXT_JINJA_INTERPRETER_H

#include "Ast.h"
#include "Value.h"

#include <cstddef>
#include <memory>
#include <string>

namespace llmc::runtime::text::jinja {

struct Limits {
  size_t maxOutputBytes = size_t(64) << 20; // any one output or string
  int maxCallDepth = 100;                   // nested macro calls
  uint64_t maxSteps = 5'000'000;            // loop iterations + calls
};

class Interpreter {
public:
  explicit Interpreter(Limits limits = {});

  // Renders `body` with `context` as the template's variables. Throws
  // JinjaError with the line of the failing node.
  void render(const StmtList &body, const ValueDict &context, std::string &out);

  // Jinja's environment.getattr/getitem and call, for the builtins.
  Value getAttr(const Value &obj, const std::string &name);
  Value getItem(const Value &obj, const Value &key);
  Value call(const Value &fn, const CallArgs &args);
  // The items a for loop (or a filter) iterates: list items, dict keys,
  // string characters; Undefined is empty.
  ValueList iterate(const Value &v);
  // Fails when a string grows past the output limit.
  void checkSize(size_t bytes) const;
  // One unit of work (loop iteration, call); fails past maxSteps.
  void step();

  struct Frame;

private:
  enum class Flow { Normal, Break, Continue };

  Flow exec(const StmtList &body, std::string &out);
  Flow execFor(const Stmt &s, std::string &out);
  void execSet(const Stmt &s);
  void assign(const std::vector<std::string> &targets, const Value &v);
  Value eval(const Expr &e);
  Value evalBinary(const Expr &e);
  Value evalCompare(const Expr &e);
  Value lookup(const std::string &name) const;
  Value makeMacro(const Stmt &s);
  void append(std::string &out, const std::string &text) const;

  Limits limits_;
  std::shared_ptr<Frame> frame_;
  ValueDict globals_;
  int callDepth_ = 0;
  uint64_t steps_ = 0;
};

} // namespace llmc::runtime::text::jinja

#endif // LLMC_RUNTIME_TEXT_JINJA_INTERPRETER_H
