// Lexer: splits template data from {{ }}, {% %} and {# #} tags the way
// Jinja2's lexer does with trim_blocks and lstrip_blocks on, and tokenizes
// the expressions inside tags.
#include "Lexer.h"

#include "Value.h"

#include <cctype>

namespace llmc::runtime::text::jinja {
namespace {

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

// Jinja2 normalizes \r\n and \r to \n and drops one trailing newline
// (keep_trailing_newline is off).
std::string normalizeNewlines(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\r') {
      out += '\n';
      if (i + 1 < in.size() && in[i + 1] == '\n')
        ++i;
    } else {
      out += in[i];
    }
  }
  if (!out.empty() && out.back() == '\n')
    out.pop_back();
  return out;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

// Python's "unicode-escape" decoding of a string literal's body.
std::string decodeEscapes(const std::string &body, int line) {
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\' || i + 1 == body.size()) {
      out += c;
      continue;
    }
    char e = body[++i];
    switch (e) {
    case '\n': break;
    case '\\': out += '\\'; break;
    case '\'': out += '\''; break;
    case '"': out += '"'; break;
    case 'a': out += '\a'; break;
    case 'b': out += '\b'; break;
    case 'f': out += '\f'; break;
    case 'n': out += '\n'; break;
    case 'r': out += '\r'; break;
    case 't': out += '\t'; break;
    case 'v': out += '\v'; break;
    case 'x':
    case 'u':
    case 'U': {
      size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
      uint32_t cp = 0;
      for (size_t k = 0; k < n; ++k) {
        int h = i + 1 + k < body.size() ? hexValue(body[i + 1 + k]) : -1;
        if (h < 0)
          throw JinjaError("truncated \\" + std::string(1, e) +
                               " escape in a string literal",
                           line);
        cp = cp * 16 + h;
      }
      if (cp > 0x10FFFF)
        throw JinjaError("illegal Unicode character in a string literal", line);
      i += n;
      appendUtf8(out, cp);
      break;
    }
    default:
      if (e >= '0' && e <= '7') {
        uint32_t cp = e - '0';
        for (int k = 0; k < 2 && i + 1 < body.size() && body[i + 1] >= '0' &&
                        body[i + 1] <= '7';
             ++k)
          cp = cp * 8 + (body[++i] - '0');
        appendUtf8(out, cp);
      } else {
        out += '\\';
        out += e;
      }
    }
  }
  return out;
}

class Lexer {
public:
  explicit Lexer(std::string_view source) : src_(normalizeNewlines(source)) {}

  std::vector<Token> run() {
    bool lineStarting = true;
    while (pos_ < src_.size()) {
      size_t tag = findTagStart(pos_);
      std::string text = src_.substr(pos_, tag - pos_);
      if (tag == src_.size()) {
        emitText(text, pos_);
        break;
      }
      char kind = src_[tag + 1];
      char sign = tag + 2 < src_.size() ? src_[tag + 2] : 0;
      if (sign == '-') {
        size_t n = text.size();
        while (n > 0 && isSpace(text[n - 1]))
          --n;
        text.resize(n);
      } else if (sign != '+' && kind != '{') {
        // lstrip_blocks: a block or comment tag alone on its line takes the
        // line's leading spaces with it.
        size_t lpos = text.rfind('\n');
        lpos = lpos == std::string::npos ? 0 : lpos + 1;
        if ((lpos > 0 || lineStarting) && lpos < text.size()) {
          bool blank = true;
          for (size_t k = lpos; k < text.size(); ++k)
            blank = blank && isSpace(text[k]);
          if (blank)
            text.resize(lpos);
        }
      }
      emitText(text, pos_);
      advanceTo(tag);
      size_t p = tag + 2 + ((sign == '-' || sign == '+') ? 1 : 0);
      if (kind == '#')
        lexComment(p);
      else if (kind == '%' && lexRaw(p))
        ;
      else
        lexTag(kind, p);
      lineStarting = pos_ > 0 && src_[pos_ - 1] == '\n';
    }
    tokens_.push_back({Token::Kind::Eof, "", line_});
    return std::move(tokens_);
  }

private:
  size_t findTagStart(size_t from) const {
    for (size_t i = from; i + 1 < src_.size(); ++i)
      if (src_[i] == '{' &&
          (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#'))
        return i;
    return src_.size();
  }

  void emitText(const std::string &text, size_t at) {
    if (!text.empty())
      tokens_.push_back({Token::Kind::Text, text, lineAt(at)});
  }

  int lineAt(size_t at) {
    advanceTo(at);
    return line_;
  }

  // Moves the line counter forward to `at` (positions only grow).
  void advanceTo(size_t at) {
    for (; counted_ < at && counted_ < src_.size(); ++counted_)
      if (src_[counted_] == '\n')
        ++line_;
  }

  // After a tag's closing delimiter at `end` (just past it): `-` strips all
  // following whitespace, `+` nothing, otherwise trim_blocks (block and
  // comment tags only) removes one newline.
  void finishTag(char sign, size_t end, bool trimBlocks) {
    if (sign == '-') {
      while (end < src_.size() && isSpace(src_[end]))
        ++end;
    } else if (sign != '+' && trimBlocks && end < src_.size() &&
               src_[end] == '\n') {
      ++end;
    }
    pos_ = end;
  }

  void lexComment(size_t p) {
    size_t end = src_.find("#}", p);
    if (end == std::string::npos)
      throw JinjaError("missing end of comment tag", line_);
    char sign = end > p && (src_[end - 1] == '-' || src_[end - 1] == '+')
                    ? src_[end - 1]
                    : 0;
    finishTag(sign, end + 2, true);
  }

  // {% raw %}...{% endraw %}: the body is data. Returns false when the tag
  // is not `raw`.
  bool lexRaw(size_t p) {
    size_t q = p;
    while (q < src_.size() && isSpace(src_[q]))
      ++q;
    if (src_.compare(q, 3, "raw") != 0)
      return false;
    q += 3;
    while (q < src_.size() && isSpace(src_[q]))
      ++q;
    char sign = 0;
    if (q < src_.size() && (src_[q] == '-' || src_[q] == '+'))
      sign = src_[q++];
    if (src_.compare(q, 2, "%}") != 0)
      return false;
    q += 2;
    if (sign == '-')
      while (q < src_.size() && isSpace(src_[q]))
        ++q;
    // Find {%[-+]? endraw [-+]?%}
    for (size_t s = src_.find("{%", q); s != std::string::npos;
         s = src_.find("{%", s + 2)) {
      size_t r = s + 2;
      char open = 0;
      if (r < src_.size() && (src_[r] == '-' || src_[r] == '+'))
        open = src_[r++];
      while (r < src_.size() && isSpace(src_[r]))
        ++r;
      if (src_.compare(r, 6, "endraw") != 0)
        continue;
      r += 6;
      while (r < src_.size() && isSpace(src_[r]))
        ++r;
      char close = 0;
      if (r < src_.size() && (src_[r] == '-' || src_[r] == '+'))
        close = src_[r++];
      if (src_.compare(r, 2, "%}") != 0)
        continue;
      std::string body = src_.substr(q, s - q);
      if (open == '-') {
        size_t n = body.size();
        while (n > 0 && isSpace(body[n - 1]))
          --n;
        body.resize(n);
      }
      emitText(body, q);
      finishTag(close, r + 2, true);
      return true;
    }
    throw JinjaError("missing end of raw directive", line_);
  }

  void lexTag(char kind, size_t p) {
    bool isVar = kind == '{';
    tokens_.push_back({isVar ? Token::Kind::VarBegin : Token::Kind::BlockBegin,
                       "", lineAt(p)});
    const char close = isVar ? '}' : '%';
    std::string open; // closing brackets expected, innermost last
    while (true) {
      while (p < src_.size() && isSpace(src_[p]))
        ++p;
      if (p >= src_.size())
        throw JinjaError(std::string("unexpected end of template, expected '") +
                             (isVar ? "}}" : "%}") + "'",
                         lineAt(p));
      int line = lineAt(p);
      char c = src_[p];
      if (open.empty()) {
        char sign = (c == '-' || (c == '+' && !isVar)) ? c : 0;
        size_t d = p + (sign ? 1 : 0);
        if (d + 1 < src_.size() && src_[d] == close && src_[d + 1] == '}') {
          tokens_.push_back({isVar ? Token::Kind::VarEnd : Token::Kind::BlockEnd,
                             "", line});
          finishTag(sign, d + 2, !isVar);
          return;
        }
      }
      if (std::isalpha((unsigned char)c) || c == '_') {
        size_t s = p;
        while (p < src_.size() &&
               (std::isalnum((unsigned char)src_[p]) || src_[p] == '_'))
          ++p;
        tokens_.push_back({Token::Kind::Name, src_.substr(s, p - s), line});
      } else if (std::isdigit((unsigned char)c)) {
        p = lexNumber(p, line);
      } else if (c == '\'' || c == '"') {
        size_t s = ++p;
        while (p < src_.size() && src_[p] != c)
          p += src_[p] == '\\' ? 2 : 1;
        if (p >= src_.size())
          throw JinjaError("unterminated string literal", line);
        tokens_.push_back({Token::Kind::String,
                           decodeEscapes(src_.substr(s, p - s), line), line});
        ++p;
      } else {
        static const char *const kOps[] = {"//", "**", "==", "!=", ">=", "<="};
        std::string op;
        for (const char *o : kOps)
          if (src_.compare(p, 2, o) == 0)
            op = o;
        if (op.empty()) {
          if (std::string("+-*/%~<>=()[]{},.:|").find(c) == std::string::npos)
            throw JinjaError(std::string("unexpected char '") + c + "'", line);
          op = std::string(1, c);
        }
        // Brackets must balance inside a tag, as Jinja2's lexer checks.
        if (op == "(" || op == "[" || op == "{") {
          open.push_back(op == "(" ? ')' : op == "[" ? ']' : '}');
        } else if (op == ")" || op == "]" || op == "}") {
          if (open.empty())
            throw JinjaError("unexpected '" + op + "'", line);
          if (open.back() != op[0])
            throw JinjaError("unexpected '" + op + "', expected '" +
                                 std::string(1, open.back()) + "'",
                             line);
          open.pop_back();
        }
        tokens_.push_back({Token::Kind::Op, op, line});
        p += op.size();
      }
    }
  }

  size_t lexNumber(size_t p, int line) {
    size_t s = p;
    auto digits = [&] {
      while (p < src_.size() &&
             (std::isdigit((unsigned char)src_[p]) || src_[p] == '_'))
        ++p;
    };
    digits();
    bool isFloat = false;
    bool afterDot = !tokens_.empty() && tokens_.back().kind == Token::Kind::Op &&
                    tokens_.back().text == ".";
    if (!afterDot && p + 1 < src_.size() && src_[p] == '.' &&
        std::isdigit((unsigned char)src_[p + 1])) {
      isFloat = true;
      ++p;
      digits();
    }
    if (!afterDot && p < src_.size() && (src_[p] == 'e' || src_[p] == 'E')) {
      size_t q = p + 1;
      if (q < src_.size() && (src_[q] == '+' || src_[q] == '-'))
        ++q;
      if (q < src_.size() && std::isdigit((unsigned char)src_[q])) {
        isFloat = true;
        p = q;
        digits();
      }
    }
    std::string text;
    for (size_t k = s; k < p; ++k)
      if (src_[k] != '_')
        text += src_[k];
    tokens_.push_back(
        {isFloat ? Token::Kind::Float : Token::Kind::Int, text, line});
    return p;
  }

  std::string src_;
  size_t pos_ = 0;
  size_t counted_ = 0;
  int line_ = 1;
  std::vector<Token> tokens_;
};

} // namespace

std::vector<Token> tokenize(std::string_view source) {
  return Lexer(source).run();
}

} // namespace llmc::runtime::text::jinja
