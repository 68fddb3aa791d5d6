// Parser: a recursive-descent parser mirroring jinja2/parser.py (the same
// precedence levels, tuple rules and test-argument rules), so templates
// parse as they do in Python.
#include "Parser.h"

#include "Builtins.h"

#include <cstdlib>

namespace llmc::runtime::text::jinja {
namespace {

constexpr int kMaxNesting = 200; // expression/statement depth; stack guard

class Parser {
public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}

  StmtList run() {
    std::string end;
    StmtList body = parseBody({}, end);
    return body;
  }

private:
  using K = Token::Kind;

  const Token &cur() const { return toks_[i_]; }
  const Token &peek(size_t n = 1) const {
    return toks_[std::min(i_ + n, toks_.size() - 1)];
  }
  void next() {
    if (i_ + 1 < toks_.size())
      ++i_;
  }
  bool isOp(const char *op) const {
    return cur().kind == K::Op && cur().text == op;
  }
  bool isName(const char *name) const {
    return cur().kind == K::Name && cur().text == name;
  }
  bool skipOp(const char *op) {
    if (!isOp(op))
      return false;
    next();
    return true;
  }
  bool skipName(const char *name) {
    if (!isName(name))
      return false;
    next();
    return true;
  }

  static std::string describe(const Token &t) {
    switch (t.kind) {
    case K::Text: return "template data";
    case K::VarBegin: return "'{{'";
    case K::VarEnd: return "'}}'";
    case K::BlockBegin: return "'{%'";
    case K::BlockEnd: return "'%}'";
    case K::String: return "string";
    case K::Int: return "integer";
    case K::Float: return "float";
    case K::Eof: return "end of template";
    default: return "'" + t.text + "'";
    }
  }

  [[noreturn]] void fail(const std::string &msg) const {
    throw JinjaError(msg, cur().line);
  }
  [[noreturn]] void unexpected(const std::string &expected) const {
    fail("unexpected " + describe(cur()) + ", expected " + expected);
  }
  void expectOp(const char *op) {
    if (!skipOp(op))
      unexpected(std::string("'") + op + "'");
  }
  void expectBlockEnd() {
    if (cur().kind != K::BlockEnd)
      unexpected("end of statement block");
    next();
  }
  std::string expectName(const char *what) {
    if (cur().kind != K::Name)
      unexpected(what);
    std::string n = cur().text;
    next();
    return n;
  }

  struct DepthGuard {
    explicit DepthGuard(Parser &p) : p(p) {
      if (++p.depth_ > kMaxNesting)
        p.fail("template nesting too deep");
    }
    ~DepthGuard() { --p.depth_; }
    Parser &p;
  };

  ExprPtr make(Expr::Kind kind, int line) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = line;
    return e;
  }

  // --- statements -----------------------------------------------------------

  // Parses until a `{% name %}` with name in `ends` (left after the name,
  // returned in `found`) or, with no ends, the end of the template.
  StmtList parseBody(const std::vector<std::string> &ends, std::string &found) {
    DepthGuard g(*this);
    StmtList body;
    while (true) {
      const Token &t = cur();
      if (t.kind == K::Eof) {
        if (ends.empty())
          return body;
        fail("unexpected end of template, expected " + joinEnds(ends));
      }
      if (t.kind == K::Text) {
        auto s = std::make_unique<Stmt>();
        s->kind = Stmt::Kind::Text;
        s->line = t.line;
        s->text = t.text;
        body.push_back(std::move(s));
        next();
      } else if (t.kind == K::VarBegin) {
        auto s = std::make_unique<Stmt>();
        s->kind = Stmt::Kind::Print;
        s->line = t.line;
        next();
        s->expr = parseTuple(true);
        if (cur().kind != K::VarEnd)
          unexpected("end of print statement");
        next();
        body.push_back(std::move(s));
      } else if (t.kind == K::BlockBegin) {
        next();
        if (cur().kind != K::Name)
          unexpected("a tag name");
        for (const std::string &e : ends)
          if (cur().text == e) {
            found = e;
            next();
            return body;
          }
        body.push_back(parseStatement(ends));
      } else {
        unexpected("template data or a tag");
      }
    }
  }

  static std::string joinEnds(const std::vector<std::string> &ends) {
    std::string s;
    for (size_t k = 0; k < ends.size(); ++k)
      s += (k ? " or '" : "'") + ends[k] + "'";
    return s;
  }

  std::unique_ptr<Stmt> parseStatement(const std::vector<std::string> &ends) {
    const Token &t = cur();
    auto s = std::make_unique<Stmt>();
    s->line = t.line;
    std::string tag = t.text;
    next();
    std::string found;
    if (tag == "if") {
      s->kind = Stmt::Kind::If;
      while (true) {
        s->conds.push_back(parseTuple(false));
        expectBlockEnd();
        s->bodies.push_back(parseBody({"elif", "else", "endif"}, found));
        if (found != "elif")
          break;
      }
      if (found == "else") {
        expectBlockEnd();
        s->elseBody = parseBody({"endif"}, found);
      }
      expectBlockEnd();
    } else if (tag == "for") {
      s->kind = Stmt::Kind::For;
      parseTargets(s->targets);
      if (!skipName("in"))
        unexpected("'in'");
      s->expr = parseTuple(false, {"recursive"});
      if (skipName("if"))
        s->cond = parseExpression(true);
      if (isName("recursive"))
        fail("recursive for loops are not supported");
      expectBlockEnd();
      ++loops_;
      int refsBefore = loopRefs_;
      s->body = parseBody({"endfor", "else"}, found);
      s->usesLoop = loopRefs_ != refsBefore;
      --loops_;
      if (found == "else") {
        expectBlockEnd();
        s->elseBody = parseBody({"endfor"}, found);
      }
      expectBlockEnd();
    } else if (tag == "set") {
      if (cur().kind == K::Name && peek().kind == K::Op && peek().text == ".") {
        s->targets.push_back(cur().text);
        next();
        next();
        s->attr = expectName("an attribute name");
      } else {
        parseTargets(s->targets);
      }
      if (skipOp("=")) {
        s->kind = Stmt::Kind::Set;
        s->expr = parseTuple(true);
        expectBlockEnd();
      } else {
        if (s->targets.size() != 1 || !s->attr.empty())
          unexpected("'='");
        s->kind = Stmt::Kind::SetBlock;
        expectBlockEnd();
        s->body = parseBody({"endset"}, found);
        expectBlockEnd();
      }
    } else if (tag == "macro") {
      s->kind = Stmt::Kind::Macro;
      s->text = expectName("a macro name");
      expectOp("(");
      while (!isOp(")")) {
        if (!s->targets.empty())
          expectOp(",");
        if (isOp(")"))
          break;
        s->targets.push_back(expectName("a parameter name"));
        s->defaults.push_back(skipOp("=") ? parseExpression(true) : nullptr);
      }
      next();
      expectBlockEnd();
      int savedLoops = loops_;
      loops_ = 0;
      s->body = parseBody({"endmacro"}, found);
      loops_ = savedLoops;
      if (cur().kind == K::Name)
        next(); // {% endmacro name %}
      expectBlockEnd();
    } else if (tag == "break" || tag == "continue") {
      if (loops_ == 0)
        throw JinjaError("'" + tag + "' outside of a loop", s->line);
      s->kind = tag == "break" ? Stmt::Kind::Break : Stmt::Kind::Continue;
      expectBlockEnd();
    } else if (tag == "generation") {
      // transformers' AssistantTracker marks assistant text; rendering is
      // unaffected.
      s->kind = Stmt::Kind::Block;
      expectBlockEnd();
      s->body = parseBody({"endgeneration"}, found);
      expectBlockEnd();
    } else {
      std::string msg = "unknown tag '" + tag + "'";
      if (!ends.empty())
        msg += " (expected " + joinEnds(ends) + ")";
      throw JinjaError(msg, s->line);
    }
    return s;
  }

  // name | name, name, ... | (name, name)
  void parseTargets(std::vector<std::string> &targets) {
    bool paren = skipOp("(");
    do {
      if (paren && isOp(")"))
        break;
      targets.push_back(expectName("a variable name"));
    } while (skipOp(","));
    if (paren)
      expectOp(")");
  }

  // --- expressions ------------------------------------------------------------

  bool isTupleEnd(const std::vector<std::string> &extraEnds) const {
    if (cur().kind == K::VarEnd || cur().kind == K::BlockEnd ||
        cur().kind == K::Eof || isOp(")"))
      return true;
    for (const std::string &e : extraEnds)
      if (isName(e.c_str()))
        return true;
    return false;
  }

  // expr, expr, ... (a tuple when a comma appears).
  ExprPtr parseTuple(bool withCond, const std::vector<std::string> &extraEnds = {},
                     bool explicitParens = false) {
    int line = cur().line;
    std::vector<ExprPtr> items;
    bool comma = false;
    while (true) {
      if (!items.empty()) {
        if (!skipOp(","))
          break;
        comma = true;
      }
      if (isTupleEnd(extraEnds))
        break;
      items.push_back(parseExpression(withCond));
    }
    if (!comma && items.size() == 1)
      return std::move(items[0]);
    if (items.empty() && !explicitParens)
      unexpected("an expression");
    auto t = make(Expr::Kind::Tuple, line);
    t->items = std::move(items);
    return t;
  }

  ExprPtr parseExpression(bool withCond) {
    DepthGuard g(*this);
    return withCond ? parseCondExpr() : parseOr();
  }

  ExprPtr parseCondExpr() {
    ExprPtr e = parseOr();
    while (isName("if")) {
      int line = cur().line;
      next();
      auto c = make(Expr::Kind::Cond, line);
      c->a = parseOr();
      c->b = std::move(e);
      if (skipName("else"))
        c->c = parseCondExpr();
      e = std::move(c);
    }
    return e;
  }

  ExprPtr binary(const std::string &op, ExprPtr l, ExprPtr r, int line) {
    auto e = make(Expr::Kind::Binary, line);
    e->name = op;
    e->a = std::move(l);
    e->b = std::move(r);
    return e;
  }

  ExprPtr parseOr() {
    ExprPtr e = parseAnd();
    while (isName("or")) {
      int line = cur().line;
      next();
      e = binary("or", std::move(e), parseAnd(), line);
    }
    return e;
  }

  ExprPtr parseAnd() {
    ExprPtr e = parseNot();
    while (isName("and")) {
      int line = cur().line;
      next();
      e = binary("and", std::move(e), parseNot(), line);
    }
    return e;
  }

  ExprPtr parseNot() {
    if (isName("not")) {
      DepthGuard g(*this);
      auto e = make(Expr::Kind::Unary, cur().line);
      next();
      e->name = "not";
      e->a = parseNot();
      return e;
    }
    return parseCompare();
  }

  ExprPtr parseCompare() {
    int line = cur().line;
    ExprPtr first = parseMath1();
    ExprPtr cmp;
    while (true) {
      std::string op;
      if (cur().kind == K::Op &&
          (cur().text == "==" || cur().text == "!=" || cur().text == "<" ||
           cur().text == "<=" || cur().text == ">" || cur().text == ">=")) {
        op = cur().text;
        next();
      } else if (isName("in")) {
        op = "in";
        next();
      } else if (isName("not") && peek().kind == K::Name && peek().text == "in") {
        op = "notin";
        next();
        next();
      } else {
        break;
      }
      if (!cmp) {
        cmp = make(Expr::Kind::Compare, line);
        cmp->a = std::move(first);
      }
      cmp->ops.push_back(op);
      cmp->items.push_back(parseMath1());
    }
    return cmp ? std::move(cmp) : std::move(first);
  }

  ExprPtr parseMath1() {
    ExprPtr e = parseConcat();
    while (isOp("+") || isOp("-")) {
      std::string op = cur().text;
      int line = cur().line;
      next();
      e = binary(op, std::move(e), parseConcat(), line);
    }
    return e;
  }

  ExprPtr parseConcat() {
    ExprPtr e = parseMath2();
    while (isOp("~")) {
      int line = cur().line;
      next();
      e = binary("~", std::move(e), parseMath2(), line);
    }
    return e;
  }

  ExprPtr parseMath2() {
    ExprPtr e = parsePow();
    while (isOp("*") || isOp("/") || isOp("//") || isOp("%")) {
      std::string op = cur().text;
      int line = cur().line;
      next();
      e = binary(op, std::move(e), parsePow(), line);
    }
    return e;
  }

  ExprPtr parsePow() {
    ExprPtr e = parseUnary(true);
    while (isOp("**")) {
      int line = cur().line;
      next();
      e = binary("**", std::move(e), parseUnary(true), line);
    }
    return e;
  }

  ExprPtr parseUnary(bool withFilter) {
    DepthGuard g(*this);
    ExprPtr e;
    if (isOp("-") || isOp("+")) {
      e = make(Expr::Kind::Unary, cur().line);
      e->name = cur().text;
      next();
      e->a = parseUnary(false);
    } else {
      e = parsePrimary();
    }
    e = parsePostfix(std::move(e));
    if (withFilter)
      e = parseFilterExpr(std::move(e));
    return e;
  }

  ExprPtr parsePrimary() {
    DepthGuard g(*this);
    const Token &t = cur();
    int line = t.line;
    switch (t.kind) {
    case K::Name: {
      auto e = make(Expr::Kind::Literal, line);
      if (t.text == "true" || t.text == "True")
        e->value = Value::boolean(true);
      else if (t.text == "false" || t.text == "False")
        e->value = Value::boolean(false);
      else if (t.text == "none" || t.text == "None")
        e->value = Value::none();
      else {
        e->kind = Expr::Kind::Name;
        e->name = t.text;
        loopRefs_ += t.text == "loop";
      }
      next();
      return e;
    }
    case K::String: {
      std::string s;
      while (cur().kind == K::String) { // adjacent literals concatenate
        s += cur().text;
        next();
      }
      auto e = make(Expr::Kind::Literal, line);
      e->value = Value::string(std::move(s));
      return e;
    }
    case K::Int: {
      auto e = make(Expr::Kind::Literal, line);
      errno = 0;
      char *end = nullptr;
      long long v = std::strtoll(t.text.c_str(), &end, 10);
      if (errno == ERANGE)
        fail("integer literal out of range: " + t.text);
      e->value = Value::integer(v);
      next();
      return e;
    }
    case K::Float: {
      auto e = make(Expr::Kind::Literal, line);
      e->value = Value::real(std::strtod(t.text.c_str(), nullptr));
      next();
      return e;
    }
    case K::Op:
      if (t.text == "(") {
        next();
        ExprPtr e = parseTuple(true, {}, true);
        expectOp(")");
        return e;
      }
      if (t.text == "[") {
        next();
        auto e = make(Expr::Kind::List, line);
        while (!isOp("]")) {
          if (!e->items.empty())
            expectOp(",");
          if (isOp("]"))
            break;
          e->items.push_back(parseExpression(true));
        }
        next();
        return e;
      }
      if (t.text == "{") {
        next();
        auto e = make(Expr::Kind::Dict, line);
        while (!isOp("}")) {
          if (!e->items.empty())
            expectOp(",");
          if (isOp("}"))
            break;
          e->items.push_back(parseExpression(true));
          expectOp(":");
          e->items.push_back(parseExpression(true));
        }
        next();
        return e;
      }
      break;
    default:
      break;
    }
    unexpected("an expression");
  }

  ExprPtr parsePostfix(ExprPtr e) {
    while (true) {
      int line = cur().line;
      if (isOp(".")) {
        next();
        if (cur().kind == K::Name) {
          auto g = make(Expr::Kind::GetAttr, line);
          g->a = std::move(e);
          g->name = cur().text;
          next();
          e = std::move(g);
        } else if (cur().kind == K::Int) {
          auto g = make(Expr::Kind::GetItem, line);
          g->a = std::move(e);
          g->b = make(Expr::Kind::Literal, line);
          g->b->value = Value::integer(std::strtoll(cur().text.c_str(), nullptr, 10));
          next();
          e = std::move(g);
        } else {
          unexpected("an attribute name");
        }
      } else if (isOp("[")) {
        next();
        e = parseSubscript(std::move(e), line);
        expectOp("]");
      } else if (isOp("(")) {
        e = parseCall(std::move(e), Expr::Kind::Call, "");
      } else {
        return e;
      }
    }
  }

  ExprPtr parseSubscript(ExprPtr obj, int line) {
    ExprPtr parts[3];
    bool slice = false;
    for (int k = 0; k < 3; ++k) {
      if (k > 0) {
        if (!skipOp(":"))
          break;
        slice = true;
      }
      if (!isOp(":") && !isOp("]"))
        parts[k] = k == 0 ? parseTuple(true) : parseExpression(true);
      else if (k == 0 && !isOp(":"))
        unexpected("a subscript");
    }
    auto e = make(slice ? Expr::Kind::Slice : Expr::Kind::GetItem, line);
    e->a = std::move(obj);
    e->b = std::move(parts[0]);
    e->c = std::move(parts[1]);
    e->d = std::move(parts[2]);
    return e;
  }

  // Parses `( args )` into a Call/Filter/Test node around `target`.
  ExprPtr parseCall(ExprPtr target, Expr::Kind kind, const std::string &name) {
    auto e = make(kind, cur().line);
    e->a = std::move(target);
    e->name = name;
    parseArgs(*e);
    return e;
  }

  void parseArgs(Expr &e) {
    expectOp("(");
    bool first = true;
    while (!isOp(")")) {
      if (!first)
        expectOp(",");
      first = false;
      if (isOp(")"))
        break;
      if (isOp("*") || isOp("**"))
        fail("*args and **kwargs in calls are not supported");
      if (cur().kind == K::Name && peek().kind == K::Op && peek().text == "=") {
        std::string key = cur().text;
        next();
        next();
        e.keywords.emplace_back(key, parseExpression(true));
      } else {
        if (!e.keywords.empty())
          fail("positional argument after keyword argument");
        e.items.push_back(parseExpression(true));
      }
    }
    next();
  }

  std::string dottedName() {
    std::string n = expectName("a name");
    while (isOp(".") && peek().kind == K::Name) {
      next();
      n += "." + cur().text;
      next();
    }
    return n;
  }

  ExprPtr parseFilterExpr(ExprPtr e) {
    while (true) {
      int line = cur().line;
      if (isOp("|")) {
        next();
        std::string name = dottedName();
        if (!isKnownFilter(name))
          throw JinjaError("no filter named '" + name + "'", line);
        auto f = make(Expr::Kind::Filter, line);
        f->a = std::move(e);
        f->name = name;
        if (isOp("("))
          parseArgs(*f);
        e = std::move(f);
      } else if (isName("is")) {
        next();
        auto t = make(Expr::Kind::Test, line);
        t->negated = skipName("not");
        t->name = dottedName();
        if (!isKnownTest(t->name))
          throw JinjaError("no test named '" + t->name + "'", line);
        t->a = std::move(e);
        if (isOp("(")) {
          parseArgs(*t);
        } else if ((cur().kind == K::Name || cur().kind == K::String ||
                    cur().kind == K::Int || cur().kind == K::Float ||
                    isOp("(") || isOp("[") || isOp("{")) &&
                   !isName("else") && !isName("or") && !isName("and")) {
          if (isName("is"))
            fail("you cannot chain multiple tests with is");
          t->items.push_back(parsePostfix(parsePrimary()));
        }
        e = std::move(t);
      } else if (isOp("(")) {
        e = parseCall(std::move(e), Expr::Kind::Call, "");
      } else {
        return e;
      }
    }
  }

  std::vector<Token> toks_;
  size_t i_ = 0;
  int depth_ = 0;
  int loops_ = 0;
  int loopRefs_ = 0; // `loop` names seen, so that bodies without one skip it
};

} // namespace

StmtList parseTemplate(std::vector<Token> tokens) {
  return Parser(std::move(tokens)).run();
}

} // namespace llmc::runtime::text::jinja
