// CRC-32C (Castagnoli), software slicing-by-8 with compile-time tables; on
// x86-64 CPUs with SSE4.2 the crc32 instruction (same polynomial) instead,
// several times faster, which multi-GiB weights checked at load time need.
#include "llmc/runtime/Checksum.h"

#include <array>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
#define LLMC_CRC32C_SSE42 1
#endif

namespace llmc::runtime {
namespace {

constexpr uint32_t kPoly = 0x82F63B78u; // reflected 0x1EDC6F41

using Tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr Tables makeTables() {
  Tables t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k)
      c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
    t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i)
    for (int s = 1; s < 8; ++s)
      t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  return t;
}

constexpr Tables kTables = makeTables();

inline uint32_t load32le(const uint8_t *p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 |
         uint32_t(p[3]) << 24;
}

uint32_t crc32cSoftware(const uint8_t *p, size_t size, uint32_t crc);

#ifdef LLMC_CRC32C_SSE42
__attribute__((target("sse4.2"))) uint32_t
crc32cSse42(const uint8_t *p, size_t size, uint32_t crc) {
  uint64_t c = crc;
  while (size >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
    p += 8;
    size -= 8;
  }
  crc = static_cast<uint32_t>(c);
  while (size--)
    crc = _mm_crc32_u8(crc, *p++);
  return crc;
}

bool haveSse42() {
  // __builtin_cpu_init: this may run before libgcc's own constructor.
  static const bool have =
      (__builtin_cpu_init(), __builtin_cpu_supports("sse4.2"));
  return have;
}
#endif

} // namespace

uint32_t crc32c(const void *data, size_t size, uint32_t seed) {
  const auto *p = static_cast<const uint8_t *>(data);
#ifdef LLMC_CRC32C_SSE42
  if (haveSse42())
    return ~crc32cSse42(p, size, ~seed);
#endif
  return ~crc32cSoftware(p, size, ~seed);
}

uint32_t crc32cPortable(const void *data, size_t size, uint32_t seed) {
  return ~crc32cSoftware(static_cast<const uint8_t *>(data), size, ~seed);
}

namespace {

uint32_t crc32cSoftware(const uint8_t *p, size_t size, uint32_t crc) {
  while (size >= 8) {
    uint32_t lo = load32le(p) ^ crc;
    uint32_t hi = load32le(p + 4);
    crc = kTables[7][lo & 0xFF] ^ kTables[6][(lo >> 8) & 0xFF] ^
          kTables[5][(lo >> 16) & 0xFF] ^ kTables[4][lo >> 24] ^
          kTables[3][hi & 0xFF] ^ kTables[2][(hi >> 8) & 0xFF] ^
          kTables[1][(hi >> 16) & 0xFF] ^ kTables[0][hi >> 24];
    p += 8;
    size -= 8;
  }
  while (size--)
    crc = (crc >> 8) ^ kTables[0][(crc ^ *p++) & 0xFF];
  return crc;
}

} // namespace

} // namespace llmc::runtime
