#include "Report.h"

#include <algorithm>
#include <cstdio>
#include <numeric>

namespace llmc::bench {

namespace {

// Percentiles interpolate linearly between ranks (numpy's default).
Summary::Dist distOf(std::vector<double> v) {
  Summary::Dist d;
  if (v.empty())
    return d;
  std::sort(v.begin(), v.end());
  auto pct = [&](double p) {
    double x = p / 100 * double(v.size() - 1);
    size_t i = static_cast<size_t>(x);
    if (i + 1 >= v.size())
      return v.back();
    return v[i] + (v[i + 1] - v[i]) * (x - double(i));
  };
  d.n = static_cast<int64_t>(v.size());
  d.p50 = pct(50) * 1e3;
  d.p99 = pct(99) * 1e3;
  d.mean = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()) * 1e3;
  d.max = v.back() * 1e3;
  return d;
}

nlohmann::json distJson(const Summary::Dist &d) {
  return {{"n", d.n}, {"p50", d.p50}, {"p99", d.p99}, {"mean", d.mean},
          {"max", d.max}};
}

} // namespace

Summary summarize(const std::vector<RequestResult> &results, double durationS) {
  Summary s;
  std::vector<double> ttft, itl, e2e;
  for (const RequestResult &r : results) {
    ++s.requests;
    if (!r.error.empty()) {
      ++s.errors;
      ++s.errorKinds[r.error];
      s.firstErrorDetail.emplace(r.error, r.errorDetail);
      continue;
    }
    if (!r.incomplete.empty()) {
      ++s.incomplete;
      ++s.incompleteKinds[r.incomplete];
      continue;
    }
    ++s.clean;
    s.outputTokens += r.tokens;
    s.promptTokens += std::max<int64_t>(r.usagePrompt, 0);
    if (r.ttftS >= 0)
      ttft.push_back(r.ttftS);
    itl.insert(itl.end(), r.itlS.begin(), r.itlS.end());
    e2e.push_back(r.endS - r.startS);
  }
  s.durationS = durationS;
  if (durationS > 0) {
    s.requestsPerS = double(s.clean) / durationS;
    s.outputTokensPerS = double(s.outputTokens) / durationS;
  }
  s.ttft = distOf(std::move(ttft));
  s.itl = distOf(std::move(itl));
  s.e2e = distOf(std::move(e2e));
  return s;
}

nlohmann::json toJson(const Summary &s) {
  nlohmann::json errors = nlohmann::json::object();
  for (auto &[k, n] : s.errorKinds)
    errors[k] = {{"count", n}, {"first", s.firstErrorDetail.at(k)}};
  return {{"requests", s.requests},
          {"clean", s.clean},
          {"errors", s.errors},
          {"error_kinds", errors},
          {"incomplete", s.incomplete},
          {"incomplete_kinds", s.incompleteKinds},
          {"peak_open_streams", s.peakOpenStreams},
          {"duration_s", s.durationS},
          {"requests_per_s", s.requestsPerS},
          {"output_tokens", s.outputTokens},
          {"prompt_tokens", s.promptTokens},
          {"output_tokens_per_s", s.outputTokensPerS},
          {"ttft_ms", distJson(s.ttft)},
          {"itl_ms", distJson(s.itl)},
          {"e2e_ms", distJson(s.e2e)}};
}

void printTable(std::ostream &os, const Summary &s) {
  char line[160];
  auto row = [&](const char *name, const Summary::Dist &d) {
    std::snprintf(line, sizeof line, "%-22s %10.2f %10.2f %10.2f %10.2f %8lld\n",
                  name, d.p50, d.p99, d.mean, d.max, (long long)d.n);
    os << line;
  };
  std::snprintf(line, sizeof line,
                "requests %lld: clean %lld, errors %lld, incomplete %lld in "
                "%.2f s; at most %lld streams open at once\n",
                (long long)s.requests, (long long)s.clean, (long long)s.errors,
                (long long)s.incomplete, s.durationS,
                (long long)s.peakOpenStreams);
  os << line;
  std::snprintf(line, sizeof line,
                "throughput: %.2f requests/s, %.1f output tokens/s (%lld "
                "output, %lld prompt tokens)\n",
                s.requestsPerS, s.outputTokensPerS, (long long)s.outputTokens,
                (long long)s.promptTokens);
  os << line;
  std::snprintf(line, sizeof line, "%-22s %10s %10s %10s %10s %8s\n", "ms",
                "p50", "p99", "mean", "max", "n");
  os << line;
  row("time to first token", s.ttft);
  row("inter-token latency", s.itl);
  row("end-to-end latency", s.e2e);
  for (auto &[k, n] : s.errorKinds)
    os << "error " << k << ": " << n << " (first: " << s.firstErrorDetail.at(k)
       << ")\n";
  for (auto &[k, n] : s.incompleteKinds)
    os << "incomplete " << k << ": " << n << "\n";
}

} // namespace llmc::bench
