#include "Workload.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace llmc::bench {

std::string parseRange(const std::string &text, LengthDist &out) {
  size_t colon = text.find(':');
  try {
    size_t used = 0;
    std::string a = text.substr(0, colon);
    out.lo = std::stoll(a, &used);
    if (used != a.size())
      return "bad range '" + text + "' (use LO:HI)";
    out.hi = out.lo;
    if (colon != std::string::npos) {
      std::string b = text.substr(colon + 1);
      out.hi = std::stoll(b, &used);
      if (used != b.size())
        return "bad range '" + text + "' (use LO:HI)";
    }
  } catch (const std::exception &) {
    return "bad range '" + text + "' (use LO:HI)";
  }
  if (out.lo < 1 || out.hi < out.lo)
    return "bad range '" + text + "' (need 1 <= LO <= HI)";
  return "";
}

std::string parseDistKind(const std::string &text, LengthDist &out) {
  if (text == "uniform")
    out.kind = LengthDist::Kind::Uniform;
  else if (text == "lognormal")
    out.kind = LengthDist::Kind::Lognormal;
  else
    return "unknown distribution '" + text + "' (uniform or lognormal)";
  return "";
}

Workload::Workload(WorkloadOptions opts)
    : opts_(std::move(opts)), rng_(opts_.seed) {}

// Lognormal: ln(lo) and ln(hi) are the mean -/+ 2 sigma, so ~95% of draws
// fall inside the range before clamping; the median is sqrt(lo * hi).
int64_t Workload::draw(const LengthDist &d) {
  if (d.lo == d.hi)
    return d.lo;
  if (d.kind == LengthDist::Kind::Uniform)
    return std::uniform_int_distribution<int64_t>(d.lo, d.hi)(rng_);
  double a = std::log(double(d.lo)), b = std::log(double(d.hi));
  std::lognormal_distribution<double> ln((a + b) / 2, (b - a) / 4);
  return std::clamp<int64_t>(std::llround(ln(rng_)), d.lo, d.hi);
}

RequestSpec Workload::next() {
  nlohmann::json body;
  if (!opts_.model.empty())
    body["model"] = opts_.model;
  RequestSpec spec;
  if (!opts_.textPrompts.empty()) {
    size_t i = std::uniform_int_distribution<size_t>(
        0, opts_.textPrompts.size() - 1)(rng_);
    body["prompt"] = opts_.textPrompts[i];
    spec.promptTokens = -1;
  } else {
    spec.promptTokens = draw(opts_.promptLen);
    std::uniform_int_distribution<int64_t> id(opts_.firstId, opts_.vocab - 1);
    std::vector<int64_t> ids(static_cast<size_t>(spec.promptTokens));
    for (int64_t &t : ids)
      t = id(rng_);
    body["prompt"] = ids;
  }
  spec.maxTokens = draw(opts_.outputLen);
  body["max_tokens"] = spec.maxTokens;
  body["temperature"] = opts_.temperature;
  body["ignore_eos"] = opts_.ignoreEos;
  body["stream"] = true;
  body["stream_options"] = {{"include_usage", true}};
  spec.body = body.dump();
  return spec;
}

} // namespace llmc::bench
