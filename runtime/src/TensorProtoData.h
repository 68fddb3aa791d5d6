// The typed-field side of ONNX TensorProto decoding, shared by tensor files
// (TensorFile.cpp) and model initializers (OnnxWeights.cpp). Not installed.
#ifndef LLMC_RUNTIME_SRC_TENSORPROTODATA_H
#define LLMC_RUNTIME_SRC_TENSORPROTODATA_H

#include "llmc/runtime/DType.h"
#include "llmc/runtime/Status.h"

#include "onnxio.pb.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace llmc::runtime {

// Fills `data` (plan encoding: little-endian, bool as one byte) from the typed
// field that ONNX uses for `dtype`; `count` receives the number of elements.
Status decodeTyped(const ::llmc::onnxio::TensorProto &p, DType dtype,
                   std::vector<uint8_t> &data, size_t &count);

} // namespace llmc::runtime

#endif // LLMC_RUNTIME_SRC_TENSORPROTODATA_H
