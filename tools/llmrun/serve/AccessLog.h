// AccessLog: one JSON line per HTTP request on stderr (docs/serving.md), for
// log pipelines; `--no-access-log` turns it off.
#ifndef LLMC_TOOLS_LLMRUN_SERVE_ACCESSLOG_H
#define LLMC_TOOLS_LLMRUN_SERVE_ACCESSLOG_H

#include <cstdint>
#include <string>

namespace llmc::runtime::gen {

struct AccessRecord {
  std::string method, path, client, requestId;
  int status = 0;         // 0: no answer was sent (the client went away)
  double durationMs = 0;  // from the request's first byte to its end
  int64_t promptTokens = 0, completionTokens = 0;
};

// Thread-safe: lines never interleave.
void writeAccessLog(const AccessRecord &r);

} // namespace llmc::runtime::gen

#endif
