// Builtins: the filters, tests, methods and globals the interpreter knows
// (Filters.cpp, Tests.cpp, Methods.cpp, Globals.cpp).
#ifndef LLMC_RUNTIME_TEXT_JINJA_BUILTINS_H
#define LLMC_RUNTIME_TEXT_JINJA_BUILTINS_H

#include "Value.h"

#include <string>

namespace llmc::runtime::text::jinja {

bool isKnownFilter(const std::string &name);
bool isKnownTest(const std::string &name);

// `value | name(args)`.
Value applyFilter(Interpreter &in, const std::string &name, const Value &value,
                  const CallArgs &args);
// `value is name(args)`.
bool applyTest(Interpreter &in, const std::string &name, const Value &value,
               const CallArgs &args);
// `obj.name`, where obj is a str or a dict and name one of its methods: a
// callable bound to obj; Undefined when there is no such method.
Value boundMethod(const Value &obj, const std::string &name);
// The global names: range, dict, namespace, raise_exception, strftime_now.
ValueDict makeGlobals();

// JSON text of a value as Python's json.dumps(ensure_ascii=False, ...)
// (transformers' tojson). indent < 0: none.
std::string toJson(const Value &v, int indent, const std::string &itemSep,
                   const std::string &keySep, bool sortKeys, bool ensureAscii);

} // namespace llmc::runtime::text::jinja

#endif // LLMC_RUNTIME_TEXT_JINJA_BUILTINS_H
