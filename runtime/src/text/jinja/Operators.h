// Operators: Python's binary operators and `in` on interpreter values.
#ifndef LLMC_RUNTIME_TEXT_JINJA_OPERATORS_H
#define LLMC_RUNTIME_TEXT_JINJA_OPERATORS_H

#include "Value.h"

#include <string>

namespace llmc::runtime::text::jinja {

// op: + - * / // % ** ~. Results longer than maxBytes fail.
Value binaryOp(const std::string &op, const Value &a, const Value &b,
               size_t maxBytes);
// Python's `needle in haystack`.
bool contains(const Value &haystack, const Value &needle);

} // namespace llmc::runtime::text::jinja

#endif // LLMC_RUNTIME_TEXT_JINJA_OPERATORS_H
