// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) used by plan files.
// SSE4.2 crc32 where available, else software slicing-by-8;
// crc32c("123456789") == 0xE3069283.
#ifndef LLMC_RUNTIME_CHECKSUM_H
#define LLMC_RUNTIME_CHECKSUM_H

#include <cstddef>
#include <cstdint>

namespace llmc::runtime {

// Returns the CRC-32C of [data, data+size). Pass a previous result as `seed`
// to continue a checksum over several chunks.
uint32_t crc32c(const void *data, size_t size, uint32_t seed = 0);
// The table-driven version crc32c uses where the CPU has no crc32
// instruction (exposed for tests: both must agree).
uint32_t crc32cPortable(const void *data, size_t size, uint32_t seed = 0);

} // namespace llmc::runtime

#endif // LLMC_RUNTIME_CHECKSUM_H
