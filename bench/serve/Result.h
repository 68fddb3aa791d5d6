// What one streamed request of llmc-serve-bench measured, and how it ended.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace llmc::bench {

struct RequestResult {
  // Failed: no usable stream (connect/write/read failure, timeout, HTTP
  // status other than 200, an error event). "" when it did not fail.
  std::string error;
  std::string errorDetail; // the first message of that kind is reported
  // A 200 stream that did not end properly: no [DONE], no usage chunk, or
  // token counts that disagree with usage or max_tokens. "" when complete.
  std::string incomplete;

  double startS = 0;  // since the run began
  double endS = 0;
  double ttftS = -1;  // to the first event with tokens; -1: none came
  std::vector<double> itlS; // gaps between events carrying tokens
  int64_t tokens = 0;       // token ids received over the stream
  int64_t usageCompletion = -1, usagePrompt = -1;
  int64_t promptTokens = -1, maxTokens = 0;

  bool clean() const { return error.empty() && incomplete.empty(); }
};

} // namespace llmc::bench
