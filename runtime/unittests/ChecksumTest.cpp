// CRC-32C: known vectors, agreement with a bitwise reference, chaining.
#include "llmc/runtime/Checksum.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using llmc::runtime::crc32c;

namespace {

uint32_t bitwiseCrc32c(const uint8_t *p, size_t n) {
  uint32_t crc = ~0u;
  for (size_t i = 0; i < n; ++i) {
    crc ^= p[i];
    for (int k = 0; k < 8; ++k)
      crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
  }
  return ~crc;
}

TEST(Checksum, KnownVectors) {
  EXPECT_EQ(crc32c("", 0), 0u);
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
  std::vector<uint8_t> zeros(32, 0);
  EXPECT_EQ(crc32c(zeros.data(), zeros.size()), 0x8A9136AAu); // RFC 3720
}

TEST(Checksum, MatchesBitwiseReferenceAtEveryLengthAndOffset) {
  std::vector<uint8_t> data(200);
  for (size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<uint8_t>(i * 131 + 7);
  for (size_t off = 0; off < 8; ++off)
    for (size_t len = 0; len + off <= data.size(); ++len)
      ASSERT_EQ(crc32c(data.data() + off, len),
                bitwiseCrc32c(data.data() + off, len))
          << "off=" << off << " len=" << len;
  for (size_t off = 0; off < 8; ++off)
    for (size_t len = 0; len + off <= data.size(); ++len)
      ASSERT_EQ(llmc::runtime::crc32cPortable(data.data() + off, len),
                bitwiseCrc32c(data.data() + off, len))
          << "portable: off=" << off << " len=" << len;
}

TEST(Checksum, Chaining) {
  std::string s = "The quick brown fox jumps over the lazy dog";
  uint32_t whole = crc32c(s.data(), s.size());
  for (size_t cut = 0; cut <= s.size(); ++cut)
    EXPECT_EQ(crc32c(s.data() + cut, s.size() - cut, crc32c(s.data(), cut)),
              whole);
}

} // namespace
