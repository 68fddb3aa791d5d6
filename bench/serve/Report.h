// Summary statistics of an llmc-serve-bench run: a table for people and
// the same numbers as JSON.
#pragma once

#include "Result.h"

#include <nlohmann/json.hpp>

#include <map>
#include <ostream>

namespace llmc::bench {

struct Summary {
  int64_t requests = 0, clean = 0, errors = 0, incomplete = 0;
  std::map<std::string, int64_t> errorKinds, incompleteKinds;
  std::map<std::string, std::string> firstErrorDetail; // one per kind
  int64_t outputTokens = 0, promptTokens = 0; // clean requests only
  int64_t peakOpenStreams = 0;
  double durationS = 0, requestsPerS = 0, outputTokensPerS = 0;
  // Milliseconds over clean requests: p50, p99, mean, max.
  struct Dist {
    int64_t n = 0;
    double p50 = 0, p99 = 0, mean = 0, max = 0;
  } ttft, itl, e2e;
};

Summary summarize(const std::vector<RequestResult> &results, double durationS);
nlohmann::json toJson(const Summary &s);
void printTable(std::ostream &os, const Summary &s);

} // namespace llmc::bench
