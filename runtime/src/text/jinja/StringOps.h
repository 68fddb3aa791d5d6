// StringOps: Python str operations on UTF-8 text, by code point (strip,
// split, splitlines, case mapping, replace, str.format).
#ifndef LLMC_RUNTIME_TEXT_JINJA_STRINGOPS_H
#define LLMC_RUNTIME_TEXT_JINJA_STRINGOPS_H

#include "Value.h"

#include <string>
#include <vector>

namespace llmc::runtime::text::jinja {

bool isPySpace(uint32_t cp);
// str.strip/lstrip/rstrip; chars null or None: whitespace.
std::string pyStrip(const std::string &s, const Value *chars, bool left,
                    bool right);
// str.split/rsplit; sep null or None: runs of whitespace.
std::vector<std::string> pySplit(const std::string &s, const Value *sep,
                                 int64_t maxsplit, bool fromRight);
std::vector<std::string> pySplitlines(const std::string &s, bool keepends);
// Case mapping: ASCII, Latin-1, Greek and Cyrillic letters.
uint32_t pyToUpper(uint32_t cp);
uint32_t pyToLower(uint32_t cp);
std::string pyUpper(const std::string &s);
std::string pyLower(const std::string &s);
std::string pyCapitalize(const std::string &s); // str.capitalize
std::string pyTitle(const std::string &s);      // str.title
std::string pyReplace(const std::string &s, const std::string &from,
                      const std::string &to, int64_t count);
// str.format with {}, {0} and {name} fields (no format specs).
std::string pyFormat(const std::string &fmt, const CallArgs &args);
size_t pyLength(const std::string &s); // code points

} // namespace llmc::runtime::text::jinja

#endif // LLMC_RUNTIME_TEXT_JINJA_STRINGOPS_H
