// Metrics: the server's Prometheus metrics (GET /metrics, text exposition
// format 0.0.4), named like vLLM's with an `llmc:` prefix so dashboards and
// the Gateway API Inference Extension's endpoint picker can read them
// (docs/deploy.md has the name mapping). The engine thread records; any
// connection thread renders. Thread-safe.
#ifndef LLMC_TOOLS_LLMRUN_SERVE_METRICS_H
#define LLMC_TOOLS_LLMRUN_SERVE_METRICS_H

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace llmc::runtime::gen {

// A cumulative Prometheus histogram (le buckets, sum, count).
class Histogram {
public:
  explicit Histogram(std::vector<double> bounds)
      : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}
  void observe(double v);
  void render(std::string &out, const std::string &name,
              const std::string &labels) const;

private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_; // per bucket, the last is +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Metrics {
public:
  // `alsoVllmNames`: every family is rendered a second time under vLLM's own
  // name (e.g. vllm:num_requests_waiting), for consumers that cannot be
  // configured (docs/deploy.md).
  Metrics(std::string modelName, bool alsoVllmNames);

  // Engine thread, after each step.
  void setQueue(int64_t running, int64_t waiting, double kvUsage);
  void addPreemptions(int64_t n);
  // Engine thread, per request.
  void addPromptTokens(int64_t n);
  void addGenerationTokens(int64_t n);
  void observeFirstToken(double seconds);
  void observeInterToken(double seconds);
  // `reason`: "stop", "length", "abort" or "error".
  void requestFinished(const std::string &reason, double e2eSeconds,
                       int64_t promptTokens, int64_t generatedTokens);
  // Connection side: answers the server refused (429/503 under load).
  void requestRejected();

  std::string render() const;

private:
  void renderAs(std::string &out, const std::string &prefix) const;

  std::string labels_; // model_name="..."
  bool alsoVllm_;
  mutable std::mutex m_;
  int64_t running_ = 0, waiting_ = 0;
  double kvUsage_ = 0;
  uint64_t preemptions_ = 0, promptTokens_ = 0, generationTokens_ = 0;
  uint64_t rejected_ = 0;
  std::map<std::string, uint64_t> success_; // by finished_reason
  Histogram ttft_, itl_, e2e_, promptLen_, genLen_;
};

} // namespace llmc::runtime::gen

#endif
