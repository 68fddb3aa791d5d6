// StopMatcher: finds stop strings ("stop" of the OpenAI API) in text that
// arrives a piece at a time, across token boundaries, and holds back only
// the tail that could still be the start of a stop string.
#ifndef LLMC_TOOLS_LLMRUN_SERVE_STOPMATCHER_H
#define LLMC_TOOLS_LLMRUN_SERVE_STOPMATCHER_H

#include <string>
#include <vector>

namespace llmc::runtime::gen {

class StopMatcher {
public:
  // Empty strings are ignored. With `includeStop` (vLLM's
  // include_stop_str_in_output) the matched string is part of the output.
  StopMatcher(std::vector<std::string> stops, bool includeStop);

  // Adds decoded text; returns the text that is now safe to emit. After a
  // match, matched() is set and everything later is dropped.
  std::string add(const std::string &text);
  // The end of the output: the held-back tail (no match can complete now).
  std::string finish();

  bool matched() const { return matched_ != nullptr; }
  const std::string &matchedString() const { return *matched_; }

private:
  std::vector<std::string> stops_;
  bool include_;
  std::string pending_; // held back: a proper prefix of some stop string
  const std::string *matched_ = nullptr;
};

} // namespace llmc::runtime::gen

#endif
