// llmrun PLAN --encode TEXT / --decode IDS: the plan's tokenizer alone (no
// model load), for debugging tokenization and for the tokenizer tests.
#ifndef LLMC_TOOLS_LLMRUN_TOKENIZEMODE_H
#define LLMC_TOOLS_LLMRUN_TOKENIZEMODE_H

#include <optional>
#include <string>

namespace llmc::tool {

// --encode prints the ids separated by spaces and a newline (with the
// tokenizer's bos/template ids unless `noSpecialTokens`); --decode takes ids
// separated by commas or spaces and prints the text without a newline.
// Returns the exit status; errors are one line on stderr.
int tokenizeMode(const std::string &plan, const std::optional<std::string> &encode,
                 const std::optional<std::string> &decode, bool noSpecialTokens);

} // namespace llmc::tool

#endif
