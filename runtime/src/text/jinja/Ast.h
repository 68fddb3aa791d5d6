// Ast: the parsed template. One Expr struct and one Stmt struct with a kind
// each keep the tree small; fields unused by a kind stay empty.
#ifndef LLMC_RUNTIME_TEXT_JINJA_AST_H
#define LLMC_RUNTIME_TEXT_JINJA_AST_H

#include "Value.h"

#include <memory>
#include <string>
#include <vector>

namespace llmc::runtime::text::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind {
    Literal,  // value
    Name,     // name
    List,     // items
    Tuple,    // items
    Dict,     // items: key, value, key, value, ...
    GetAttr,  // a.name
    GetItem,  // a[b]
    Slice,    // a[b:c:d]; absent parts are null
    Call,     // a(items..., keywords...)
    Filter,   // a | name(items..., keywords...)
    Test,     // a is [not] name(items...); negated
    Unary,    // op a: "not", "-", "+"
    Binary,   // a op b: + - * / // % ** ~ and or
    Compare,  // a ops[0] items[0] ops[1] items[1] ...: == != < <= > >= in notin
    Cond,     // b if a else c (c may be null)
  };
  Kind kind;
  int line = 0;
  Value value;
  std::string name; // Name, GetAttr, Filter, Test, Unary/Binary operator
  ExprPtr a, b, c, d;
  std::vector<ExprPtr> items;
  std::vector<std::pair<std::string, ExprPtr>> keywords;
  std::vector<std::string> ops;
  bool negated = false;
};

struct Stmt;
using StmtList = std::vector<std::unique_ptr<Stmt>>;

struct Stmt {
  enum class Kind {
    Text,     // text
    Print,    // {{ expr }}
    If,       // conds[i] -> bodies[i]; elseBody
    For,      // targets in expr [if cond]: body; elseBody
    Set,      // targets (or ns.attr: target + attr) = expr
    SetBlock, // {% set target %}body{% endset %}
    Macro,    // name(params = defaults): body
    Break,
    Continue,
    Block,    // a body rendered in place ({% generation %})
  };
  Kind kind;
  int line = 0;
  std::string text;
  ExprPtr expr, cond;
  std::vector<ExprPtr> conds;
  std::vector<StmtList> bodies;
  StmtList body, elseBody;
  std::vector<std::string> targets;
  std::string attr;          // Set on a namespace: targets[0].attr
  std::vector<ExprPtr> defaults; // Macro: per param, null when none
  bool usesLoop = false;         // For: the body mentions `loop`
};

} // namespace llmc::runtime::text::jinja

#endif // LLMC_RUNTIME_TEXT_JINJA_AST_H
