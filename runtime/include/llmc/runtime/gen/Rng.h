// Rng: xoshiro256** seeded through splitmix64. Written out here (not <random>)
// so a seed gives the same tokens with every compiler and standard library.
#ifndef LLMC_RUNTIME_GEN_RNG_H
#define LLMC_RUNTIME_GEN_RNG_H

#include <cstdint>

namespace llmc::runtime::gen {

class Rng {
public:
  explicit Rng(uint64_t seed = 0);
  uint64_t next();
  // Uniform in [0, 1) with 53 random bits.
  double uniform();

private:
  uint64_t s_[4];
};

// splitmix64 finalizer: also used to derive per-request seeds.
uint64_t mixSeed(uint64_t x);

} // namespace llmc::runtime::gen

#endif
