// Tensor size helpers.
#include "llmc/runtime/Tensor.h"

namespace llmc::runtime {

size_t Tensor::numElements() const {
  size_t n = 1;
  for (int64_t d : shape)
    n *= d < 0 ? 0 : static_cast<size_t>(d);
  return n;
}

size_t Tensor::byteSize() const { return numElements() * dtypeSize(dtype); }

} // namespace llmc::runtime
