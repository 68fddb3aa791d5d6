// Tensor: a dense, row-major host tensor that owns its bytes.
#ifndef LLMC_RUNTIME_TENSOR_H
#define LLMC_RUNTIME_TENSOR_H

#include "llmc/runtime/DType.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace llmc::runtime {

struct Tensor {
  DType dtype = ::llmc::plan::UNDEFINED;
  std::vector<int64_t> shape; // empty for a scalar
  std::vector<uint8_t> data;  // numElements() * dtypeSize(dtype) bytes

  // Product of the extents (1 for a scalar).
  size_t numElements() const;
  // numElements() * dtypeSize(dtype).
  size_t byteSize() const;
};

} // namespace llmc::runtime

#endif // LLMC_RUNTIME_TENSOR_H
