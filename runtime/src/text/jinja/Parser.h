// Parser: tokens to the template's statement list, following Jinja2's
// grammar and operator precedence. Unknown tags, filters and tests are
// errors here, at compile time, as in Jinja2.
#ifndef LLMC_RUNTIME_TEXT_JINJA_PARSER_H
#define LLMC_RUNTIME_TEXT_JINJA_PARSER_H

#include "Ast.h"
#include "Lexer.h"

namespace llmc::runtime::text::jinja {

// Throws JinjaError (with the line) on a syntax error.
StmtList parseTemplate(std::vector<Token> tokens);

} // namespace llmc::runtime::text::jinja

#endif // LLMC_RUNTIME_TEXT_JINJA_PARSER_H
