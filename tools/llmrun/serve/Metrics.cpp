#include "serve/Metrics.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace llmc::runtime::gen {
namespace {

// vLLM's bucket bounds, so that its dashboards' quantiles mean the same.
const std::vector<double> kTtftBuckets = {
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75,
    1.0,   2.5,   5.0,  7.5,  10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
const std::vector<double> kItlBuckets = {
    0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3,  0.4,   0.5,  0.75,
    1.0,  2.5,   5.0,  7.5,   10.0, 20.0, 40.0, 80.0};
const std::vector<double> kE2eBuckets = {
    0.3,  0.5,  0.8,  1.0,  1.5,   2.0,   2.5,   5.0,   10.0,  15.0,
    20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};
const std::vector<double> kTokenBuckets = {1,    2,    5,    10,   20,
                                           50,   100,  200,  500,  1000,
                                           2000, 5000, 10000, 20000, 50000};

std::string num(double v) {
  if (std::isinf(v))
    return v > 0 ? "+Inf" : "-Inf";
  // The shortest text that reads back as `v` (0.005, not 0.0050000000000000001).
  char buf[64];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v)
      break;
  }
  return buf;
}

std::string escapeLabel(const std::string &s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"')
      out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void header(std::string &out, const std::string &name, const char *type,
            const char *help) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type +
         "\n";
}

} // namespace

void Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i])
    ++i;
  ++counts_[i];
  sum_ += v;
  ++count_;
}

void Histogram::render(std::string &out, const std::string &name,
                       const std::string &labels) const {
  uint64_t cum = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cum += counts_[i];
    std::string le = i < bounds_.size() ? num(bounds_[i]) : "+Inf";
    out += name + "_bucket{" + labels + ",le=\"" + le + "\"} " +
           std::to_string(cum) + "\n";
  }
  out += name + "_sum{" + labels + "} " + num(sum_) + "\n";
  out += name + "_count{" + labels + "} " + std::to_string(count_) + "\n";
}

Metrics::Metrics(std::string modelName, bool alsoVllmNames)
    : labels_("model_name=\"" + escapeLabel(modelName) + "\""),
      alsoVllm_(alsoVllmNames), ttft_(kTtftBuckets), itl_(kItlBuckets),
      e2e_(kE2eBuckets), promptLen_(kTokenBuckets), genLen_(kTokenBuckets) {}

void Metrics::setQueue(int64_t running, int64_t waiting, double kvUsage) {
  std::lock_guard<std::mutex> l(m_);
  running_ = running;
  waiting_ = waiting;
  kvUsage_ = kvUsage;
}
void Metrics::addPreemptions(int64_t n) {
  std::lock_guard<std::mutex> l(m_);
  preemptions_ += static_cast<uint64_t>(n);
}
void Metrics::addPromptTokens(int64_t n) {
  std::lock_guard<std::mutex> l(m_);
  promptTokens_ += static_cast<uint64_t>(n);
}
void Metrics::addGenerationTokens(int64_t n) {
  std::lock_guard<std::mutex> l(m_);
  generationTokens_ += static_cast<uint64_t>(n);
}
void Metrics::observeFirstToken(double s) {
  std::lock_guard<std::mutex> l(m_);
  ttft_.observe(s);
}
void Metrics::observeInterToken(double s) {
  std::lock_guard<std::mutex> l(m_);
  itl_.observe(s);
}
void Metrics::requestFinished(const std::string &reason, double e2e,
                              int64_t promptTokens, int64_t generated) {
  std::lock_guard<std::mutex> l(m_);
  ++success_[reason];
  e2e_.observe(e2e);
  promptLen_.observe(static_cast<double>(promptTokens));
  genLen_.observe(static_cast<double>(generated));
}
void Metrics::requestRejected() {
  std::lock_guard<std::mutex> l(m_);
  ++rejected_;
}

std::string Metrics::render() const {
  std::lock_guard<std::mutex> l(m_);
  std::string out;
  renderAs(out, "llmc:");
  if (alsoVllm_)
    renderAs(out, "vllm:");
  return out;
}

void Metrics::renderAs(std::string &out, const std::string &p) const {
  auto gauge = [&](const std::string &name, const char *help, double v) {
    header(out, p + name, "gauge", help);
    out += p + name + "{" + labels_ + "} " + num(v) + "\n";
  };
  auto counter = [&](const std::string &name, const char *help, uint64_t v) {
    header(out, p + name, "counter", help);
    out += p + name + "{" + labels_ + "} " + std::to_string(v) + "\n";
  };
  auto histogram = [&](const std::string &name, const char *help,
                       const Histogram &h) {
    header(out, p + name, "histogram", help);
    h.render(out, p + name, labels_);
  };
  gauge("num_requests_running", "Requests in the running batch.",
        static_cast<double>(running_));
  gauge("num_requests_waiting", "Requests waiting to be scheduled.",
        static_cast<double>(waiting_));
  gauge("kv_cache_usage_perc", "KV-cache blocks in use (1 = all).", kvUsage_);
  // vLLM's V0 name for the same ratio; older endpoint pickers read it.
  gauge("gpu_cache_usage_perc", "KV-cache blocks in use (1 = all).", kvUsage_);
  counter("num_preemptions_total", "Preemptions (KV recomputed).",
          preemptions_);
  counter("prompt_tokens_total", "Prompt tokens of requests.", promptTokens_);
  counter("generation_tokens_total", "Generated tokens.", generationTokens_);
  header(out, p + "request_success_total", "counter",
         "Finished requests by finish reason.");
  for (const char *r : {"stop", "length", "abort", "error"}) {
    auto it = success_.find(r);
    out += p + "request_success_total{" + labels_ + ",finished_reason=\"" +
           r + "\"} " + std::to_string(it == success_.end() ? 0 : it->second) +
           "\n";
  }
  counter("request_rejected_total",
          "Generation requests refused with 429 or 503 (queue full, "
          "draining).",
          rejected_);
  histogram("time_to_first_token_seconds",
            "Time from arrival to the first generated token.", ttft_);
  histogram("inter_token_latency_seconds",
            "Time between consecutive tokens of a request.", itl_);
  histogram("e2e_request_latency_seconds",
            "Time from arrival to the request's end.", e2e_);
  histogram("request_prompt_tokens", "Prompt tokens per request.",
            promptLen_);
  histogram("request_generation_tokens", "Generated tokens per request.",
            genLen_);
}

} // namespace llmc::runtime::gen
