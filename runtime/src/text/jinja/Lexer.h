// Lexer: Jinja source to tokens, applying the whitespace rules of
// transformers' environment (trim_blocks, lstrip_blocks, `-`/`+` markers,
// newline normalization, one trailing newline dropped).
#ifndef LLMC_RUNTIME_TEXT_JINJA_LEXER_H
#define LLMC_RUNTIME_TEXT_JINJA_LEXER_H

#include <string>
#include <string_view>
#include <vector>

namespace llmc::runtime::text::jinja {

struct Token {
  enum class Kind {
    Text,       // template data, already whitespace-trimmed
    VarBegin,   // {{
    VarEnd,     // }}
    BlockBegin, // {%
    BlockEnd,   // %}
    Name,       // identifiers and keywords
    String,     // a string literal, escapes decoded
    Int,
    Float,
    Op,         // operators and punctuation: + // ** == ( [ { , . : | ...
    Eof,
  };
  Kind kind;
  std::string text; // Text/Name/String/Op/number spelling
  int line;
};

// Tokenizes `source`; throws JinjaError (with its line) on a lexical error.
std::vector<Token> tokenize(std::string_view source);

} // namespace llmc::runtime::text::jinja

#endif // LLMC_RUNTIME_TEXT_JINJA_LEXER_H
