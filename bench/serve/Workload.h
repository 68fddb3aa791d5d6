// The seeded request mix of llmc-serve-bench: prompt lengths and output
// lengths drawn from uniform or lognormal distributions over given ranges.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace llmc::bench {

// A closed range [lo, hi] and how values in it are drawn.
struct LengthDist {
  enum class Kind { Uniform, Lognormal } kind = Kind::Uniform;
  int64_t lo = 1, hi = 1;
};

// Parses "LO:HI" (or "N" for LO = HI); returns "" or the error.
std::string parseRange(const std::string &text, LengthDist &out);
// Parses "uniform" or "lognormal"; returns "" or the error.
std::string parseDistKind(const std::string &text, LengthDist &out);

struct WorkloadOptions {
  LengthDist promptLen, outputLen;
  int64_t vocab = 256; // prompt ids are drawn from [firstId, vocab)
  int64_t firstId = 3; // skips the usual special ids (pad/bos/eos)
  std::vector<std::string> textPrompts; // when set: text prompts, not ids
  std::string model;                    // "" -> no "model" field
  double temperature = 0;
  bool ignoreEos = true;
  uint64_t seed = 1;
};

struct RequestSpec {
  std::string body;        // the JSON body of POST /v1/completions
  int64_t promptTokens;    // -1 for text prompts
  int64_t maxTokens;
};

// Request i of the run is the same for a given seed, however many requests
// the run takes.
class Workload {
public:
  explicit Workload(WorkloadOptions opts);
  RequestSpec next();

private:
  int64_t draw(const LengthDist &d);

  WorkloadOptions opts_;
  std::mt19937_64 rng_;
};

} // namespace llmc::bench
