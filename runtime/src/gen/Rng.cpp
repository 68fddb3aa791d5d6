// xoshiro256** (Blackman & Vigna) with splitmix64 seeding: fixed, portable
// bit streams, so seeded sampling is reproducible everywhere.
#include "llmc/runtime/gen/Rng.h"

namespace llmc::runtime::gen {

namespace {
uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
} // namespace

uint64_t mixSeed(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

Rng::Rng(uint64_t seed) {
  // Consecutive splitmix64 outputs; never all zero.
  uint64_t x = seed;
  for (uint64_t &s : s_) {
    s = mixSeed(x);
    x += 0x9E3779B97F4A7C15ull;
  }
}

uint64_t Rng::next() {
  uint64_t result = rotl(s_[1] * 5, 7) * 9;
  uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

} // namespace llmc::runtime::gen
